"""SpikeSourceArray with sPyNNaker's time stamps.

On SpiNNaker the ticks are numbered from 0 and a spike sent in tick k is
recorded at time k*dt; a SpikeSourceArray spike at time T is sent in tick
ceil(T/dt), so a spike at t = 0 exists (NEST drops it). The standard engine
emits a spike at T in step ceil(T/dt) - 1 and stamps it (k+1)*dt; here it is
emitted one step later, in step ceil(T/dt), and the spinnaker Recorder stamps
every spike k*dt.
"""
import numpy as np

from ..engine.sources import SpikeArraySource


class SpiNNakerSpikeArraySource(SpikeArraySource):

    def schedule(self, first_step, n_steps):
        # the standard schedule of the window shifted one step back, moved forward
        steps, cells, *_ = super().schedule(first_step - 1, n_steps)
        return np.asarray(steps) + 1, cells
