#!/usr/bin/python3
"""Expected trajectories for jx::optim's tests, written from Optax's documented algorithms.

Run with Debian's python3-numpy (the default `python3` may have no NumPy):

    /usr/bin/python3 tools/optax_oracle.py            # rewrites tests/data/optax_oracle.json
    /usr/bin/python3 tools/optax_oracle.py --check    # fails if the committed file is stale

tests/optim/*_test.cpp replay every case against jx::optim.

What is computed. Each optimizer case starts from float32 parameters {"w": (3, 4), "b": (4,)} and
feeds a fixed sequence of float32 gradients, one per step (fixed rather than computed from a loss,
so that a difference at one step cannot change the inputs of the next); the expected updates and
parameters after every step are computed here in float64. The common optimizers (sgd, adam, adamw,
rmsprop, adagrad, lion) are written out step by step from the update formulas of Optax's
documentation; the building blocks (scale_by_adam, trace, clip_by_global_norm, masks, ...) are
small init/update pairs composed with chain, as Optax composes them. Nothing here imports or copies
Optax: the two routes agreeing (sgd == chain(trace, scale_by_learning_rate), ...) is checked too.

The transformation a case describes is a spec the C++ test interprets:

  {"name": Optax's function name, "args": {Optax's keyword: value}}
     a learning rate or weight decay is a number or a schedule spec;
     a mask is {"not_named": [leaf names]} (jx::optim::not_named);
     chain's args are {"transformations": [spec, ...]}.
  schedule: {"schedule": Optax's function name, "args": {...}}; piecewise_constant_schedule's
     boundaries_and_scales is a list of [step, scale] pairs; join_schedules takes
     {"schedules": [spec, ...], "boundaries": [...]}.

Accuracy. jx runs in float32 and is compared with these float64 values as
|actual - expected| <= atol + rtol * |expected|, with rtol and atol stated per case: rtol covers a
few float32 roundings per step, atol the absolute rounding of values that cancel to near zero
(scaled to the size of that step's values). Where float32 rounding could flip a discrete decision
(lion's sign, clip_by_global_norm's threshold), the generator asserts a safe margin.

The JSON format (one case per line):
  {"about": {...}, "optimizers": [case, ...], "schedules": [case, ...]}
  optimizer case: {"name", "family", "transform": spec, "params": {leaf: array},
                   "grads": [{leaf: array}, ...], "updates": [...], "params_after": [...],
                   "rtol", "atol_updates": [per step], "atol_params"}
  schedule case: {"name", "family", "schedule": spec, "steps": [...], "values": [...], "rtol", "atol"}
  array: {"shape": [...], "data": [row-major floats]}
"""

import argparse
import json
import math
import os
import sys

import numpy as np

import oracle_compare

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "optax_oracle.json")

STEPS = 6
INT32_MAX = 2**31 - 1

# ------------------------------------------------------------------------------------------------
# Schedules: count -> value, in float64
# ------------------------------------------------------------------------------------------------


def constant_schedule(value):
    return lambda count: value


def polynomial_schedule(init_value, end_value, power, transition_steps, transition_begin=0):
    if transition_steps <= 0:
        return lambda count: init_value
    begin = max(transition_begin, 0)

    def schedule(count):
        t = min(max(count - begin, 0), transition_steps)
        return (init_value - end_value) * (1 - t / transition_steps) ** power + end_value

    return schedule


def linear_schedule(init_value, end_value, transition_steps, transition_begin=0):
    return polynomial_schedule(init_value, end_value, 1, transition_steps, transition_begin)


def piecewise_constant_schedule(init_value, boundaries_and_scales=()):
    def schedule(count):
        value = init_value
        for boundary, scale in sorted(boundaries_and_scales):
            if count >= boundary:
                value *= scale
        return value

    return schedule


def exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0, staircase=False,
                      end_value=None):
    if transition_steps <= 0 or decay_rate == 0:
        return lambda count: init_value
    begin = max(transition_begin, 0)

    def schedule(count):
        elapsed = count - begin
        if elapsed <= 0:
            value = init_value
        else:
            exponent = elapsed / transition_steps
            if staircase:
                exponent = math.floor(exponent)
            value = init_value * decay_rate**exponent
        if end_value is not None:
            value = max(value, end_value) if decay_rate < 1 else min(value, end_value)
        return value

    return schedule


