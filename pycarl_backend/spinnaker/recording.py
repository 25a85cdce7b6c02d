"""Recorder with sPyNNaker's spike time stamps: a spike of tick k is at k*dt."""
from ..recording import Recorder as _PycarlRecorder
from .. import simulator


class Recorder(_PycarlRecorder):

    def _get_spiketimes(self, ids, clear=False):
        cells, times = super()._get_spiketimes(ids, clear)
        return cells, times - simulator.state.dt
