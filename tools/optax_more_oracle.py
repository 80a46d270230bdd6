#!/usr/bin/python3
"""Expected trajectories for jx::optim's memory-efficient optimizers, step sizes, clipping and cyclic schedules.

Run with Debian's python3-numpy (the default `python3` may have no NumPy):

    /usr/bin/python3 tools/optax_more_oracle.py            # rewrites tests/data/optax_more_oracle.json
    /usr/bin/python3 tools/optax_more_oracle.py --check    # fails if the committed file is stale

tests/optim/more_oracle_test.cpp replays every case against jx::optim.

The companion of tools/optax_oracle.py and tools/optax_adaptive_oracle.py, in the same JSON case
format and for the same reasons: float32 parameters {"w": (3, 4), "b": (4,)}, a fixed sequence of
float32 gradients (one per step), the expected updates and parameters after every step computed here
in float64. It covers jx/optim/factored.h (adafactor, scale_by_factored_rms, sm3, scale_by_sm3,
scale_by_param_block_norm/rms), jx/optim/step_size.h (optimistic_adam, optimistic_adam_v2,
scale_by_distance_over_gradients), jx/optim/clipping.h (clip, clip_by_block_rms, adaptive_grad_clip,
centralize, normalize_by_update_norm, zero_nans, apply_every) and the schedules of
src/optim/schedules_cyclic.cpp (warmup_constant, warmup_exponential_decay, piecewise_interpolate,
linear/cosine one-cycle, sgdr). Each block is a small init/update pair written from Optax's algorithm;
the aliases are the chains Optax makes of them. Nothing here imports or copies Optax.

Two additions to the case format:
  - adafactor's leaf w is factored only when both its axes reach min_dim_size_to_factor (128 by
    default): the factored cases lower that option to 3.
  - "nan_entries": [[step, leaf, flat index], ...] (zero_nans): JSON has no NaN, so the test puts a
    NaN into those gradient entries before replaying; the "grads" hold 0 there.
"""

import math
import os
import sys

import numpy as np

import optax_adaptive_oracle as adaptive
import optax_oracle as base
from optax_oracle import encode_tree, f32, increment, make_mask, scalar_or_schedule, STEPS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "optax_more_oracle.json")


def zeros(params):
    return {k: np.zeros_like(v) for k, v in params.items()}


def stateless(fn):
    """A transformation without state from fn(updates, params) -> updates."""
    return (lambda params: None, lambda u, s, p: (fn(u, p), s))


def leafwise(fn):
    return stateless(lambda u, p: {k: fn(g) for k, g in u.items()})


# ------------------------------------------------------------------------------------------------
# jx/optim/factored.h
# ------------------------------------------------------------------------------------------------


def factored_dims(shape, factored, min_dim_size_to_factor):
    """The (second longest, longest) axes of a leaf to factor, or None: Optax sorts the axes by length."""
    if not factored or len(shape) < 2:
        return None
    order = np.argsort(shape, kind="stable")
    if shape[order[-2]] < min_dim_size_to_factor:
        return None
    return int(order[-2]), int(order[-1])


def t_scale_by_factored_rms(factored=True, decay_rate=0.8, step_offset=0, min_dim_size_to_factor=128,
                            epsilon=1e-30):
    # d = 1 - (step - step_offset + 1)^-decay_rate with step the count before this update;
    # G = g^2 + epsilon. Factored: v_row = d v_row + (1 - d) mean(G, longest axis), v_col = d v_col +
    # (1 - d) mean(G, second longest), u = g (v_row / mean(v_row))^-1/2 v_col^-1/2; else v = d v +
    # (1 - d) G, u = g v^-1/2.
    def init(params):
        state = {}
        for k, x in params.items():
            dims = factored_dims(x.shape, factored, min_dim_size_to_factor)
            if dims is None:
                state[k] = (None, None, np.zeros_like(x))
            else:
                d1, d0 = dims
                state[k] = (np.zeros(np.delete(x.shape, d0)), np.zeros(np.delete(x.shape, d1)), None)
        return (0, state)

    def update(u, state, p):
        count, leaves = state
        decay = 1 - (count - step_offset + 1) ** -decay_rate
        out, new = {}, {}
        for k, g in u.items():
            v_row, v_col, v = leaves[k]
            squares = g * g + epsilon
            dims = factored_dims(g.shape, factored, min_dim_size_to_factor)
            if dims is None:
                v = decay * v + (1 - decay) * squares
                out[k] = g / np.sqrt(v)
            else:
                d1, d0 = dims
                v_row = decay * v_row + (1 - decay) * squares.mean(axis=d0)
                v_col = decay * v_col + (1 - decay) * squares.mean(axis=d1)
                reduced_d1 = d1 - 1 if d1 > d0 else d1
                row_factor = (v_row / v_row.mean(axis=reduced_d1, keepdims=True)) ** -0.5
                out[k] = g * np.expand_dims(row_factor, d0) * np.expand_dims(v_col ** -0.5, d1)
            new[k] = (v_row, v_col, v)
        return out, (increment(count), new)

    return (init, update)


