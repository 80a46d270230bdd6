// conv_general_dilated on oneDNN. jx has one convolution primitive, and its derivatives are
// convolutions too (JAX's formulation): the input gradient dilates the lhs by the forward stride and
// reverses the kernel, the kernel gradient contracts over the batch with the output gradient as
// the "kernel". oneDNN has a primitive for each of the three, so each geometry is mapped to the one
// that computes it directly:
//
//   forward          no lhs dilation, a kernel smaller than the output;
//   backward data    a dilated lhs (the forward stride), unit window strides: oneDNN's input gradient
//                    with the kernel reversed back;
//   backward weights no lhs dilation, a "kernel" larger than the output: oneDNN's weight gradient,
//                    with batch and feature axes exchanged.
//
// The three are the same sum written three ways (derived in the comments below), so the choice is
// only about speed. Feature groups are oneDNN groups; batch groups, negative strides of the
// activations, and shapes only oneDNN's reference code runs stay on jx's own kernel.
#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <vector>

#include "backends/cpu/convolution.h"
#include "backends/cpu/onednn.h"
#include "backends/cpu/onednn_common.h"
#include "backends/cpu/thread_pool.h"

namespace jx::cpu::onednn {
namespace {

using dnnl::memory;
using Dims = memory::dims;

enum class ConvKind { forward, backward_data, backward_weights };

// Everything that decides a part's primitive.
struct ConvKey {
  ConvKind kind{};
  DType dtype{};
  std::int64_t groups = 1;
  Dims src, weights, dst;                        // logical dims (oneDNN order; weights with groups first)
  Dims src_strides, dst_strides;                 // of the caller's activations
  Dims strides, dilation, padding_l, padding_r;  // oneDNN conventions (dilation 0 = none)
  bool with_bias = false;                        // forward: a bias per output feature is added
  bool operator==(const ConvKey&) const = default;
};

struct ConvKeyHash {
  std::size_t operator()(const ConvKey& key) const {
    std::size_t h = (static_cast<std::size_t>(key.kind) * 31 + static_cast<std::size_t>(key.dtype)) * 2 +
                    static_cast<std::size_t>(key.with_bias);
    for (const Dims* dims : {&key.src, &key.weights, &key.dst, &key.src_strides, &key.dst_strides, &key.strides,
                             &key.dilation, &key.padding_l, &key.padding_r}) {
      for (std::int64_t v : *dims) h = h * 1000003u ^ std::hash<std::int64_t>()(v);
    }
    return h;
  }
};

struct ConvPrimitive {
  std::optional<dnnl::primitive> primitive;  // empty: only oneDNN's reference code runs it
  // The primitive's own layouts, and the caller's (activations as given, weights dense).
  memory::desc src, weights, dst, scratchpad;
  memory::desc user_src, user_weights, user_dst;
  std::string implementation;
};

Dims packed_dims_strides(const Dims& dims) {
  Dims strides(dims.size(), 1);
  for (std::size_t d = dims.size(); d-- > 1;) strides[d - 1] = strides[d] * dims[d];
  return strides;
}

// The primitive of a key's kind, with the activations in the caller's layout if oneDNN has more than
// its reference code for it, else in the layout it prefers; empty when only reference code exists.
std::shared_ptr<const ConvPrimitive> create_convolution(const ConvKey& key) {
  const memory::data_type type = *data_type_of(key.dtype);
  auto made = std::make_shared<ConvPrimitive>();
  made->user_src = memory::desc(key.src, type, key.src_strides);
  made->user_dst = memory::desc(key.dst, type, key.dst_strides);
  made->user_weights = memory::desc(key.weights, type, packed_dims_strides(key.weights));
  const memory::desc any_weights(key.weights, type, memory::format_tag::any);
  // A kernel gradient is summed over the parts of the batch, so it is written in float32 (as jx's own
  // path computes half-precision convolutions in float32) and rounded once, at the end.
  const memory::desc any_weight_gradient(key.weights, memory::data_type::f32, memory::format_tag::any);
  const auto algorithm = dnnl::algorithm::convolution_direct;
  const dnnl::engine& engine = cpu_engine();
  // Tried with the activations as they are, then in whatever layout oneDNN prefers (reordered per call).
  for (const bool as_given : {true, false}) {
    const memory::desc src = as_given ? made->user_src : memory::desc(key.src, type, memory::format_tag::any);
    const memory::desc dst = as_given ? made->user_dst : memory::desc(key.dst, type, memory::format_tag::any);
    try {
      const auto forward_desc = [&] {
        if (!key.with_bias) {
          return dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm, src, any_weights, dst,
                                                 key.strides, key.dilation, key.padding_l, key.padding_r);
        }
        const memory::desc bias({key.dst[1]}, type, memory::format_tag::a);
        return dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algorithm, src, any_weights, bias,
                                               dst, key.strides, key.dilation, key.padding_l, key.padding_r);
      }();
      const dnnl::convolution_forward::primitive_desc forward(forward_desc, default_attributes(), engine);
      std::string implementation;
      if (key.kind == ConvKind::forward) {
        implementation = forward.impl_info_str();
        if (is_reference(implementation)) continue;
        made->src = forward.src_desc(), made->weights = forward.weights_desc(), made->dst = forward.dst_desc();
        made->scratchpad = forward.scratchpad_desc();
        made->primitive.emplace(dnnl::convolution_forward(forward));
      } else if (key.kind == ConvKind::backward_data) {
        const dnnl::convolution_backward_data::primitive_desc backward(
            dnnl::convolution_backward_data::desc(algorithm, src, any_weights, dst, key.strides, key.dilation,
                                                  key.padding_l, key.padding_r),
            default_attributes(), engine, forward);
        implementation = backward.impl_info_str();
        if (is_reference(implementation)) continue;
        made->src = backward.diff_src_desc(), made->weights = backward.weights_desc();
        made->dst = backward.diff_dst_desc(), made->scratchpad = backward.scratchpad_desc();
        made->primitive.emplace(dnnl::convolution_backward_data(backward));
      } else {
        const dnnl::convolution_backward_weights::primitive_desc backward(
            dnnl::convolution_backward_weights::desc(algorithm, src, any_weight_gradient, dst, key.strides,
                                                     key.dilation, key.padding_l, key.padding_r),
            default_attributes(), engine, forward);
        implementation = backward.impl_info_str();
        if (is_reference(implementation)) continue;
        made->src = backward.src_desc(), made->weights = backward.diff_weights_desc();
        made->dst = backward.diff_dst_desc(), made->scratchpad = backward.scratchpad_desc();
        made->primitive.emplace(dnnl::convolution_backward_weights(backward));
      }
      static constexpr const char* kKindNames[] = {"convolution forward", "convolution backward data",
                                                   "convolution backward weights"};
      made->implementation = std::string(kKindNames[static_cast<int>(key.kind)]) + ": " + implementation;
      return made;
    } catch (const dnnl::error&) {
      // not expressible this way: try the next, or leave it to jx's kernel
    }
  }
  made->implementation = "reference only";
  return made;
}

