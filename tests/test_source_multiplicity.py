"""Spike sources keep their rate at any rate * dt (issue 12): a cell that
spikes k times within one step appears k times in that step's spikes
(multiplicity), is recorded k times (repeated time stamps, as NEST's
spike_recorder writes an event of multiplicity k) and delivers k x weight
(as NEST's targets multiply an event's weight by its multiplicity)."""
import numpy as np
import pytest

import pycarl_backend as sim
from pycarl_backend import simulator

DT = 0.1
RATE_DT = [0.001, 0.01, 0.1, 0.5, 1.0, 2.0]  # expected spikes per cell and step


def source_type(kind, rate):
    if kind == "poisson":
        return sim.SpikeSourcePoisson(rate=rate)
    if kind == "gamma":  # mean rate beta / alpha
        return sim.SpikeSourceGamma(alpha=2.0, beta=2.0 * rate)
    # dead time shorter than a step: several spikes per step remain possible
    return sim.SpikeSourcePoissonRefractory(rate=rate, tau_refrac=0.01)


@pytest.mark.parametrize("kind", ["poisson", "gamma", "poisson_refractory"])
def test_rate_kept_at_any_rate_times_dt(kind):
    n, t_sim = 40, 1000.0
    sim.setup(timestep=DT, rng_seed=12)
    pops = [sim.Population(n, source_type(kind, x / DT * 1000.0)) for x in RATE_DT]
    for p in pops:
        p.record("spikes")
    sim.run(t_sim)
    for x, p in zip(RATE_DT, pops):
        trains = p.get_data().segments[0].spiketrains
        count = sum(len(t) for t in trains)
        expected = n * x * t_sim / DT
        # Poisson counts have sd sqrt(N); gamma (alpha=2) and dead-time trains less
        sd = np.sqrt(expected)
        print(f"{kind}: rate*dt {x}: requested {x / DT * 1000:.0f} Hz, "
              f"measured {count / n / (t_sim / 1000):.1f} Hz")
        assert abs(count - expected) < 3 * sd, (x, count, expected)
        if x >= 1.0:  # several spikes per step: repeated times kept in the trains
            repeats = sum(int(np.sum(np.diff(t.magnitude) == 0)) for t in trains)
            assert repeats > 0.2 * count
    sim.end()


def test_multiplicity_delivered_as_weight_times_count():
    """IF_curr_delta with no leak and no threshold adds w per arriving spike, so
    v counts the delivered spikes: k spikes in a step must raise v by k * w."""
    n, w, delay = 6, 0.01, 1.0
    sim.setup(timestep=DT, min_delay=DT, rng_seed=3)
    src = sim.Population(n, sim.SpikeSourcePoisson(rate=15000.0, duration=50.0))
    cells = sim.Population(n, sim.IF_curr_delta(tau_m=1e12, v_thresh=1e9, v_rest=0.0,
                                                v_reset=0.0, tau_refrac=0.1))
    cells.initialize(v=0.0)
    sim.Projection(src, cells, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=w, delay=delay))
    src.record("spikes")
    cells.record("v")
    sim.run(100.0)
    counts = np.array([len(t) for t in src.get_data().segments[0].spiketrains])
    v_end = cells.get_data().segments[0].analogsignals[0].magnitude[-1]
    steps = np.concatenate([np.round(t.magnitude / DT) for t in
                            src.get_data().segments[0].spiketrains])
    sim.end()
    assert np.unique(steps).size < steps.size  # there were repeats to deliver
    np.testing.assert_allclose(v_end, w * counts, rtol=1e-9)


def test_repeated_cell_in_window_schedule():
    """The engine's per-step spike arrays hold a cell once per spike."""
    sim.setup(timestep=DT, rng_seed=5)
    src = sim.Population(3, sim.SpikeSourcePoisson(rate=30000.0))
    sim.run(1.0)
    group = src.group
    steps, cells = group.schedule(10, 50)
    sim.end()
    assert steps.size > 0 and np.all(np.diff(steps) >= 0)
    pairs = steps * 3 + cells
    assert np.unique(pairs).size < pairs.size
    assert abs(steps.size / (3 * 50) - 3.0) < 3 * np.sqrt(3.0 / 150) * 3


@pytest.mark.parametrize("cpu_fused", [False, True])
def test_cosimulated_source_spikes_keep_their_multiplicity(cpu_fused):
    """A chip routes every spike of a source cell, also the repeats of one step,
    stepped once per step (NumPy loop) or many steps at once (compiled loop)."""
    sim.setup(timestep=DT, min_delay=0.5, max_delay=5.0, rng_seed=11, hardware="loihi",
              hardware_options={"quantize": False}, cpu_fused=cpu_fused)
    src = sim.Population(10, sim.SpikeSourcePoisson(rate=8000.0, duration=20.0), label="in")
    cells = sim.Population(10, sim.IF_curr_exp(v_thresh=1e9), label="layer")
    sim.Projection(src, cells, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.01,
                                                                         delay=0.5))
    src.record("spikes")
    routed = []
    sim.run(0.1)  # attaches the chip model
    model = simulator.state.cosim.model
    original, original_many = model.step, model.step_many

    def spy(step, ids, spike_ns=None):
        routed.append(np.asarray(ids).copy())
        return original(step, ids, spike_ns=spike_ns)

    def spy_many(first, n_steps, steps, ids):
        routed.append(np.asarray(ids).copy())
        return original_many(first, n_steps, steps, ids)
    model.step, model.step_many = spy, spy_many
    sim.run(30.0)
    assert simulator.state.engine.last_run_cpu_fused == cpu_fused
    trains = src.get_data().segments[0].spiketrains
    recorded = sum(int(np.sum(t.magnitude > 0.1 + 1e-9)) for t in trains)
    sim.end()
    ids = np.concatenate(routed)
    from_source = ids[ids < 10]
    assert from_source.size == recorded
    assert recorded > 10 * 8 * 20 * 0.9