def adafactor_chain(learning_rate=None, min_dim_size_to_factor=128, decay_rate=0.8, decay_offset=0,
                    multiply_by_parameter_scale=True, clipping_threshold=1.0, momentum=None, weight_decay_rate=None,
                    eps=1e-30, factored=True, weight_decay_mask=None):
    """Optax's adafactor: the chain of blocks it builds, as specs."""
    chain = [spec("scale_by_factored_rms", factored=factored, decay_rate=decay_rate, step_offset=decay_offset,
                  min_dim_size_to_factor=min_dim_size_to_factor, epsilon=eps)]
    if clipping_threshold is not None:
        chain.append(spec("clip_by_block_rms", threshold=clipping_threshold))
    if learning_rate is not None:
        chain.append(spec("scale_by_learning_rate", learning_rate=learning_rate, flip_sign=False))
    if multiply_by_parameter_scale:
        chain.append(spec("scale_by_param_block_rms"))
    if momentum is not None:
        chain.append(spec("ema", decay=momentum, debias=False))
    if weight_decay_rate is not None:
        chain.append(spec("add_decayed_weights", weight_decay=weight_decay_rate,
                          **({"mask": weight_decay_mask} if weight_decay_mask else {})))
    chain.append(spec("scale", step_size=-1.0))
    return chain


def t_scale_by_sm3(b1=0.9, b2=1.0, eps=1e-8):
    # Per leaf, one accumulator vector per axis. accum = c g^2 + b2 min_i(mu_i broadcast) (c = 1 if
    # b2 == 1 else 1 - b2); nu = b1 nu + (1 - b1) g / sqrt(accum + eps) (0 where accum is 0);
    # mu_i = max of accum over the axes but i (a vector keeps accum itself).
    def init(params):
        return ({k: [np.zeros(n) for n in x.shape] for k, x in params.items()}, zeros(params))

    def update(u, state, p):
        mu, nu = state
        coefficient = (1 - b2) if b2 != 1 else 1.0
        new_mu, new_nu, out = {}, {}, {}
        for k, g in u.items():
            rank = g.ndim
            broadcast = [np.reshape(v, [1] * i + [g.shape[i]] + [1] * (rank - i - 1)) for i, v in enumerate(mu[k])]
            smallest = broadcast[0]
            for b in broadcast[1:]:
                smallest = np.minimum(smallest, b)
            accum = coefficient * g * g + b2 * smallest
            inverse = np.where(accum > 0, 1 / np.sqrt(accum + eps), 0.0)
            new_nu[k] = (1 - b1) * g * inverse + b1 * nu[k]
            out[k] = new_nu[k]
            if rank < 2:
                new_mu[k] = [accum]
            else:
                new_mu[k] = [accum.max(axis=tuple(j for j in range(rank) if j != i)) for i in range(rank)]
        return out, (new_mu, new_nu)

    return (init, update)


def safe_norm(x, min_norm):
    n = math.sqrt(float(np.sum(x * x)))
    return n if n > min_norm else min_norm


def t_scale_by_param_block_norm(min_scale=1e-3):
    return stateless(lambda u, p: {k: g * safe_norm(p[k], min_scale) for k, g in u.items()})


