"""sPyNNaker keeps weights as magnitudes: the receptor gives the sign."""
import numpy as np

from ..engine.synapses import SynapseBlock


class MagnitudeWeights:
    """Block mixin: weights are stored (and read back) as |w|."""

    def add(self, pre, post, weight, delay, **synapse_parameters):
        super().add(pre, post, np.abs(np.asarray(weight, dtype=float)), delay,
                    **synapse_parameters)

    def set_values(self, name, index, values):
        if name == "weight":
            values = np.abs(np.asarray(values, dtype=float))
        super().set_values(name, index, values)


class StaticMagnitudeBlock(MagnitudeWeights, SynapseBlock):
    """Static synapses with sPyNNaker's weight magnitudes."""
