// .npy files: the header NumPy writes, every dtype, byte orders, Fortran order, and bad headers.
#include "io/npy.h"

#include <gtest/gtest.h>

#include <complex>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "jx/io/numpy_files.h"
#include "jx/jx.h"

namespace jnp = jx::numpy;

namespace {

using jx::io::test::append;
using jx::io::test::append_be;
using jx::io::test::append_le;
using jx::io::test::read_file;
using jx::io::test::TempDir;
using jx::io::test::write_file;

// A version 1.0 file with the given header dict (padded as NumPy pads it) and data.
std::vector<std::uint8_t> npy_file(const std::string& dict, const std::vector<std::uint8_t>& data, int major = 1) {
  std::vector<std::uint8_t> b;
  append(b, "\x93NUMPY");
  b.push_back(static_cast<std::uint8_t>(major));
  b.push_back(0);
  const std::size_t preamble = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  append_le(b, header.size(), major == 1 ? 2 : 4);
  append(b, header);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

std::string load_error(const std::filesystem::path& path) {
  try {
    jx::io::load_npy(path);
  } catch (const jx::IOError& e) {
    return e.detail();
  }
  return "";
}

TEST(IoNpy, WritesTheHeaderNumPyWrites) {
  TempDir dir;
  jx::io::save_npy(dir / "x.npy", jnp::arange(6, jx::float32).reshape({2, 3}));
  const auto bytes = read_file(dir / "x.npy");
  // np.save(f, np.arange(6, dtype=np.float32).reshape(2, 3)) writes exactly this 128-byte prefix.
  std::string expected = "\x93NUMPY\x01";
  expected += '\0';
  expected += "v";
  expected += '\0';
  expected += "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  expected += std::string(128 - expected.size() - 1, ' ') + "\n";
  ASSERT_EQ(bytes.size(), 128u + 24);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 128), expected);
  jx::io::save_npy(dir / "v.npy", jnp::array(std::vector<std::uint8_t>{1, 2}));
  const auto v = read_file(dir / "v.npy");
  EXPECT_NE(std::string(v.begin(), v.end()).find("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }"),
            std::string::npos);
  jx::io::save_npy(dir / "s.npy", jnp::array(true));
  const auto s = read_file(dir / "s.npy");
  EXPECT_NE(std::string(s.begin(), s.end()).find("{'descr': '|b1', 'fortran_order': False, 'shape': (), }"),
            std::string::npos);
}

TEST(IoNpy, RoundTripsEveryNumPyDType) {
  auto scope = jx::config::scoped({.enable_x64 = true});
  TempDir dir;
  const std::vector<jx::DType> dtypes = {jx::bool_,   jx::int8,    jx::int16,     jx::int32,     jx::int64,
                                         jx::uint8,   jx::uint16,  jx::uint32,    jx::uint64,    jx::float16,
                                         jx::float32, jx::float64, jx::complex64, jx::complex128};
  for (jx::DType dtype : dtypes) {
    const jx::Array x = (jnp::arange(24).reshape({2, 3, 4}) % 5).astype(dtype);
    jx::io::save_npy(dir / "x.npy", x);
    const jx::Array y = jx::io::load_npy(dir / "x.npy");
    EXPECT_EQ(y.type(), x.type()) << jx::dtype_name(dtype);
    EXPECT_TRUE(jnp::array_equal(x, y).item<bool>()) << jx::dtype_name(dtype);
  }
}

TEST(IoNpy, ReadsBigEndianFortranOrderAndVersionTwo) {
  TempDir dir;
  // np.array([[1, 2, 3], [4, 5, 6]], dtype='>i4', order='F'): column by column, big-endian.
  std::vector<std::uint8_t> data;
  for (int v : {1, 4, 2, 5, 3, 6}) append_be(data, static_cast<std::uint64_t>(v), 4);
  write_file(dir / "f.npy", npy_file("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }", data));
  const jx::Array x = jx::io::load_npy(dir / "f.npy");
  EXPECT_EQ(x.shape(), (jx::Shape{2, 3}));
  EXPECT_EQ(x.to_vector<int>(), (std::vector<int>{1, 2, 3, 4, 5, 6}));

  std::vector<std::uint8_t> floats;
  append_le(floats, 0x3fc00000, 4);  // 1.5f
  write_file(dir / "v2.npy", npy_file("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (1L,)}", floats, 2));
  EXPECT_EQ(jx::io::load_npy(dir / "v2.npy").to_vector<float>(), std::vector<float>{1.5f});

  // np.array([1.5 - 2j], dtype='>c8'): each part is a big-endian float32.
  std::vector<std::uint8_t> complex_parts;
  append_be(complex_parts, 0x3fc00000, 4);  // 1.5f
  append_be(complex_parts, 0xc0000000, 4);  // -2.0f
  write_file(dir / "c.npy", npy_file("{'descr': '>c8', 'fortran_order': False, 'shape': (1,), }", complex_parts));
  const jx::Array z = jx::io::load_npy(dir / "c.npy");
  EXPECT_EQ(z.dtype(), jx::complex64);
  EXPECT_EQ(z.to_vector<std::complex<float>>(), (std::vector<std::complex<float>>{{1.5f, -2.0f}}));
}

