"""neo SpikeTrains of a whole population at once, for get_data().

neo turns the (ids, times) pair that PyNN's Recorder gives it into one
SpikeTrain per cell lazily, at the first access to `segment.spiketrains`, by
masking the whole spike array once per cell and running the SpikeTrain
constructor's checks each time: about 1 s for 4000 cells and 60 000 spikes.
Here the spikes are sorted by cell once into one SpikeTrain made by neo's own
constructor (so its checks run once, on all spikes together), and each cell's
train is a view of its slice, which numpy's slicing gives the whole train's
attributes through neo's __array_finalize__ (SpikeTrain.__getitem__ would
also slice the array annotations, which these trains do not have).
"""
import numpy as np
from neo.core.spiketrain import SpikeTrain
from neo.core.spiketrainlist import SpikeTrainList


def population_spiketrains(ids, times_ms, channel_ids, t_start, t_stop, source_population,
                           source_index, segment):
    """A SpikeTrainList with one SpikeTrain per id in `channel_ids` (sorted), in
    that order, annotated as PyNN annotates them (source_population,
    source_index, channel_id)."""
    ids = np.asarray(ids)
    times_ms = np.asarray(times_ms, dtype=np.float64)
    channel_ids = np.asarray(channel_ids)
    order = np.argsort(ids, kind="stable")  # within a cell, the recording (time) order
    sorted_times = np.ascontiguousarray(times_ms[order])
    bounds = np.searchsorted(ids[order], channel_ids, side="left")
    ends = np.searchsorted(ids[order], channel_ids, side="right")
    whole = SpikeTrain(sorted_times, t_start=t_start, t_stop=t_stop, units="ms")
    whole.segment = segment
    view = np.ndarray.__getitem__
    trains = []
    for k, (a, b) in enumerate(zip(bounds, ends)):
        train = view(whole, slice(a, b))
        train.annotations = {"source_population": source_population,
                             "source_index": int(source_index[k]),
                             "channel_id": int(channel_ids[k])}
        trains.append(train)
    return SpikeTrainList(items=trains, parent=segment)
