"""Current sources (electrodes): hand-computed membrane responses and currents.

IF_curr_exp is integrated exactly, so with a constant current I from time t0
on, V(t) = v_rest + I*R*(1 - exp(-(t - t0)/tau_m)) with R = tau_m/cm holds to
rounding error at every sample.
"""
import numpy as np
import pytest
from pyNN import errors

import pycarl_backend as sim
from pycarl_backend.engine import currents
from pycarl_backend.engine.currents import (ACSchedule, DCSchedule, NoiseSchedule,
                                            StepSchedule, round_step_times)

DT = 0.1
TAU_M, CM, V_REST = 20.0, 0.5, -65.0
R = TAU_M / CM  # MOhm


@pytest.fixture
def setup():
    sim.setup(timestep=DT, min_delay=DT, rng_seed=12345)
    yield
    sim.end()


def quiet_cells(n=1):
    """Cells that never fire (threshold far away), starting at rest."""
    return sim.Population(n, sim.IF_curr_exp(tau_m=TAU_M, cm=CM, v_rest=V_REST,
                                             v_thresh=1000.0, i_offset=0.0))


def v_trace(population):
    signal = population.get_data().segments[-1].filter(name="v")[0]
    return signal.times.rescale("ms").magnitude, signal.magnitude


def dc_response(t, amplitude, start, stop):
    """Exact membrane potential of a quiet cell under a DC pulse."""
    on = np.clip(t - start, 0.0, None)
    v = V_REST + amplitude * R * (1.0 - np.exp(-np.minimum(on, stop - start) / TAU_M))
    after = t > stop
    v_stop = V_REST + amplitude * R * (1.0 - np.exp(-(stop - start) / TAU_M))
    v[after] = V_REST + (v_stop - V_REST) * np.exp(-(t[after] - stop) / TAU_M)
    return v


# --- membrane responses ----------------------------------------------------

def test_dc_pulse_membrane_is_exact(setup):
    cells = quiet_cells()
    cells.inject(sim.DCSource(amplitude=0.5, start=10.0, stop=60.0))
    cells.record("v")
    sim.run(100.0)
    t, v = v_trace(cells)
    np.testing.assert_allclose(v[:, 0], dc_response(t, 0.5, 10.0, 60.0), atol=1e-9)
    assert v[100, 0] == V_REST and v[101, 0] > V_REST  # first moves at start + dt


def test_parameter_change_between_runs_acts_from_current_time(setup):
    cells = quiet_cells()
    source = sim.DCSource(amplitude=0.0)
    source.inject_into(cells)
    cells.record("v")
    sim.run(50.0)
    source.amplitude = 0.4
    assert source.amplitude == 0.4
    sim.run(50.0)
    t, v = v_trace(cells)
    np.testing.assert_allclose(v[:, 0], dc_response(t, 0.4, 50.0, 1e12), atol=1e-9)


def test_currents_from_several_sources_add_up(setup):
    cells = quiet_cells(2)
    cells[0].inject(sim.DCSource(amplitude=0.2, start=5.0))
    cells[0].inject(sim.StepCurrentSource(times=[5.0], amplitudes=[0.3]))
    cells[1].inject(sim.DCSource(amplitude=0.5, start=5.0))
    cells.record("v")
    sim.run(30.0)
    _, v = v_trace(cells)
    np.testing.assert_allclose(v[:, 0], v[:, 1], atol=1e-12)


def test_inject_into_every_kind_of_target(setup):
    a, b = quiet_cells(4), quiet_cells(3)
    sim.DCSource(amplitude=0.1).inject_into(a[1:3])            # PopulationView
    sim.DCSource(amplitude=0.1).inject_into([b[0]])              # list of IDs
    b[2].inject(sim.DCSource(amplitude=0.1))                     # ID.inject
    sim.DCSource(amplitude=0.1).inject_into(sim.Assembly(a[3:], b[2:]))  # Assembly
    (a + b).record("v")
    sim.run(10.0)
    final = {p.label: v_trace(p)[1][-1] for p in (a, b)}
    one = dc_response(np.array([10.0]), 0.1, 0.0, 1e12)[0]
    two = dc_response(np.array([10.0]), 0.2, 0.0, 1e12)[0]
    np.testing.assert_allclose(final[a.label], [V_REST, one, one, one], atol=1e-9)
    np.testing.assert_allclose(final[b.label], [one, V_REST, two], atol=1e-9)


