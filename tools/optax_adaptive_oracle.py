#!/usr/bin/python3
"""Expected trajectories for jx::optim's adaptive optimizers, written from Optax's documented algorithms.

Run with Debian's python3-numpy (the default `python3` may have no NumPy):

    /usr/bin/python3 tools/optax_adaptive_oracle.py            # rewrites tests/data/optax_adaptive_oracle.json
    /usr/bin/python3 tools/optax_adaptive_oracle.py --check    # fails if the committed file is stale

tests/optim/adaptive_test.cpp replays every case against jx::optim.

This is the companion of tools/optax_oracle.py, in the same JSON case format, and for the same
reasons: float32 parameters {"w": (3, 4), "b": (4,)}, a fixed sequence of float32 gradients (one per
step), and the expected updates and parameters after every step computed here in float64. It covers
the optimizers of jx/optim/adaptive.h (adamax, adamaxw, amsgrad, nadam, nadamw, radam, adabelief,
yogi, adadelta, novograd, lamb, lars, sign_sgd, signum, rprop, adan, fromage,
optimistic_gradient_descent) and the building blocks of jx/optim/adaptive_transforms.h.

Two routes, as in tools/optax_oracle.py. Each optimizer is written out step by step from its update
formula (the o_* functions), over whole steps; each building block is a small init/update pair (the
t_* functions) that the cases compose with chain, as Optax composes its aliases. check_routes_agree
replays every optimizer's chain of blocks on the optimizer's own data and requires the same
trajectory: it catches a block placed wrongly in a chain (adadelta's weight decay comes before the
rescaling, lars's momentum after the learning rate, fromage's decay after it). Where Optax's code and
its docstring differ, the code is what Optax computes and what is written here (adan's docstring
shows the paper's conventions; rprop emits the step it kept from the previous update, as its
docstring's example shows: see o_rprop). Nothing here imports or copies Optax.

Accuracy, as in tools/optax_oracle.py: jx runs in float32 and is compared with these float64 values
as |actual - expected| <= atol + rtol * |expected| (rtol 1e-5, atol 1e-6 times the step's largest
update). Where float32 rounding could flip a discrete decision (a sign, yogi's sign(v - g^2), radam's
threshold), the generator asserts a safe margin. radam's rectification term is the one place where
float32 itself loses digits: rho_t = rho_inf - 2 t b2^t / (1 - b2^t) cancels two numbers of size
rho_inf (2/(1 - b2)), so its absolute error is a few float32 ulps of rho_inf, whatever the formula;
its cases widen rtol by that error times the sensitivity of the rectification factor to rho (Optax's
own float32 result carries the same error).
"""

import json
import math
import os
import sys

import numpy as np

import optax_oracle as base
from optax_oracle import (INT32_MAX, encode_tree, f32, increment, make_mask, make_schedule, scalar_or_schedule,
                          STEPS)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(ROOT, "tests", "data", "optax_adaptive_oracle.json")

FLOAT32_UNIT_ROUNDOFF = 2.0**-24

# ------------------------------------------------------------------------------------------------
# Shared arithmetic
# ------------------------------------------------------------------------------------------------


def zeros(params):
    return {k: np.zeros_like(v) for k, v in params.items()}


def norm(x):
    return math.sqrt(float(np.sum(x * x)))


def assert_sign_margin(x, what):
    """Signs that float32 rounding cannot flip: every entry well away from zero."""
    assert np.all(np.abs(x) > 1e-4 * np.max(np.abs(x))), f"{what}: a sign too close to zero for float32"


def selected_by(mask_spec):
    """A leaf predicate from a mask spec; None (Optax's default for most masks) selects every leaf."""
    return make_mask(mask_spec) or (lambda leaf: True)


def radam_rho(b2, t):
    rho_inf = 2 / (1 - b2) - 1
    return rho_inf, rho_inf - 2 * t * b2**t / (1 - b2**t)


def radam_factor(rho, rho_inf):
    return math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))


def safe_norm(x, min_norm):
    """The norm, or min_norm where the norm is at most that (Optax's numerics.safe_norm)."""
    n = norm(x)
    return n if n > min_norm else min_norm


def trust_ratio(param, update, min_norm=0.0, trust_coefficient=1.0, eps=0.0):
    # A zero norm (possible only with min_norm = 0) leaves the update unscaled.
    param_norm, update_norm = safe_norm(param, min_norm), safe_norm(update, min_norm)
    if param_norm == 0 or update_norm == 0:
        return 1.0
    return trust_coefficient * param_norm / (update_norm + eps)


# ------------------------------------------------------------------------------------------------
# The optimizers, written out from the formulas in their documentation. Each is (init, update) over
# whole steps; t counts the steps taken so far, so a schedule sees t - 1 after the increment.
# ------------------------------------------------------------------------------------------------


def o_adamaxw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-4, mask=None):
    # m = b1 m + (1 - b1) g; u_inf = max(|g| + eps, b2 u_inf); u = -lr (m / (1 - b1^t) / u_inf + wd theta).
    lr, _ = scalar_or_schedule(learning_rate)
    wd, _ = scalar_or_schedule(weight_decay)
    decays = selected_by(mask)

    def update(g, state, p):
        t, m, u_inf = state
        t += 1
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        u_inf = {k: np.maximum(np.abs(g[k]) + eps, b2 * u_inf[k]) for k in g}
        out = {}
        for k in g:
            direction = m[k] / (1 - b1**t) / u_inf[k]
            if decays(k):
                direction = direction + wd(t - 1) * p[k]
            out[k] = -lr(t - 1) * direction
        return out, (t, m, u_inf)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def o_adamax(learning_rate, b1=0.9, b2=0.999, eps=1e-8):
    return o_adamaxw(learning_rate, b1, b2, eps, weight_decay=0.0)


