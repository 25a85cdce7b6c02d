"""Projection on the pycarl engine.

Connections go straight into engine synapse blocks (CSR arrays), one block per
pair of (presynaptic component, postsynaptic component), where a component is
the Population or PopulationView inside an Assembly (or the pre/post object
itself). No per-connection Python object is kept.
"""
import numpy as np

from pyNN import common, errors
from pyNN.space import Space

from . import simulator
from .standardmodels.synapses import StaticSynapse, check_delays, check_weights


class Component:
    """One Population/PopulationView of a projection's pre or post side."""

    def __init__(self, cells, offset):
        self.cells = cells
        self.offset = offset
        self.size = cells.size
        root = cells.grandparent if hasattr(cells, "parent") else cells
        self.population = root
        self.group = root.group
        self.engine_index = np.asarray(cells._engine_index, dtype=np.int64)
        self._local_of_engine = None

    def local_of_engine(self, engine_index):
        """Index within this component of group indices (the inverse map)."""
        if self._local_of_engine is None:
            lookup = np.full(self.group.size, -1, dtype=np.int64)
            lookup[self.engine_index] = np.arange(self.size)
            self._local_of_engine = lookup
        return self._local_of_engine[engine_index]


def components_of(cells):
    if isinstance(cells, common.Assembly):
        comps, offset = [], 0
        for p in cells.populations:
            comps.append(Component(p, offset))
            offset += p.size
        return comps
    return [Component(cells, 0)]


class Connection(common.Connection):
    """A view of one synapse held in an engine block."""

    def __init__(self, projection, block_key, index):
        self.projection = projection
        self.block_key = block_key
        self.index = index

    def _attribute(self, name):
        values = self.projection._block_attribute(self.block_key, name)
        return values[self.index]

    @property
    def presynaptic_index(self):
        return int(self._attribute("presynaptic_index"))

    @property
    def postsynaptic_index(self):
        return int(self._attribute("postsynaptic_index"))

    def _get_weight(self):
        return float(self._attribute("weight"))

    def _set_weight(self, value):
        self.projection._set_block_values(self.block_key, "weight", [self.index], [value])

    def _get_delay(self):
        return float(self._attribute("delay"))

    def _set_delay(self, value):
        self.projection._set_block_values(self.block_key, "delay", [self.index], [value])

    weight = property(_get_weight, _set_weight)
    delay = property(_get_delay, _set_delay)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._attribute(name)

    def as_tuple(self, *attribute_names):
        return tuple(self._attribute(name) for name in attribute_names)


