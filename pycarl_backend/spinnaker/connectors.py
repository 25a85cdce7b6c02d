"""Connectors that behave as sPyNNaker's.

AllToAllConnector(allow_self_connections=False) drops the pairs (i, i) by
index within the projection, also between two different populations or
views (sPyNNaker's rule; PyNN drops only a cell's connection to itself).
AllButMeConnector (extra_models) is the same connectivity.
ArrayConnector takes a 0/1 matrix of any dtype as the connection mask, as
sPyNNaker's array_connector.py (``numpy.where(array)``); PyNN indexes with a
float matrix instead of masking. A matrix of another shape than (n_pre, n_post)
is an error naming both.
"""
import numpy as np
from pyNN import connectors, errors
from pyNN.parameters import LazyArray


class AllToAllConnector(connectors.AllToAllConnector):
    """All-to-all; allow_self_connections=False drops (i, i) by index (sPyNNaker)."""

    def _get_connection_map_no_self_connections(self, projection):
        return LazyArray(lambda i, j: i != j, shape=projection.shape)


class AllButMeConnector(AllToAllConnector):
    """sPyNNaker's extra_models.AllButMeConnector: all pairs except (i, i) by index."""

    def __init__(self, weights=None, safe=True, callback=None, verbose=None):
        if weights is not None:
            raise NotImplementedError(
                "AllButMeConnector(weights=...): pass weights with the synapse type instead")
        super().__init__(allow_self_connections=False, safe=safe, callback=callback)


class ArrayConnector(connectors.ArrayConnector):
    """Connections where the (n_pre, n_post) matrix `array` is nonzero (sPyNNaker's)."""

    def connect(self, projection):
        mask = np.asarray(self.array) != 0
        if mask.shape != tuple(projection.shape):
            raise errors.ConnectionError(
                f"projection '{projection.label}': ArrayConnector array has shape "
                f"{mask.shape}; it must be (n_pre, n_post) = {tuple(projection.shape)}")
        self._connect_with_map(projection, LazyArray(mask, projection.shape))


__all__ = ["AllToAllConnector", "AllButMeConnector", "ArrayConnector"]
