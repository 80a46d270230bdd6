// Checkpoints: round trips of every dtype and tree shape, structure checks against T, refusal of
// every inconsistent or damaged file, and atomicity under SIGKILL.
#include "jx/io/checkpoint.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/host_arrays.h"
#include "io/io_test_util.h"
#include "io/safetensors.h"
#include "jx/jx.h"

extern char** environ;

namespace jnp = jx::numpy;

namespace io_checkpoint_test {
struct Linear {
  jx::Array w, b;
};
JX_PYTREE(Linear, w, b);

struct TrainState {
  std::map<std::string, Linear> params;
  std::vector<jx::Array> moments;
  std::optional<jx::Array> ema;
  jx::Key key;
  jx::Array step;
  int epoch = 0;
  std::string name;
};
JX_PYTREE(TrainState, params, moments, ema, key, step, epoch, name);

enum class Phase { warmup, main };
struct WithPhase {
  jx::Array x;
  Phase phase = Phase::warmup;
};
JX_PYTREE(WithPhase, x, phase);
}  // namespace io_checkpoint_test

namespace {

using io_checkpoint_test::Linear;
using io_checkpoint_test::TrainState;
using jx::io::test::read_file;
using jx::io::test::TempDir;
using jx::io::test::write_file;

// Same dtype, shape, weak type and bytes (bitwise, so NaNs compare equal); keys by their key data.
::testing::AssertionResult identical(const jx::Array& a, const jx::Array& b) {
  if (a.type() != b.type()) return ::testing::AssertionFailure() << repr(a) << " vs " << repr(b);
  const jx::Array x = a.dtype() == jx::DType::key ? jx::random::key_data(jx::Key(a)) : a;
  const jx::Array y = b.dtype() == jx::DType::key ? jx::random::key_data(jx::Key(b)) : b;
  const jx::Array cx = jx::io::writable_array(x, "test", "a"), cy = jx::io::writable_array(y, "test", "b");
  const auto bx = jx::io::bytes_of(cx), by = jx::io::bytes_of(cy);  // spans into cx and cy
  if (bx.size() != by.size() || std::memcmp(bx.data(), by.data(), bx.size()) != 0) {
    return ::testing::AssertionFailure() << "values differ: " << repr(a) << " vs " << repr(b);
  }
  return ::testing::AssertionSuccess();
}

template <class T>
void expect_same_tree(const T& a, const T& b) {
  auto [la, da] = jx::tree::flatten(a);
  auto [lb, db] = jx::tree::flatten(b);
  EXPECT_EQ(da.to_string(), db.to_string());
  ASSERT_EQ(la.size(), lb.size());
  for (std::size_t i = 0; i < la.size(); ++i) EXPECT_TRUE(identical(la[i], lb[i])) << "leaf " << i;
}

// One array of each dtype, with values that exercise each type's range (x64 must be on).
std::map<std::string, jx::Array> every_dtype() {
  std::map<std::string, jx::Array> arrays;
  arrays["bool"] = jnp::array({{true, false, false}, {true, true, false}});
  arrays["int8"] = jnp::array(std::vector<std::int8_t>{-128, -1, 0, 1, 127, 42}, jx::Shape{2, 3});
  arrays["int16"] = jnp::array(std::vector<std::int16_t>{-32768, -1, 0, 1, 32767, 1234}, jx::Shape{2, 3});
  arrays["int32"] = jnp::array(std::vector<std::int32_t>{INT32_MIN, -1, 0, 1, INT32_MAX, 123456}, jx::Shape{2, 3});
  arrays["int64"] =
      jnp::array(std::vector<std::int64_t>{INT64_MIN, -1, 0, 1, INT64_MAX, 1234567890123}, jx::Shape{2, 3});
  arrays["uint8"] = jnp::array(std::vector<std::uint8_t>{0, 1, 128, 255, 7, 99}, jx::Shape{2, 3});
  arrays["uint16"] = jnp::array(std::vector<std::uint16_t>{0, 1, 32768, 65535, 7, 999}, jx::Shape{2, 3});
  arrays["uint32"] = jnp::array(std::vector<std::uint32_t>{0, 1, 1u << 31, UINT32_MAX, 7, 99999}, jx::Shape{2, 3});
  arrays["uint64"] = jnp::array(std::vector<std::uint64_t>{0, 1, 1ull << 63, UINT64_MAX, 7, 99999}, jx::Shape{2, 3});
  const std::vector<float> floats = {
      -1.5f, 0.0f, -0.0f, 65504.0f, std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  arrays["float16"] = jnp::array(floats, jx::Shape{2, 3}, jx::float16);
  arrays["bfloat16"] = jnp::array(floats, jx::Shape{2, 3}, jx::bfloat16);
  arrays["float32"] = jnp::array(std::vector<float>{1e-45f, -3.4e38f, 0.1f, -0.0f, 1.0f / 3, 2.0f}, jx::Shape{2, 3});
  arrays["float64"] = jnp::array(std::vector<double>{5e-324, -1.7e308, 0.1, -0.0, 1.0 / 3, 2.0}, jx::Shape{2, 3});
  arrays["scalar"] = jnp::array(3.25f, jx::float32);
  arrays["empty"] = jnp::zeros({0, 4}, jx::float32);
  return arrays;
}

TrainState make_state(bool with_ema) {
  TrainState s;
  s.params["encoder"] = Linear{jnp::arange(12, jx::float32).reshape({3, 4}), jnp::zeros({4})};
  s.params["head"] = Linear{jnp::ones({4, 2}) * 0.5f, jnp::array(std::vector<float>{0.25f, -1.0f})};
  s.moments = {jnp::full({3}, 2.0f), jnp::arange(5)};
  if (with_ema) s.ema = jnp::ones({2, 2}, jx::bfloat16);
  s.key = jx::random::split(jx::random::PRNGKey(7), 3)[1];
  s.step = jnp::array(1234, jx::int32);
  s.epoch = 3;
  s.name = "mlp";
  return s;
}

// The detail of the IOError that loading `path` as T gives ("" when it loads).
template <class T>
std::string load_error(const std::filesystem::path& path) {
  try {
    jx::io::load<T>(path);
  } catch (const jx::IOError& e) {
    return e.detail();
  }
  return "";
}

TEST(IoCheckpoint, RoundTripsEveryDType) {
  auto scope = jx::config::scoped({.enable_x64 = true});
  TempDir dir;
  const auto arrays = every_dtype();
  jx::io::save(dir / "all.safetensors", arrays);
  expect_same_tree(jx::io::load<std::map<std::string, jx::Array>>(dir / "all.safetensors"), arrays);
  const jx::tree::Tree dynamic = jx::io::load(dir / "all.safetensors");
  for (const auto& [name, array] : arrays) EXPECT_TRUE(identical(dynamic[name].array(), array)) << name;
}

TEST(IoCheckpoint, RoundTripsNestedStructsOptionalsVectorsAndMaps) {
  TempDir dir;
  for (bool with_ema : {true, false}) {
    const TrainState state = make_state(with_ema);
    jx::io::save(dir / "state.safetensors", state);
    const TrainState loaded = jx::io::load<TrainState>(dir / "state.safetensors");
    expect_same_tree(loaded, state);
    EXPECT_EQ(loaded.ema.has_value(), with_ema);
    EXPECT_EQ(loaded.epoch, 3);
    EXPECT_EQ(loaded.name, "mlp");
  }
}

TEST(IoCheckpoint, TensorsAreNamedByDottedPaths) {
  TempDir dir;
  jx::io::save(dir / "state.safetensors", make_state(true));
  const std::source_location here = std::source_location::current();
  jx::CallSite site(here);
  jx::io::FileReader file(dir / "state.safetensors", "test");
  std::vector<std::string> names;
  for (const auto& tensor : jx::io::read_safetensors_header(file).tensors) names.push_back(tensor.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ema", "key", "moments.0", "moments.1", "params.encoder.b",
                                             "params.encoder.w", "params.head.b", "params.head.w", "step"}));
}

