"""sPyNNaker's FromListConnector: its signature, and its random draws (release 6).

sPyNNaker 6 builds a FromListConnector's synapses on the host, one block per
(pre core slice, post core slice) that holds connections (from_list_connector.py
``_split_connections``: the list grouped by block with numpy's argsort, blocks
written post core by post core, pre cores in order). A weight or delay that
the list does not give and the synapse type gives as a RandomDistribution is
drawn block by block (abstract_connector.py ``_generate_random_values``):
``seed = int(dist.rng.next() * 0x7FFFFFFF)``, then ``n`` values of the same
distribution from ``NumpyRNG(seed)``. pycarl_backend.spinnaker draws them so
with setup(spynnaker_version=6); otherwise, and for views or Assemblies, as
pycarl's FromListConnector does (one draw per connection, in post order).
"""
from copy import deepcopy

import numpy as np
from pyNN import connectors as pc
from pyNN import errors
from pyNN.random import NumpyRNG, RandomDistribution
from pyNN.standardmodels import StandardSynapseType

from .. import simulator
from ..connectors import add_connections, connect_fast
from .random_connectors import machine_side


def _random_parameters(projection, columns):
    """The synapse parameters the host draws block by block: name -> distribution."""
    space = projection.synapse_type.parameter_space
    found = {}
    for name in ("weight", "delay"):
        if name in space.keys() and name not in columns:
            base = space[name].base_value
            if isinstance(base, RandomDistribution):
                found[name] = base
    return found


def blocks(sources, targets, pre_cores, post_cores):
    """Connection indices of each (pre core, post core) block, in sPyNNaker's
    order: post cores, then pre cores; within a block, numpy argsort's order."""
    pre_bins = np.concatenate(([0], np.sort([hi + 1 for _, hi in pre_cores])))
    post_bins = np.concatenate(([0], np.sort([hi + 1 for _, hi in post_cores])))
    pre_block = np.searchsorted(pre_bins, sources, side="right")
    post_block = np.searchsorted(post_bins, targets, side="right")
    shape = (len(pre_bins) + 1, len(post_bins) + 1)
    joined = np.ravel_multi_index((pre_block, post_block), shape)
    order = np.argsort(joined)
    counts = np.bincount(joined, minlength=shape[0] * shape[1])
    split = np.split(order, np.cumsum(counts)[:-1])
    for j, _ in enumerate(post_cores):
        for i, _ in enumerate(pre_cores):
            indices = split[np.ravel_multi_index((i + 1, j + 1), shape)]
            if indices.size:
                yield indices


class FromListConnector(pc.FromListConnector):
    __doc__ = pc.FromListConnector.__doc__

    def __init__(self, conn_list, safe=True, verbose=False, column_names=None, callback=None):
        super().__init__(conn_list, column_names=column_names, safe=safe, callback=callback)
        self.verbose = verbose

    def connect(self, projection):
        release = getattr(simulator.state, "spynnaker_release", None)
        random = _random_parameters(projection, self.column_names)
        pre, post = machine_side(projection.pre), machine_side(projection.post)
        if (release is None or not release.expands_random_connectors or not random
                or pre is None or post is None or pre.lo != 0 or post.lo != 0
                or pre.hi != pre.population.size - 1 or post.hi != post.population.size - 1):
            if not connect_fast(projection, self, kind=pc.FromListConnector):
                super().connect(projection)
            return
        self._connect_by_blocks(projection, pre, post, random)

    def _connect_by_blocks(self, projection, pre, post, random):
        table = np.asarray(self.conn_list, dtype=float)
        if table.size == 0:
            return
        sources, targets = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
        if sources.min() < 0 or sources.max() >= projection.pre.size \
                or targets.min() < 0 or targets.max() >= projection.post.size:
            raise errors.ConnectionError(
                f"FromListConnector: indices must lie in 0..{projection.pre.size - 1} "
                f"(sources) and 0..{projection.post.size - 1} (targets)")
        order, drawn = [], {name: [] for name in random}
        for indices in blocks(sources, targets, pre.cores, post.cores):
            order.append(indices)
            for name, dist in random.items():
                seed = int(float(np.atleast_1d(dist.rng.next())[0]) * 0x7FFFFFFF)
                copy = RandomDistribution(dist.name, rng=NumpyRNG(seed), **dist.parameters)
                drawn[name].append(np.atleast_1d(copy.next(indices.size)).astype(float))
        order = np.concatenate(order)
        parameters = deepcopy(projection.synapse_type.parameter_space)
        parameters.shape = (order.size,)
        for col, name in enumerate(self.column_names, 2):
            parameters.update(**{name: table[order, col]})
        for name, values in drawn.items():
            parameters.update(**{name: np.concatenate(values)})
        if isinstance(projection.synapse_type, StandardSynapseType):
            parameters = projection.synapse_type.translate(parameters)
        parameters.evaluate()
        add_connections(projection, self, sources[order], targets[order],
                        dict(parameters.items()))
        if self.callback is not None:
            self.callback(1.0)


__all__ = ["FromListConnector"]