def test_no_injection_into_spike_sources(setup):
    source = sim.DCSource(amplitude=1.0)
    spikes = sim.Population(2, sim.SpikeSourcePoisson(rate=10.0))
    with pytest.raises(TypeError):
        source.inject_into(spikes)
    with pytest.raises(TypeError):
        source.inject_into([spikes[0]])
    with pytest.raises(TypeError):
        spikes.inject(source)


def test_one_noise_source_feeds_every_target_the_same_current(setup, monkeypatch):
    monkeypatch.setattr(currents, "CHUNK_STEPS", 37)  # several amplitude blocks per run
    a, b = quiet_cells(2), quiet_cells(1)
    noise = sim.NoisyCurrentSource(mean=0.2, stdev=0.3, dt=0.5)
    noise.inject_into(sim.Assembly(a, b))
    (a + b).record("v")
    sim.run(40.0)
    va, vb = v_trace(a)[1], v_trace(b)[1]
    np.testing.assert_array_equal(va[:, 0], vb[:, 0])
    np.testing.assert_array_equal(va[:, 1], vb[:, 0])
    assert np.ptp(va[:, 0]) > 0.5


# --- recorded currents -----------------------------------------------------

def recorded(source):
    signal = source.get_data()
    return signal.times.rescale("ms").magnitude, signal.magnitude[:, 0]


def test_dc_recording_across_runs_and_changes(setup):
    cells = quiet_cells()
    source = sim.DCSource(amplitude=0.3, start=2.0, stop=8.0)
    cells.inject(source)
    source.record()
    sim.run(5.0)
    source.amplitude = 0.6
    sim.run(5.0)
    t, i = recorded(source)
    assert t.size == 101 and t[0] == 0.0 and abs(t[-1] - 10.0) < 1e-9
    expected = np.zeros(101)
    expected[20:50] = 0.3
    expected[50:80] = 0.6
    np.testing.assert_array_equal(i, expected)


def test_ac_current_amplitude_and_phase(setup):
    cells = quiet_cells()
    ac = sim.ACSource(amplitude=0.4, offset=0.1, frequency=50.0, phase=30.0,
                      start=10.0, stop=40.0)
    cells.inject(ac)
    ac.record()
    sim.run(50.0)
    t, i = recorded(ac)
    on = (t >= 10.0 - 1e-9) & (t < 40.0 - 1e-9)
    wave = 0.1 + 0.4 * np.sin(2 * np.pi * 50.0 * (t - 10.0) / 1000.0 + np.pi / 6)
    np.testing.assert_allclose(i[on], wave[on], atol=1e-12)
    assert np.all(i[~on] == 0.0)
    assert abs(i[100] - (0.1 + 0.4 * 0.5)) < 1e-12  # the phase holds at t = start
    # a 50 Hz wave: the current repeats every 20 ms
    np.testing.assert_allclose(i[100:200], i[300:400], atol=1e-9)


def test_ac_membrane_matches_exact_integration_of_recorded_current(setup):
    cells = quiet_cells()
    ac = sim.ACSource(amplitude=0.5, offset=0.2, frequency=100.0, start=3.0, stop=25.0)
    cells.inject(ac)
    ac.record()
    cells.record("v")
    sim.run(30.0)
    _, i = recorded(ac)
    _, v = v_trace(cells)
    decay = np.exp(-DT / TAU_M)
    expected = [V_REST]
    for current in i[:-1]:  # current of step k acts from k*dt to (k+1)*dt
        expected.append(V_REST + decay * (expected[-1] - V_REST) + R * (1 - decay) * current)
    np.testing.assert_allclose(v[:, 0], expected, atol=1e-9)