PrimitiveCache<ConvKey, ConvPrimitive, ConvKeyHash>& convolution_primitives() {
  static auto* cache = new PrimitiveCache<ConvKey, ConvPrimitive, ConvKeyHash>();
  return *cache;
}

void reorder(const memory& from, const memory& to) {
  dnnl::reorder(from, to).execute(thread_stream(), const_cast<memory&>(from), const_cast<memory&>(to));
}

// A problem in oneDNN's terms, with the caller's pointers: `src` and `dst` are the activations
// (for backward data, src is the gradient written and dst the one read; for backward weights, dst is
// read and the weights written), split over threads along the batch of oneDNN's view.
struct Problem {
  ConvKey key;
  const std::byte* src = nullptr;
  const std::byte* dst = nullptr;
  std::byte* out = nullptr;  // what the primitive writes: dst, src, or the weights
  std::int64_t src_batch_stride = 0, dst_batch_stride = 0;
  // The weights (forward, backward data): a dense copy in key.weights order, made by the caller.
  const std::byte* weights = nullptr;
  const std::byte* bias = nullptr;  // forward with key.with_bias: one float per output feature
  Dims user_weight_strides;         // backward weights: where each logical weight goes in the output
};

std::int64_t product(const ConvGeometry::Sizes& sizes, int n) {
  std::int64_t p = 1;
  for (int d = 0; d < n; ++d) p *= sizes[static_cast<std::size_t>(d)];
  return p;
}

