"""Population and PopulationView with sPyNNaker's extras.

* `set(v=...)` (any state variable) sets the initial value, as sPyNNaker's
  Population.set does for state variables; parameters go through PyNN's set().
* `PopulationView(pop, range(a, b))` (and any iterable of indices) works.
* Spike times use sPyNNaker's stamps (recording.Recorder).
* `Population(..., additional_parameters={"max_atoms_per_core": n})` and
  `set_max_atoms_per_core(n)` set this population's neurons-per-core limit.
"""
import numpy as np
from pyNN import errors

from .. import populations as _pycarl
from . import control
from .recording import Recorder


def _as_selector(selector):
    if isinstance(selector, (range, list, tuple)):
        return np.asarray(list(selector), dtype=int)
    return selector


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


class PopulationView(SpiNNakerCellsMixin, _pycarl.PopulationView):
    __doc__ = _pycarl.PopulationView.__doc__

    def __init__(self, parent, selector, label=None):
        super().__init__(parent, _as_selector(selector), label)


class Population(SpiNNakerCellsMixin, _pycarl.Population):
    __doc__ = _pycarl.Population.__doc__
    _recorder_class = Recorder

    def __init__(self, size, cellclass, cellparams=None, structure=None,
                 initial_values={},  # noqa: B006 (sPyNNaker's signature; passed on, not mutated)
                 label=None, additional_parameters=None,
                 **additional_kwargs):
        if additional_kwargs:
            raise errors.InvalidParameterValueError(
                f"Population '{label}': unknown arguments {sorted(additional_kwargs)}")
        super().__init__(size, cellclass, cellparams, structure, initial_values, label)
        extra = dict(additional_parameters or {})
        if "max_atoms_per_core" in extra:
            self.set_max_atoms_per_core(extra.pop("max_atoms_per_core"))
        for key in ("seed", "splitter"):
            extra.pop(key, None)  # placement details with no effect on results
        if extra:
            raise errors.InvalidParameterValueError(
                f"Population '{self.label}': unknown additional_parameters {sorted(extra)}")
        control._update_override()

    def set_max_atoms_per_core(self, max_atoms_per_core):
        """This population's neurons-per-core limit (sPyNNaker placement; see control)."""
        control.set_population_neurons_per_core(self, max_atoms_per_core)
