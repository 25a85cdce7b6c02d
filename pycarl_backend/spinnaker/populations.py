"""Population and PopulationView with sPyNNaker's extras.

* `set(v=...)` (any state variable) sets the initial value, as sPyNNaker's
  Population.set does for state variables; parameters go through PyNN's set().
* `PopulationView(pop, range(a, b))` (and any iterable of indices) works.
* Spike times and sampled traces as sPyNNaker records them (recording.py).
* `Population(..., seed=s)` (sPyNNaker 7's keyword; also
  `additional_parameters={"seed": s}`, the 5/6 form) seeds the population's
  own random numbers (SpikeSourcePoisson spikes); `seed=None` leaves the
  simulation's stream.
* Initial values given among the cell parameters (`IF_curr_exp(v=-60)`,
  `{"v": -60}`) initialise the population; `initial_values=` wins over them.
* `additional_parameters={"n_steps_per_timestep": n}`: n neuron updates per
  tick (neurons.py).
* `Population(..., additional_parameters={"max_atoms_per_core": n})` and
  `set_max_atoms_per_core(n)` set this population's neurons-per-core limit.
* sPyNNaker's machine-resource additional_parameters (spikes_per_second,
  ring_buffer_sigma, ...) are kept in `machine_parameters`; others are
  ignored with sPyNNaker's warning ("additional_parameter X will be ignored").
* `add_placement_constraint(x, y, p=None)` and `constraints=` are accepted:
  placement does not change a software run; the request is kept in
  `placement_constraints`.
* get_data/write_data of a variable that is not recorded raise
  ConfigurationException, as sPyNNaker does.
* `spinnaker_get_data(variable)`: the recorded data as sPyNNaker's numpy
  format (spikes: rows (index, time); traces: rows (index, time, value),
  neuron by neuron).
"""
import logging

import numpy as np
from pyNN import errors
from pyNN.parameters import LazyArray

from .. import populations as _pycarl
from .. import simulator
from . import control
from .exceptions import ConfigurationException
from .recording import Recorder, spinnaker_rows


def _as_selector(selector):
    if isinstance(selector, (range, list, tuple)):
        return np.asarray(list(selector), dtype=int)
    return selector


logger = logging.getLogger("pycarl.spinnaker")

#: additional_parameters sPyNNaker's populations take for the machine
MACHINE_PARAMETERS = frozenset({
    "spikes_per_second", "ring_buffer_sigma", "incoming_spike_buffer_size",
    "max_rate", "n_steps_per_timestep", "splitter", "drop_late_spikes",
    "max_expected_summed_weight", "n_synapse_cores", "allow_delay_extensions",
    "neurons_per_core", "n_colour_bits", "rb_left_shifts"})


def _seed_group(group, seed):
    """The group draws from its own stream, restarted by reset() (sPyNNaker
    reloads a seeded population's generator state on reset)."""
    group.rng = np.random.default_rng(seed)
    engine_reset = group.reset

    def reset():
        engine_reset()
        group.rng = np.random.default_rng(seed)
    group.reset = reset


class SpiNNakerCellsMixin:

    def set(self, **parameters):
        """Set parameters; a state variable (e.g. v) sets its initial value."""
        state_names = set(self.celltype.default_initial_values)
        initial = {k: parameters.pop(k) for k in list(parameters) if k in state_names}
        if initial:
            self.initialize(**initial)
        if parameters:
            super().set(**parameters)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    def _set_initial_value_array(self, variable, initial_values):
        """Before the first run since setup()/reset() an initial value is also the
        current one; after a run it waits for the next reset() (sPyNNaker's
        set_initial_state_values; set_state() changes the running state)."""
        if simulator.state.t == 0:
            return super()._set_initial_value_array(variable, initial_values)
        group = self.group
        if variable not in group.initial:
            raise errors.NonExistentParameterError(
                variable, self.celltype.__class__.__name__, list(group.initial))
        values = initial_values.evaluate(simplify=False) if hasattr(
            initial_values, "evaluate") else initial_values
        index = self._engine_index
        group.initial[variable][index] = np.broadcast_to(
            np.asarray(values, dtype=float), (len(index),))

    def set_state(self, **values):
        """sPyNNaker's set_state: change the current value of state variables
        (the running state; the initial values stay)."""
        group, index = self.group, self._engine_index
        for variable, value in values.items():
            if variable not in group.state:
                raise errors.NonExistentParameterError(
                    variable, self.celltype.__class__.__name__, list(group.state))
            lazy = LazyArray(value, shape=(self.size,), dtype=float)
            group.state[variable][group.xp.asarray(index)] = group.xp.asarray(
                lazy.evaluate(simplify=False), dtype=float)

    def set_initial_value(self, variable, value, selector=None):
        """sPyNNaker 5/6's set_initial_value: between runs it changes the running
        state (set_state), for all cells or those of `selector`."""
        target = self if selector is None else self[selector]
        target.set_state(**{variable: value})

    def __getitem__(self, index):
        """pop[i] is a one-cell view in sPyNNaker (it can record, set, ...)."""
        if isinstance(index, (int, np.integer)):
            if not -self.size <= index < self.size:
                raise IndexError(f"{self.label}: index {index} out of range 0..{self.size - 1}")
            return self._get_view(np.array([index % self.size]))
        return super().__getitem__(index)

    @property
    def current_values(self):
        """sPyNNaker's current_values: the state variables now (not the initial values)."""
        group, index = self.group, self._engine_index
        return {name: np.asarray(group.state[name])[index].copy()
                for name in self.celltype.default_initial_values}

    def get(self, parameter_names, gather=False, simplify=True):
        """PyNN's get(); one parameter comes as the list of every cell's value, equal
        values too (sPyNNaker 6 returns its RangedList, which compares equal to the
        list that set it, whatever `simplify` says)."""
        if isinstance(parameter_names, str):
            values = super().get(parameter_names, gather, simplify=False)
            return self._reported(parameter_names, values)
        values = super().get(parameter_names, gather, simplify)
        return [self._reported(name, v) for name, v in zip(parameter_names, values)]

    def _reported(self, name, values):
        values = values.tolist() if isinstance(values, np.ndarray) and values.ndim else values
        # a cell type may report values as sPyNNaker does (poisson.py: None durations)
        report = getattr(self.celltype, "reported", None)
        return report(name, values, self.size) if report is not None else values

    def _check_recorded(self, variables):
        if variables in (None, "all"):
            return
        names = [variables] if isinstance(variables, str) else list(variables)
        recorded = {v.name for v in self.recorder.recorded}
        for name in names:
            if name != "all" and name not in recorded:
                raise ConfigurationException(
                    f"Population '{self.label}' does not record {name} "
                    f"(recorded: {', '.join(sorted(recorded)) or 'nothing'})")

    def get_data(self, variables='all', gather=True, clear=False, locations=None):
        self._check_recorded(variables)
        return super().get_data(variables, gather, clear, locations)

    def write_data(self, io, variables='all', gather=True, clear=False, annotations=None,
                   locations=None):
        self._check_recorded(variables)
        return super().write_data(io, variables, gather, clear, annotations, locations)

    def spinnaker_get_data(self, variable, as_matrix=False, view_indexes=None):
        """sPyNNaker's numpy form of the recorded `variable` (see the module docstring)."""
        if isinstance(variable, (list, tuple)):
            if len(variable) != 1:
                raise errors.InvalidParameterValueError(
                    f"{self.label}: spinnaker_get_data takes one variable, got {variable}")
            variable = variable[0]
        if view_indexes is not None:
            return self[view_indexes].spinnaker_get_data(variable, as_matrix)
        block = self.get_data(variable, clear=False)
        rows = spinnaker_rows(block.segments[-1], variable)
        if as_matrix and variable != "spikes":
            n_times = np.unique(rows[:, 1]).size
            return rows[:, 2].reshape(-1, n_times).T
        return rows