def o_amsgrad(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, bias_correction_mu=True,
              bias_correction_nu=True):
    # Adam's moments; v_max = max(v_max, v_hat) (v_hat = v / (1 - b2^t), or v without the correction);
    # u = -lr m_hat / (sqrt(v_max + eps_root) + eps).
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, m, v, v_max = state
        t += 1
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in g}
        v_max = {k: np.maximum(v_max[k], v[k] / (1 - b2**t) if bias_correction_nu else v[k]) for k in g}
        out = {}
        for k in g:
            m_hat = m[k] / (1 - b1**t) if bias_correction_mu else m[k]
            out[k] = -lr(t - 1) * m_hat / (np.sqrt(v_max[k] + eps_root) + eps)
        return out, (t, m, v, v_max)

    return (lambda params: (0, zeros(params), zeros(params), zeros(params)), update)


def nesterov_m_hat(b1, m, g, t):
    # Dozat's NAdam: the moment corrected as one step ahead plus the gradient corrected as now.
    return b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)


def o_radam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, threshold=5.0, nesterov=False):
    # Adam's moments; rho_t = rho_inf - 2 t b2^t / (1 - b2^t), rho_inf = 2 / (1 - b2) - 1. Where
    # rho_t >= threshold the variance is tractable: u = -lr r_t m_hat / (sqrt(v_hat + eps_root) + eps)
    # with r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t));
    # otherwise u = -lr m_hat.
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, m, v = state
        t += 1
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in g}
        rho_inf, rho = radam_rho(b2, t)
        out = {}
        for k in g:
            m_hat = nesterov_m_hat(b1, m[k], g[k], t) if nesterov else m[k] / (1 - b1**t)
            if rho >= threshold:
                v_hat = v[k] / (1 - b2**t)
                direction = radam_factor(rho, rho_inf) * m_hat / (np.sqrt(v_hat + eps_root) + eps)
            else:
                direction = m_hat
            out[k] = -lr(t - 1) * direction
        return out, (t, m, v)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def o_adabelief(learning_rate, b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16, weight_decay=None,
                weight_decay_mask=None, nesterov=False):
    # m = b1 m + (1 - b1) g; s = b2 s + (1 - b2) (g - m)^2 + eps_root;
    # u = -lr (m_hat / (sqrt(s_hat) + eps) + wd theta), the decay only when one is given.
    lr, _ = scalar_or_schedule(learning_rate)
    wd, _ = scalar_or_schedule(weight_decay if weight_decay is not None else 0.0)
    decays = selected_by(weight_decay_mask)

    def update(g, state, p):
        t, m, s = state
        t += 1
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        for k in g:  # the prediction error's relative float32 error is eps * |g| / |g - m|
            assert np.all(np.abs(g[k] - m[k]) > 1e-3 * np.abs(g[k])), "g too close to its average for float32"
        s = {k: b2 * s[k] + (1 - b2) * (g[k] - m[k]) ** 2 + eps_root for k in g}
        out = {}
        for k in g:
            m_hat = nesterov_m_hat(b1, m[k], g[k], t) if nesterov else m[k] / (1 - b1**t)
            direction = m_hat / (np.sqrt(s[k] / (1 - b2**t)) + eps)
            if weight_decay is not None and decays(k):
                direction = direction + wd(t - 1) * p[k]
            out[k] = -lr(t - 1) * direction
        return out, (t, m, s)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def o_yogi(learning_rate, b1=0.9, b2=0.999, eps=1e-3):
    # m and v start at 1e-6; m = b1 m + (1 - b1) g; v = v - (1 - b2) sign(v - g^2) g^2;
    # u = -lr m_hat / (sqrt(v_hat) + eps).
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, m, v = state
        t += 1
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        for k in g:  # the sign of v - g^2 decides: well away from float32's rounding of either
            assert np.all(np.abs(v[k] - g[k] ** 2) > 1e-4 * np.maximum(v[k], g[k] ** 2)), "yogi's sign too close"
        v = {k: v[k] - (1 - b2) * np.sign(v[k] - g[k] ** 2) * g[k] ** 2 for k in g}
        out = {k: -lr(t - 1) * (m[k] / (1 - b1**t)) / (np.sqrt(v[k] / (1 - b2**t)) + eps) for k in g}
        return out, (t, m, v)

    def init(params):
        return (0, {k: np.full_like(x, 1e-6) for k, x in params.items()},
                {k: np.full_like(x, 1e-6) for k, x in params.items()})

    return (init, update)


def o_adadelta(learning_rate=None, rho=0.9, eps=1e-6, weight_decay=0.0, weight_decay_mask=None):
    # g' = g + wd theta; E[g^2] = rho E[g^2] + (1 - rho) g'^2;
    # d = sqrt(E[d^2] + eps) / sqrt(E[g^2] + eps) g' (with the previous E[d^2]); E[d^2] = rho E[d^2] + (1 - rho) d^2;
    # u = -lr d, or d itself without a learning rate (Optax then scales by nothing, not even -1).
    lr, _ = scalar_or_schedule(learning_rate if learning_rate is not None else 0.0)
    wd, _ = scalar_or_schedule(weight_decay)
    decays = selected_by(weight_decay_mask)

    def update(g, state, p):
        t, e_g, e_x = state
        g = {k: g[k] + wd(t) * p[k] if decays(k) else g[k] for k in g}
        e_g = {k: rho * e_g[k] + (1 - rho) * g[k] ** 2 for k in g}
        d = {k: np.sqrt(e_x[k] + eps) / np.sqrt(e_g[k] + eps) * g[k] for k in g}
        e_x = {k: rho * e_x[k] + (1 - rho) * d[k] ** 2 for k in g}
        out = d if learning_rate is None else {k: -lr(t) * d[k] for k in g}
        return out, (t + 1, e_g, e_x)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def o_novograd(learning_rate, b1=0.9, b2=0.25, eps=1e-6, eps_root=0.0, weight_decay=0.0):
    # Per layer (leaf), n = ||g||^2: v = n at the first step, then v = b2 v + (1 - b2) n;
    # m = g / (sqrt(v + eps_root) + eps) + wd theta at the first step, then b1 m + that (no 1 - b1);
    # u = -lr m.
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, m, v = state
        t += 1
        v = {k: norm(g[k]) ** 2 if t == 1 else b2 * v[k] + (1 - b2) * norm(g[k]) ** 2 for k in g}
        step = {k: g[k] / (np.sqrt(v[k] + eps_root) + eps) + weight_decay * p[k] for k in g}
        m = {k: step[k] if t == 1 else b1 * m[k] + step[k] for k in g}
        return {k: -lr(t - 1) * m[k] for k in g}, (t, m, v)

    return (lambda params: (0, zeros(params), {k: 0.0 for k in params}), update)


