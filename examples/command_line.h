// examples/command_line.h — reading numbers from command-line options, strictly.
//
//   int steps = 0;
//   if (!parse_number(argv[i], steps)) { /* "12x", "", "1e99" for an int: refused */ }
#pragma once

#include <charconv>
#include <string_view>
#include <system_error>

// Whether the whole of `text` is a number of type T (stored in `value`).
template <class T>
bool parse_number(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}
