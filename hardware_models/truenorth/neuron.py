"""The TrueNorth neuron, one tick at a time, as array code (``xp``: numpy or cupy).

Source of every rule: Cassidy et al. 2013, "Cognitive computing building
block: a versatile and efficient digital neuron model for neurosynaptic
cores", IJCNN 2013 ("Cassidy 2013"), equations (1)-(3), as also implemented
by NeMo (Plagge et al. 2016, github.com/markplagge/NeMo, src/neuro/tn_neuron.c,
"NeMo") and, for a subset, by SANA-FE's ``truenorth`` soma model
(SLAM-Lab/SANA-FE src/models.cpp, TrueNorthModel, "SANA-FE"). Symbols as in
Cassidy 2013:

- V_j: the membrane potential, an integer (held as int64 here; the chip's
  register width is not modelled: no source available to this project gives
  it verbatim, so V neither wraps nor saturates -- a modelling choice).
- s_j^G: one signed weight per axon type G = 0..3 (Merolla et al. 2014: four
  axon types), 9-bit signed, i.e. a sign and an 8-bit magnitude, -255..255
  (Cassidy 2013; NeMo stores it as sign sigma times magnitude S).
- b_j^G: stochastic synapse mode per axon type (Cassidy 2013 eq. 1).
- lambda_j: the leak, 9-bit signed, -255..255 (Cassidy 2013); c_j: stochastic
  leak; epsilon_j: leak reversal (Cassidy 2013 eq. 2).
- alpha_j >= 0: positive threshold; beta_j >= 0: negative threshold (the
  neuron is compared with -beta_j); M_j: the threshold's pseudo-random mask;
  gamma_j: reset mode 0 normal (to R_j), 1 linear (subtract the threshold),
  2 none; kappa_j: negative threshold saturates (1) or resets (0); R_j: the
  reset potential (Cassidy 2013 eq. 3; NeMo's reset table).

One tick (Cassidy 2013; NeMo integrates on message receipt and leaks, fires
and resets at the tick's end):

1. synaptic integration, eq. (1): for each active axon i connected to j,
   V += s_j^{G_i} (deterministic) or V += sgn(s) if |s| >= rho (stochastic,
   rho a fresh 8-bit pseudo-random number; NeMo's BINCOMP compares with >=);
2. leak, eq. (2): Omega = 1 (epsilon = 0) or sgn(V) (epsilon = 1, leak
   reversal: a negative lambda pulls V towards 0, a positive one pushes it
   away); V += Omega * lambda (deterministic) or V += Omega * sgn(lambda) if
   |lambda| >= rho (stochastic leak);
3. threshold, fire, reset, eq. (3): eta = rho & M_j. If V >= alpha + eta the
   neuron spikes and V becomes R (gamma 0), V - (alpha + eta) (gamma 1) or
   stays (gamma 2). Else if V < -(beta kappa + (beta + eta)(1 - kappa)), V
   becomes -beta (kappa 1, saturate) or -R, V + (beta + eta), V (gamma 0, 1,
   2). No spike is sent for the negative threshold.

SANA-FE's model differs in two ways that matter for a cross-check (read
from src/models.cpp): it applies the leak before the synaptic input (so the
sign used by leak reversal is the sign before integration; ``leak_first``
selects that order here), and its linear reset subtracts the threshold
without the random eta (identical when M = 0). Its negative "soft" reset
adds the (negative) reverse threshold, moving V away from zero, which is not
Cassidy's rule and is not reproduced.
"""
from dataclasses import dataclass, fields

import numpy as np

from ..errors import HardwareConstraintError
from .prng import STREAM_LEAK, STREAM_SYNAPSE, STREAM_THRESHOLD, draw

RESET_NORMAL = 0
RESET_LINEAR = 1
RESET_NONE = 2
RESET_MODES = {"normal": RESET_NORMAL, "linear": RESET_LINEAR, "none": RESET_NONE}