def cosine_decay_schedule(init_value, decay_steps, alpha=0.0, exponent=1.0):
    assert decay_steps > 0

    def schedule(count):
        t = min(count, decay_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * t / decay_steps))
        return init_value * ((1 - alpha) * cosine**exponent + alpha)

    return schedule


def join_schedules(schedules, boundaries):
    def schedule(count):
        # The last boundary reached picks the schedule, counted from that boundary.
        index, start = 0, 0
        for i, boundary in enumerate(boundaries):
            if count >= boundary:
                index, start = i + 1, boundary
        return schedules[index](count - start)

    return schedule


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps, end_value=0.0, exponent=1.0):
    alpha = 0.0 if peak_value == 0 else end_value / peak_value
    return join_schedules([linear_schedule(init_value, peak_value, warmup_steps),
                           cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent)],
                          [warmup_steps])


SCHEDULES = {f.__name__: f for f in [constant_schedule, polynomial_schedule, linear_schedule,
                                      piecewise_constant_schedule, exponential_decay, cosine_decay_schedule,
                                      warmup_cosine_decay_schedule, join_schedules]}


def make_schedule(spec):
    args = dict(spec["args"])
    if spec["schedule"] == "join_schedules":
        return join_schedules([make_schedule(s) for s in args["schedules"]], args["boundaries"])
    if spec["schedule"] == "piecewise_constant_schedule":
        args["boundaries_and_scales"] = [tuple(p) for p in args.get("boundaries_and_scales", [])]
    return SCHEDULES[spec["schedule"]](**args)


def scalar_or_schedule(value):
    """A float, or the schedule a spec describes, as a function of the count."""
    if isinstance(value, dict):
        return make_schedule(value), True
    return (lambda count: value), False


# ------------------------------------------------------------------------------------------------
# Building blocks: (init(params) -> state, update(updates, state, params) -> (updates, state)) over
# dicts of float64 arrays. A mask hides leaves by leaving them out of the dicts the inner sees.
# ------------------------------------------------------------------------------------------------


def bias_correction(decay, count):
    return 1 - decay**count


def increment(count):
    return min(count + 1, INT32_MAX)


def t_scale(step_size):
    return (lambda params: None,
            lambda u, s, p: ({k: step_size * g for k, g in u.items()}, s))


def t_scale_by_schedule(schedule):
    def update(u, count, p):
        step = schedule(count)
        return {k: step * g for k, g in u.items()}, increment(count)

    return (lambda params: 0, update)


def t_scale_by_learning_rate(learning_rate, flip_sign=True):
    sign = -1 if flip_sign else 1
    fn, is_schedule = scalar_or_schedule(learning_rate)
    if is_schedule:
        return t_scale_by_schedule(lambda count: sign * fn(count))
    return t_scale(sign * learning_rate)


def t_clip_by_global_norm(max_norm):
    def update(u, s, p):
        norm = math.sqrt(sum(float(np.sum(g * g)) for g in u.values()))
        assert abs(norm - max_norm) > 1e-3 * max_norm, "too close to the threshold for float32"
        if norm < max_norm:
            return dict(u), s
        return {k: g / norm * max_norm for k, g in u.items()}, s

    return (lambda params: None, update)


def t_masked(inner, mask):
    init, update = inner
    selected = lambda tree: {k: v for k, v in tree.items() if mask(k)}

    def masked_update(u, s, p):
        new, s = update(selected(u), s, selected(p))
        return {k: new.get(k, g) for k, g in u.items()}, s

    return (lambda params: init(selected(params)), masked_update)


def make_mask(spec):
    if spec is None:
        return None
    names = spec["not_named"]
    return lambda leaf: leaf not in names


def t_add_decayed_weights(weight_decay=0.0, mask=None):
    fn, is_schedule = scalar_or_schedule(weight_decay)

    def update(u, count, p):
        decay = fn(count)
        return {k: g + decay * p[k] for k, g in u.items()}, (increment(count) if is_schedule else None)

    core = (lambda params: 0 if is_schedule else None, update)
    return t_masked(core, make_mask(mask)) if mask is not None else core


def t_trace(decay, nesterov=False):
    def update(u, trace, p):
        new_trace = {k: g + decay * trace[k] for k, g in u.items()}
        out = {k: g + decay * new_trace[k] for k, g in u.items()} if nesterov else new_trace
        return out, new_trace

    return (lambda params: {k: np.zeros_like(v) for k, v in params.items()}, update)


