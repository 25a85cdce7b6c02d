"""pycarl_backend.spinnaker: recording as sPyNNaker gives it back, from
sPyNNaker8's integration tests (p8_integration_tests, commit 1935a29c). Each
test names the upstream test whose network and expected values it uses.
"""
import pytest

import pycarl_backend.spinnaker as sim


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


# quick_test/test_projection_param_retrieval_from_board/
# test_synfire_projection_on_same_chip.py (synfire_run with run_times [0, 100]
# reads the spikes before the first run)
def test_get_data_before_the_first_run_gives_one_empty_segment():
    sim.setup(1.0)
    pop = sim.Population(20, sim.IF_curr_exp(), label="pop_1")
    pop.record(["spikes", "v"])
    before = pop.get_data(["spikes"])
    assert len(before.segments) == 1
    assert [len(train) for train in before.segments[0].spiketrains] == [0] * 20
    pop.set(i_offset=2.0)
    sim.run(100)
    after = pop.get_data(["spikes", "v"])
    assert len(after.segments) == 1
    assert sum(len(train) for train in after.segments[0].spiketrains) > 0
    assert after.segments[0].analogsignals[0].shape == (100, 20)
