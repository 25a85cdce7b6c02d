"""Connectors that behave as sPyNNaker's.

AllToAllConnector(allow_self_connections=False) drops the pairs (i, i) by
index within the projection, also between two different populations or
views (sPyNNaker's rule; PyNN drops only a cell's connection to itself).
AllButMeConnector (extra_models) is the same connectivity.
ArrayConnector connects where the array holds 1, as sPyNNaker's
array_connector.py tests it, so a 0/1 matrix of floats works (PyNN reads
a non-boolean column as a list of indices).
SmallWorldConnector is sPyNNaker 6's (small_world_connector.py): every pair
closer than `degree` (itself included) connects; then, core slice by core
slice (post-major, pre slices in order, rows in order), rng.next(n) < rewiring
picks the connections whose target is redrawn as
int(rng.next() * (n_post_in_core - 1)) + first target of the core.
"""
import numpy as np
from pyNN import connectors, errors
from pyNN.parameters import LazyArray
from pyNN.random import NumpyRNG

from ..connectors import add_connections, connect_fast, evaluate_at, synapse_parameter_space
from .random_connectors import machine_side


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
        if np.shape(self.array) != tuple(projection.shape):
            raise errors.ConnectionError(
                f"projection '{projection.label}': ArrayConnector array has shape "
                f"{np.shape(self.array)}; it must be (n_pre, n_post) = {tuple(projection.shape)}")
        if not connect_fast(projection, self, kind=connectors.ArrayConnector):
            super().connect(projection)


class SmallWorldConnector(connectors.SmallWorldConnector):
    """Neighbours closer than `degree`, some targets rewired (sPyNNaker's)."""

    def __init__(self, degree, rewiring, allow_self_connections=True, n_connections=None,
                 rng=None, safe=True, callback=None, verbose=False):
        if n_connections is not None:
            raise NotImplementedError(
                "n_connections is not implemented for SmallWorldConnector on this platform "
                "(sPyNNaker's)")
        super().__init__(degree, rewiring, allow_self_connections=allow_self_connections,
                         rng=rng, safe=safe, callback=callback)
        self.degree = degree
        self.verbose = verbose
        self._spynnaker_rng = rng

    def connect(self, projection):
        pre, post = machine_side(projection.pre), machine_side(projection.post)
        space = synapse_parameter_space(projection)
        if pre is None or post is None or space is None:
            raise NotImplementedError(
                "SmallWorldConnector: sPyNNaker's connects populations or contiguous views "
                "with constant, array or random weights and delays")
        if self._spynnaker_rng is None:
            self._spynnaker_rng = NumpyRNG()
        rng = self._spynnaker_rng
        distances = projection.space.distances(
            projection.pre.positions.T, projection.post.positions.T).reshape(
                projection.pre.size, projection.post.size)
        mask = distances < self.degree
        sources, targets = [], []
        for post_lo, post_hi in post.cores:
            for pre_lo, pre_hi in pre.cores:
                a = slice(max(pre_lo, pre.lo) - pre.lo, min(pre_hi, pre.hi) - pre.lo + 1)
                b = slice(max(post_lo, post.lo) - post.lo, min(post_hi, post.hi) - post.lo + 1)
                if a.stop <= a.start or b.stop <= b.start:
                    continue
                rows, columns = np.nonzero(mask[a, b])
                rows, columns = rows + a.start, columns + b.start
                rewired = np.flatnonzero(np.asarray(rng.next(rows.size)) < self.rewiring)
                n_core = post_hi - post_lo + 1
                new = np.asarray(rng.next(rewired.size)) * (n_core - 1) + post_lo
                columns[rewired] = new.astype(np.int64) - post.lo
                sources.append(rows)
                targets.append(columns)
        sources = np.concatenate(sources) if sources else np.zeros(0, dtype=np.int64)
        targets = np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64)
        add_connections(projection, self, sources, targets,
                        evaluate_at(projection, space, sources, targets))


__all__ = ["AllToAllConnector", "AllButMeConnector", "ArrayConnector", "SmallWorldConnector"]
