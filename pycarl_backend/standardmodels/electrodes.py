"""PyNN's current sources (electrodes) on the engine's current schedules.

Each PyNN source owns one engine CurrentSchedule; its parameters live there
(PyNN names and units: nA, ms, Hz, degrees), so a change between two run()
calls takes effect from the next window, i.e. from the current time on.
`inject_into()` links the schedule to the cells' groups (Engine.injections).
"""
import numpy as np

from pyNN import errors
from pyNN.common import Assembly, Population, PopulationView
from pyNN.parameters import ParameterSpace, Sequence
from pyNN.standardmodels import StandardCurrentSource, build_translations, electrodes

from .. import simulator
from ..engine.currents import (ACSchedule, DCSchedule, NoiseSchedule, StepSchedule,
                               round_step_times)

__all__ = ["DCSource", "ACSource", "StepCurrentSource", "NoisyCurrentSource"]


def _plain(value):
    """A ParameterSpace value (after evaluate) as a float or a float array."""
    if isinstance(value, Sequence):
        return np.asarray(value.value, dtype=float)
    if isinstance(value, np.ndarray) and value.dtype == object:  # array of one Sequence
        return _plain(value.ravel()[0])
    value = np.asarray(value, dtype=float)
    return float(value.ravel()[0]) if value.size == 1 and value.ndim <= 1 else value


def _targets(cells):
    """(population, indices in its engine group) for every population in `cells`."""
    if isinstance(cells, Assembly):
        for population in cells.populations:
            yield from _targets(population)
    elif isinstance(cells, (Population, PopulationView)):
        yield cells, np.asarray(cells._engine_index, dtype=np.int64)
    else:
        by_parent = {}
        for cell in cells:
            parent = getattr(cell, "parent", None)
            if parent is None:
                raise TypeError(f"inject_into() takes a Population, PopulationView, Assembly "
                                f"or a list of cell IDs, got {cell!r}")
            by_parent.setdefault(id(parent), (parent, []))[1].append(int(cell))
        for parent, ids in by_parent.values():
            yield parent, np.asarray(ids, dtype=np.int64) - int(parent.first_id)


class EngineCurrentSource(StandardCurrentSource):
    """Shared machinery: parameters kept in the engine schedule, injection, recording."""

    def __init__(self, **parameters):
        state = simulator.state
        state.require_setup(type(self).__name__)
        object.__setattr__(self, "_schedule", self._make_schedule(state.engine))
        object.__setattr__(self, "_engine", state.engine)
        parameter_space = ParameterSpace(self._defaults(state), self.get_schema(), shape=(1,))
        parameter_space.update(**parameters)
        self.set_native_parameters(self.translate(parameter_space))
        state.current_sources.append(self)

    @classmethod
    def _translations(cls, pynn_class):
        return build_translations(*[(name, name) for name in pynn_class.default_parameters])

    def _defaults(self, state):
        return dict(self.default_parameters)

    def _make_schedule(self, engine):
        return self.schedule_class()

    @property
    def label(self):
        return type(self).__name__

    # --- parameters -------------------------------------------------------
    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        values = {name: _plain(value) for name, value in parameters.items()}
        merged = self._schedule.parameters()
        merged.update(values)
        self._check(merged, simulator.state.dt)
        self._schedule.set(**{name: merged[name] for name in values})

    def get_native_parameters(self):
        values = {name: Sequence(value) if isinstance(value, np.ndarray) else value
                  for name, value in self._schedule.parameters().items()}
        return ParameterSpace(values, self.get_schema(), shape=(1,))

    @property
    def parameter_space(self):
        return self.get_native_parameters()

    def get_parameters(self):
        """All parameters as plain values (identity translations: native = PyNN)."""
        return self._schedule.parameters()

    def _check(self, p, dt):
        """Raise InvalidParameterValueError for values the source cannot take."""
        for name, value in p.items():
            if not np.all(np.isfinite(value)):
                self._bad(name, value, "finite")

    def _bad(self, name, value, allowed):
        raise errors.InvalidParameterValueError(
            f"{self.label}: {name} = {value} is not allowed; {name} must be {allowed}")

    def _check_window(self, p):
        if p['start'] < 0:
            self._bad('start', p['start'], ">= 0 ms")
        if p['stop'] < p['start']:
            self._bad('stop', p['stop'], f">= start ({p['start']} ms)")

    # --- injection --------------------------------------------------------
    def inject_into(self, cells):
        """Inject this source's current into a Population, PopulationView, Assembly
        or list of IDs."""
        targets = list(_targets(cells))
        for population, _ in targets:
            if not population.celltype.injectable:
                raise TypeError(
                    f"{self.label}: can't inject current into a spike source "
                    f"(population '{population.label}', {type(population.celltype).__name__})")
        for population, index in targets:
            self._engine.injections[population.group].add(self._schedule, index)

    # --- recording --------------------------------------------------------
    def record(self):
        """Record the injected current (read it back with get_data())."""
        self._schedule.start_recording(self._engine.step_count)

    def _get_data(self):
        """(times, currents) at every step from the start of recording to now
        (inclusive); the value at t is the current acting from t to t + dt."""
        dt = simulator.state.dt
        first, values = self._schedule.trace(self._engine.step_count, dt)
        return (first + np.arange(values.size)) * dt, values


class DCSource(EngineCurrentSource, electrodes.DCSource):
    __doc__ = electrodes.DCSource.__doc__
    translations = EngineCurrentSource._translations(electrodes.DCSource)
    schedule_class = DCSchedule

    def _check(self, p, dt):
        super()._check(p, dt)
        self._check_window(p)


class ACSource(EngineCurrentSource, electrodes.ACSource):
    __doc__ = electrodes.ACSource.__doc__
    translations = EngineCurrentSource._translations(electrodes.ACSource)
    schedule_class = ACSchedule

    def _check(self, p, dt):
        super()._check(p, dt)
        self._check_window(p)
        if p['frequency'] < 0:
            self._bad('frequency', p['frequency'], ">= 0 Hz")


class StepCurrentSource(EngineCurrentSource, electrodes.StepCurrentSource):
    __doc__ = electrodes.StepCurrentSource.__doc__
    translations = EngineCurrentSource._translations(electrodes.StepCurrentSource)
    schedule_class = StepSchedule

    def set_native_parameters(self, parameters):
        parameters.evaluate(simplify=True)
        values = {name: _plain(value) for name, value in parameters.items()}
        merged = self._schedule.parameters()
        merged.update({name: np.atleast_1d(v) for name, v in values.items()})
        times, amplitudes = round_step_times(merged.get('times', []),
                                             merged.get('amplitudes', []),
                                             simulator.state.dt, label=self.label)
        self._schedule.set(times=times, amplitudes=amplitudes)


class NoisyCurrentSource(EngineCurrentSource, electrodes.NoisyCurrentSource):
    __doc__ = electrodes.NoisyCurrentSource.__doc__
    translations = EngineCurrentSource._translations(electrodes.NoisyCurrentSource)

    def _defaults(self, state):
        # without an explicit dt, a new value every simulation step
        return dict(self.default_parameters, dt=state.dt)

    def _make_schedule(self, engine):
        return NoiseSchedule(engine.rng)

    def _check(self, p, dt):
        super()._check(p, dt)
        self._check_window(p)
        if p['stdev'] < 0:
            self._bad('stdev', p['stdev'], ">= 0 nA")
        ratio = p['dt'] / dt
        if ratio < 1 - 1e-9 or abs(ratio - round(ratio)) > 1e-6:
            self._bad('dt', p['dt'], f"a multiple of the simulation time step ({dt} ms)")
