"""PyNN cells computed as TrueNorth neurons (the seam: hardware_models/arithmetic.py).

Translation (units: one integer potential unit is q mV; V = 0 is v_rest):

- the zero of the integer potential is v_rest where v_rest < v_thresh, else v_reset
  (a resting potential above threshold, as in Vogels-Abbott's CUBA, makes the
  leak an upward drift); below, "v_rest" means that zero.
- q = max over the population of (v_thresh - v_rest) / ``truenorth.threshold_units``
  (chip YAML, a modelling choice: the threshold gets that many units, so a
  weight resolves to q mV and the largest weight, 255 units, is ~the
  threshold gap).
- alpha = round((v_thresh - v_rest) / q); R = round((v_reset - v_rest) / q);
  reset mode normal (Cassidy 2013 gamma 0); negative threshold: saturate
  (kappa 1) at beta = ``truenorth.floor_units`` below rest (a modelling
  choice: PyNN's membrane has no floor, TrueNorth needs one).
- IF_curr_delta: a weight w (mV) adds w / q units, exact when w is a
  multiple of q. IF_curr_exp: the synaptic current is delivered as an
  instantaneous charge, w tau_syn / cm mV (the integral of the exponential
  current; an approximation: the rise and decay within the PSC are lost).
- membrane leak: TrueNorth's leak is linear. tau_m is approximated by a leak
  towards rest (leak reversal, Cassidy 2013 eq. 2) of lambda = -round(alpha *
  (1 - exp(-tick / tau_m)) / 2) units per tick: the exponential decay per
  tick averaged over the membrane range 0..alpha (least-squares constant fit).
  Exact only when the fitted leak rounds to zero (a very long tau_m: a
  perfect integrator, as in the end-to-end test).
- i_offset: TrueNorth has one leak register; a bias is folded into it as a
  constant drift (no leak reversal): lambda = round(i_offset tick / cm / q -
  fitted leak) (an approximation: the leak then no longer depends on V).
  With rest above threshold the drift is the exponential leak's mean over
  v_reset..v_thresh, (v_rest - (v_reset + v_thresh) / 2)(1 - exp(-tick/tau_m)).
- tau_refrac longer than one tick is not modelled (TrueNorth has no
  refractory state); the notes say so.
- one axon type per projection on each core (Merolla 2014: 4 types per
  core); a neuron's weight for that type is the mean of the projection's
  weights onto it (exact when a projection gives each neuron one weight).
- delays: rounded to whole ticks, at least 1 (nothing reaches a neuron in the
  tick it was sent), at most 15 (Merolla 2014).
"""

import numpy as np

from ..arithmetic import ChipNeurons, ChipSynapses
from ..errors import HardwareConstraintError
from .neuron import (AXON_TYPES, RESET_NORMAL, WEIGHT_MAX, NeuronParams, leak,
                     threshold_and_reset)
from .network import DELAY_MAX

SUPPORTED = ("IF_curr_delta", "IF_curr_exp")


