"""The Vogels-Abbott balanced network (benchmarks 1 and 2 of Brette et al. 2007,
J. Comput. Neurosci. 23:349), built through plain PyNN for any backend `sim`.

Published parameters: 80% excitatory / 20% inhibitory LIF cells, membrane
area 20 000 um^2 (cm = 0.2 nF), tau_m 20 ms, threshold -50 mV, reset -60 mV,
refractory 5 ms, exponential synapses (tau 5 ms exc, 10 ms inh), random
connectivity with 2% probability at 4000 cells, 0.2 ms delays.
COBA: conductance jumps of 4 nS (exc) and 51 nS (inh), reversal 0 / -80 mV,
rest -60 mV, kicked off by 20 Poisson sources at 100 Hz for the first 50 ms.
CUBA: the same conductances turned into currents at a mean membrane potential
of -60 mV, rest -49 mV (above threshold: the network fires without input).

Scaled networks keep the mean in-degree at 80 (p = 80 / n).
"""
from dataclasses import dataclass

DT = 0.1              # ms
DELAY = 0.2           # ms
IN_DEGREE = 80        # 2% of 4000
EXC_FRACTION = 0.8
SEED = 98765

AREA_CM2 = 20000e-8
CM_NF = 1.0 * AREA_CM2 * 1000      # 1 uF/cm^2 -> nF
TAU_M = 20.0
V_THRESH, V_RESET, V_MEAN = -50.0, -60.0, -60.0
E_EXC, E_INH = 0.0, -80.0
G_EXC = {"COBA": 4.0, "CUBA": 0.27}    # nS
G_INH = {"COBA": 51.0, "CUBA": 4.5}    # nS
E_LEAK = {"COBA": -60.0, "CUBA": -49.0}

STIM_SOURCES, STIM_RATE, STIM_DURATION, STIM_P, STIM_WEIGHT = 20, 100.0, 50.0, 0.01, 0.1


def cell_parameters(benchmark):
    params = {"tau_m": TAU_M, "cm": CM_NF, "tau_syn_E": 5.0, "tau_syn_I": 10.0,
              "v_rest": E_LEAK[benchmark], "v_reset": V_RESET, "v_thresh": V_THRESH,
              "tau_refrac": 5.0}
    if benchmark == "COBA":
        params.update(e_rev_E=E_EXC, e_rev_I=E_INH)
    return params


def weights(benchmark):
    """(excitatory, inhibitory) weight in PyNN units: uS for COBA, nA for CUBA."""
    if benchmark == "COBA":
        return G_EXC["COBA"] * 1e-3, G_INH["COBA"] * 1e-3
    return (G_EXC["CUBA"] * 1e-3 * (E_EXC - V_MEAN), G_INH["CUBA"] * 1e-3 * (E_INH - V_MEAN))


@dataclass
class VANetwork:
    exc: object
    inh: object
    projections: list


def build(sim, benchmark, n, seed=SEED):
    """Create populations and projections (after sim.setup) and record all spikes."""
    from pyNN.random import NumpyRNG, RandomDistribution
    if benchmark not in ("COBA", "CUBA"):
        raise ValueError(f"benchmark must be COBA or CUBA, not {benchmark!r}")
    rng = NumpyRNG(seed=seed, parallel_safe=True)
    celltype = sim.IF_cond_exp if benchmark == "COBA" else sim.IF_curr_exp
    n_exc = int(round(n * EXC_FRACTION))
    exc = sim.Population(n_exc, celltype(**cell_parameters(benchmark)), label="exc")
    inh = sim.Population(n - n_exc, celltype(**cell_parameters(benchmark)), label="inh")
    v_init = RandomDistribution("uniform", low=V_RESET, high=V_THRESH, rng=rng)
    exc.initialize(v=v_init)
    inh.initialize(v=v_init)

    w_exc, w_inh = weights(benchmark)
    connector = sim.FixedProbabilityConnector(IN_DEGREE / n, rng=rng)
    exc_syn = sim.StaticSynapse(weight=w_exc, delay=DELAY)
    inh_syn = sim.StaticSynapse(weight=w_inh, delay=DELAY)
    projections = []
    for pre, syn, receptor in ((exc, exc_syn, "excitatory"), (inh, inh_syn, "inhibitory")):
        for post in (exc, inh):
            projections.append(sim.Projection(pre, post, connector, syn, receptor_type=receptor))
    if benchmark == "COBA":
        stim = sim.Population(STIM_SOURCES, sim.SpikeSourcePoisson(
            rate=STIM_RATE, duration=STIM_DURATION), label="stim")
        stim_connector = sim.FixedProbabilityConnector(STIM_P, rng=rng)
        stim_syn = sim.StaticSynapse(weight=STIM_WEIGHT, delay=DELAY)
        for post in (exc, inh):
            projections.append(sim.Projection(stim, post, stim_connector, stim_syn,
                                              receptor_type="excitatory"))
    exc.record("spikes")
    inh.record("spikes")
    return VANetwork(exc, inh, projections)
