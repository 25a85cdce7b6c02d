"""Current injection (electrodes) into neuron groups.

Each source (a CurrentSchedule) gives its amplitude (nA) for every step of a
run window as one host vector, computed at once from its current parameters;
during the window the group's injected current for a step is one scatter of
that row onto the target cells.

Timing: the amplitude of step k acts on the membrane from time k*dt to
(k+1)*dt. A source with `start`/`stop` is on in the steps k with
start <= k*dt < stop, so the membrane first moves at start + dt (as PyNN
expects of every backend).
"""
import numpy as np

from pyNN import errors

from .backend import scatter_add

#: longest block of steps whose amplitudes are held at once (bounds memory of long runs)
CHUNK_STEPS = 16384

_EPS = 1e-9


def first_step_at_or_after(t, dt):
    """The first step k with k*dt >= t (times within 1e-9 steps of the grid count as on it)."""
    return int(np.ceil(t / dt - _EPS))


def window_steps(first_step, n_steps):
    return np.arange(first_step, first_step + n_steps, dtype=np.int64)


class CurrentSchedule:
    """Base: subclasses implement amplitudes(first_step, n_steps, dt) -> (n,) array.

    `window()` wraps it: one computation per window even when the source feeds
    several groups (so every target gets the same values, noise included), and
    a trace of the values when the source is recorded.
    """

    def __init__(self, **parameters):
        self.params = {}
        self.recording = False
        self._trace = []          # host arrays, contiguous from _trace_first
        self._trace_first = 0
        self._trace_end = 0
        self._last_window = None  # ((first, n, dt), values)
        self.set(**parameters)

    # --- parameters -------------------------------------------------------
    def set(self, **parameters):
        self.params.update(parameters)
        self._last_window = None

    def parameters(self):
        """A copy of the parameters (arrays copied)."""
        return {name: (value.copy() if isinstance(value, np.ndarray) else value)
                for name, value in self.params.items()}

    def amplitudes(self, first_step, n_steps, dt):
        raise NotImplementedError

    # --- windows, recording and reset --------------------------------------
    def window(self, first_step, n_steps, dt):
        key = (first_step, n_steps, dt)
        if self._last_window is not None and self._last_window[0] == key:
            return self._last_window[1]
        if self.recording and first_step > self._trace_end:
            # steps nobody asked for (the source fed no cell yet): computed first, in time order
            self.window(self._trace_end, first_step - self._trace_end, dt)
        values = np.asarray(self.amplitudes(first_step, n_steps, dt), dtype=np.float64)
        if self.recording:
            self._store(first_step, values)
        self._last_window = (key, values)
        return values

    def start_recording(self, from_step):
        if not self.recording:
            self.recording = True
            self._trace, self._trace_first, self._trace_end = [], from_step, from_step

    def _store(self, first_step, values):
        if first_step < self._trace_end:  # recomputed steps (parameters changed): keep the newest
            self._truncate(first_step)
        self._trace.append(values)
        self._trace_end = first_step + values.size

    def _truncate(self, end_step):
        kept = np.concatenate(self._trace)[:max(end_step - self._trace_first, 0)] \
            if self._trace else np.empty(0)
        self._trace = [kept]
        self._trace_end = self._trace_first + kept.size

    def trace(self, last_step, dt):
        """(first step, values) of the recorded amplitudes up to and including `last_step`."""
        if not self.recording:
            raise errors.RecordingError("i", type(self).__name__)
        if self._trace_end <= last_step:
            self.window(self._trace_end, last_step + 1 - self._trace_end, dt)
        values = np.concatenate(self._trace) if self._trace else np.empty(0)
        return self._trace_first, values[:last_step + 1 - self._trace_first]

    def restart(self):
        """Time went back to zero (reset()): forget the trace and cached values."""
        self._last_window = None
        if self.recording:
            self._trace, self._trace_first, self._trace_end = [], 0, 0


