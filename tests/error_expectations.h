// tests/error_expectations.h — checking what an error says: its type, and parts of its message (the
// operation, the shapes and dtypes, the caller's file:line).
//
//   expect_error<jx::ShapeError>([&] { a + b; }, {"[add]", "f32[3]", "f32[4]", here(__LINE__)});
//   expect_contains(error_message<jx::TypeError>([&] { f(x); }), "while_loop");
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <initializer_list>
#include <string>

namespace jx_test {

// Runs `f`, expects an error of type E, and returns its message (empty, with a failure, otherwise).
template <class E, class F>
std::string error_message(F&& f) {
  try {
    f();
    ADD_FAILURE() << "expected an error";
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong error type: " << e.what();
  }
  return {};
}

inline void expect_contains(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "missing '" << part << "' in:\n" << message;
}

// Runs `f`, expects an error of type E, and checks that its message contains each of `parts`.
template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  const std::string message = error_message<E>(f);
  for (const std::string& part : parts) expect_contains(message, part);
}

}  // namespace jx_test
