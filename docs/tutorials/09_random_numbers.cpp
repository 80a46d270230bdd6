// JAX's "Pseudorandom numbers" tutorial (docs/random-numbers.md), cell by cell in jx.
//
// The first half is about NumPy's global random state. Its C++ counterpart is a global std::mt19937:
// np.random.seed(s) seeds the same Mersenne Twister the same way (init_genrand), and NumPy's
// random() is the 53-bit double made of two 32-bit draws, so the values and the state match NumPy's.
// NumPy's float64 arrays are jx float64 arrays (x64 on for those cells).
//
// Expected texts: the JAX 101 notebook docs/jax-101/05-random-numbers.ipynb at JAX commit 10ed827fe9^,
// whose jax.random outputs were printed in legacy threefry mode (those cells run under
// `config::scoped({.threefry_partitionable = false})`); where a cell printed nothing there, NumPy 1.24
// itself (for the NumPy cells) or an independent NumPy implementation of threefry2x32 written from
// /work/shared/reference/prng.md (for jax.random values), as the comment on each cell says.
// Run: ./build/default/docs/tutorials/tutorial_09_random_numbers
#include <jx/jx.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tutorial.h"

namespace jnp = jx::numpy;

namespace {

// NumPy's global RandomState (np.random.*), the state the NumPy cells share.
std::mt19937 numpy_state;

void np_seed(std::uint32_t seed) { numpy_state.seed(seed); }

// np.random.random() / np.random.uniform(): NumPy's random_sample, (a * 2^26 + b) / 2^53 with a the
// top 27 bits of one draw and b the top 26 bits of the next.
double np_random() {
  const double a = static_cast<double>(numpy_state() >> 5);
  const double b = static_cast<double>(numpy_state() >> 6);
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

// Python prints a float as the shortest text that reads back as the same double; so does to_chars.
std::string py_float(double x) {
  std::array<char, 32> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x);
  return std::string(buffer.data(), result.ptr);
}

// A NumPy float64 array of these values.
jx::Array np_array(const std::vector<double>& values) {
  auto x64 = jx::config::scoped({.enable_x64 = true});
  return jnp::array(values);
}

// print(str(np.random.get_state())[:460], '...'). get_state() is ('MT19937', key, pos, has_gauss,
// cached_gaussian); the key is NumPy's uint32 array of the 624 state words, which std::mt19937
// writes out, followed by its position, when streamed. NumPy's array repr is jx's with a lower-case
// "array".
void print_truncated_random_state() {
  std::stringstream words;
  words << numpy_state;
  std::vector<std::uint32_t> key(624);
  for (std::uint32_t& word : key) words >> word;
  std::size_t pos = 0;
  words >> pos;
  std::string key_repr = jx::repr(jnp::array(key));
  key_repr[0] = 'a';
  const std::string state = "('MT19937', " + key_repr + ", " + std::to_string(pos) + ", 0, 0.0)";
  std::cout << state.substr(0, 460) << " ...\n";
}

}  // namespace

