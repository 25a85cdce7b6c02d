"""Cell types of pycarl_backend.spinnaker.

IF_curr_exp and IF_cond_exp run in sPyNNaker's update order (neurons.py);
SpikeSourceArray uses SpiNNaker's tick numbering (sources.py). The other
spike sources are the standard engine's (their spikes are stamped k*dt like
every spike here). Other neuron models are not offered: the standard
engine's versions update in NEST's order, which is not sPyNNaker's.
"""
from pyNN.standardmodels import cells

from ..standardmodels.cells import bind
from ..standardmodels import cells as _pycarl_cells
from .neurons import SPINNAKER_MODELS
from .sources import SpiNNakerSpikeArraySource

IF_curr_exp = bind(cells.IF_curr_exp, SPINNAKER_MODELS['IF_curr_exp'])
IF_cond_exp = bind(cells.IF_cond_exp, SPINNAKER_MODELS['IF_cond_exp'])
SpikeSourceArray = bind(cells.SpikeSourceArray, SpiNNakerSpikeArraySource)
SpikeSourcePoisson = _pycarl_cells.SpikeSourcePoisson

for _cls in (IF_curr_exp, IF_cond_exp, SpikeSourceArray):
    _cls.__module__ = __name__

__all__ = ["IF_curr_exp", "IF_cond_exp", "SpikeSourceArray", "SpikeSourcePoisson"]
