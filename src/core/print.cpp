// Printing arrays the way NumPy does (numpy/core/arrayprint.py): elements share one format — floats
// aligned on the decimal point with the shortest digits that round-trip (at most `precision` after the
// point), switching to scientific notation for very large or small magnitudes — lines wrap at
// `linewidth` characters, and arrays over `threshold` elements are summarized with "..." (the print
// options of jx/core/print_options.h; NumPy's defaults 8, 75 and 1000).
#include "core/print.h"

#include <charconv>
#include <cmath>
#include <complex>
#include <functional>
#include <mutex>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/cpu/kernels.h"
#include "core/array_impl.h"
#include "jx/core/array.h"
#include "jx/core/print_options.h"

namespace jx {
namespace {

// The options in force (jx/core/print_options.h); read once per printed array.
std::mutex options_mutex;
PrintOptions current_options;

PrintOptions options() {
  std::lock_guard lock(options_mutex);
  return current_options;
}

// Shortest decimal digits that read back as the same value in the array's own precision.
std::string shortest(double value, DType dtype, bool scientific) {
  char buffer[64];
  const auto format = scientific ? std::chars_format::scientific : std::chars_format::fixed;
  if (dtype == DType::float32) {
    return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(value), format).ptr);
  }
  if (dtype == DType::float64) {
    return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value, format).ptr);
  }
  // float16/bfloat16: the fewest significant digits that convert back to the same 16-bit value.
  for (int digits = 1; digits <= 9; ++digits) {
    char candidate[64];
    const auto end =
        std::to_chars(candidate, candidate + sizeof candidate, value, std::chars_format::scientific, digits - 1).ptr;
    const double parsed = std::strtod(std::string(candidate, end).c_str(), nullptr);
    const bool same = dtype == DType::float16
                          ? Float16(static_cast<float>(parsed)).bits == Float16(static_cast<float>(value)).bits
                          : BFloat16(static_cast<float>(parsed)).bits == BFloat16(static_cast<float>(value)).bits;
    if (same) {
      return scientific
                 ? std::string(candidate, end)
                 : std::string(buffer,
                               std::to_chars(buffer, buffer + sizeof buffer, parsed, std::chars_format::fixed).ptr);
    }
  }
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value, format).ptr);
}

// Positional digits: shortest unique, capped at `precision` fractional digits, "1." for integers.
std::string positional(double value, DType dtype, int precision) {
  std::string s = shortest(value, dtype, false);
  std::size_t point = s.find('.');
  if (point != std::string::npos && s.size() - point - 1 > static_cast<std::size_t>(precision)) {
    char buffer[512];
    s.assign(buffer, std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, precision).ptr);
    while (s.back() == '0') s.pop_back();
  }
  if (s.find('.') == std::string::npos) s += '.';
  return s;
}

struct FloatFormat {
  int max_digits = 8;  // the print options' precision
  bool plus = false;   // a '+' before non-negative values: the imaginary parts of complex numbers
  bool exponential = false;
  int pad_left = 0, pad_right = 0;  // characters before and after the decimal point
  int precision = 0, exponent_digits = 2;
};

// Scientific digits split into mantissa integer part, fraction and exponent.
struct Scientific {
  std::string integer, fraction, exponent;
};

Scientific scientific_parts(double value, DType dtype, int precision) {
  std::string s = shortest(value, dtype, true);
  const std::size_t mark = s.find('e'), dot = s.find('.');
  if (dot != std::string::npos && mark - dot - 1 > static_cast<std::size_t>(precision)) {
    // More digits than the precision allows: rounded to it, trailing zeros dropped.
    char buffer[64];
    s.assign(buffer,
             std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific, precision).ptr);
    const std::size_t e = s.find('e');
    std::size_t end = e;
    while (end > 0 && s[end - 1] == '0') --end;
    if (end > 0 && s[end - 1] == '.') --end;
    s.erase(end, e - end);
  }
  const std::size_t e = s.find('e');
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  const std::size_t point = mantissa.find('.');
  Scientific parts{mantissa.substr(0, point), point == std::string::npos ? "" : mantissa.substr(point + 1), ""};
  const char sign = exponent[0] == '-' ? '-' : '+';
  std::string digits = exponent.substr(exponent[0] == '-' || exponent[0] == '+' ? 1 : 0);
  while (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
  parts.exponent = std::string(1, sign) + digits;
  return parts;
}

