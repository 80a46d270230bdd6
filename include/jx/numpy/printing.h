// jx/numpy/printing.h — NumPy's print settings (jnp.get_printoptions, set_printoptions, printoptions),
// over jx's own (jx/core/print_options.h), which jx::Array's printing follows.
//
//   namespace jnp = jx::numpy;
//   jnp::set_printoptions({.precision = 4});             // from now on
//   {
//     auto scope = jnp::printoptions({.threshold = 10, .edgeitems = 2});
//     std::cout << big_array;                            // summarized
//   }                                                    // the previous options again
#pragma once

#include <cstdint>
#include <optional>

#include "jx/core/array.h"
#include "jx/core/print_options.h"

namespace jx::numpy {

// The fields to change; the others keep their values.
struct PrintOptionsUpdate {
  [[no_unique_address]] detail::KeywordsOnly keywords_only_{};
  std::optional<int> precision = std::nullopt;
  std::optional<std::int64_t> threshold = std::nullopt;
  std::optional<std::int64_t> edgeitems = std::nullopt;
  std::optional<int> linewidth = std::nullopt;
  std::optional<bool> suppress = std::nullopt;
};

PrintOptions get_printoptions();
void set_printoptions(const PrintOptionsUpdate& update);

// Restores the options it saved when it goes out of scope (NumPy's printoptions context manager).
class PrintOptionsScope {
 public:
  explicit PrintOptionsScope(const PrintOptionsUpdate& update);
  ~PrintOptionsScope();
  PrintOptionsScope(const PrintOptionsScope&) = delete;
  PrintOptionsScope& operator=(const PrintOptionsScope&) = delete;

 private:
  PrintOptions saved_;
};
[[nodiscard]] inline PrintOptionsScope printoptions(const PrintOptionsUpdate& update) {
  return PrintOptionsScope(update);
}

}  // namespace jx::numpy
