"""Run DYNAP-SE circuits alone, sub-step by sub-step (no PyNN, no engine).

This is the chip's own clockless loop as DynapSim steps it: recurrent spikes
of one sub-step reach their synapses in the next one. Used to check the
circuits against rockpool's DynapSim and for trace-driven runs.
"""
import numpy as np

from .biases import SYNAPSE_TYPES


def run_raster(circuits, external, w_rec=None, record=("imem",)):
    """Spike counts per sub-step.

    circuits: a DPICircuits. external: (T, N, 4) input weights per sub-step
    (or (T, N): AMPA only). w_rec: None or {synapse type: (N, N) weights
    [pre, post]}. Returns (spikes (T, N) float, {name: (T, N) trace}).
    """
    xp = circuits.xp
    ext = xp.asarray(external, dtype=circuits.dtype)
    if ext.ndim == 2:
        full = xp.zeros(ext.shape + (4,), dtype=circuits.dtype)
        full[:, :, 0] = ext
        ext = full
    T, n = ext.shape[0], circuits.n
    rec_w = {} if w_rec is None else {
        SYNAPSE_TYPES.index(k): xp.asarray(v, dtype=circuits.dtype) for k, v in w_rec.items()}
    s = circuits.initial_state()
    spikes = xp.zeros((T, n), dtype=circuits.dtype)
    traces = {k: xp.zeros((T, n), dtype=circuits.dtype) for k in record}
    for t in range(T):
        w = ext[t]
        if rec_w and bool(s["spikes"].any()):
            w = w.copy()
            for j, W in rec_w.items():
                w[:, j] += s["spikes"] @ W
        spikes[t] = circuits.substep(s, w)
        for k in record:
            traces[k][t] = s[k]
    return spikes, traces


def spike_times(raster, h):
    """{neuron: array of spike times (s)}: a spike in sub-step t is at (t+1) h."""
    r = np.asarray(raster)
    return {i: (np.flatnonzero(r[:, i] > 0) + 1) * h for i in range(r.shape[1])}
