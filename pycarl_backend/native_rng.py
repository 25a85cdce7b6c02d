"""pycarl's NativeRNG: the simulator's own generator, seeded from
setup(rng_seed=).

PyNN's NativeRNG tells a backend to draw with its own generator. pycarl's
engine draws with NumPy, so its NativeRNG is a NumPy generator (a NumpyRNG,
hence usable wherever PyNN accepts an RNG: connectors, RandomDistribution,
NoisyCurrentSource) that is also a pyNN.random.NativeRNG. Without an explicit
seed, the k-th NativeRNG made after setup(rng_seed=s) is seeded from s and k,
so a script repeats exactly for a given rng_seed, and two NativeRNGs of one
run give different streams.
"""
import numpy as np
from pyNN import random

from . import simulator

#: spawn-key offset that keeps NativeRNG streams apart from the engine's per-group ones
_STREAM_BASE = 1 << 30


class NativeRNG(random.NativeRNG, random.NumpyRNG):
    """The simulator's generator: NumPy's Mersenne Twister, seeded from
    setup(rng_seed=) unless `seed` is given."""

    def __init__(self, seed=None, parallel_safe=True):
        if seed is None:
            seed = _seed_from_setup()
        random.NumpyRNG.__init__(self, seed=seed, parallel_safe=parallel_safe)


def _seed_from_setup():
    state = simulator.state
    engine = state.engine
    if engine is None:  # before setup(): a fresh seed, as NumpyRNG()
        return int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    count = getattr(state, "native_rng_count", 0)
    state.native_rng_count = count + 1
    stream = np.random.SeedSequence(engine._seed_sequence.entropy,
                                    spawn_key=(_STREAM_BASE + count,))
    return int(stream.generate_state(1)[0] >> 1)
