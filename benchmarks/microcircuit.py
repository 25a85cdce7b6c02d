"""The Potjans & Diesmann (2014) cortical microcircuit, built through PyNN.

Potjans TC, Diesmann M (2014) The cell-type specific cortical microcircuit:
relating structure and activity in a full-scale spiking network model.
Cereb Cortex 24:785-806. Parameters as published (Tables 4-5 and the
model's reference implementation): 8 populations (L2/3, L4, L5, L6; E and I),
77 169 LIF neurons with exponential current synapses, about 0.3 billion
synapses at full scale (multapses allowed; total number per pair of
populations from the connection probabilities), PSC 87.8 pA (0.15 mV PSP)
with 10% s.d., L4E->L2/3E doubled, relative inhibition g = -4, delays
1.5 +- 0.75 ms (E) and 0.75 +- 0.375 ms (I), background 8 Hz times K_ext
inputs per neuron, either Poisson sources or the equivalent DC current
(the reference implementation's two options).

`--scale` scales neuron numbers; in-degrees are kept (K scales with the
number of neurons, as scale * K_full) and the DC compensation of the
reference implementation is not applied, so rates drift away from the
published ones at small scales. Prints one RESULT line (JSON):

    python benchmarks/microcircuit.py --simulator pycarl --device gpu --scale 1 --tstop 1000
    python benchmarks/microcircuit.py --simulator nest --threads 16 --scale 0.1
"""
import json
import time

import numpy as np

# benchmarks/ is on sys.path when this file runs as a script
from gpu_coba import simulator_arguments, start_simulator, sync
from spike_counts import spikes_after

POPULATIONS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
FULL_SIZE = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
# connection probability, rows: target, columns: source (Table 5)
CONN_PROB = np.array([
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.1350, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.0600, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.0010, 0.0034, 0.0005, 0.0277, 0.0080, 0.0658, 0.1443]])
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
BG_RATE = 8.0            # Hz per external input
NEURON = {"cm": 0.25, "tau_m": 10.0, "tau_syn_E": 0.5, "tau_syn_I": 0.5,
          "tau_refrac": 2.0, "v_rest": -65.0, "v_reset": -65.0, "v_thresh": -50.0,
          "i_offset": 0.0}
W_MEAN = 0.0878          # nA (87.8 pA, PSP 0.15 mV)
W_REL_SD = 0.1
G = -4.0
DELAY = {"E": (1.5, 0.75), "I": (0.75, 0.375)}   # ms, mean and s.d.
V0 = (-58.0, 10.0)       # initial membrane potential, mean and s.d. (mV)
DT = 0.1
SEED = 55


def total_synapses(n_pre, n_post, p):
    """Synapse count for connection probability p with multapses (reference model)."""
    if p <= 0:
        return 0
    return int(round(np.log(1.0 - p) / np.log(1.0 - 1.0 / (n_pre * n_post))))


def sizes(scale):
    return [max(int(round(n * scale)), 1) for n in FULL_SIZE]


def build(sim, scale, input_kind, seed=SEED):
    """Create the populations, projections and background (after sim.setup)."""
    from pyNN.random import NumpyRNG, RandomDistribution
    rng = NumpyRNG(seed=seed, parallel_safe=True)
    n = sizes(scale)
    pops = []
    for name, size, k_ext in zip(POPULATIONS, n, K_EXT):
        params = dict(NEURON)
        if input_kind == "dc":
            # mean current of K_ext Poisson inputs at BG_RATE through exp. PSCs
            params["i_offset"] = BG_RATE * k_ext * W_MEAN * NEURON["tau_syn_E"] * 1e-3
        pop = sim.Population(size, sim.IF_curr_exp(**params), label=name)
        pop.initialize(v=RandomDistribution("normal", mu=V0[0], sigma=V0[1], rng=rng))
        pop.record("spikes")
        pops.append(pop)
    n_syn = 0
    for t, target in enumerate(pops):
        for s, source in enumerate(pops):
            # keep the full-scale in-degree: K = scale * K_full
            k = int(round(total_synapses(FULL_SIZE[s], FULL_SIZE[t], CONN_PROB[t, s]) * scale))
            if k == 0:
                continue
            exc = POPULATIONS[s].endswith("E")
            w = W_MEAN * (2.0 if (s, t) == (2, 0) else 1.0) * (1.0 if exc else G)
            d_mean, d_sd = DELAY["E" if exc else "I"]
            # clipped normals as in the reference: weights keep their sign, delays >= dt
            weight = RandomDistribution(
                "normal_clipped", mu=w, sigma=abs(w) * W_REL_SD,
                low=0.0 if exc else -np.inf, high=np.inf if exc else 0.0, rng=rng)
            delay = RandomDistribution("normal_clipped", mu=d_mean, sigma=d_sd, low=DT,
                                       high=np.inf, rng=rng)
            sim.Projection(source, target,
                           sim.FixedTotalNumberConnector(k, with_replacement=True, rng=rng),
                           sim.StaticSynapse(weight=weight, delay=delay),
                           receptor_type="excitatory" if exc else "inhibitory")
            n_syn += k
    if input_kind == "poisson":
        for pop, k_ext in zip(pops, K_EXT):
            bg = sim.Population(pop.size, sim.SpikeSourcePoisson(rate=BG_RATE * k_ext),
                                label=pop.label + "_bg")
            sim.Projection(bg, pop, sim.OneToOneConnector(),
                           sim.StaticSynapse(weight=W_MEAN, delay=1.0),
                           receptor_type="excitatory")
    return pops, n_syn


def main(argv=None):
    parser = simulator_arguments(__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--tstop", type=float, default=1000.0, help="simulated ms")
    parser.add_argument("--warmup", type=float, default=100.0,
                        help="simulated ms run (and compiled) before the timed run")
    parser.add_argument("--input", choices=["dc", "poisson"], default="dc")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    sim = start_simulator(args, dict(timestep=DT, min_delay=DT, max_delay=20.0, rng_seed=SEED))
    pops, n_syn = build(sim, args.scale, args.input)
    t1 = time.perf_counter()
    if args.warmup > 0:
        sim.run(args.warmup)
    sync(sim, args)
    t2 = time.perf_counter()
    sim.run(args.tstop)
    sync(sim, args)
    t3 = time.perf_counter()
    rates = {}
    for pop in pops:
        rates[pop.label] = spikes_after(pop, args.warmup) / pop.size / (args.tstop / 1000.0)
    t4 = time.perf_counter()
    result = {
        "simulator": args.simulator, "device": args.device if args.simulator == "pycarl"
        else f"cpu x{args.threads}", "scale": args.scale, "input": args.input,
        "neurons": int(sum(p.size for p in pops)), "synapses": n_syn,
        "tstop_ms": args.tstop, "warmup_ms": args.warmup,
        "build_s": t1 - t0, "warmup_s": t2 - t1, "run_s": t3 - t2, "fetch_s": t4 - t3,
        "rtf": (t3 - t2) / (args.tstop / 1000.0), "rates_hz": rates,
        "fused": bool(getattr(getattr(sim.simulator.state, "engine", None),
                              "last_run_fused", False)),
        "graphs": bool(getattr(getattr(sim.simulator.state, "engine", None),
                               "last_run_graphs", False)),
    }
    sim.end()
    print("RESULT " + json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
