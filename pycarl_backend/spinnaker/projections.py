"""Projection storing sPyNNaker's weight magnitudes."""
import numpy as np

from ..projections import Projection as _PycarlProjection


class Projection(_PycarlProjection):
    __doc__ = _PycarlProjection.__doc__

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=None,
                 label=None):
        from pyNN.space import Space
        from .synapses import StaticSynapse
        if synapse_type is None:
            synapse_type = StaticSynapse()
        super().__init__(presynaptic_population, postsynaptic_population, connector,
                         synapse_type, source, receptor_type or "excitatory",
                         space or Space(), label)

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        if "weight" in connection_parameters:
            connection_parameters["weight"] = np.abs(connection_parameters["weight"])
        super()._convergent_connect(presynaptic_indices, postsynaptic_index,
                                    location_selector, **connection_parameters)

    def _set_block_values(self, key, name, index, values):
        if name == "weight":
            values = np.abs(np.asarray(values, dtype=float))
        super()._set_block_values(key, name, index, values)