def test_step_source_values_at_rounded_times(setup):
    cells = quiet_cells()
    step = sim.StepCurrentSource(times=[1.04, 2.0, 2.01, 3.46], amplitudes=[0.2, 0.5, 0.7, -0.1])
    np.testing.assert_allclose(step.times, [1.0, 2.0, 3.5])
    np.testing.assert_allclose(step.amplitudes, [0.2, 0.7, -0.1])
    cells.inject(step)
    step.record()
    sim.run(5.0)
    _, i = recorded(step)
    expected = np.zeros(51)
    expected[10:20], expected[20:35], expected[35:] = 0.2, 0.7, -0.1
    np.testing.assert_array_equal(i, expected)


def test_step_source_set_parameters_after_run(setup):
    cells = quiet_cells()
    step = sim.StepCurrentSource(times=[0.0], amplitudes=[0.0])
    cells.inject(step)
    step.record()
    sim.run(2.0)
    step.set_parameters(times=[2.0, 3.0], amplitudes=[1.0, 0.5])
    sim.run(2.0)
    _, i = recorded(step)
    assert np.all(i[:20] == 0.0) and np.all(i[20:30] == 1.0) and np.all(i[30:] == 0.5)


@pytest.mark.parametrize("times, amplitudes", [
    ([0.4, -0.6, 0.8], [0.5, -0.5, 0.5]),   # negative
    ([0.4, 0.2, 0.8], [0.5, -0.5, 0.5]),    # decreasing
    ([0.4, 0.4], [0.5, 0.5]),               # repeated
    ([0.4, 0.8], [0.5]),                    # lengths differ
])
def test_step_source_rejects_bad_times(setup, times, amplitudes):
    with pytest.raises(ValueError):
        sim.StepCurrentSource(times=times, amplitudes=amplitudes)


def test_noise_mean_std_and_hold_time(setup):
    cells = quiet_cells()
    noise = sim.NoisyCurrentSource(mean=0.5, stdev=0.2, start=10.0, stop=2010.0, dt=1.0)
    cells.inject(noise)
    noise.record()
    sim.run(2020.0)
    _, i = recorded(noise)
    assert np.all(i[:100] == 0.0) and np.all(i[20100:] == 0.0)
    blocks = i[100:20100].reshape(2000, 10)
    assert np.all(blocks == blocks[:, :1])        # one value per noise dt (10 steps)
    values = blocks[:, 0]
    assert np.unique(values).size == 2000
    # 2000 draws: the sample mean is within 4 standard errors, the std within 10 %
    assert abs(values.mean() - 0.5) < 4 * 0.2 / np.sqrt(2000)
    assert abs(values.std() - 0.2) < 0.02


def test_noise_defaults_to_the_simulation_step_and_is_seeded():
    def run(seed):
        sim.setup(timestep=DT, rng_seed=seed)
        cells = quiet_cells()
        noise = sim.NoisyCurrentSource(mean=0.0, stdev=1.0)
        assert noise.dt == DT
        cells.inject(noise)
        noise.record()
        sim.run(5.0)
        return recorded(noise)[1]
    first, again, other = run(7), run(7), run(8)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert np.unique(first).size == first.size  # a new value every step


def test_recording_restarts_after_reset(setup):
    cells = quiet_cells()
    source = sim.DCSource(amplitude=0.2, start=1.0)
    cells.inject(source)
    source.record()
    sim.run(3.0)
    sim.reset()
    source.amplitude = 0.4
    sim.run(2.0)
    t, i = recorded(source)
    assert t.size == 21 and t[0] == 0.0
    assert np.all(i[:10] == 0.0) and np.all(i[10:] == 0.4)


def test_recording_a_source_that_feeds_no_cell(setup):
    step = sim.StepCurrentSource(times=[1.0], amplitudes=[2.0])
    step.record()
    sim.run(2.0)
    _, i = recorded(step)
    assert i.size == 21 and np.all(i[:10] == 0) and np.all(i[10:] == 2.0)


