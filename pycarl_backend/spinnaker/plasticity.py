"""STDP as sPyNNaker computes it, in the arithmetic of a chosen release.

sPyNNaker updates a plastic synapse only when its presynaptic neuron fires
(deferred, event-driven update; synapse_dynamics_stdp_mad_impl.c,
post_events.h, timing_pair_impl.h, weight_additive_one_term_impl.h). For a
presynaptic spike in tick T on a synapse with delay d (all of it dendritic,
so post spikes are seen d ticks late when backprop_delay is on):

* every postsynaptic spike t_post with T_last_pre - d < t_post <= T - d
  potentiates by r_last * exp(-(t_post + d - T_last_pre) / tau_plus), where
  r_last is the presynaptic trace just after the previous presynaptic spike;
* then the latest postsynaptic spike t_post <= T - d depresses by
  o(t_post) * exp(-(T - t_last) / tau_minus), o being the postsynaptic trace
  just after that spike; also when T == t_last: spikes at coinciding integer
  times pair, decay 1;
* that new weight is the one the presynaptic spike delivers.

MultiplicativeWeightDependence (weight_multiplicative_impl.h) scales each
pair by the distance to the bound, A+ (w_max - w) and A- (w - w_min) with A in
weight units, applied pair by pair in both releases.

Two releases differ in three points (`releases.py` says which is which):

====================  =====================================  ==================================
                      spynnaker8 era (<= 6.x)                sPyNNaker >= 7 (the default)
====================  =====================================  ==================================
A+ and A-             scaled by w_max                        in weight units
clipping              once per presynaptic spike, after      after every pair (potentiation
                      summing all pairs                      clips at w_max, depression at
                                                             w_min)
t_last                t_post + d if that spike was in this   always t_post + d
                      window, t_post otherwise
====================  =====================================  ==================================

Traces are all-to-all (r <- r * decay + 1 at each spike); the nearest-pair
rule (timing_nearest_pair_impl.h) resets them to 1 and pairs only nearest
spikes: a presynaptic spike is potentiated by the first postsynaptic spike
after the previous presynaptic one, and depressed by the latest postsynaptic
spike only if that came after the previous presynaptic spike. Each
postsynaptic neuron keeps its last 15 spikes (sPyNNaker's 16-entry history,
whose first entry is a dummy at time 0 with trace 0). The decay factors are
rounded to sPyNNaker's 11-bit fixed-point look-up table; the rest of the
arithmetic is floating point.

Built on the standard engine's plasticity (engine/plasticity.py): the block is
a ParametricBlock (per-synapse parameter columns, range checks, initial
weights restored by reset()), and the weight steps use that module's weight
dependences. What is sPyNNaker's own is the deferred, pre-spike-driven
schedule, the integer-tick traces with the fixed-point decay table
(`PairTiming`) and the two releases' weight steps (`SummedWeightStep`,
`PerPairWeightStep`).
"""
import numpy as np

from ..engine.plasticity import (AdditiveWeightDependence, MultiplicativeWeightDependence,
                                 ParametricBlock, SpikePairRule)
from .releases import release_named
from .weights import MagnitudeWeights

STDP_FIXED_POINT_ONE = 2048.0   # sPyNNaker's STDP_FIXED_POINT = 11
MAX_POST_SYNAPTIC_EVENTS = 16   # including the dummy entry at time 0


class PairTiming:
    """Spike-pair timing rule on integer ticks (all-to-all or nearest traces)."""
    trace_shape, trace_dtype = (), np.float64   # one floating-point trace per cell

    def __init__(self, xp, dt, tau_plus, tau_minus, nearest=False):
        self.xp, self.dt = xp, float(dt)
        self.tau_plus, self.tau_minus = float(tau_plus), float(tau_minus)
        self.nearest = nearest

    def _decay(self, ticks, tau):
        xp = self.xp
        ticks = xp.maximum(xp.asarray(ticks, dtype=xp.float64), 0.0)  # masked entries may be < 0
        exact = xp.exp(-ticks * self.dt / tau)
        return xp.floor(exact * STDP_FIXED_POINT_ONE) / STDP_FIXED_POINT_ONE

    def decay_plus(self, ticks):
        return self._decay(ticks, self.tau_plus)

    def decay_minus(self, ticks):
        return self._decay(ticks, self.tau_minus)

    def _add_spike(self, time, last_time, last_trace, decay):
        if self.nearest:
            return self.xp.ones_like(last_trace)
        return last_trace * decay(time - last_time) + 1.0

    def add_pre_spike(self, time, last_time, last_trace):
        return self._add_spike(time, last_time, last_trace, self.decay_plus)

    def add_post_spike(self, time, last_time, last_trace):
        return self._add_spike(time, last_time, last_trace, self.decay_minus)


