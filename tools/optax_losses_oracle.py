#!/usr/bin/python3
"""Expected values for jx::optim's losses (jx/optim/losses.h), from Optax's documented formulas.

Run with Debian's python3-numpy (the default `python3` may have no NumPy):

    /usr/bin/python3 tools/optax_losses_oracle.py            # rewrites tests/data/optax_losses_oracle.json
    /usr/bin/python3 tools/optax_losses_oracle.py --check    # fails if the committed file is stale
    /usr/bin/python3 tools/optax_losses_oracle.py --stats    # only prints the number of cases per op

tests/optim/losses_test.cpp replays every case eagerly, under jit and under vmap
(tests/oracle_replay.h).

What is computed. Each loss is written here in NumPy from its definition in Optax's documentation
(and the papers it cites), not from Optax's code, and nothing imports Optax. Where the mathematics
offers a plainer route than the numerically careful one a float32 implementation needs, the plainer
one is taken, in float64: log(cosh(e)) as |e| + log1p(exp(-2|e|)) - log 2, the focal factor as
(y (1 - p) + (1 - y) p)^gamma with 1 - p = sigmoid(-x), sparsemax by bisection on its threshold
rather than by sorting, and the CTC loss by the forward algorithm of Graves et al. (2006) over the
blank-extended label sequence with -inf for impossible states (Optax's recursion keeps separate
blank and label states and a finite log_epsilon instead).

Semantics, as Optax documents them (and its source confirms, read for semantics only):
  * `axis` may be a list of axes; `where` masks elements out of the sums and, for the softmax
    losses, out of the normalizer too. A `where` of fewer dimensions than the logits masks whole
    examples (softmax_cross_entropy, softmax_cross_entropy_with_integer_labels); an example with
    nothing left gives 0.
  * cosine_similarity clips the squared norms (not the norms) below at epsilon.
  * safe_softmax_cross_entropy takes labels * log_softmax(logits) as 0 where the label is 0, so a
    logit of -inf with label 0 adds nothing (and one with a non-zero label gives +inf).
  * ctc_loss: padded frames (logit_paddings = 1) are skipped wherever they are; labels are
    right-padded; a repeated label needs a blank between its copies. ctc_loss_with_forward_probs's
    log alphas are (T, B, N + 1) for the blank states (after n labels) and (T, B, N) for the label
    states, row t after the first t + 1 frames, and in the last row the blank state after n labels
    also counts the alignments ending on label n. Impossible states are -inf here; Optax's hold
    sums of log_epsilon (about -1e5), which the test maps to -inf below -1e4 (reachable states stay
    above -100 for these inputs). The padded labels take part in the recursion like real ones (they
    only change states past each sequence's length), so the expected alphas use them as labels too.
  * triplet_margin_loss: distances are (sum(d^p) + eps)^(1/p) with d = anchor - other taken with
    its sign (for even p, as here, a norm).
  * ranking_softmax_loss: with reduce_fn "mean" the lists with no valid item are left out, and a
    mean over no list is 0.
  * dice_loss: sums over all axes but the first and last by default; with one class, sigmoid
    instead of softmax.

Inputs are drawn per case from np.random.default_rng seeded with the CRC-32 of the case's name
(tools/oracle_cases.py), uniform draws rounded to float32, so they are the same bits on every CPU;
the file holds them exactly. Integer labels are int32, masks bool.

Accuracy. jx computes in float32 (float64 in the cases marked x64) and is compared with these
float64 values as |actual - expected| <= atol + rtol |expected|, non-finite values exactly. With eps
the unit roundoff of the case's dtype (2^-23, or 2^-52 for x64), rtol = 64 eps and atol = 64 eps *
scale, where scale bounds the magnitude of what is summed or cancelled on the way to one result:
the number of terms reduced into it times the largest magnitude among them (at least 1). Every case
is also computed here from the same inputs in float32 (the x64 cases: float64 against float128) by
the same formulas, a correct implementation of that precision: it must stay within a quarter of the
tolerance, or the generator fails; it uses at most the share printed by --stats.

The JSON format is tools/oracle_cases.py's; every case's params hold "family": "losses" and the
loss's options under Optax's keyword names (axis as an int, a list, or null for all axes), and
"where": true / "weights": true / "class_weights": true / "targets": false say how the arguments
after the first two are to be read (see tests/optim/losses_test.cpp).
"""

import math
import os
import sys

import numpy as np

import oracle_cases
from oracle_cases import Arr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "optax_losses_oracle.json")

CASES = oracle_cases.Cases(("float64",))
# Roundings of the largest intermediate magnitude a result may carry (see Accuracy above).
UNITS = 64
# The largest share of its tolerance that the same-precision replay may use.
REPLAY_SHARE = 0.25
# The largest share any case's replay used, for --stats.
WORST_REPLAY = {"share": 0.0, "case": ""}

# ------------------------------------------------------------------------------------------------
# Arithmetic shared by the losses (on arrays of any float dtype: float32 stays float32)
# ------------------------------------------------------------------------------------------------


def as_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = [axis]
    return tuple(sorted(a % ndim for a in axis))


def masked_sum(v, axes, where=None, keepdims=False):
    if where is not None:
        v = np.where(np.broadcast_to(where, v.shape), v, v.dtype.type(0))
    return np.sum(v, axis=axes, keepdims=keepdims)


