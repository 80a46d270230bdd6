// The connectionist temporal classification loss (Graves et al., 2006) as Optax computes it
// (jx/optim/losses.h): the forward recursion over frames, in log space, as one lax::scan, so that it
// differentiates (reverse mode through the scan), jits and vmaps.
//
// The states after n labels are a "blank" state (n labels emitted, the last frame a blank or
// nothing yet) and a "label" state (label n being emitted). Impossible states hold log_epsilon
// rather than -inf, which keeps every sum and its gradient finite. Between frames, a label state
// passes to the next blank state without consuming a frame (an epsilon transition), so that label n
// + 1 may follow label n directly, except when the two are equal: a repeated label needs a blank
// frame between its copies, or the copies would merge.
#include <fmt/format.h>

#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jx/core/error.h"
#include "jx/lax.h"
#include "jx/nn.h"
#include "jx/numpy.h"
#include "jx/optim/losses.h"
#include "jx/transforms/control_flow.h"
#include "optim/losses_common.h"

namespace jx::optim {

namespace jnp = jx::numpy;

namespace {

void check_ctc_inputs(std::string_view loss, const Array& logits, const Array& logit_paddings, const Array& labels,
                      const Array& label_paddings, const CtcLossOptions& options) {
  detail::require_floating(loss, "logits", logits);
  detail::require_rank(loss, "logits", logits, 3);
  detail::require_rank(loss, "labels", labels, 2);
  detail::require_integer(loss, "labels", labels);
  detail::require_same_shape(loss, "labels", labels, "label_paddings", label_paddings);
  const std::string op = fmt::format("optim::{}", loss);
  const Shape& shape = logits.shape();
  if (logit_paddings.shape() != Shape{shape[0], shape[1]}) {
    throw ShapeError(op, fmt::format("logit_paddings must be (batch, frames) {}, but its shape is {}",
                                     Shape{shape[0], shape[1]}.to_string(), logit_paddings.shape().to_string()));
  }
  if (labels.shape()[0] != shape[0]) {
    throw ShapeError(op, fmt::format("logits {} and labels {} must have the same batch size", shape.to_string(),
                                     labels.shape().to_string()));
  }
  if (shape[1] == 0) throw ShapeError(op, fmt::format("logits {} have no frames", shape.to_string()));
  if (options.blank_id < 0 || options.blank_id >= shape[2]) {
    throw ValueError(op, fmt::format("blank_id {} is not one of the {} classes", options.blank_id, shape[2]));
  }
}

// phi with added (in log space) to every entry but the first: the blank state after n + 1 labels
// receives from the label state of label n.
Array add_to_later_blank_states(const Array& phi, const Array& added) {
  return jnp::concatenate({phi(Slice{}, Slice{0, 1}), jnp::logaddexp(phi(Slice{}, Slice{1}), added)}, -1);
}

std::tuple<Array, Array, Array> ctc_forward(std::string_view loss, const Array& logits, const Array& logit_paddings,
                                            const Array& labels, const Array& label_paddings,
                                            const CtcLossOptions& options) {
  check_ctc_inputs(loss, logits, logit_paddings, labels, label_paddings, options);
  const std::int64_t batch = logits.shape()[0];
  const std::int64_t num_classes = logits.shape()[2];
  const std::int64_t max_label_length = labels.shape()[1];
  const DType dtype = logits.dtype();
  const double log_epsilon = options.log_epsilon;

  const Array log_probs = nn::log_softmax(logits, -1);  // (B, T, K)
  const Array label_lengths = max_label_length - jnp::sum(label_paddings, {.axis = 1}).astype(DType::int32);  // (B)

  // repeat[b, n] is 1 where label n + 1 repeats label n (0 for the last label).
  Array repeat = jnp::zeros({batch, max_label_length}, dtype);
  if (max_label_length >= 2) {
    const Array repeats_next = labels(Slice{}, Slice{.stop = -1}) == labels(Slice{}, Slice{.start = 1});
    repeat = jnp::pad(repeats_next.astype(dtype), {{0, 0}, {0, 1}});
  }

  // Per frame (time first, for the scan): the blank's log probability (T, B, 1) and each label's
  // (T, B, N), the latter picked by a one-hot product as Optax does.
  const std::int64_t blank_id = options.blank_id;
  const std::vector<int> time_first = {1, 0, 2};
  const Array blank_log_probs = jnp::transpose(log_probs(Slice{}, Slice{}, Slice{blank_id, blank_id + 1}), time_first);
  const Array one_hot_labels = nn::one_hot(labels, num_classes, dtype);  // (B, N, K)
  const Array label_log_probs = jnp::transpose(jnp::einsum("btk,bnk->btn", log_probs, one_hot_labels), time_first);
  const Array frame_is_padding = jnp::transpose(logit_paddings).astype(dtype);  // (T, B)

  // Before the first frame only the blank state after no labels is reached (log 1 = 0).
  const Array blank_init = jnp::full({batch, max_label_length + 1}, log_epsilon, dtype).at(Slice{}, 0).set(0.0);
  const Array label_init = jnp::full({batch, max_label_length}, log_epsilon, dtype);

  using States = std::pair<Array, Array>;  // (blank states (B, N + 1), label states (B, N))
  const auto step = [&](const States& previous, const std::tuple<Array, Array, Array>& frame) {
    const auto& [previous_blank, previous_label] = previous;
    const auto& [label_log_prob, blank_log_prob, padding] = frame;
    // Label n -> blank state n + 1 without a frame, barred (log_epsilon added) for a repeated label.
    const Array blank = add_to_later_blank_states(previous_blank, previous_label + log_epsilon * repeat);
    // Emitting label n: from the blank state after n labels, or staying on label n.
    const Array next_label =
        jnp::logaddexp(blank(Slice{}, Slice{.stop = -1}) + label_log_prob, previous_label + label_log_prob);
    // Emitting a blank: staying in a blank state, or, for a repeated label only (the others took the
    // epsilon transition above), leaving label n for blank state n + 1 on this frame.
    const Array next_blank = add_to_later_blank_states(blank + blank_log_prob,
                                                       previous_label + blank_log_prob + log_epsilon * (1.0 - repeat));
    // A padded frame leaves every state as it was.
    const Array pad = jnp::reshape(padding, {batch, 1});
    const Array kept_label = pad * previous_label + (1.0 - pad) * next_label;
    const Array kept_blank = pad * previous_blank + (1.0 - pad) * next_blank;
    return std::pair{States{kept_blank, kept_label}, States{kept_blank, kept_label}};
  };
  const States history =
      lax::scan(step, States{blank_init, label_init}, std::tuple{label_log_probs, blank_log_probs, frame_is_padding})
          .second;
  const auto& [log_alpha_blank, log_alpha_label] = history;  // (T, B, N + 1), (T, B, N)

  // After the last frame, a final epsilon transition: alignments ending on label n count as done
  // with n + 1 labels.
  const Array last_blank = add_to_later_blank_states(log_alpha_blank[-1], log_alpha_label[-1]);
  const Array all_blank = log_alpha_blank.at(-1).set(last_blank);
  // The loss reads the blank state after each sequence's own number of labels.
  const Array at_length = nn::one_hot(label_lengths, max_label_length + 1, dtype);
  const Array per_sequence_loss = -jnp::einsum("bn,bn->b", last_blank, at_length);
  return {per_sequence_loss, all_blank, log_alpha_label};
}

}  // namespace

std::tuple<Array, Array, Array> ctc_loss_with_forward_probs_function::operator()(
    const Array& logits, const Array& logit_paddings, const Array& labels, const Array& label_paddings,
    CtcLossOptions options, Loc loc) const {
  CallSite site(loc);
  return ctc_forward("ctc_loss_with_forward_probs", logits, logit_paddings, labels, label_paddings, options);
}

Array ctc_loss_function::operator()(const Array& logits, const Array& logit_paddings, const Array& labels,
                                    const Array& label_paddings, CtcLossOptions options, Loc loc) const {
  CallSite site(loc);
  return std::get<0>(ctc_forward("ctc_loss", logits, logit_paddings, labels, label_paddings, options));
}

}  // namespace jx::optim