def o_lamb(learning_rate, b1=0.9, b2=0.999, eps=1e-6, eps_root=0.0, weight_decay=0.0, mask=None):
    # r = Adam's direction + wd theta; u = -lr ||theta|| / ||r|| r per layer (1 for a zero norm).
    lr, _ = scalar_or_schedule(learning_rate)
    wd, _ = scalar_or_schedule(weight_decay)
    decays = selected_by(mask)

    def update(g, state, p):
        t, m, v = state
        t += 1
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in g}
        out = {}
        for k in g:
            r = m[k] / (1 - b1**t) / (np.sqrt(v[k] / (1 - b2**t) + eps_root) + eps)
            if decays(k):
                r = r + wd(t - 1) * p[k]
            out[k] = -lr(t - 1) * trust_ratio(p[k], r) * r
        return out, (t, m, v)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def o_lars(learning_rate, weight_decay=0.0, weight_decay_mask=None, trust_coefficient=0.001, eps=0.0,
           trust_ratio_mask=None, momentum=0.9, nesterov=False):
    # g' = g + wd theta; g' = tc ||theta|| / (||g'|| + eps) g' per layer (where the trust-ratio mask
    # says); then momentum on the learning-rate-scaled step: tr = -lr g' + momentum tr, u = tr (or
    # -lr g' + momentum tr with nesterov).
    lr, _ = scalar_or_schedule(learning_rate)
    wd, _ = scalar_or_schedule(weight_decay)
    decays, trusts = selected_by(weight_decay_mask), selected_by(trust_ratio_mask)

    def update(g, state, p):
        t, tr = state
        out = {}
        for k in g:
            direction = g[k] + wd(t) * p[k] if decays(k) else g[k]
            if trusts(k):
                direction = trust_ratio(p[k], direction, trust_coefficient=trust_coefficient, eps=eps) * direction
            out[k] = -lr(t) * direction
        tr = {k: out[k] + momentum * tr[k] for k in g}
        out = {k: out[k] + momentum * tr[k] for k in g} if nesterov else dict(tr)
        return out, (t + 1, tr)

    return (lambda params: (0, zeros(params)), update)


def o_sign_sgd(learning_rate):
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, t, p):
        return {k: -lr(t) * np.sign(g[k]) for k in g}, t + 1

    return (lambda params: 0, update)


def o_signum(learning_rate, beta=0.9):
    # m = beta m + (1 - beta) g (not debiased: only its sign counts); u = -lr sign(m).
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, m = state
        m = {k: beta * m[k] + (1 - beta) * g[k] for k in g}
        for k in g:
            assert_sign_margin(m[k], "signum's average")
        return {k: -lr(t) * np.sign(m[k]) for k in g}, (t + 1, m)

    return (lambda params: (0, zeros(params)), update)


def o_rprop(learning_rate, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6, max_step_size=50.0):
    # Per entry, with d the step kept from the previous update (0 at first): where g d > 0 the step
    # size grows by eta_plus, where g d < 0 it shrinks by eta_minus (clipped to [min, max]), where
    # g d = 0 it stays; the new d = step_size sign(g), 0 where the sign flipped.
    # What Optax emits is the previous d (0 where the sign flipped): u = -d_prev, one step behind the
    # step it keeps (its docstring's example shows it: no progress at the first step). An unmerged
    # Optax change (e669c5b7, "Fix scale_by_rprop returning a one-step-stale update") would emit -d.
    def update(g, state, p):
        step_sizes, previous = state
        step_sizes, kept = dict(step_sizes), dict(previous)
        out = {}
        for k in g:
            s = g[k] * previous[k]
            grown = np.clip(step_sizes[k] * np.where(s > 0, eta_plus, eta_minus), min_step_size, max_step_size)
            step_sizes[k] = np.where(s == 0, step_sizes[k], grown)
            kept[k] = np.where(s < 0, 0.0, step_sizes[k] * np.sign(g[k]))
            out[k] = -np.where(s < 0, 0.0, previous[k])
        return out, (step_sizes, kept)

    return (lambda params: ({k: np.full_like(x, learning_rate) for k, x in params.items()}, zeros(params)), update)


def o_adan(learning_rate, b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=1e-8, weight_decay=0.0, mask=None):
    # diff = g - g_prev (0 at the first step); m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) diff;
    # n = b3 n + (1 - b3) (g + (1 - b2) diff)^2; all three bias-corrected by the count;
    # u = -lr ((m_hat + (1 - b2) v_hat) / (sqrt(n_hat + eps_root) + eps) + wd theta).
    lr, _ = scalar_or_schedule(learning_rate)
    wd, _ = scalar_or_schedule(weight_decay)
    decays = selected_by(mask)

    def update(g, state, p):
        t, m, v, n, g_prev = state
        diff = {k: np.zeros_like(g[k]) if t == 0 else g[k] - g_prev[k] for k in g}
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in g}
        v = {k: b2 * v[k] + (1 - b2) * diff[k] for k in g}
        n = {k: b3 * n[k] + (1 - b3) * (g[k] + (1 - b2) * diff[k]) ** 2 for k in g}
        t += 1
        out = {}
        for k in g:
            m_hat, v_hat, n_hat = m[k] / (1 - b1**t), v[k] / (1 - b2**t), n[k] / (1 - b3**t)
            direction = (m_hat + (1 - b2) * v_hat) / (np.sqrt(n_hat + eps_root) + eps)
            if decays(k):
                direction = direction + wd(t - 1) * p[k]
            out[k] = -lr(t - 1) * direction
        return out, (t, m, v, n, dict(g))

    return (lambda params: (0, zeros(params), zeros(params), zeros(params), zeros(params)), update)


