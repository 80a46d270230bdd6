// src/fft/fft_primitive.h — lax.fft's primitive: a discrete Fourier transform over the trailing 1 to 3
// axes. It is linear, so its JVP is itself and reverse mode comes from its transpose, JAX's rules: the
// DFT matrix is symmetric, so FFT and IFFT transpose to themselves; RFFT transposes to the real part
// of an FFT of the zero-padded cotangent; IRFFT to a weighted RFFT, conjugated (JAX's convention for
// complex cotangents).
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "jx/fft.h"
#include "jx/ir/primitive.h"

namespace jx::primitives {

class Fft final : public PrimitiveBase<Fft> {
 public:
  Fft(lax::FftType type, std::vector<std::int64_t> lengths);
  lax::FftType type() const { return type_; }
  const std::vector<std::int64_t>& lengths() const { return lengths_; }

  std::string_view name() const override { return "fft"; }
  TypeList infer(std::span<const ArrayType> inputs) const override;
  ArrayList evaluate(std::span<const Array> inputs) const override;
  ArrayList jvp(std::span<const Array> primals, std::span<const Array> tangents,
                std::span<const Array> outputs) const override;
  ArrayList transpose(std::span<const Array> cotangents, std::span<const Array> inputs,
                      std::span<const ArrayType> types) const override;
  BatchResult batch(std::span<const Array> inputs, std::span<const int> axes) const override;
  auto params() const { return std::tuple{Param{"fft_type", type_name_}, Param{"fft_lengths", lengths_}}; }

 private:
  // infer's rule for the one input (evaluate uses it without the list infer returns).
  ArrayType output_type(const ArrayType& x) const;

  lax::FftType type_;
  std::string type_name_;  // "FFT", ...: what the jaxpr prints
  std::vector<std::int64_t> lengths_;
};

}  // namespace jx::primitives