FloatFormat float_format(const std::vector<double>& values, DType dtype, const PrintOptions& options,
                         bool plus = false) {
  FloatFormat f;
  f.max_digits = options.precision;
  f.plus = plus;
  const int sign_width = plus ? 1 : 0;  // the '+' that non-negative values get
  double max_value = 0, min_value = INFINITY;
  bool any_nonzero = false, any_nonfinite = false, negative_inf = false;
  for (double v : values) {
    if (!std::isfinite(v)) {
      any_nonfinite = true;
      negative_inf |= std::isinf(v) && v < 0;
      continue;
    }
    if (v != 0) {
      any_nonzero = true;
      max_value = std::max(max_value, std::fabs(v));
      min_value = std::min(min_value, std::fabs(v));
    }
  }
  f.exponential =
      any_nonzero && (max_value >= 1e8 || (!options.suppress && (min_value < 1e-4 || max_value / min_value > 1e3)));
  if (f.exponential) {
    std::size_t longest_exponent = 0;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      const Scientific parts = scientific_parts(v, dtype, f.max_digits);
      const int sign = std::signbit(v) ? 0 : sign_width;
      f.pad_left = std::max(f.pad_left, sign + static_cast<int>(parts.integer.size()));
      f.precision = std::max(f.precision, static_cast<int>(parts.fraction.size()));
      longest_exponent = std::max(longest_exponent, parts.exponent.size() - 1);
    }
    f.exponent_digits = std::max<int>(2, static_cast<int>(longest_exponent));
    f.pad_right = f.exponent_digits + 2 + f.precision;
  } else {
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      const std::string s = positional(v, dtype, f.max_digits);
      const std::size_t point = s.find('.');
      const int sign = std::signbit(v) ? 0 : sign_width;
      f.pad_left = std::max(f.pad_left, sign + static_cast<int>(point));
      f.pad_right = std::max(f.pad_right, static_cast<int>(s.size() - point - 1));
    }
  }
  if (any_nonfinite) {
    const int offset = f.pad_right + 1;
    f.pad_left = std::max({f.pad_left, 3 - offset, 3 + (negative_inf || plus ? 1 : 0) - offset});
  }
  return f;
}

std::string format_float(double v, DType dtype, const FloatFormat& f) {
  std::string body;
  const std::string sign = f.plus && !std::signbit(v) ? "+" : "";
  if (!std::isfinite(v)) {
    body = std::isnan(v) ? (f.plus ? "+nan" : "nan") : (v < 0 ? "-inf" : sign + "inf");
    const int width = f.pad_left + f.pad_right + 1;
    return std::string(static_cast<std::size_t>(std::max(0, width - static_cast<int>(body.size()))), ' ') + body;
  }
  if (f.exponential) {
    Scientific parts = scientific_parts(v, dtype, f.max_digits);
    parts.fraction.resize(static_cast<std::size_t>(f.precision), '0');
    std::string exponent_digits = parts.exponent.substr(1);
    while (static_cast<int>(exponent_digits.size()) < f.exponent_digits) exponent_digits.insert(0, "0");
    body = sign + parts.integer + "." + parts.fraction + "e" + parts.exponent[0] + exponent_digits;
    const int before = static_cast<int>(sign.size() + parts.integer.size());
    return std::string(static_cast<std::size_t>(std::max(0, f.pad_left - before)), ' ') + body;
  }
  body = sign + positional(v, dtype, f.max_digits);
  const std::size_t point = body.find('.');
  const int before = static_cast<int>(point), after = static_cast<int>(body.size() - point - 1);
  return std::string(static_cast<std::size_t>(std::max(0, f.pad_left - before)), ' ') + body +
         std::string(static_cast<std::size_t>(std::max(0, f.pad_right - after)), ' ');
}