def o_fromage(learning_rate, min_norm=1e-6):
    # Per layer, ratio = max(||theta||, min_norm) / max(||g||, min_norm);
    # theta' = (theta - lr ratio g) / sqrt(1 + lr^2), i.e. u = -lr c ratio g + (c - 1) theta, c = 1 / sqrt(1 + lr^2).
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, t, p):
        c = 1 / math.sqrt(1 + lr(t) ** 2)
        out = {k: -lr(t) * c * trust_ratio(p[k], g[k], min_norm=min_norm) * g[k] + (c - 1) * p[k] for k in g}
        return out, t + 1

    return (lambda params: 0, update)


def o_optimistic_gradient_descent(learning_rate, alpha=1.0, beta=1.0):
    # u = -lr ((alpha + beta) g - beta g_prev), with g_prev = g at the first step.
    lr, _ = scalar_or_schedule(learning_rate)

    def update(g, state, p):
        t, g_prev = state
        if t == 0:
            g_prev = g
        out = {k: -lr(t) * ((alpha + beta) * g[k] - beta * g_prev[k]) for k in g}
        return out, (t + 1, dict(g))

    return (lambda params: (0, None), update)


def o_nadam(learning_rate, **options):
    return base.o_adam(learning_rate, nesterov=True, **options)


def o_nadamw(learning_rate, **options):
    return base.o_adamw(learning_rate, nesterov=True, **options)


OPTIMIZERS = {
    "adamax": o_adamax, "adamaxw": o_adamaxw, "amsgrad": o_amsgrad, "nadam": o_nadam, "nadamw": o_nadamw,
    "radam": o_radam, "adabelief": o_adabelief, "yogi": o_yogi, "adadelta": o_adadelta, "novograd": o_novograd,
    "lamb": o_lamb, "lars": o_lars, "sign_sgd": o_sign_sgd, "signum": o_signum, "rprop": o_rprop, "adan": o_adan,
    "fromage": o_fromage, "optimistic_gradient_descent": o_optimistic_gradient_descent,
}

# ------------------------------------------------------------------------------------------------
# Building blocks, as tools/optax_oracle.py writes them: (init(params) -> state,
# update(updates, state, params) -> (updates, state)) over dicts of float64 arrays; a mask hides leaves
# by leaving them out of the dicts the inner transformation sees.
# ------------------------------------------------------------------------------------------------


def t_scale_by_adamax(b1=0.9, b2=0.999, eps=1e-8):
    def update(u, state, p):
        count, mu, nu = state
        count = increment(count)
        mu = {k: (1 - b1) * g + b1 * mu[k] for k, g in u.items()}
        nu = {k: np.maximum(np.abs(g) + eps, b2 * nu[k]) for k, g in u.items()}
        return {k: mu[k] / (1 - b1**count) / nu[k] for k in u}, (count, mu, nu)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def t_scale_by_amsgrad(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, bias_correction_mu=True, bias_correction_nu=True):
    def update(u, state, p):
        count, mu, nu, nu_max = state
        count = increment(count)
        mu = {k: (1 - b1) * g + b1 * mu[k] for k, g in u.items()}
        nu = {k: (1 - b2) * g * g + b2 * nu[k] for k, g in u.items()}
        mu_hat = {k: mu[k] / (1 - b1**count) if bias_correction_mu else mu[k] for k in u}
        nu_max = {k: np.maximum(nu_max[k], nu[k] / (1 - b2**count) if bias_correction_nu else nu[k]) for k in u}
        return {k: mu_hat[k] / (np.sqrt(nu_max[k] + eps_root) + eps) for k in u}, (count, mu, nu, nu_max)

    return (lambda params: (0, zeros(params), zeros(params), zeros(params)), update)


def first_moment_estimate(b1, mu, g, count, nesterov):
    if nesterov:
        return b1 * (mu / (1 - b1 ** increment(count))) + (1 - b1) * (g / (1 - b1**count))
    return mu / (1 - b1**count)


def t_scale_by_radam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, threshold=5.0, nesterov=False):
    rho_inf = 2.0 / (1.0 - b2) - 1.0

    def update(u, state, p):
        count, mu, nu = state
        mu = {k: (1 - b1) * g + b1 * mu[k] for k, g in u.items()}
        nu = {k: (1 - b2) * g * g + b2 * nu[k] for k, g in u.items()}
        count = increment(count)
        b2t = b2**count
        rho = rho_inf - 2 * count * b2t / (1 - b2t)
        out = {}
        for k, g in u.items():
            mu_hat = first_moment_estimate(b1, mu[k], g, count, nesterov)
            nu_hat = nu[k] / (1 - b2t)
            if rho >= threshold:
                r = math.sqrt((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho))
                out[k] = r * mu_hat / (np.sqrt(nu_hat + eps_root) + eps)
            else:
                out[k] = mu_hat
        return out, (count, mu, nu)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def t_scale_by_belief(b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16, nesterov=False):
    def update(u, state, p):
        count, mu, nu = state
        mu = {k: (1 - b1) * g + b1 * mu[k] for k, g in u.items()}
        nu = {k: (1 - b2) * (g - mu[k]) ** 2 + b2 * nu[k] + eps_root for k, g in u.items()}
        count = increment(count)
        out = {k: first_moment_estimate(b1, mu[k], g, count, nesterov) / (np.sqrt(nu[k] / (1 - b2**count)) + eps)
               for k, g in u.items()}
        return out, (count, mu, nu)

    return (lambda params: (0, zeros(params), zeros(params)), update)


def t_scale_by_yogi(b1=0.9, b2=0.999, eps=1e-3, eps_root=0.0, initial_accumulator_value=1e-6):
    def update(u, state, p):
        count, mu, nu = state
        mu = {k: (1 - b1) * g + b1 * mu[k] for k, g in u.items()}
        nu = {k: nu[k] - (1 - b2) * np.sign(nu[k] - g * g) * g * g for k, g in u.items()}
        count = increment(count)
        out = {k: (mu[k] / (1 - b1**count)) / (np.sqrt(nu[k] / (1 - b2**count) + eps_root) + eps) for k in u}
        return out, (count, mu, nu)

    def init(params):
        full = lambda: {k: np.full_like(v, initial_accumulator_value) for k, v in params.items()}
        return (0, full(), full())

    return (init, update)