TEST(IoNpy, WritesComplexAsNumPyDoes) {
  TempDir dir;
  // np.save(f, np.array([1 + 2j], dtype=np.complex64)): descr '<c8', the parts real then imaginary.
  jx::io::save_npy(dir / "z.npy", jnp::array({std::complex<float>(1, 2)}, jx::complex64));
  const auto bytes = read_file(dir / "z.npy");
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_NE(text.find("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"), std::string::npos);
  ASSERT_EQ(bytes.size(), 128u + 8);
  float parts[2];
  std::memcpy(parts, bytes.data() + 128, sizeof parts);
  EXPECT_EQ(parts[0], 1.0f);
  EXPECT_EQ(parts[1], 2.0f);
}

TEST(IoNpy, RefusesHeadersThatAreNotNumPys) {
  TempDir dir;
  const auto path = dir / "bad.npy";
  auto error = [&](const std::string& dict, std::size_t data_size) {
    write_file(path, npy_file(dict, std::vector<std::uint8_t>(data_size, 0)));
    return load_error(path);
  };
  EXPECT_EQ(error("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 8), "");
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 7).find("needs 8 bytes"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 9).find("holds 9"), std::string::npos);
  EXPECT_NE(error("{'descr': '<c32', 'fortran_order': False, 'shape': (1,), }", 32).find("no counterpart"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", 8).find("does not read"),
            std::string::npos);
  EXPECT_NE(error("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4).find("structured"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'shape': (1,), }", 4).find("lacks one of"), std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4).find("unknown key"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", 4).find("non-negative"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 4).find("too large"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 4).find("too large"),
            std::string::npos);
  EXPECT_NE(error("{'descr': '<f4', 'fortran_order': maybe, 'shape': (1,), }", 4).find("True or False"),
            std::string::npos);
  EXPECT_NE(error("__import__('os').system('x')", 4), "");
  write_file(path, std::string("\x93NUMPX\x01\x00\x00\x00", 10));
  EXPECT_NE(load_error(path).find("not a .npy file"), std::string::npos);
  write_file(path, std::string("\x93NUMPY\x04\x00\x00\x00", 10));
  EXPECT_NE(load_error(path).find("version 4.0"), std::string::npos);
  write_file(path, std::string("\x93NUMPY\x01\x00\xff\x7f", 10));
  EXPECT_NE(load_error(path).find("runs past the end"), std::string::npos);
}

TEST(IoNpy, RefusesWhatNumPyCannotHold) {
  TempDir dir;
  EXPECT_THROW(jx::io::save_npy(dir / "b.npy", jnp::ones({2}, jx::bfloat16)), jx::DTypeError);
  EXPECT_THROW(jx::io::save_npy(dir / "k.npy", jx::random::PRNGKey(0)), jx::DTypeError);
  EXPECT_FALSE(std::filesystem::exists(dir / "b.npy"));
}

TEST(IoNpy, TruncationAtEveryByteAndHeaderFlipsAreIOErrors) {
  TempDir dir;
  jx::io::save_npy(dir / "x.npy", jnp::arange(10, jx::float32));
  const auto bytes = read_file(dir / "x.npy");
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    write_file(dir / "cut.npy", std::span(bytes.data(), size));
    EXPECT_THROW(jx::io::load_npy(dir / "cut.npy"), jx::IOError) << size;
  }
  std::mt19937 rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    auto damaged = bytes;
    damaged[std::uniform_int_distribution<std::size_t>(0, 127)(rng)] ^=
        static_cast<std::uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng));
    write_file(dir / "flip.npy", damaged);
    try {
      jx::io::load_npy(dir / "flip.npy");
    } catch (const jx::IOError&) {
    }
  }
}

}  // namespace
