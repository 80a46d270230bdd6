// jx::debug::breakpoint: JAX's text debugger (jax/_src/debugger/cli_debugger.py), on a debug callback.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "jx/debug.h"

namespace jx::debug {
namespace {

struct Session {
  const std::vector<std::string>& names;
  std::span<const Array> values;
  std::source_location where;

  const Array* find(const std::string& name) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return &values[i];
    return nullptr;
  }

  // The value of `name`, or Python's NameError as pdb shows it.
  void show(const std::string& name, bool as_repr) const {
    if (const Array* value = find(name)) {
      std::cout << (as_repr ? repr(*value) : to_string(*value)) << "\n";
    } else {
      std::cout << "*** NameError: name '" << name << "' is not defined\n";
    }
  }

  // "> file(line)" and the lines around it, the breakpoint's marked "->", when the source is readable.
  void list(int context) const {
    std::cout << "> " << where.file_name() << "(" << where.line() << ")\n";
    std::ifstream source(where.file_name());
    std::string line;
    for (int number = 1; std::getline(source, line); ++number) {
      const int distance = number - static_cast<int>(where.line());
      if (distance < -context) continue;
      if (distance > context) break;
      std::cout << (distance == 0 ? "->  " : "    ") << line << "\n";
    }
  }

  void help() const {
    std::cout << "Documented commands (type help <topic>):\n"
                 "p NAME, NAME  the value's repr      pp NAME  the value as print shows it\n"
                 "l(ist)  source around the breakpoint  w(here), bt  the location\n"
                 "u(p), d(own)  move between frames (there is one)\n"
                 "c(ont(inue))  resume    q(uit), exit  end the program\n"
                 "names:";
    for (const std::string& name : names) std::cout << " " << name;
    std::cout << "\n";
  }

  // Reads and runs commands until one resumes the program.
  void run() const {
    std::cout << "Entering jdb:\n";
    for (;;) {
      std::cout << "(jdb) " << std::flush;
      std::string line;
      if (!std::getline(std::cin, line)) {
        std::cout << "\n(end of input: continuing)\n";
        return;
      }
      std::istringstream words(line);
      std::string command, argument;
      words >> command;
      std::getline(words >> std::ws, argument);
      if (command.empty()) continue;
      if (command == "c" || command == "cont" || command == "continue") return;
      if (command == "q" || command == "quit" || command == "exit") {
        std::cout.flush();
        std::exit(0);  // as JAX's debugger ends the program (sys.exit(0))
      }
      if (command == "p") {
        show(argument, true);
      } else if (command == "pp") {
        show(argument, false);
      } else if (command == "l" || command == "list") {
        list(5);
      } else if (command == "w" || command == "where" || command == "bt") {
        std::cout << "Traceback:\n  File \"" << where.file_name() << "\", line " << where.line() << "\n";
      } else if (command == "u" || command == "up") {
        std::cout << "At topmost frame.\n";
        list(2);
      } else if (command == "d" || command == "down") {
        std::cout << "At bottommost frame.\n";
        list(2);
      } else if (command == "h" || command == "help") {
        help();
      } else {
        show(line, true);  // a bare name, as pdb evaluates a bare expression
      }
    }
  }
};

}  // namespace

void breakpoint(NamedValues values, std::source_location where) {
  std::vector<std::string> names;
  std::vector<Array> arrays;
  for (auto& [name, value] : values) {
    names.push_back(std::move(name));
    arrays.push_back(std::move(value));
  }
  const std::string description =
      std::string("breakpoint at ") + where.file_name() + ":" + std::to_string(where.line());
  detail::callback_flat(
      [names = std::move(names), where](std::span<const Array> concrete) {
        static std::mutex one_session_at_a_time;
        std::lock_guard lock(one_session_at_a_time);
        Session{names, concrete, where}.run();
      },
      description, std::move(arrays), where);
}

}  // namespace jx::debug
