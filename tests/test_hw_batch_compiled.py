"""HardwareModel's compiled batches (hardware_models/batch_compiled.py) against the
NumPy passes of _process they stand for: the same summary, bit for bit (energy,
time per tick, traffic, every delivery), on traffic that takes each of the
compiled path's branches (host sources, bursts above the insertion-sort length,
buffers that overflow, chips with other clocks and interconnects)."""
import json

import numpy as np
import pytest

from hardware_models import NetworkGraph, PopulationSpec, ProjectionSpec, load_hardware
from hardware_models import model as model_module


def graph(n_src=20, n=200, p=0.1, seed=5):
    rng = np.random.default_rng(seed)
    pops = [PopulationSpec("src", n_src, "SpikeSourcePoisson", 0, True),
            PopulationSpec("cells", n, "IF_curr_exp", n_src)]
    projs = []
    for label, pre0, n_pre in (("in", 0, n_src), ("rec", n_src, n)):
        pre, post = np.nonzero(rng.random((n_pre, n)) < p)
        projs.append(ProjectionSpec(label, "src" if label == "in" else "cells", "cells",
                                    "excitatory", pre + pre0, post + n_src,
                                    rng.uniform(0.1, 1.0, pre.size),
                                    rng.integers(1, 5, pre.size).astype(float)))
    return NetworkGraph(dt_ms=0.1, populations=pops, projections=projs)


def spike_times(n_neurons, seed=8):
    """Sparse spikes plus bursts: every 40th step, a third of the neurons at once."""
    rng = np.random.default_rng(seed)
    times = {}
    burst = np.arange(0, 60, 4.0)
    for i in range(n_neurons):
        t = np.round(rng.uniform(0, 60, rng.poisson(6)), 1)
        if i % 3 == 0:
            t = np.concatenate([t, burst])
        times[i] = np.unique(t)
    return times


def whole_json(s):
    return json.dumps(s, sort_keys=True, default=np.ndarray.tolist)


def summary_json(s):
    return json.dumps({k: s[k] for k in ("ticks", "energy_pj", "hardware_time_per_tick_ns",
                                         "busy_time_per_tick_ns", "counts", "traffic",
                                         "deliveries")}, sort_keys=True,
                      default=np.ndarray.tolist)


def replay_both(chip, kw, monkeypatch, batch_spikes=None):
    g = graph()
    spikes = spike_times(g.n_neurons)
    taken = []
    original = model_module.HardwareModel._process_compiled

    def spy(self, *args):
        done = original(self, *args)
        taken.append(done)
        return done

    monkeypatch.setattr(model_module.HardwareModel, "_process_compiled", spy)
    models = []
    for compiled in (True, False):
        m = load_hardware(chip, **kw)
        m.compiled_batches = compiled
        if batch_spikes:
            m.BATCH_SPIKES = batch_spikes
        models.append(m)
    got = models[0].replay(g, spikes, t_stop_ms=60.0)
    n_taken = sum(taken)
    del taken[:]
    ref = models[1].replay(g, spikes, t_stop_ms=60.0)
    assert not taken                        # the reference never tries the compiled path
    return got, ref, n_taken


@pytest.mark.parametrize("chip, kw", [
    ("loihi", {}),
    ("loihi", {"neurons_per_core": 16}),
    ("loihi", {"time_model": "async"}),
    ("dynapse", {"neurons_per_core": 64, "interconnect.buffer_flits": 64}),
])
def test_compiled_batches_give_the_reference_summary(chip, kw, monkeypatch):
    got, ref, n_taken = replay_both(chip, kw, monkeypatch, batch_spikes=500)
    assert n_taken > 1                      # several batches took the compiled path
    assert summary_json(got) == summary_json(ref)
    assert whole_json(got) == whole_json(ref)     # and the rest of the summary
    assert ref["counts"]["packets"] > 2000


@pytest.mark.parametrize("chip, kw", [
    ("loihi", {"neurons_per_core": 4, "interconnect.buffer_flits": 1}),
    ("dynapse", {"neurons_per_core": 32}),
])
def test_crowded_buffers_take_the_event_scheduler_in_both(chip, kw, monkeypatch):
    """Groups whose buffers overflow are scheduled again by the exact event scheduler."""
    got, ref, n_taken = replay_both(chip, kw, monkeypatch)
    assert n_taken > 0
    assert got["counts"]["event_scheduler_fallbacks"] > 0
    assert summary_json(got) == summary_json(ref)
    assert whole_json(got) == whole_json(ref)


def test_deliveries_kernel_sorts_as_summary_does():
    from hardware_models.batch_compiled import deliveries_kernel, in_delivery_order
    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 90, 300)          # groups below and above 32 packets
    group = np.repeat(np.arange(sizes.size) * 2, sizes)
    gen = rng.integers(0, 6, group.size) * 0.5   # many ties: the sort must be stable
    source = np.arange(group.size)
    rec = deliveries_kernel(group, source, rng.integers(0, 7, group.size), gen,
                            rng.random(group.size), np.zeros(group.size))
    o = np.lexsort((gen, group // 2))
    assert rec[1].tolist() == source[o].astype(float).tolist()
    assert in_delivery_order(rec[0], rec[3])
    assert not in_delivery_order(group // 2 * 1.0, gen)
