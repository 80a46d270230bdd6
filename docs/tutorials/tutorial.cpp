// The tutorial frame (tutorial.h): capturing a cell's output, comparing it with JAX's, the summary.
#include "tutorial.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <sstream>
#include <utility>

#include "jx/core/error.h"

namespace tutorial {
namespace {

struct Token {
  bool is_number = false;
  double number = 0;
  std::string text;
};

bool starts_number(std::string_view s, std::size_t i) {
  auto digit = [&](std::size_t j) { return j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])); };
  if (digit(i)) return true;
  if (s[i] == '.') return digit(i + 1);
  if (s[i] == '-' || s[i] == '+') return digit(i + 1) || (i + 1 < s.size() && s[i + 1] == '.' && digit(i + 2));
  return false;
}

// Words ([A-Za-z_][A-Za-z0-9_]*), numbers (as strtod reads them) and single punctuation characters;
// whitespace separates and is dropped.
std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalpha(c) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      tokens.push_back({false, 0, std::string(s.substr(i, j - i))});
      i = j;
    } else if (starts_number(s, i)) {
      const std::string rest(s.substr(i, std::min<std::size_t>(64, s.size() - i)));
      char* end = nullptr;
      const double value = std::strtod(rest.c_str(), &end);
      const auto length = static_cast<std::size_t>(end - rest.c_str());
      tokens.push_back({true, value, rest.substr(0, length)});
      i += length;
    } else {
      tokens.push_back({false, 0, std::string(1, s[i])});
      ++i;
    }
  }
  return tokens;
}

bool close(double a, double b, double relative_tolerance) {
  if (a == b) return true;
  return std::abs(a - b) <= relative_tolerance * std::max(std::abs(a), std::abs(b));
}

// The pieces of a printed jaxpr the comparison looks at.
struct JaxprSummary {
  std::vector<std::string> input_types, output_types;
  std::map<std::string, int> primitives;
};

std::string trim(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t");
  const auto end = s.find_last_not_of(" \t,");
  return begin == std::string_view::npos ? std::string() : std::string(s.substr(begin, end - begin + 1));
}

// "a:f32[5]" -> {"a", "f32[5]"}.
std::pair<std::string, std::string> split_binder(std::string_view binder) {
  const auto colon = binder.find(':');
  if (colon == std::string_view::npos) return {std::string(binder), ""};
  return {std::string(binder.substr(0, colon)), std::string(binder.substr(colon + 1))};
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> result;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) result.push_back(w);
  return result;
}

JaxprSummary summarize(std::string_view jaxpr) {
  JaxprSummary summary;
  std::map<std::string, std::string> type_of;
  std::istringstream lines{std::string(jaxpr)};
  bool header_seen = false;
  std::string outputs_line;
  for (std::string line; std::getline(lines, line);) {
    if (!header_seen && line.find("lambda") != std::string::npos) {
      header_seen = true;
      // JAX wraps a long list of inputs over several lines; the header ends at ". let".
      for (std::string more; line.find(". let") == std::string::npos && std::getline(lines, more);) line += " " + more;
      // "{ lambda consts ; a:f32[5] b:i32[]. let"
      const auto semicolon = line.find(';');
      const auto let = line.rfind(". let");
      if (semicolon != std::string::npos && let != std::string::npos && let > semicolon) {
        for (const auto& binder : words(std::string_view(line).substr(semicolon + 1, let - semicolon - 1))) {
          auto [name, type] = split_binder(binder);
          type_of[name] = type;
          summary.input_types.push_back(type);
        }
      }
      continue;
    }
    const auto in_at = line.find("in (");
    if (in_at != std::string::npos && trim(std::string_view(line).substr(0, in_at)).empty()) outputs_line = line;
    const auto equals = line.find(" = ");
    if (equals == std::string::npos) continue;
    for (const auto& binder : words(std::string_view(line).substr(0, equals))) {
      auto [name, type] = split_binder(binder);
      type_of[name] = type;
    }
    std::string primitive = trim(std::string_view(line).substr(equals + 3));
    primitive = primitive.substr(0, primitive.find_first_of(" [\t"));
    if (primitive != "pjit" && primitive != "jit" && primitive != "closed_call") ++summary.primitives[primitive];
  }
  // "  in (g,) }" -> the outputs' names, typed by their definitions.
  const auto open = outputs_line.find('(');
  const auto close_at = outputs_line.rfind(')');
  if (open != std::string::npos && close_at != std::string::npos && close_at > open) {
    std::string names = outputs_line.substr(open + 1, close_at - open - 1);
    std::replace(names.begin(), names.end(), ',', ' ');
    for (const auto& name : words(names)) {
      const auto found = type_of.find(name);
      summary.output_types.push_back(found == type_of.end() ? name : found->second);
    }
  }
  return summary;
}

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : " ") + item;
  return s;
}

