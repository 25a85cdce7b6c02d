"""pycarl_backend.spinnaker: Izhikevich spike times to the tick, from sPyNNaker8's
integration test p8_integration_tests/quick_test/
test_change_neuron_parameters_between_runs/test_set_toffset_izk.py (commit
1935a29c): i_offset set to 2 and then 4 nA between runs; the machine's spike
times need the spynnaker8-era post-spike step dt * REAL_CONST(1.85) (s16.15,
truncated) of neuron_model_izh_impl.c.
"""
import numpy as np
import pytest

import pycarl_backend.spinnaker as sim
from pycarl_backend.spinnaker.izhikevich import SPYNNAKER8_TQ_OFFSET_BITS

EXPECTED = [2011., 2148., 2288., 2427., 2565., 2703., 2844., 2982.]
IZK = {'a': 0.02, 'b': 0.2, 'c': -65, 'd': 8, 'v': -75, 'u': 0, 'tau_syn_E': 2,
       'tau_syn_I': 2, 'i_offset': 0}


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def run(version):
    sim.setup(timestep=1.0, min_delay=1.0, max_delay=144.0, spynnaker_version=version)
    pop = sim.Population(32, sim.Izhikevich, IZK, label="pop_1")
    pop.record("spikes")
    sim.run(1000)
    pop.set(i_offset=2)
    sim.run(1000)
    pop.set(i_offset=4)
    sim.run(1000)
    return [s.magnitude for s in pop.get_data().segments[0].spiketrains]


def test_spike_times_of_the_spynnaker8_machine():
    assert SPYNNAKER8_TQ_OFFSET_BITS == 60620      # 1.85 * 2**15 = 60620.8, truncated
    for train in run(6):
        assert np.array_equal(train, EXPECTED)


@pytest.mark.parametrize("version, bits", [(6, 60620), (7, round(1.851 * 2 ** 15))])
def test_post_spike_step_per_release(version, bits):
    # spynnaker8 era: dt * REAL_CONST(1.85) on the chip; sPyNNaker >= 7: 1.851 dt
    sim.setup(timestep=1.0, spynnaker_version=version)
    pop = sim.Population(1, sim.Izhikevich, IZK, label="pop")
    assert int(pop.group.k["h_after_spike"]) == bits