def t_scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, nesterov=False):
    def init(params):
        return (0, {k: np.zeros_like(v) for k, v in params.items()}, {k: np.zeros_like(v) for k, v in params.items()})

    def update(u, state, p):
        count, mu, nu = state
        count = increment(count)
        mu = {k: b1 * mu[k] + (1 - b1) * g for k, g in u.items()}
        nu = {k: b2 * nu[k] + (1 - b2) * g * g for k, g in u.items()}
        out = {}
        for k, g in u.items():
            if nesterov:
                m_hat = b1 * mu[k] / bias_correction(b1, count + 1) + (1 - b1) * g / bias_correction(b1, count)
            else:
                m_hat = mu[k] / bias_correction(b1, count)
            v_hat = nu[k] / bias_correction(b2, count)
            out[k] = m_hat / (np.sqrt(v_hat + eps_root) + eps)
        return out, (count, mu, nu)

    return (init, update)


def t_scale_by_rms_family(centered, decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True, bias_correction_=False):
    def init(params):
        return (0, {k: np.zeros_like(v) for k, v in params.items()},
                {k: np.full_like(v, initial_scale) for k, v in params.items()})

    def update(u, state, p):
        count, mu, nu = state
        count = increment(count)
        correction = bias_correction(decay, count) if bias_correction_ else 1.0
        nu = {k: decay * nu[k] + (1 - decay) * g * g for k, g in u.items()}
        mu = {k: decay * mu[k] + (1 - decay) * g for k, g in u.items()}
        out = {}
        for k, g in u.items():
            variance = nu[k] / correction
            if centered:
                variance = variance - (mu[k] / correction) ** 2
            scaling = 1 / np.sqrt(variance + eps) if eps_in_sqrt else 1 / (np.sqrt(variance) + eps)
            out[k] = scaling * g
        return out, (count, mu, nu)

    return (init, update)


def t_scale_by_rss(initial_accumulator_value=0.1, eps=1e-7):
    def update(u, sums, p):
        sums = {k: g * g + sums[k] for k, g in u.items()}
        out = {}
        for k, g in u.items():
            inverse = np.where(sums[k] > 0, 1 / np.sqrt(sums[k] + eps), 0.0)
            out[k] = inverse * g
        return out, sums

    return (lambda params: {k: np.full_like(v, initial_accumulator_value) for k, v in params.items()}, update)


def t_scale_by_lion(b1=0.9, b2=0.99):
    def update(u, state, p):
        count, mu = state
        out = {}
        for k, g in u.items():
            c = (1 - b1) * g + b1 * mu[k]
            assert np.all(np.abs(c) > 1e-4 * np.max(np.abs(c))), "a sign too close to zero for float32"
            out[k] = np.sign(c)
        mu = {k: b2 * mu[k] + (1 - b2) * g for k, g in u.items()}
        return out, (increment(count), mu)

    return (lambda params: (0, {k: np.zeros_like(v) for k, v in params.items()}), update)


def t_chain(transformations, make=None):
    """chain of the transformations' specs; `make` builds a part from its spec (another generator's
    tools/optax_adaptive_oracle.py passes its own)."""
    parts = [(make or make_transform)(t) for t in transformations]

    def init(params):
        return [part[0](params) for part in parts]

    def update(u, states, p):
        new_states = []
        for part, state in zip(parts, states):
            u, state = part[1](u, state, p)
            new_states.append(state)
        return u, new_states

    return (init, update)


# ------------------------------------------------------------------------------------------------
# The common optimizers, written out from the formulas in their documentation.
# ------------------------------------------------------------------------------------------------


def o_sgd(learning_rate, momentum=None, nesterov=False):
    # m_t = g_t + mu m_{t-1}; u_t = -lr_t m_t, or -lr_t (g_t + mu m_t) with nesterov.
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        count, m = state
        if momentum is None:
            direction = dict(g)
        else:
            m = {k: g[k] + momentum * m[k] for k in g}
            direction = {k: g[k] + momentum * m[k] for k in g} if nesterov else m
        return {k: -lr(count) * d for k, d in direction.items()}, (count + 1, m)

    return (lambda params: (0, {k: np.zeros_like(v) for k, v in params.items()}), update)