std::string describe(const std::map<std::string, int>& primitives) {
  std::string s;
  for (const auto& [name, count] : primitives) s += (s.empty() ? "" : " ") + name + "x" + std::to_string(count);
  return s;
}

}  // namespace

std::string py_list(const std::vector<jx::Array>& arrays) {
  std::string s = "[";
  for (std::size_t i = 0; i < arrays.size(); ++i) s += (i ? ", " : "") + jx::repr(arrays[i]);
  return s + "]";
}

bool same_printed_output(std::string_view actual, std::string_view expected, double relative_tolerance,
                         std::string* why) {
  const auto a = tokenize(actual);
  const auto e = tokenize(expected);
  for (std::size_t i = 0; i < std::max(a.size(), e.size()); ++i) {
    if (i >= a.size() || i >= e.size()) {
      if (why) *why = "jx printed " + std::to_string(a.size()) + " tokens, JAX " + std::to_string(e.size());
      return false;
    }
    const bool same = a[i].is_number && e[i].is_number ? close(a[i].number, e[i].number, relative_tolerance)
                                                       : a[i].is_number == e[i].is_number && a[i].text == e[i].text;
    if (!same) {
      if (why) *why = "token " + std::to_string(i) + ": jx printed '" + a[i].text + "', JAX '" + e[i].text + "'";
      return false;
    }
  }
  return true;
}

bool same_jaxpr(std::string_view actual, std::string_view expected, std::string* why) {
  const auto a = summarize(actual);
  const auto e = summarize(expected);
  auto differ = [&](const std::string& what, const std::string& jx_side, const std::string& jax_side) {
    if (why) *why = what + ": jx [" + jx_side + "], JAX [" + jax_side + "]";
    return false;
  };
  if (a.input_types != e.input_types) return differ("inputs", join(a.input_types), join(e.input_types));
  if (a.output_types != e.output_types) return differ("outputs", join(a.output_types), join(e.output_types));
  if (a.primitives != e.primitives) return differ("primitives", describe(a.primitives), describe(e.primitives));
  return true;
}

Tutorial::Tutorial(std::string title, std::string source, int code_cells)
    : title_(std::move(title)), source_(std::move(source)), code_cells_(code_cells) {
  std::cout << "# " << title_ << "\n# translated from jax-ml/jax " << source_ << ", " << code_cells_ << " code cells\n";
}

void Tutorial::header() { std::cout << "\n---- cell " << outcomes_.size() + 1 << " ----\n"; }

void Tutorial::record(Kind kind, std::string note) {
  outcomes_.push_back({static_cast<int>(outcomes_.size()) + 1, kind, std::move(note)});
}

void Tutorial::capture(const std::function<void()>& body, std::string& printed) {
  std::ostringstream captured;
  std::streambuf* console = std::cout.rdbuf(captured.rdbuf());
  auto restore = [&] {
    std::cout.rdbuf(console);
    printed = captured.str();
    std::cout << printed;
  };
  try {
    body();
  } catch (...) {
    restore();
    throw;
  }
  restore();
}

std::optional<std::string> Tutorial::run(const std::function<void()>& body) {
  header();
  std::string printed;
  try {
    capture(body, printed);
  } catch (const std::exception& e) {
    record(Kind::mismatch, std::string("threw: ") + e.what());
    return std::nullopt;
  }
  return printed;
}

void Tutorial::record_comparison(bool same, std::string_view jax_printed, std::string why) {
  if (same) {
    record(Kind::matched);
  } else {
    std::cout << "[JAX printed]\n" << jax_printed << "\n";
    record(Kind::mismatch, std::move(why));
  }
}

void Tutorial::cell(std::string_view jax_printed, const std::function<void()>& body) { cell(jax_printed, 1e-6, body); }

