"""pycarl_backend.spinnaker: Poisson sources as sPyNNaker generates them, from
sPyNNaker8's integration tests (p8_integration_tests/quick_test/test_spike_source/
test_variable_rate.py, commit 1935a29c) and sPyNNaker's spike_source_poisson
sources. Each test names the upstream test whose network and expected values
(counts within the Poisson 99% bound, identical trains) it uses.
"""
import numpy as np
import pytest
import scipy.stats
from pyNN import errors

import pycarl_backend.spinnaker as sim
from pycarl_backend.spinnaker.poisson import SLOW_RATE_PER_TICK_CUTOFF


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def trains(pop, segment=0):
    return [s.magnitude for s in pop.get_data("spikes").segments[segment].spiketrains]


def within_poisson_bound(n, rate, duration):
    """test_variable_rate.py's check: |n - expected| <= ppf(0.99) - expected."""
    expected = rate / 1000.0 * duration
    tolerance = scipy.stats.poisson.ppf(0.99, expected) - expected
    return expected - tolerance <= n <= expected + tolerance


# test_variable_rate.py::variable_rate_reset
def test_variable_rates_equal_rates_set_between_runs_and_survive_reset():
    sim.setup(1.0)
    pop = sim.Population(100, sim.extra_models.SpikeSourcePoissonVariable(
        rates=[1, 10, 100], starts=[0, 1000, 2000]), additional_parameters={"seed": 0})
    pop_2 = sim.Population(100, sim.SpikeSourcePoisson(rate=1),
                           additional_parameters={"seed": 0, "max_rate": 100})
    pop.record("spikes")
    pop_2.record("spikes")
    sim.run(1000)
    pop_2.set(rate=10)
    sim.run(1000)
    pop_2.set(rate=100)
    sim.run(1000)
    sim.reset()
    sim.run(3000)
    first, again, set_between = trains(pop, 0), trains(pop, 1), trains(pop_2, 0)
    assert sum(len(s) for s in first) > 0
    for a, b, c in zip(first, again, set_between):
        assert np.array_equal(a, b)
        assert np.array_equal(b, c)


# test_variable_rate.py::variable_rate_100us
def test_variable_rates_at_100us_ticks():
    rates, starts, ends = [1, 10, 100], [0, 1000, 1500], [1000, 1500, 2000]
    sim.setup(0.1)
    pop = sim.Population(100, sim.extra_models.SpikeSourcePoissonVariable(
        rates=rates, starts=starts), additional_parameters={"seed": 0})
    pop.record("spikes")
    sim.run(2000)
    spikes = trains(pop)
    for rate, start, end in zip(rates, starts, ends):
        total = sum(int(np.sum((s >= start) & (s < end))) for s in spikes)
        assert within_poisson_bound(total / 100.0, rate, end - start)


# test_variable_rate.py::variable_rate_options (pop_b, pop_d, pop_e, pop_f, pop_g)
@pytest.mark.parametrize("rates, starts, durations", [
    ([[1, 2, 5], [10, 20, 50]], [0, 5000, 10000], None),
    ([[1, 2, 5], [10, 20, 50]], [[0, 5000, 10000], [1000, 6000, 11000]],
     [[4000, 3000, 2000], [3000, 2000, 1000]]),
    ([[1, 2, 5], [10, 50]], [[0, 1000, 2000], [2000, 3000]], None)])