def o_adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, weight_decay=1e-4, mask=None,
            nesterov=False):
    # m_t = b1 m + (1 - b1) g; v_t = b2 v + (1 - b2) g^2; bias-corrected m_hat, v_hat (Nesterov:
    # m_hat = b1 m_t / (1 - b1^(t+1)) + (1 - b1) g / (1 - b1^t));
    # u_t = -lr_t (m_hat / (sqrt(v_hat + eps_root) + eps) + wd_t theta_t), wd only where the mask says.
    lr, _ = scalar_or_schedule(learning_rate)
    wd, _ = scalar_or_schedule(weight_decay)
    decays = make_mask(mask) or (lambda leaf: True)

    def update(g, state, p):
        t, m, v = state
        t += 1
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in g}
        out = {}
        for k in g:
            if nesterov:
                m_hat = b1 * m[k] / (1 - b1 ** (t + 1)) + (1 - b1) * g[k] / (1 - b1**t)
            else:
                m_hat = m[k] / (1 - b1**t)
            v_hat = v[k] / (1 - b2**t)
            direction = m_hat / (np.sqrt(v_hat + eps_root) + eps)
            if decays(k):
                direction = direction + wd(t - 1) * p[k]
            out[k] = -lr(t - 1) * direction
        return out, (t, m, v)

    return (lambda params: (0, {k: np.zeros_like(x) for k, x in params.items()},
                            {k: np.zeros_like(x) for k, x in params.items()}), update)


def o_adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, nesterov=False):
    return o_adamw(learning_rate, b1, b2, eps, eps_root, weight_decay=0.0, nesterov=nesterov)


def o_rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt=True, centered=False,
              momentum=None, nesterov=False, bias_correction=False):
    # nu = decay nu + (1 - decay) g^2 (and mu likewise, centred: nu - mu^2), optionally bias-corrected;
    # the learning-rate-scaled step g / sqrt(. + eps) (or / (sqrt(.) + eps)) then goes through
    # momentum's trace, which comes after the learning rate in the chain.
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, mu, nu, trace = state
        t += 1
        nu = {k: decay * nu[k] + (1 - decay) * g[k] ** 2 for k in g}
        mu = {k: decay * mu[k] + (1 - decay) * g[k] for k in g}
        correction = (1 - decay**t) if bias_correction else 1.0
        out = {}
        for k in g:
            variance = nu[k] / correction - ((mu[k] / correction) ** 2 if centered else 0)
            denominator = np.sqrt(variance + eps) if eps_in_sqrt else np.sqrt(variance) + eps
            out[k] = -lr(t - 1) * g[k] / denominator
        if momentum is not None:
            trace = {k: out[k] + momentum * trace[k] for k in g}
            out = {k: out[k] + momentum * trace[k] for k in g} if nesterov else dict(trace)
        return out, (t, mu, nu, trace)

    def init(params):
        zeros = {k: np.zeros_like(x) for k, x in params.items()}
        return (0, dict(zeros), {k: np.full_like(x, initial_scale) for k, x in params.items()}, dict(zeros))

    return (init, update)


def o_adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7):
    # G = initial + sum of g^2; u = -lr g / sqrt(G + eps), 0 where G is 0.
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, sums = state
        sums = {k: sums[k] + g[k] ** 2 for k in g}
        out = {}
        for k in g:
            with np.errstate(divide="ignore", invalid="ignore"):
                out[k] = np.where(sums[k] > 0, -lr(t) * g[k] / np.sqrt(sums[k] + eps), 0.0)
        return out, (t + 1, sums)

    return (lambda params: (0, {k: np.full_like(x, initial_accumulator_value) for k, x in params.items()}), update)


def o_lion(learning_rate, b1=0.9, b2=0.99, weight_decay=1e-3, mask=None):
    # c = b1 m + (1 - b1) g; u = -lr (sign(c) + wd theta); m = b2 m + (1 - b2) g.
    lr, _ = scalar_or_schedule(learning_rate)
    wd, _ = scalar_or_schedule(weight_decay)
    decays = make_mask(mask) or (lambda leaf: True)

    def update(g, state, p):
        t, m = state
        out = {}
        for k in g:
            c = b1 * m[k] + (1 - b1) * g[k]
            assert np.all(np.abs(c) > 1e-4 * np.max(np.abs(c))), "a sign too close to zero for float32"
            direction = np.sign(c) + (wd(t) * p[k] if decays(k) else 0)
            out[k] = -lr(t) * direction
        m = {k: b2 * m[k] + (1 - b2) * g[k] for k in g}
        return out, (t + 1, m)

    return (lambda params: (0, {k: np.zeros_like(x) for k, x in params.items()}), update)