bool run(Problem& problem, std::size_t item) {
  const ConvKey& key = problem.key;
  const std::int64_t batch = key.kind == ConvKind::backward_data ? key.dst[0] : key.src[0];
  const std::int64_t macs = key.dst[0] * key.dst[1] * (key.src[1] / key.groups) * [&] {
    std::int64_t p = 1;
    for (std::size_t d = 2; d < key.dst.size(); ++d) p *= key.dst[d];
    for (std::size_t d = key.weights.size() - (key.src.size() - 2); d < key.weights.size(); ++d) p *= key.weights[d];
    return p;
  }();
  const Split parts = split(batch, std::min<std::int64_t>(macs >> 20, num_threads()));
  const auto key_of = [&](std::int64_t size) {
    ConvKey part = key;
    part.src[0] = size;
    part.dst[0] = size;
    return part;
  };
  hold_to_one_thread();
  const auto [full, last] = part_primitives(convolution_primitives(), parts, key_of, create_convolution);
  if (!full->primitive || !last->primitive) return false;
  note_implementation(full->implementation);
  const dnnl::engine& engine = cpu_engine();

  // The weights in each primitive's layout (forward, backward data), once for all parts.
  std::vector<Buffer> weight_buffers;
  const auto weights_for = [&](const ConvPrimitive& p) -> const std::byte* {
    if (p.weights == p.user_weights) return problem.weights;
    weight_buffers.emplace_back(p.weights.get_size());
    reorder(memory(p.user_weights, engine, const_cast<std::byte*>(problem.weights)),
            memory(p.weights, engine, weight_buffers.back().data()));
    return weight_buffers.back().data();
  };
  const std::byte* full_weights = nullptr;
  const std::byte* last_weights = nullptr;
  if (key.kind != ConvKind::backward_weights) {
    weight_buffers.reserve(2);
    full_weights = weights_for(*full);
    last_weights = last == full ? full_weights : weights_for(*last);
  }
  // Backward weights: each part sums its share of the batch into its own buffer.
  std::vector<Buffer> partial_weights;
  if (key.kind == ConvKind::backward_weights) {
    for (std::int64_t p = 0; p < parts.count; ++p)
      partial_weights.emplace_back((p == parts.count - 1 ? last : full)->weights.get_size());
  }

  run_parts(parts, [&](std::int64_t part) {
    const ConvPrimitive& p = part == parts.count - 1 ? *last : *full;
    const std::byte* weights = part == parts.count - 1 ? last_weights : full_weights;
    const std::int64_t first = part * parts.size;
    const auto offset = [&](std::int64_t stride) { return first * stride * static_cast<std::int64_t>(item); };
    auto* src = const_cast<std::byte*>(problem.src) + offset(problem.src_batch_stride);
    auto* dst = const_cast<std::byte*>(problem.dst) + offset(problem.dst_batch_stride);
    const memory user_src(p.user_src, engine, src), user_dst(p.user_dst, engine, dst);
    // Activations in the primitive's layout when it is not the caller's.
    std::optional<Buffer> src_buffer, dst_buffer;
    memory src_memory = user_src, dst_memory = user_dst;
    const bool src_read = key.kind != ConvKind::backward_data, dst_read = key.kind != ConvKind::forward;
    if (p.src != p.user_src) {
      src_buffer.emplace(p.src.get_size());
      src_memory = memory(p.src, engine, src_buffer->data());
      if (src_read) reorder(user_src, src_memory);
    }
    if (p.dst != p.user_dst) {
      dst_buffer.emplace(p.dst.get_size());
      dst_memory = memory(p.dst, engine, dst_buffer->data());
      if (dst_read) reorder(user_dst, dst_memory);
    }
    const memory scratchpad = thread_scratchpad(p.scratchpad);
    if (key.kind == ConvKind::forward) {
      const memory weights_memory(p.weights, engine, const_cast<std::byte*>(weights));
      std::unordered_map<int, memory> arguments{{DNNL_ARG_SRC, src_memory},
                                                {DNNL_ARG_WEIGHTS, weights_memory},
                                                {DNNL_ARG_DST, dst_memory},
                                                {DNNL_ARG_SCRATCHPAD, scratchpad}};
      if (key.with_bias) {
        const memory::desc bias({key.dst[1]}, *data_type_of(key.dtype), memory::format_tag::a);
        arguments.emplace(DNNL_ARG_BIAS, memory(bias, engine, const_cast<std::byte*>(problem.bias)));
      }
      p.primitive->execute(thread_stream(), arguments);
      if (dst_buffer) reorder(dst_memory, user_dst);
    } else if (key.kind == ConvKind::backward_data) {
      const memory weights_memory(p.weights, engine, const_cast<std::byte*>(weights));
      p.primitive->execute(thread_stream(), {{DNNL_ARG_DIFF_SRC, src_memory},
                                             {DNNL_ARG_WEIGHTS, weights_memory},
                                             {DNNL_ARG_DIFF_DST, dst_memory},
                                             {DNNL_ARG_SCRATCHPAD, scratchpad}});
      if (src_buffer) reorder(src_memory, user_src);
    } else {
      const memory weights_memory(p.weights, engine, partial_weights[static_cast<std::size_t>(part)].data());
      p.primitive->execute(thread_stream(), {{DNNL_ARG_SRC, src_memory},
                                             {DNNL_ARG_DIFF_WEIGHTS, weights_memory},
                                             {DNNL_ARG_DIFF_DST, dst_memory},
                                             {DNNL_ARG_SCRATCHPAD, scratchpad}});
    }
  });
  if (key.kind == ConvKind::backward_weights) {
    // The parts' sums added up (every part's primitive writes the same layout), then written where
    // the caller wants the gradient.
    if (parts.count > 1 && last->weights != full->weights) {  // the last part chose another layout
      Buffer converted(full->weights.get_size());
      reorder(memory(last->weights, engine, partial_weights.back().data()),
              memory(full->weights, engine, converted.data()));
      partial_weights.back() = std::move(converted);
    }
    auto* total = reinterpret_cast<float*>(partial_weights[0].data());
    const std::size_t count = full->weights.get_size() / sizeof(float);
    for (std::int64_t part = 1; part < parts.count; ++part) {
      const auto* add = reinterpret_cast<const float*>(partial_weights[static_cast<std::size_t>(part)].data());
      for (std::size_t i = 0; i < count; ++i) total[i] += add[i];
    }
    const memory::desc user(key.weights, *data_type_of(key.dtype), problem.user_weight_strides);
    reorder(memory(full->weights, engine, partial_weights[0].data()), memory(user, engine, problem.out));
  }
  return true;
}