AXON_TYPES = 4          # Merolla et al. 2014: four axon types per core
WEIGHT_MAX = 255        # Cassidy 2013: 9-bit signed weights, sign + 8-bit magnitude
LEAK_MAX = 255          # Cassidy 2013: 9-bit signed leak
RHO_MASK = 0xFF         # stochastic synapse/leak compare an 8-bit magnitude with an 8-bit number
MASK_MAX = 0xFFFFFFFF   # pycarl's draws are 32-bit (prng.py): the largest threshold mask


@dataclass
class NeuronParams:
    """Per-neuron TrueNorth parameters (arrays of length n; weights (n, 4))."""
    weights: np.ndarray             # s_j^G, int, (n, 4)
    threshold: np.ndarray           # alpha_j, int >= 0
    leak: np.ndarray = None         # lambda_j, int
    leak_reversal: np.ndarray = None    # epsilon_j, bool
    stochastic_leak: np.ndarray = None  # c_j, bool
    stochastic_synapse: np.ndarray = None  # b_j^G, bool, (n, 4)
    neg_threshold: np.ndarray = None    # beta_j, int >= 0
    threshold_mask: np.ndarray = None   # M_j, int >= 0
    reset_mode: np.ndarray = None       # gamma_j in {0, 1, 2}
    neg_saturate: np.ndarray = None     # kappa_j, bool
    reset: np.ndarray = None            # R_j, int

    def __post_init__(self):
        w = np.asarray(self.weights)
        if w.ndim != 2 or w.shape[1] != AXON_TYPES:
            raise HardwareConstraintError(
                f"TrueNorth weights must have shape (n, {AXON_TYPES}) (one weight per axon "
                f"type), got {w.shape}")
        n = w.shape[0]
        defaults = {"leak": 0, "leak_reversal": False, "stochastic_leak": False,
                    "neg_threshold": 0, "threshold_mask": 0, "reset_mode": RESET_NORMAL,
                    "neg_saturate": True, "reset": 0}
        self.weights = _integers("weights", w)
        self.stochastic_synapse = (np.zeros((n, AXON_TYPES), bool)
                                   if self.stochastic_synapse is None else
                                   np.broadcast_to(np.asarray(self.stochastic_synapse, bool),
                                                   (n, AXON_TYPES)).copy())
        self.threshold = _integers("threshold", np.broadcast_to(self.threshold, (n,)))
        for name, default in defaults.items():
            value = getattr(self, name)
            value = np.broadcast_to(default if value is None else value, (n,))
            if isinstance(default, bool):
                value = np.asarray(value, bool).copy()
            else:
                value = _integers(name, value)
            setattr(self, name, value)
        _check_range("weights", self.weights, -WEIGHT_MAX, WEIGHT_MAX, "Cassidy 2013: 9-bit signed")
        _check_range("leak", self.leak, -LEAK_MAX, LEAK_MAX, "Cassidy 2013: 9-bit signed")
        _check_range("threshold", self.threshold, 0, None, "Cassidy 2013: unsigned")
        _check_range("neg_threshold", self.neg_threshold, 0, None, "Cassidy 2013: unsigned")
        _check_range("threshold_mask", self.threshold_mask, 0, MASK_MAX, "32-bit draws")
        _check_range("reset_mode", self.reset_mode, 0, 2, "0 normal, 1 linear, 2 none")

    @property
    def size(self):
        return self.weights.shape[0]

    def to(self, xp):
        """The same parameters as arrays of ``xp`` (numpy or cupy)."""
        out = object.__new__(NeuronParams)   # already checked: skip __post_init__
        for f in fields(self):
            setattr(out, f.name, xp.asarray(getattr(self, f.name)))
        return out

    @classmethod
    def concatenate(cls, parts):
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in fields(cls)})