TRANSFORMS = {
    "sgd": o_sgd, "adam": o_adam, "adamw": o_adamw, "rmsprop": o_rmsprop, "adagrad": o_adagrad, "lion": o_lion,
    "scale": t_scale, "scale_by_learning_rate": t_scale_by_learning_rate,
    "clip_by_global_norm": t_clip_by_global_norm, "add_decayed_weights": t_add_decayed_weights,
    "trace": t_trace, "scale_by_adam": t_scale_by_adam, "scale_by_rss": t_scale_by_rss,
    "scale_by_lion": t_scale_by_lion,
    "scale_by_rms": lambda bias_correction=False, **kw: t_scale_by_rms_family(False, bias_correction_=bias_correction, **kw),
    "scale_by_stddev": lambda bias_correction=False, **kw: t_scale_by_rms_family(True, bias_correction_=bias_correction, **kw),
}


def make_transform(spec):
    args = dict(spec.get("args", {}))
    if spec["name"] == "chain":
        return t_chain(args["transformations"])
    if spec["name"] == "scale_by_schedule":
        return t_scale_by_schedule(make_schedule(args["step_size_fn"]))
    return TRANSFORMS[spec["name"]](**args)


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

OPTIMIZER_CASES = []
SCHEDULE_CASES = []


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def encode(x):
    x = np.asarray(x, dtype=np.float64)
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1)]}


def encode_tree(tree):
    return {k: encode(v) for k, v in sorted(tree.items())}


def draw_grads(rng, norms=None):
    grads = []
    for step in range(STEPS):
        g = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=(4,))}
        if norms is not None:  # scale to a chosen global norm (clipping cases)
            norm = math.sqrt(sum(float(np.sum(v * v)) for v in g.values()))
            g = {k: v * (norms[step] / norm) for k, v in g.items()}
        grads.append({k: f32(v) for k, v in g.items()})
    return grads


def optimizer_case(name, family, spec, seed, grad_norms=None, zero_gradient_entries=False):
    rng = np.random.default_rng(seed)
    params = {"w": f32(rng.normal(size=(3, 4))), "b": f32(rng.normal(size=(4,)))}
    grads = draw_grads(rng, grad_norms)
    if zero_gradient_entries:  # a parameter that never gets a gradient (adagrad's zero accumulator)
        for g in grads:
            g["b"][0] = 0.0
    init, update = make_transform(spec)
    state = init(params)
    p = dict(params)
    updates_seq, params_seq, atol_updates = [], [], []
    for g in grads:
        u, state = update(g, state, p)
        p = {k: p[k] + u[k] for k in p}
        updates_seq.append(u)
        params_seq.append(p)
        largest = max(float(np.max(np.abs(v))) for v in u.values())
        atol_updates.append(1e-6 * largest)
    OPTIMIZER_CASES.append({
        "name": name, "family": family, "transform": spec, "params": encode_tree(params),
        "grads": [encode_tree(g) for g in grads], "updates": [encode_tree(u) for u in updates_seq],
        "params_after": [encode_tree(x) for x in params_seq],
        "rtol": 1e-5, "atol_updates": atol_updates, "atol_params": 1e-6,
    })


def spec(name, **args):
    return {"name": name, "args": args}


def schedule(name, **args):
    return {"schedule": name, "args": args}


