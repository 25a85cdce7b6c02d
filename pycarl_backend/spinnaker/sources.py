"""SpikeSourceArray with sPyNNaker's time stamps and ordering.

On SpiNNaker the ticks are numbered from 0 and a spike sent in tick k is
recorded at time k*dt; a SpikeSourceArray spike at time T is sent in tick
ceil(T/dt), so a spike at t = 0 exists (NEST drops it). The standard engine
emits a spike at T in step ceil(T/dt) - 1 and stamps it (k+1)*dt; here it is
emitted one step later, in step ceil(T/dt), and the spinnaker Recorder stamps
every spike k*dt.

sPyNNaker accepts the times of a cell in any order (it sorts them: the
source sends, per tick, the set of cells with a time in that tick), so
unsorted times are sorted here, and several times in one tick send one spike.
"""
import numpy as np

from ..engine.sources import SpikeArraySource


class SpiNNakerSpikeArraySource(SpikeArraySource):

    def set_spike_times(self, index, sequences):
        if hasattr(sequences, "value"):  # one Sequence for all cells
            sequences = [sequences] * np.atleast_1d(index).size
        ordered = [np.sort(np.asarray(getattr(seq, "value", seq), dtype=float).ravel())
                   for seq in sequences]
        super().set_spike_times(index, ordered)

    def schedule(self, first_step, n_steps):
        # the standard schedule of the window shifted one step back, moved forward
        steps, cells, *_ = super().schedule(first_step - 1, n_steps)
        steps = np.asarray(steps) + 1
        if steps.size:  # one spike per cell and tick (sPyNNaker sends a set of cells)
            keep = np.ones(steps.size, dtype=bool)
            keep[1:] = (np.diff(steps) != 0) | (np.diff(cells) != 0)
            steps, cells = steps[keep], np.asarray(cells)[keep]
        return steps, cells