def log_softmax(x, axes, where=None):
    """log(exp(x) / sum(exp(x))) over the axes, counting only the elements where `where` is set
    (the others are -inf)."""
    if where is not None:
        x = np.where(np.broadcast_to(where, x.shape), x, x.dtype.type(-np.inf))
    top = np.max(x, axis=axes, keepdims=True)
    top = np.where(np.isfinite(top), top, x.dtype.type(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        normalizer = top + np.log(np.sum(np.exp(x - top), axis=axes, keepdims=True))
        return x - normalizer


def log_sigmoid(x):
    # log(1 / (1 + exp(-x))), without overflow on either side.
    return -np.logaddexp(x.dtype.type(0), -x)


def sigmoid(x):
    return np.exp(log_sigmoid(x))


def expand_where(where, axis, ndim):
    """A per-example mask gains the class axes (as the softmax losses read it)."""
    if where.ndim == ndim:
        return where
    for a in as_axes(axis, ndim):
        where = np.expand_dims(where, a)
    return where


# ------------------------------------------------------------------------------------------------
# The losses: f(args, params) -> [outputs], args as NumPy arrays in the working dtype
# ------------------------------------------------------------------------------------------------


def targets_of(args, params):
    return args[1] if params.get("targets", True) else np.zeros_like(args[0])


def squared_error(args, params):
    return [(args[0] - targets_of(args, params)) ** 2]


def l2_loss(args, params):
    return [0.5 * (args[0] - targets_of(args, params)) ** 2]


def huber_loss(args, params):
    delta = params.get("delta", 1.0)
    e = np.abs(args[0] - targets_of(args, params))
    return [np.where(e <= delta, 0.5 * e * e, 0.5 * delta * delta + delta * (e - delta))]


def log_cosh(args, params):
    e = np.abs(args[0] - targets_of(args, params))
    # cosh(e) = exp(|e|) (1 + exp(-2|e|)) / 2.
    return [e + np.log1p(np.exp(-2 * e)) - e.dtype.type(math.log(2))]


def cosine_similarity(args, params):
    a, b = args[0], args[1]
    where = args[2] if params.get("where") else None
    axis = params.get("axis", -1)
    epsilon = params.get("epsilon", 0.0)
    eps = a.dtype.type(epsilon)

    def unit(v):
        squared_norm = masked_sum(v * v, as_axes(axis, v.ndim), where, keepdims=True)
        return v / np.sqrt(np.maximum(squared_norm, eps))

    product = unit(a) * unit(b)
    return [masked_sum(product, as_axes(axis, product.ndim), where)]


def cosine_distance(args, params):
    return [1 - cosine_similarity(args, params)[0]]


def sigmoid_binary_cross_entropy(args, params):
    x, y = args[0], args[1].astype(args[0].dtype)
    return [-y * log_sigmoid(x) - (1 - y) * log_sigmoid(-x)]


def sigmoid_focal_loss(args, params):
    x, y = args[0], args[1].astype(args[0].dtype)
    cross_entropy = sigmoid_binary_cross_entropy(args, params)[0]
    p, one_minus_p = sigmoid(x), sigmoid(-x)
    # 1 - p_t: the probability given to the wrong side (soft labels mix the two).
    loss = cross_entropy * (y * one_minus_p + (1 - y) * p) ** x.dtype.type(params.get("gamma", 2.0))
    if params.get("alpha") is not None:
        alpha = params["alpha"]
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return [loss.astype(x.dtype)]


def softmax_cross_entropy(args, params):
    logits, labels = args[0], args[1]
    axis = params.get("axis", -1)
    where = args[2] if params.get("where") else None
    if where is not None:
        where = expand_where(where, axis, logits.ndim)
    log_p = log_softmax(logits, as_axes(axis, logits.ndim), where)
    with np.errstate(invalid="ignore"):
        terms = labels * log_p
    return [-masked_sum(terms, as_axes(axis, terms.ndim), where)]


def safe_softmax_cross_entropy(args, params):
    logits, labels = args[0], args[1]
    log_p = log_softmax(logits, (logits.ndim - 1,))
    with np.errstate(invalid="ignore"):
        terms = np.where(labels == 0, logits.dtype.type(0), labels * log_p)
    return [-np.sum(terms, axis=-1)]


def softmax_cross_entropy_with_integer_labels(args, params):
    logits, labels = args[0], args[1]
    axis = params.get("axis", -1)
    where = args[2] if params.get("where") else None
    # The class axes in the order given: a label is a row-major index into them in that order.
    axes = tuple(a % logits.ndim for a in ([axis] if isinstance(axis, int) else axis))
    if where is not None:
        where = np.broadcast_to(expand_where(where, axis, logits.ndim), logits.shape)
    # Move the class axes last and flatten them.
    batch_axes = tuple(d for d in range(logits.ndim) if d not in axes)
    order = batch_axes + axes
    flat = np.transpose(logits, order).reshape(labels.shape + (-1,))
    flat_where = None if where is None else np.transpose(where, order).reshape(labels.shape + (-1,))
    # logsumexp over the kept classes, less the label's logit (read whether its class is kept or not).
    kept = flat if flat_where is None else np.where(flat_where, flat, -np.inf)
    top = np.max(kept, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    with np.errstate(divide="ignore"):
        normalizer = top + np.log(masked_sum(np.exp(flat - top), (flat.ndim - 1,), flat_where, keepdims=True))
    label_logit = np.take_along_axis(flat, labels[..., None].astype(np.int64), axis=-1)
    result = (normalizer - label_logit)[..., 0]
    if flat_where is not None:
        result = np.where(np.any(flat_where, axis=-1), result, 0)
    return [result.astype(logits.dtype)]


def poly_loss_cross_entropy(args, params):
    logits, labels = args[0], args[1]
    axis = params.get("axis", -1)
    where = args[2] if params.get("where") else None
    epsilon = params.get("epsilon", 2.0)
    p = np.exp(log_softmax(logits, as_axes(axis, logits.ndim), where))
    off_target = labels * (1 - p)
    one_minus_pt = masked_sum(off_target, as_axes(axis, off_target.ndim), where)
    return [softmax_cross_entropy(args, params)[0] + logits.dtype.type(epsilon) * one_minus_pt]


def kl_divergence(args, params):
    log_predictions, targets = args[0], args[1]
    where = args[2] if params.get("where") else None
    with np.errstate(divide="ignore", invalid="ignore"):
        log_targets = np.where(targets > 0, np.log(np.where(targets > 0, targets, 1)), 0)
    terms = targets * (log_targets - log_predictions)
    return [masked_sum(terms, as_axes(params.get("axis", -1), terms.ndim), where)]


def kl_divergence_with_log_targets(args, params):
    log_predictions, log_targets = args[0], args[1]
    where = args[2] if params.get("where") else None
    terms = np.exp(log_targets) * (log_targets - log_predictions)
    return [masked_sum(terms, as_axes(params.get("axis", -1), terms.ndim), where)]


def generalized_kl_divergence(args, params):
    log_predictions, targets = args[0], args[1]
    where = args[2] if params.get("where") else None
    mass = np.exp(log_predictions) - targets
    return [kl_divergence(args, params)[0] + masked_sum(mass, as_axes(params.get("axis", -1), mass.ndim), where)]


def hinge_loss(args, params):
    return [np.maximum(0, 1 - args[0] * args[1])]


def perceptron_loss(args, params):
    return [np.maximum(0, -args[0] * args[1])]


def label_scores(scores, labels):
    return np.take_along_axis(scores, labels[..., None].astype(np.int64), axis=-1)[..., 0]


def multiclass_hinge_loss(args, params):
    scores, labels = args[0], args[1]
    # The largest margin violation: max over classes c of scores_c + [c != label], less the label's score.
    one_hot = np.arange(scores.shape[-1]) == labels[..., None]
    return [np.max(scores + np.where(one_hot, 0, 1).astype(scores.dtype), axis=-1) - label_scores(scores, labels)]


def multiclass_perceptron_loss(args, params):
    scores, labels = args[0], args[1]
    return [np.max(scores, axis=-1) - label_scores(scores, labels)]


def sparse_plus(x):
    return np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)).astype(x.dtype)


def sparsemax_loss(args, params):
    logits, labels = args[0], args[1]
    return [sparse_plus(np.where(labels != 0, -logits, logits))]


def sparsemax(scores):
    """The Euclidean projection of each row onto the probability simplex: max(s - tau, 0) with the
    threshold tau found by bisection on the sum (monotone in tau)."""
    low = np.min(scores, axis=-1, keepdims=True) - 1
    high = np.max(scores, axis=-1, keepdims=True)
    for _ in range(200):
        middle = (low + high) / 2
        too_much = np.sum(np.maximum(scores - middle, 0), axis=-1, keepdims=True) > 1
        low = np.where(too_much, middle, low)
        high = np.where(too_much, high, middle)
    tau = (low + high) / 2
    # Exact on the support: tau = (sum of the support - 1) / its size.
    support = scores > tau
    tau = (np.sum(np.where(support, scores, 0), axis=-1, keepdims=True) - 1) / np.sum(support, axis=-1, keepdims=True)
    return np.maximum(scores - tau, 0)


def multiclass_sparsemax_loss(args, params):
    scores, labels = args[0], args[1]
    p = sparsemax(scores)
    # The Fenchel-Young loss of the Gini negentropy: <p, s> - s_label + (1 - |p|^2) / 2.
    return [(np.sum(p * scores, axis=-1) - label_scores(scores, labels) + (1 - np.sum(p * p, axis=-1)) / 2)
            .astype(scores.dtype)]


def fenchel_young_logsumexp(args, params):
    scores, targets = args[0], args[1]
    top = np.max(scores, axis=-1, keepdims=True)
    logsumexp = (top + np.log(np.sum(np.exp(scores - top), axis=-1, keepdims=True)))[..., 0]
    return [logsumexp - np.sum(targets * scores, axis=-1)]


def smooth_labels(args, params):
    labels, alpha = args[0], args[1]
    axis = params.get("axis", -1)
    if params.get("where"):
        categories = np.sum(args[2], axis=as_axes(axis, args[2].ndim), keepdims=True)
    else:
        categories = np.prod([labels.shape[a] for a in as_axes(axis, labels.ndim)])
    return [((1 - alpha) * labels + alpha / categories).astype(labels.dtype)]


def ntxent(args, params):
    embeddings, labels = args[0], args[1]
    temperature = args[2] if len(args) > 2 else embeddings.dtype.type(0.07)
    eps = np.finfo(np.float32).eps  # the squared norms' floor: float32's epsilon (every case is float32)
    norms = np.sqrt(np.maximum(np.sum(embeddings * embeddings, axis=-1), embeddings.dtype.type(eps)))
    unit = embeddings / norms[:, None]
    similarity = (unit @ unit.T) / temperature
    n = len(labels)
    total, pairs = 0.0, 0
    for i in range(n):
        negatives = [k for k in range(n) if labels[k] != labels[i]]
        for j in range(n):
            if j == i or labels[j] != labels[i]:
                continue
            # -log(exp(s_ij) / (exp(s_ij) + sum over i's negatives of exp(s_ik))).
            terms = np.array([similarity[i, j]] + [similarity[i, k] for k in negatives])
            top = np.max(terms)
            total += -(similarity[i, j] - top - np.log(np.sum(np.exp(terms - top))))
            pairs += 1
    return [np.asarray(total / pairs, dtype=embeddings.dtype)]


def triplet_margin_loss(args, params):
    anchors, positives, negatives = args[0], args[1], args[2]
    p = params.get("norm_degree", 2)
    axis = params.get("axis", -1)
    eps = params.get("eps", 1e-6)
    margin = params.get("margin", 1.0)

    def distance(other):
        return (np.sum((anchors - other) ** p, axis=axis) + anchors.dtype.type(eps)) ** anchors.dtype.type(1 / p)

    return [np.maximum(distance(positives) - distance(negatives) + anchors.dtype.type(margin), 0)]


def ranking_softmax_loss(args, params):
    logits, labels = args[0], args[1].astype(args[0].dtype)
    rest = list(args[2:])
    where = rest.pop(0) if params.get("where") else np.ones(logits.shape, dtype=bool)
    weights = rest.pop(0) if params.get("weights") else np.ones_like(logits)
    relevance = np.where(where, labels * weights, 0)
    log_p = log_softmax(logits, (logits.ndim - 1,), where)
    with np.errstate(invalid="ignore"):
        per_list = -np.sum(np.where(where, relevance * log_p, 0), axis=-1)
    valid_lists = np.any(where, axis=-1)
    reduce_fn = params.get("reduce_fn", "mean")
    if reduce_fn == "none":
        return [np.where(valid_lists, per_list, 0).astype(logits.dtype)]
    total = np.sum(np.where(valid_lists, per_list, 0))
    if reduce_fn == "sum":
        return [np.asarray(total, dtype=logits.dtype)]
    count = np.sum(valid_lists)
    return [np.asarray(total / count if count else 0.0, dtype=logits.dtype)]


def class_probabilities(p):
    if p.shape[-1] == 1:
        return sigmoid(p)
    return np.exp(log_softmax(p, (p.ndim - 1,)))


def dice_per_class(p, t, params, class_weights=None):
    if params.get("apply_softmax", True):
        p = class_probabilities(p)
    axis = params.get("axis")
    axes = tuple(range(1, p.ndim - 1)) if axis is None else as_axes(axis, p.ndim)
    intersection = np.sum(p * t, axis=axes)
    predicted, target = np.sum(p, axis=axes), np.sum(t, axis=axes)
    smooth, alpha, beta = params.get("smooth", 1.0), params.get("alpha", 0.5), params.get("beta", 0.5)
    # Tversky: the overlap against the overlap plus weighted false positives and false negatives.
    per_class = 1 - (intersection + smooth) / (intersection + alpha * (predicted - intersection) +
                                               beta * (target - intersection) + smooth)
    if class_weights is not None:
        per_class = per_class * class_weights
    if params.get("ignore_background") and p.shape[-1] > 1:
        per_class = per_class[..., 1:]
    return per_class


def reduce_classes(per_class, reduction):
    if reduction == "mean":
        return np.mean(per_class, axis=-1)
    if reduction == "sum":
        return np.sum(per_class, axis=-1)
    return per_class


def dice_loss(args, params):
    p, t = args[0], args[1]
    if p.ndim == t.ndim - 1:
        p = p[..., None]
    if t.ndim == p.ndim - 1:
        t = t[..., None]
    class_weights = args[2] if params.get("class_weights") else None
    per_class = dice_per_class(p, t, params, class_weights)
    return [np.asarray(reduce_classes(per_class, params.get("reduction", "mean")), dtype=args[0].dtype)]


def multiclass_generalized_dice_loss(args, params):
    p, t = args[0], args[1]
    frequencies = np.sum(t, axis=tuple(range(t.ndim - 1)))
    # Rare classes weigh more, 1 / f^2, the weights averaging 1.
    weights = 1 / (frequencies ** 2 + 1e-7)
    weights = weights / np.sum(weights) * len(weights)
    return [np.asarray(np.mean(dice_per_class(p, t, params, weights)), dtype=p.dtype)]


def binary_dice_loss(args, params):
    p, t = args[0], args[1]
    if p.ndim == t.ndim and p.shape[-1] != 1:
        p, t = p[..., None], t[..., None]
    settings = {"smooth": params.get("smooth", 1.0), "apply_softmax": params.get("apply_sigmoid", True)}
    return [np.asarray(np.mean(dice_per_class(p, t, settings), axis=-1), dtype=p.dtype)]


def ctc_alphas(log_probs, labels, blank):
    """The forward variables of Graves et al. (2006), in log space, over the label sequence with a
    blank before, between and after its labels: state 2n is the blank after n labels, state 2n + 1
    label n. Returns alpha[k, s] after the first k frames (k = 0: before any frame, where only the
    first blank state is reached). A label state may be entered from the label before it directly,
    skipping the blank between, unless the two labels are equal."""
    frames, n = log_probs.shape[0], len(labels)
    states = 2 * n + 1
    alpha = np.full((frames + 1, states), -np.inf, dtype=log_probs.dtype)
    alpha[0, 0] = 0
    for k in range(1, frames + 1):
        for s in range(states):
            sources = [alpha[k - 1, s]]
            if s >= 1:
                sources.append(alpha[k - 1, s - 1])
            if s % 2 == 1 and s >= 3 and labels[(s - 1) // 2] != labels[(s - 3) // 2]:
                sources.append(alpha[k - 1, s - 2])
            emitted = log_probs[k - 1, blank] if s % 2 == 0 else log_probs[k - 1, labels[(s - 1) // 2]]
            alpha[k, s] = np.logaddexp.reduce(np.array(sources, dtype=log_probs.dtype)) + emitted
    return alpha


def ctc_loss_with_forward_probs(args, params):
    logits, logit_paddings, labels, label_paddings = args
    batch, frames, _ = logits.shape
    max_labels = labels.shape[1]
    losses = np.zeros(batch, dtype=logits.dtype)
    blank_states = np.zeros((frames, batch, max_labels + 1), dtype=logits.dtype)
    label_states = np.zeros((frames, batch, max_labels), dtype=logits.dtype)
    for b in range(batch):
        kept = [t for t in range(frames) if logit_paddings[b, t] == 0]
        alpha = ctc_alphas(log_softmax(logits[b, kept], (1,)), labels[b], params.get("blank_id", 0))
        length = max_labels - int(np.sum(label_paddings[b]))
        last = alpha[len(kept)]
        ends = [last[2 * length]] + ([last[2 * length - 1]] if length > 0 else [])
        losses[b] = -np.logaddexp.reduce(np.array(ends, dtype=logits.dtype))
        for t in range(frames):
            row = alpha[sum(1 for f in kept if f <= t)]
            blank_states[t, b] = row[0::2]
            label_states[t, b] = row[1::2]
        # After the last frame, alignments ending on label n count as done with n + 1 labels.
        blank_states[-1, b, 1:] = np.logaddexp(blank_states[-1, b, 1:], label_states[-1, b])
    return [losses, blank_states, label_states]


def check_ctc_by_enumeration():
    """The forward recursion against its definition: the probability of a label sequence is the sum,
    over every path of one class per frame that collapses to it (repeats merged, then blanks
    removed), of the product of the path's probabilities. Checked for every label sequence of up to
    three labels over classes {0 (blank), 1, 2} and 5 frames (243 paths each)."""
    rng = oracle_cases.rng_for("ctc_enumeration")
    frames, classes = 5, 3
    log_probs = log_softmax(rng.uniform(-2, 2, (frames, classes)), (1,))
    totals = {}
    for path in np.ndindex(*(classes,) * frames):
        collapsed = tuple(c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1]))
        totals[collapsed] = totals.get(collapsed, 0.0) + math.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    for length in range(4):
        for labels in np.ndindex(*(2,) * length):
            labels = tuple(int(v) + 1 for v in labels)
            alpha = ctc_alphas(log_probs, np.array(labels, dtype=np.int64), 0)[frames]
            ends = [alpha[2 * length]] + ([alpha[2 * length - 1]] if length else [])
            probability = math.exp(np.logaddexp.reduce(np.array(ends)))
            assert math.isclose(probability, totals.get(labels, 0.0), rel_tol=1e-12, abs_tol=1e-300), labels


def ctc_loss(args, params):
    return ctc_loss_with_forward_probs(args, params)[:1]


LOSSES = {
    "squared_error": squared_error, "l2_loss": l2_loss, "huber_loss": huber_loss, "log_cosh": log_cosh,
    "cosine_similarity": cosine_similarity, "cosine_distance": cosine_distance,
    "sigmoid_binary_cross_entropy": sigmoid_binary_cross_entropy, "sigmoid_focal_loss": sigmoid_focal_loss,
    "softmax_cross_entropy": softmax_cross_entropy, "safe_softmax_cross_entropy": safe_softmax_cross_entropy,
    "softmax_cross_entropy_with_integer_labels": softmax_cross_entropy_with_integer_labels,
    "poly_loss_cross_entropy": poly_loss_cross_entropy, "kl_divergence": kl_divergence,
    "kl_divergence_with_log_targets": kl_divergence_with_log_targets,
    "generalized_kl_divergence": generalized_kl_divergence, "convex_kl_divergence": generalized_kl_divergence,
    "hinge_loss": hinge_loss, "perceptron_loss": perceptron_loss, "multiclass_hinge_loss": multiclass_hinge_loss,
    "multiclass_perceptron_loss": multiclass_perceptron_loss, "sparsemax_loss": sparsemax_loss,
    "multiclass_sparsemax_loss": multiclass_sparsemax_loss,
    "make_fenchel_young_loss(logsumexp)": fenchel_young_logsumexp, "smooth_labels": smooth_labels,
    "ntxent": ntxent, "triplet_margin_loss": triplet_margin_loss, "ranking_softmax_loss": ranking_softmax_loss,
    "dice_loss": dice_loss, "multiclass_generalized_dice_loss": multiclass_generalized_dice_loss,
    "binary_dice_loss": binary_dice_loss, "ctc_loss": ctc_loss,
    "ctc_loss_with_forward_probs": ctc_loss_with_forward_probs,
}

# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

# Expected values are computed in a wider type than the case's; the replay in the case's own.
EXPECTED_TYPE = {"float32": np.float64, "float64": np.longdouble}
REPLAY_TYPE = {"float32": np.float32, "float64": np.float64}


def working_copy(a, dtype):
    """An argument as the loss formulas take it: floats in `dtype`, integers and masks as they are."""
    if a.dtype in ("float32", "float64"):
        return a.values.astype(dtype)
    if a.dtype == "bool":
        return a.values.copy()
    return a.values.astype(np.int64)


def replay_share(expected, replayed, rtol, atol):
    """The largest |replayed - expected| as a share of the tolerance (non-finite values must agree)."""
    share = 0.0
    for e, r in zip(np.ravel(expected), np.ravel(replayed)):
        e, r = float(e), float(r)
        if not math.isfinite(e):
            assert (math.isnan(e) and math.isnan(r)) or e == r, (e, r)
            continue
        share = max(share, abs(r - e) / (atol + rtol * abs(e)))
    return share


def add(name, op, args, params=None, scale=1.0, dtype="float32"):
    """Adds a case: args is a list of Arr, `scale` the magnitude of what one result sums (see
    Accuracy). Expected values are computed in float64 and replayed in the case's own precision."""
    params = dict(params or {}, family="losses")
    unit = oracle_cases.EPS[dtype]
    rtol, atol = UNITS * unit, UNITS * unit * max(1.0, scale)
    compute = LOSSES[op]
    expected = compute([working_copy(a, EXPECTED_TYPE[dtype]) for a in args], params)
    replayed = compute([working_copy(a, REPLAY_TYPE[dtype]) for a in args], params)
    for e, r in zip(expected, replayed):
        share = replay_share(e, r, rtol, atol)
        assert share <= REPLAY_SHARE, f"{name}: the {dtype} replay uses {share:.2f} of the tolerance"
        if share > WORST_REPLAY["share"]:
            WORST_REPLAY.update(share=share, case=name)
    outputs = [Arr(np.asarray(e, dtype=np.float64), dtype) for e in expected]
    CASES.add(name, op, args, outputs, params, rtol, atol)


def floats(name, shape, lo=-1.0, hi=1.0, dtype="float32", salt=""):
    rng = oracle_cases.rng_for(name + salt)
    return Arr(oracle_cases.uniform(rng, shape, dtype, lo, hi), dtype)


def integers(name, shape, high, salt=""):
    rng = oracle_cases.rng_for(name + salt)
    return Arr(rng.integers(0, high, size=shape), "int32")


def mask(name, shape, salt="", keep=0.7):
    rng = oracle_cases.rng_for(name + salt)
    return Arr(rng.uniform(0, 1, size=shape) < keep, "bool")


def one_hot(labels, classes):
    return Arr((np.arange(classes) == labels.values[..., None]).astype(np.float64), "float32")


def distributions(name, shape, salt=""):
    """Rows of positive probabilities summing to 1 (in float64; rounded to float32, nearly 1)."""
    raw = floats(name, shape, 0.05, 1.0, salt=salt).values
    return Arr(oracle_cases.rnd(raw / np.sum(raw, axis=-1, keepdims=True), "float32"), "float32")


def largest(*arrays):
    return max(float(np.max(np.abs(a.values))) for a in arrays if a.dtype.startswith("float") and a.values.size)


def gen_regression():
    for op in ("squared_error", "l2_loss", "huber_loss", "log_cosh"):
        name = f"{op}_3x4"
        p, t = floats(name, (3, 4), -3, 3, salt="p"), floats(name, (3, 4), -3, 3, salt="t")
        add(name, op, [p, t], scale=largest(p, t) ** 2)
        add(f"{op}_no_targets", op, [p], {"targets": False}, scale=largest(p) ** 2)
    p, t = floats("huber_delta", (5, 3), -2, 2, salt="p"), floats("huber_delta", (5, 3), -2, 2, salt="t")
    add("huber_loss_delta_0.5", "huber_loss", [p, t], {"delta": 0.5}, scale=largest(p, t) ** 2)
    # Large errors, where cosh overflows float32 and log_cosh must stay |e| - log 2.
    p = Arr(oracle_cases.rnd(np.array([-120.0, -30.5, -1e-3, 0.0, 2e-4, 0.75, 44.0, 150.25]), "float32"), "float32")
    add("log_cosh_large_errors", "log_cosh", [p], {"targets": False}, scale=largest(p))

    a, b = floats("cosine", (4, 5), salt="a"), floats("cosine", (4, 5), salt="b")
    for op in ("cosine_similarity", "cosine_distance"):
        add(f"{op}_4x5", op, [a, b], scale=5)
        add(f"{op}_where", op, [a, b, mask("cosine_where", (4, 5))], {"where": True}, scale=5)
    add("cosine_similarity_axis_0", "cosine_similarity", [a, b], {"axis": 0}, scale=4)
    a3, b3 = floats("cosine_axes", (2, 3, 4), salt="a"), floats("cosine_axes", (2, 3, 4), salt="b")
    add("cosine_similarity_axes_1_2", "cosine_similarity", [a3, b3], {"axis": [1, 2]}, scale=12)
    add("cosine_similarity_all_axes", "cosine_similarity", [a3, b3], {"axis": None}, scale=24)
    # Short vectors, where epsilon clips the squared norms.
    small_a, small_b = floats("cosine_eps", (3, 4), -0.1, 0.1, salt="a"), floats("cosine_eps", (3, 4), salt="b")
    add("cosine_similarity_epsilon", "cosine_similarity", [small_a, small_b], {"epsilon": 0.01}, scale=40)


def gen_classification():
    name = "sigmoid_bce"
    x = floats(name, (4, 5), -8, 8, salt="x")
    hard = Arr((floats(name, (4, 5), salt="y").values > 0).astype(np.float64), "float32")
    soft = floats(name, (4, 5), 0, 1, salt="soft")
    add("sigmoid_binary_cross_entropy_hard", "sigmoid_binary_cross_entropy", [x, hard], scale=8)
    add("sigmoid_binary_cross_entropy_soft", "sigmoid_binary_cross_entropy", [x, soft], scale=8)
    extreme = Arr(oracle_cases.rnd(np.array([[-60.0, -17.5, 0.0, 17.5, 60.0]] * 2), "float32"), "float32")
    extreme_labels = Arr(np.array([[0.0, 1, 1, 0, 1], [1.0, 0, 0, 1, 0]]), "float32")
    add("sigmoid_binary_cross_entropy_extreme", "sigmoid_binary_cross_entropy", [extreme, extreme_labels], scale=60)
    add("sigmoid_focal_loss_default", "sigmoid_focal_loss", [x, hard], scale=8)
    add("sigmoid_focal_loss_soft_alpha", "sigmoid_focal_loss", [x, soft], {"alpha": 0.25, "gamma": 0.5}, scale=8)
    add("sigmoid_focal_loss_extreme", "sigmoid_focal_loss", [extreme, extreme_labels], {"gamma": 1.5}, scale=60)

    name = "softmax_ce"
    logits = floats(name, (4, 5), -3, 3, salt="x")
    labels = integers(name, (4,), 5, salt="y")
    hot, soft = one_hot(labels, 5), distributions(name, (4, 5), salt="soft")
    add("softmax_cross_entropy_one_hot", "softmax_cross_entropy", [logits, hot], scale=5 * 6)
    add("softmax_cross_entropy_soft", "softmax_cross_entropy", [logits, soft], scale=5 * 6)
    add("softmax_cross_entropy_axis_0", "softmax_cross_entropy", [logits, soft], {"axis": 0}, scale=4 * 6)
    add("softmax_cross_entropy_all_axes", "softmax_cross_entropy", [logits, soft], {"axis": None}, scale=20 * 6)
    logits3 = floats("softmax_ce_axes", (2, 3, 4), -3, 3, salt="x")
    soft3 = Arr(oracle_cases.rnd(distributions("softmax_ce_axes", (2, 12)).values.reshape(2, 3, 4), "float32"),
                "float32")
    add("softmax_cross_entropy_axes_1_2", "softmax_cross_entropy", [logits3, soft3], {"axis": [1, 2]}, scale=12 * 6)
    examples = Arr(np.array([True, False, True, True]), "bool")
    add("softmax_cross_entropy_where_examples", "softmax_cross_entropy", [logits, soft, examples], {"where": True},
        scale=5 * 6)
    classes = mask("softmax_ce_where", (4, 5))
    add("softmax_cross_entropy_where_classes", "softmax_cross_entropy", [logits, soft, classes], {"where": True},
        scale=5 * 6)
    wide_logits = floats("softmax_ce_x64", (3, 6), -3, 3, dtype="float64")
    wide_labels = Arr(distributions("softmax_ce_x64", (3, 6)).values, "float64")
    add("softmax_cross_entropy_float64", "softmax_cross_entropy", [wide_logits, wide_labels], scale=6 * 6,
        dtype="float64")

    # -inf logits, with and without weight on them (Optax's own example rows).
    safe_logits = Arr(np.array([[10.0, 1.0, -2.0], [1.0, 4.0, 0.2], [-np.inf, 0.0, 0.0], [-np.inf, 0.0, 0.0],
                                [-np.inf, 0.0, -np.inf]]), "float32")
    safe_labels = Arr(oracle_cases.rnd(np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [0.4, 0.3, 0.3],
                                                 [0.0, 1.0, 0.0]]), "float32"), "float32")
    add("safe_softmax_cross_entropy_neg_inf", "safe_softmax_cross_entropy", [safe_logits, safe_labels], scale=3 * 11)
    add("safe_softmax_cross_entropy_finite", "safe_softmax_cross_entropy", [logits, soft], scale=5 * 6)

    op = "softmax_cross_entropy_with_integer_labels"
    add("integer_labels_2d", op, [logits, labels], scale=5 * 6)
    add("integer_labels_axis_0", op, [logits, integers("integer_labels_axis_0", (5,), 4)], {"axis": 0}, scale=4 * 6)
    logits4 = floats("integer_labels_axes", (1, 2, 3, 4), -3, 3)
    add("integer_labels_axes_2_3", op, [logits4, integers("integer_labels_axes", (1, 2), 12, salt="y")],
        {"axis": [2, 3]}, scale=12 * 6)
    add("integer_labels_axes_1_3", op, [logits4, integers("integer_labels_axes", (1, 3), 8, salt="z")],
        {"axis": [1, 3]}, scale=8 * 6)
    add("integer_labels_axes_3_1", op, [logits4, integers("integer_labels_axes", (1, 3), 8, salt="w")],
        {"axis": [3, 1]}, scale=8 * 6)
    add("integer_labels_where_examples", op, [logits, labels, examples], {"where": True}, scale=5 * 6)
    add("integer_labels_where_classes", op, [logits, labels, classes], {"where": True}, scale=5 * 6)

    add("poly_loss_default", "poly_loss_cross_entropy", [logits, soft], scale=5 * 6)
    add("poly_loss_epsilon_-1_where", "poly_loss_cross_entropy", [logits, soft, classes],
        {"epsilon": -1.0, "where": True}, scale=5 * 6)
    add("poly_loss_axis_0", "poly_loss_cross_entropy", [logits, soft], {"axis": 0, "epsilon": 0.5}, scale=4 * 6)

    name = "kl"
    log_predictions = Arr(oracle_cases.rnd(log_softmax(floats(name, (3, 6), -2, 2).values, (1,)), "float32"),
                          "float32")
    targets = distributions(name, (3, 6), salt="t").values.copy()
    targets[0, 2] = targets[2, 5] = 0.0  # 0 log 0 = 0
    targets = Arr(targets, "float32")
    log_targets = Arr(oracle_cases.rnd(np.log(distributions(name, (3, 6), salt="lt").values), "float32"), "float32")
    kl_mask = mask(name, (3, 6), salt="m")
    for op in ("kl_divergence", "generalized_kl_divergence", "convex_kl_divergence"):
        add(f"{op}_3x6", op, [log_predictions, targets], scale=6 * 6)
        add(f"{op}_where", op, [log_predictions, targets, kl_mask], {"where": True}, scale=6 * 6)
    add("kl_divergence_axis_0", "kl_divergence", [log_predictions, targets], {"axis": 0}, scale=3 * 6)
    add("kl_divergence_with_log_targets_3x6", "kl_divergence_with_log_targets", [log_predictions, log_targets],
        scale=6 * 6)
    add("kl_divergence_with_log_targets_all_axes", "kl_divergence_with_log_targets", [log_predictions, log_targets],
        {"axis": None}, scale=18 * 6)

    name = "margins"
    outputs = floats(name, (3, 4), -2, 2)
    signs = Arr(np.where(floats(name, (3, 4), salt="s").values > 0, 1.0, -1.0), "float32")
    add("hinge_loss_3x4", "hinge_loss", [outputs, signs], scale=3)
    add("perceptron_loss_3x4", "perceptron_loss", [outputs, signs], scale=3)
    scores, score_labels = floats(name, (4, 6), -2, 2, salt="scores"), integers(name, (4,), 6, salt="labels")
    add("multiclass_hinge_loss_4x6", "multiclass_hinge_loss", [scores, score_labels], scale=3)
    add("multiclass_perceptron_loss_4x6", "multiclass_perceptron_loss", [scores, score_labels], scale=3)
    binary = integers(name, (3, 4), 2, salt="binary")
    add("sparsemax_loss_3x4", "sparsemax_loss", [outputs, binary], scale=3)
    # Rows of different spreads, so that the support ranges from one class to all.
    spread = np.array([[0.05], [0.3], [1.0], [3.0], [10.0]])
    sparse_scores = Arr(oracle_cases.rnd(floats("sparsemax", (5, 6)).values * spread, "float32"), "float32")
    add("multiclass_sparsemax_loss_5x6", "multiclass_sparsemax_loss", [sparse_scores, integers("sparsemax", (5,), 6)],
        scale=6 * 10)
    add("fenchel_young_logsumexp_4x5", "make_fenchel_young_loss(logsumexp)", [logits, soft], scale=5 * 6)