// The kernel of a forward or backward-data problem, copied dense in oneDNN's (groups, out, in,
// spatial...) order; `reverse` flips the spatial axes and exchanges in and out (backward data).
std::vector<std::byte> dense_weights(const ConvGeometry& g, const std::byte* rhs, std::size_t item, bool reverse) {
  const int n = g.spatial_dims;
  const std::int64_t groups = g.feature_group_count;
  const std::int64_t out_per_group = g.out_features / groups, in = g.rhs_in_features;
  const std::int64_t taps = product(g.rhs_spatial, n);
  std::vector<std::byte> dense(static_cast<std::size_t>(g.out_features * in * taps) * item);
  std::int64_t index = 0;
  // oneDNN's order: (group, out, in, taps) forward; (in as out, out as in, taps reversed) backward.
  const std::int64_t outer = reverse ? in : out_per_group, inner = reverse ? out_per_group : in;
  for (std::int64_t group = 0; group < groups; ++group) {
    for (std::int64_t a = 0; a < outer; ++a) {
      for (std::int64_t b = 0; b < inner; ++b) {
        const std::int64_t o = group * out_per_group + (reverse ? b : a), i = reverse ? a : b;
        for (std::int64_t t = 0; t < taps; ++t) {
          std::int64_t offset = o * g.rhs_strides[0] + i * g.rhs_strides[1], rest = t;
          for (int d = n; d-- > 0;) {
            const auto u = static_cast<std::size_t>(d);
            const std::int64_t position = rest % g.rhs_spatial[u];
            rest /= g.rhs_spatial[u];
            offset += (reverse ? g.rhs_spatial[u] - 1 - position : position) * g.rhs_strides[u + 2];
          }
          std::memcpy(dense.data() + static_cast<std::size_t>(index++) * item,
                      rhs + offset * static_cast<std::int64_t>(item), item);
        }
      }
    }
  }
  return dense;
}

}  // namespace