def gen_optimizers():
    lr_linear = schedule("linear_schedule", init_value=0.1, end_value=0.01, transition_steps=4)
    warmup_cosine = schedule("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.05, warmup_steps=2,
                             decay_steps=8, end_value=0.005)
    no_bias = {"not_named": ["b"]}
    cases = [
        ("sgd", spec("sgd", learning_rate=0.1)),
        ("sgd_momentum", spec("sgd", learning_rate=0.1, momentum=0.9)),
        ("sgd_nesterov", spec("sgd", learning_rate=0.1, momentum=0.9, nesterov=True)),
        ("sgd_schedule", spec("sgd", learning_rate=lr_linear, momentum=0.5)),
        ("adam", spec("adam", learning_rate=0.01)),
        ("adam_options", spec("adam", learning_rate=0.02, b1=0.8, b2=0.99, eps=1e-3, eps_root=1e-4)),
        ("adam_nesterov", spec("adam", learning_rate=0.01, nesterov=True)),
        ("adam_schedule", spec("adam", learning_rate=warmup_cosine)),
        ("adamw", spec("adamw", learning_rate=0.01, weight_decay=0.1)),
        ("adamw_mask_schedule", spec("adamw", learning_rate=warmup_cosine, weight_decay=0.1, mask=no_bias)),
        ("adamw_defaults", spec("adamw", learning_rate=0.003)),
        ("adamw_weight_decay_schedule",
         spec("adamw", learning_rate=0.01, weight_decay=schedule("exponential_decay", init_value=0.2,
                                                                 transition_steps=2, decay_rate=0.5),
              mask=no_bias, nesterov=True)),
        ("rmsprop", spec("rmsprop", learning_rate=0.01)),
        ("rmsprop_centered_momentum",
         spec("rmsprop", learning_rate=0.01, decay=0.8, eps=1e-4, initial_scale=0.1, centered=True, momentum=0.9,
              nesterov=True)),
        ("rmsprop_bias_correction", spec("rmsprop", learning_rate=lr_linear, eps=1e-6, eps_in_sqrt=False,
                                         bias_correction=True, momentum=0.5)),
        # Bias-corrected and centred, the first variance is exactly 0 (nu_hat = mu_hat^2 = g^2): a large
        # eps keeps float32's cancellation noise in it small.
        ("rmsprop_centered_bias_correction",
         spec("rmsprop", learning_rate=0.01, decay=0.95, eps=0.1, centered=True, bias_correction=True)),
        ("adagrad", spec("adagrad", learning_rate=0.1)),
        ("lion", spec("lion", learning_rate=0.001)),
        ("lion_mask", spec("lion", learning_rate=0.003, b1=0.8, b2=0.95, weight_decay=0.5, mask=no_bias)),
    ]
    for i, (name, s) in enumerate(cases):
        optimizer_case(name, "aliases", s, seed=100 + i)
    optimizer_case("adagrad_zero_accumulator", "aliases",
                   spec("adagrad", learning_rate=0.1, initial_accumulator_value=0.0, eps=1e-6), seed=150,
                   zero_gradient_entries=True)

    # Clipping straddles the threshold: norms above and below max_norm = 1.
    norms = [2.0, 0.5, 3.0, 0.3, 1.5, 0.7]
    optimizer_case("clip_then_adam", "scaling",
                   spec("chain", transformations=[spec("clip_by_global_norm", max_norm=1.0),
                                                  spec("adam", learning_rate=0.01)]), seed=200, grad_norms=norms)
    optimizer_case("clip_then_sgd", "scaling",
                   spec("chain", transformations=[spec("clip_by_global_norm", max_norm=1.0),
                                                  spec("sgd", learning_rate=0.5, momentum=0.9)]), seed=201,
                   grad_norms=norms)
    blocks = [
        ("scale", "scaling", spec("scale", step_size=-0.3)),
        ("scale_by_learning_rate", "scaling", spec("scale_by_learning_rate", learning_rate=0.2)),
        ("scale_by_learning_rate_no_flip", "scaling",
         spec("scale_by_learning_rate", learning_rate=lr_linear, flip_sign=False)),
        ("scale_by_schedule", "scaling",
         spec("scale_by_schedule", step_size_fn=schedule("piecewise_constant_schedule", init_value=0.5,
                                                         boundaries_and_scales=[[2, 0.5], [4, 0.1]]))),
        ("add_decayed_weights", "scaling", spec("add_decayed_weights", weight_decay=0.3)),
        ("add_decayed_weights_mask", "scaling", spec("add_decayed_weights", weight_decay=0.3, mask=no_bias)),
        ("add_decayed_weights_schedule", "scaling",
         spec("add_decayed_weights", weight_decay=schedule("cosine_decay_schedule", init_value=0.5, decay_steps=5))),
        ("trace", "moments", spec("trace", decay=0.9)),
        ("trace_nesterov", "moments", spec("trace", decay=0.7, nesterov=True)),
        ("scale_by_adam", "moments", spec("scale_by_adam")),
        ("scale_by_adam_nesterov", "moments", spec("scale_by_adam", b1=0.7, b2=0.9, eps=1e-6, nesterov=True)),
        ("scale_by_rms", "moments", spec("scale_by_rms", decay=0.8)),
        ("scale_by_rms_bias_correction", "moments",
         spec("scale_by_rms", decay=0.9, eps=1e-6, eps_in_sqrt=False, bias_correction=True)),
        ("scale_by_stddev", "moments", spec("scale_by_stddev", decay=0.8, initial_scale=1.0)),
        ("scale_by_rss", "moments", spec("scale_by_rss", initial_accumulator_value=0.5)),
        ("scale_by_lion", "moments", spec("scale_by_lion", b1=0.5, b2=0.9)),
        # The aliases as the chains Optax builds them from, checked against the direct formulas above.
        ("chain_sgd_nesterov", "aliases",
         spec("chain", transformations=[spec("trace", decay=0.9, nesterov=True),
                                        spec("scale_by_learning_rate", learning_rate=0.1)])),
        ("chain_adamw_mask", "aliases",
         spec("chain", transformations=[spec("scale_by_adam"), spec("add_decayed_weights", weight_decay=0.1,
                                                                    mask=no_bias),
                                        spec("scale_by_learning_rate", learning_rate=warmup_cosine)])),
    ]
    for i, (name, family, s) in enumerate(blocks):
        optimizer_case(name, family, s, seed=300 + i)


