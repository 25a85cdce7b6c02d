"""Seeded pseudo-random numbers for TrueNorth's stochastic modes, one stream per core.

TrueNorth draws its stochastic synapse, leak and threshold numbers from a
pseudo-random number generator in each core, seeded so that a run repeats
exactly (Cassidy et al. 2013, "reproducible stochasticity"; Merolla et al.
2014: one-to-one equivalence between the chip and its simulator). The
chip's generator is an LFSR whose tap layout and draw order are not
published in those papers, so pycarl does not claim bit-equality with the
silicon's sequence (a modelling choice): each number is a counter-based hash
(SplitMix64's finaliser, Steele et al. 2014) of (seed, core, tick, stream,
index). A draw therefore depends only on where it is used, not on the order
in which array code evaluates it, and numpy and cupy give the same bits.
"""
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)

# which use a number is drawn for (keeps the streams of one neuron independent)
STREAM_THRESHOLD = 1
STREAM_LEAK = 2
STREAM_SYNAPSE = 3


def _mix(xp, z):
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def draw(xp, seed, core, tick, stream, index):
    """Unsigned 32-bit pseudo-random numbers, one per element of ``index``.

    ``core`` and ``index`` are integer arrays of the same shape (or scalars);
    ``seed``, ``tick`` and ``stream`` are Python ints.
    """
    with np.errstate(over="ignore"):
        h = _mix(xp, xp.asarray(np.uint64(seed & 0xFFFFFFFFFFFFFFFF)))
        h = _mix(xp, h ^ xp.asarray(core).astype(xp.uint64))
        h = _mix(xp, h ^ np.uint64(tick & 0xFFFFFFFFFFFFFFFF))
        h = _mix(xp, h ^ (np.uint64(stream) << np.uint64(40))
                 ^ xp.asarray(index).astype(xp.uint64))
    return (h >> np.uint64(32)).astype(xp.int64)