TEST(IoCheckpoint, DynamicLoadRebuildsNestedDictsAndLists) {
  TempDir dir;
  const TrainState state = make_state(false);
  jx::io::save(dir / "state.safetensors", state);
  const jx::tree::Tree tree = jx::io::load(dir / "state.safetensors");
  EXPECT_EQ(tree.to_string(), jx::tree::to_dynamic(state).to_string());
  EXPECT_TRUE(identical(tree["params"]["head"]["w"].array(), state.params.at("head").w));
  EXPECT_TRUE(identical(tree["moments"][1].array(), state.moments[1]));
  EXPECT_TRUE(tree["ema"].is_none());
  EXPECT_EQ(tree["epoch"].value<int>(), 3);
  // The dynamic tree converts to the static type, as jx::tree::from_dynamic does for any tree.
  expect_same_tree(jx::tree::from_dynamic<TrainState>(tree), state);
}

TEST(IoCheckpoint, RoundTripsDynamicTrees) {
  TempDir dir;
  jx::tree::Tree tree = jx::tree::Tree::dict(
      {{"layers", jx::tree::Tree::list({jx::tree::Tree::dict({{"w", jnp::ones({2, 2})}}), jx::tree::Tree::none()})},
       {"scale", jnp::array(2.0f)},
       {"config", jx::tree::Tree::dict({{"width", jx::tree::Tree::static_value(512)},
                                        {"act", jx::tree::Tree::static_value(std::string("relu"))}})}});
  jx::io::save(dir / "tree.safetensors", tree);
  const jx::tree::Tree loaded = jx::io::load(dir / "tree.safetensors");
  EXPECT_EQ(loaded.to_string(), tree.to_string());
  expect_same_tree(loaded, tree);
  expect_same_tree(jx::io::load<jx::tree::Tree>(dir / "tree.safetensors"), tree);
}

