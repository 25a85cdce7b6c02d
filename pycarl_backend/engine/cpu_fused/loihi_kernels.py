"""Compiled (numba) Loihi compartments: the engine twin of
hardware_models/loihi/compartment.py's ``LoihiState.step`` (the xp reference).

The same integer operations in the same order, one cell at a time: decay by
``keep / 4096`` rounded toward zero, the 24-bit wrap of u, v's saturation,
``v > vth << 6`` and the reset to 0. The state (u, v and, with a second
current, u_inh) lives in the stepper's float64 pool and the kernel computes
on it as float64, which is exact here and about 1.2x faster than converting
every value to int64 and back (measured in the loop on VA CUBA 4000):

- every state value is a whole number below 2**24 in magnitude and keep is at
  most 4096, so ``x * (keep / 4096)`` is the exact real product (keep / 4096
  and the scaling by 2**-12 are exact), and ``trunc`` of it is the reference's
  ``(x * keep + (4095 if negative)) >> 12``;
- the wrap ``a - 2**24 * floor((a + 2**23 - 1) / 2**24)`` is the reference's
  ``((a + 2**23 - 1) & (2**24 - 1)) - (2**23 - 1)`` while a is exact, that is
  while the input arriving in one step is below 2**52 in magnitude: it is at
  most Loihi's largest weight, 2**21 - 64 (loihi/encoding.py), times the
  spikes arriving at the cell in one step (one per synapse from a neuron, a
  source's multiplicity from a source), far below 2**52 for any network that
  fits in memory;
- v's sum rounds only when the injected drive is beyond 2**53, where it also
  saturates in the reference (rounding is monotonic), so the clip agrees;
- the kernels are compiled with fused multiply-adds allowed (fastmath
  "contract", nothing else): the only multiply-add chains are the wrap's,
  written as ``a * 2**-24 + (2**23 - 1) * 2**-24`` and ``a - 2**24 * k``, whose
  exact results are representable while a is exact, so fused or not they are the
  same numbers (4000 compartments with two currents, the kernel alone:
  0.026 -> 0.019 s per 10 000 timesteps).

Where every delay is at least two steps, ``two_steps`` takes timesteps t and
t + 1 in one pass (loop.py's paired window, as neuron_kernels.two_steps does
for IF_curr_exp).

Two of the reference's operations are left out where they provably change
nothing: the wrap of u and u_inh in a run whose inputs cannot take them beyond
24 bits (``LoihiSpec.bounded``, from what can arrive at each cell,
input_bounds.py; the group table's G_BOUNDED, each loop compiled with the wrap
and without), and the upper half of v's saturation (``_cell``). VA CUBA 4000,
the two-step kernel alone, per 10 000 steps: 36 ms with both, 29 ms without the
upper clip, 22 ms in a bounded run.

Refractoriness uses the stepper's counters: Loihi's ``hold`` is ``left`` and
``refractory - 1`` is the count a spike starts (``rsteps``), so
``neuron_kernels.compact`` starts it as the reference does
(``hold[fired] = hold_after_spike[fired]``).

``LoihiSpec`` is the stepper's view of a chip group computed by
``LoihiCompartments``: the state it copies into its pools before a window
and back after it, and the constants table. Tests:
tests/test_cpu_fused_loihi.py (identical spikes, u and v to the reference,
and the arithmetic at the extremes of those bounds).
"""
import numpy as np
from numba import njit

from .neuron_kernels import _consume, _count_down, _loader, _one_of_two

# hardware_models/loihi/compartment.py: UV_BITS = 24, DECAY_SHIFT = 12
UV_MAX = 2.0 ** 23
UV_LIMIT = UV_MAX - 1          # v saturates at +-(2**23 - 1)
WRAP = 2.0 ** 24
DECAY_SCALE = 2.0 ** -12       # keep / 4096