def t_scale_by_adadelta(rho=0.9, eps=1e-6):
    def update(u, state, p):
        e_g, e_x = state
        e_g = {k: (1 - rho) * g * g + rho * e_g[k] for k, g in u.items()}
        out = {k: np.sqrt(e_x[k] + eps) / np.sqrt(e_g[k] + eps) * g for k, g in u.items()}
        e_x = {k: (1 - rho) * d * d + rho * e_x[k] for k, d in out.items()}
        return out, (e_g, e_x)

    return (lambda params: (zeros(params), zeros(params)), update)


def t_scale_by_adan(b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=0.0):
    def update(u, state, p):
        t, m, v, n, previous = state
        diff = {k: np.zeros_like(g) if t == 0 else g - previous[k] for k, g in u.items()}
        m = {k: (1 - b1) * g + b1 * m[k] for k, g in u.items()}
        v = {k: (1 - b2) * diff[k] + b2 * v[k] for k in u}
        n = {k: (1 - b3) * (g + (1 - b2) * diff[k]) ** 2 + b3 * n[k] for k, g in u.items()}
        t = increment(t)
        out = {k: (m[k] / (1 - b1**t) + (1 - b2) * v[k] / (1 - b2**t)) / (np.sqrt(n[k] / (1 - b3**t) + eps_root) + eps)
               for k in u}
        return out, (t, m, v, n, dict(u))

    return (lambda params: (0, zeros(params), zeros(params), zeros(params), zeros(params)), update)


def t_scale_by_novograd(b1=0.9, b2=0.25, eps=1e-8, eps_root=0.0, weight_decay=0.0):
    def update(u, state, p):
        count, mu, nu = state
        count = increment(count)
        squared_norms = {k: float(np.sum(g * g)) for k, g in u.items()}
        nu = {k: squared_norms[k] if count == 1 else (1 - b2) * squared_norms[k] + b2 * nu[k] for k in u}
        addition = {k: g / (np.sqrt(nu[k] + eps_root) + eps) + weight_decay * p[k] for k, g in u.items()}
        mu = {k: addition[k] if count == 1 else b1 * mu[k] + addition[k] for k in u}
        return dict(mu), (count, mu, nu)

    return (lambda params: (0, zeros(params), {k: 0.0 for k in params}), update)


def t_scale_by_trust_ratio(min_norm=0.0, trust_coefficient=1.0, eps=0.0):
    def update(u, s, p):
        return {k: g * trust_ratio(p[k], g, min_norm, trust_coefficient, eps) for k, g in u.items()}, s

    return (lambda params: None, update)


def t_scale_by_sign():
    return (lambda params: None, lambda u, s, p: ({k: np.sign(g) for k, g in u.items()}, s))


def t_ema(decay, debias=True):
    def update(u, state, p):
        count, ema = state
        ema = {k: (1 - decay) * g + decay * ema[k] for k, g in u.items()}
        count = increment(count)
        out = {k: ema[k] / (1 - decay**count) for k in u} if debias else dict(ema)
        return out, (count, ema)

    return (lambda params: (0, zeros(params)), update)


def t_scale_by_rprop(learning_rate, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6, max_step_size=50.0):
    def update(u, state, p):
        step_sizes, previous = state
        sign = {k: g * previous[k] for k, g in u.items()}
        step_sizes = {k: np.where(sign[k] == 0, step_sizes[k],
                                  np.clip(step_sizes[k] * np.where(sign[k] > 0, eta_plus, eta_minus), min_step_size,
                                          max_step_size)) for k in u}
        emitted = {k: np.where(sign[k] < 0, 0.0, previous[k]) for k in u}  # the previous step's (see o_rprop)
        previous = {k: np.where(sign[k] < 0, 0.0, step_sizes[k] * np.sign(g)) for k, g in u.items()}
        return emitted, (step_sizes, previous)

    return (lambda params: ({k: np.full_like(v, learning_rate) for k, v in params.items()}, zeros(params)), update)


def t_scale_by_optimistic_gradient(alpha=1.0, beta=1.0):
    def update(u, state, p):
        is_initial_step, previous = state
        out = {k: (alpha + beta) * g - beta * (g if is_initial_step else previous[k]) for k, g in u.items()}
        return out, (False, dict(u))

    return (lambda params: (True, zeros(params)), update)


def t_masked_by(inner, mask_spec):
    """masked(inner) for a mask spec; no spec selects every leaf (Optax's mask=True)."""
    return base.t_masked(inner, selected_by(mask_spec))


def t_chain(transformations):
    return base.t_chain(transformations, make_transform)


BLOCKS = {
    "scale_by_adamax": t_scale_by_adamax, "scale_by_amsgrad": t_scale_by_amsgrad, "scale_by_radam": t_scale_by_radam,
    "scale_by_belief": t_scale_by_belief, "scale_by_yogi": t_scale_by_yogi, "scale_by_adadelta": t_scale_by_adadelta,
    "scale_by_adan": t_scale_by_adan, "scale_by_novograd": t_scale_by_novograd,
    "scale_by_trust_ratio": t_scale_by_trust_ratio, "scale_by_sign": t_scale_by_sign, "ema": t_ema,
    "scale_by_rprop": t_scale_by_rprop, "scale_by_optimistic_gradient": t_scale_by_optimistic_gradient,
}


def make_transform(spec):
    args = dict(spec.get("args", {}))
    name = spec["name"]
    if name == "chain":
        return t_chain(args["transformations"])
    if name == "masked":  # {"inner": spec, "mask": mask spec}
        return t_masked_by(make_transform(args["inner"]), args.get("mask"))
    if name in OPTIMIZERS:
        return OPTIMIZERS[name](**args)
    if name in BLOCKS:
        return BLOCKS[name](**args)
    return base.make_transform(spec)  # scale, trace, scale_by_adam, add_decayed_weights, ...