def t_scale_by_param_block_rms(min_scale=1e-3):
    return stateless(lambda u, p: {k: g * safe_norm(p[k], min_scale * math.sqrt(p[k].size)) / math.sqrt(p[k].size)
                                   for k, g in u.items()})


# ------------------------------------------------------------------------------------------------
# jx/optim/step_size.h
# ------------------------------------------------------------------------------------------------


def t_scale_by_distance_over_gradients(reps_rel=1e-6, eps=1e-8, global_scale=1.0):
    # Per leaf: max_dist = max(max_dist, ||x - x_0||), starting at reps_rel (1 + ||x_0||); the squared
    # gradient norms summed; u = global_scale max_dist / sqrt(sum + eps) g. x: the parameters given.
    def init(params):
        return ({k: reps_rel * (1 + math.sqrt(float(np.sum(x * x)))) for k, x in params.items()},
                {k: 0.0 for k in params}, dict(params))

    def update(u, state, p):
        max_dist, sums, initial = state
        max_dist = {k: max(max_dist[k], math.sqrt(float(np.sum((p[k] - initial[k]) ** 2)))) for k in u}
        sums = {k: sums[k] + float(np.sum(g * g)) for k, g in u.items()}
        out = {k: global_scale * max_dist[k] / math.sqrt(sums[k] + eps) * g for k, g in u.items()}
        return out, (max_dist, sums, initial)

    return (init, update)


def optimistic_adam_chain(learning_rate, optimism=None, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, nesterov=True):
    return [spec("scale_by_adam", b1=b1, b2=b2, eps=eps, eps_root=eps_root, nesterov=nesterov),
            spec("scale_by_optimistic_gradient", alpha=learning_rate,
                 beta=learning_rate if optimism is None else optimism),
            spec("scale_by_learning_rate", learning_rate=1.0)]


def optimistic_adam_v2_chain(learning_rate, alpha=1.0, beta=1.0, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0,
                             nesterov=True):
    return [spec("scale_by_adam", b1=b1, b2=b2, eps=eps, eps_root=eps_root, nesterov=nesterov),
            spec("scale_by_optimistic_gradient", alpha=alpha, beta=beta),
            spec("scale_by_learning_rate", learning_rate=learning_rate)]


# ------------------------------------------------------------------------------------------------
# jx/optim/clipping.h
# ------------------------------------------------------------------------------------------------


def t_clip(max_delta):
    return leafwise(lambda g: np.clip(g, -max_delta, max_delta))


def t_clip_by_block_rms(threshold):
    return leafwise(lambda g: g / max(1.0, math.sqrt(float(np.mean(g * g))) / threshold))


def unitwise_norm(x):
    # The whole leaf for vectors, columns (over axis 0) for matrices: the cases have no other ranks.
    if np.squeeze(x).ndim <= 1:
        return np.full(x.shape, math.sqrt(float(np.sum(x * x))))
    assert x.ndim == 2
    return np.broadcast_to(np.sqrt(np.sum(x * x, axis=0, keepdims=True)), x.shape)


def t_adaptive_grad_clip(clipping, eps=1e-3):
    # Where a unit's gradient norm reaches clipping max(||p_unit||, eps), it is scaled down to that.
    def fn(u, p):
        out = {}
        for k, g in u.items():
            g_norm, max_norm = unitwise_norm(g), clipping * np.maximum(unitwise_norm(p[k]), eps)
            assert np.all(np.abs(g_norm - max_norm) > 1e-4 * max_norm), "a unit too close to its threshold"
            out[k] = np.where(g_norm < max_norm, g, g * (max_norm / np.maximum(g_norm, 1e-6)))
        return out

    return stateless(fn)


def t_centralize():
    return leafwise(lambda g: g - g.mean(axis=tuple(range(1, g.ndim)), keepdims=True) if g.ndim > 1 else g)


def t_normalize_by_update_norm(scale_factor=1.0, eps=1e-6):
    def fn(u, p):
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in u.values()))
        return {k: g / ((norm + eps) / scale_factor) for k, g in u.items()}

    return stateless(fn)


def t_zero_nans():
    def update(u, s, p):
        return {k: np.where(np.isnan(g), 0.0, g) for k, g in u.items()}, {k: bool(np.any(np.isnan(g)))
                                                                          for k, g in u.items()}

    return (lambda params: {k: False for k in params}, update)


