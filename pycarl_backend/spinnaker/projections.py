"""Projection with sPyNNaker's defaults (StaticSynapse, receptor 'excitatory').

Weights become magnitudes in the engine blocks (weights.py), so every
connector path, vectorised or not, stores |w|.
"""
from pyNN.space import Space

from ..projections import Projection as _PycarlProjection
from .synapses import StaticSynapse


class Projection(_PycarlProjection):
    __doc__ = _PycarlProjection.__doc__

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=None,
                 label=None):
        if synapse_type is None:
            synapse_type = StaticSynapse()
        super().__init__(presynaptic_population, postsynaptic_population, connector,
                         synapse_type, source, receptor_type or "excitatory",
                         space or Space(), label)
