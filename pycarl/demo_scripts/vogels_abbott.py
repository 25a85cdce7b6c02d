"""Vogels & Abbott (2005) balanced network, as a plain PyNN script.

Runs on any PyNN backend:

    python examples/vogels_abbott.py pycarl            # pycarl's CPU engine
    python examples/vogels_abbott.py nest              # PyNN's NEST backend
    python examples/vogels_abbott.py pycarl --benchmark CUBA --n 2000

Prints the excitatory and inhibitory firing rates and writes a raster plot.
Parameters: Vogels & Abbott, J. Neurosci. 25:10786 (2005), benchmarks 1 (COBA)
and 2 (CUBA) of Brette et al., J. Comput. Neurosci. 23:349 (2007).
"""
import time

from pyNN.random import NumpyRNG, RandomDistribution
from pyNN.utility import get_simulator

sim, args = get_simulator(
    ("--benchmark", "COBA or CUBA", {"default": "COBA"}),
    ("--n", "number of cells", {"default": 4000, "type": int}),
    ("--tstop", "simulated time (ms)", {"default": 1000.0, "type": float}),
    ("--seed", "random seed", {"default": 4242, "type": int}),
    ("--indegree", "mean number of inputs per cell (80 in the original; weights are "
                   "scaled by 80/indegree to keep the mean input)",
     {"default": 80.0, "type": float}),
    ("--exact-indegree", "every cell gets exactly `indegree` inputs (FixedNumberPreConnector) "
                         "instead of a binomial number", {"action": "store_true"}),
    ("--raster", "raster plot file", {"default": "vogels_abbott_raster.png"}),
)

dt, delay = 0.1, 0.2
n_exc = int(args.n * 0.8)
n_inh = args.n - n_exc
p_connect = min(args.indegree / args.n, 1.0)  # in-degree held when the size changes
weight_scale = 80.0 / args.indegree
# 20000 um2 membrane, 1 uF/cm2, 5e-5 S/cm2 leak -> cm 0.2 nF, tau_m 20 ms
common = {'cm': 0.2, 'tau_m': 20.0, 'tau_refrac': 5.0, 'v_thresh': -50.0,
          'v_reset': -60.0, 'i_offset': 0.0, 'tau_syn_E': 5.0, 'tau_syn_I': 10.0}
if args.benchmark == "COBA":
    celltype = sim.IF_cond_exp(v_rest=-60.0, e_rev_E=0.0, e_rev_I=-80.0, **common)
    w_exc, w_inh = 4e-3, 51e-3                       # 4 nS and 51 nS, in uS
else:
    # CUBA: leak reversal -49 mV; current weights g * (E_rev - V_mean), V_mean = -60 mV
    celltype = sim.IF_curr_exp(v_rest=-49.0, **common)
    w_exc, w_inh = 0.27e-3 * (0.0 + 60.0), 4.5e-3 * (-80.0 + 60.0)   # nA

sim.setup(timestep=dt, min_delay=delay, max_delay=1.0)
rng = NumpyRNG(seed=args.seed)
t0 = time.perf_counter()
exc = sim.Population(n_exc, celltype, label="exc")
inh = sim.Population(n_inh, celltype, label="inh")
v_init = RandomDistribution('uniform', (-60.0, -50.0), rng=rng)
exc.initialize(v=v_init)
inh.initialize(v=v_init)
if args.exact_indegree:
    exc_connector = sim.FixedNumberPreConnector(int(round(0.8 * args.indegree)), rng=rng)
    inh_connector = sim.FixedNumberPreConnector(int(round(0.2 * args.indegree)), rng=rng)
else:
    exc_connector = inh_connector = sim.FixedProbabilityConnector(p_connect, rng=rng)
exc_syn = sim.StaticSynapse(weight=w_exc * weight_scale, delay=delay)
inh_syn = sim.StaticSynapse(weight=w_inh * weight_scale, delay=delay)
projections = [
    sim.Projection(exc, exc, exc_connector, exc_syn, receptor_type='excitatory', label="e2e"),
    sim.Projection(exc, inh, exc_connector, exc_syn, receptor_type='excitatory', label="e2i"),
    sim.Projection(inh, exc, inh_connector, inh_syn, receptor_type='inhibitory', label="i2e"),
    sim.Projection(inh, inh, inh_connector, inh_syn, receptor_type='inhibitory', label="i2i"),
]
# a short Poisson kick starts the self-sustained activity
kick = sim.Population(20, sim.SpikeSourcePoisson(rate=100.0, duration=50.0), label="kick")
kick_connector = sim.FixedProbabilityConnector(0.01, rng=rng)
for target in (exc, inh):
    sim.Projection(kick, target, kick_connector, sim.StaticSynapse(weight=0.1, delay=delay),
                   receptor_type='excitatory')
exc.record('spikes')
inh.record('spikes')
build_time = time.perf_counter() - t0

t0 = time.perf_counter()
sim.run(args.tstop)
run_time = time.perf_counter() - t0

exc_data = exc.get_data().segments[0]
inh_data = inh.get_data().segments[0]
rate = {label: 1000.0 * sum(len(st) for st in seg.spiketrains) / (len(seg.spiketrains) * args.tstop)
        for label, seg in (("exc", exc_data), ("inh", inh_data))}
print(f"{args.benchmark} network, {args.n} cells, "
      f"{sum(p.size() for p in projections)} synapses, {args.tstop:g} ms on {args.simulator}")
print(f"build {build_time:.2f} s, run {run_time:.2f} s")
print(f"excitatory rate {rate['exc']:.2f} Hz, inhibitory rate {rate['inh']:.2f} Hz")

if args.raster:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4))
    for offset, seg, colour in ((0, exc_data, "tab:red"), (n_exc, inh_data, "tab:blue")):
        for i, st in enumerate(seg.spiketrains[:200]):
            ax.plot(st.magnitude, [offset + i] * len(st), "|", color=colour, markersize=2)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("cell")
    ax.set_title(f"Vogels-Abbott {args.benchmark} on {args.simulator}: "
                 f"exc {rate['exc']:.1f} Hz, inh {rate['inh']:.1f} Hz")
    fig.savefig(args.raster, dpi=100)
    print(f"raster plot written to {args.raster}")
sim.end()
