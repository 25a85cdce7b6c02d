"""pycarl_backend.spinnaker: ArrayConnector with a 0/1 matrix, from sPyNNaker8's
integration test p8_integration_tests/quick_test/test_array_connector/
test_array_connector.py (commit 1935a29c): two rings of 200 and 100 cells
(every second cell), started by one spike, each fire 263 spikes in 5 s.
"""
import numpy as np
import pytest
from pyNN import errors

import pycarl_backend.spinnaker as sim

LIF = {'cm': 0.25, 'i_offset': 0.0, 'tau_m': 20.0, 'tau_refrac': 2.0, 'tau_syn_E': 5.0,
       'tau_syn_I': 5.0, 'v_reset': -70.0, 'v_rest': -65.0, 'v_thresh': -50.0}


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def test_rings_from_float_matrices_fire_263_spikes():
    n = 200
    sim.setup(timestep=1.0)
    pop = sim.Population(n, sim.IF_curr_exp(**LIF), label="pop_1")
    pop2 = sim.Population(n, sim.IF_curr_exp(**LIF), label="pop_2")
    loop = np.zeros((n, n))
    loop[np.arange(n), (np.arange(n) + 1) % n] = True
    loop2 = np.zeros((n, n))
    even = np.arange(0, n, 2)
    loop2[even, (even + 2) % n] = True
    injection = np.zeros((1, n))
    injection[0, 0] = True
    inj = sim.Population(1, sim.SpikeSourceArray(spike_times=[[0]]), label="in")
    for target in (pop, pop2):
        sim.Projection(inj, target, sim.ArrayConnector(injection),
                       sim.StaticSynapse(weight=2.0, delay=1))
    ring = sim.Projection(pop, pop, sim.ArrayConnector(loop),
                          sim.StaticSynapse(weight=2.0, delay=17))
    sim.Projection(pop2, pop2, sim.ArrayConnector(loop2),
                   sim.StaticSynapse(weight=2.0, delay=17))
    assert len(ring) == n
    pop.record("spikes")
    pop2.record("spikes")
    sim.run(5000)
    count = [sum(len(s) for s in p.get_data("spikes").segments[0].spiketrains)
             for p in (pop, pop2)]
    assert count == [263, 263]


def test_array_of_the_wrong_shape():
    sim.setup(timestep=1.0)
    a = sim.Population(2, sim.IF_curr_exp(), label="a")
    b = sim.Population(3, sim.IF_curr_exp(), label="b")
    with pytest.raises(errors.ConnectionError, match=r"\(2, 3\)"):
        sim.Projection(a, b, sim.ArrayConnector(np.ones((3, 2))))
