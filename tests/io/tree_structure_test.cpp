// Pytree structures as JSON: tensor names, every node kind, decoding of hostile input, comparison.
#include "io/tree_structure.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "jx/jx.h"

namespace jnp = jx::numpy;
using nlohmann::json;

namespace io_structure_test {
struct Linear {
  jx::Array w, b;
};
JX_PYTREE(Linear, w, b);

enum class Mode { train, eval };
struct WithEnum {
  jx::Array x;
  Mode mode = Mode::train;
};
JX_PYTREE(WithEnum, x, mode);

class Scale {
 public:
  Scale() = default;
  explicit Scale(jx::Array s) : s_(std::move(s)) {}
  friend auto jx_pytree_flatten(const Scale& s) { return std::tuple{s.s_}; }
  friend Scale jx_pytree_unflatten(std::type_identity<Scale>, std::tuple<jx::Array> c) { return Scale(std::get<0>(c)); }

 private:
  jx::Array s_;
};
}  // namespace io_structure_test

namespace {

using io_structure_test::Linear;

struct Thrown : std::runtime_error {
  using std::runtime_error::runtime_error;
};
const jx::io::Fail kThrow = [](const std::string& problem) { throw Thrown(problem); };

template <class T>
json encode(const T& value) {
  auto [leaves, def] = jx::tree::flatten(value);
  const std::vector<std::string> names = jx::io::tensor_names(def);
  return jx::io::encode_structure(def, leaves, names, kThrow);
}

std::string decode_error(const json& structure) {
  try {
    jx::io::decode_structure(structure, kThrow);
  } catch (const Thrown& e) {
    return e.what();
  }
  return "";
}

TEST(IoTreeStructure, TensorNamesJoinPathsWithDots) {
  std::map<std::string, std::vector<Linear>> tree{{"layers", {Linear{jnp::ones({2}), jnp::zeros({2})}}}};
  auto [leaves, def] = jx::tree::flatten(tree);
  EXPECT_EQ(jx::io::tensor_names(def), (std::vector<std::string>{"layers.0.w", "layers.0.b"}));
  auto [one, one_def] = jx::tree::flatten(jnp::ones({3}));
  EXPECT_EQ(jx::io::tensor_names(one_def), std::vector<std::string>{"value"});
}

TEST(IoTreeStructure, EncodesEveryNodeKind) {
  const jx::Key key = jx::random::PRNGKey(0);
  std::tuple<Linear, std::vector<jx::Array>, std::map<std::string, jx::Array>, std::optional<jx::Array>, int, jx::Key,
             jx::Array>
      value{Linear{jnp::ones({2}), jnp::zeros({2})},
            {jnp::ones({1})},
            {{"a", jnp::ones({1})}},
            std::nullopt,
            3,
            key,
            jx::Array(2.5f)};
  const json expected = json::parse(R"({"tuple": [
      {"custom": "Linear", "fields": ["w", "b"], "children": [{"array": "0.w"}, {"array": "0.b"}]},
      {"list": [{"array": "1.0"}]},
      {"dict": {"a": {"array": "2.a"}}},
      null,
      {"static": "int", "value": 3},
      {"key": "5", "impl": "threefry2x32"},
      {"array": "6", "weak": true}]})");
  EXPECT_EQ(encode(value), expected) << encode(value).dump(2);
}

TEST(IoTreeStructure, StaticValuesKeepTheirCxxTypes) {
  auto one = [](auto v) { return encode(std::tuple{v}).at("tuple")[0]; };
  EXPECT_EQ(one(true), json::parse(R"({"static": "bool", "value": true})"));
  EXPECT_EQ(one(std::int64_t{-5}), json::parse(R"({"static": "long", "value": -5})"));
  EXPECT_EQ(one(std::uint64_t{1} << 63), json::parse(R"({"static": "unsigned long", "value": 9223372036854775808})"));
  EXPECT_EQ(one(0.5f), json::parse(R"({"static": "float", "value": 0.5})"));
  EXPECT_EQ(one(std::numeric_limits<double>::infinity()), json::parse(R"({"static": "double", "value": "inf"})"));
  EXPECT_EQ(one(std::string("relu")), json::parse(R"({"static": "std::string", "value": "relu"})"));
}

TEST(IoTreeStructure, StaticLeavesOfOtherTypesCannotBeSaved) {
  io_structure_test::WithEnum value{jnp::ones({1}), io_structure_test::Mode::eval};
  try {
    encode(value);
    FAIL() << "expected a failure";
  } catch (const Thrown& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be saved"), std::string::npos) << e.what();
  }
}

