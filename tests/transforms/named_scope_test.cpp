// named_scope and named_call: the names reach the printed jaxpr on the equations recorded inside them,
// nest, stay on their thread, and change no value.
#include "jx/transforms/named_scope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>

#include "jx/numpy.h"
#include "jx/transforms/jit.h"

namespace jnp = jx::numpy;

namespace {

// The printed line of the first equation whose primitive is `name`.
std::string line_of(const std::string& jaxpr, const std::string& name) {
  const std::size_t at = jaxpr.find("= " + name);
  if (at == std::string::npos) return "";
  const std::size_t start = jaxpr.rfind('\n', at) + 1;
  return jaxpr.substr(start, jaxpr.find('\n', at) - start);
}

TEST(NamedScope, EquationsInsideAScopeCarryItsNameInTheJaxpr) {
  auto f = [](const jx::Array& x) {
    const jx::Array y = jnp::sin(x);
    jx::Array z;
    {
      const auto outer = jx::named_scope("outer");
      const jx::Array w = jnp::cos(y);
      {
        const auto inner = jx::named_scope("inner");
        z = jnp::exp(w);
      }
      z = z + w;
    }
    return jnp::tanh(z);
  };
  const std::string jaxpr = jx::make_jaxpr(f)(jnp::ones({3})).to_string();
  EXPECT_EQ(line_of(jaxpr, "sin").find('#'), std::string::npos) << jaxpr;
  EXPECT_NE(line_of(jaxpr, "cos").find("# [outer]"), std::string::npos) << jaxpr;
  EXPECT_NE(line_of(jaxpr, "exp").find("# [outer/inner]"), std::string::npos) << jaxpr;
  EXPECT_NE(line_of(jaxpr, "add").find("# [outer]"), std::string::npos) << jaxpr;
  EXPECT_EQ(line_of(jaxpr, "tanh").find('#'), std::string::npos) << jaxpr;
  // Values are unchanged: tanh(exp(cos(sin 1)) + cos(sin 1)).
  const float c = std::cos(std::sin(1.0f));
  EXPECT_NEAR(jx::jit(f)(jnp::ones({3})).to_vector<float>()[0], std::tanh(std::exp(c) + c), 1e-6);
}

TEST(NamedScope, NamedCallAndThreads) {
  const auto dense = jx::named_call([](const jx::Array& x) { return jnp::sum(x * x); }, "dense");
  const std::string jaxpr =
      jx::make_jaxpr([&](const jx::Array& x) { return dense(x) + 1.0f; })(jnp::ones({2})).to_string();
  EXPECT_NE(line_of(jaxpr, "mul").find("# [dense]"), std::string::npos) << jaxpr;
  EXPECT_EQ(line_of(jaxpr, "add").find('#'), std::string::npos) << jaxpr;
  EXPECT_EQ(dense(jnp::array({3.0f, 4.0f})).item<float>(), 25.0f);
  // Scopes are per thread.
  const auto scope = jx::named_scope("main");
  EXPECT_EQ(jx::current_name_stack(), "main");
  std::string seen = "unset";
  std::thread([&] { seen = jx::current_name_stack(); }).join();
  EXPECT_EQ(seen, "");
  EXPECT_THROW(jx::named_scope(""), jx::ValueError);
}

}  // namespace