STATE = ("chip:u", "chip:v")
SPLIT_STATE = STATE + ("chip:u_inh",)
#: decay factors keep / 4096 (keep = 4096 - du, 4096 - dv), vth << 6, bias_mant << bias_exp,
#: current_to_bias (nA -> bias units), keep_u2 / 4096 (keep_u2 = 4096 - du_inh; 0 without
#: a second current)
PARAMS = ("keep_u_frac", "keep_v_frac", "vth_scaled", "bias", "current_to_bias", "keep_u2_frac")
_load = _loader(len(PARAMS))


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _decay(x, factor):
    return np.trunc(x * factor)


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _current(u, factor, arriving, bounded):
    """LoihiState._current: decay, add the input, wrap to 24 bits; `bounded`: this
    run's inputs keep |u| <= 2**23 - 1 (LoihiSpec.bounded), where the wrap is the
    identity."""
    u = _decay(u, factor) + arriving
    if bounded:
        return u
    return u - WRAP * np.floor(u * (1.0 / WRAP) + UV_LIMIT / WRAP)


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _drive(bias, iext, io, i, current_to_bias):
    """bias plus the injected current in bias units (LoihiCompartments.step: rint)."""
    return bias + np.rint(iext[io + i] * current_to_bias) if io >= 0 else bias


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _cell(u, v, u2, refractory, in_u, in_u2, drive, c, bounded):
    """One compartment for one timestep (LoihiState.step). Without a second current
    u2 and in_u2 are 0, and u2 stays 0 (decay and wrap of 0 give 0).

    Of v's saturation (Lava: clip to +-(2**23 - 1)) only the lower bound is computed:
    vth << 6 is at most 131071 << 6 = 2**23 - 64 (compartment.RANGES), so a v clipped
    down to 2**23 - 1 fires and resets to 0 exactly as the unclipped v does, and a
    held cell keeps its v either way (VA CUBA 4000, the two-step kernel alone: 5 ms
    of 36 per 10 000 steps). The clip is a select (min/max compile to branches that
    keep the loop scalar)."""
    f_u, f_v, vth_scaled, f_u2 = c
    u = _current(u, f_u, in_u, bounded)
    u2 = _current(u2, f_u2, in_u2, bounded)
    new_v = _decay(v, f_v) + u + u2 + drive
    new_v = -UV_LIMIT if new_v < -UV_LIMIT else new_v
    v = v if refractory else new_v                        # refractory: v stays (at 0)
    fired = v > vth_scaled
    return u, (0.0 if fired else v), u2, fired


# The loops below take the constants as scalars where all cells share them: with
# the compartment in registers the compiler vectorises them (constants read from
# the pool inside the loop would be reloaded after every store to the state).
@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _specialised(loop, n, split, bounded, arrays, constants):
    """loop(n, split, arrays, constants, bounded) with split and bounded constants:
    the four combinations are four loops, each compiled for its case."""
    if split and bounded:
        loop(n, True, arrays, constants, True)
    elif split:
        loop(n, True, arrays, constants, False)
    elif bounded:
        loop(n, False, arrays, constants, True)
    else:
        loop(n, False, arrays, constants, False)


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _compartment_at(i, split, arrays, c, bias, current_to_bias, io, bounded):
    """Compartment i for one timestep, in place."""
    su, sv, su2, r_u, r_u2, left, flag, iext = arrays
    u2 = su2[i] if split else 0.0
    in_u2 = _consume(r_u2, i) if split else 0.0
    u, v, u2, flag[i] = _cell(su[i], sv[i], u2, _count_down(left, i), _consume(r_u, i), in_u2,
                              _drive(bias, iext, io, i, current_to_bias), c, bounded)
    su[i], sv[i] = u, v
    if split:
        su2[i] = u2


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _uniform_cells(n, split, arrays, constants, bounded):
    c, bias, current_to_bias, io = constants
    for i in range(n):
        _compartment_at(i, split, arrays, c, bias, current_to_bias, io, bounded)


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _per_cell(n, split, arrays, io, par, po, bounded):
    for i in range(n):
        f_u, f_v, vth_scaled, bias, current_to_bias, f_u2 = _load(par, po + i, n)
        _compartment_at(i, split, arrays, (f_u, f_v, vth_scaled, f_u2), bias, current_to_bias,
                        io, bounded)


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def loihi(n, split, uniform, bounded, st, so, par, po, left, g0, ring, be, iext, io, flag):
    """One timestep of n compartments (loop._update_group's LOIHI / LOIHI_SPLIT);
    `bounded`: the currents cannot wrap in this run (LoihiSpec.bounded)."""
    su, sv = st[so:so + n], st[so + n:so + 2 * n]
    su2 = st[so + 2 * n:so + 3 * n] if split else st[so:so]
    r_u = ring[be:be + n]
    r_u2 = ring[be + n:be + 2 * n] if split else ring[be:be]
    arrays = (su, sv, su2, r_u, r_u2, left[g0:g0 + n], flag[g0:g0 + n], iext)
    if not uniform:
        _per_cell(n, split, arrays, io, par, po, bounded)
        return
    f_u, f_v, vth_scaled, bias, current_to_bias, f_u2 = _load(par, po, 1)
    _specialised(_uniform_cells, n, split, bounded, arrays,
                 ((f_u, f_v, vth_scaled, f_u2), bias, current_to_bias, io))


