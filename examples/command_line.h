// examples/command_line.h — reading the examples' command-line options, strictly.
//
//   const auto handle = [&](std::string_view flag, std::string_view value) {
//     if (flag == "--steps") return accepted_if(parse_number(value, steps) && steps >= 0);
//     if (flag == "--verbose") return verbose = true, OptionStatus::accepted;  // a switch: no value
//     return OptionStatus::unknown;
//   };
//   if (!parse_options(argc, argv, "demo", kUsage, {"--verbose"}, handle, exit_code)) return exit_code;
#pragma once

#include <algorithm>
#include <charconv>
#include <initializer_list>
#include <iostream>
#include <string_view>
#include <system_error>

// Whether the whole of `text` is a number of type T (stored in `value`): "12x", "" and "1e99" for an
// int are refused.
template <class T>
bool parse_number(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// What an option's handler made of it.
enum class OptionStatus { accepted, bad_value, unknown };
inline OptionStatus accepted_if(bool good) { return good ? OptionStatus::accepted : OptionStatus::bad_value; }

// Reads argv[1..] as options and hands each to `handle(flag, value)`. `--help` / `-h` prints `usage`;
// the flags in `switches` stand alone (their value is empty), every other flag takes the next
// argument. Returns whether the program should go on; when not, the reason has been printed and
// `exit_code` says how to exit (0 after --help, 2 after a mistake, with the usage on stderr).
template <class Handle>
bool parse_options(int argc, char** argv, std::string_view program, std::string_view usage,
                   std::initializer_list<std::string_view> switches, const Handle& handle, int& exit_code) {
  const auto refuse = [&](auto&&... why) {
    ((std::cerr << program << ": ") << ... << why) << "\n" << usage;
    exit_code = 2;
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << usage;
      exit_code = 0;
      return false;
    }
    const bool is_switch = std::find(switches.begin(), switches.end(), flag) != switches.end();
    if (!is_switch && i + 1 >= argc) return refuse(flag, " needs a value");
    const std::string_view value = is_switch ? std::string_view() : std::string_view(argv[++i]);
    switch (handle(flag, value)) {
      case OptionStatus::accepted:
        break;
      case OptionStatus::unknown:
        return refuse("unknown option ", flag);
      case OptionStatus::bad_value:
        return refuse("bad value '", value, "' for ", flag);
    }
  }
  return true;
}
