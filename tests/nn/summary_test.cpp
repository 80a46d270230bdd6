#include "jx/nn/summary.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
namespace nn = jx::nn;

TEST(Summary, ListsPathsShapesAndTheTotal) {
  auto model = nn::transform([](const jx::Array& x) { return nn::MLP({4, 2})(x); });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::ones({1, 3}));
  const std::string text = nn::summary(params);
  EXPECT_NE(text.find("mlp/linear_0/w"), std::string::npos) << text;
  EXPECT_NE(text.find("(3, 4)"), std::string::npos) << text;
  EXPECT_NE(text.find("mlp/linear_1/b"), std::string::npos) << text;
  // 3*4 + 4 + 4*2 + 2 = 26 parameters.
  EXPECT_NE(text.find("total"), std::string::npos);
  EXPECT_NE(text.find(" 26\n"), std::string::npos) << text;
}

// The whitespace-separated fields of the line of `text` that starts with `first` (empty if none).
std::vector<std::string> fields_of_row(const std::string& text, const std::string& first) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> fields;
    for (std::string w; words >> w;) fields.push_back(w);
    if (!fields.empty() && fields[0] == first) return fields;
  }
  return {};
}

TEST(Summary, EveryRowHasItsDtypeAndCount) {
  // An MLP 3 -> 4 -> 2 in float32, and an int32 parameter of the top level (module "~").
  auto model = nn::transform([](const jx::Array& x) {
    const jx::Array table = nn::get_parameter("table", {2, 5}, jx::int32, nn::initializers::zeros());
    return nn::MLP({4, 2})(x) + jnp::sum(table).astype(jx::float32);
  });
  const nn::Params params = model.init(jx::random::PRNGKey(0), jnp::ones({1, 3}));
  const std::string text = nn::summary(params);
  using Row = std::vector<std::string>;
  EXPECT_EQ(fields_of_row(text, "path"), (Row{"path", "shape", "dtype", "count"})) << text;
  EXPECT_EQ(fields_of_row(text, "mlp/linear_0/w"), (Row{"mlp/linear_0/w", "(3,", "4)", "float32", "12"})) << text;
  EXPECT_EQ(fields_of_row(text, "mlp/linear_0/b"), (Row{"mlp/linear_0/b", "(4,)", "float32", "4"})) << text;
  EXPECT_EQ(fields_of_row(text, "mlp/linear_1/w"), (Row{"mlp/linear_1/w", "(4,", "2)", "float32", "8"})) << text;
  EXPECT_EQ(fields_of_row(text, "mlp/linear_1/b"), (Row{"mlp/linear_1/b", "(2,)", "float32", "2"})) << text;
  EXPECT_EQ(fields_of_row(text, "~/table"), (Row{"~/table", "(2,", "5)", "int32", "10"})) << text;
  // 12 + 4 + 8 + 2 + 10 = 36, in the count column: right-aligned under "count".
  EXPECT_EQ(fields_of_row(text, "total"), (Row{"total", "36"})) << text;
  std::istringstream lines(text);
  std::string header;
  std::getline(lines, header);
  std::size_t rows = 0;
  for (std::string line; std::getline(lines, line); ++rows) EXPECT_EQ(line.size(), header.size()) << text;
  EXPECT_EQ(rows, 6u) << text;  // five parameters and the total
}

}  // namespace