int main() {
  tutorial::Tutorial t("Pseudorandom numbers", "docs/random-numbers.md", 15);

  // Seeding NumPy's global state prints nothing.
  t.cell("", [] { np_seed(0); });

  // Three draws from the global state. Expected: NumPy 1.24,
  // `np.random.seed(0); [print(np.random.random()) for _ in range(3)]`.
  t.cell(R"(0.5488135039273248
0.7151893663724195
0.6027633760716439)",
         [] {
           std::cout << py_float(np_random()) << "\n";
           std::cout << py_float(np_random()) << "\n";
           std::cout << py_float(np_random()) << "\n";
         });

  // The state after those three draws (six 32-bit words used, so the words have been regenerated
  // once). Expected: NumPy 1.24, the same three draws after seed(0), then this cell's print.
  t.cell(R"(('MT19937', array([2443250962, 1093594115, 1878467924, 2709361018, 1101979660,
       3904844661,  676747479, 2085143622, 1056793272, 3812477442,
       2168787041,  275552121, 2696932952, 3432054210, 1657102335,
       3518946594,  962584079, 1051271004, 3806145045, 1414436097,
       2032348584, 1661738718, 1116708477, 2562755208, 3176189976,
        696824676, 2399811678, 3992505346,  569184356, 2626558620,
        136797809, 4273176064,  296167901, 343 ...)",
         [] { print_truncated_random_state(); });

  // Re-seeding: the state is the seeded words again.
  t.cell(R"(('MT19937', array([         0,          1, 1812433255, 1900727105, 1208447044,
       2481403966, 4042607538,  337614300, 3232553940, 1018809052,
       3202401494, 1775180719, 3192392114,  594215549,  184016991,
        829906058,  610491522, 3879932251, 3139825610,  297902587,
       4075895579, 2943625357, 3530655617, 1423771745, 2135928312,
       2891506774, 1066338622,  135451537,  933040465, 2759011858,
       2273819758, 3545703099, 2516396728, 127 ...)",
         [] {
           np_seed(0);
           print_truncated_random_state();
         });

  // One uniform draw changes the state.
  t.cell(R"(('MT19937', array([2443250962, 1093594115, 1878467924, 2709361018, 1101979660,
       3904844661,  676747479, 2085143622, 1056793272, 3812477442,
       2168787041,  275552121, 2696932952, 3432054210, 1657102335,
       3518946594,  962584079, 1051271004, 3806145045, 1414436097,
       2032348584, 1661738718, 1116708477, 2562755208, 3176189976,
        696824676, 2399811678, 3992505346,  569184356, 2626558620,
        136797809, 4273176064,  296167901, 343 ...)",
         [] {
           (void)np_random();
           print_truncated_random_state();
         });

  // A vector of three uniforms: np.random.uniform(size=3).
  t.cell("[0.5488135  0.71518937 0.60276338]", [] {
    np_seed(0);
    std::vector<double> draws;
    for (int i = 0; i < 3; ++i) draws.push_back(np_random());
    std::cout << np_array(draws) << "\n";
  });

  // NumPy's sequential equivalence: one at a time or all at once, the same numbers.
  t.cell(R"(individually: [0.5488135  0.71518937 0.60276338]
all at once:  [0.5488135  0.71518937 0.60276338])",
         [] {
           auto x64 = jx::config::scoped({.enable_x64 = true});
           np_seed(0);
           std::vector<jx::Array> singles;
           for (int i = 0; i < 3; ++i) singles.push_back(jnp::array(np_random()));
           std::cout << "individually: " << jnp::stack(singles) << "\n";
           np_seed(0);
           std::vector<double> draws;
           for (int i = 0; i < 3; ++i) draws.push_back(np_random());
           std::cout << "all at once:  " << jnp::array(draws) << "\n";
         });

  // Global state makes the result depend on the order bar() and baz() run in.
  t.cell("1.9791922366721637", [] {
    np_seed(0);
    auto bar = [] { return np_random(); };
    auto baz = [] { return np_random(); };
    auto foo = [&] {
      const double b = bar();  // Python evaluates left to right; C++ would not promise it in one expression
      return b + 2 * baz();
    };
    std::cout << py_float(foo()) << "\n";
  });

  // JAX's keys: explicit state. A typed key prints its type and the two uint32 words under it:
  // PRNGKeyArray.__repr__ (jax/_src/random/prng.py at HEAD) with the words [ 0 42] the notebook
  // printed for the raw key of the same seed.
  jx::Key key;
  jx::Key subkey;
  jx::Key subkeys;
  t.cell(R"(Array((), dtype=key<fry>) overlaying:
[ 0 42])",
         [&] {
           key = jx::random::key(42);
           std::cout << key << "\n";
         });

  // The same key gives the same sample. Legacy mode, as the notebook printed it.
  t.cell(R"(-0.18471184
-0.18471184)",
         [&] {
           auto legacy = jx::config::scoped({.threefry_partitionable = false});
           std::cout << jx::random::normal(key) << "\n";
           std::cout << jx::random::normal(key) << "\n";
         });

  // Splitting before each draw. Printed nowhere; expected values from the NumPy threefry
  // implementation (partitionable mode): for each i, `new_key, subkey = split(key, 2)`,
  // `normal(subkey, ())`, key = new_key. Python formats the float32 scalar as a double; jx prints
  // the float32, equal to the relative tolerance.
  t.cell(R"(draw 0: 0.6057640314102173
draw 1: -0.21089035272598267
draw 2: -0.3948981463909149)",
         [&] {
           for (int i = 0; i < 3; ++i) {
             auto [new_key, sub] = jx::random::split(key);
             // The old key is consumed by split and `sub` by normal; C++ cannot `del` them, but neither is
             // used again.
             const jx::Array val = jx::random::normal(sub);
             std::cout << "draw " << i << ": " << val << "\n";
             key = new_key;
           }
         });

  // key, subkey = random.split(key)
  t.cell("", [&] {
    auto [new_key, new_subkey] = jx::random::split(key);
    key = new_key;
    subkey = new_subkey;
  });

  // key, *forty_two_subkeys = random.split(key, num=43)
  t.cell("", [&] {
    const jx::Key keys = jx::random::split(key, 43);
    key = keys[0];
    const jx::Key forty_two_subkeys = keys[jx::Slice{1, std::nullopt}];
    (void)forty_two_subkeys;
  });

  // No sequential equivalence: three keys' scalars are not one key's vector of three. Legacy mode,
  // as the notebook printed it. The XLA that printed it computed float32 erf_inv less precisely than
  // JAX does now (and jx, and prng.md's reference): its -0.04838839 is 1.4e-6 off the exact
  // sqrt(2) * erfinv(u) = -0.0483883204 for this key's uniform u = -0.038593233 (float64 Newton
  // iteration in NumPy), so these two cells allow 2e-6.
  t.cell(R"(individually: [-0.04838839  0.10796146 -1.2226542 ]
all at once:  [ 0.18693541 -1.2806507  -1.5593133 ])",
         2e-6, [&] {
           auto legacy = jx::config::scoped({.threefry_partitionable = false});
           key = jx::random::key(42);
           subkeys = jx::random::split(key, 3);
           std::vector<jx::Array> draws;
           for (std::int64_t i = 0; i < 3; ++i) draws.push_back(jx::random::normal(subkeys[i]));
           std::cout << "individually: " << jnp::stack(draws) << "\n";

           key = jx::random::key(42);
           std::cout << "all at once:  " << jx::random::normal(key, {3}) << "\n";
         });

  // vmap draws from every key at once, as the loop did. Printed nowhere: the subkeys are the
  // previous cell's (legacy mode), so the values are that cell's "individually" line, which the
  // NumPy threefry implementation (legacy mode) also gives: [-0.048388317, 0.107961535, -1.2226542].
  t.cell("vectorized: [-0.04838839  0.10796146 -1.2226542 ]", 2e-6, [&] {
    auto legacy = jx::config::scoped({.threefry_partitionable = false});
    std::cout << "vectorized: " << jx::vmap([](const jx::Key& k) { return jx::random::normal(k); })(subkeys) << "\n";
  });

  return t.finish();
}