TEST(IoTreeStructure, DecodesToTheDynamicTreeOfToDynamic) {
  io_structure_test::Scale scale(jnp::ones({2}));
  std::tuple<Linear, io_structure_test::Scale, std::optional<jx::Array>, int> value{
      Linear{jnp::arange(2), jnp::arange(3)}, scale, std::nullopt, 7};
  auto [leaves, def] = jx::tree::flatten(value);
  const json structure = encode(value);
  const jx::io::DecodedStructure decoded = jx::io::decode_structure(structure, kThrow);
  ASSERT_EQ(decoded.leaves().size(), 3u);
  EXPECT_EQ(decoded.leaves()[0].name, "0.w");
  EXPECT_EQ(decoded.leaves()[2].name, "1.0");  // the transparent custom node adds no path step
  const jx::tree::Tree rebuilt = decoded.build(leaves);
  const jx::tree::Tree reference = jx::tree::to_dynamic(value);
  EXPECT_EQ(rebuilt.to_string(), reference.to_string());
  EXPECT_EQ(rebuilt[3].value<int>(), 7);
}

TEST(IoTreeStructure, DecodingRefusesMalformedNodes) {
  EXPECT_NE(decode_error(json::parse(R"(5)")).find("not a tree node"), std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"mystery": 1})")).find("no known kind"), std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"array": "a", "extra": 1})")).find("unknown entry"), std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"array": 3})")).find("no tensor name"), std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"key": "k", "impl": "rbg"})")).find("threefry2x32"), std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"list": {"a": 1}})")).find("JSON array"), std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"custom": "T", "fields": ["a"], "children": []})")).find("1 fields but 0"),
            std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"custom": "T", "fields": ["a", "a"], "children": [null, null]})"))
                .find("repeats a field"),
            std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"static": "int", "value": 3000000000})")).find("invalid value"),
            std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"static": "unsigned int", "value": -1})")).find("invalid value"),
            std::string::npos);
  EXPECT_NE(decode_error(json::parse(R"({"static": "Mode", "value": 1})")).find("not one jx can rebuild"),
            std::string::npos);
}

TEST(IoTreeStructure, DecodingRefusesDeepNesting) {
  json deep = {{"array", "x"}};
  for (int i = 0; i < 1000; ++i) deep = json{{"list", json::array({deep})}};
  EXPECT_NE(decode_error(deep).find("nested more than"), std::string::npos);
}

TEST(IoTreeStructure, FirstDifferenceNamesThePathAndBothNodes) {
  const json a = encode(std::map<std::string, Linear>{{"l1", Linear{jnp::ones({1}), jnp::ones({1})}}});
  const json b = encode(std::map<std::string, std::vector<jx::Array>>{{"l1", {jnp::ones({1})}}});
  EXPECT_FALSE(jx::io::first_difference(a, a));
  const auto difference = jx::io::first_difference(a, b);
  ASSERT_TRUE(difference);
  EXPECT_EQ(difference->path, "'l1'");
  EXPECT_EQ(difference->expected, "a struct with fields [w, b]");
  EXPECT_EQ(difference->found, "a list of 1");
}

TEST(IoTreeStructure, FirstDifferenceInsideAStructNamesTheField) {
  const json a = encode(Linear{jnp::ones({1}), jnp::ones({1})});
  const json b = encode(Linear{jx::random::PRNGKey(0), jnp::ones({1})});
  const auto difference = jx::io::first_difference(a, b);
  ASSERT_TRUE(difference);
  EXPECT_EQ(difference->path, "'w'");
  EXPECT_EQ(difference->expected, "an array leaf");
  EXPECT_EQ(difference->found, "a PRNG key leaf");
}

TEST(IoTreeStructure, TypeNamesDoNotMatterButFieldsDo) {
  json a = encode(Linear{jnp::ones({1}), jnp::ones({1})});
  json renamed = a;
  renamed["custom"] = "RenamedLinear";
  EXPECT_FALSE(jx::io::first_difference(jx::io::without_type_names(a), jx::io::without_type_names(renamed)));
  json other_fields = a;
  other_fields["fields"] = json::array({"weight", "bias"});
  EXPECT_TRUE(jx::io::first_difference(jx::io::without_type_names(a), jx::io::without_type_names(other_fields)));
}

}  // namespace