def gen_ctc():
    # Three sequences of up to 8 frames and 4 labels over 5 classes (blank 0): one using every frame
    # and label, with a repeated label (which needs a blank between its copies); one with 2 labels
    # and its last 2 frames padded; one with a single label and 3 padded frames. Padded labels are 0.
    name = "ctc_blank_0"
    logits = floats(name, (3, 8, 5), -2, 2)
    logit_paddings = Arr(np.array([[0] * 8, [0] * 6 + [1] * 2, [0] * 5 + [1] * 3], dtype=np.float64), "float32")
    labels = Arr(np.array([[1, 1, 2, 3], [2, 4, 0, 0], [3, 0, 0, 0]]), "int32")
    label_paddings = Arr(np.array([[0, 0, 0, 0], [0, 0, 1, 1], [0, 1, 1, 1]], dtype=np.float64), "float32")
    args = [logits, logit_paddings, labels, label_paddings]
    add("ctc_loss_blank_0", "ctc_loss", args, scale=8 * 4)
    add("ctc_loss_with_forward_probs_blank_0", "ctc_loss_with_forward_probs", args, scale=8 * 4)
    # Blank 2, labels of the other classes with two repeats, padded frames in the middle of a sequence
    # (skipped wherever they are), and padded labels holding arbitrary classes.
    name = "ctc_blank_2"
    logits = floats(name, (2, 7, 4), -3, 3)
    logit_paddings = Arr(np.array([[0, 0, 1, 0, 0, 1, 0], [0] * 7], dtype=np.float64), "float32")
    labels = Arr(np.array([[3, 3, 1], [1, 0, 3]]), "int32")
    label_paddings = Arr(np.array([[0, 0, 1], [0, 0, 0]], dtype=np.float64), "float32")
    args = [logits, logit_paddings, labels, label_paddings]
    add("ctc_loss_blank_2", "ctc_loss", args, {"blank_id": 2}, scale=7 * 6)
    add("ctc_loss_with_forward_probs_blank_2", "ctc_loss_with_forward_probs", args, {"blank_id": 2}, scale=7 * 6)


