// The frame the translated JAX tutorials run in (docs/tutorials/tutorial.h): how a cell's output is
// compared with JAX's, and when a tutorial program fails.
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "../docs/tutorials/tutorial.h"
#include "jx/core/error.h"

namespace {

using tutorial::same_jaxpr;
using tutorial::same_printed_output;

TEST(TutorialFrame, PrintedOutputComparesNumbersToATolerance) {
  EXPECT_TRUE(same_printed_output("[0.1  0.2]\n", "[0.1 0.2]", 1e-6));
  EXPECT_TRUE(same_printed_output("-0.028304616", "-0.02830462", 1e-6));
  EXPECT_FALSE(same_printed_output("-0.0283", "-0.02830462", 1e-6));
  EXPECT_TRUE(same_printed_output("1.05", "1.0499999523162842", 1e-6));
  EXPECT_TRUE(same_printed_output("Array(2., dtype=float32)", "Array(2., dtype=float32)", 1e-6));
  std::string why;
  EXPECT_FALSE(same_printed_output("Array(2., dtype=float32)", "Array(2., dtype=float64)", 1e-6, &why));
  EXPECT_EQ(why, "token 6: jx printed 'float32', JAX 'float64'");
  EXPECT_FALSE(same_printed_output("[1 2]", "[1 2 3]", 1e-6, &why));
  EXPECT_FALSE(same_printed_output("", "1", 1e-6));
  EXPECT_TRUE(same_printed_output("", "", 1e-6));
  // A word with digits is a word, not a number: int32 and int64 differ however loose the tolerance.
  EXPECT_FALSE(same_printed_output("int32[5]", "int64[5]", 1.0));
  EXPECT_TRUE(same_printed_output("nan inf -inf", "nan inf -inf", 1e-6));
}

TEST(TutorialFrame, JaxprsCompareTypesAndPrimitivesLookingThroughPjit) {
  const std::string jax = R"({ lambda ; a:f32[5]. let
    b:bool[5] = gt a 0.0
    c:f32[5] = exp a
    f:f32[5] = pjit[
      name=_where
      jaxpr={ lambda ; g:bool[5] h:f32[5] i:f32[5]. let
          j:f32[5] = select_n g i h
        in (j,) }
    ] b a c
  in (f,) })";
  const std::string jx_order = R"({ lambda ; a:f32[5]. let
    b:f32[5] = exp a
    c:bool[5] = gt a 0.0:f32[]
    d:f32[5] = select_n c b a
  in (d) })";
  EXPECT_TRUE(same_jaxpr(jx_order, jax));
  std::string why;
  const std::string other_primitive = R"({ lambda ; a:f32[5]. let
    b:f32[5] = log a
    c:bool[5] = gt a 0.0:f32[]
    d:f32[5] = select_n c b a
  in (d) })";
  EXPECT_FALSE(same_jaxpr(other_primitive, jax, &why));
  EXPECT_EQ(why, "primitives: jx [gtx1 logx1 select_nx1], JAX [expx1 gtx1 select_nx1]");
  const std::string other_input = R"({ lambda ; a:f32[6]. let
    b:f32[6] = exp a
    c:bool[6] = gt a 0.0:f32[]
    d:f32[6] = select_n c b a
  in (d) })";
  EXPECT_FALSE(same_jaxpr(other_input, jax, &why));
  EXPECT_EQ(why, "inputs: jx [f32[6]], JAX [f32[5]]");
  const std::string other_output = R"({ lambda ; a:f32[5]. let
    b:f32[5] = exp a
    c:bool[5] = gt a 0.0:f32[]
    d:f32[5] = select_n c b a
  in (c) })";
  EXPECT_FALSE(same_jaxpr(other_output, jax, &why));
  EXPECT_EQ(why, "outputs: jx [bool[5]], JAX [f32[5]]");
  // JAX breaks a long list of inputs over lines.
  const std::string wrapped = R"({ lambda ; a:i32[] b:i32[]
    c:i32[]. let
    d:i32[] = add a b
    e:i32[] = mul d c
  in (e,) })";
  const std::string one_line = R"({ lambda ; a:i32[] b:i32[] c:i32[]. let
    d:i32[] = add a b
    e:i32[] = mul d c
  in (e) })";
  EXPECT_TRUE(same_jaxpr(one_line, wrapped, &why)) << why;
  EXPECT_FALSE(same_jaxpr(R"({ lambda ; a:i32[] b:i32[]. let
    d:i32[] = add a b
    e:i32[] = mul d b
  in (e) })",
                          wrapped, &why));
  EXPECT_EQ(why, "inputs: jx [i32[] i32[]], JAX [i32[] i32[] i32[]]");
}

// Runs a tutorial with std::cout captured; returns finish()'s exit status.
int run_quietly(const std::function<int(tutorial::Tutorial&)>& cells, int code_cells) {
  std::ostringstream sink;
  std::streambuf* console = std::cout.rdbuf(sink.rdbuf());
  int status = 0;
  {
    tutorial::Tutorial t("test", "none", code_cells);
    status = cells(t);
  }
  std::cout.rdbuf(console);
  return status;
}

TEST(TutorialFrame, ATutorialFailsOnAMismatchAThrowOrAMissingCell) {
  auto prints = [](const char* text) { return [text] { std::cout << text; }; };
  EXPECT_EQ(run_quietly(
                [&](tutorial::Tutorial& t) {
                  t.cell("1.5", prints("1.5\n"));
                  t.differing_cell("[1, 2]", "ints are arrays", prints("[Array(1), Array(2)]"));
                  t.timing_cell(prints("3 ms per loop"));
                  t.not_translated("not there yet");
                  t.raising_cell<jx::ValueError>("ValueError", [] { throw jx::ValueError("op", "bad"); });
                  return t.finish();
                },
                5),
            0);
  EXPECT_EQ(run_quietly(
                [&](tutorial::Tutorial& t) {
                  t.cell("1.5", prints("1.6"));
                  return t.finish();
                },
                1),
            1);
  EXPECT_EQ(run_quietly(
                [&](tutorial::Tutorial& t) {
                  t.cell("1.5", [] { throw std::runtime_error("boom"); });
                  return t.finish();
                },
                1),
            1);
  // The wrong kind of error, and no error at all, fail a raising cell.
  EXPECT_EQ(run_quietly(
                [&](tutorial::Tutorial& t) {
                  t.raising_cell<jx::ValueError>("ValueError", [] { throw jx::ShapeError("op", "bad"); });
                  return t.finish();
                },
                1),
            1);
  EXPECT_EQ(run_quietly(
                [&](tutorial::Tutorial& t) {
                  t.raising_cell<jx::ValueError>("ValueError", [] {});
                  return t.finish();
                },
                1),
            1);
  // One cell fewer than JAX's tutorial has.
  EXPECT_EQ(run_quietly(
                [&](tutorial::Tutorial& t) {
                  t.cell("", [] {});
                  return t.finish();
                },
                2),
            1);
}

}  // namespace
