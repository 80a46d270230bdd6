// jx/io/numpy_files.h — NumPy's .npy (one array) and .npz (a zip of named arrays) files.
//
// The files np.save / np.savez write and np.load reads, for trading arrays with NumPy-based tools:
//
//   jx::io::save_npy("x.npy", x);                             // np.load("x.npy")
//   jx::Array y = jx::io::load_npy("y.npy");                  // from np.save("y.npy", y)
//   jx::io::save_npz("arrays.npz", {{"w", w}, {"b", b}});     // np.load("arrays.npz")["w"]
//   auto arrays = jx::io::load_npz("arrays.npz");             // np.savez or np.savez_compressed
//
// Reading accepts format versions 1 to 3, either byte order, C or Fortran order (Fortran-ordered
// data is reordered), and npz members that are stored or deflated (np.savez_compressed); anything
// else, or any inconsistency (a header whose shape does not match the data, a CRC mismatch, a member
// outside the file), throws jx::IOError naming the file. Writing produces version 1.0 little-endian
// C-order files and stored (uncompressed) npz members, atomically as jx::io::save does. NumPy has no
// bfloat16 and no key dtype: such arrays are refused (convert them with astype or
// jx::random::key_data first). float64 and 64-bit integer data load as jnp.asarray would make them
// (float32 and int32 unless config::enable_x64 is on).
#pragma once

#include <filesystem>
#include <map>
#include <source_location>
#include <string>

#include "jx/core/array.h"

namespace jx::io {

void save_npy(const std::filesystem::path& path, const Array& array,
              std::source_location loc = std::source_location::current());
Array load_npy(const std::filesystem::path& path, std::source_location loc = std::source_location::current());

// Members are named KEY.npy inside the archive, as np.savez names them.
void save_npz(const std::filesystem::path& path, const std::map<std::string, Array>& arrays,
              std::source_location loc = std::source_location::current());
std::map<std::string, Array> load_npz(const std::filesystem::path& path,
                                      std::source_location loc = std::source_location::current());

}  // namespace jx::io