TEST(IoCheckpoint, KeysComeBackAsKeysThatDrawTheSameNumbers) {
  TempDir dir;
  const jx::Key key = jx::random::PRNGKey(42);
  const jx::Key keys = jx::random::split(key, 4);
  jx::io::save(dir / "keys.safetensors", std::pair{key, keys});
  const auto [k, ks] = jx::io::load<std::pair<jx::Key, jx::Key>>(dir / "keys.safetensors");
  EXPECT_EQ(k.dtype(), jx::DType::key);
  EXPECT_EQ(ks.shape(), jx::Shape{4});
  EXPECT_TRUE(identical(jx::random::normal(k, {5}), jx::random::normal(key, {5})));
  EXPECT_TRUE(identical(jx::random::normal(ks[3], {5}), jx::random::normal(keys[3], {5})));
  // Stored as their uint32 key data, so other tools read the words.
  jx::io::FileReader file(dir / "keys.safetensors", "test");
  const auto header = jx::io::read_safetensors_header(file);
  EXPECT_EQ(header.find("1")->dtype, jx::uint32);
  EXPECT_EQ(header.find("1")->shape, (jx::Shape{4, 2}));
}

TEST(IoCheckpoint, WeakTypesSurvive) {
  TempDir dir;
  jx::io::save(dir / "weak.safetensors", std::vector<jx::Array>{jx::Array(3), jnp::array(3)});
  const auto loaded = jx::io::load<std::vector<jx::Array>>(dir / "weak.safetensors");
  EXPECT_TRUE(loaded[0].weak_type());
  EXPECT_EQ(loaded[1].weak_type(), jnp::array(3).weak_type());
}

TEST(IoCheckpoint, Float64LoadsAsFloat32WithoutX64) {
  TempDir dir;
  {
    auto scope = jx::config::scoped({.enable_x64 = true});
    jx::io::save(dir / "f64.safetensors", jnp::array(std::vector<double>{0.1, 2.5}));
  }
  auto scope = jx::config::scoped({.enable_x64 = false});
  const jx::Array x = jx::io::load<jx::Array>(dir / "f64.safetensors");
  EXPECT_EQ(x.dtype(), jx::float32);
  EXPECT_EQ(x.to_vector<float>(), (std::vector<float>{0.1f, 2.5f}));
}

