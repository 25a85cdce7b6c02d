"""pycarl_backend.spinnaker: n_steps_per_timestep, from sPyNNaker8's integration
test p8_integration_tests/quick_test/test_various/test_multi_step.py (commit
1935a29c): IF_cond_exp at 0.1 ms ticks with two neuron updates per tick
computes what one update per 0.05 ms tick does, bit for bit.
"""
import numpy as np
import pytest
from pyNN import errors

import pycarl_backend.spinnaker as sim


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def run_network(timestep, steps_per_timestep, fixed_point=True):
    sim.setup(timestep, max_delay=1.0, fixed_point=fixed_point)
    pre = sim.Population(1, sim.SpikeSourceArray(range(0, 100, 10)))
    post = sim.Population(1, sim.IF_cond_exp(), additional_parameters={
        "n_steps_per_timestep": steps_per_timestep})
    post.record(["v", "spikes"])
    sim.Projection(pre, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.13))
    sim.run(100)
    v = post.get_data("v").segments[0].filter(name="v")[0]
    spikes = post.get_data("spikes").segments[0].spiketrains
    sim.end()
    return np.ravel(v.magnitude), spikes[0].times.magnitude


@pytest.mark.parametrize("fixed_point", [True, False])
def test_two_steps_per_tick_equal_half_the_tick(fixed_point):
    v_005, spikes_005 = run_network(0.05, 1, fixed_point)
    v_01, spikes_01 = run_network(0.1, 2, fixed_point)
    assert spikes_01.size > 0                      # the network fires
    assert np.array_equal(v_01[1:], v_005[1::2][:-1])
    assert np.allclose(spikes_01, np.round(spikes_005 + 0.025, 1))


def test_bad_steps_per_tick():
    sim.setup(1.0)
    with pytest.raises(errors.InvalidParameterValueError, match="integer >= 1"):
        sim.Population(1, sim.IF_curr_exp(), additional_parameters={"n_steps_per_timestep": 0})
    with pytest.raises(errors.InvalidParameterValueError, match="Izhikevich"):
        sim.Population(1, sim.Izhikevich(), additional_parameters={"n_steps_per_timestep": 2})
