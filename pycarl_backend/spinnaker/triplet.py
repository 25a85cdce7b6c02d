"""sPyNNaker's triplet STDP rule (Pfister & Gerstner 2006, minimal triplet model).

    extra_models.PfisterSpikeTriplet(tau_plus, tau_minus, tau_x, tau_y, A_plus, A_minus)
    extra_models.WeightDependenceAdditiveTriplet(w_min, w_max, A3_plus, A3_minus)

as sPyNNaker computes it; the one is useless without the other (the timing
rule has two weight terms, the weight rule takes two), and pairing either with
a one-term partner is refused as sPyNNaker refuses it
(`TripletPairingError`).

What the machine does (neural_modelling timing_pfister_triplet_impl.h,
weight_additive_two_term_impl.h, maths.h; host side
timing_dependence_pfister_spike_triplet.py, weight_dependence_additive_triplet.py
and common.get_exp_lut_array of sPyNNaker 7.4.1):

* traces are 16-bit integers in STDP fixed point (2048 = 1.0): per
  presynaptic cell r1 (tau_plus) and r2 (tau_x), per postsynaptic spike o1
  (tau_minus) and o2 (tau_y). At a spike, r1 <- r1 * decay + 1;
  r2 <- (r2 + 1) * decay, i.e. r2 as it was just BEFORE this spike (0 at the
  first spike, and whenever the previous spike was at tick 0, as the C tests
  `last_time == 0`); o1/o2 the same way;
* a decay over n ticks is the look-up table entry lut[n >> shift] (0 beyond
  the table): lut[i] = floor(2048 exp(-(i << shift) dt / tau)), shift 0 for
  tau_plus/tau_minus and 2 for tau_x/tau_y; a product of two fixed-point
  numbers is (a * b) >> 11 (STDP_FIXED_MUL_16X16);
* as for the pair rules (plasticity.py), the update is deferred to the next
  presynaptic spike T: each postsynaptic spike t_post of the window
  (T_last_pre - d, T - d] potentiates by
  A2+ r1' + A3+ (r1' o2) with r1' = r1(T_last_pre) decayed by
  t_post + d - T_last_pre and o2 that spike's o2 (the triplet term: an earlier
  postsynaptic spike); then the latest postsynaptic spike <= T - d depresses by
  A2- o1' + A3- (o1' r2) with o1' its o1 decayed by T - t_last and r2 the
  presynaptic r2 of this spike (the triplet term: an earlier presynaptic spike);
* A2+ = A_plus w_max, A2- = A_minus w_max, A3+ = A3_plus w_max,
  A3- = A3_minus w_max: weight_dependence_additive_triplet.py pre-multiplies all
  four by w_max, also in 7.x;
* sPyNNaker >= 7 clips after each step (potentiation at w_max, depression at
  w_min) and applies the depression only once the cell has a postsynaptic
  spike (synapse_dynamics_stdp_mad_impl.c, prev_time_valid); sPyNNaker <= 6
  sums the steps and clips once (releases.py).

The weight itself is kept in floating point, as for the pair rules.
"""
import math

import numpy as np
from pyNN.standardmodels import STDPTimingDependence, STDPWeightDependence, build_translations

from .exceptions import SynapticConfigurationException
from .plasticity import SpiNNakerSTDPBlock

STDP_FIXED_POINT = 11                   # stdp_typedefs.h
STDP_FIXED_POINT_ONE = 1 << STDP_FIXED_POINT
TAU_XY_LUT_SHIFT = 2                    # get_exp_lut_array(ts, tau_x/tau_y, shift=2)


class TripletPairingError(SynapticConfigurationException, NotImplementedError):
    """A triplet rule paired with a one-term partner. sPyNNaker 7.4.1 raises
    NotImplementedError when it sizes the weight rule's data
    (get_parameters_sdram_usage_in_bytes); pycarl raises it when the
    STDPMechanism is made."""


def exp_decay_lut(dt, tau, shift=0):
    """sPyNNaker's exponential decay table (common.get_exp_lut_array): an even
    number of entries reaching down to one fixed-point unit, entry i is
    floor(2048 exp(-(i << shift) dt / tau))."""
    rate = float(dt) / float(tau)
    size, extra = divmod(math.log(STDP_FIXED_POINT_ONE) / rate / (1 << shift), 2)
    size = (int(size) + (extra > 0)) * 2
    values = np.exp((np.arange(size, dtype=np.int64) << shift) * -rate)
    return np.floor(values * STDP_FIXED_POINT_ONE).astype(np.int64)


def wrap16(values):
    """Keep the low 16 bits as a signed value (int16_t fields, __smulbb operands)."""
    return ((values + 32768) & 0xFFFF) - 32768


