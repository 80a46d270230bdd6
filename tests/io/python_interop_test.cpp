// The C++ half of tools/safetensors_check.py: files jx writes for Python to check, and files Python
// wrote for jx to read. ctest runs them in order around the script (tests/CMakeLists.txt), passing
// the directory in JX_IO_INTEROP_DIR; run alone, they skip.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "io/host_arrays.h"
#include "io/npz.h"
#include "jx/io.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;

namespace io_interop_test {
struct InteropState {
  std::map<std::string, jx::Array> dtypes;
  jx::Key rng;
  int step = 0;
};
JX_PYTREE(InteropState, dtypes, rng, step);
}  // namespace io_interop_test

namespace {

const std::vector<std::string> kDTypes = {"BOOL", "I8",  "I16", "I32",  "I64", "U8", "U16",
                                          "U32",  "U64", "F16", "BF16", "F32", "F64"};

// The tensor tools/safetensors_check.py's formula() gives for `dtype` (x64 must be on).
jx::Array formula(const std::string& dtype) {
  const jx::Shape shape{3, 4};
  auto ints = [&]<class T>(auto f) {
    std::vector<T> v;
    for (std::int64_t i = 0; i < 12; ++i) v.push_back(static_cast<T>(f(i)));
    return jnp::array(v, shape);
  };
  if (dtype == "BOOL") {
    std::array<bool, 12> v{};
    for (std::size_t i = 0; i < 12; ++i) v[i] = i % 3 == 0;
    return jnp::array(std::span<const bool>(v), shape);
  }
  if (dtype == "I8") return ints.operator()<std::int8_t>([](std::int64_t i) { return 7 * i - 40; });
  if (dtype == "I16") return ints.operator()<std::int16_t>([](std::int64_t i) { return 1000 * i - 5000; });
  if (dtype == "I32") return ints.operator()<std::int32_t>([](std::int64_t i) { return 123456789 * i - 700000000; });
  if (dtype == "I64") {
    return ints.operator()<std::int64_t>([](std::int64_t i) { return 1234567890123 * i - (std::int64_t{1} << 62); });
  }
  if (dtype == "U8") return ints.operator()<std::uint8_t>([](std::int64_t i) { return 20 * i + 5; });
  if (dtype == "U16") return ints.operator()<std::uint16_t>([](std::int64_t i) { return 5000 * i + 7; });
  if (dtype == "U32") return ints.operator()<std::uint32_t>([](std::int64_t i) { return 300000000 * i + 11; });
  if (dtype == "U64") {
    return ints.operator()<std::uint64_t>(
        [](std::int64_t i) { return (std::uint64_t{1} << 63) + 1234567890123ull * static_cast<std::uint64_t>(i); });
  }
  std::vector<float> quarters;
  std::vector<double> thirds;
  for (int i = 0; i < 12; ++i) {
    quarters.push_back(static_cast<float>((i - 5.5) / 4));
    thirds.push_back((i - 5.5) / 3);
  }
  if (dtype == "F16") return jnp::array(quarters, shape, jx::float16);
  if (dtype == "BF16") return jnp::array(quarters, shape, jx::bfloat16);
  if (dtype == "F32") return jnp::array(thirds, shape, jx::float32);
  return jnp::array(thirds, shape, jx::float64);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

::testing::AssertionResult identical(const jx::Array& a, const jx::Array& b) {
  if (a.type() != b.type()) return ::testing::AssertionFailure() << repr(a) << " vs " << repr(b);
  const jx::Array ca = jx::io::writable_array(a, "test", "a"), cb = jx::io::writable_array(b, "test", "b");
  const auto x = jx::io::bytes_of(ca), y = jx::io::bytes_of(cb);  // spans into ca and cb
  if (std::memcmp(x.data(), y.data(), x.size()) != 0)
    return ::testing::AssertionFailure() << repr(a) << " vs " << repr(b);
  return ::testing::AssertionSuccess();
}

std::filesystem::path interop_dir() {
  const char* dir = std::getenv("JX_IO_INTEROP_DIR");
  return dir ? std::filesystem::path(dir) : std::filesystem::path();
}

TEST(IoPythonInterop, WriteFilesForPython) {
  const auto dir = interop_dir();
  if (dir.empty()) GTEST_SKIP() << "run by ctest around tools/safetensors_check.py";
  auto x64 = jx::config::scoped({.enable_x64 = true});
  std::filesystem::create_directories(dir);
  io_interop_test::InteropState state;
  for (const std::string& dtype : kDTypes) state.dtypes[dtype] = formula(dtype);
  state.rng = jx::random::wrap_key_data(jnp::array(std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6}, jx::Shape{3, 2}));
  state.step = 7;
  jx::io::save(dir / "from_jx.safetensors", state);

  jx::io::save_npy(dir / "from_jx.npy", formula("F32"));
  std::map<std::string, jx::Array> arrays;
  for (const std::string& dtype : kDTypes) {
    if (dtype != "BF16") arrays[lower(dtype)] = formula(dtype);
  }
  jx::io::save_npz(dir / "from_jx.npz", arrays);
  jx::io::detail::save_npz_zip64(dir / "from_jx_zip64.npz", arrays);
}

TEST(IoPythonInterop, ReadFilesFromPython) {
  const auto dir = interop_dir();
  if (dir.empty()) GTEST_SKIP() << "run by ctest around tools/safetensors_check.py";
  auto x64 = jx::config::scoped({.enable_x64 = true});

  const jx::tree::Tree tree = jx::io::load(dir / "from_python.safetensors");
  for (const std::string& dtype : kDTypes)
    EXPECT_TRUE(identical(tree["dtypes"][dtype].array(), formula(dtype))) << dtype;
  EXPECT_TRUE(identical(tree["layers"][0]["w"].array(), jnp::full({2, 2}, 0.5f, jx::float32)));
  EXPECT_TRUE(tree["layers"][1].is_none());
  EXPECT_EQ(tree["rng"].array().dtype(), jx::DType::key);
  EXPECT_EQ(jx::random::key_data(jx::Key(tree["rng"].array())).to_vector<std::uint32_t>(),
            (std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(tree["step"].value<int>(), 7);

  const jx::tree::Tree plain = jx::io::load(dir / "from_python_plain.safetensors");
  for (const std::string& dtype : kDTypes)
    EXPECT_TRUE(identical(plain["dtypes." + dtype].array(), formula(dtype))) << dtype;
  if (std::filesystem::exists(dir / "from_safetensors_package.safetensors")) {
    const auto package = jx::io::load<std::map<std::string, jx::Array>>(dir / "from_safetensors_package.safetensors");
    for (const auto& [name, array] : package) EXPECT_TRUE(identical(array, formula(name.substr(7)))) << name;
  }

  EXPECT_TRUE(identical(jx::io::load_npy(dir / "from_python.npy"), formula("I16")));
  EXPECT_TRUE(identical(jx::io::load_npy(dir / "from_python_fortran.npy"), formula("F64")));
  for (const char* name : {"from_python.npz", "from_python_compressed.npz"}) {
    const auto arrays = jx::io::load_npz(dir / name);
    EXPECT_EQ(arrays.size(), kDTypes.size() - 1) << name;
    for (const std::string& dtype : kDTypes) {
      if (dtype != "BF16") {
        EXPECT_TRUE(identical(arrays.at(lower(dtype)), formula(dtype))) << name << " " << dtype;
      }
    }
  }
}

}  // namespace
