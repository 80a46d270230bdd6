// The closed forms of Haiku's recurrent cores (haiku/_src/recurrent.py) in double precision, with plain
// loops, for the tests of jx/nn/recurrent.h; and helpers to read and perturb parameter trees.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jx/jx.h"

namespace recurrent_oracle {

// A row-major matrix; a vector is one row.
struct Matrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> values;
  double at(std::int64_t r, std::int64_t c) const { return values[static_cast<std::size_t>(r * cols + c)]; }
  double& at(std::int64_t r, std::int64_t c) { return values[static_cast<std::size_t>(r * cols + c)]; }
};

inline Matrix zeros(std::int64_t rows, std::int64_t cols) {
  return Matrix{rows, cols, std::vector<double>(static_cast<std::size_t>(rows * cols), 0.0)};
}

// A 2-d array as it is, a 1-d one as a single row.
inline Matrix matrix(const jx::Array& a) {
  const std::vector<float> v = a.astype(jx::float32).to_vector<float>();
  Matrix m;
  m.rows = a.ndim() == 2 ? a.shape()[0] : 1;
  m.cols = a.shape()[a.ndim() - 1];
  m.values.assign(v.begin(), v.end());
  return m;
}

// Columns [begin, end).
inline Matrix columns(const Matrix& m, std::int64_t begin, std::int64_t end) {
  Matrix out = zeros(m.rows, end - begin);
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (std::int64_t c = begin; c < end; ++c) out.at(r, c - begin) = m.at(r, c);
  return out;
}

inline Matrix concat_columns(const Matrix& a, const Matrix& b) {
  Matrix out = zeros(a.rows, a.cols + b.cols);
  for (std::int64_t r = 0; r < a.rows; ++r) {
    for (std::int64_t c = 0; c < a.cols; ++c) out.at(r, c) = a.at(r, c);
    for (std::int64_t c = 0; c < b.cols; ++c) out.at(r, a.cols + c) = b.at(r, c);
  }
  return out;
}

// x @ w (+ b on every row).
inline Matrix affine(const Matrix& x, const Matrix& w, const std::optional<Matrix>& b = std::nullopt) {
  Matrix out = zeros(x.rows, w.cols);
  for (std::int64_t r = 0; r < x.rows; ++r) {
    for (std::int64_t o = 0; o < w.cols; ++o) {
      double sum = b ? b->at(0, o) : 0.0;
      for (std::int64_t i = 0; i < x.cols; ++i) sum += x.at(r, i) * w.at(i, o);
      out.at(r, o) = sum;
    }
  }
  return out;
}

template <class F>
Matrix map(const Matrix& m, F f) {
  Matrix out = m;
  for (double& v : out.values) v = f(v);
  return out;
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// h = relu(x w_i + b_i + h w_h [+ b_h]).
inline Matrix vanilla_step(const Matrix& x, const Matrix& h, const Matrix& w_i, const Matrix& b_i, const Matrix& w_h,
                           const std::optional<Matrix>& b_h) {
  const Matrix a = affine(x, w_i, b_i), c = affine(h, w_h, b_h);
  Matrix out = a;
  for (std::size_t k = 0; k < out.values.size(); ++k) out.values[k] = std::max(0.0, a.values[k] + c.values[k]);
  return out;
}

struct LstmState {
  Matrix hidden, cell;
};

// gates = [x, h] w + b in the order i, g, f, o; c = sigmoid(f + 1) c + sigmoid(i) tanh(g); h = sigmoid(o) tanh(c).
inline LstmState lstm_from_gates(const Matrix& gates, const Matrix& cell) {
  const std::int64_t n = cell.cols;
  LstmState next{zeros(cell.rows, n), zeros(cell.rows, n)};
  for (std::int64_t r = 0; r < cell.rows; ++r) {
    for (std::int64_t j = 0; j < n; ++j) {
      const double i = gates.at(r, j), g = gates.at(r, n + j), f = gates.at(r, 2 * n + j), o = gates.at(r, 3 * n + j);
      const double c = sigmoid(f + 1.0) * cell.at(r, j) + sigmoid(i) * std::tanh(g);
      next.cell.at(r, j) = c;
      next.hidden.at(r, j) = sigmoid(o) * std::tanh(c);
    }
  }
  return next;
}

inline LstmState lstm_step(const Matrix& x, const LstmState& state, const Matrix& w, const Matrix& b) {
  return lstm_from_gates(affine(concat_columns(x, state.hidden), w, b), state.cell);
}

// z, r = sigmoid(x w_i[z,r] + h w_h[z,r] + b[z,r]); a = tanh(x w_i[a] + (r h) w_h[a] + b[a]); h = (1 - z) h + z a.
inline Matrix gru_step(const Matrix& x, const Matrix& h, const Matrix& w_i, const Matrix& w_h, const Matrix& b) {
  const std::int64_t n = h.cols;
  const Matrix gx = affine(x, w_i), gh = affine(h, w_h);
  Matrix r_h = zeros(h.rows, n), z = zeros(h.rows, n);
  for (std::int64_t row = 0; row < h.rows; ++row) {
    for (std::int64_t j = 0; j < n; ++j) {
      z.at(row, j) = sigmoid(gx.at(row, j) + gh.at(row, j) + b.at(0, j));
      r_h.at(row, j) = sigmoid(gx.at(row, n + j) + gh.at(row, n + j) + b.at(0, n + j)) * h.at(row, j);
    }
  }
  const Matrix a_h = affine(r_h, columns(w_h, 2 * n, 3 * n));
  Matrix next = zeros(h.rows, n);
  for (std::int64_t row = 0; row < h.rows; ++row) {
    for (std::int64_t j = 0; j < n; ++j) {
      const double a = std::tanh(gx.at(row, 2 * n + j) + a_h.at(row, j) + b.at(0, 2 * n + j));
      next.at(row, j) = (1.0 - z.at(row, j)) * h.at(row, j) + z.at(row, j) * a;
    }
  }
  return next;
}

inline void expect_close(const jx::Array& got, const Matrix& want, double tolerance = 1e-5) {
  const std::vector<float> g = got.astype(jx::float32).to_vector<float>();
  ASSERT_EQ(g.size(), want.values.size());
  for (std::size_t k = 0; k < g.size(); ++k)
    EXPECT_NEAR(g[k], want.values[k], tolerance * (1.0 + std::abs(want.values[k]))) << "at " << k;
}

inline const jx::Array& param(const jx::tree::Tree& params, const std::string& module, const std::string& name) {
  return params.as_dict().at(module).as_dict().at(name).array();
}

// Every parameter replaced by normal draws of its shape times `scale`: biases that are not zero, so
// that the closed forms check them too.
inline jx::tree::Tree randomized(const jx::tree::Tree& params, std::uint32_t seed, float scale = 0.5f) {
  auto [leaves, structure] = jx::tree::flatten(params);
  jx::Key key = jx::random::PRNGKey(seed);
  for (jx::Array& leaf : leaves) {
    auto [next, sub] = jx::random::split(key);
    key = next;
    leaf = jx::random::normal(sub, leaf.shape()) * scale;
  }
  return jx::tree::unflatten(structure, leaves);
}

}  // namespace recurrent_oracle