def fixed_mul16(a, b):
    """STDP_FIXED_MUL_16X16: the low halves multiplied, shifted down by 11."""
    return (wrap16(a) * wrap16(b)) >> STDP_FIXED_POINT


class DecayTable:
    """One look-up table with its time shift (maths_lut_exponential_decay)."""

    def __init__(self, xp, dt, tau, shift=0):
        self.xp, self.shift = xp, shift
        self.values = xp.asarray(exp_decay_lut(dt, tau, shift))

    def __call__(self, ticks):
        xp = self.xp
        ticks = xp.asarray(ticks, dtype=xp.int64)
        index = ticks >> self.shift
        # a negative difference is a huge unsigned one on the machine: beyond the table
        inside = (ticks >= 0) & (index < self.values.size)
        return xp.where(inside, self.values[xp.clip(index, 0, self.values.size - 1)], 0)


class TripletTiming:
    """Pfister triplet traces on integer ticks; a trace is (first, second) =
    (r1, r2) for presynaptic cells, (o1, o2) for postsynaptic spikes."""
    trace_shape, trace_dtype = (2,), np.int64

    def __init__(self, xp, dt, tau_plus, tau_minus, tau_x, tau_y):
        self.xp = xp
        self.decay_plus = DecayTable(xp, dt, tau_plus)
        self.decay_minus = DecayTable(xp, dt, tau_minus)
        self.decay_x = DecayTable(xp, dt, tau_x, TAU_XY_LUT_SHIFT)
        self.decay_y = DecayTable(xp, dt, tau_y, TAU_XY_LUT_SHIFT)

    def _add_spike(self, time, last_time, last_trace, decay_fast, decay_slow):
        xp = self.xp
        delta = xp.asarray(time - last_time, dtype=xp.int64)
        first = fixed_mul16(last_trace[..., 0], decay_fast(delta)) + STDP_FIXED_POINT_ONE
        second = fixed_mul16(last_trace[..., 1] + STDP_FIXED_POINT_ONE, decay_slow(delta))
        second = xp.where(xp.asarray(last_time) == 0, 0, second)
        return wrap16(xp.stack([first, second], axis=-1))

    def add_pre_spike(self, time, last_time, last_trace):
        return self._add_spike(time, last_time, last_trace, self.decay_plus, self.decay_x)

    def add_post_spike(self, time, last_time, last_trace):
        return self._add_spike(time, last_time, last_trace, self.decay_minus, self.decay_y)


class TripletWeightStep:
    """Two-term additive weight update (weight_additive_two_term_impl.h): each
    term is A * (fixed-point value / 2048) with A pre-multiplied by w_max."""

    def __init__(self, clips_per_pair):
        self.clips_per_pair = bool(clips_per_pair)

    def apply(self, xp, weight, pot, pot_triplet, potentiating, dep, dep_triplet, has_prev, p):
        one = float(STDP_FIXED_POINT_ONE)
        w_min, w_max = p["w_min"], p["w_max"]
        steps_up = (p["A_plus"] * w_max)[:, None] * pot / one \
            + (p["A3_plus"] * w_max)[:, None] * pot_triplet / one
        step_down = (p["A_minus"] * w_max) * dep / one + (p["A3_minus"] * w_max) * dep_triplet / one
        if not self.clips_per_pair:  # <= 6: summed, clipped once (weight_get_final)
            total = weight + xp.where(potentiating, steps_up, 0.0).sum(axis=1) - step_down
            return xp.clip(total, w_min, w_max)
        for k in range(pot.shape[1]):  # >= 7: MIN at w_max after each potentiation
            weight = xp.where(potentiating[:, k], xp.minimum(weight + steps_up[:, k], w_max),
                              weight)
        # MAX at w_min after the depression, which >= 7 applies only once a post spike
        # exists (synapse_dynamics_stdp_mad_impl.c: post_window.prev_time_valid)
        return xp.where(has_prev, xp.maximum(weight - step_down, w_min), weight)


