"""Compiled (numba) one-step updates of the neuron models the CPU stepper covers.

Each model is a `*_cell` function (the arithmetic of one cell for one step,
inlined) and a step function over the group's cells (a `prange` loop, inlined
into loop.py's serial and parallel callers; each cell's arithmetic is the same
in both) that calls it with its constants: read once into scalars when every
cell shares them (the loop is then vectorised by the compiler), else one
value per cell. The step writes a fired flag per cell; `compact` turns the
flags into the list of fired cells, in increasing order as NumPy's
flatnonzero gives them, and starts their refractory periods.

Every cell function does the floating-point operations of the NumPy model
(engine/neurons.py, engine/neuron_models/) in the same order, so the two
paths give the same numbers; exp is the one exception (mathfn.vexp, within
an ulp of the C library's, as NumPy's own SIMD exp is).

Arguments shared by the loops:
- `n`, `st`, `so`: cell count, state pool and the group's offset; state row r
  of cell i is st[so + r*n + i], rows in the order of the model's spec;
- `par`, `po`, `uniform`: the constants pool and the group's offset; constant
  k is par[po + k] (uniform) or par[po + k*n + i];
- `left`, `g0`: refractory counters (steps), at g0 + i;
- `ring`, `be`: the flat shared ring and the index of receptor 0 of cell 0 in
  the arriving slot; receptor r of cell i is ring[be + r*n + i], zeroed once read;
- `iext`, `io`: injected current (nA) of cell i is iext[io + i]; a group without
  injection has io = -1 and adds 0.0 instead (the same numbers as the NumPy
  path's no-current case; the test is loop-invariant, so the compiler makes
  two loops and the common one reads no current);
- `flag`: fired flag of cell i at g0 + i.
"""
import numpy as np
from numba import njit, prange

from .mathfn import vexp


@njit(cache=True, inline="always", error_model="numpy")
def _i_ext(iext, io, i):
    return iext[io + i] if io >= 0 else 0.0


@njit(cache=True, inline="always", error_model="numpy")
def _count_down(left, i):
    """NeuronGroup._count_down_refractory for one cell: refractory in this step?"""
    counter = left[i]
    refractory = counter > 0
    left[i] = counter - 1 if refractory else counter
    return refractory


@njit(cache=True, inline="always", error_model="numpy")
def _consume(ring, i):
    x = ring[i]
    ring[i] = 0.0
    return x


@njit(cache=True, inline="always", error_model="numpy")
def _take(i, f0, g0, start, flag, left, rsteps, fired, nf):
    if flag[f0 + i]:
        fired[nf] = i
        if start:
            left[g0 + i] = rsteps[g0 + i]
        nf += 1
    return nf


@njit(cache=True, error_model="numpy")
def compact_flags(n, f0, g0, start, flag, left, rsteps, fired, nf):
    """Append the cells flagged at flag[f0 + i] to `fired`; `start`: also start
    their refractory period (left[g0 + i]), else the kernel has done it.
    Cells fire rarely: the flags are read 8 at a time (as one 64-bit word) and
    only a word with a flag set is looked at byte by byte."""
    i = 0
    while i < n and (f0 + i) % 8 != 0:
        nf = _take(i, f0, g0, start, flag, left, rsteps, fired, nf)
        i += 1
    words = (n - i) // 8
    packed = flag[f0 + i:f0 + i + 8 * words].view(np.uint64)
    for w in range(words):
        if packed[w]:
            for j in range(i + 8 * w, i + 8 * w + 8):
                nf = _take(j, f0, g0, start, flag, left, rsteps, fired, nf)
    for j in range(i + 8 * words, n):
        nf = _take(j, f0, g0, start, flag, left, rsteps, fired, nf)
    return nf


@njit(cache=True, error_model="numpy")
def compact(n, g0, flag, left, rsteps, fired, nf):
    """Append the flagged cells to `fired`, starting their refractory period."""
    return compact_flags(n, g0, g0, True, flag, left, rsteps, fired, nf)


