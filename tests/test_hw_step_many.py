"""HardwareModel's batched paths: step_many (many steps at once, the same as one
step() per step where the chip feeds no extra delays back: the compiled CPU
loop's co-simulation) and the packets' injection-order sort."""
import json

import numpy as np
import pytest

from hardware_models import NetworkGraph, PopulationSpec, ProjectionSpec, load_hardware


def random_graph(n_src=10, n=60, p=0.2, seed=4):
    rng = np.random.default_rng(seed)
    pops = [PopulationSpec("src", n_src, "SpikeSourcePoisson", 0, True),
            PopulationSpec("cells", n, "IF_curr_exp", n_src)]
    projs = []
    for label, pre0, n_pre in (("in", 0, n_src), ("rec", n_src, n)):
        mask = rng.random((n_pre, n)) < p
        pre, post = np.nonzero(mask)
        projs.append(ProjectionSpec(label, "src" if label == "in" else "cells", "cells",
                                    "excitatory", pre + pre0, post + n_src,
                                    np.full(pre.size, 0.5), np.ones(pre.size)))
    return NetworkGraph(dt_ms=0.1, populations=pops, projections=projs)


def spikes_per_step(n_steps, n_neurons, seed=9):
    rng = np.random.default_rng(seed)
    return [np.unique(rng.integers(0, n_neurons, rng.poisson(3))) for _ in range(n_steps)]


def summary_json(model):
    s = model.summary()
    return json.dumps({k: s[k] for k in ("ticks", "energy_pj", "hardware_time_per_tick_ns",
                                         "busy_time_per_tick_ns", "counts", "traffic",
                                         "deliveries")}, sort_keys=True,
                      default=np.ndarray.tolist)


@pytest.mark.parametrize("options", [{}, {"latency": False}])
def test_step_many_equals_step_per_step(options):
    graph = random_graph()
    per_step = spikes_per_step(300, graph.n_neurons)
    ref, got = load_hardware("loihi", **options), load_hardware("loihi", **options)
    for m in (ref, got):
        m.BATCH_SPIKES = 37          # many deferred batches, cut inside step_many's spans
        m.attach(graph)
    assert not got.feeds_back_delays
    for k, ids in enumerate(per_step):
        assert not np.any(ref.step(k, ids))
    bounds = [0, 1, 2, 50, 51, 170, 300]     # spans of 1, 1, 48, 1, 119, 130 steps
    for a, b in zip(bounds[:-1], bounds[1:]):
        steps = np.concatenate([np.full(per_step[k].size, k) for k in range(a, b)])
        got.step_many(a, b - a, steps, np.concatenate(per_step[a:b]))
    assert ref._n_ticks == got._n_ticks == 300
    assert summary_json(got) == summary_json(ref)
    if not options:
        assert ref.summary()["counts"]["packets"] > 100


def test_step_many_refuses_what_it_cannot_stand_for():
    graph = random_graph()
    m = load_hardware("loihi", time_model="async")
    m.attach(graph)
    assert m.feeds_back_delays
    with pytest.raises(RuntimeError, match="returns no extra delays"):
        m.step_many(0, 2, [0, 1], [3, 4])
    m = load_hardware("loihi")
    m.attach(graph)
    with pytest.raises(ValueError, match="sorted"):
        m.step_many(0, 2, [1, 0], [3, 4])
    with pytest.raises(ValueError, match="within 0..1"):
        m.step_many(0, 2, [0, 2], [3, 4])
    with pytest.raises(IndexError, match="spike id 70"):
        m.step_many(0, 2, [0, 1], [3, 70])


def test_injection_order_sort_is_lexsort():
    from hardware_models.model import _lexsort_ints
    rng = np.random.default_rng(2)
    for high in (3, 50, 2 ** 20, 2 ** 40):      # the last: ranges too wide, np.lexsort
        keys = tuple(rng.integers(-1, high, 5000) for _ in range(4))
        np.testing.assert_array_equal(_lexsort_ints(keys), np.lexsort(keys))
    assert _lexsort_ints((np.zeros(0, np.int64),)).size == 0


@pytest.mark.parametrize("options", [{}, {"time_model": "async"}])
def test_compiled_schedulers_equal_numpy_ones_in_the_model(options, monkeypatch):
    """The model's compiled FCFS schedule and buffer check (fcfs_schedule.py) give the
    summary of their NumPy references, on crowded traffic with buffers of one packet
    so that groups fall back to the event scheduler."""
    from hardware_models import interconnect, model as model_module
    graph = random_graph(p=0.5)
    rng = np.random.default_rng(2)
    per_step = [np.unique(rng.integers(0, graph.n_neurons, 25)) for _ in range(40)]
    opts = dict(options, **{"interconnect.buffer_flits": 1, "interconnect.flits_per_packet": 1})

    def run():
        m = load_hardware("loihi", **opts)
        m.attach(graph)
        for k, ids in enumerate(per_step):
            m.step(k, ids)
        return m.summary()["counts"]["event_scheduler_fallbacks"], summary_json(m)

    got = run()
    monkeypatch.setattr(model_module, "schedule_compiled", interconnect.schedule_vectorised)
    monkeypatch.setattr(model_module, "buffer_overflow_compiled",
                        interconnect.buffer_overflow_groups)
    ref = run()
    assert got == ref
    assert got[0] > 0