# --- two timesteps per pass (loop._steps' paired window; see neuron_kernels.two_steps) ---
@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _paired_cell(u, v, u2, refractory, in_u, in_u2, i_ext, c):
    """_cell in neuron_kernels._one_of_two's form, `bounded` the last of the
    constants c; a paired window injects no current, so the drive is the bias."""
    f_u, f_v, vth_scaled, bias, _, f_u2, bounded = c
    return _cell(u, v, u2, refractory, in_u, in_u2, bias, (f_u, f_v, vth_scaled, f_u2),
                 bounded)


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _two_steps_at(i, split, su, sv, su2, r_u, r_u2, r_u_next, r_u2_next, left, rsteps, flag,
                  flag2, c):
    u2 = su2[i] if split else 0.0
    in_u2 = _consume(r_u2, i) if split else 0.0
    in_u2_next = _consume(r_u2_next, i) if split else 0.0
    u, v, u2, count, flag[i] = _one_of_two(_paired_cell, su[i], sv[i], u2, left[i], rsteps[i],
                                           _consume(r_u, i), in_u2, c)
    u, v, u2, count, flag2[i] = _one_of_two(_paired_cell, u, v, u2, count, rsteps[i],
                                            _consume(r_u_next, i), in_u2_next, c)
    su[i], sv[i], left[i] = u, v, count
    if split:
        su2[i] = u2


@njit(cache=True, inline="always", error_model="numpy", fastmath={"contract"})
def _uniform_pairs(n, split, arrays, c, bounded):
    su, sv, su2, r_u, r_u2, r_u_next, r_u2_next, left, rsteps, flag, flag2 = arrays
    c = c + (bounded,)
    for i in range(n):
        _two_steps_at(i, split, su, sv, su2, r_u, r_u2, r_u_next, r_u2_next, left, rsteps, flag,
                      flag2, c)


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def two_steps(n, split, uniform, bounded, st, so, par, po, left, g0, rsteps, ring, be, be2,
              flag, f1):
    """Timesteps t and t + 1 of n compartments (loop._two_group_steps): ring rows of
    t at `be`, of t + 1 at `be2`; fired flags of t at flag[g0 + i], of t + 1 at
    flag[f1 + i]; the refractory period of a first-step spike started here."""
    su, sv = st[so:so + n], st[so + n:so + 2 * n]
    su2 = st[so + 2 * n:so + 3 * n] if split else st[so:so]
    r_u, r_u_next = ring[be:be + n], ring[be2:be2 + n]
    r_u2 = ring[be + n:be + 2 * n] if split else ring[be:be]
    r_u2_next = ring[be2 + n:be2 + 2 * n] if split else ring[be2:be2]
    lf, rs, fl, fl2 = left[g0:g0 + n], rsteps[g0:g0 + n], flag[g0:g0 + n], flag[f1:f1 + n]
    if not uniform:
        for i in range(n):
            _two_steps_at(i, split, su, sv, su2, r_u, r_u2, r_u_next, r_u2_next, lf, rs, fl,
                          fl2, _load(par, po + i, n) + (bounded,))
        return
    _specialised(_uniform_pairs, n, split, bounded,
                 (su, sv, su2, r_u, r_u2, r_u_next, r_u2_next, lf, rs, fl, fl2), _load(par, po, 1))