class PopulationView(SpiNNakerCellsMixin, _pycarl.PopulationView):
    __doc__ = _pycarl.PopulationView.__doc__

    def __init__(self, parent, selector, label=None):
        super().__init__(parent, _as_selector(selector), label)


class Population(SpiNNakerCellsMixin, _pycarl.Population):
    __doc__ = _pycarl.Population.__doc__
    _recorder_class = Recorder

    def __init__(self, size, cellclass, cellparams=None, structure=None,
                 initial_values=None, label=None, constraints=None,
                 additional_parameters=None, seed=None, **additional_kwargs):
        for key in ("splitter", "n_colour_bits", "rb_left_shifts", "neurons_per_core"):
            additional_kwargs.pop(key, None)  # placement/machine details: no effect on results
        if additional_kwargs:
            raise errors.InvalidParameterValueError(
                f"Population '{label}': unknown arguments {sorted(additional_kwargs)}")
        extra = dict(additional_parameters or {})
        if "seed" in extra:
            seed = extra.pop("seed")
        celltype = cellclass(**(cellparams or {})) if isinstance(cellclass, type) else cellclass
        given = dict(getattr(celltype, "initial_values_given", {}))
        given.update(initial_values or {})
        super().__init__(size, celltype, None, structure, given, label)
        self.placement_constraints = list(constraints or [])
        if seed is not None:
            _seed_group(self.group, seed)
        if "max_atoms_per_core" in extra:
            self.set_max_atoms_per_core(extra.pop("max_atoms_per_core"))
        self._set_steps_per_tick(extra.pop("n_steps_per_timestep", 1))
        #: sPyNNaker's machine-resource settings (ring-buffer and SDRAM sizing):
        #: kept, no effect on a software run
        self.machine_parameters = {k: extra.pop(k) for k in list(extra)
                                   if k in MACHINE_PARAMETERS}
        for key in sorted(extra):  # sPyNNaker's own message for the others
            logger.warning(f"additional_parameter {key} will be ignored")
        control._update_override()

    def _set_steps_per_tick(self, n):
        """sPyNNaker's n_steps_per_timestep: neuron updates per tick (neurons.py)."""
        if n == 1:
            return
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise errors.InvalidParameterValueError(
                f"Population '{self.label}': n_steps_per_timestep={n!r} must be an "
                f"integer >= 1")
        if not hasattr(self.group, "set_steps_per_tick"):
            raise errors.InvalidParameterValueError(
                f"Population '{self.label}': n_steps_per_timestep={n!r}; pycarl_backend."
                f"spinnaker takes several steps per tick for IF_curr_exp and IF_cond_exp, "
                f"not {type(self.celltype).__name__}")
        self.group.set_steps_per_tick(int(n))

    def set_max_atoms_per_core(self, max_atoms_per_core):
        """This population's neurons-per-core limit (sPyNNaker placement; see control)."""
        control.set_population_neurons_per_core(self, max_atoms_per_core)

    def add_placement_constraint(self, x, y, p=None):
        """sPyNNaker's chip (and core) placement request; kept, no effect on results."""
        for name, value in (("x", x), ("y", y), ("p", p)):
            if value is not None and (int(value) != value or value < 0):
                raise errors.InvalidParameterValueError(
                    f"Population '{self.label}': add_placement_constraint {name}={value!r} "
                    f"must be an integer >= 0")
        self.placement_constraints.append({"x": x, "y": y, "p": p})

    def set_constraint(self, constraint):
        """sPyNNaker 5/6's placement constraint object; kept, no effect on results."""
        self.placement_constraints.append(constraint)