def _integers(name, value):
    a = np.asarray(value)
    if a.dtype.kind in "US":
        if name == "reset_mode":
            bad = sorted(set(a.ravel()) - set(RESET_MODES))
            if bad:
                raise HardwareConstraintError(
                    f"TrueNorth reset_mode {str(bad[0])!r} unknown; "
                    f"valid: {', '.join(RESET_MODES)}")
            return np.array([RESET_MODES[m] for m in a.ravel()], np.int64).reshape(a.shape)
        raise HardwareConstraintError(f"TrueNorth {name} must be integers, got {a.dtype}")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            bad = a[~np.isfinite(a) | (a != np.round(a))].ravel()[0]
            raise HardwareConstraintError(
                f"TrueNorth {name} must be integers (the chip computes in integers), got {bad}")
    return a.astype(np.int64).copy()


def _check_range(name, a, lo, hi, why):
    if a.size == 0:
        return
    if (lo is not None and a.min() < lo) or (hi is not None and a.max() > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        worst = a.min() if lo is not None and a.min() < lo else a.max()
        raise HardwareConstraintError(
            f"TrueNorth {name} must be {rng} ({why}); got {int(worst)}")


def _sign(xp, x):
    return (x > 0).astype(xp.int64) - (x < 0).astype(xp.int64)


def synaptic_charge(xp, params, neuron, axon_type, core, seed, tick, event_index):
    """Charge each synaptic event adds (Cassidy 2013 eq. 1).

    Event k: active axon of type ``axon_type[k]`` meets neuron ``neuron[k]``
    through a crossbar 1; ``event_index[k]`` numbers it within its core for
    the pseudo-random draw of a stochastic synapse.
    """
    w = params.weights[neuron, axon_type]
    stochastic = params.stochastic_synapse[neuron, axon_type]
    if not bool(stochastic.any()):
        return w
    rho = draw(xp, seed, core, tick, STREAM_SYNAPSE, event_index) & RHO_MASK
    return xp.where(stochastic, _sign(xp, w) * (xp.abs(w) >= rho), w)


def integrate_synapses(xp, V, params, neuron, axon_type, core, seed, tick, event_index):
    """V after adding every synaptic event of this tick."""
    q = synaptic_charge(xp, params, neuron, axon_type, core, seed, tick, event_index)
    if neuron.size == 0:
        return V
    return V + xp.bincount(neuron, weights=q.astype(xp.float64),
                           minlength=V.size)[:V.size].round().astype(xp.int64)


def leak(xp, V, params, core, seed, tick, neuron_index):
    """V after the leak (Cassidy 2013 eq. 2)."""
    lam = params.leak
    omega = xp.where(params.leak_reversal, _sign(xp, V), 1)
    step = lam
    if bool(params.stochastic_leak.any()):
        rho = draw(xp, seed, core, tick, STREAM_LEAK, neuron_index) & RHO_MASK
        step = xp.where(params.stochastic_leak, _sign(xp, lam) * (xp.abs(lam) >= rho), lam)
    return V + omega * step


@dataclass
class ThresholdResult:
    V: object          # the potential after reset
    fired: object      # bool per neuron


def threshold_and_reset(xp, V, params, core, seed, tick, neuron_index):
    """Fire and reset (Cassidy 2013 eq. 3)."""
    eta = 0
    if bool((params.threshold_mask != 0).any()):
        eta = draw(xp, seed, core, tick, STREAM_THRESHOLD, neuron_index) & params.threshold_mask
    alpha, beta, R = params.threshold, params.neg_threshold, params.reset
    gamma, kappa = params.reset_mode, params.neg_saturate
    pos = alpha + eta
    fired = V >= pos
    pos_reset = xp.where(gamma == RESET_NORMAL, R, xp.where(gamma == RESET_LINEAR, V - pos, V))
    neg_bound = xp.where(kappa, beta, beta + eta)
    below = ~fired & (V < -neg_bound)
    neg_reset = xp.where(kappa, -beta,
                         xp.where(gamma == RESET_NORMAL, -R,
                                  xp.where(gamma == RESET_LINEAR, V + beta + eta, V)))
    V = xp.where(fired, pos_reset, xp.where(below, neg_reset, V))
    return ThresholdResult(V=V, fired=fired)
