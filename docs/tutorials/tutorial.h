// The frame every translated JAX tutorial under docs/tutorials/ runs in.
//
// A tutorial program walks through the code cells of one of JAX's tutorials in order. Each cell is
// translated into a C++ block that prints what the Python cell prints; the frame captures that
// output, echoes it, and compares it with the text JAX's documentation shows for the cell. A cell that
// cannot be translated is declared with the reason, in one line. At the end the program prints how
// many cells ran and matched, lists the ones left, and exits non-zero if any translated cell did not
// match (the test suite runs every tutorial).
//
//   tutorial::Tutorial t("Key concepts", "docs/key-concepts.md", 13);
//   t.cell("Array([0, 1, 2, 3, 4], dtype=int32)", [] { std::cout << jx::repr(jnp::arange(5)) << "\n"; });
//   t.not_translated("x.sharding: jx has no sharding yet (issue 22)");
//   return t.finish();
//
// Output is compared token by token: words and punctuation exactly, numbers to a relative tolerance
// (JAX and jx may round a last float32 digit differently), whitespace ignored. Cells whose JAX output
// cannot be the same text have their own checks: a printed jaxpr is compared by its inputs, outputs
// and the primitives it applies; an exception by the kind of error JAX raises; a timing is only run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jx/core/array.h"

namespace tutorial {

// A list of arrays as Python prints one: "[Array([0, 1], dtype=int32), Array(2., dtype=float32)]".
std::string py_list(const std::vector<jx::Array>& arrays);

class Tutorial {
 public:
  // `source` names the JAX document translated (a path in jax-ml/jax); `code_cells` is how many code
  // cells it has, so that a cell forgotten in the translation fails the run.
  Tutorial(std::string title, std::string source, int code_cells);

  // A cell whose printed output must match `jax_printed` (empty: the cell prints nothing).
  void cell(std::string_view jax_printed, const std::function<void()>& body);
  // The same with a relative tolerance of its own for the numbers (default 1e-6).
  void cell(std::string_view jax_printed, double relative_tolerance, const std::function<void()>& body);
  // A cell that prints a jaxpr, as JAX's `jax.make_jaxpr(f)(x)` does. Matches when the inputs' and
  // outputs' types and the multiset of primitives applied are JAX's (jx does not wrap calls in pjit,
  // and may order independent equations differently).
  void jaxpr_cell(std::string_view jax_printed, const std::function<void()>& body);
  // A cell that raises in JAX. `jax_error` is the name of JAX's exception (e.g.
  // "TracerBoolConversionError"); the cell matches when `body` throws the jx error `ExpectedError`.
  // What jx printed before the error is compared with `jax_printed_before`.
  template <class ExpectedError>
  void raising_cell(std::string_view jax_error, const std::function<void()>& body,
                    std::string_view jax_printed_before = {}) {
    raising_cell_impl(jax_error, jax_printed_before, body,
                      [](const std::exception& e) { return dynamic_cast<const ExpectedError*>(&e) != nullptr; });
  }
  // A cell whose translation cannot print JAX's text because jx differs by design (`why`, one line):
  // run and shown next to JAX's output, counted apart from the matching cells. A cell that throws
  // still fails.
  void differing_cell(std::string_view jax_printed, std::string_view why, const std::function<void()>& body);
  // A cell whose output is a measurement (`%timeit`): run, printed, not compared.
  void timing_cell(const std::function<void()>& body);
  // A cell left untranslated; `why` is one line, and the list of them is the API's to-do list.
  void not_translated(std::string_view why);

  // Prints the summary; returns the process's exit status.
  int finish();

 private:
  enum class Kind { matched, differs, timing, not_translated, mismatch };
  struct Outcome {
    int number = 0;
    Kind kind = Kind::matched;
    std::string note;
  };
  void raising_cell_impl(std::string_view jax_error, std::string_view jax_printed_before,
                         const std::function<void()>& body, const std::function<bool(const std::exception&)>& expected);
  // Runs `body` with std::cout captured into `printed`, which is echoed to the console also when
  // `body` throws (the exception then escapes).
  static void capture(const std::function<void()>& body, std::string& printed);
  // Starts a cell and runs its body: what it printed, or nothing once a throw is recorded as a mismatch.
  std::optional<std::string> run(const std::function<void()>& body);
  // Records a compared cell: matched, or a mismatch shown next to JAX's text.
  void record_comparison(bool same, std::string_view jax_printed, std::string why);
  void record(Kind kind, std::string note = {});
  void header();

  std::string title_, source_;
  int code_cells_;
  std::vector<Outcome> outcomes_;
};

// IPython's %timeit for a timing_cell: one warm-up call (tracing and compiling), then the best of
// `repeats` runs of `loops` calls, printed per call in microseconds after `what`.
void timeit(std::string_view what, const std::function<void()>& call, int loops, int repeats = 1);

// Whether `actual` prints what `expected` does: tokens equal, numbers within `relative_tolerance`.
// On a mismatch, `why` says where. Exposed for the frame's own tests.
bool same_printed_output(std::string_view actual, std::string_view expected, double relative_tolerance,
                         std::string* why = nullptr);
// Whether two printed jaxprs have the same input and output types and apply the same primitives
// (JAX's pjit/jit wrappers are looked through). On a mismatch, `why` says what differs.
bool same_jaxpr(std::string_view actual, std::string_view expected, std::string* why = nullptr);

}  // namespace tutorial