TEST(IoCheckpoint, LoadingIntoAnotherTypeIsAnIOErrorNamingTheDifference) {
  TempDir dir;
  jx::io::save(dir / "linear.safetensors", Linear{jnp::ones({2}), jnp::zeros({2})});
  const std::string as_map = load_error<std::map<std::string, jx::Array>>(dir / "linear.safetensors");
  EXPECT_NE(as_map.find("linear.safetensors"), std::string::npos) << as_map;
  EXPECT_NE(as_map.find("does not match"), std::string::npos) << as_map;
  EXPECT_NE(as_map.find("a struct with fields [w, b]"), std::string::npos) << as_map;
  EXPECT_NE(load_error<std::vector<jx::Array>>(dir / "linear.safetensors").find("cannot be read as"),
            std::string::npos);
  EXPECT_NE(load_error<TrainState>(dir / "linear.safetensors"), "");
  EXPECT_NE((load_error<std::pair<jx::Key, jx::Array>>(dir / "linear.safetensors")), "");
  jx::io::save(dir / "state.safetensors", make_state(true));
  EXPECT_NE(load_error<Linear>(dir / "state.safetensors"), "");
}

TEST(IoCheckpoint, FilesFromOtherToolsLoadAsAFlatDict) {
  TempDir dir;
  {
    const std::vector<jx::io::TensorToWrite> tensors = {{"model.layers.0.weight", jnp::ones({2, 2})},
                                                        {"model.bias", jnp::zeros({2})}};
    jx::io::AtomicFile file(dir / "hf.safetensors", "test");
    jx::io::write_safetensors(file, tensors, {{"format", "pt"}});
    file.commit();
  }
  const jx::tree::Tree tree = jx::io::load(dir / "hf.safetensors");
  ASSERT_TRUE(tree.is_dict());
  EXPECT_EQ(tree.size(), 2u);
  EXPECT_TRUE(identical(tree["model.layers.0.weight"].array(), jnp::ones({2, 2})));
  const auto as_map = jx::io::load<std::map<std::string, jx::Array>>(dir / "hf.safetensors");
  EXPECT_TRUE(identical(as_map.at("model.bias"), jnp::zeros({2})));
}

// A file with the given jx.tree metadata over the given tensors.
void write_with_structure(const std::filesystem::path& path, const std::string& structure,
                          const std::vector<jx::io::TensorToWrite>& tensors) {
  jx::io::AtomicFile file(path, "test");
  jx::io::write_safetensors(file, tensors, {{"jx.tree", structure}, {"jx.version", "1"}});
  file.commit();
}

TEST(IoCheckpoint, RefusesStructuresThatDisagreeWithTheTensors) {
  TempDir dir;
  const auto path = dir / "t.safetensors";
  const std::vector<jx::io::TensorToWrite> one = {{"a", jnp::ones({2})}};
  auto error = [&](const std::string& structure, const std::vector<jx::io::TensorToWrite>& tensors) {
    write_with_structure(path, structure, tensors);
    return load_error<jx::tree::Tree>(path);
  };
  EXPECT_NE(error(R"({"array": "b"})", one).find("does not hold"), std::string::npos);
  EXPECT_NE(error(R"({"list": [{"array": "a"}, {"array": "a"}]})", one).find("twice"), std::string::npos);
  EXPECT_NE(error(R"({"list": []})", one).find("not in the tree"), std::string::npos);
  EXPECT_NE(error(R"({"key": "a", "impl": "threefry2x32"})", one).find("not as uint32 key data"), std::string::npos);
  EXPECT_NE(error(R"({"list": [)", one).find("not valid JSON"), std::string::npos);
  EXPECT_EQ(error(R"({"list": [{"array": "a"}]})", one), "");
  write_with_structure(path, R"({"array": "a"})", one);
  {
    jx::io::AtomicFile file(path, "test");
    jx::io::write_safetensors(file, one, {{"jx.tree", R"({"array": "a"})"}, {"jx.version", "2"}});
    file.commit();
  }
  EXPECT_NE(load_error<jx::tree::Tree>(path).find("version '2'"), std::string::npos);
}