def gen_smoothing_and_self_supervised():
    labels = one_hot(integers("smooth", (4,), 5), 5)
    alpha = Arr(oracle_cases.rnd(np.array(0.1), "float32"), "float32")
    add("smooth_labels_default", "smooth_labels", [labels, alpha])
    add("smooth_labels_axis_0", "smooth_labels", [labels, alpha], {"axis": 0})
    add("smooth_labels_where", "smooth_labels", [labels, alpha, mask("smooth", (4, 5), keep=0.8)], {"where": True})

    embeddings = floats("ntxent", (6, 3))
    groups = Arr(np.array([0, 0, 1, 1, 2, 2]), "int32")
    # Similarities over 0.07 reach 14, and each loss sums a row of 6.
    add("ntxent_default_temperature", "ntxent", [embeddings, groups], scale=6 * 15)
    temperature = Arr(oracle_cases.rnd(np.array(0.5), "float32"), "float32")
    uneven = Arr(np.array([3, 1, 3, 3, 1, 2]), "int32")
    add("ntxent_temperature_0.5", "ntxent", [embeddings, uneven, temperature], scale=6 * 2)

    name = "triplet"
    anchors, positives, negatives = (floats(name, (4, 3), salt=s) for s in "apn")
    add("triplet_margin_loss_default", "triplet_margin_loss", [anchors, positives, negatives], scale=3 * 4)
    add("triplet_margin_loss_p4_margin", "triplet_margin_loss", [anchors, positives, negatives],
        {"norm_degree": 4, "margin": 0.5, "eps": 1e-3}, scale=3 * 16)
    add("triplet_margin_loss_axis_0", "triplet_margin_loss", [anchors, positives, negatives], {"axis": 0},
        scale=4 * 4)