# ------------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------------

OPTIMIZER_CASES = []


def run(spec, params, grads):
    init, update = make_transform(spec)
    state, p = init(params), dict(params)
    updates_seq, params_seq = [], []
    for g in grads:
        u, state = update(g, state, p)
        p = {k: p[k] + u[k] for k in p}
        updates_seq.append(u)
        params_seq.append(p)
    return updates_seq, params_seq


def radam_rtol(b2, threshold, steps=STEPS):
    """1e-5, widened by the float32 error of rho_t where the rectification applies (see the docstring)."""
    rho_inf = 2 / (1 - b2) - 1
    rho_error = 16 * FLOAT32_UNIT_ROUNDOFF * rho_inf  # a few ulps of rho_inf, from the cancellation
    widening = 0.0
    for t in range(1, steps + 1):
        _, rho = radam_rho(b2, t)
        assert abs(rho - threshold) > 2 * rho_error, f"radam's rho_{t} too close to the threshold for float32"
        if rho >= threshold:
            assert rho - 4 > 2 * rho_error, "radam's rectification too close to rho = 4 for float32"
            # d log r / d rho, times the error of rho.
            widening = max(widening, 0.5 * abs(1 / (rho - 4) + 1 / (rho - 2) - 1 / rho) * rho_error)
    return 1e-5 + widening


def optimizer_case(name, family, spec, seed, rtol=1e-5, zero_gradient_entries=False, same_sign_steps=False):
    rng = np.random.default_rng(seed)
    params = {"w": f32(rng.normal(size=(3, 4))), "b": f32(rng.normal(size=(4,)))}
    grads = base.draw_grads(rng)
    if zero_gradient_entries:  # entries that get no gradient at some steps (sign(0) = 0, rprop's g d = 0)
        for step, g in enumerate(grads):
            if step % 2 == 1:
                g["b"][0] = 0.0
    if same_sign_steps:  # rprop: runs of equal signs let the step sizes grow to their clip
        for g in grads:
            g["w"][0] = np.abs(g["w"][0])
    updates_seq, params_seq = run(spec, params, grads)
    atol_updates = [1e-6 * max(float(np.max(np.abs(v))) for v in u.values()) for u in updates_seq]
    OPTIMIZER_CASES.append({
        "name": name, "family": family, "transform": spec, "params": encode_tree(params),
        "grads": [encode_tree(g) for g in grads], "updates": [encode_tree(u) for u in updates_seq],
        "params_after": [encode_tree(x) for x in params_seq],
        "rtol": rtol, "atol_updates": atol_updates, "atol_params": 1e-6,
    })


def spec(name, **args):
    return {"name": name, "args": args}


def schedule(name, **args):
    return {"schedule": name, "args": args}


LR_LINEAR = schedule("linear_schedule", init_value=0.1, end_value=0.01, transition_steps=4)
LR_WARMUP_COSINE = schedule("warmup_cosine_decay_schedule", init_value=0.0, peak_value=0.05, warmup_steps=2,
                            decay_steps=8, end_value=0.005)
WD_EXPONENTIAL = schedule("exponential_decay", init_value=0.2, transition_steps=2, decay_rate=0.5)
NO_BIAS = {"not_named": ["b"]}