std::size_t convolution_cache_size() { return convolution_primitives().size(); }
void clear_convolution_cache() { convolution_primitives().clear(); }

bool convolution(DType dtype, const ConvGeometry& g, const std::byte* lhs, const std::byte* rhs, std::byte* out,
                 const std::byte* bias) {
  const bool half = dtype == DType::bfloat16 || dtype == DType::float16;
  if (!enabled() || (dtype != DType::float32 && !half) || g.batch_group_count != 1) return false;
  if (half && bias != nullptr) return false;  // the bias epilogue is float32's
  const int n = g.spatial_dims;
  if (n < 1 || n > 3) return false;
  for (int d = 0; d < n + 2; ++d) {
    const auto u = static_cast<std::size_t>(d);
    if (g.lhs_strides[u] <= 0 || g.out_strides[u] <= 0) return false;  // reversed activations
  }
  const auto all_one = [&](const ConvGeometry::Sizes& sizes) {
    return std::all_of(sizes.begin(), sizes.begin() + n, [](std::int64_t v) { return v == 1; });
  };
  const std::int64_t out_taps = product(g.out_spatial, n), kernel_taps = product(g.rhs_spatial, n);
  const std::int64_t macs = g.batch * g.out_features * g.rhs_in_features * out_taps * kernel_taps;
  if (macs < (std::int64_t{1} << 15) || out_taps == 0) return false;
  const std::size_t item = half ? 2 : sizeof(float);
  const auto spatial = [&](const ConvGeometry::Sizes& sizes) { return Dims(sizes.begin(), sizes.begin() + n); };
  const auto strides_of = [&](const std::array<std::int64_t, kMaxConvSpatialDims + 2>& s, bool swap) {
    Dims strides{swap ? s[1] : s[0], swap ? s[0] : s[1]};
    strides.insert(strides.end(), s.begin() + 2, s.begin() + 2 + n);
    return strides;
  };
  const auto with = [&](std::int64_t a, std::int64_t b, const Dims& rest) {
    Dims dims{a, b};
    dims.insert(dims.end(), rest.begin(), rest.end());
    return dims;
  };
  // oneDNN's right padding: the least that makes its output size, (in + left + right - extent) / stride
  // + 1 rounded down, give `out`. -1 (not expressible) when even none gives a larger output.
  const auto right_padding = [&](const Dims& in, const Dims& kernel, const Dims& out_size, const Dims& stride,
                                 const Dims& dilation, const Dims& left) {
    Dims right;
    for (int d = 0; d < n; ++d) {
      const auto u = static_cast<std::size_t>(d);
      const std::int64_t exact =
          (out_size[u] - 1) * stride[u] + (kernel[u] - 1) * (dilation[u] + 1) + 1 - in[u] - left[u];
      right.push_back(exact > -stride[u] ? std::max<std::int64_t>(exact, 0) : -1);
    }
    return right;
  };
  const auto minus_one = [&](const ConvGeometry::Sizes& sizes) {
    Dims v;
    for (int d = 0; d < n; ++d) v.push_back(sizes[static_cast<std::size_t>(d)] - 1);
    return v;
  };
  const auto nonnegative = [](const Dims& v) { return std::all_of(v.begin(), v.end(), [](auto x) { return x >= 0; }); };

  Problem problem;
  ConvKey& key = problem.key;
  key.dtype = dtype;
  key.groups = g.feature_group_count;
  std::vector<std::byte> weights;
  if (all_one(g.lhs_dilation) && kernel_taps > out_taps && g.feature_group_count == 1) {
    // The kernel gradient, out[b, o, q] = sum_{i,k} lhs[b, i, q s + k d - p] rhs[o, i, k]: oneDNN's
    // diff_weights[O, I, K] = sum_{N,Q} src[N, I, Q S + K D - P] diff_dst[N, O, Q] with N = i (the
    // batch contracted), I = b, K = q, Q = k, S = d, D = s, P = p.
    key.kind = ConvKind::backward_weights;
    key.src = with(g.lhs_features, g.batch, spatial(g.lhs_spatial));
    key.src_strides = strides_of(g.lhs_strides, true);
    key.dst = with(g.rhs_in_features, g.out_features, spatial(g.rhs_spatial));
    key.dst_strides = strides_of(g.rhs_strides, true);
    key.weights = with(g.out_features, g.batch, spatial(g.out_spatial));
    key.strides = spatial(g.rhs_dilation);
    key.dilation = minus_one(g.window_strides);
    key.padding_l = spatial(g.padding_low);
    key.padding_r = right_padding(spatial(g.lhs_spatial), spatial(g.out_spatial), spatial(g.rhs_spatial), key.strides,
                                  key.dilation, key.padding_l);
    problem.src = lhs, problem.dst = rhs, problem.out = out;
    problem.src_batch_stride = g.lhs_strides[1], problem.dst_batch_stride = g.rhs_strides[1];
    problem.user_weight_strides = strides_of(g.out_strides, true);
  } else if (all_one(g.lhs_dilation)) {
    // The convolution itself.
    key.kind = ConvKind::forward;
    key.src = with(g.batch, g.lhs_features, spatial(g.lhs_spatial));
    key.src_strides = strides_of(g.lhs_strides, false);
    key.dst = with(g.batch, g.out_features, spatial(g.out_spatial));
    key.dst_strides = strides_of(g.out_strides, false);
    key.weights = with(g.out_features / key.groups, g.rhs_in_features, spatial(g.rhs_spatial));
    if (key.groups > 1) key.weights.insert(key.weights.begin(), key.groups);
    key.strides = spatial(g.window_strides);
    key.dilation = minus_one(g.rhs_dilation);
    key.padding_l = spatial(g.padding_low);
    key.padding_r = right_padding(spatial(g.lhs_spatial), spatial(g.rhs_spatial), spatial(g.out_spatial), key.strides,
                                  key.dilation, key.padding_l);
    weights = dense_weights(g, rhs, item, false);
    problem.src = lhs, problem.dst = out, problem.out = out;
    problem.src_batch_stride = g.lhs_strides[0], problem.dst_batch_stride = g.out_strides[0];
  } else if (all_one(g.window_strides) && g.feature_group_count == 1) {
    // The input gradient of a strided convolution, out[b, c, h] = sum_{o,k} lhs_dilated[b, o, h + k d - p]
    // rhs[c, o, k] (lhs dilated by L): oneDNN's diff_src[N, C, H] = sum_{O,K} diff_dst[N, O, (H + P' - K d)/L]
    // W[O, C, K] with W[o, c, k] = rhs[c, o, K-1-k] and P' = (K-1) d - p.
    key.kind = ConvKind::backward_data;
    key.src = with(g.batch, g.out_features, spatial(g.out_spatial));
    key.src_strides = strides_of(g.out_strides, false);
    key.dst = with(g.batch, g.lhs_features, spatial(g.lhs_spatial));
    key.dst_strides = strides_of(g.lhs_strides, false);
    key.weights = with(g.rhs_in_features, g.out_features, spatial(g.rhs_spatial));
    key.strides = spatial(g.lhs_dilation);
    key.dilation = minus_one(g.rhs_dilation);
    for (int d = 0; d < n; ++d) {
      const auto u = static_cast<std::size_t>(d);
      key.padding_l.push_back((g.rhs_spatial[u] - 1) * g.rhs_dilation[u] - g.padding_low[u]);
    }
    key.padding_r = right_padding(spatial(g.out_spatial), spatial(g.rhs_spatial), spatial(g.lhs_spatial), key.strides,
                                  key.dilation, key.padding_l);
    weights = dense_weights(g, rhs, item, true);
    problem.src = out, problem.dst = lhs, problem.out = out;
    problem.src_batch_stride = g.out_strides[0], problem.dst_batch_stride = g.lhs_strides[0];
  } else {
    return false;
  }
  if (!nonnegative(key.padding_l) || !nonnegative(key.padding_r)) return false;
  if (bias != nullptr) {
    if (key.kind != ConvKind::forward) return false;  // the caller adds it
    key.with_bias = true;
    problem.bias = bias;
  }
  problem.weights = weights.empty() ? nullptr : weights.data();
  return run(problem, item);
}

}  // namespace jx::cpu::onednn
