"""Connectors that behave as sPyNNaker's.

AllToAllConnector(allow_self_connections=False) drops the pairs (i, i) by
index within the projection, also between two different populations or
views (sPyNNaker's rule; PyNN drops only a cell's connection to itself).
AllButMeConnector (extra_models) is the same connectivity.
ArrayConnector connects where the array holds 1, as sPyNNaker's
array_connector.py tests it, so a 0/1 matrix of floats works (PyNN reads
a non-boolean column as a list of indices).
"""
import numpy as np
from pyNN import connectors
from pyNN.parameters import LazyArray

from ..connectors import connect_fast


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
    """Connect (i, j) where array[i, j] == 1 (sPyNNaker's ArrayConnector)."""

    def __init__(self, array, safe=True, callback=None, verbose=False):
        super().__init__(np.asarray(array) == 1, safe=safe, callback=callback)
        self.verbose = verbose

    def connect(self, projection):
        if not connect_fast(projection, self, kind=connectors.ArrayConnector):
            super().connect(projection)


__all__ = ["AllToAllConnector", "AllButMeConnector", "ArrayConnector"]
