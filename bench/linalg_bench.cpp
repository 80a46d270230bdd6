// Linear algebra: jx's solve, inv, det, qr, eigh and svd (float64, as NumPy's default) against the
// same LAPACK routines called directly on a copy of the input (what a C++ program calling OpenBLAS's
// LAPACK by hand pays). jx adds its output allocation and, where the routine needs a column-major
// matrix (lu, qr, eigh, svd), the row-major <-> column-major transposes; solve, inv and det need none.
//
// NumPy's figures for the same calls, in a process of its own: bench/linalg_numpy.py.
//
// Run: ./build/default/bench/bench_linalg
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "backends/cpu/lapack_routines.h"
#include "fma_peak.h"
#include "harness.h"
#include "jx/core/config.h"
#include "jx/linalg.h"
#include "jx/numpy.h"
#include "jx/random.h"

namespace {

namespace jnp = jx::numpy;
namespace la = jx::numpy::linalg;
namespace lapack = jx::cpu::lapack;
using jx::bench::compare;
using jx::bench::do_not_optimize;
using jx::bench::Table;

// Workspace buffers of a direct LAPACK call, allocated once outside the timed loop.
struct Direct {
  explicit Direct(const std::vector<double>& input, int size)
      : a(input),
        matrix(input.size()),
        n(size),
        ipiv(static_cast<std::size_t>(size)),
        iwork(static_cast<std::size_t>(8 * size + 64)),
        values(static_cast<std::size_t>(size)),
        u(static_cast<std::size_t>(size) * size),
        vt(static_cast<std::size_t>(size) * size),
        taus(static_cast<std::size_t>(size)),
        rhs(static_cast<std::size_t>(size)) {}
  std::vector<double> a, matrix;
  int n;
  std::vector<int> ipiv, iwork;
  std::vector<double> values, u, vt, taus, rhs, work;