// Formats elements (by flat index) of a concrete array; decides the shared format from `sample`.
// Complex numbers are formatted as NumPy's ComplexFloatingFormat does: the real parts share one float
// format, the imaginary parts another that always shows a sign, and 'j' follows the imaginary digits.
class ElementFormatter {
 public:
  ElementFormatter(const Array& x, const std::vector<std::int64_t>& sample, const PrintOptions& options)
      : dtype_(x.dtype()) {
    data_ = cpu::convert(x, ArrayType{x.shape(), wide_dtype(dtype_)});
    if (is_complex(dtype_)) {
      std::vector<double> real_parts, imag_parts;
      for (std::int64_t i : sample) {
        real_parts.push_back(complex_at(i).real());
        imag_parts.push_back(complex_at(i).imag());
      }
      float_format_ = float_format(real_parts, real_dtype(dtype_), options);
      imag_format_ = float_format(imag_parts, real_dtype(dtype_), options, /*plus=*/true);
    } else if (is_floating(dtype_)) {
      std::vector<double> values;
      for (std::int64_t i : sample) values.push_back(as_double(i));
      float_format_ = float_format(values, dtype_, options);
    } else {
      for (std::int64_t i : sample) width_ = std::max(width_, static_cast<int>(raw(i).size()));
    }
  }

  std::string operator()(std::int64_t i) const {
    if (is_complex(dtype_)) {
      const std::complex<double> z = complex_at(i);
      std::string imag = format_float(z.imag(), real_dtype(dtype_), imag_format_);
      std::size_t end = imag.size();
      while (end > 0 && imag[end - 1] == ' ') --end;
      imag.insert(end, "j");
      return format_float(z.real(), real_dtype(dtype_), float_format_) + imag;
    }
    if (is_floating(dtype_)) return format_float(as_double(i), dtype_, float_format_);
    std::string s = raw(i);
    return std::string(static_cast<std::size_t>(std::max(0, width_ - static_cast<int>(s.size()))), ' ') + s;
  }

 private:
  static DType wide_dtype(DType dtype) {
    if (is_complex(dtype)) return DType::complex128;
    if (is_floating(dtype)) return DType::float64;
    if (dtype == DType::bool_) return DType::bool_;
    return is_unsigned_integer(dtype) ? DType::uint64 : DType::int64;
  }
  std::complex<double> complex_at(std::int64_t i) const { return concrete(data_).data_as<std::complex<double>>()[i]; }
  double as_double(std::int64_t i) const {
    const ConcreteArray& c = concrete(data_);
    switch (c.type().dtype) {
      case DType::float64:
        return c.data_as<double>()[i];
      case DType::int64:
        return static_cast<double>(c.data_as<std::int64_t>()[i]);
      case DType::uint64:
        return static_cast<double>(c.data_as<std::uint64_t>()[i]);
      default:
        return c.data_as<bool>()[i];
    }
  }
  std::string raw(std::int64_t i) const {
    const ConcreteArray& c = concrete(data_);
    switch (c.type().dtype) {
      case DType::bool_:
        return c.data_as<bool>()[i] ? "True" : "False";
      case DType::int64:
        return std::to_string(c.data_as<std::int64_t>()[i]);
      case DType::uint64:
        return std::to_string(c.data_as<std::uint64_t>()[i]);
      default:
        return {};
    }
  }

  DType dtype_;
  Array data_;
  FloatFormat float_format_, imag_format_;
  int width_ = 0;
};

// The flat indices shown (all, or the edges of each axis when summarizing).
void shown_indices(const Shape& shape, bool summarize, std::int64_t edge_items, int axis, std::int64_t base,
                   std::vector<std::int64_t>& out) {
  if (axis == shape.ndim()) {
    out.push_back(base);
    return;
  }
  const std::int64_t n = shape[axis];
  std::int64_t stride = 1;
  for (int d = axis + 1; d < shape.ndim(); ++d) stride *= shape[d];
  for (std::int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * edge_items && i == edge_items) i = n - edge_items;
    shown_indices(shape, summarize, edge_items, axis + 1, base + i * stride, out);
  }
}