class GatedSchedule(CurrentSchedule):
    """A source that is on in the steps with start <= k*dt < stop."""

    def on_mask(self, steps, dt):
        on = first_step_at_or_after(self.params['start'], dt)
        off = first_step_at_or_after(self.params['stop'], dt)
        return (steps >= on) & (steps < off)


class DCSchedule(GatedSchedule):
    """Constant `amplitude` between start and stop."""

    def amplitudes(self, first_step, n_steps, dt):
        steps = window_steps(first_step, n_steps)
        return np.where(self.on_mask(steps, dt), float(self.params['amplitude']), 0.0)


class ACSchedule(GatedSchedule):
    """offset + amplitude * sin(2 pi frequency (t - start) + phase) between start and stop;
    `phase` (degrees) is the phase at t = start."""

    def amplitudes(self, first_step, n_steps, dt):
        p = self.params
        steps = window_steps(first_step, n_steps)
        t = steps * dt - p['start']
        wave = p['offset'] + p['amplitude'] * np.sin(
            2.0 * np.pi * p['frequency'] * t / 1000.0 + np.deg2rad(p['phase']))
        return np.where(self.on_mask(steps, dt), wave, 0.0)


class StepSchedule(CurrentSchedule):
    """Piecewise constant: amplitudes[i] from times[i] on; zero before times[0]."""

    def amplitudes(self, first_step, n_steps, dt):
        times = np.asarray(self.params['times'], dtype=float)
        values = np.asarray(self.params['amplitudes'], dtype=float)
        steps = window_steps(first_step, n_steps)
        if times.size == 0:
            return np.zeros(n_steps)
        change_steps = np.rint(times / dt).astype(np.int64)
        which = np.searchsorted(change_steps, steps, side='right') - 1
        return np.where(which >= 0, values[np.maximum(which, 0)], 0.0)


def round_step_times(times, amplitudes, dt, label="StepCurrentSource"):
    """Validate step times and map them onto the time grid (as PyNN's NEURON and
    Brian backends): times rounded to multiples of dt; of times that round to
    the same grid point, the last one's amplitude is kept."""
    times = np.asarray(times, dtype=float).ravel()
    amplitudes = np.asarray(amplitudes, dtype=float).ravel()
    if times.size != amplitudes.size:
        raise errors.InvalidParameterValueError(
            f"{label}: times ({times.size} values) and amplitudes ({amplitudes.size} values) "
            f"must have the same length")
    if not np.all(np.isfinite(times)) or not np.all(np.isfinite(amplitudes)):
        raise errors.InvalidParameterValueError(
            f"{label}: times and amplitudes must be finite, got times={times.tolist()}, "
            f"amplitudes={amplitudes.tolist()}")
    if times.size and times.min() < 0:
        raise errors.InvalidParameterValueError(
            f"{label}: step times must be >= 0 ms, got {times.tolist()}")
    if times.size > 1 and np.min(np.diff(times)) <= 0:
        raise errors.InvalidParameterValueError(
            f"{label}: step times must be strictly increasing, got {times.tolist()}")
    grid = np.rint(times / dt)
    last_of_each = np.append(grid[1:] != grid[:-1], True) if grid.size else grid.astype(bool)
    return grid[last_of_each] * dt, amplitudes[last_of_each]