class SummedWeightStep:
    """sPyNNaker <= 6: all pairs of one presynaptic spike summed, then
    w + A+ * scale+ * sum(pot) - A- * scale- * dep, clipped once to
    [w_min, w_max]. `dependence` supplies the scales (w_max, or 1 for
    WeightUnitAdditive)."""

    def __init__(self, dependence):
        self.dependence = dependence

    def apply(self, xp, weight, gains, in_window, depression, has_prev, p):
        dep = self.dependence
        potentiation = xp.where(in_window, gains, 0.0).sum(axis=1)
        depression = xp.where(has_prev, depression, 0.0)
        new = (weight + p["A_plus"] * dep.potentiation_scale(xp, weight, p) * potentiation
               - p["A_minus"] * dep.depression_scale(xp, weight, p) * depression)
        return xp.clip(new, p["w_min"], p["w_max"])


class WeightUnitAdditive(AdditiveWeightDependence):
    """sPyNNaker >= 7's additive rule: A+ and A- are weight steps (not x w_max)."""

    def potentiation_scale(self, xp, w, p):
        return 1.0

    def depression_scale(self, xp, w, p):
        return 1.0


class PerPairWeightStep:
    """sPyNNaker >= 7: each potentiating pair in time order, clipped at w_max,
    then the depression, clipped at w_min (weight_additive_one_term_impl.h)."""

    def __init__(self, dependence):
        self.dependence = dependence

    def apply(self, xp, weight, gains, in_window, depression, has_prev, p):
        dep = self.dependence
        for k in range(gains.shape[1]):
            stepped = dep.potentiate(xp, weight, p["A_plus"] * gains[:, k], p)
            weight = xp.where(in_window[:, k], stepped, weight)
        depressed = dep.depress(xp, weight, p["A_minus"] * depression, p)
        return xp.where(has_prev, depressed, weight)