def alias_specs():
    """(case name, optimizer spec, the chain of building blocks Optax makes it of, rtol)."""
    lr = lambda value: spec("scale_by_learning_rate", learning_rate=value)

    def decay(value, mask=None):
        return spec("add_decayed_weights", weight_decay=value, **({"mask": mask} if mask else {}))

    return [
        ("adamax", spec("adamax", learning_rate=0.01),
         [spec("scale_by_adamax"), lr(0.01)], 1e-5),
        ("adamax_options", spec("adamax", learning_rate=LR_LINEAR, b1=0.8, b2=0.9, eps=0.1),
         [spec("scale_by_adamax", b1=0.8, b2=0.9, eps=0.1), lr(LR_LINEAR)], 1e-5),
        ("adamaxw", spec("adamaxw", learning_rate=0.01, weight_decay=0.1),
         [spec("scale_by_adamax"), decay(0.1), lr(0.01)], 1e-5),
        ("adamaxw_mask_schedule", spec("adamaxw", learning_rate=LR_WARMUP_COSINE, weight_decay=WD_EXPONENTIAL,
                                       mask=NO_BIAS),
         [spec("scale_by_adamax"), decay(WD_EXPONENTIAL, NO_BIAS), lr(LR_WARMUP_COSINE)], 1e-5),
        ("amsgrad", spec("amsgrad", learning_rate=0.01),
         [spec("scale_by_amsgrad"), lr(0.01)], 1e-5),
        ("amsgrad_paper", spec("amsgrad", learning_rate=0.02, b1=0.8, b2=0.9, eps=1e-4, eps_root=1e-6,
                               bias_correction_mu=False, bias_correction_nu=False),
         [spec("scale_by_amsgrad", b1=0.8, b2=0.9, eps=1e-4, eps_root=1e-6, bias_correction_mu=False,
               bias_correction_nu=False), lr(0.02)], 1e-5),
        ("nadam", spec("nadam", learning_rate=0.01),
         [spec("scale_by_adam", nesterov=True), lr(0.01)], 1e-5),
        ("nadamw", spec("nadamw", learning_rate=LR_LINEAR, b2=0.99, weight_decay=0.1, mask=NO_BIAS),
         [spec("scale_by_adam", b2=0.99, nesterov=True), decay(0.1, NO_BIAS), lr(LR_LINEAR)], 1e-5),
        # Rectified at the sixth step only, with rho_6 = 5.99 computed from rho_inf = 1999.
        ("radam", spec("radam", learning_rate=0.01),
         [spec("scale_by_radam"), lr(0.01)], radam_rtol(0.999, 5.0)),
        # Rectified from the fifth step (rho_5 = 4.58).
        ("radam_short_memory", spec("radam", learning_rate=0.01, b2=0.9, eps=1e-4, threshold=4.5),
         [spec("scale_by_radam", b2=0.9, eps=1e-4, threshold=4.5), lr(0.01)], radam_rtol(0.9, 4.5)),
        ("radam_nesterov", spec("radam", learning_rate=LR_LINEAR, b1=0.7, b2=0.95, eps_root=1e-6, threshold=4.2,
                                nesterov=True),
         [spec("scale_by_radam", b1=0.7, b2=0.95, eps_root=1e-6, threshold=4.2, nesterov=True), lr(LR_LINEAR)],
         radam_rtol(0.95, 4.2)),
        ("adabelief", spec("adabelief", learning_rate=0.01),
         [spec("scale_by_belief"), lr(0.01)], 1e-5),
        ("adabelief_decay_nesterov", spec("adabelief", learning_rate=0.01, b1=0.8, eps=1e-8, eps_root=1e-10,
                                          weight_decay=0.1, weight_decay_mask=NO_BIAS, nesterov=True),
         [spec("scale_by_belief", b1=0.8, eps=1e-8, eps_root=1e-10, nesterov=True), decay(0.1, NO_BIAS), lr(0.01)],
         1e-5),
        ("yogi", spec("yogi", learning_rate=0.01),
         [spec("scale_by_yogi"), lr(0.01)], 1e-5),
        ("yogi_options", spec("yogi", learning_rate=LR_LINEAR, b1=0.5, b2=0.9, eps=1e-2),
         [spec("scale_by_yogi", b1=0.5, b2=0.9, eps=1e-2), lr(LR_LINEAR)], 1e-5),
        ("adadelta", spec("adadelta", learning_rate=1.0),
         [decay(0.0), spec("scale_by_adadelta"), lr(1.0)], 1e-5),
        # No learning rate: Optax scales by nothing, so the update keeps the gradient's sign.
        ("adadelta_no_learning_rate", spec("adadelta", rho=0.8, eps=1e-3),
         [decay(0.0), spec("scale_by_adadelta", rho=0.8, eps=1e-3)], 1e-5),
        ("adadelta_decay_schedule", spec("adadelta", learning_rate=LR_LINEAR, weight_decay=WD_EXPONENTIAL,
                                         weight_decay_mask=NO_BIAS),
         [decay(WD_EXPONENTIAL, NO_BIAS), spec("scale_by_adadelta"), lr(LR_LINEAR)], 1e-5),
        ("novograd", spec("novograd", learning_rate=0.01),
         [spec("scale_by_novograd", eps=1e-6), lr(0.01)], 1e-5),
        ("novograd_options", spec("novograd", learning_rate=LR_LINEAR, b1=0.5, b2=0.5, eps=1e-3, eps_root=1e-4,
                                  weight_decay=0.1),
         [spec("scale_by_novograd", b1=0.5, b2=0.5, eps=1e-3, eps_root=1e-4, weight_decay=0.1), lr(LR_LINEAR)],
         1e-5),
        ("lamb", spec("lamb", learning_rate=0.01),
         [spec("scale_by_adam", eps=1e-6), decay(0.0), spec("scale_by_trust_ratio"), lr(0.01)], 1e-5),
        ("lamb_decay", spec("lamb", learning_rate=LR_WARMUP_COSINE, b1=0.8, eps=1e-4, weight_decay=0.1,
                            mask=NO_BIAS),
         [spec("scale_by_adam", b1=0.8, eps=1e-4), decay(0.1, NO_BIAS), spec("scale_by_trust_ratio"),
          lr(LR_WARMUP_COSINE)], 1e-5),
        ("lars", spec("lars", learning_rate=0.5),
         [spec("masked", inner=decay(0.0)), spec("masked", inner=spec("scale_by_trust_ratio", trust_coefficient=0.001)),
          lr(0.5), spec("trace", decay=0.9)], 1e-5),
        ("lars_masks_nesterov",
         spec("lars", learning_rate=LR_LINEAR, weight_decay=0.1, weight_decay_mask=NO_BIAS, trust_coefficient=0.01,
              eps=1e-3, trust_ratio_mask=NO_BIAS, momentum=0.5, nesterov=True),
         [spec("masked", inner=decay(0.1), mask=NO_BIAS),
          spec("masked", inner=spec("scale_by_trust_ratio", trust_coefficient=0.01, eps=1e-3), mask=NO_BIAS),
          lr(LR_LINEAR), spec("trace", decay=0.5, nesterov=True)], 1e-5),
        ("sign_sgd", spec("sign_sgd", learning_rate=0.01),
         [spec("scale_by_sign"), lr(0.01)], 1e-5),
        ("signum", spec("signum", learning_rate=LR_LINEAR),
         [spec("ema", decay=0.9, debias=False), spec("scale_by_sign"), lr(LR_LINEAR)], 1e-5),
        ("signum_beta", spec("signum", learning_rate=0.01, beta=0.5),
         [spec("ema", decay=0.5, debias=False), spec("scale_by_sign"), lr(0.01)], 1e-5),
        ("rprop", spec("rprop", learning_rate=0.01),
         [spec("scale_by_rprop", learning_rate=0.01), spec("scale", step_size=-1.0)], 1e-5),
        # Step sizes that reach both clips: growth by 2 from 0.1 hits 0.3, shrinking by 0.1 hits 0.005.
        ("rprop_clipped", spec("rprop", learning_rate=0.1, eta_minus=0.1, eta_plus=2.0, min_step_size=0.005,
                               max_step_size=0.3),
         [spec("scale_by_rprop", learning_rate=0.1, eta_minus=0.1, eta_plus=2.0, min_step_size=0.005,
               max_step_size=0.3), spec("scale", step_size=-1.0)], 1e-5),
        ("adan", spec("adan", learning_rate=0.01),
         [spec("scale_by_adan", eps_root=1e-8), decay(0.0), lr(0.01)], 1e-5),
        ("adan_decay", spec("adan", learning_rate=LR_WARMUP_COSINE, b1=0.9, b2=0.8, b3=0.95, eps=1e-4, eps_root=0.0,
                            weight_decay=0.1, mask=NO_BIAS),
         [spec("scale_by_adan", b1=0.9, b2=0.8, b3=0.95, eps=1e-4), decay(0.1, NO_BIAS), lr(LR_WARMUP_COSINE)], 1e-5),
        ("fromage", spec("fromage", learning_rate=0.1),
         [spec("scale_by_trust_ratio", min_norm=1e-6), spec("scale_by_learning_rate", learning_rate=0.1 /
                                                             math.sqrt(1 + 0.1**2)),
          decay(1 / math.sqrt(1 + 0.1**2) - 1)], 1e-5),
        ("optimistic_gradient_descent", spec("optimistic_gradient_descent", learning_rate=0.01),
         [spec("scale_by_optimistic_gradient"), lr(0.01)], 1e-5),
        ("optimistic_gradient_descent_options",
         spec("optimistic_gradient_descent", learning_rate=LR_LINEAR, alpha=0.5, beta=2.0),
         [spec("scale_by_optimistic_gradient", alpha=0.5, beta=2.0), lr(LR_LINEAR)], 1e-5),
    ]