def check_routes_agree():
    """The direct formulas and the chains of building blocks give the same trajectories."""
    by_name = {c["name"]: c for c in OPTIMIZER_CASES}
    pairs = [("sgd_nesterov", "chain_sgd_nesterov"), ("adamw_mask_schedule", "chain_adamw_mask")]
    for direct_name, chained_name in pairs:
        direct, chained = by_name[direct_name], by_name[chained_name]
        # Different seeds draw different data: replay the chained spec on the direct case's data.
        params = {k: np.array(v["data"]).reshape(v["shape"]) for k, v in direct["params"].items()}
        grads = [{k: np.array(v["data"]).reshape(v["shape"]) for k, v in g.items()} for g in direct["grads"]]
        init, update = make_transform(chained["transform"])
        state, p = init(params), params
        for step, g in enumerate(grads):
            u, state = update(g, state, p)
            p = {k: p[k] + u[k] for k in p}
            for k in u:
                expected = np.array(direct["updates"][step][k]["data"]).reshape(u[k].shape)
                assert np.allclose(u[k], expected, rtol=1e-12, atol=1e-15), (direct_name, step, k)


def schedule_case(name, s, steps, rtol=1e-5):
    fn = make_schedule(s)
    values = [float(fn(step)) for step in steps]
    atol = 1e-6 * max(abs(v) for v in values)
    SCHEDULE_CASES.append({"name": name, "family": "schedules", "schedule": s, "steps": steps, "values": values,
                           "rtol": rtol, "atol": atol})