class SpiNNakerSTDPBlock(MagnitudeWeights, ParametricBlock):
    """A ParametricBlock whose weights follow sPyNNaker's deferred STDP update.

    Parameters per synapse: those of the standard SpikePairRule and
    AdditiveWeightDependence; tau_plus and tau_minus must be one value per
    block (sPyNNaker keeps one trace per cell). `on_step` must be registered
    as an engine step hook (it records the postsynaptic spikes).
    """
    parameter_defaults = {**SpikePairRule.parameter_defaults,
                          **AdditiveWeightDependence.parameter_defaults}
    parameter_ranges = {**SpikePairRule.parameter_ranges,
                        **AdditiveWeightDependence.parameter_ranges}

    def __init__(self, xp, n_pre, n_post, receptor_offset, label="", dt=1.0,
                 nearest=False, backprop_delay=True, release=None, weight_rule="additive"):
        super().__init__(xp, n_pre, n_post, receptor_offset, label=label, dt=dt)
        self.nearest = bool(nearest)
        self.backprop_delay = bool(backprop_delay)
        self.release = release_named(release)
        self.timing = self.make_timing(
            [self.parameter_defaults[name] for name in self.timing_constants])
        if weight_rule == "multiplicative":  # pair by pair in every release
            self.step_rule = PerPairWeightStep(MultiplicativeWeightDependence())
        else:
            dependence = (AdditiveWeightDependence() if self.release.a_scaled_by_w_max
                          else WeightUnitAdditive())
            step_rule = PerPairWeightStep if self.release.clips_per_pair else SummedWeightStep
            self.step_rule = step_rule(dependence)
        self._reset_histories()

    def check_parameter_set(self, parameters):
        AdditiveWeightDependence.check(self.label, parameters)

    #: parameters that must be one value per block (sPyNNaker's look-up tables)
    timing_constants = ("tau_plus", "tau_minus")

    def make_timing(self, constants):
        tau_plus, tau_minus = constants
        return PairTiming(self.xp, self.dt, tau_plus, tau_minus, nearest=self.nearest)

    def built(self):
        values = []
        for name in self.timing_constants:
            column = self.get_parameter(name)
            if column.size and np.any(column != column[0]):
                raise ValueError(
                    f"projection '{self.label}': {name} must be one value per projection "
                    f"(sPyNNaker keeps one trace per cell); got {column.min():g} to "
                    f"{column.max():g}")
            values.append(column[0] if column.size else self.parameter_defaults[name])
        self.timing = self.make_timing(values)

    def parameters_changed(self, name):
        if name in self.timing_constants:
            self.built()

    # --- state ------------------------------------------------------------
    def reset(self):
        """Back to the weights before learning, spike histories cleared."""
        super().reset()
        self._reset_histories()

    def _reset_histories(self):
        xp, k = self.xp, MAX_POST_SYNAPTIC_EVENTS
        shape, dtype = self.timing.trace_shape, self.timing.trace_dtype
        self.pre_time = xp.zeros(self.n_pre, dtype=xp.int64)
        self.pre_trace = xp.zeros((self.n_pre,) + shape, dtype=dtype)
        self.post_times = xp.zeros((self.n_post, k), dtype=xp.int64)
        self.post_traces = xp.zeros((self.n_post, k) + shape, dtype=dtype)
        self.post_count = xp.zeros(self.n_post, dtype=xp.int64)
        self._post_step_seen = -1
        self._spikes = None

    def record_post_spikes(self, step, fired):
        """Append the postsynaptic spikes of `step` to each cell's history (once)."""
        if step <= self._post_step_seen:
            return
        self._post_step_seen = step
        if fired is None or fired.size == 0:
            return
        xp, k = self.xp, MAX_POST_SYNAPTIC_EVENTS
        count = self.post_count[fired]
        trace = self.timing.add_post_spike(step, self.post_times[fired, count],
                                           self.post_traces[fired, count])
        full = fired[count >= k - 1]
        if full.size:  # drop the oldest real entry, keep the dummy at index 0
            self.post_times[full, 1:-1] = self.post_times[full, 2:]
            self.post_traces[full, 1:-1] = self.post_traces[full, 2:]
        slot = xp.minimum(count + 1, k - 1)
        self.post_times[fired, slot] = step
        self.post_traces[fired, slot] = trace
        self.post_count[fired] = slot

    def on_step(self, step, fired_by_group):
        self.record_post_spikes(step, fired_by_group.get(self.post_group))

    # --- per step ---------------------------------------------------------
    def propagate(self, step, spikes, ring, extra_steps=None):
        self._spikes = spikes
        super().propagate(step, spikes, ring, extra_steps)

    def post_window(self, step, idx, spike_of_syn):
        """The postsynaptic spikes each synapse of this presynaptic spike pairs
        with (synapse_dynamics_stdp_mad_impl.c): `in_window` marks the history
        entries in (T_last_pre - d, T - d], `latest` the last entry <= T - d
        (`prev_time` its time as the depression reads it)."""
        xp = self.xp
        # with backprop_delay off, post spikes of this very tick are in the window
        last = getattr(self.post_group, "last_fired", (-1, None))
        if last[0] == step:
            self.record_post_spikes(step, last[1])
        spikes = self._spikes
        pre = spikes[spike_of_syn]
        last_pre, last_trace = self.pre_time[pre], self.pre_trace[pre]
        if not self.backprop_delay:
            d = xp.zeros(idx.size, dtype=xp.int64)
        elif isinstance(self.delay, int):
            d = xp.full(idx.size, self.delay, dtype=xp.int64)
        else:
            d = self.delay[idx].astype(xp.int64)
        begin = xp.maximum(last_pre - d, 0)[:, None]
        end = xp.maximum(step - d, 0)[:, None]
        post = self.post[idx]
        times, traces = self.post_times[post], self.post_traces[post]
        column = xp.arange(MAX_POST_SYNAPTIC_EVENTS)[None, :]
        real = (column >= 1) & (column <= self.post_count[post][:, None])
        in_window = real & (times > begin) & (times <= end)
        earlier = real & (times <= end)
        has_prev = earlier.any(axis=1)
        latest = MAX_POST_SYNAPTIC_EVENTS - 1 - xp.argmax(earlier[:, ::-1], axis=1)
        rows = xp.arange(idx.size)
        prev_time, prev_trace = times[rows, latest], traces[rows, latest]
        if self.release.delays_every_depressing_post:
            prev_time = prev_time + d
        else:  # <= 6 (post_events_next_delayed): delayed only if it was in this window
            prev_time = xp.where(in_window[rows, latest], prev_time + d, prev_time)
        return {"pre": pre, "last_pre": last_pre, "last_trace": last_trace, "d": d,
                "times": times, "traces": traces, "in_window": in_window,
                "has_prev": has_prev, "latest": latest, "rows": rows,
                "prev_time": prev_time, "prev_trace": prev_trace}

    def delivered_weights(self, step, idx, spike_of_syn):
        xp, timing = self.xp, self.timing
        win = self.post_window(step, idx, spike_of_syn)
        in_window, has_prev, rows, latest = (win["in_window"], win["has_prev"], win["rows"],
                                             win["latest"])
        gains = win["last_trace"][:, None] * timing.decay_plus(
            win["times"] + win["d"][:, None] - win["last_pre"][:, None])
        depression = win["prev_trace"] * timing.decay_minus(step - win["prev_time"])
        potentiating = in_window
        if self.nearest:  # timing_nearest_pair_impl.h: nearest spikes only
            # potentiation by the first post spike after the previous pre spike,
            first = xp.argmax(in_window, axis=1)
            potentiating = xp.zeros_like(in_window)
            potentiating[rows, first] = in_window[rows, first]
            # depression only if a post spike came since the previous pre spike
            has_prev = has_prev & in_window[rows, latest]
        self.keep_initial_weights()
        p = {name: self.columns[name][idx] for name in self.parameter_defaults}
        weight = self.step_rule.apply(xp, self.weight[idx].astype(float), gains, potentiating,
                                      depression, has_prev, p).astype(self.weight.dtype)
        return self.store_weights(step, idx, weight)

    def store_weights(self, step, idx, weight):
        """Keep the new weights and add this tick's presynaptic spikes to the traces."""
        spikes = self._spikes
        self.weight[idx] = weight
        self.pre_trace[spikes] = self.timing.add_pre_spike(step, self.pre_time[spikes],
                                                           self.pre_trace[spikes])
        self.pre_time[spikes] = step
        return weight