def t_apply_every(k=1):
    # The gradients summed over k steps; the sum is emitted on every k-th step, zeros otherwise.
    def update(u, state, p):
        count, acc = state
        c = count % k
        acc = {n: (acc[n] if c != 0 else 0.0) + g for n, g in u.items()}
        out = {n: (a if c == k - 1 else np.zeros_like(a)) for n, a in acc.items()}
        return out, ((count + 1) % k, acc)

    return (lambda params: (0, zeros(params)), update)


BLOCKS = {
    "scale_by_factored_rms": t_scale_by_factored_rms, "scale_by_sm3": t_scale_by_sm3,
    "scale_by_param_block_norm": t_scale_by_param_block_norm, "scale_by_param_block_rms": t_scale_by_param_block_rms,
    "scale_by_distance_over_gradients": t_scale_by_distance_over_gradients, "clip": t_clip,
    "clip_by_block_rms": t_clip_by_block_rms, "adaptive_grad_clip": t_adaptive_grad_clip, "centralize": t_centralize,
    "normalize_by_update_norm": t_normalize_by_update_norm, "zero_nans": t_zero_nans, "apply_every": t_apply_every,
}
# The aliases, as the chains Optax builds.
ALIASES = {
    "adafactor": adafactor_chain,
    "sm3": lambda learning_rate, momentum=0.9: [spec("scale_by_sm3", b1=momentum),
                                                spec("scale", step_size=-learning_rate)],
    "optimistic_adam": optimistic_adam_chain,
    "optimistic_adam_v2": optimistic_adam_v2_chain,
}


def make_transform(s):
    args = dict(s.get("args", {}))
    name = s["name"]
    if name == "chain":
        return base.t_chain(args["transformations"], make_transform)
    if name in ALIASES:
        return base.t_chain(ALIASES[name](**args), make_transform)
    if name in BLOCKS:
        return BLOCKS[name](**args)
    return adaptive.make_transform(s)  # ema, scale_by_optimistic_gradient, scale, add_decayed_weights, ...


# ------------------------------------------------------------------------------------------------
# Schedules (src/optim/schedules_cyclic.cpp)
# ------------------------------------------------------------------------------------------------


def piecewise_interpolate_schedule(interpolate_type, init_value, boundaries_and_scales=()):
    pairs = sorted((int(b), s) for b, s in boundaries_and_scales)
    bounds = [0] + [b for b, _ in pairs]
    values = [init_value]
    for _, s in pairs:
        values.append(values[-1] * s)
    if interpolate_type == "linear":
        interpolate = lambda start, end, pct: (end - start) * pct + start
    else:
        interpolate = lambda start, end, pct: end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)

    def schedule(count):
        total = 0.0
        for i in range(len(bounds) - 1):
            if bounds[i] <= count < bounds[i + 1]:
                total += interpolate(values[i], values[i + 1], (count - bounds[i]) / max(bounds[i + 1] - bounds[i], 1))
        if bounds[-1] <= count:
            total += values[-1]
        return total

    return schedule


def linear_onecycle_schedule(transition_steps, peak_value, pct_start=0.3, pct_final=0.85, div_factor=25.0,
                             final_div_factor=1e4):
    return piecewise_interpolate_schedule("linear", peak_value / div_factor,
                                          [(int(pct_start * transition_steps), div_factor),
                                           (int(pct_final * transition_steps), 1 / div_factor),
                                           (transition_steps, 1 / final_div_factor)])


