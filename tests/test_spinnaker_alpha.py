"""pycarl_backend.spinnaker: IF_curr_alpha with sPyNNaker's alpha synapse
(neural_modelling/src/neuron/synapse_types/synapse_types_alpha_impl.h; no
sPyNNaker8 integration test uses it). Facts from that source: an input x
arriving in tick k0 gives the current x dt/tau^2 (k dt) exp(-k dt/tau) k ticks
later (0 in the arrival tick), and a second input rescales the linear buffer
by (1 - 1/exp).
"""
import numpy as np
import pytest

import pycarl_backend.spinnaker as sim


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def run(spike_times, weight=1.0, tau=2.0, fixed_point=True, steps=30, version=None):
    sim.setup(1.0, fixed_point=fixed_point, spynnaker_version=version)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times))
    pop = sim.Population(1, sim.IF_curr_alpha(tau_syn_E=tau), label="alpha")
    sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=weight, delay=1))
    pop.record(["v", "gsyn_exc"])
    sim.run(steps)
    block = pop.get_data(["v", "gsyn_exc"]).segments[0]
    g = block.filter(name="gsyn_exc")[0].magnitude.ravel()
    v = block.filter(name="v")[0].magnitude.ravel()
    return g, v


def alpha_closed_form(weight, tau, ticks):
    k = np.asarray(ticks, dtype=float)
    return weight / tau ** 2 * k * np.exp(-k / tau)


@pytest.mark.parametrize("fixed_point, version, tol", [
    (False, None, 1e-12), (True, 6, 5e-4), (True, 7, 5e-4)])  # s16.15 truncations add up
def test_one_input_gives_the_alpha_function(fixed_point, version, tol):
    g, v = run([5], weight=1.5, tau=3.0, fixed_point=fixed_point, version=version)
    arrival = 6                                     # spike at 5 ms, delay 1 tick
    assert np.all(g[:arrival + 1] == 0.0)           # nothing in the arrival tick
    k = np.arange(1, 20)
    assert np.allclose(g[arrival + k], alpha_closed_form(1.5, 3.0, k), rtol=0, atol=tol)
    assert v[arrival + 1] == v[0] and v[arrival + 3] > v[arrival + 2] > v[0]


def test_second_input_rescales_the_linear_buffer():
    # the steps of synapse_types_alpha_impl.h, in float, for inputs at ticks 6 and 9
    tau, x, decay, init = 2.0, 1.0, np.exp(-0.5), 1.0 / 4.0
    lin = exp = q = 0.0
    expected = []
    for tick in range(30):
        if tick in (6, 9):
            q, exp = x, exp * decay + 1.0
            lin = (lin + x * init) * (1.0 - 1.0 / exp)
        expected.append(lin * exp)
        lin, exp = lin + q * init, exp * decay
    g, _ = run([5, 8], tau=tau, fixed_point=False)
    assert np.allclose(g, expected, rtol=0, atol=1e-12)
    assert not np.allclose(g[9:], alpha_closed_form(1.0, tau, np.arange(3, 24))
                           + alpha_closed_form(1.0, tau, np.arange(0, 21)))


def test_alpha_fires_and_positional_arguments():
    sim.setup(1.0)
    cell = sim.IF_curr_alpha(20.0, 1.0, -65.0, -70.0, -50.0, 1.0)
    assert cell.parameter_space["tau_syn_E"].base_value == 1.0
    src = sim.Population(1, sim.SpikeSourceArray([1, 2, 3]))
    pop = sim.Population(1, cell, label="alpha")
    sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(weight=20.0, delay=1))
    pop.record("spikes")
    sim.run(30)
    assert len(pop.get_data("spikes").segments[0].spiketrains[0]) >= 1
