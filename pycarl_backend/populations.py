"""Population, PopulationView and Assembly on the pycarl engine.

A Population owns one engine neuron group; a PopulationView addresses a
subset of its parent's cells through `_engine_index` (indices in the group).
"""
import numpy as np

from pyNN import common, errors
from pyNN.parameters import ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator
from .recording import Recorder


class Assembly(common.Assembly):
    _simulator = simulator


class EngineCellsMixin:
    """Parameter and state access shared by Population and PopulationView."""

    @property
    def group(self):
        return self.grandparent.group if hasattr(self, "parent") else self._group

    def _get_parameters(self, *names):
        if not isinstance(self.celltype, StandardCellType):
            raise errors.InvalidModelError(
                f"{self.label}: pycarl only supports standard cell types, "
                f"not {type(self.celltype).__name__}")
        if self.celltype.computed_parameters_include(names):
            native_names = self.celltype.get_native_names()
        else:
            native_names = self.celltype.get_native_names(*names)
        return self.celltype.reverse_translate(self._get_native_parameters(*native_names))

    def _get_native_parameters(self, *names):
        index = self._engine_index
        values = {}
        for name in names:
            value = self.group.get_parameter(name)
            if isinstance(value, list):  # spike_times: one Sequence per cell
                from pyNN.parameters import Sequence
                value = np.array([Sequence(value[i]) for i in index], dtype=object)
            else:
                value = value[index]
            values[name] = simplify(value)
        return ParameterSpace(values, shape=(len(index),))

    def _set_parameters(self, parameter_space):
        """`parameter_space` holds native (= PyNN) names and values."""
        parameter_space.evaluate(simplify=False)
        index = self._engine_index
        for name, value in parameter_space.items():
            self.group.set_parameter(name, index, value)

    def _set_initial_value_array(self, variable, initial_values):
        if variable not in self.group.initial:
            raise errors.NonExistentParameterError(
                variable, self.celltype.__class__.__name__, list(self.group.initial))
        index = self._engine_index
        values = initial_values.evaluate(simplify=False) if hasattr(
            initial_values, "evaluate") else initial_values
        values = np.broadcast_to(np.asarray(values, dtype=float), (len(index),))
        self.group.set_initial(variable, index, values)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class PopulationView(EngineCellsMixin, common.PopulationView):
    __doc__ = common.PopulationView.__doc__
    _simulator = simulator
    _assembly_class = Assembly

    @property
    def _engine_index(self):
        return self.index_in_grandparent(np.arange(self.size))

    @property
    def initial_values(self):
        parent_values = self.grandparent.initial_values
        index = self._engine_index
        return {name: value[index] if hasattr(value, "__getitem__") else value
                for name, value in parent_values.items()}


class Population(EngineCellsMixin, common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        state = simulator.state
        state.require_setup(f"Population '{self.label}'")
        celltype = self.celltype
        if not isinstance(celltype, StandardCellType) or not hasattr(celltype, "engine_model"):
            raise errors.InvalidModelError(
                f"Population '{self.label}': cell type {type(celltype).__name__} is not "
                f"available in pycarl; use one of pycarl_backend.list_standard_models()")
        id_range = np.arange(state.id_counter, state.id_counter + self.size)
        self.all_cells = np.array([simulator.ID(i) for i in id_range], dtype=simulator.ID)
        for cell in self.all_cells:
            cell.parent = self
        self._mask_local = np.ones(self.size, dtype=bool)
        parameter_space = celltype.native_parameters
        parameter_space.shape = (self.size,)
        parameter_space.evaluate(simplify=False)
        parameters = dict(parameter_space.items())
        self._group = state.engine.add_group(celltype.engine_model, self.size, parameters,
                                             label=self.label)
        self._group.population = self
        self._engine_index = np.arange(self.size)
        self.global_first_index = state.id_counter - 1
        state.id_counter += self.size
        state.populations.append(self)