class TrueNorthCells(ChipNeurons):
    chip = "TrueNorth"
    receptors = tuple(f"axon_type_{g}" for g in range(AXON_TYPES))
    recordables = {"v": "mV"}

    def __init__(self, xp, population, spec, dt_ms, step_ms, cores, rng):
        super().__init__(xp, population, spec, dt_ms, step_ms, cores, rng)
        kind = population.celltype
        if kind not in SUPPORTED:
            raise HardwareConstraintError(
                f"TrueNorth: population '{self.label}' is {kind}; TrueNorth's integer neuron "
                f"computes {', '.join(SUPPORTED)} (translated, see hardware_models/truenorth/"
                f"pynn_cells.py); use hardware_options={{'cells': 'software'}} to keep "
                f"{kind} as floating-point cells on the chip's network")
        tick = self.step_ms
        v_rest, v_thresh = self.parameter("v_rest"), self.parameter("v_thresh")
        v_reset = self.parameter("v_reset")
        # the potential's zero: rest where rest lies below threshold (the leak pulls towards
        # it), else the reset potential (rest above threshold: the leak is a drift upwards)
        below = v_rest < v_thresh
        zero = np.where(below, v_rest, v_reset)
        gap = v_thresh - zero
        if np.any(gap <= 0):
            j = int(np.argmin(gap))
            raise HardwareConstraintError(
                f"TrueNorth: population '{self.label}'[{j}] needs v_thresh above v_rest or "
                f"v_reset (v_thresh {v_thresh[j]:g}, v_rest {v_rest[j]:g}, v_reset "
                f"{v_reset[j]:g} mV)")
        units = int(spec.get("truenorth.threshold_units"))
        self.q = float(gap.max()) / units
        self.rest = zero
        alpha = np.rint(gap / self.q).astype(np.int64)
        R = np.rint((v_reset - zero) / self.q).astype(np.int64)
        tau_m, cm = self.parameter("tau_m"), self.parameter("cm")
        self.cm = cm
        decay = -np.expm1(-tick / tau_m)              # fraction of (v - v_rest) lost per tick
        towards_rest = alpha * decay / 2.0             # mean over 0..alpha, in units
        # rest above threshold: mean of (v_rest - v) * decay over v_reset..v_thresh, in units
        upwards = (v_rest - (v_reset + v_thresh) / 2.0) * decay / self.q
        bias = self.parameter("i_offset") * tick / cm / self.q
        drift = ~below | (bias != 0)
        lam = np.rint(np.where(below, bias - towards_rest, bias + upwards))
        lam = np.where(drift, lam, np.rint(-towards_rest)).astype(np.int64)
        self.notes.append(
            f"TrueNorth: '{self.label}' ({kind}) as integer neurons: 1 unit = {self.q:.4g} mV, "
            f"threshold {int(alpha.max())} units, leak {int(lam.min())}..{int(lam.max())} units "
            f"per {tick:g} ms tick ({int(drift.sum())} cells with a constant drift (i_offset or "
            f"rest above threshold), the others towards rest; linear fit of tau_m)")
        if kind == "IF_curr_exp":
            self.notes.append(f"TrueNorth: '{self.label}': exponential synaptic currents "
                              f"delivered as their total charge w*tau_syn/cm in one tick")
        if np.any(self.parameter("tau_refrac") > tick):
            self.notes.append(f"TrueNorth: '{self.label}': tau_refrac > {tick:g} ms not modelled")
        self.round = bool(spec.get("truenorth.weight_rounding"))
        if not self.round:
            self.notes.append(f"TrueNorth: '{self.label}': weights not rounded "
                              f"(truenorth.weight_rounding false): the potential holds "
                              f"fractions of a unit and weights are not limited to 9 bits")
        self.weights = np.zeros((self.size, AXON_TYPES), np.int64 if self.round else float)
        self.floor = int(spec.get("truenorth.floor_units"))
        self._base = dict(threshold=alpha, leak=lam, leak_reversal=~drift,
                          reset=R, reset_mode=RESET_NORMAL, neg_threshold=self.floor,
                          neg_saturate=True)
        self._types = {}          # (core, projection label) -> axon type
        self.seed = int(rng.integers(2 ** 63))
        v0 = population.initial_values.get("v", v_rest)
        self.V0 = (np.broadcast_to(v0, (self.size,)) - zero) / self.q
        self.V0 = np.rint(self.V0).astype(np.int64) if self.round else self.V0.astype(float)
        self._params = None
        self.reset()

    # ------------------------------------------------------------ projections
    def synapses(self, projection):
        first = self.population.first_index
        post = np.asarray(projection.target, np.int64) - first
        w = np.asarray(projection.weight, np.float64)
        if self.population.celltype == "IF_curr_exp":
            tau = self.parameter("tau_syn_I" if projection.receptor == "inhibitory"
                                 else "tau_syn_E")
            w = w * tau[post] / self.cm[post]
        units = w / self.q
        core = self.cores[post]
        types = np.empty(post.size, np.int64)
        for c in np.unique(core):
            on = core == c
            used = {t for (cc, _), t in self._types.items() if cc == c}
            key = (int(c), projection.label)
            if key not in self._types:
                if len(used) >= AXON_TYPES:
                    names = [p for (cc, p) in self._types if cc == c] + [projection.label]
                    raise HardwareConstraintError(
                        f"TrueNorth has {AXON_TYPES} axon types per core (Merolla 2014); core "
                        f"{int(c)} ('{self.label}') would need {len(names)}: one per projection "
                        f"{', '.join(repr(n) for n in names)}")
                self._types[key] = len(used)
            types[on] = self._types[key]
        per = np.bincount(post, weights=units, minlength=self.size)
        count = np.bincount(post, minlength=self.size)
        mean = np.divide(per, count, out=np.zeros(self.size), where=count > 0)
        s = np.rint(mean).astype(np.int64) if self.round else mean
        if self.round and np.abs(s).max(initial=0) > WEIGHT_MAX:
            j = int(np.argmax(np.abs(s)))
            raise HardwareConstraintError(
                f"TrueNorth weights are 9-bit signed, -255..255 units (Cassidy 2013); projection "
                f"'{projection.label}' needs {int(s[j])} units ({mean[j] * self.q:.4g} mV at "
                f"{self.q:.4g} mV per unit) onto '{self.label}'[{j}]")
        for t in np.unique(types):
            sel = np.unique(post[types == t])
            self.weights[sel, t] = s[sel]
        self._params = None
        ticks = np.rint(np.asarray(projection.delay_steps, np.float64) * self.dt_ms
                        / self.step_ms).astype(np.int64)
        ticks = np.maximum(ticks, 1)
        if ticks.size and ticks.max() > DELAY_MAX:
            raise HardwareConstraintError(
                f"TrueNorth axonal delays are 1-{DELAY_MAX} ticks of {self.step_ms:g} ms "
                f"(Merolla 2014); projection '{projection.label}' has a delay of "
                f"{ticks.max() * self.step_ms:g} ms ({int(ticks.max())} ticks)")
        exact = np.allclose(s[post], units)
        notes = () if exact else (
            f"TrueNorth: projection '{projection.label}' weights rounded to whole units of "
            f"{self.q:.4g} mV (largest error {np.abs(s[post] - units).max() * self.q:.3g} mV)",)
        return ChipSynapses(weight=s[post].astype(np.float64), delay_steps=ticks,
                            receptor=types, notes=notes)

    # ------------------------------------------------------------------ step
    def params(self):
        if self._params is None:
            # the charge arrives summed per axon type (step's inputs): the per-type weights
            # live in the synapses' values, so the neuron's own weight table stays empty here
            self._params = NeuronParams(weights=np.zeros((self.size, AXON_TYPES), np.int64),
                                        **self._base).to(self.xp)
        return self._params

    def step(self, inputs, i_ext):
        xp, p = self.xp, self.params()
        charge = sum(inputs[r] for r in self.receptors)
        if i_ext is not None:
            charge = charge + i_ext * self.step_ms / self._cm / self.q
        V = self.state["V"] + (xp.rint(charge).astype(xp.int64) if self.round else charge)
        V = leak(xp, V, p, self._cores, self.seed, self.tick, self._local)
        res = threshold_and_reset(xp, V, p, self._cores, self.seed, self.tick, self._local)
        self.state["V"] = res.V
        self.tick += 1
        return xp.flatnonzero(res.fired)

    def value(self, name):
        if name == "v":
            return self._rest + self.q * self.state["V"].astype(self.xp.float64)
        return super().value(name)

    def reset(self):
        xp = self.xp
        self.state = {"V": xp.asarray(self.V0.copy())}
        self.tick = 0
        self._cores = xp.asarray(self.cores.astype(np.int64))
        self._local = xp.arange(self.size, dtype=xp.int64)
        self._rest = xp.asarray(self.rest)
        self._cm = xp.asarray(self.cm)
