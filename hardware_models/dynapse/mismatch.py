"""Seeded device mismatch on every bias current, capacitance and layout constant.

Model (rockpool 3.1, ``rockpool/transform/mismatch.py::mismatch_generator``
applied by DynapSim to the parameters listed in
``simulation/mismatch_prototype.py``): each parameter of each neuron is drawn
once, ``x_i = x * (1 + cv * N(0, 1))``, independently per neuron and parameter.

Coefficient of variation: rockpool's default deviation, ``percent_deviation =
0.30`` at ``sigma_rule = 3`` (30 % is the 3-sigma bound), i.e. cv = 0.10.
A draw can in principle be <= 0 (cv > 0.2 makes it plausible); a transistor
current or a capacitance cannot, so draws are floored at 1 % of the nominal
value (pycarl modelling choice; never reached at cv = 0.1: that is 9.9 sigma;
rockpool neither truncates nor clips its draws, only the currents at Io in
the circuits, as DPICircuits does). The draw is per neuron and parameter, on
the biases and capacitances themselves (time constants and pulse widths
follow from them), not on weights: rockpool's frozen prototype leaves w_rec
alone.

Against rockpool (tests/test_dynapse_circuits.py): the pooled deviations of
its draw and ours, KS p = 0.30 (98304 each); firing rates under Idc = 1 nA,
4096 vs 4096 neurons, KS p = 0.84, means 41.75 vs 41.70 Hz. One difference is
left: DynapSim starts Imem, Iahp and Isyn at the nominal Io (its
constructor's argument), we at each neuron's own Io; that moves the first
spike only, not the intervals.
"""
import numpy as np

from .biases import ALL, MISMATCHED

ROCKPOOL_PERCENT_DEVIATION = 0.30   # rockpool mismatch_generator default
ROCKPOOL_SIGMA_RULE = 3.0           # rockpool mismatch_generator default
DEFAULT_CV = ROCKPOOL_PERCENT_DEVIATION / ROCKPOOL_SIGMA_RULE
FLOOR = 0.01


def per_neuron(core_biases, core_of, cv=DEFAULT_CV, seed=0):
    """Per-neuron parameter arrays (float64, on the host).

    core_biases: {core id: CoreBiases}; core_of: (N,) core id per neuron.
    The draw for neuron slot k of core c depends only on (seed, c, k), so it
    does not change when other cores are added or the neurons are reordered.
    """
    core_of = np.asarray(core_of, dtype=np.int64)
    n = core_of.size
    out = {name: np.empty(n, dtype=np.float64) for name in ALL}
    for c in np.unique(core_of):
        idx = np.flatnonzero(core_of == c)
        b = core_biases[int(c)]
        if cv > 0.0:
            rng = np.random.default_rng([int(seed), int(c)])
            dev = rng.standard_normal((len(MISMATCHED), idx.size))
        for j, name in enumerate(MISMATCHED):
            nominal = float(b[name])
            if cv > 0.0:
                out[name][idx] = np.maximum(nominal * (1.0 + cv * dev[j]), FLOOR * nominal)
            else:
                out[name][idx] = nominal
        out["Iscale"][idx] = float(b["Iscale"])
    return out