def gen_ranking_and_segmentation():
    name = "ranking"
    scores = floats(name, (3, 5), -2, 2)
    relevance = Arr(np.floor(floats(name, (3, 5), 0, 3, salt="y").values), "float32")
    valid = mask(name, (3, 5), salt="m").values.copy()
    valid[1] = False  # a list with no valid item
    valid = Arr(valid, "bool")
    weights = floats(name, (3, 5), 0.5, 2, salt="w")
    op = "ranking_softmax_loss"
    add("ranking_softmax_loss_mean", op, [scores, relevance], scale=15 * 10)
    add("ranking_softmax_loss_where_mean", op, [scores, relevance, valid], {"where": True}, scale=15 * 10)
    add("ranking_softmax_loss_weights_sum", op, [scores, relevance, weights], {"weights": True, "reduce_fn": "sum"},
        scale=15 * 20)
    add("ranking_softmax_loss_where_none", op, [scores, relevance, valid], {"where": True, "reduce_fn": "none"},
        scale=5 * 10)

    name = "dice"
    logits = floats(name, (2, 4, 4, 3), -2, 2)
    targets = one_hot(integers(name, (2, 4, 4), 3, salt="t"), 3)
    op = "dice_loss"
    add("dice_loss_default", op, [logits, targets], scale=16 * 3)
    add("dice_loss_tversky", op, [logits, targets], {"alpha": 0.3, "beta": 0.7, "smooth": 0.5}, scale=16 * 3)
    add("dice_loss_weights_no_background_sum", op, [logits, targets, Arr(np.array([0.5, 1.0, 2.0]), "float32")],
        {"class_weights": True, "ignore_background": True, "reduction": "sum"}, scale=16 * 6)
    add("dice_loss_none_axis_1", op, [logits, targets], {"reduction": "none", "axis": 1}, scale=4 * 3)
    probabilities = Arr(oracle_cases.rnd(distributions(name, (2, 16, 3), salt="p").values.reshape(2, 4, 4, 3),
                                         "float32"), "float32")
    add("dice_loss_probabilities", op, [probabilities, targets], {"apply_softmax": False}, scale=16 * 3)
    binary_logits = floats(name, (2, 4, 4), -3, 3, salt="b")
    binary_targets = Arr((floats(name, (2, 4, 4), salt="bt").values > 0).astype(np.float64), "float32")
    add("dice_loss_one_class_without_axis", op, [binary_logits, Arr(binary_targets.values[..., None], "float32")],
        scale=16 * 3)
    add("binary_dice_loss_default", "binary_dice_loss", [binary_logits, binary_targets], scale=16 * 3)
    add("binary_dice_loss_smooth", "binary_dice_loss", [binary_logits, binary_targets], {"smooth": 0.1},
        scale=16 * 30)
    add("multiclass_generalized_dice_loss_default", "multiclass_generalized_dice_loss", [logits, targets],
        scale=16 * 3 * 3)
    add("multiclass_generalized_dice_loss_no_background", "multiclass_generalized_dice_loss", [logits, targets],
        {"ignore_background": True, "smooth": 0.5}, scale=16 * 3 * 6)


def generate():
    CASES.clear()
    WORST_REPLAY.update(share=0.0, case="")
    gen_regression()
    gen_classification()
    check_ctc_by_enumeration()
    gen_ctc()
    gen_smoothing_and_self_supervised()
    gen_ranking_and_segmentation()
    return CASES


def main():
    status = oracle_cases.main(__doc__.split("\n")[0], generate, OUT_PATH, ROOT, exact_inputs=True)
    if "--stats" in sys.argv:
        print(f"largest share of a tolerance used by a same-precision replay: {WORST_REPLAY['share']:.3f} "
              f"({WORST_REPLAY['case']})")
    return status


if __name__ == "__main__":
    sys.exit(main())
