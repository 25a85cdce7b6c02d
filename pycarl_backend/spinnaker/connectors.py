"""Connectors that behave as sPyNNaker's.

AllToAllConnector(allow_self_connections=False) drops the pairs (i, i) by
index within the projection, also between two different populations or
views (sPyNNaker's rule; PyNN drops only a cell's connection to itself).
AllButMeConnector (extra_models) is the same connectivity.
ArrayConnector takes a 0/1 matrix of any dtype as the connection mask, as
sPyNNaker's array_connector.py (``numpy.where(array)``); PyNN indexes with a
float matrix instead of masking. A matrix of another shape than (n_pre, n_post)
is an error naming both.
SmallWorldConnector (PyNN has none that connects) as sPyNNaker 5's
small_world_connector.py: every pair closer than `degree` (the projection's
space) connects, self included; then each connection, in (pre, post) order,
is rewired with probability `rewiring` to the target
int(u * (n_post - 1)), u from the connector's rng (rng.next draws).
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


class SmallWorldConnector(connectors.SmallWorldConnector):
    """Distance-masked connections, some rewired (sPyNNaker 5's; see the module doc)."""

    def __init__(self, degree, rewiring, allow_self_connections=True, n_connections=None,
                 rng=None, safe=True, callback=None, verbose=False):
        if not allow_self_connections:
            raise NotImplementedError(
                "SmallWorldConnector(allow_self_connections=False): sPyNNaker does not "
                "support disabling self connections")
        if n_connections is not None:
            raise NotImplementedError(
                "SmallWorldConnector(n_connections=...): not implemented by sPyNNaker")
        if not 0.0 <= rewiring <= 1.0:
            raise errors.InvalidParameterValueError(
                f"SmallWorldConnector(rewiring={rewiring!r}): a probability in [0, 1]")
        super().__init__(degree, rewiring, allow_self_connections=True, rng=rng, safe=safe,
                         callback=callback)
        self.degree = float(degree)

    def connect(self, projection):
        rng = self.rng
        distances = projection.space.distances(projection.pre.positions.T,
                                               projection.post.positions.T)
        distances = np.reshape(distances, (projection.pre.size, projection.post.size))
        pre, post = np.nonzero(distances < self.degree)
        rewired = np.flatnonzero(np.asarray(rng.next(pre.size)) < self.rewiring)
        if rewired.size:
            post = post.copy()
            post[rewired] = (np.asarray(rng.next(rewired.size))
                             * (projection.post.size - 1)).astype(int)
        connectors.FromListConnector(np.column_stack([pre, post]),
                                     safe=self.safe).connect(projection)


__all__ = ["AllToAllConnector", "AllButMeConnector", "ArrayConnector", "SmallWorldConnector"]