def gen_schedules():
    steps = [0, 1, 2, 3, 5, 7, 10, 11, 15, 20, 50, 99, 100, 101, 150, 1000]
    schedule_case("constant", schedule("constant_schedule", value=0.25), steps)
    schedule_case("linear", schedule("linear_schedule", init_value=1.0, end_value=0.01, transition_steps=100), steps)
    schedule_case("linear_begin", schedule("linear_schedule", init_value=0.0, end_value=2.0, transition_steps=10,
                                           transition_begin=5), steps)
    schedule_case("linear_no_steps", schedule("linear_schedule", init_value=0.3, end_value=0.1, transition_steps=0),
                  steps)
    schedule_case("polynomial", schedule("polynomial_schedule", init_value=1.0, end_value=0.01, power=2,
                                         transition_steps=100, transition_begin=5), steps)
    schedule_case("polynomial_fractional", schedule("polynomial_schedule", init_value=2.0, end_value=0.5, power=0.5,
                                                    transition_steps=50), steps)
    schedule_case("cosine", schedule("cosine_decay_schedule", init_value=0.1, decay_steps=100), steps)
    schedule_case("cosine_alpha_exponent", schedule("cosine_decay_schedule", init_value=1.0, decay_steps=50,
                                                    alpha=0.1, exponent=2.0), steps)
    schedule_case("warmup_cosine", schedule("warmup_cosine_decay_schedule", init_value=0.0, peak_value=1e-3,
                                            warmup_steps=10, decay_steps=100), steps)
    schedule_case("warmup_cosine_end_exponent",
                  schedule("warmup_cosine_decay_schedule", init_value=1e-4, peak_value=1e-2, warmup_steps=5,
                           decay_steps=101, end_value=1e-3, exponent=1.5), steps)
    schedule_case("exponential", schedule("exponential_decay", init_value=0.5, transition_steps=10, decay_rate=0.9),
                  steps)
    schedule_case("exponential_staircase_begin",
                  schedule("exponential_decay", init_value=0.5, transition_steps=7, decay_rate=0.5,
                           transition_begin=3, staircase=True), steps)
    schedule_case("exponential_end_value",
                  schedule("exponential_decay", init_value=1.0, transition_steps=5, decay_rate=0.5, end_value=0.05),
                  steps)
    schedule_case("exponential_growth_ceiling",
                  schedule("exponential_decay", init_value=0.01, transition_steps=10, decay_rate=2.0, end_value=0.2,
                           transition_begin=2), steps)
    schedule_case("piecewise_constant",
                  schedule("piecewise_constant_schedule", init_value=1.0,
                           boundaries_and_scales=[[10, 0.1], [100, 0.5], [3, 2.0]]), steps)
    schedule_case("join",
                  schedule("join_schedules", schedules=[schedule("constant_schedule", value=0.5),
                                                        schedule("linear_schedule", init_value=0.5, end_value=0.0,
                                                                 transition_steps=10),
                                                        schedule("cosine_decay_schedule", init_value=0.2,
                                                                 decay_steps=40)],
                           boundaries=[5, 20]), steps)


def dumps():
    header = {
        "generator": "tools/optax_oracle.py (run it with /usr/bin/python3 to regenerate this file)",
        "numpy": np.__version__,
        "optimizers": len(OPTIMIZER_CASES),
        "schedules": len(SCHEDULE_CASES),
        "steps": STEPS,
    }
    line = lambda c: json.dumps(c, separators=(",", ":"), allow_nan=False)
    return "\n".join([
        '{"about": ' + json.dumps(header, sort_keys=True) + ',',
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


def tolerance_at(path, node):
    """The tolerance a --check compares a computed value with: a fraction of the case's own (NumPy's
    last bits depend on the CPU: tools/oracle_compare.py); inputs and tolerances up to rounding."""
    key = path.rsplit("/", 1)[1]
    if key == "updates" and "atol_updates" in node:
        return oracle_compare.case_tolerance(node, "rtol", "atol_updates")
    if key == "params_after" and "atol_params" in node:
        return oracle_compare.case_tolerance(node, "rtol", "atol_params")
    if key == "values" and "schedule" in node:
        return oracle_compare.case_tolerance(node, "rtol", "atol")
    return None


def run(generate, out_path, describe):
    """The command line of this generator and its companions (tools/optax_adaptive_oracle.py): writes
    what generate() returns to out_path, or with --check fails if the committed file differs. The cases
    must match; the header (which records the NumPy version) may differ. describe(text) counts the
    cases written."""
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs")
    parser.add_argument("--out", default=out_path)
    args = parser.parse_args()
    text = generate()
    if args.check:
        with open(args.out) as f:
            committed = json.loads(f.read())
        fresh = json.loads(text)
        for k in ("optimizers", "schedules"):
            difference = oracle_compare.first_difference(committed[k], fresh[k], tolerance_at, k)
            if difference is not None:
                print(f"{args.out} is stale at {difference}: regenerate it with /usr/bin/python3 {sys.argv[0]}",
                      file=sys.stderr)
                return 1
        return 0
    with open(args.out, "w") as f:
        f.write(text)
    print(f"wrote {describe(text)}, {len(text) / 1e6:.2f} MB, to {os.path.relpath(args.out, ROOT)}")
    return 0


def main():
    return run(generate, OUT_PATH,
               lambda text: f"{len(OPTIMIZER_CASES)} optimizer and {len(SCHEDULE_CASES)} schedule cases")


if __name__ == "__main__":
    sys.exit(main())
