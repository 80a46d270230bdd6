// src/io/npz.h — what npz.cpp offers beyond the public jx/io/numpy_files.h.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "jx/core/array.h"

namespace jx::io::detail {

// save_npz writing ZIP64 records for every member, as archives over 4 GiB need: tests check that
// such archives read back, in jx and in NumPy, without writing 4 GiB.
void save_npz_zip64(const std::filesystem::path& path, const std::map<std::string, Array>& arrays);

}  // namespace jx::io::detail
