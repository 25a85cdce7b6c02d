"""Connectors that behave as sPyNNaker's.

AllToAllConnector(allow_self_connections=False) drops the pairs (i, i) by
index within the projection, also between two different populations or
views (sPyNNaker's rule; PyNN drops only a cell's connection to itself).
AllButMeConnector (extra_models) is the same connectivity.
"""
from pyNN import connectors
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


__all__ = ["AllToAllConnector", "AllButMeConnector"]