TEST(IoCheckpoint, SaveRefusesWhatItCannotRestore) {
  TempDir dir;
  const std::string enum_error = [&] {
    try {
      jx::io::save(dir / "x.safetensors",
                   io_checkpoint_test::WithPhase{jnp::ones({1}), io_checkpoint_test::Phase::main});
    } catch (const jx::IOError& e) {
      return e.detail();
    }
    return std::string();
  }();
  EXPECT_NE(enum_error.find("cannot be saved"), std::string::npos) << enum_error;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.safetensors"));
  // Two leaves whose paths join to the same name.
  const std::map<std::string, jx::tree::Tree> clash = {{"a.b", jx::tree::Tree(jnp::ones({1}))},
                                                       {"a", jx::tree::Tree::dict({{"b", jnp::ones({1})}})}};
  EXPECT_THROW(jx::io::save(dir / "x.safetensors", clash), jx::IOError);
  const std::map<std::string, jx::Array> not_utf8 = {{"\xff", jnp::ones({1})}};
  EXPECT_THROW(jx::io::save(dir / "x.safetensors", not_utf8), jx::IOError);
  EXPECT_THROW(jx::io::save(dir / "x.safetensors", std::vector<jx::Array>{jx::Array()}), jx::ValueError);
  auto traced = jx::jit([&](const jx::Array& x) {
    EXPECT_THROW(jx::io::save(dir / "x.safetensors", x), jx::ConcretizationError);
    return x;
  });
  traced(jnp::ones({1}));
  EXPECT_THROW(jx::io::save(dir / "missing_dir" / "x.safetensors", jnp::ones({1})), jx::IOError);
}

TEST(IoCheckpoint, MissingFileIsAnIOErrorNamingIt) {
  TempDir dir;
  const std::string error = load_error<jx::Array>(dir / "nope.safetensors");
  EXPECT_NE(error.find("nope.safetensors"), std::string::npos);
  EXPECT_NE(error.find("No such file"), std::string::npos);
}

// --- Damaged files ------------------------------------------------------------------------------------

std::vector<std::uint8_t> small_checkpoint(const TempDir& dir) {
  TrainState state = make_state(true);
  state.params.erase("encoder");
  jx::io::save(dir / "small.safetensors", state);
  return read_file(dir / "small.safetensors");
}

TEST(IoCheckpoint, TruncationAtEveryByteIsAnIOError) {
  TempDir dir;
  const std::vector<std::uint8_t> bytes = small_checkpoint(dir);
  ASSERT_GT(bytes.size(), 500u);
  const auto path = dir / "cut.safetensors";
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    write_file(path, std::span(bytes.data(), size));
    EXPECT_THROW(jx::io::load<TrainState>(path), jx::IOError) << "truncated to " << size << " bytes";
    EXPECT_THROW(jx::io::load(path), jx::IOError) << "truncated to " << size << " bytes";
  }
  write_file(path, bytes);
  EXPECT_NO_THROW(jx::io::load<TrainState>(path));
}

TEST(IoCheckpoint, RandomByteFlipsInTheHeaderAreIOErrorsNeverCrashes) {
  TempDir dir;
  const std::vector<std::uint8_t> bytes = small_checkpoint(dir);
  std::uint64_t header_end = 8;
  for (int i = 7; i >= 0; --i) header_end += static_cast<std::uint64_t>(bytes[static_cast<std::size_t>(i)]) << (8 * i);
  const auto path = dir / "flipped.safetensors";
  std::mt19937 rng(12345);
  int refused = 0, loaded = 0;
  constexpr int kTrials = 2000;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<std::uint8_t> damaged = bytes;
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, header_end - 1)(rng);
    const int flips = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int f = 0; f < flips; ++f) {
      const std::size_t where = f == 0 ? at : std::uniform_int_distribution<std::size_t>(0, header_end - 1)(rng);
      damaged[where] ^= static_cast<std::uint8_t>(std::uniform_int_distribution<int>(1, 255)(rng));
    }
    write_file(path, damaged);
    // Anything but an IOError escaping (or a crash) fails the test. A flip can leave a valid file
    // (a space of the padding turned into a tab, a dtype F32 into I32): safetensors has no checksum.
    try {
      jx::io::load<TrainState>(path);
      jx::io::load(path);
      ++loaded;
    } catch (const jx::IOError&) {
      ++refused;
    }
  }
  EXPECT_EQ(refused + loaded, kTrials);
  EXPECT_GT(refused, kTrials * 9 / 10) << "loaded " << loaded;
}