def _loader(count):
    """A compiled function (par, at, step) -> the tuple par[at], par[at + step], ...
    of `count` constants: of all cells (uniform; step 1) or of cell i (at + i, n)."""
    args = ", ".join(f"par[at + {k} * step]" for k in range(count))
    namespace = {}
    exec(f"def load(par, at, step):\n    return ({args},)\n", namespace)
    return njit(inline="always")(namespace["load"])


# --- IF_curr_exp (IFCurrExp.update) -------------------------------------------
CURR_EXP_STATE = ("v", "isyn_exc", "isyn_inh")
CURR_EXP_PARAMS = ("v_rest", "p_mem", "p_current", "i_offset", "p_exc_to_v", "p_inh_to_v",
                   "p_exc_decay", "p_inh_decay", "v_thresh", "v_reset")
_load_curr_exp = _loader(len(CURR_EXP_PARAMS))


@njit(cache=True, inline="always", error_model="numpy")
def _curr_exp_cell(v, ie, ii, refractory, in_e, in_i, i_ext, c):
    v_rest, p_mem, p_current, i_offset, p_e, p_i, d_e, d_i, thresh, reset = c
    saved = v
    v = (v - v_rest) * p_mem + v_rest
    v = v + (i_ext + i_offset) * p_current
    v = v + ie * p_e
    v = v + ii * p_i
    v = saved if refractory else v
    fired = v >= thresh
    return (reset if fired else v), ie * d_e + in_e, ii * d_i + in_i, fired


@njit(cache=True, inline="always", error_model="numpy")
def _three_state_at(cell, i, s0, s1, s2, r_e, r_i, left, flag, iext, io, c):
    refractory = _count_down(left, i)
    s0[i], s1[i], s2[i], flag[i] = cell(s0[i], s1[i], s2[i], refractory, _consume(r_e, i),
                                        _consume(r_i, i), _i_ext(iext, io, i), c)


@njit(cache=True, inline="always", error_model="numpy")
def three_state_step(cell, load, n, uniform, st, so, par, po, left, g0, ring, be, iext, io,
                     flag):
    """One step of a group whose cell function has three state rows and two
    receptors, (s0, s1, s2, refractory, in_e, in_i, i_ext, c) -> (s0, s1, s2,
    fired): IF_curr_exp and IF_cond_exp."""
    s0, s1, s2 = st[so:so + n], st[so + n:so + 2 * n], st[so + 2 * n:so + 3 * n]
    r_e, r_i = ring[be:be + n], ring[be + n:be + 2 * n]
    lf, fl = left[g0:g0 + n], flag[g0:g0 + n]
    if uniform:
        c = load(par, po, 1)
        for i in prange(n):
            _three_state_at(cell, i, s0, s1, s2, r_e, r_i, lf, fl, iext, io, c)
    else:
        for i in prange(n):
            _three_state_at(cell, i, s0, s1, s2, r_e, r_i, lf, fl, iext, io, load(par, po + i, n))


