// examples/char_lm_corpus.h — the text the character-level models train on (examples/char_lm.cpp,
// bench/char_lm_bench.cpp): the fortune files of Debian's fortunes package, split by file.
//
//   const char_lm::Corpus corpus = char_lm::read_corpus("/usr/share/games/fortunes");
//   corpus.train.size();  // bytes; each byte is a character
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace char_lm {

struct Corpus {
  std::vector<std::uint8_t> train, validation;
};

// The fortune files (names without an extension: the .dat indexes and .u8 links are skipped) in name
// order; every fifth, from the third on, is validation text. Empty when the directory is absent.
inline Corpus read_corpus(const std::filesystem::path& directory) {
  Corpus corpus;
  if (!std::filesystem::is_directory(directory)) return corpus;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.is_regular_file() && !entry.is_symlink() && !entry.path().has_extension()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    std::vector<std::uint8_t>& into = i % 5 == 2 ? corpus.validation : corpus.train;
    into.insert(into.end(), std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return corpus;
}

}  // namespace char_lm