class LoihiSpec:
    """models.ModelSpec's interface for a ChipNeuronGroup of LoihiCompartments."""

    def __init__(self, split):
        from . import loop
        self.split = split
        self.model_id = loop.LOIHI_SPLIT if split else loop.LOIHI
        self.state = SPLIT_STATE if split else STATE
        self.params = PARAMS

    @staticmethod
    def _arrays(group):
        s = group.chip.loihi
        return [s.u, s.v] + ([s.u2] if s.u2 is not None else [])

    def state_arrays(self, group):
        return self._arrays(group)

    def refractory(self, group):
        s = group.chip.loihi
        return s.hold, s.hold_after_spike

    def constants(self, group):
        s, chip = group.chip.loihi, group.chip
        rows = [s.keep_u * DECAY_SCALE, s.keep_v * DECAY_SCALE, s.vth_scaled, s.bias,
                chip._current_to_bias, s.keep_u2 * DECAY_SCALE if s.keep_u2 is not None else 0]
        return np.stack([np.broadcast_to(np.asarray(r, dtype=np.float64), (group.size,))
                         for r in rows])

    def bounded(self, group, state_views, arrivals):
        """Can the kernel skip the wrap of u (and u_inh) in this run? While no wrap
        has happened, |u_t| <= |u_0| + sum over earlier steps s of f^(t-s) |in_s|
        (f = keep / 4096; the decay's trunc only shrinks |u|), and the inputs of the
        run (input_bounds.Arrivals) add up to at most `before` (what the ring held at
        the start) plus, per synapse, |w| times sum_k f^(k spacing) <= |w| /
        (1 - f^spacing) for a presynaptic cell whose spikes are `spacing` steps
        apart. Where that total is <= M = 2**23 - 1 for every cell and current, |u|
        never leaves [-M, M], on which the wrap (onto (-2**23, 2**23]) is the
        identity. VA CUBA 4000 (refractory 51 steps; u_inh: 31 inhibitory synapses
        at most, w_act -4608, du_inh 41, total 3.6e5; u: 95 at 832, du 81, 1.2e5):
        bounded, and the two-step kernel alone takes 22 ms instead of 29 per
        10 000 steps."""
        s, n = group.chip.loihi, group.size
        if n == 0:
            return False
        currents = [(state_views[0], s.keep_u)]                   # chip:u
        if self.split:
            currents.append((state_views[2], s.keep_u2))          # chip:u_inh
        for r, (u, keep) in enumerate(currents):
            f = np.broadcast_to(np.asarray(keep, dtype=np.float64) * DECAY_SCALE, (n,))
            cols = slice(r * n, (r + 1) * n)
            total = np.abs(u) + arrivals.before[cols]
            for spacing, weight in arrivals.by_spacing.items():
                w = weight[cols]
                with np.errstate(divide="ignore"):
                    sums = np.where(w > 0, w / (1.0 - f ** spacing), 0.0)
                total = total + sums
            # float rounding of the geometric sums: a margin far above it
            if not np.all(total <= UV_LIMIT * (1 - 1e-9)):
                return False
        return True

    def spike_spacing(self, group, state_views, left_view):
        """The fewest steps between two spikes of one compartment in this run: its
        refractory period r (a spike resets v to 0 <= vth << 6 and holds it there
        for r - 1 steps), or 1 where a held compartment's v was set above its
        threshold (it may fire while held)."""
        s = group.chip.loihi
        held = left_view > 0
        vth = np.broadcast_to(np.asarray(s.vth_scaled, dtype=np.float64), (group.size,))
        if group.size == 0 or np.any(state_views[1][held] > vth[held]):
            return 1
        return int(np.min(s.hold_after_spike)) + 1

    def bind(self, group, state_views, left_view):
        """The reference keeps int64 arrays: nothing is bound, write_back copies."""

    def write_back(self, group, state_views, left_view):
        s = group.chip.loihi
        for array, view in zip(self._arrays(group), state_views):
            array[...] = view          # whole numbers: the cast is exact
        s.hold[...] = left_view
        s.holding = bool(s.hold.any())


def spec_of_chip(group):
    """The stepper's spec for a chip group, or None (no compiled kernel)."""
    from hardware_models.loihi.compartment import LoihiCompartments
    if type(group.chip) is not LoihiCompartments:
        return None
    return LoihiSpec(group.chip.loihi.u2 is not None)