def test_get_data_without_record_is_an_error(setup):
    with pytest.raises(errors.RecordingError):
        sim.DCSource().get_data()


# --- parameters ------------------------------------------------------------

def test_parameter_access(setup):
    ac = sim.ACSource(amplitude=0.5, frequency=20.0)
    assert ac.amplitude == 0.5 and ac.frequency == 20.0 and ac.offset == 0.0
    ac.set_parameters(offset=0.25, phase=90.0)
    assert ac.get_parameters()["offset"] == 0.25 and ac.phase == 90.0
    ac.amplitude += 0.1
    assert abs(ac.amplitude - 0.6) < 1e-12
    with pytest.raises(AttributeError):
        ac.set(amplitude=1.0)
    with pytest.raises(errors.NonExistentParameterError):
        ac.no_such_parameter  # noqa: B018 (reading it is what raises)


@pytest.mark.parametrize("cls, parameters", [
    ("DCSource", {"start": -1.0}),
    ("DCSource", {"start": 10.0, "stop": 5.0}),
    ("ACSource", {"frequency": -1.0}),
    ("NoisyCurrentSource", {"stdev": -0.1}),
    ("NoisyCurrentSource", {"dt": 0.15}),
    ("NoisyCurrentSource", {"dt": 0.05}),
])
def test_invalid_parameters(setup, cls, parameters):
    with pytest.raises(errors.InvalidParameterValueError, match=list(parameters)[-1]):
        getattr(sim, cls)(**parameters)


def test_invalid_parameter_set_later_is_refused_and_nothing_changes(setup):
    dc = sim.DCSource(amplitude=1.0, start=5.0, stop=10.0)
    with pytest.raises(errors.InvalidParameterValueError):
        dc.stop = 1.0
    assert dc.stop == 10.0


# --- engine schedules ------------------------------------------------------

def test_schedules_on_the_step_grid():
    dc = DCSchedule(amplitude=2.0, start=0.3, stop=0.6)
    np.testing.assert_array_equal(dc.amplitudes(0, 8, 0.1), [0, 0, 0, 2, 2, 2, 0, 0])
    np.testing.assert_array_equal(dc.amplitudes(4, 3, 0.1), [2, 2, 0])
    step = StepSchedule(times=np.array([0.2, 0.5]), amplitudes=np.array([1.0, -1.0]))
    np.testing.assert_array_equal(step.amplitudes(0, 7, 0.1), [0, 0, 1, 1, 1, -1, -1])
    ac = ACSchedule(amplitude=1.0, offset=0.0, frequency=250.0, phase=0.0, start=0.0, stop=10.0)
    np.testing.assert_allclose(ac.amplitudes(0, 5, 1.0), [0, 1, 0, -1, 0], atol=1e-12)


def test_noise_windows_join_up_like_one_window():
    whole = NoiseSchedule(np.random.default_rng(3), mean=1.0, stdev=2.0, start=0.2,
                          stop=5.0, dt=0.3)
    parts = NoiseSchedule(np.random.default_rng(3), mean=1.0, stdev=2.0, start=0.2,
                          stop=5.0, dt=0.3)
    a = whole.amplitudes(0, 60, 0.1)
    b = np.concatenate([parts.amplitudes(0, 7, 0.1), parts.amplitudes(7, 20, 0.1),
                        parts.amplitudes(27, 33, 0.1)])
    np.testing.assert_array_equal(a, b)
    assert np.all(a[:2] == 0) and np.all(a[50:] == 0)
    assert np.all(a[2:5] == a[2]) and a[5] != a[2]


def test_round_step_times_keeps_the_last_of_merged_times():
    times, amplitudes = round_step_times([0.41, 0.42, 0.86], [0.5, -0.5, 0.5], 0.1)
    np.testing.assert_allclose(times, [0.4, 0.9])
    np.testing.assert_array_equal(amplitudes, [-0.5, 0.5])