class NoiseSchedule(GatedSchedule):
    """Gaussian noise: mean + stdev * z, a new z every `dt` (ms, a multiple of the
    simulation step) from start on, drawn from the engine's generator.

    Draws are kept per noise interval until a later window starts, so every
    target of the source, the recorded trace and a window that begins at a
    step already sampled for get_data() all see the same value.
    """

    def __init__(self, rng, **parameters):
        self.rng = rng
        self._z = np.empty(0)
        self._z_first = 0
        super().__init__(**parameters)

    def set(self, **parameters):
        if 'dt' in parameters or 'start' in parameters:
            self._z, self._z_first = np.empty(0), 0  # the interval grid moved
        super().set(**parameters)

    def _draws(self, first, last):
        """z of noise intervals first..last (inclusive)."""
        if self._z.size == 0 or first < self._z_first:
            self._z, self._z_first = np.empty(0), first
        end = self._z_first + self._z.size
        if last >= end:
            fresh = self.rng.standard_normal(last + 1 - end)
            self._z = np.concatenate([self._z, fresh])
        self._z = self._z[first - self._z_first:]  # earlier intervals are never asked again
        self._z_first = first
        return self._z[:last + 1 - first]

    def amplitudes(self, first_step, n_steps, dt):
        p = self.params
        steps = window_steps(first_step, n_steps)
        on = self.on_mask(steps, dt)
        if not on.any():
            return np.zeros(n_steps)
        steps_per_value = int(round(p['dt'] / dt))
        interval = (steps - first_step_at_or_after(p['start'], dt)) // steps_per_value
        lo, hi = int(interval[on].min()), int(interval[on].max())
        z = self._draws(lo, hi)
        values = p['mean'] + p['stdev'] * z[np.clip(interval - lo, 0, hi - lo)]
        return np.where(on, values, 0.0)

    def restart(self):
        super().restart()
        self._z, self._z_first = np.empty(0), 0


class GroupInjection:
    """All current sources injecting into one neuron group.

    Amplitudes are fetched in blocks of at most CHUNK_STEPS steps, so a long
    run() does not hold a (steps x sources) table at once.
    """

    def __init__(self, xp, group_size):
        self.xp = xp
        self.size = group_size
        self.links = []  # (schedule, cell indices)
        self._schedules = []
        self._cells = None
        self._columns = None
        self._table = None
        self._table_first = 0
        self._table_end = 0
        self._window_end = 0
        self._dt = None

    def add(self, schedule, cells):
        self.links.append((schedule, np.asarray(cells, dtype=np.int64)))
        self._cells = None

    def _build_index(self):
        # one table column per distinct schedule, whatever the number of links to it
        self._schedules = list({id(s): s for s, _ in self.links}.values())
        column_of = {id(s): j for j, s in enumerate(self._schedules)}
        self._cells = self.xp.asarray(np.concatenate([c for _, c in self.links]))
        self._columns = self.xp.asarray(np.concatenate(
            [np.full(c.size, column_of[id(s)]) for s, c in self.links]))

    def begin_window(self, first_step, n_steps, dt):
        self._table = None
        self._table_first = self._table_end = first_step
        self._window_end = first_step + n_steps
        self._dt = dt
        if self.links and self._cells is None:
            self._build_index()

    def _load(self, step):
        n = min(CHUNK_STEPS, self._window_end - step)
        columns = [s.window(step, n, self._dt) for s in self._schedules]
        table = np.stack(columns, axis=1)  # (n, n_schedules)
        self._table = self.xp.asarray(table) if table.any() else None
        self._table_first, self._table_end = step, step + n

    def amplitude_table(self, first_step, n_steps):
        """(table, cells, columns) of steps first_step..+n_steps-1: table[k, j] is
        schedule j's amplitude in step first_step + k (None when all are zero), and
        link entry e adds table[k, columns[e]] to cell cells[e], as current() does."""
        if self._cells is None:
            self._build_index()
        table = np.stack([s.window(first_step, n_steps, self._dt) for s in self._schedules],
                         axis=1)
        from .backend import to_numpy
        return (table if table.any() else None), to_numpy(self._cells), to_numpy(self._columns)

    def current(self, step):
        """Injected current (nA) of every cell of the group in `step`, or None if zero."""
        if not self.links:
            return None
        if not self._table_first <= step < self._table_end:
            self._load(step)
        if self._table is None:
            return None
        row = self._table[step - self._table_first]
        i_ext = self.xp.zeros(self.size)
        scatter_add(self.xp, i_ext, self._cells, row[self._columns])
        return i_ext

    def reset(self):
        self._table = None
        self._table_first = self._table_end = self._window_end = 0
        for schedule, _ in self.links:
            schedule.restart()