def test_variable_rate_options(rates, starts, durations):
    run_time, n = 20000, 2
    sim.setup(1.0)
    pop = sim.Population(n, sim.extra_models.SpikeSourcePoissonVariable(
        rates=rates, starts=starts, durations=durations), additional_parameters={"seed": 0})
    pop.record("spikes")
    sim.run(run_time)
    spikes = trains(pop)
    got = {name: pop.get(name) for name in ("rates", "starts", "durations")}
    for i in range(n):
        r, s, d = (np.asarray(got[k][i]).reshape(-1) for k in ("rates", "starts", "durations"))
        assert r.tolist() == list(np.asarray(rates[i] if isinstance(rates[0], list)
                                             else rates, dtype=float))
        ends = []
        for j, (start, duration) in enumerate(zip(s, d)):
            if duration is None:
                ends.append(s[j + 1] if j + 1 < len(s) else run_time)
            else:
                ends.append(start + duration)
        for rate, start, end in zip(r, s, ends):
            n_spikes = int(np.sum((spikes[i] >= start) & (spikes[i] < end)))
            assert within_poisson_bound(n_spikes, rate, end - start), (i, rate, start, end)
        # nothing outside the entries
        inside = np.zeros(spikes[i].size, dtype=bool)
        for start, end in zip(s, ends):
            inside |= (spikes[i] >= start) & (spikes[i] < end)
        assert inside.all()


def test_durations_not_given_read_none_and_given_read_back():
    # test_variable_rate.py reads get("duration") / get("durations"): None where
    # sPyNNaker runs an entry until the next start (or forever)
    sim.setup(1.0)
    a = sim.Population(2, sim.SpikeSourcePoisson(rate=[1, 10], start=[0, 5000]))
    b = sim.Population(2, sim.SpikeSourcePoisson(rate=1, duration=5000))
    c = sim.Population(2, sim.extra_models.SpikeSourcePoissonVariable(
        rates=[1, 2], starts=[0, 10], durations=[5, None]))
    # one parameter reads as every cell's value (sPyNNaker's RangedList; see
    # test_spinnaker_connectors' list-valued get)
    assert a.get("duration") == [None, None]
    assert a.get("rate") == [1.0, 10.0] and a.get("start") == [0.0, 5000.0]
    assert b.get("duration") == [5000.0, 5000.0]
    assert [list(d) for d in c.get("durations")] == [[5.0, None], [5.0, None]]


def test_slow_and_fast_sources_keep_their_rate():
    # slow (rate per tick < 0.01: exponential time to spike) and fast
    # (Poisson count per tick, several spikes in one tick recorded at one time)
    sim.setup(1.0)
    slow = sim.Population(200, sim.SpikeSourcePoisson(rate=5.0), seed=1)
    fast = sim.Population(50, sim.SpikeSourcePoisson(rate=3000.0), seed=2)
    slow.record("spikes")
    fast.record("spikes")
    assert 5.0 / 1000 < SLOW_RATE_PER_TICK_CUTOFF < 3000.0 / 1000
    sim.run(2000)
    n_slow = sum(len(s) for s in trains(slow))
    fast_trains = trains(fast)
    n_fast = sum(len(s) for s in fast_trains)
    assert within_poisson_bound(n_slow / 200.0, 5.0, 2000)
    assert abs(n_fast / 50.0 - 6000) < 4 * np.sqrt(6000)
    times = fast_trains[0]
    assert np.all(times == np.round(times))            # stamped k * dt
    assert np.any(np.diff(times) == 0)                 # several spikes in one tick


def test_start_and_duration_bound_the_spikes():
    sim.setup(1.0)
    pop = sim.Population(20, sim.SpikeSourcePoisson(rate=200.0, start=100.0, duration=50.0),
                         seed=3)
    pop.record("spikes")
    sim.run(300)
    spikes = np.concatenate(trains(pop))
    assert spikes.size and spikes.min() >= 100.0 and spikes.max() < 150.0


def test_bad_variable_rate_arguments():
    sim.setup(1.0)
    with pytest.raises(errors.InvalidParameterValueError, match="each rate needs a start"):
        sim.Population(1, sim.extra_models.SpikeSourcePoissonVariable(
            rates=[1, 2], starts=[0]))
    with pytest.raises(errors.InvalidParameterValueError, match="list"):
        sim.extra_models.SpikeSourcePoissonVariable(rates=5, starts=[0])
