#include "jx/core/dtype.h"

#include <array>
#include <bit>

#include "jx/core/config.h"

namespace jx {
namespace {

struct DTypeInfo {
  std::string_view name;
  std::string_view short_name;
  std::size_t itemsize;
};

constexpr std::array<DTypeInfo, kNumDTypes> kInfo = {{
    {"bool", "bool", 1},
    {"int8", "i8", 1},
    {"int16", "i16", 2},
    {"int32", "i32", 4},
    {"int64", "i64", 8},
    {"uint8", "u8", 1},
    {"uint16", "u16", 2},
    {"uint32", "u32", 4},
    {"uint64", "u64", 8},
    {"float16", "f16", 2},
    {"bfloat16", "bf16", 2},
    {"float32", "f32", 4},
    {"float64", "f64", 8},
    {"complex64", "c64", 8},
    {"complex128", "c128", 16},
    {"key<fry>", "key<fry>", 8},
    {"float0", "float0", 0},
}};

// JAX's promotion lattice (docs.jax.dev, "Type promotion semantics"). Each node lists the nodes
// directly above it; the promoted type of a pair is their least upper bound.
enum Node : int {
  b1,
  u1,
  u2,
  u4,
  u8,
  i1,
  i2,
  i4,
  i8,
  bf,
  f2,
  f4,
  f8,
  c8,
  c16,
  weak_int,
  weak_float,
  weak_complex,
  kNumNodes
};

constexpr std::array<std::array<int, 3>, kNumNodes> kAbove = {{
    /* b1 */ {weak_int, -1, -1},
    /* u1 */ {u2, i2, -1},
    /* u2 */ {u4, i4, -1},
    /* u4 */ {u8, i8, -1},
    /* u8 */ {weak_float, -1, -1},
    /* i1 */ {i2, -1, -1},
    /* i2 */ {i4, -1, -1},
    /* i4 */ {i8, -1, -1},
    /* i8 */ {weak_float, -1, -1},
    /* bf */ {f4, -1, -1},
    /* f2 */ {f4, -1, -1},
    /* f4 */ {f8, c8, -1},
    /* f8 */ {c16, -1, -1},
    /* c8 */ {c16, -1, -1},
    /* c16 */ {-1, -1, -1},
    /* i* */ {u1, i1, -1},
    /* f* */ {bf, f2, weak_complex},
    /* c* */ {c8, -1, -1},
}};

// Bit set of every node at or above `node`.
constexpr std::uint32_t upper_set(int node) {
  std::uint32_t set = 1u << node;
  for (int above : kAbove[static_cast<std::size_t>(node)]) {
    if (above >= 0) set |= upper_set(above);
  }
  return set;
}

constexpr std::array<std::uint32_t, kNumNodes> kUpperSets = [] {
  std::array<std::uint32_t, kNumNodes> sets{};
  for (int n = 0; n < kNumNodes; ++n) sets[static_cast<std::size_t>(n)] = upper_set(n);
  return sets;
}();

// The least upper bound: the common upper bound that every other common upper bound is above.
constexpr int join(int a, int b) {
  const std::uint32_t common = kUpperSets[static_cast<std::size_t>(a)] & kUpperSets[static_cast<std::size_t>(b)];
  for (int n = 0; n < kNumNodes; ++n) {
    if ((common >> n & 1u) && (kUpperSets[static_cast<std::size_t>(n)] & common) == common) return n;
  }
  return -1;
}

constexpr std::array<std::array<int, kNumNodes>, kNumNodes> kJoin = [] {
  std::array<std::array<int, kNumNodes>, kNumNodes> table{};
  for (int a = 0; a < kNumNodes; ++a) {
    for (int b = 0; b < kNumNodes; ++b) table[static_cast<std::size_t>(a)][static_cast<std::size_t>(b)] = join(a, b);
  }
  return table;
}();
static_assert(kJoin[u8][i8] == weak_float && kJoin[bf][f2] == f4 && kJoin[weak_int][u1] == u1);
static_assert(kJoin[f8][c8] == c16 && kJoin[bf][weak_complex] == c8 && kJoin[weak_int][weak_complex] == weak_complex);

int node_of(PromotionType t) {
  if (t.weak && is_integer(t.dtype)) return weak_int;
  if (t.weak && is_floating(t.dtype)) return weak_float;
  if (t.weak && is_complex(t.dtype)) return weak_complex;
  switch (t.dtype) {
    case DType::bool_:
      return b1;
    case DType::uint8:
      return u1;
    case DType::uint16:
      return u2;
    case DType::uint32:
      return u4;
    case DType::uint64:
      return u8;
    case DType::int8:
      return i1;
    case DType::int16:
      return i2;
    case DType::int32:
      return i4;
    case DType::int64:
      return i8;
    case DType::bfloat16:
      return bf;
    case DType::float16:
      return f2;
    case DType::float32:
      return f4;
    case DType::float64:
      return f8;
    case DType::complex64:
      return c8;
    case DType::complex128:
      return c16;
    default:
      return -1;
  }
}

constexpr std::array<DType, kNumNodes> kNodeDType = {
    DType::bool_,   DType::uint8,     DType::uint16,     DType::uint32,   DType::uint64,  DType::int8,
    DType::int16,   DType::int32,     DType::int64,      DType::bfloat16, DType::float16, DType::float32,
    DType::float64, DType::complex64, DType::complex128, DType::int32,    DType::float32, DType::complex64};

}  // namespace

std::string_view dtype_name(DType dtype) { return kInfo[static_cast<std::size_t>(dtype)].name; }
std::string_view dtype_short_name(DType dtype) { return kInfo[static_cast<std::size_t>(dtype)].short_name; }
std::size_t itemsize(DType dtype) { return kInfo[static_cast<std::size_t>(dtype)].itemsize; }

DType canonicalize_dtype(DType dtype) {
  if (config::enable_x64()) return dtype;
  switch (dtype) {
    case DType::int64:
      return DType::int32;
    case DType::uint64:
      return DType::uint32;
    case DType::float64:
      return DType::float32;
    case DType::complex128:
      return DType::complex64;
    default:
      return dtype;
  }
}

DType default_int_dtype() { return config::enable_x64() ? DType::int64 : DType::int32; }
DType default_float_dtype() { return config::enable_x64() ? DType::float64 : DType::float32; }
DType default_complex_dtype() { return config::enable_x64() ? DType::complex128 : DType::complex64; }

PromotionType promote_types(PromotionType a, PromotionType b) {
  const int na = node_of(a);
  const int nb = node_of(b);
  if (na < 0 || nb < 0) {
    // Keys and float0 only "promote" with themselves.
    return {a.dtype == b.dtype ? a.dtype : DType::float0, false};
  }
  const int joined = kJoin[static_cast<std::size_t>(na)][static_cast<std::size_t>(nb)];
  if (joined == weak_int) return {default_int_dtype(), true};
  if (joined == weak_float) return {default_float_dtype(), true};
  if (joined == weak_complex) return {default_complex_dtype(), true};
  return {canonicalize_dtype(kNodeDType[static_cast<std::size_t>(joined)]), false};
}

}  // namespace jx
