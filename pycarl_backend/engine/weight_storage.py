"""The compact forms in which a static CPU block stores its weights and delays
(engine/synapses.py's module docstring lists them and their cost).

Every form is lossless for the values it is given: the run adds the same
float64 numbers whichever form holds them. setup(weight_dtype="float32") is
the one lossy choice, made by the user: weights are rounded to float32 first.
"""
import numpy as np

#: setup(weight_dtype=...) values
WEIGHT_DTYPES = ("float64", "float32")
#: most distinct weights a block keeps as uint16 codes into a table
MAX_CODES = 2 ** 16
#: weights whose distinct values are counted before sorting all of them (a
#: block with many distinct weights is rejected after this cheap look)
_PROBE = 4 * MAX_CODES


def check_weight_dtype(weight_dtype):
    if weight_dtype not in WEIGHT_DTYPES:
        raise ValueError(f"setup(weight_dtype={weight_dtype!r}): must be one of "
                         f"{WEIGHT_DTYPES} (float64: weights stored exactly as set; float32: "
                         f"static weights rounded to float32 to save memory)")
    return weight_dtype


def rounded(weight, weight_dtype):
    """float64 weights, rounded to float32 first when weight_dtype is 'float32'."""
    if weight_dtype == "float32":
        return weight.astype(np.float32).astype(np.float64)
    return weight.astype(np.float64)


def _float32_exact(w):
    return np.array_equal(w.astype(np.float32).astype(np.float64), w)   # NaN: False


def narrow_weights(weight):
    """(stored, table) for float64 host weights: table is None, or the float64
    distinct values that the uint16 codes `stored` index; stored is a shared
    read-only view, codes, float32 or float64 (engine/synapses.py)."""
    w = np.asarray(weight, dtype=np.float64)
    n = w.size
    if n == 0:
        return w, None
    if np.all(w == w[0]):
        return np.broadcast_to(np.array(w[0]), w.shape), None
    # the first weights decide most blocks cheaply (random doubles fail at once)
    exact32 = _float32_exact(w[:_PROBE]) and _float32_exact(w)
    wide = 4 if exact32 else 8
    # codes only while 2 B per synapse plus 8 B per table entry beat `wide` B
    most = min(MAX_CODES, ((wide - 2) * n - 1) // 8)
    bits = w.view(np.int64)   # distinct bit patterns: keeps -0.0 and NaN payloads
    if most >= 2 and np.unique(bits[:_PROBE]).size <= most:
        table, codes = np.unique(bits, return_inverse=True)
        if table.size <= most:
            return codes.astype(np.uint16), table.view(np.float64)
    return (w.astype(np.float32) if exact32 else w), None


def weight_values(stored, table):
    """The float64 weights of (stored, table) as narrow_weights made them."""
    if table is not None:
        return table[stored]
    return stored.astype(np.float64)


def narrow_delays(delay_steps):
    """Per-synapse delays in steps (not all equal, each 0..32767): uint8 while
    every one is below 256, else int16."""
    small = delay_steps.min() >= 0 and delay_steps.max() <= np.iinfo(np.uint8).max
    return delay_steps.astype(np.uint8 if small else np.int16)