def cosine_onecycle_schedule(transition_steps, peak_value, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    return piecewise_interpolate_schedule("cosine", peak_value / div_factor,
                                          [(int(pct_start * transition_steps), div_factor),
                                           (transition_steps, 1 / (div_factor * final_div_factor))])


def warmup_constant_schedule(init_value, peak_value, warmup_steps):
    return base.linear_schedule(init_value, peak_value, warmup_steps)


def warmup_exponential_decay_schedule(init_value, peak_value, warmup_steps, transition_steps, decay_rate,
                                      transition_begin=0, staircase=False, end_value=None):
    return base.join_schedules([base.linear_schedule(init_value, peak_value, warmup_steps),
                                base.exponential_decay(peak_value, transition_steps, decay_rate, transition_begin,
                                                       staircase, end_value)], [warmup_steps])


def sgdr_schedule(cosine_kwargs):
    schedules, boundaries, step = [], [], 0
    for kwargs in cosine_kwargs:
        schedules.append(base.warmup_cosine_decay_schedule(**kwargs))
        step += kwargs["decay_steps"]
        boundaries.append(step)
    return base.join_schedules(schedules, boundaries[:-1])


SCHEDULES = {f.__name__: f for f in [piecewise_interpolate_schedule, linear_onecycle_schedule,
                                      cosine_onecycle_schedule, warmup_constant_schedule,
                                      warmup_exponential_decay_schedule, sgdr_schedule]}


def make_schedule(s):
    if s["schedule"] in SCHEDULES:
        return SCHEDULES[s["schedule"]](**s["args"])
    return base.make_schedule(s)


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

OPTIMIZER_CASES = []
SCHEDULE_CASES = []


def spec(name, **args):
    return {"name": name, "args": args}


def schedule(name, **args):
    return {"schedule": name, "args": args}


def optimizer_case(name, family, s, seed, rtol=1e-5, nan_entries=()):
    rng = np.random.default_rng(seed)
    params = {"w": f32(rng.normal(size=(3, 4))), "b": f32(rng.normal(size=(4,)))}
    grads = base.draw_grads(rng)
    fed = [{k: v.copy() for k, v in g.items()} for g in grads]
    for step, leaf, index in nan_entries:
        fed[step][leaf].reshape(-1)[index] = np.nan
        grads[step][leaf].reshape(-1)[index] = 0.0
    init, update = make_transform(s)
    state, p = init(params), dict(params)
    updates_seq, params_seq = [], []
    for g in fed:
        u, state = update(g, state, p)
        p = {k: p[k] + u[k] for k in p}
        updates_seq.append(u)
        params_seq.append(p)
    atol_updates = [1e-6 * max(float(np.max(np.abs(v))) for v in u.values()) for u in updates_seq]
    case = {"name": name, "family": family, "transform": s, "params": encode_tree(params),
            "grads": [encode_tree(g) for g in grads], "updates": [encode_tree(u) for u in updates_seq],
            "params_after": [encode_tree(x) for x in params_seq],
            "rtol": rtol, "atol_updates": atol_updates, "atol_params": 1e-6}
    if nan_entries:
        case["nan_entries"] = [list(e) for e in nan_entries]
    OPTIMIZER_CASES.append(case)


NO_BIAS = {"not_named": ["b"]}
LR_LINEAR = schedule("linear_schedule", init_value=0.1, end_value=0.01, transition_steps=4)


def gen_optimizers():
    factored_cases = [
        ("adafactor", spec("adafactor", learning_rate=0.01, min_dim_size_to_factor=3)),
        # The default min_dim_size_to_factor: no leaf here is factored.
        ("adafactor_unfactored", spec("adafactor", learning_rate=0.01)),
        ("adafactor_no_learning_rate", spec("adafactor", min_dim_size_to_factor=3, clipping_threshold=None,
                                            multiply_by_parameter_scale=False, decay_rate=0.5)),
        ("adafactor_momentum_decay",
         spec("adafactor", learning_rate=LR_LINEAR, min_dim_size_to_factor=2, decay_offset=-3, momentum=0.9,
              weight_decay_rate=0.1, weight_decay_mask=NO_BIAS, clipping_threshold=0.5)),
        ("scale_by_factored_rms", spec("scale_by_factored_rms", min_dim_size_to_factor=3, decay_rate=0.7,
                                       epsilon=1e-3)),
        ("scale_by_factored_rms_off", spec("scale_by_factored_rms", factored=False, min_dim_size_to_factor=3)),
        ("sm3", spec("sm3", learning_rate=0.1)),
        ("sm3_momentum", spec("sm3", learning_rate=0.05, momentum=0.5)),
        ("scale_by_sm3", spec("scale_by_sm3", b1=0.5, b2=0.9, eps=1e-4)),
        ("scale_by_param_block_norm", spec("scale_by_param_block_norm")),
        ("scale_by_param_block_rms", spec("scale_by_param_block_rms", min_scale=1e-2)),
    ]
    step_size_cases = [
        ("optimistic_adam", spec("optimistic_adam", learning_rate=0.01)),
        ("optimistic_adam_options", spec("optimistic_adam", learning_rate=0.02, optimism=0.05, b1=0.8, b2=0.99,
                                         eps=1e-4, nesterov=False)),
        ("optimistic_adam_v2", spec("optimistic_adam_v2", learning_rate=LR_LINEAR, alpha=0.5, beta=2.0)),
        # A first distance large enough that the parameters' float32 rounding stays small beside it.
        ("scale_by_distance_over_gradients", spec("scale_by_distance_over_gradients", reps_rel=0.05,
                                                  global_scale=-1.0)),
        ("scale_by_distance_over_gradients_eps", spec("scale_by_distance_over_gradients", reps_rel=0.02, eps=0.5,
                                                      global_scale=-1.0)),
    ]
    clipping_cases = [
        ("clip", spec("clip", max_delta=0.7)),
        ("clip_by_block_rms", spec("clip_by_block_rms", threshold=0.9)),
        ("adaptive_grad_clip", spec("adaptive_grad_clip", clipping=1.0)),
        ("adaptive_grad_clip_eps", spec("adaptive_grad_clip", clipping=0.6, eps=0.8)),
        ("centralize", spec("centralize")),
        ("normalize_by_update_norm", spec("normalize_by_update_norm")),
        ("normalize_by_update_norm_options", spec("normalize_by_update_norm", scale_factor=0.3, eps=0.5)),
        ("apply_every", spec("apply_every", k=3)),
        ("apply_every_then_sgd", spec("chain", transformations=[spec("apply_every", k=2),
                                                                spec("scale", step_size=-0.1)])),
        ("clip_then_adam", spec("chain", transformations=[spec("clip", max_delta=0.5), spec("scale_by_adam"),
                                                          spec("scale", step_size=-0.01)])),
    ]
    for i, (name, s) in enumerate(factored_cases):
        optimizer_case(name, "factored", s, seed=700 + i)
    for i, (name, s) in enumerate(step_size_cases):
        optimizer_case(name, "step_size", s, seed=750 + i)
    for i, (name, s) in enumerate(clipping_cases):
        optimizer_case(name, "clipping", s, seed=800 + i)
    optimizer_case("zero_nans", "clipping", spec("zero_nans"), seed=850,
                   nan_entries=[(0, "w", 5), (2, "b", 1), (2, "w", 0), (5, "b", 3)])
    optimizer_case("zero_nans_then_sgd", "clipping",
                   spec("chain", transformations=[spec("zero_nans"), spec("sgd", learning_rate=0.1, momentum=0.9)]),
                   seed=851, nan_entries=[(1, "w", 11), (3, "b", 0)])


def check_routes_agree():
    """optimistic_adam's lr and optimism written out: -(lr r_t + optimism (r_t - r_{t-1})), r Adam's step."""
    case = next(c for c in OPTIMIZER_CASES if c["name"] == "optimistic_adam_options")
    params = {k: np.array(v["data"]).reshape(v["shape"]) for k, v in case["params"].items()}
    grads = [{k: np.array(v["data"]).reshape(v["shape"]) for k, v in g.items()} for g in case["grads"]]
    init, update = base.t_scale_by_adam(b1=0.8, b2=0.99, eps=1e-4)
    state, previous = init(params), None
    for step, g in enumerate(grads):
        r, state = update(g, state, params)
        expected = {k: -(0.02 * r[k] + 0.05 * (r[k] - (previous or r)[k])) for k in r}
        previous = r
        for k in r:
            got = np.array(case["updates"][step][k]["data"]).reshape(r[k].shape)
            assert np.allclose(got, expected[k], rtol=1e-12, atol=1e-15), ("optimistic_adam", step, k)


def schedule_case(name, s, steps, rtol=1e-5):
    fn = make_schedule(s)
    values = [float(fn(step)) for step in steps]
    atol = 1e-6 * max(abs(v) for v in values)
    SCHEDULE_CASES.append({"name": name, "family": "schedules_cyclic", "schedule": s, "steps": steps,
                           "values": values, "rtol": rtol, "atol": atol})


def gen_schedules():
    steps = [0, 1, 2, 3, 5, 7, 10, 11, 15, 20, 29, 30, 31, 50, 84, 85, 99, 100, 101, 150, 1000]
    schedule_case("warmup_constant", schedule("warmup_constant_schedule", init_value=0.01, peak_value=0.5,
                                              warmup_steps=20), steps)
    schedule_case("warmup_exponential_decay",
                  schedule("warmup_exponential_decay_schedule", init_value=0.0, peak_value=1.0, warmup_steps=10,
                           transition_steps=20, decay_rate=0.5), steps)
    schedule_case("warmup_exponential_decay_options",
                  schedule("warmup_exponential_decay_schedule", init_value=0.1, peak_value=0.8, warmup_steps=5,
                           transition_steps=7, decay_rate=0.5, transition_begin=3, staircase=True, end_value=0.05),
                  steps)
    schedule_case("piecewise_interpolate_linear",
                  schedule("piecewise_interpolate_schedule", interpolate_type="linear", init_value=1.0,
                           boundaries_and_scales=[[10, 0.5], [30, 4.0], [100, 0.01]]), steps)
    schedule_case("piecewise_interpolate_cosine",
                  schedule("piecewise_interpolate_schedule", interpolate_type="cosine", init_value=0.2,
                           boundaries_and_scales=[[0, 2.0], [5, 0.5], [50, 0.1]]), steps)
    schedule_case("piecewise_interpolate_none", schedule("piecewise_interpolate_schedule", interpolate_type="linear",
                                                         init_value=0.3), steps)
    schedule_case("linear_onecycle", schedule("linear_onecycle_schedule", transition_steps=100, peak_value=0.1),
                  steps)
    schedule_case("linear_onecycle_options",
                  schedule("linear_onecycle_schedule", transition_steps=33, peak_value=2.0, pct_start=0.25,
                           pct_final=0.7, div_factor=10.0, final_div_factor=100.0), steps)
    schedule_case("cosine_onecycle", schedule("cosine_onecycle_schedule", transition_steps=100, peak_value=0.1),
                  steps)
    schedule_case("cosine_onecycle_options",
                  schedule("cosine_onecycle_schedule", transition_steps=45, peak_value=1.0, pct_start=0.1,
                           div_factor=5.0, final_div_factor=20.0), steps)
    schedule_case("sgdr", schedule("sgdr_schedule", cosine_kwargs=[
        {"init_value": 0.0, "peak_value": 1e-2, "warmup_steps": 5, "decay_steps": 30},
        {"init_value": 1e-3, "peak_value": 5e-3, "warmup_steps": 10, "decay_steps": 70, "end_value": 1e-4,
         "exponent": 2.0},
        {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 0, "decay_steps": 100}]), steps)


def dumps():
    header = {
        "generator": "tools/optax_more_oracle.py (run it with /usr/bin/python3 to regenerate this file)",
        "numpy": np.__version__,
        "optimizers": len(OPTIMIZER_CASES),
        "schedules": len(SCHEDULE_CASES),
        "steps": STEPS,
    }
    line = lambda c: base.json.dumps(c, separators=(",", ":"), allow_nan=False)
    return "\n".join([
        '{"about": ' + base.json.dumps(header, sort_keys=True) + ',',
        '"optimizers": [', ",\n".join(line(c) for c in OPTIMIZER_CASES), '],',
        '"schedules": [', ",\n".join(line(c) for c in SCHEDULE_CASES), ']}',
    ]) + "\n"


def generate():
    OPTIMIZER_CASES.clear()
    SCHEDULE_CASES.clear()
    gen_optimizers()
    check_routes_agree()
    gen_schedules()
    return dumps()


def main():
    return base.run(generate, OUT_PATH,
                    lambda text: f"{len(OPTIMIZER_CASES)} optimizer and {len(SCHEDULE_CASES)} schedule cases")


if __name__ == "__main__":
    sys.exit(main())