@njit(cache=True, inline="always", error_model="numpy")
def if_curr_exp(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    three_state_step(_curr_exp_cell, _load_curr_exp, n, uniform, st, so, par, po, left, g0, ring,
                     be, iext, io, flag)


# --- IF_cond_exp (IFCondExp.membrane_step and update) ----------------------------
COND_EXP_STATE = ("v", "gsyn_exc", "gsyn_inh")
COND_EXP_PARAMS = ("exc_step_mean", "inh_step_mean", "g_leak", "leak_drive", "e_rev_E",
                   "e_rev_I", "i_offset", "cm", "p_exc_decay", "p_inh_decay", "v_thresh",
                   "v_reset", "minus_dt")
_load_cond_exp = _loader(len(COND_EXP_PARAMS))


@njit(cache=True, inline="always", error_model="numpy")
def _cond_exp_cell(v, ge, gi, refractory, in_e, in_i, i_ext, c):
    esm, ism, g_leak, leak_drive, e_exc, e_inh, i_offset, cm, d_e, d_i, thresh, reset, \
        minus_dt = c
    g_exc = ge * esm
    g_inh = gi * ism
    g_total = (g_exc + g_leak) + g_inh
    # (g_exc E_exc + leak) + g_inh E_inh: with E_exc = 0 the NumPy path computes
    # g_inh E_inh + leak, which rounds the same
    v_inf = (g_exc * e_exc + leak_drive) + g_inh * e_inh
    v_inf = v_inf + (i_ext + i_offset)
    v_inf = v_inf / g_total
    decay = vexp((g_total * minus_dt) / cm)
    v = (v - v_inf) * decay + v_inf
    v = reset if refractory else v
    fired = v >= thresh
    return (reset if fired else v), ge * d_e + in_e, gi * d_i + in_i, fired


@njit(cache=True, inline="always", error_model="numpy")
def if_cond_exp(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    three_state_step(_cond_exp_cell, _load_cond_exp, n, uniform, st, so, par, po, left, g0, ring,
                     be, iext, io, flag)


# --- two steps per pass (loop.py's blocked window) ------------------------------
# Where every synaptic delay is at least two steps, the spikes of step t reach
# no cell before t + 2: each cell can then take steps t and t + 1 in one pass,
# its state held in registers in between (half the state traffic). The two
# steps are exactly the one-step kernel's, so are the numbers; the kernel
# starts the refractory period of a cell that fires in the first step itself
# (compact's job otherwise). Models whose cell function has the signature
# (s0, s1, s2, refractory, in_e, in_i, i_ext, c) -> (s0, s1, s2, fired), used
# for IF_curr_exp (stepper.PAIRED_MODELS; Loihi compartments reuse _one_of_two in
# loihi_kernels.two_steps); no injected current (the window has none).

@njit(cache=True, inline="always", error_model="numpy")
def _one_of_two(cell, x, y, z, count, steps, in_e, in_i, c):
    refractory = count > 0
    count = count - 1 if refractory else count
    x, y, z, fired = cell(x, y, z, refractory, in_e, in_i, 0.0, c)
    return x, y, z, (steps if fired else count), fired


@njit(cache=True, inline="always", error_model="numpy")
def _two_steps_at(cell, i, s0, s1, s2, r_e, r_i, r_e2, r_i2, left, rsteps, flag, flag2, c):
    x, y, z, count, flag[i] = _one_of_two(cell, s0[i], s1[i], s2[i], left[i], rsteps[i],
                                          _consume(r_e, i), _consume(r_i, i), c)
    x, y, z, count, flag2[i] = _one_of_two(cell, x, y, z, count, rsteps[i],
                                           _consume(r_e2, i), _consume(r_i2, i), c)
    s0[i], s1[i], s2[i], left[i] = x, y, z, count


@njit(cache=True, inline="always", error_model="numpy")
def two_steps(cell, load, n, uniform, st, so, par, po, left, g0, rsteps, ring, be, be2, flag,
              f1):
    """Steps t and t + 1 of a group: ring receptors of t at `be`, of t + 1 at
    `be2`; fired flags of t at flag[g0 + i], of t + 1 at flag[f1 + i]."""
    s0, s1, s2 = st[so:so + n], st[so + n:so + 2 * n], st[so + 2 * n:so + 3 * n]
    r_e, r_i = ring[be:be + n], ring[be + n:be + 2 * n]
    r_e2, r_i2 = ring[be2:be2 + n], ring[be2 + n:be2 + 2 * n]
    lf, rs = left[g0:g0 + n], rsteps[g0:g0 + n]
    fl, fl2 = flag[g0:g0 + n], flag[f1:f1 + n]
    if uniform:
        c = load(par, po, 1)
        for i in range(n):
            _two_steps_at(cell, i, s0, s1, s2, r_e, r_i, r_e2, r_i2, lf, rs, fl, fl2, c)
    else:
        for i in range(n):
            _two_steps_at(cell, i, s0, s1, s2, r_e, r_i, r_e2, r_i2, lf, rs, fl, fl2,
                          load(par, po + i, n))


# --- IF_curr_delta (IFCurrDelta.update) -----------------------------------------
CURR_DELTA_STATE = ("v",)
CURR_DELTA_PARAMS = ("v_rest", "p_mem", "p_current", "i_offset", "v_thresh", "v_reset")
_load_curr_delta = _loader(len(CURR_DELTA_PARAMS))


@njit(cache=True, inline="always", error_model="numpy")
def _curr_delta_at(i, v, r_e, r_i, left, flag, iext, io, c):
    v_rest, p_mem, p_current, i_offset, thresh, reset = c
    refractory = _count_down(left, i)
    x = v[i]
    free = (((v_rest + p_mem * (x - v_rest)) + p_current * (i_offset + _i_ext(iext, io, i)))
            + _consume(r_e, i)) + _consume(r_i, i)
    x = x if refractory else free
    flag[i] = x >= thresh
    v[i] = reset if x >= thresh else x


@njit(cache=True, inline="always", error_model="numpy")
def if_curr_delta(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    v = st[so:so + n]
    r_e, r_i = ring[be:be + n], ring[be + n:be + 2 * n]
    lf, fl = left[g0:g0 + n], flag[g0:g0 + n]
    if uniform:
        c = _load_curr_delta(par, po, 1)
        for i in prange(n):
            _curr_delta_at(i, v, r_e, r_i, lf, fl, iext, io, c)
    else:
        for i in prange(n):
            _curr_delta_at(i, v, r_e, r_i, lf, fl, iext, io, _load_curr_delta(par, po + i, n))


# --- Izhikevich (Izhikevich.update; no refractory period) -------------------------
IZHIKEVICH_STATE = ("v", "u")
IZHIKEVICH_PARAMS = ("a", "b", "c", "d", "i_offset", "dt")
_load_izhikevich = _loader(len(IZHIKEVICH_PARAMS))
V_PEAK = 30.0  # mV (neuron_models/izhikevich.py)


@njit(cache=True, inline="always", error_model="numpy")
def _izhikevich_at(i, v, u, r_e, r_i, flag, iext, io, c):
    a, b, reset, jump, i_offset, dt = c
    x, y = v[i], u[i]
    current = 1000.0 * (i_offset + _i_ext(iext, io, i))
    x_new = (x + dt * (((((0.04 * x) * x + 5.0 * x) + 140.0) - y) + current)
             + _consume(r_e, i)) + _consume(r_i, i)
    y_new = y + (dt * a) * (b * x - y)
    fired = x_new >= V_PEAK
    flag[i] = fired
    v[i] = reset if fired else x_new
    u[i] = y_new + jump if fired else y_new


@njit(cache=True, inline="always", error_model="numpy")
def izhikevich(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    v, u = st[so:so + n], st[so + n:so + 2 * n]
    r_e, r_i = ring[be:be + n], ring[be + n:be + 2 * n]
    fl = flag[g0:g0 + n]
    if uniform:
        c = _load_izhikevich(par, po, 1)
        for i in prange(n):
            _izhikevich_at(i, v, u, r_e, r_i, fl, iext, io, c)
    else:
        for i in prange(n):
            _izhikevich_at(i, v, u, r_e, r_i, fl, iext, io, _load_izhikevich(par, po + i, n))


# --- alpha kernels (neuron_models/psr.py BiExpResponse, LIFMembrane.update) ----------
@njit(cache=True, inline="always", error_model="numpy")
def _advance_biexp(x, d, x_in, e_d, k, e_r, g0):
    """BiExpResponse.advance for one cell: (value, derivative) after the step."""
    return x * e_d + k * d, d * e_r + x_in * g0


CURR_ALPHA_STATE = ("v", "isyn_exc", "isyn_inh", "disyn_exc", "disyn_inh")
CURR_ALPHA_PARAMS = ("g_leak", "v_rest", "i_offset", "p_mem",
                     "exc.p_to_v", "exc.p_deriv_to_v", "exc.e_d", "exc.k", "exc.e_r", "exc.g0",
                     "inh.p_to_v", "inh.p_deriv_to_v", "inh.e_d", "inh.k", "inh.e_r", "inh.g0",
                     "v_thresh", "v_reset")
_load_curr_alpha = _loader(len(CURR_ALPHA_PARAMS))


@njit(cache=True, inline="always", error_model="numpy")
def _curr_alpha_at(i, v, xe, xi, de, di, r_e, r_i, left, flag, iext, io, c):
    g_leak, v_rest, i_offset, p_mem, pv_e, pd_e, ed_e, k_e, er_e, g0_e, \
        pv_i, pd_i, ed_i, k_i, er_i, g0_i, thresh, reset = c
    refractory = _count_down(left, i)
    drive = g_leak * v_rest + (i_offset + _i_ext(iext, io, i))
    to_v = (0.0 + (pv_e * xe[i] + pd_e * de[i])) + (pv_i * xi[i] + pd_i * di[i])
    v_inf = drive / g_leak
    free = (v_inf + (v[i] - v_inf) * p_mem) + to_v
    x = v[i] if refractory else free
    xe[i], de[i] = _advance_biexp(xe[i], de[i], _consume(r_e, i), ed_e, k_e, er_e, g0_e)
    xi[i], di[i] = _advance_biexp(xi[i], di[i], _consume(r_i, i), ed_i, k_i, er_i, g0_i)
    flag[i] = x >= thresh
    v[i] = reset if x >= thresh else x


@njit(cache=True, inline="always", error_model="numpy")
def alpha_step(cell_at, load, n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    """One step of an alpha-synapse group (state v, x_exc, x_inh, dx_exc, dx_inh;
    `cell_at` updates cell i in place): IF_curr_alpha and IF_cond_alpha."""
    v, xe, xi = st[so:so + n], st[so + n:so + 2 * n], st[so + 2 * n:so + 3 * n]
    de, di = st[so + 3 * n:so + 4 * n], st[so + 4 * n:so + 5 * n]
    r_e, r_i = ring[be:be + n], ring[be + n:be + 2 * n]
    lf, fl = left[g0:g0 + n], flag[g0:g0 + n]
    if uniform:
        c = load(par, po, 1)
        for i in prange(n):
            cell_at(i, v, xe, xi, de, di, r_e, r_i, lf, fl, iext, io, c)
    else:
        for i in prange(n):
            cell_at(i, v, xe, xi, de, di, r_e, r_i, lf, fl, iext, io, load(par, po + i, n))


@njit(cache=True, inline="always", error_model="numpy")
def if_curr_alpha(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    alpha_step(_curr_alpha_at, _load_curr_alpha, n, uniform, st, so, par, po, left, g0, ring, be,
               iext, io, flag)


COND_ALPHA_STATE = ("v", "gsyn_exc", "gsyn_inh", "dgsyn_exc", "dgsyn_inh")
COND_ALPHA_PARAMS = ("g_leak", "v_rest", "i_offset", "cm", "minus_dt",
                     "exc.mean_d", "exc.mean_k", "exc.e_rev_values", "exc.e_d", "exc.k",
                     "exc.e_r", "exc.g0",
                     "inh.mean_d", "inh.mean_k", "inh.e_rev_values", "inh.e_d", "inh.k",
                     "inh.e_r", "inh.g0", "v_thresh", "v_reset")
_load_cond_alpha = _loader(len(COND_ALPHA_PARAMS))


@njit(cache=True, inline="always", error_model="numpy")
def _cond_alpha_at(i, v, xe, xi, de, di, r_e, r_i, left, flag, iext, io, c):
    g_leak, v_rest, i_offset, cm, minus_dt, md_e, mk_e, rev_e, ed_e, k_e, er_e, g0_e, \
        md_i, mk_i, rev_i, ed_i, k_i, er_i, g0_i, thresh, reset = c
    refractory = _count_down(left, i)
    g_e = xe[i] * md_e + de[i] * mk_e
    g_i = xi[i] * md_i + di[i] * mk_i
    g_total = (g_leak + g_e) + g_i
    drive = ((g_leak * v_rest + (i_offset + _i_ext(iext, io, i))) + g_e * rev_e) + g_i * rev_i
    v_inf = drive / g_total
    decay = vexp((minus_dt * g_total) / cm)
    free = v_inf + (v[i] - v_inf) * decay
    x = v[i] if refractory else free
    xe[i], de[i] = _advance_biexp(xe[i], de[i], _consume(r_e, i), ed_e, k_e, er_e, g0_e)
    xi[i], di[i] = _advance_biexp(xi[i], di[i], _consume(r_i, i), ed_i, k_i, er_i, g0_i)
    flag[i] = x >= thresh
    v[i] = reset if x >= thresh else x


@njit(cache=True, inline="always", error_model="numpy")
def if_cond_alpha(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    alpha_step(_cond_alpha_at, _load_cond_alpha, n, uniform, st, so, par, po, left, g0, ring, be,
               iext, io, flag)


# --- EIF_cond_exp_isfa_ista, EIF_cond_alpha_isfa_ista (composed.py AdExMembrane.update) ---
# RK4 on (v, w) in n_sub substeps of h ms; the conductances' values at the half-substep
# points are the kernels' traces (psr.py ExpResponse.trace, BiExpResponse.trace), their
# step itself the kernels' exact `advance` after the membrane.
ADEX_MEMBRANE_PARAMS = ("g_leak", "v_rest", "v_reset", "v_thresh", "v_peak", "safe_delta_t",
                        "delta_T", "a", "tau_w", "cm", "exc.e_rev_values", "inh.e_rev_values",
                        "i_offset", "b", "refractory_steps", "substep", "n_sub")
MAX_EXP_ARG = 50.0  # composed.py MAX_EXP_ARG


@njit(cache=True, inline="always", error_model="numpy")
def _adex_rhs(v, w, clamped, g_e, g_i, current, m):
    """AdExMembrane._rhs for one cell: (dv/dt, dw/dt) with the conductances g_e, g_i."""
    g_leak, v_rest, v_reset, v_thresh, v_peak, safe_delta_t, delta_t, a, tau_w, cm, \
        e_exc, e_inh = m
    v_eff = v_reset if clamped else (v_peak if v > v_peak else v)
    exp_arg = (v_eff - v_thresh) / safe_delta_t
    exp_arg = MAX_EXP_ARG if exp_arg > MAX_EXP_ARG else exp_arg
    i_spike = (g_leak * delta_t) * vexp(exp_arg) if delta_t > 0.0 else 0.0
    synaptic = (0.0 + g_e * (e_exc - v_eff)) + g_i * (e_inh - v_eff)
    dv = ((((g_leak * (v_rest - v_eff) + i_spike) + synaptic) - w) + current) / cm
    dw = ((1e-3 * a) * (v_eff - v_rest) - w) / tau_w
    return (0.0 if clamped else dv), dw


# compiled on its own, not inlined: inlined into the four EIF loops it made the
# step loop's first compilation 150 s instead of 64 s (runs 11% slower without it:
# 2 x 2000 EIF cells, 500 ms, 50.0 -> 55.8 s CPU)
@njit(cache=True, error_model="numpy")
def _adex_rk4(v, w, clamped, e0, e1, e2, i0, i1, i2, current, m, h):
    """integrate.rk4_substep for one cell: conductances e0, e1, e2 (and i0, i1, i2) at
    the start, middle and end of the substep."""
    half = 0.5 * h
    k1v, k1w = _adex_rhs(v, w, clamped, e0, i0, current, m)
    k2v, k2w = _adex_rhs(v + half * k1v, w + half * k1w, clamped, e1, i1, current, m)
    k3v, k3w = _adex_rhs(v + half * k2v, w + half * k2w, clamped, e1, i1, current, m)
    k4v, k4w = _adex_rhs(v + h * k3v, w + h * k3w, clamped, e2, i2, current, m)
    sixth = h / 6.0
    return (v + sixth * (((k1v + 2.0 * k2v) + 2.0 * k3v) + k4v),
            w + sixth * (((k1w + 2.0 * k2w) + 2.0 * k3w) + k4w))


@njit(cache=True, inline="always", error_model="numpy")
def _adex_cell(v, w, xe, de, xi, di, refractory, i_ext, c, f_e, f_i, half_step):
    """AdExMembrane.update for one cell: (v, w, fired) after the step. (xe, de), (xi, di):
    the receptors' kernel state at the start of the step; half_step(x, d, f) moves a
    kernel's trace on by half a substep with its factors f."""
    g_leak, v_rest, v_reset, v_thresh, v_peak, safe_delta_t, delta_t, a, tau_w, cm, \
        e_exc, e_inh, i_offset, b, rsteps, h, n_sub = c
    m = (g_leak, v_rest, v_reset, v_thresh, v_peak, safe_delta_t, delta_t, a, tau_w, cm,
         e_exc, e_inh)
    current = i_offset + i_ext
    clamped = refractory
    fired = False
    for _ in range(int(n_sub)):
        xe1, de1 = half_step(xe, de, f_e)
        xe2, de2 = half_step(xe1, de1, f_e)
        xi1, di1 = half_step(xi, di, f_i)
        xi2, di2 = half_step(xi1, di1, f_i)
        v, w = _adex_rk4(v, w, clamped, xe, xe1, xe2, xi, xi1, xi2, current, m, h)
        if not clamped and v >= v_peak:
            v = v_reset
            w = w + b
            fired = True
            clamped = rsteps > 0.0
        v = v_reset if clamped else v
        xe, de, xi, di = xe2, de2, xi2, di2
    return v, w, fired


@njit(cache=True, inline="always", error_model="numpy")
def _exp_half_step(x, d, f):
    """ExpResponse.trace: x times its decay over half a substep (d unused)."""
    return x * f[0], d


@njit(cache=True, inline="always", error_model="numpy")
def _biexp_half_step(x, d, f):
    """BiExpResponse.trace: (x, dx) over half a substep, factors (E_d, K, E_r)."""
    e_d, k, e_r = f
    return e_d * x + k * d, e_r * d


EIF_COND_EXP_STATE = ("v", "w", "gsyn_exc", "gsyn_inh")
EIF_COND_EXP_PARAMS = ADEX_MEMBRANE_PARAMS + ("exc.half_decay", "inh.half_decay",
                                              "exc.decay", "inh.decay")
_load_eif_cond_exp = _loader(len(EIF_COND_EXP_PARAMS))
_N_MEMBRANE = len(ADEX_MEMBRANE_PARAMS)


@njit(cache=True, inline="always", error_model="numpy")
def _eif_cond_exp_at(i, v, w, ge, gi, r_e, r_i, left, flag, iext, io, c):
    m = c[:_N_MEMBRANE]
    half_e, half_i, decay_e, decay_i = c[_N_MEMBRANE:]
    refractory = _count_down(left, i)
    x_e, x_i = ge[i], gi[i]
    v[i], w[i], flag[i] = _adex_cell(v[i], w[i], x_e, 0.0, x_i, 0.0, refractory,
                                     _i_ext(iext, io, i), m, (half_e,), (half_i,),
                                     _exp_half_step)
    ge[i] = x_e * decay_e + _consume(r_e, i)
    gi[i] = x_i * decay_i + _consume(r_i, i)


@njit(cache=True, inline="always", error_model="numpy")
def eif_cond_exp(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    v, w = st[so:so + n], st[so + n:so + 2 * n]
    ge, gi = st[so + 2 * n:so + 3 * n], st[so + 3 * n:so + 4 * n]
    r_e, r_i = ring[be:be + n], ring[be + n:be + 2 * n]
    lf, fl = left[g0:g0 + n], flag[g0:g0 + n]
    if uniform:
        c = _load_eif_cond_exp(par, po, 1)
        for i in prange(n):
            _eif_cond_exp_at(i, v, w, ge, gi, r_e, r_i, lf, fl, iext, io, c)
    else:
        for i in prange(n):
            _eif_cond_exp_at(i, v, w, ge, gi, r_e, r_i, lf, fl, iext, io,
                             _load_eif_cond_exp(par, po + i, n))


EIF_COND_ALPHA_STATE = ("v", "w", "gsyn_exc", "gsyn_inh", "dgsyn_exc", "dgsyn_inh")
EIF_COND_ALPHA_PARAMS = ADEX_MEMBRANE_PARAMS + (
    "exc.half_e_d", "exc.half_k", "exc.half_e_r", "inh.half_e_d", "inh.half_k", "inh.half_e_r",
    "exc.e_d", "exc.k", "exc.e_r", "exc.g0", "inh.e_d", "inh.k", "inh.e_r", "inh.g0")
_load_eif_cond_alpha = _loader(len(EIF_COND_ALPHA_PARAMS))


@njit(cache=True, inline="always", error_model="numpy")
def _eif_cond_alpha_at(i, v, w, xe, xi, de, di, r_e, r_i, left, flag, iext, io, c):
    m = c[:_N_MEMBRANE]
    hd_e, hk_e, hr_e, hd_i, hk_i, hr_i, ed_e, k_e, er_e, g0_e, ed_i, k_i, er_i, g0_i = \
        c[_N_MEMBRANE:]
    refractory = _count_down(left, i)
    v[i], w[i], flag[i] = _adex_cell(v[i], w[i], xe[i], de[i], xi[i], di[i], refractory,
                                     _i_ext(iext, io, i), m, (hd_e, hk_e, hr_e),
                                     (hd_i, hk_i, hr_i), _biexp_half_step)
    xe[i], de[i] = _advance_biexp(xe[i], de[i], _consume(r_e, i), ed_e, k_e, er_e, g0_e)
    xi[i], di[i] = _advance_biexp(xi[i], di[i], _consume(r_i, i), ed_i, k_i, er_i, g0_i)


@njit(cache=True, inline="always", error_model="numpy")
def eif_cond_alpha(n, uniform, st, so, par, po, left, g0, ring, be, iext, io, flag):
    v, w = st[so:so + n], st[so + n:so + 2 * n]
    xe, xi = st[so + 2 * n:so + 3 * n], st[so + 3 * n:so + 4 * n]
    de, di = st[so + 4 * n:so + 5 * n], st[so + 5 * n:so + 6 * n]
    r_e, r_i = ring[be:be + n], ring[be + n:be + 2 * n]
    lf, fl = left[g0:g0 + n], flag[g0:g0 + n]
    if uniform:
        c = _load_eif_cond_alpha(par, po, 1)
        for i in prange(n):
            _eif_cond_alpha_at(i, v, w, xe, xi, de, di, r_e, r_i, lf, fl, iext, io, c)
    else:
        for i in prange(n):
            _eif_cond_alpha_at(i, v, w, xe, xi, de, di, r_e, r_i, lf, fl, iext, io,
                               _load_eif_cond_alpha(par, po + i, n))
