// jx::profiler: the trace file is valid trace-event JSON (parsed here with nlohmann::json) holding the
// compilation of a jitted function once, each of its calls, each step of its plan inside its call on
// the same thread, and the caller's own annotations; misuse is a clear error.
#include "jx/profiler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace {

namespace jnp = jx::numpy;
using nlohmann::json;

std::filesystem::path fresh_directory(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("jx_profiler_test_" + std::to_string(getpid())) / name;
  std::filesystem::remove_all(dir);
  return dir;
}

json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return json::parse(in);  // throws on anything that is not complete JSON
}

std::vector<json> events_of(const json& trace, const std::string& category) {
  std::vector<json> events;
  for (const json& e : trace.at("traceEvents")) {
    if (e.value("cat", "") == category) events.push_back(e);
  }
  return events;
}

TEST(Profiler, TheTraceHoldsCompilationCallsAndPlanSteps) {
  auto layer = jx::jit([](const jx::Array& x, const jx::Array& w) { return jnp::tanh(jnp::matmul(x, w)); });
  const jx::Array x = jnp::ones({64, 32}), w = jnp::ones({32, 16}) * 0.01f;
  EXPECT_FALSE(jx::profiler::is_tracing());
  jx::profiler::start_trace(fresh_directory("steps"));
  EXPECT_TRUE(jx::profiler::is_tracing());
  for (int i = 0; i < 3; ++i) {
    jx::profiler::TraceAnnotation step("step " + std::to_string(i));
    EXPECT_EQ(layer(x, w).shape(), jx::Shape({64, 16}));
  }
  const std::filesystem::path file = jx::profiler::stop_trace();
  EXPECT_FALSE(jx::profiler::is_tracing());
  EXPECT_EQ(file.extension(), ".json");
  const json trace = read_json(file);

  const std::vector<json> compiles = events_of(trace, "compile"), calls = events_of(trace, "jit");
  const std::vector<json> steps = events_of(trace, "step"), annotations = events_of(trace, "annotation");
  ASSERT_EQ(compiles.size(), 1u);
  EXPECT_NE(compiles[0].at("name").get<std::string>().find("profiler_test.cpp"), std::string::npos);
  ASSERT_EQ(calls.size(), 3u);
  ASSERT_EQ(annotations.size(), 3u);
  EXPECT_EQ(annotations[2].at("name"), "step 2");
  // The plan: the product, then tanh; each step inside one call, on the calling thread.
  ASSERT_EQ(steps.size(), 3 * 2u);
  EXPECT_EQ(steps[0].at("name"), "dot_general f32[64,16]");
  EXPECT_EQ(steps[1].at("name"), "tanh f32[64,16]");
  for (const json& step : steps) {
    const double begin = step.at("ts").get<double>(), end = begin + step.at("dur").get<double>();
    EXPECT_GE(step.at("dur").get<double>(), 0.0);
    int inside = 0;
    for (const json& call : calls) {
      const double call_begin = call.at("ts").get<double>(), call_end = call_begin + call.at("dur").get<double>();
      if (call.at("tid") == step.at("tid") && begin >= call_begin - 1e-3 && end <= call_end + 1e-3) ++inside;
    }
    EXPECT_EQ(inside, 1) << step.dump();
  }
  // Each call inside its annotation; the compilation inside the first call.
  for (int i = 0; i < 3; ++i) {
    EXPECT_GE(calls[i].at("ts").get<double>(), annotations[i].at("ts").get<double>() - 1e-3);
  }
  EXPECT_GE(compiles[0].at("ts").get<double>(), calls[0].at("ts").get<double>() - 1e-3);
  EXPECT_EQ(trace.at("traceEvents")[0].at("ph"), "M");  // the process's name
}

TEST(Profiler, NothingIsRecordedOutsideATraceAndTheScopeWritesItsFile) {
  auto twice = jx::jit([](const jx::Array& x) { return x * 2.0f; });
  (void)twice(jnp::ones({4}));  // not traced
  const std::filesystem::path dir = fresh_directory("scope");
  {
    jx::profiler::Trace trace(dir);
    (void)twice(jnp::ones({4}));
  }
  EXPECT_FALSE(jx::profiler::is_tracing());
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  ASSERT_EQ(files.size(), 1u);  // the file, and no temporary left behind
  const json trace = read_json(files[0]);
  EXPECT_EQ(events_of(trace, "compile").size(), 0u);  // compiled before the trace began
  EXPECT_EQ(events_of(trace, "jit").size(), 1u);
  EXPECT_EQ(events_of(trace, "step").size(), 1u);
}

TEST(Profiler, MisuseIsAClearError) {
  EXPECT_THROW(jx::profiler::stop_trace(), jx::ValueError);
  jx::profiler::start_trace(fresh_directory("twice"));
  EXPECT_THROW(jx::profiler::start_trace(fresh_directory("again")), jx::ValueError);
  (void)jx::profiler::stop_trace();
  // A directory that cannot be created (a regular file is in the way).
  const std::filesystem::path blocker = fresh_directory("blocker");
  std::filesystem::create_directories(blocker.parent_path());
  std::ofstream(blocker) << "not a directory";
  EXPECT_THROW(jx::profiler::start_trace(blocker / "trace"), jx::IOError);
  EXPECT_FALSE(jx::profiler::is_tracing());
}

}  // namespace