void Tutorial::cell(std::string_view jax_printed, double relative_tolerance, const std::function<void()>& body) {
  const auto printed = run(body);
  if (!printed) return;
  std::string why;
  const bool same = same_printed_output(*printed, jax_printed, relative_tolerance, &why);
  record_comparison(same, jax_printed, std::move(why));
}

void Tutorial::jaxpr_cell(std::string_view jax_printed, const std::function<void()>& body) {
  const auto printed = run(body);
  if (!printed) return;
  std::string why;
  const bool same = same_jaxpr(*printed, jax_printed, &why);
  record_comparison(same, jax_printed, std::move(why));
}

void Tutorial::raising_cell_impl(std::string_view jax_error, std::string_view jax_printed_before,
                                 const std::function<void()>& body,
                                 const std::function<bool(const std::exception&)>& expected) {
  header();
  std::string printed, outcome;
  try {
    capture(body, printed);
    outcome = "did not throw; JAX raises " + std::string(jax_error);
  } catch (const std::exception& e) {
    // The first line of the message is enough to show which error this is.
    const std::string message = e.what();
    std::cout << "[raised, as JAX raises " << jax_error << "] " << message.substr(0, message.find('\n')) << "\n";
    if (!expected(e)) outcome = "threw another kind of error than JAX's " + std::string(jax_error) + ": " + message;
  }
  if (!outcome.empty()) {
    record(Kind::mismatch, outcome);
    return;
  }
  std::string why;
  const bool same = same_printed_output(printed, jax_printed_before, 1e-6, &why);
  record_comparison(same, jax_printed_before, std::move(why));
}

void Tutorial::differing_cell(std::string_view jax_printed, std::string_view why, const std::function<void()>& body) {
  if (!run(body)) return;
  std::cout << "[JAX printed]\n" << jax_printed << "\n[differs by design] " << why << "\n";
  record(Kind::differs, std::string(why));
}

void Tutorial::timing_cell(const std::function<void()>& body) {
  if (!run(body)) return;
  record(Kind::timing, "a measurement: run, not compared");
}

void Tutorial::not_translated(std::string_view why) {
  header();
  std::cout << "[not translated] " << why << "\n";
  record(Kind::not_translated, std::string(why));
}

int Tutorial::finish() {
  int matched = 0, differs = 0, timing = 0, left = 0, mismatched = 0;
  for (const auto& outcome : outcomes_) {
    matched += outcome.kind == Kind::matched;
    differs += outcome.kind == Kind::differs;
    timing += outcome.kind == Kind::timing;
    left += outcome.kind == Kind::not_translated;
    mismatched += outcome.kind == Kind::mismatch;
  }
  const int cells = static_cast<int>(outcomes_.size());
  std::cout << "\n# " << title_ << ": " << cells << " of " << code_cells_ << " code cells accounted for; "
            << matched + differs + timing << " run (" << matched << " match JAX's output, " << differs
            << " differ by design, " << timing << " timings), " << left << " not translated, " << mismatched
            << " do not match\n";
  for (const auto& outcome : outcomes_) {
    const char* kind = outcome.kind == Kind::differs          ? "differs"
                       : outcome.kind == Kind::not_translated ? "not translated"
                       : outcome.kind == Kind::mismatch       ? "mismatch"
                                                              : nullptr;
    if (kind) std::cout << "#   cell " << outcome.number << " " << kind << ": " << outcome.note << "\n";
  }
  if (cells != code_cells_) {
    std::cout << "# the translation accounts for " << cells << " cells, JAX's tutorial has " << code_cells_ << "\n";
    return 1;
  }
  return mismatched == 0 ? 0 : 1;
}

// %timeit as IPython prints it, in jx's words: one call to warm up (tracing and compiling), then the
// best of `repeats` runs of `loops` calls.
void timeit(std::string_view what, const std::function<void()>& call, int loops, int repeats) {
  call();
  double best_us = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < loops; ++i) call();
    const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
    const double per_loop = elapsed.count() / loops;
    if (r == 0 || per_loop < best_us) best_us = per_loop;
  }
  std::cout << what << ": " << best_us << " us per loop (best of " << repeats << " runs of " << loops << " loops)\n";
}

}  // namespace tutorial
