"""Networks shared by several test modules."""
import pycarl_backend as sim
from pyNN.random import NumpyRNG


def build_recurrent(celltype, n_exc, n_inh, w_exc, w_inh, seed, record_v=True):
    """A random recurrent E/I network driven by Poisson sources."""
    rng = NumpyRNG(seed=seed)
    exc = sim.Population(n_exc, celltype, label="exc")
    inh = sim.Population(n_inh, celltype, label="inh")
    exc.initialize(v=sim.RandomDistribution("uniform", low=-65.0, high=-52.0, rng=rng))
    inh.initialize(v=sim.RandomDistribution("uniform", low=-65.0, high=-52.0, rng=rng))
    noise = sim.Population(100, sim.SpikeSourcePoisson(rate=40.0), label="noise")
    conn = sim.FixedProbabilityConnector(0.1, rng=rng)
    for pre, w, rec in ((exc, w_exc, "excitatory"), (inh, w_inh, "inhibitory"),
                        (noise, w_exc * 2, "excitatory")):
        for post in (exc, inh):
            delay = sim.RandomDistribution("uniform", low=0.1, high=2.0, rng=rng) \
                if pre is exc else 0.5
            sim.Projection(pre, post, conn, sim.StaticSynapse(weight=w, delay=delay),
                           receptor_type=rec)
    exc.record("spikes")
    inh.record("spikes")
    if record_v:
        exc[:5].record("v")
    return exc, inh
