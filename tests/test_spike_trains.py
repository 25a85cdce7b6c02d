"""get_data()'s spike trains built at once (pycarl_backend/spike_trains.py) are
the trains neo's lazy SpikeTrainList.from_spike_time_array would give."""
import numpy as np
import neo
import quantities as pq

import pycarl_backend as sim
from pycarl_backend.spike_trains import population_spiketrains


def test_same_trains_and_annotations_as_neo_lazy_list():
    rng = np.random.default_rng(3)
    channel_ids = np.array([3, 4, 7, 9, 12])
    ids = rng.choice(channel_ids[:-1], 200)        # channel 12 has no spike
    times = np.sort(rng.uniform(0.0, 100.0, 200))
    segment = neo.Segment()
    got = population_spiketrains(ids, times, channel_ids, 0.0 * pq.ms, 100.0 * pq.ms, "pop",
                                 channel_ids - 3, segment)
    ref = neo.spiketrainlist.SpikeTrainList.from_spike_time_array(
        times * pq.ms, ids, channel_ids, t_stop=100.0 * pq.ms, units="ms",
        t_start=0.0 * pq.ms, source_population="pop", source_index=channel_ids - 3)
    assert len(got) == len(ref) == 5
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a.magnitude, b.magnitude)
        assert a.units == b.units and a.t_start == b.t_start and a.t_stop == b.t_stop
        assert a.annotations == b.annotations
        assert a.segment is segment
    assert got[4].size == 0


def test_get_data_gives_every_spike_per_cell():
    sim.setup(timestep=0.1, min_delay=0.1)
    cells = sim.Population(3, sim.SpikeSourceArray(spike_times=[[1.0, 2.0], [], [0.5, 3.0]]))
    cells.record("spikes")
    sim.run(5.0)
    trains = cells.get_data("spikes").segments[0].spiketrains
    assert [t.magnitude.tolist() for t in trains] == [[1.0, 2.0], [], [0.5, 3.0]]
    assert [t.annotations["channel_id"] for t in trains] == [int(i) for i in cells.all_cells]
    assert all(t.t_stop == 5.0 * pq.ms for t in trains)
    sim.end()