void extend_line(std::string& s, std::string& line, const std::string& word, int width, const std::string& prefix) {
  const bool needs_wrap = static_cast<int>(line.size() + word.size()) > width && line.size() > prefix.size();
  if (needs_wrap) {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    s += line + "\n";
    line = prefix;
  }
  line += word;
}

struct Layout {
  const Shape& shape;
  const ElementFormatter& format;
  std::string separator;
  bool summarize;
  std::int64_t edge_items;
};

std::string format_nested(const Layout& layout, int axis, std::int64_t base, const std::string& indent, int width) {
  const Shape& shape = layout.shape;
  const std::int64_t n = shape[axis];
  std::int64_t stride = 1;
  for (int d = axis + 1; d < shape.ndim(); ++d) stride *= shape[d];
  const std::int64_t edge_items = layout.edge_items;
  const bool show_summary = layout.summarize && n > 2 * edge_items;
  std::vector<std::int64_t> items;
  for (std::int64_t i = 0; i < n; ++i) {
    if (show_summary && i == edge_items) {
      items.push_back(-1);  // the "..." marker
      i = n - edge_items;
    }
    items.push_back(i);
  }
  const std::string next_indent = indent + " ";
  const int next_width = width - 1;
  std::string s;
  std::string trimmed_separator = layout.separator;
  while (!trimmed_separator.empty() && trimmed_separator.back() == ' ') trimmed_separator.pop_back();
  if (axis == shape.ndim() - 1) {
    const int element_width = width - std::max<int>(static_cast<int>(trimmed_separator.size()), 1);
    std::string line = indent;
    for (std::size_t k = 0; k < items.size(); ++k) {
      const std::string word = items[k] < 0 ? "..." : layout.format(base + items[k] * stride);
      const bool last = k + 1 == items.size();
      extend_line(s, line, word, element_width, indent);
      if (!last) line += layout.separator;
    }
    s += line;
  } else {
    const std::string line_separator =
        trimmed_separator + std::string(static_cast<std::size_t>(shape.ndim() - axis - 1), '\n');
    for (std::size_t k = 0; k < items.size(); ++k) {
      const std::string nested =
          items[k] < 0 ? "..." : format_nested(layout, axis + 1, base + items[k] * stride, next_indent, next_width);
      s += indent + nested;
      if (k + 1 < items.size()) s += line_separator;
    }
  }
  return "[" + s.substr(indent.size()) + "]";
}

// `suffix_width` is kept free at the end of lines for what follows the array (repr's ",").
std::string array_to_string(const Array& x, const std::string& separator, const std::string& prefix,
                            int suffix_width = 0) {
  const Shape& shape = x.shape();
  const PrintOptions print_options = options();
  const bool summarize = shape.num_elements() > print_options.threshold;
  std::vector<std::int64_t> sample;
  shown_indices(shape, summarize, print_options.edgeitems, 0, 0, sample);
  const ElementFormatter format(x, sample, print_options);
  if (shape.ndim() == 0) return format(0);
  if (shape.num_elements() == 0) return "[]";
  const Layout layout{shape, format, separator, summarize, print_options.edgeitems};
  return format_nested(layout, 0, 0, std::string(prefix.size() + 1, ' '), print_options.linewidth - suffix_width);
}

std::string tracer_description(const Array& x) { return x.impl()->tracer_repr(); }

// Python's repr of a float in `dtype`'s precision: the shortest digits, in scientific notation outside
// [1e-4, 1e16). An integral value written positionally gets `integral_suffix`: ".0" for a float
// scalar (NumPy's str), nothing for a part of a complex scalar ("3+4j").
std::string python_float_repr(double v, DType dtype, std::string_view integral_suffix) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  const double magnitude = std::fabs(v);
  if (magnitude != 0 && (magnitude >= 1e16 || magnitude < 1e-4)) {
    const Scientific parts = scientific_parts(v, dtype, 17);  // Python's repr: every digit it needs
    std::string exponent = parts.exponent.substr(1);
    while (exponent.size() < 2) exponent.insert(0, "0");
    return parts.integer + (parts.fraction.empty() ? "" : "." + parts.fraction) + "e" + parts.exponent[0] + exponent;
  }
  std::string s = shortest(v, dtype, false);
  if (s.find('.') == std::string::npos) s += integral_suffix;
  return s;
}