// --- Atomicity ----------------------------------------------------------------------------------------

std::vector<jx::Array> crash_state(float value, std::int64_t rows) {
  std::vector<jx::Array> arrays;
  for (int i = 0; i < 4; ++i) arrays.push_back(jnp::full({rows, 1024}, value));
  return arrays;
}

// Run by KilledSaverLeavesTheOldOrTheNewCheckpoint in a child process: saves two checkpoints in
// turn until killed. Skipped when run on its own.
TEST(IoCheckpointCrash, ChildSavesForever) {
  const char* path = std::getenv("JX_IO_CRASH_FILE");
  if (path == nullptr) GTEST_SKIP() << "the child side of KilledSaverLeavesTheOldOrTheNewCheckpoint";
  const auto a = crash_state(1.0f, 256), b = crash_state(2.0f, 128);
  for (;;) {
    jx::io::save(path, a);
    jx::io::save(path, b);
  }
}

pid_t spawn_saver(const std::string& exe, const std::filesystem::path& file) {
  // Everything the child needs is prepared before fork: after it, only exec.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "JX_IO_CRASH_FILE=", 17) != 0) env_strings.emplace_back(*e);
  }
  env_strings.push_back("JX_IO_CRASH_FILE=" + file.string());
  std::vector<char*> env;
  for (std::string& s : env_strings) env.push_back(s.data());
  env.push_back(nullptr);
  std::string filter = "--gtest_filter=IoCheckpointCrash.ChildSavesForever";
  std::string exe_copy = exe;
  std::vector<char*> argv = {exe_copy.data(), filter.data(), nullptr};
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int quiet = ::open("/dev/null", O_WRONLY);  // the child's gtest output would interleave with ours
    ::dup2(quiet, 1);
    ::dup2(quiet, 2);
    ::execve(exe_copy.c_str(), argv.data(), env.data());
    ::_exit(127);
  }
  return pid;
}

std::size_t remove_temporaries(const std::filesystem::path& dir) {
  std::size_t removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(".state.safetensors.tmp-")) {
      std::filesystem::remove(entry.path());
      ++removed;
    }
  }
  return removed;
}

ino_t inode_of(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

TEST(IoCheckpointCrash, KilledSaverLeavesTheOldOrTheNewCheckpoint) {
  TempDir dir;
  const auto file = dir / "state.safetensors";
  const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto a = crash_state(1.0f, 256), b = crash_state(2.0f, 128);
  std::mt19937 rng(2024);
  int kills = 0, kills_mid_write = 0, saw_a = 0, saw_b = 0;
  for (; kills < 60 && (kills < 12 || kills_mid_write < 3); ++kills) {
    const ino_t previous_inode = inode_of(file);
    const pid_t child = spawn_saver(exe, file);
    ASSERT_GT(child, 0);
    // Wait until this child has put a checkpoint in place (a rename gives the path a new inode),
    // so that it is inside its save loop, then kill it at a random moment of that loop.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (inode_of(file) == previous_inode && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 100000)(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child exited by itself: " << status;
    ASSERT_TRUE(std::filesystem::exists(file));

    const auto loaded = jx::io::load<std::vector<jx::Array>>(file);  // throws if torn
    ASSERT_EQ(loaded.size(), 4u);
    const bool is_a = loaded[0].shape()[0] == 256;
    const auto& expected = is_a ? a : b;
    for (std::size_t i = 0; i < 4; ++i) ASSERT_TRUE(identical(loaded[i], expected[i]));
    (is_a ? saw_a : saw_b) += 1;
    if (remove_temporaries(dir.path()) > 0) ++kills_mid_write;
  }
  EXPECT_GE(kills_mid_write, 1) << "no kill landed inside a save in " << kills << " tries";
  std::printf("[          ] %d kills, %d inside a save (a torn temporary left behind); found old/new %d/%d\n", kills,
              kills_mid_write, saw_a, saw_b);
}

}  // namespace