# Cases with special data: rprop sees zero gradients and runs of one sign; sign_sgd sees zeros.
SPECIAL_DATA = {"rprop": {"zero_gradient_entries": True}, "rprop_clipped": {"same_sign_steps": True},
                "sign_sgd": {"zero_gradient_entries": True}}
# Seeds whose data keeps the discrete decisions away from float32's reach (asserted while generating).
SEEDS = {}


def gen_optimizers():
    for i, (name, optimizer, chain, rtol) in enumerate(alias_specs()):
        optimizer_case(name, "adaptive_aliases", optimizer, seed=SEEDS.get(name, 500 + i), rtol=rtol,
                       **SPECIAL_DATA.get(name, {}))
        optimizer_case("chain_" + name, "adaptive_chains", spec("chain", transformations=chain),
                       seed=SEEDS.get(name, 500 + i), rtol=rtol, **SPECIAL_DATA.get(name, {}))
    fromage_schedule = schedule("cosine_decay_schedule", init_value=0.2, decay_steps=8)
    optimizer_case("fromage_schedule", "adaptive_aliases", spec("fromage", learning_rate=fromage_schedule,
                                                                 min_norm=0.5), seed=590)
    # The building blocks alone, with non-default options.
    blocks = [
        ("scale_by_adamax", spec("scale_by_adamax", b1=0.5, b2=0.8, eps=1e-3)),
        ("scale_by_amsgrad", spec("scale_by_amsgrad", b1=0.7, b2=0.9, eps_root=1e-4, bias_correction_nu=False)),
        ("scale_by_radam", spec("scale_by_radam", b2=0.9, threshold=5.0)),
        ("scale_by_belief", spec("scale_by_belief", b1=0.5, b2=0.9, eps=1e-6, eps_root=1e-6)),
        ("scale_by_yogi", spec("scale_by_yogi", b1=0.8, eps=1e-4, eps_root=1e-5, initial_accumulator_value=0.5)),
        ("scale_by_adadelta", spec("scale_by_adadelta", rho=0.5, eps=1e-2)),
        ("scale_by_adan", spec("scale_by_adan")),
        ("scale_by_novograd", spec("scale_by_novograd", weight_decay=0.3)),
        ("scale_by_trust_ratio", spec("scale_by_trust_ratio", min_norm=0.5, trust_coefficient=0.1, eps=0.01)),
        ("scale_by_sign", spec("scale_by_sign")),
        ("ema", spec("ema", decay=0.8)),
        ("ema_no_debias", spec("ema", decay=0.7, debias=False)),
        ("scale_by_rprop", spec("scale_by_rprop", learning_rate=0.2, eta_minus=0.3, eta_plus=1.5)),
        ("scale_by_optimistic_gradient", spec("scale_by_optimistic_gradient", alpha=2.0, beta=0.5)),
        ("masked_trust_ratio", spec("masked", inner=spec("scale_by_trust_ratio"), mask=NO_BIAS)),
    ]
    for i, (name, s) in enumerate(blocks):
        optimizer_case(name, "adaptive_blocks", s, seed=SEEDS.get(name, 600 + i),
                       rtol=radam_rtol(0.9, 5.0) if name == "scale_by_radam" else 1e-5)


def check_routes_agree():
    """Every optimizer's formula and its chain of building blocks give the same trajectory."""
    by_name = {c["name"]: c for c in OPTIMIZER_CASES}
    for name, _, _, _ in alias_specs():
        direct, chained = by_name[name], by_name["chain_" + name]
        assert direct["grads"] == chained["grads"], name  # the same data: the same seed
        for step, (a, b) in enumerate(zip(direct["updates"], chained["updates"])):
            for k in a:
                x, y = np.array(a[k]["data"]), np.array(b[k]["data"])
                assert np.allclose(x, y, rtol=1e-12, atol=1e-15 * np.max(np.abs(x))), (name, step, k)


def dumps():
    header = {
        "generator": "tools/optax_adaptive_oracle.py (run it with /usr/bin/python3 to regenerate this file)",
        "numpy": np.__version__,
        "optimizers": len(OPTIMIZER_CASES),
        "schedules": 0,
        "steps": STEPS,
    }
    line = lambda c: json.dumps(c, separators=(",", ":"), allow_nan=False)
    return "\n".join([
        '{"about": ' + json.dumps(header, sort_keys=True) + ',',
        '"optimizers": [', ",\n".join(line(c) for c in OPTIMIZER_CASES), '],',
        '"schedules": [', ']}',
    ]) + "\n"


def generate():
    OPTIMIZER_CASES.clear()
    gen_optimizers()
    check_routes_agree()
    return dumps()


def main():
    return base.run(generate, OUT_PATH, lambda text: f"{len(OPTIMIZER_CASES)} optimizer cases")


if __name__ == "__main__":
    sys.exit(main())