class Projection(common.Projection):
    __doc__ = common.Projection.__doc__
    _simulator = simulator
    _static_synapse_class = StaticSynapse

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None,
                 space=Space(),  # noqa: B008 (PyNN's Projection signature; never mutated)
                 label=None):
        simulator.state.require_setup("Projection")
        common.Projection.__init__(self, presynaptic_population, postsynaptic_population,
                                   connector, synapse_type, source, receptor_type, space, label)
        if self.label is None:
            self.label = f"projection{len(simulator.state.projections)}"
        self._pre_components = components_of(self.pre)
        self._post_components = components_of(self.post)
        self._pre_offsets = np.array([c.offset for c in self._pre_components])
        self._post_offsets = np.array([c.offset for c in self._post_components])
        self._blocks = {}
        simulator.state.projections.append(self)
        from .connectors import connect_fast  # vectorised paths for the common connectors
        if not connect_fast(self, connector):
            connector.connect(self)
        # all of a projection's connections are made here: compress them into CSR now,
        # as part of building the network rather than of the first run()
        for block in self._blocks.values():
            block.finalize()

    # --- building ---------------------------------------------------------
    def _block(self, i, j):
        key = (i, j)
        block = self._blocks.get(key)
        if block is None:
            pre, post = self._pre_components[i], self._post_components[j]
            if post.group.is_source:
                raise errors.ConnectionError(
                    f"projection '{self.label}': cannot connect to spike source "
                    f"population '{post.population.label}'")
            block = self.synapse_type.make_block(
                simulator.state.engine, pre.group, post.group, self.receptor_type,
                f"{self.label}[{i},{j}]", self)
            self._blocks[key] = block
        return block

    def _delay_steps(self, delay):
        return np.rint(np.asarray(delay, dtype=float) / simulator.state.dt).astype(np.int32)

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        if location_selector is not None:
            raise NotImplementedError("pycarl supports point neurons only "
                                      "(location_selector must be None)")
        connection_parameters.pop("dendritic_delay_fraction", None)
        pre_idx = np.asarray(presynaptic_indices, dtype=np.int64).ravel()
        if pre_idx.size == 0:
            return
        j = int(np.searchsorted(self._post_offsets, postsynaptic_index, side="right") - 1)
        post = self._post_components[j]
        post_engine = post.engine_index[postsynaptic_index - post.offset]
        params = {name: np.broadcast_to(np.asarray(value, dtype=float), pre_idx.shape)
                  for name, value in connection_parameters.items()}
        if getattr(self._connector, "safe", True):
            if "weight" in params:
                # a synapse type may bring its own rule (pycarl_backend.spinnaker: magnitudes)
                checks = getattr(self.synapse_type, "parameter_checks", {})
                checks.get("weight", check_weights)(params["weight"], self)
            check_delays(params.get("delay", simulator.state.min_delay), self)
        params["delay"] = self._delay_steps(params.get("delay", simulator.state.min_delay))
        if len(self._pre_components) == 1:
            pre = self._pre_components[0]
            self._block(0, j).add(pre.engine_index[pre_idx], post_engine, **params)
            return
        comp = np.searchsorted(self._pre_offsets, pre_idx, side="right") - 1
        for i in np.unique(comp):
            mask = comp == i
            pre = self._pre_components[i]
            self._block(i, j).add(pre.engine_index[pre_idx[mask] - pre.offset], post_engine,
                                  **{k: v[mask] for k, v in params.items()})

    # --- size and iteration -------------------------------------------------
    def __len__(self):
        return sum(b.size for b in self._blocks.values())

    def _finalized_blocks(self):
        for key in sorted(self._blocks):
            block = self._blocks[key]
            block.finalize()
            yield key, block

    @property
    def connections(self):
        for key, block in self._finalized_blocks():
            for k in range(block.size):
                yield Connection(self, key, k)

    def __getitem__(self, i):
        for key, block in self._finalized_blocks():
            if i < block.size:
                return Connection(self, key, i)
            i -= block.size
        raise IndexError("connection index out of range")

    # --- attribute access ---------------------------------------------------
    def _block_attribute(self, key, name):
        block = self._blocks[key]
        block.finalize()
        i, j = key
        pre_engine, post_engine, weight, delay_steps = block.host_arrays()
        if name == "presynaptic_index":
            pre = self._pre_components[i]
            return pre.offset + pre.local_of_engine(pre_engine)
        if name == "postsynaptic_index":
            post = self._post_components[j]
            return post.offset + post.local_of_engine(post_engine)
        if name == "weight":
            return weight.astype(float)
        if name == "delay":
            return delay_steps * simulator.state.dt
        return block.get_parameter(name)

    def _set_block_values(self, key, name, index, values):
        block = self._blocks[key]
        block.finalize()
        if name == "delay":
            values = self._delay_steps(values)
        block.set_values(name, np.asarray(index), np.asarray(values))

    def _get_attributes_as_list(self, names):
        columns = []
        for key, _ in self._finalized_blocks():
            columns.append([self._block_attribute(key, name) for name in names])
        if not columns:
            return []
        stacked = [np.concatenate([c[k] for c in columns]) for k in range(len(names))]
        return list(zip(*[s.tolist() for s in stacked]))

    def _get_attributes_as_arrays(self, names, multiple_synapses='sum'):
        aggregate = {
            'sum': (np.add.at, 0.0), 'min': (np.minimum.at, np.inf),
            'max': (np.maximum.at, -np.inf)}
        pre, post = [], []
        for key, _ in self._finalized_blocks():
            pre.append(self._block_attribute(key, "presynaptic_index"))
            post.append(self._block_attribute(key, "postsynaptic_index"))
        pre = np.concatenate(pre) if pre else np.zeros(0, int)
        post = np.concatenate(post) if post else np.zeros(0, int)
        results = []
        for name in names:
            values = [self._block_attribute(key, name) for key, _ in self._finalized_blocks()]
            values = np.concatenate(values) if values else np.zeros(0)
            array = np.full(self.shape, np.nan)
            if multiple_synapses in aggregate:
                func, fill = aggregate[multiple_synapses]
                filled = np.full(self.shape, fill)
                func(filled, (pre, post), values)
                present = np.zeros(self.shape, dtype=bool)
                present[pre, post] = True
                array[present] = filled[present]
            elif multiple_synapses == 'first':
                array[pre[::-1], post[::-1]] = values[::-1]
            else:  # 'last'
                array[pre, post] = values
            results.append(array)
        return results

    def _set_initial_value_array(self, variable, initial_value):
        """Projection.initialize: one value per connection, in connection order."""
        # PyNN 0.13's initialize() gives shape=(self.size,), the bound method: rebuild
        # the array with the number of connections
        from lazyarray import larray
        value = larray(initial_value.base_value, shape=(len(self),), dtype=float)
        values = np.broadcast_to(np.asarray(value.evaluate(simplify=False), dtype=float),
                                 (len(self),))
        start = 0
        for _, block in self._finalized_blocks():
            if not hasattr(block, "initialize_state"):
                raise errors.NonExistentParameterError(
                    variable, type(self.synapse_type).__name__, [])
            block.initialize_state(variable, values[start:start + block.size])
            start += block.size

    def _set_attributes(self, parameter_space):
        for name, value in parameter_space.items():
            homogeneous = value.is_homogeneous
            full = None if homogeneous else value.evaluate(simplify=False)
            for key, _block in self._finalized_blocks():
                pre = self._block_attribute(key, "presynaptic_index")
                post = self._block_attribute(key, "postsynaptic_index")
                if homogeneous:
                    values = np.full(pre.size, float(value.evaluate(simplify=True)))
                else:
                    values = np.asarray(full[pre, post], dtype=float)
                self._set_block_values(key, name, np.arange(pre.size), values)
