"""How Loihi stores synaptic weights and delays (numbers with their sources).

Weights (brian2-loihi ``loihi_synapses.py``, ``calcActualWeights``; Lava
``src/lava/proc/dense/models.py`` PyDenseModelBitAcc with ``truncate_weights``;
Davies et al. 2018, Sec. "Core architecture": 1-9 bit weights with a shared
exponent per synapse group):

- a synapse holds a mantissa ``m`` of ``num_weight_bits`` (1..8) bits plus,
  in the *mixed* sign mode, a sign bit that takes one of them: the ranges are
  excitatory 0..255, inhibitory -256..0, mixed -256..254, and the mantissa is
  truncated to a multiple of ``2 ** (8 - (num_weight_bits - is_mixed))``
  (so mixed-sign synapses keep one bit less of magnitude);
- a weight exponent ``w_exp`` in -8..7 per synapse group scales it:
  ``w_act = floor(m * 2 ** (6 + w_exp) / 64) * 64``, clipped to
  +-(2 ** 21 - 64) (21 bits, the low 6 zero): the value added to the
  compartment's current u per spike.

Delays (brian2-loihi ``LoihiSynapses``: ``delay`` 0..62; NxSDK's 6-bit delay
field): a spike sent in timestep t reaches its synapse's compartment in
timestep t + 1 + delay (brian2-loihi's schedule, 'thresholds' before
'synapses'; checked in tests/test_loihi_vs_brian2loihi.py).
"""
import numpy as np

from ..errors import HardwareConstraintError

MANTISSA_RANGE = {"excitatory": (0, 255), "inhibitory": (-256, 0), "mixed": (-256, 254)}
W_EXP_RANGE = (-8, 7)
W_ACT_LIMIT = 2 ** 21 - 2 ** 6
MAX_DELAY = 62


def sign_mode(weights):
    w = np.asarray(weights)
    if w.size == 0 or np.all(w >= 0):
        return "excitatory"
    if np.all(w <= 0):
        return "inhibitory"
    return "mixed"


def precision(mode, num_weight_bits):
    """The mantissa's step: 2 ** (8 - (bits - is_mixed)) (brian2-loihi __getWeightPrecision)."""
    return 2 ** (8 - (int(num_weight_bits) - (1 if mode == "mixed" else 0)))


def actual_weight(mantissa, w_exp, mode, num_weight_bits):
    """w_act of integer mantissas, as the chip computes it (brian2-loihi calcActualWeights)."""
    p = precision(mode, num_weight_bits)
    m = np.trunc(np.asarray(mantissa, dtype=np.float64) / p) * p
    scaled = m * 2.0 ** (6 + int(w_exp))
    return np.clip(np.floor(scaled / 64.0) * 64.0, -W_ACT_LIMIT, W_ACT_LIMIT)


def encode(target_units, label, num_weight_bits=8, exact=False, w_exp_range=W_EXP_RANGE):
    """Loihi weights nearest to `target_units` (float, in u units) for one projection.

    One sign mode and one weight exponent for the projection (a synapse group).
    The exponent is the smallest in 0..7 whose mantissa range holds the
    largest weight (a negative exponent only drops bits, as floor(m 2**e) shows);
    mantissas round to the nearest allowed value (pycarl's choice; the chip
    itself truncates what it is given). `exact`: weights rounded to whole u
    units (within +-w_act limit), finer than any weight the chip can store (its
    finest step is 64 units, the 6-bit shift of w_act): the integer dynamics
    without the chip's weight rounding (a what-if, for `pycarl compare`).

    Returns (w_act float64 array, description dict, mantissa array or None)."""
    t = np.asarray(target_units, dtype=np.float64)
    mode = sign_mode(t)
    if t.size == 0:
        encoding = {"sign_mode": mode, "w_exp": 0, "num_weight_bits": num_weight_bits}
        return t.copy(), encoding, t.copy()
    if exact:
        w = np.clip(np.rint(t), -W_ACT_LIMIT, W_ACT_LIMIT)
        return w, {"sign_mode": mode, "w_exp": None, "num_weight_bits": None}, None
    if not 1 <= int(num_weight_bits) <= 8:
        raise HardwareConstraintError(
            f"Loihi: num_weight_bits must be 1..8 (brian2-loihi), got {num_weight_bits}")
    low, high = MANTISSA_RANGE[mode]
    p = precision(mode, num_weight_bits)
    n = t / 64.0                           # in units of mantissa * 2**w_exp
    top = max(-low if np.any(n < 0) else 0, high if np.any(n > 0) else 0)
    need = float(np.abs(n).max()) / top
    # (tolerance: weights that come back from chip units carry float noise)
    w_exp = 0 if need <= 1 + 1e-9 else int(np.ceil(np.log2(need) - 1e-9))
    w_exp = max(w_exp, int(w_exp_range[0]))
    if w_exp > w_exp_range[1]:
        raise HardwareConstraintError(
            f"Loihi: projection '{label}' needs weight exponent {w_exp} (largest weight "
            f"{float(np.abs(t).max()):.0f} u units); the chip allows "
            f"{w_exp_range[0]}..{w_exp_range[1]} (largest {high} * 2**(6+{w_exp_range[1]}))")
    m = np.rint(n / 2.0 ** w_exp / p) * p
    m = np.clip(m, low, high - (high % p))
    return actual_weight(m, w_exp, mode, num_weight_bits), {
        "sign_mode": mode, "w_exp": w_exp, "num_weight_bits": int(num_weight_bits)}, m


def check_delays(label, delay_register):
    d = np.asarray(delay_register)
    if d.size and (d.min() < 0 or d.max() > MAX_DELAY):
        bad = int(d.max()) if d.max() > MAX_DELAY else int(d.min())
        raise HardwareConstraintError(
            f"Loihi: projection '{label}' needs a synaptic delay of {bad} timesteps; the "
            f"chip's delay field holds 0..{MAX_DELAY}")


def round_pynn_weights(graph, num_weight_bits, w_exp_range=W_EXP_RANGE, vth_mant=None):
    """{projection label: the weights Loihi would store, in PyNN units}.

    Targets Loihi computes (translate.SUPPORTED) are scaled as the chip's
    arithmetic scales them (translate.py); for other cells (float cells on the
    chip's network) a projection's largest |w| is taken as the largest
    mantissa at exponent 0 (modelling choice: the grid the chip would give
    relative to that weight)."""
    from .translate import SUPPORTED, VTH_MANT, translate
    out = {}
    for pr in graph.projections:
        w = pr.weight.astype(np.float64)
        if w.size == 0 or not np.any(w):
            out[pr.label] = w.astype(np.float32)
            continue
        post = graph.population(pr.post)
        if post.celltype in SUPPORTED and post.parameters:
            scale = translate(post, graph.dt_ms, int(vth_mant or VTH_MANT)).weight_scale[
                pr.target.astype(np.int64) - post.first_index]
        else:
            low, high = MANTISSA_RANGE[sign_mode(w)]
            scale = np.full(w.size, 64.0 * max(high, -low) / float(np.abs(w).max()))
        w_act, _, _ = encode(w * scale, pr.label, num_weight_bits, w_exp_range=w_exp_range)
        out[pr.label] = (w_act / scale).astype(np.float32)
    return out