  void reset() { std::copy(a.begin(), a.end(), matrix.begin()); }
  void reserve(int size) {
    if (static_cast<int>(work.size()) < size) work.resize(static_cast<std::size_t>(size));
  }
};

void row(Table& table, const std::string& name, const jx::bench::Comparison& c, const char* baseline) {
  table.row({.name = name,
             .value = c.candidate.median * 1e3,
             .unit = "ms",
             .baseline_name = baseline,
             .baseline = c.baseline.median * 1e3,
             .ratio = c.time_ratio});
}

void run(Table& table, int n) {
  const std::string size = " " + std::to_string(n);
  const jx::Array m = jx::random::normal(jx::random::PRNGKey(1), {n, n}, jx::float64);
  const jx::Array a = jnp::add(m, jnp::multiply(jnp::eye(n, std::nullopt, 0, jx::float64), jnp::array(n * 1.0)));
  const jx::Array symmetric = jnp::add(a, jnp::swapaxes(a, 0, 1));
  const jx::Array b = jx::random::normal(jx::random::PRNGKey(2), {n}, jx::float64);
  Direct direct(a.to_vector<double>(), n);
  // LAPACK reads the row-major buffer as a^T; jx's lu factors a itself, so its baseline factors a's
  // column-major copy (made here, outside the timing): the same matrix, the same pivots.
  Direct direct_column_major(jnp::swapaxes(a, 0, 1).to_vector<double>(), n);
  Direct direct_symmetric(symmetric.to_vector<double>(), n);
  int info = 0;

  row(table, "solve" + size,
      compare([&] { do_not_optimize(la::solve(a, b)); },
              [&] {
                direct.reset();
                std::copy(direct.a.begin(), direct.a.begin() + n, direct.rhs.begin());
                lapack::getrf(n, n, direct.matrix.data(), n, direct.ipiv.data(), &info);
                lapack::getrs('N', n, 1, direct.matrix.data(), n, direct.ipiv.data(), direct.rhs.data(), n, &info);
                do_not_optimize(direct.rhs.data());
              }),
      "dgetrf+dgetrs");
  row(table, "inv" + size,
      compare([&] { do_not_optimize(la::inv(a)); },
              [&] {
                direct.reset();
                lapack::getrf(n, n, direct.matrix.data(), n, direct.ipiv.data(), &info);
                double size_query = 0;
                lapack::getri(n, direct.matrix.data(), n, direct.ipiv.data(), &size_query, -1, &info);
                direct.reserve(static_cast<int>(size_query));
                lapack::getri(n, direct.matrix.data(), n, direct.ipiv.data(), direct.work.data(),
                              static_cast<int>(direct.work.size()), &info);
                do_not_optimize(direct.matrix.data());
              }),
      "dgetrf+dgetri");
  row(table, "lu" + size,
      compare([&] { do_not_optimize(jx::lax::linalg::lu(a).lu); },
              [&] {
                direct_column_major.reset();
                lapack::getrf(n, n, direct_column_major.matrix.data(), n, direct_column_major.ipiv.data(), &info);
                do_not_optimize(direct_column_major.matrix.data());
              }),
      "dgetrf");
  row(table, "det" + size,
      compare([&] { do_not_optimize(la::det(a)); },
              [&] {
                direct.reset();
                lapack::getrf(n, n, direct.matrix.data(), n, direct.ipiv.data(), &info);
                double det = 1;
                for (int i = 0; i < n; ++i) det *= direct.matrix[static_cast<std::size_t>(i) * n + i];
                do_not_optimize(det);
              }),
      "dgetrf");
  row(table, "qr (reduced)" + size,
      compare([&] { do_not_optimize(la::qr(a).Q); },
              [&] {
                direct.reset();
                double size_query = 0;
                lapack::geqrf(n, n, direct.matrix.data(), n, direct.taus.data(), &size_query, -1, &info);
                direct.reserve(static_cast<int>(size_query));
                lapack::geqrf(n, n, direct.matrix.data(), n, direct.taus.data(), direct.work.data(),
                              static_cast<int>(direct.work.size()), &info);
                lapack::orgqr(n, n, n, direct.matrix.data(), n, direct.taus.data(), &size_query, -1, &info);
                direct.reserve(static_cast<int>(size_query));
                lapack::orgqr(n, n, n, direct.matrix.data(), n, direct.taus.data(), direct.work.data(),
                              static_cast<int>(direct.work.size()), &info);
                do_not_optimize(direct.matrix.data());
              }),
      "dgeqrf+dorgqr");
  row(table, "eigh" + size,
      compare([&] { do_not_optimize(la::eigh(symmetric).eigenvectors); },
              [&] {
                direct_symmetric.reset();
                const char jobz = 'V', uplo = 'L';
                int query = -1, iwork_size = 0;
                double size_query = 0;
                lapack::dsyevd_(&jobz, &uplo, &n, direct_symmetric.matrix.data(), &n, direct_symmetric.values.data(),
                                &size_query, &query, &iwork_size, &query, &info, 1, 1);
                direct_symmetric.reserve(static_cast<int>(size_query));
                if (static_cast<int>(direct_symmetric.iwork.size()) < iwork_size) {
                  direct_symmetric.iwork.resize(static_cast<std::size_t>(iwork_size));
                }
                const int lwork = static_cast<int>(direct_symmetric.work.size());
                const int liwork = static_cast<int>(direct_symmetric.iwork.size());
                lapack::dsyevd_(&jobz, &uplo, &n, direct_symmetric.matrix.data(), &n, direct_symmetric.values.data(),
                                direct_symmetric.work.data(), &lwork, direct_symmetric.iwork.data(), &liwork, &info, 1,
                                1);
                do_not_optimize(direct_symmetric.matrix.data());
              }),
      "dsyevd");
  row(table, "svd (full)" + size,
      compare([&] { do_not_optimize(la::svd(a).U); },
              [&] {
                direct.reset();
                const char jobz = 'A';
                int query = -1;
                double size_query = 0;
                lapack::dgesdd_(&jobz, &n, &n, direct.matrix.data(), &n, direct.values.data(), direct.u.data(), &n,
                                direct.vt.data(), &n, &size_query, &query, direct.iwork.data(), &info, 1);
                direct.reserve(static_cast<int>(size_query));
                const int lwork = static_cast<int>(direct.work.size());
                lapack::dgesdd_(&jobz, &n, &n, direct.matrix.data(), &n, direct.values.data(), direct.u.data(), &n,
                                direct.vt.data(), &n, direct.work.data(), &lwork, direct.iwork.data(), &info, 1);
                do_not_optimize(direct.u.data());
              }),
      "dgesdd");
}

}  // namespace

int main() {
  jx::config::enable_x64(true);
  std::printf("CPU: %s\n", jx::bench::cpu_name().c_str());
  Table table("float64 decompositions (ms per call; ratio = jx time / direct LAPACK time, lower is better)");
  for (int n : {64, 256, 1024}) run(table, n);
  return 0;
}