// str() of a 0-d complex, as NumPy's complex scalars print: "(3+4j)", and "4j" for a zero real part.
std::string complex_scalar_string(const Array& x) {
  const std::complex<double> z = cpu::convert(x, ArrayType{{}, DType::complex128}).item<std::complex<double>>();
  const DType part = real_dtype(x.dtype());
  std::string imag = python_float_repr(z.imag(), part, "");
  if (z.real() == 0 && !std::signbit(z.real())) return imag + "j";
  if (imag[0] != '-') imag = "+" + imag;
  return "(" + python_float_repr(z.real(), part, "") + imag + "j)";
}

// str() of a 0-d float: the shortest repr, with ".0" for integral values (NumPy scalar str).
std::string scalar_string(const Array& x) {
  if (is_complex(x.dtype())) return complex_scalar_string(x);
  if (!is_floating(x.dtype())) return array_to_string(x, " ", "");
  return python_float_repr(cpu::convert(x, ArrayType{{}, DType::float64}).item<double>(), x.dtype(), ".0");
}

// A key array prints as JAX prints one (str and repr alike): its shape and key type, then the uint32
// words it is made of, as NumPy prints them.
std::string key_array_string(const Array& keys) {
  const Array dense = cpu::contiguous(keys);
  Shape words_shape = keys.shape();
  words_shape.push_back(2);
  const Array words = reinterpreted_array(concrete(dense), ArrayType{words_shape, DType::uint32});
  return "Array(" + keys.shape().to_string() + ", dtype=key<fry>) overlaying:\n" + array_to_string(words, " ", "");
}

}  // namespace

std::string to_string(const Array& x) {
  if (!x.valid()) return "Array(<empty handle>)";
  if (x.is_tracer()) return tracer_description(x);
  if (x.dtype() == DType::key) return key_array_string(x);
  if (x.ndim() == 0) return scalar_string(x);
  return array_to_string(x, " ", "");
}

std::ostream& operator<<(std::ostream& os, const Array& x) { return os << to_string(x); }

PrintOptions get_print_options() { return options(); }

void set_print_options(const PrintOptions& new_options) {
  std::lock_guard lock(options_mutex);
  current_options = new_options;
}

std::string repr(const Array& x) {
  if (!x.valid()) return "Array(<empty handle>)";
  if (x.is_tracer()) return tracer_description(x);
  if (x.dtype() == DType::key) return key_array_string(x);
  const std::string prefix = "Array(";
  const std::string body = array_to_string(x, ", ", prefix, 1);
  std::string dtype = "dtype=" + std::string(dtype_name(x.dtype()));
  if (x.weak_type()) dtype += ", weak_type=True";
  if (x.size() == 0 && x.ndim() > 0) dtype = "shape=" + x.shape().to_string() + ", " + dtype;
  const std::size_t last_newline = body.rfind('\n');
  const std::size_t last_line =
      last_newline == std::string::npos ? body.size() + prefix.size() : body.size() - last_newline;
  const std::string separator = last_line + dtype.size() + 2 > static_cast<std::size_t>(options().linewidth)
                                    ? "\n" + std::string(prefix.size(), ' ')
                                    : " ";
  return prefix + body + "," + separator + dtype + ")";
}

std::string aval_string(const ArrayType& type) {
  std::string dims;
  for (int axis = 0; axis < type.shape.ndim(); ++axis) dims += (axis ? "," : "") + std::to_string(type.shape[axis]);
  return (type.weak ? "~" : "") + std::string(dtype_name(type.dtype)) + "[" + dims + "]";
}

std::string format_with_arrays(std::string_view format, std::span<const Array> values) {
  std::string out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] == '{' && i + 1 < format.size() && format[i + 1] == '}') {
      out += next < values.size() ? to_string(values[next++]) : "{}";
      ++i;
    } else {
      out += format[i];
    }
  }
  return out;
}

}  // namespace jx