class TripletSTDPBlock(SpiNNakerSTDPBlock):
    """A SpiNNakerSTDPBlock with the triplet traces and the two-term weight rule.

    sPyNNaker's PfisterSpikeTriplet has no defaults; PyNN's parameter space
    needs some: the time constants of Pfister & Gerstner (2006), Table 4,
    minimal all-to-all model fitted to visual cortex data."""
    parameter_defaults = {"tau_plus": 16.8, "tau_minus": 33.7, "tau_x": 101.0, "tau_y": 125.0,
                          "A_plus": 0.01, "A_minus": 0.01,
                          "w_min": 0.0, "w_max": 1.0, "A3_plus": 0.01, "A3_minus": 0.01}
    parameter_ranges = {**{name: (0.0, None, False)
                           for name in ("tau_plus", "tau_minus", "tau_x", "tau_y")},
                        **{name: (0.0, None, True)
                           for name in ("A_plus", "A_minus", "A3_plus", "A3_minus")}}
    timing_constants = ("tau_plus", "tau_minus", "tau_x", "tau_y")

    def __init__(self, xp, n_pre, n_post, receptor_offset, label="", dt=1.0,
                 nearest=False, backprop_delay=True, release=None, weight_rule="triplet"):
        super().__init__(xp, n_pre, n_post, receptor_offset, label=label, dt=dt,
                         nearest=False, backprop_delay=backprop_delay, release=release)
        self.step_rule = TripletWeightStep(self.release.clips_per_pair)

    def make_timing(self, constants):
        return TripletTiming(self.xp, self.dt, *constants)

    def delivered_weights(self, step, idx, spike_of_syn):
        xp, timing = self.xp, self.timing
        win = self.post_window(step, idx, spike_of_syn)
        last_pre, last_trace, d = win["last_pre"], win["last_trace"], win["d"]
        # potentiation: every post spike of the window (timing_apply_post_spike)
        since_pre = win["times"] + d[:, None] - last_pre[:, None]
        r1 = fixed_mul16(last_trace[:, 0][:, None], timing.decay_plus(since_pre))
        r1_o2 = fixed_mul16(r1, win["traces"][:, :, 1])
        potentiating = win["in_window"] & (since_pre > 0)
        # depression: the latest post spike against this spike's r2 (timing_apply_pre_spike)
        new_trace = timing.add_pre_spike(step, last_pre, last_trace)
        prev_o1 = xp.where(win["has_prev"], win["prev_trace"][:, 0], 0)  # else the dummy: 0
        o1 = fixed_mul16(prev_o1, timing.decay_minus(step - win["prev_time"]))
        o1_r2 = fixed_mul16(o1, new_trace[:, 1])
        self.keep_initial_weights()
        p = {name: self.columns[name][idx] for name in self.parameter_defaults}
        weight = self.step_rule.apply(xp, self.weight[idx].astype(float), r1, r1_o2,
                                      potentiating, o1, o1_r2, win["has_prev"],
                                      p).astype(self.weight.dtype)
        return self.store_weights(step, idx, weight)


def _identity(*names):
    return build_translations(*[(name, name) for name in names])


class PfisterSpikeTriplet(STDPTimingDependence):
    """sPyNNaker's triplet timing rule (extra_models.PfisterSpikeTriplet); pair it
    with WeightDependenceAdditiveTriplet."""
    default_parameters = {name: TripletSTDPBlock.parameter_defaults[name]
                          for name in ("tau_plus", "tau_minus", "tau_x", "tau_y",
                                       "A_plus", "A_minus")}
    translations = _identity(*default_parameters)
    nearest = False
    weight_terms = 2

    def __init__(self, tau_plus, tau_minus, tau_x, tau_y, A_plus, A_minus):
        super().__init__(tau_plus=tau_plus, tau_minus=tau_minus, tau_x=tau_x, tau_y=tau_y,
                         A_plus=A_plus, A_minus=A_minus)


class WeightDependenceAdditiveTriplet(STDPWeightDependence):
    """sPyNNaker's two-term additive weight rule (extra_models.WeightDependenceAdditiveTriplet)."""
    default_parameters = {"w_min": 0.0, "w_max": 1.0, "A3_plus": 0.01, "A3_minus": 0.01}
    translations = _identity(*default_parameters)
    rule = "triplet"
    weight_terms = 2

    def __init__(self, w_min=0.0, w_max=1.0, A3_plus=0.01, A3_minus=0.01):
        super().__init__(w_min=w_min, w_max=w_max, A3_plus=A3_plus, A3_minus=A3_minus)


def check_weight_terms(timing_dependence, weight_dependence):
    """sPyNNaker's rule: the weight rule takes as many terms as the timing rule
    gives (two for the triplet rule, one for the pair rules)."""
    given = getattr(timing_dependence, "weight_terms", 1)
    taken = getattr(weight_dependence, "weight_terms", 1)
    if given != taken:
        raise TripletPairingError(
            f"STDPMechanism: {type(timing_dependence).__name__} gives {given} weight "
            f"term{'s' if given > 1 else ''} but {type(weight_dependence).__name__} takes "
            f"{taken}; pair PfisterSpikeTriplet with WeightDependenceAdditiveTriplet, and the "
            f"pair rules with AdditiveWeightDependence or MultiplicativeWeightDependence "
            f"(sPyNNaker: 'Additive weight dependence only supports "
            f"{'one term' if taken == 1 else 'one or two terms'}')")
