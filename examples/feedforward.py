"""A small feed-forward network: Poisson sources -> layer 1 -> layer 2.

    python examples/feedforward.py pycarl [--n 40] [--tstop 200]

Small enough that one run takes about a second: the test suite's
design-space sweeps use it (`pycarl explore examples/feedforward.py pycarl ...`).
Prints the mean firing rate of each layer.
"""
from pyNN.random import NumpyRNG
from pyNN.utility import get_simulator

sim, args = get_simulator(
    ("--n", "cells per layer", {"default": 40, "type": int}),
    ("--tstop", "simulated time (ms)", {"default": 200.0, "type": float}),
    ("--rate", "Poisson rate (Hz)", {"default": 60.0, "type": float}),
    ("--seed", "random seed", {"default": 7, "type": int}),
    ("--dt", "timestep (ms)", {"default": 0.1, "type": float}),
)

sim.setup(timestep=args.dt, min_delay=0.5, max_delay=5.0)
rng = NumpyRNG(seed=args.seed)
sources = sim.Population(args.n, sim.SpikeSourcePoisson(rate=args.rate), label="input")
cell = sim.IF_curr_exp(tau_m=10.0, tau_syn_E=2.0, tau_refrac=2.0, v_thresh=-55.0)
layer1 = sim.Population(args.n, cell, label="layer1")
layer2 = sim.Population(args.n // 2, cell, label="layer2")
connector = sim.FixedProbabilityConnector(0.3, rng=rng)
sim.Projection(sources, layer1, connector, sim.StaticSynapse(weight=0.6, delay=0.5),
               receptor_type="excitatory", label="input_to_layer1")
sim.Projection(layer1, layer2, connector, sim.StaticSynapse(weight=0.8, delay=1.0),
               receptor_type="excitatory", label="layer1_to_layer2")
layer1.record("spikes")
layer2.record("spikes")
sim.run(args.tstop)
for layer in (layer1, layer2):
    rate = layer.mean_spike_count() * 1000.0 / args.tstop
    print(f"{layer.label}: {rate:.1f} Hz")
sim.end()
