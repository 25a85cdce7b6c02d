"""Spike sources: their spikes do not depend on the network, so each source
group generates a whole run window at once (vectorised), and the step loop
only slices that schedule.

A step's spikes are an index array in which a cell that spikes k times in
that step appears k times (multiplicity): propagation delivers k x weight,
recording stores k spikes with the same time stamp (as NEST's spike_recorder
writes an event of multiplicity k), so a source keeps its rate at any
rate * dt.

Spike-time convention (as NEST's spike_generator): a spike at time T is
emitted in step k = round(T/dt) - 1 and carries the time stamp (k+1)*dt = T;
off-grid times are moved up to the next grid point.
"""
import numpy as np

from pyNN import errors

from .neurons import NeuronGroup, NON_NEGATIVE


class SourceGroup(NeuronGroup):
    """Base of the spike sources; `schedule()` replaces update()."""

    receptors = ()
    is_source = True

    def __init__(self, xp, dt, size, parameters, label="", rng=None):
        super().__init__(xp, dt, size, parameters, label=label, rng=rng)
        self._window = (0, 0, np.empty(0, np.int64), np.empty(0, np.int32))

    def schedule(self, first_step, n_steps):
        """Host arrays (steps, cells), sorted by step, of spikes in the window."""
        raise NotImplementedError

    def begin_window(self, first_step, n_steps):
        """Spikes of the window: (steps, cells, exact times in ms or None)."""
        steps, cells, *times = self.schedule(first_step, n_steps)
        times = times[0] if times else None
        order = np.argsort(steps, kind="stable")
        steps, cells = steps[order], cells[order]
        times = None if times is None else times[order]
        bounds = np.searchsorted(steps, np.arange(first_step, first_step + n_steps + 1))
        self._window = (first_step, bounds, steps, self.xp.asarray(cells.astype(np.int32)))
        return steps, cells, times

    def update(self, step, inputs, i_ext):
        first_step, bounds, _, cells = self._window
        k = step - first_step
        return cells[bounds[k]:bounds[k + 1]]


class SpikeArraySource(SourceGroup):
    """SpikeSourceArray: one sequence of spike times per cell."""

    defaults = {}

    def __init__(self, xp, dt, size, parameters, label="", rng=None):
        self.spike_times = [np.empty(0)] * size
        super().__init__(xp, dt, size, {}, label=label, rng=rng)
        self.set_spike_times(np.arange(size), parameters.get("spike_times", [[]] * size))

    def set_spike_times(self, index, sequences):
        if hasattr(sequences, "value"):  # one Sequence for all cells (PyNN gives that for size 1)
            sequences = [sequences] * np.atleast_1d(index).size
        for i, seq in zip(np.atleast_1d(index), sequences):
            times = np.asarray(getattr(seq, "value", seq), dtype=float).ravel()
            if times.size > 1 and np.any(np.diff(times) < 0):
                raise errors.InvalidParameterValueError(
                    f"SpikeSourceArray '{self.label}'[{int(i)}]: spike times must be "
                    f"in increasing order, got {times.tolist()}")
            self.spike_times[int(i)] = times

    def set_parameter(self, name, index, values):
        if name != "spike_times":
            raise errors.NonExistentParameterError(name, "SpikeSourceArray", ["spike_times"])
        self.set_spike_times(index, values)

    def get_parameter(self, name):
        if name != "spike_times":
            raise errors.NonExistentParameterError(name, "SpikeSourceArray", ["spike_times"])
        return self.spike_times

    def schedule(self, first_step, n_steps):
        counts = np.array([t.size for t in self.spike_times])
        if counts.sum() == 0:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        times = np.concatenate(self.spike_times)
        cells = np.repeat(np.arange(self.size, dtype=np.int32), counts)
        steps = np.ceil(np.round(times / self.dt, 6)).astype(np.int64) - 1
        keep = (steps >= first_step) & (steps < first_step + n_steps)
        steps, cells, times = steps[keep], cells[keep], times[keep]
        # repeated times are kept: each is delivered (as NEST's spike_generator)
        order = np.lexsort((cells, steps))
        return steps[order], cells[order], times[order]


class RenewalSource(SourceGroup):
    """Sources whose inter-spike intervals are independent draws (renewal
    processes), active in [start, start + duration).

    Spikes are generated in fixed blocks of BLOCK_MS of simulated time, so the
    random numbers drawn do not depend on how a simulation is split into
    run() calls: run(a); run(b) gives the same spikes as run(a + b).
    """

    BLOCK_MS = 100.0

    def reset(self):
        super().reset()
        self.prepare()

    def prepare(self):
        self.next_spike_ms = None  # drawn lazily from the current time
        self._generated_until = None
        self._buffer = (np.empty(0), np.empty(0, np.int64))

    def draw_intervals(self, rng, cells, count):
        """(len(cells), count) array of intervals in ms."""
        raise NotImplementedError

    def mean_interval(self):
        raise NotImplementedError

    def _generate_block(self, t_end):
        """Spike (times, cells) of all cells up to t_end, advancing next_spike_ms."""
        rng, nxt = self.rng, self.next_spike_ms
        mean = np.maximum(self.mean_interval(), self.dt)
        all_times, all_cells = [], []
        pending = np.flatnonzero(nxt < t_end)
        while pending.size:
            expected = (t_end - nxt[pending]) / mean[pending]
            count = int(min(max(expected.max() * 1.2 + 10, 10), 100000))
            times = nxt[pending, None] + np.concatenate(
                [np.zeros((pending.size, 1)),
                 np.cumsum(self.draw_intervals(rng, pending, count), axis=1)], axis=1)
            inside = times[:, :-1] < t_end
            rows, cols = np.nonzero(inside)
            all_times.append(times[rows, cols])
            all_cells.append(pending[rows])
            nxt[pending] = np.where(inside[:, -1], times[:, -1],
                                    times[np.arange(pending.size), inside.sum(axis=1)])
            pending = pending[inside[:, -1]]
        if not all_times:
            return np.empty(0), np.empty(0, np.int64)
        return np.concatenate(all_times), np.concatenate(all_cells)

    def schedule(self, first_step, n_steps):
        from .backend import to_numpy
        dt = self.dt
        start = to_numpy(self.params['start'])
        stop = start + to_numpy(self.params['duration'])
        t0, t1 = first_step * dt, (first_step + n_steps) * dt
        if self.next_spike_ms is None:
            origin = np.maximum(start, t0)
            self.next_spike_ms = origin + self.draw_intervals(
                self.rng, np.arange(self.size), 1)[:, 0]
            self._generated_until = t0
        times, cells = self._buffer
        parts_t, parts_c = [times], [cells]
        while self._generated_until < t1 - 1e-9:
            self._generated_until += self.BLOCK_MS
            block_t, block_c = self._generate_block(self._generated_until)
            parts_t.append(block_t)
            parts_c.append(block_c)
        times, cells = np.concatenate(parts_t), np.concatenate(parts_c)
        now = times < t1 - 1e-9
        self._buffer = (times[~now], cells[~now])
        times, cells = times[now], cells[now]
        active = (times >= start[cells]) & (times < stop[cells]) & (times >= t0)
        steps = np.ceil(np.round(times[active] / dt, 6)).astype(np.int64) - 1
        steps = np.clip(steps, first_step, first_step + n_steps - 1)
        cells = cells[active].astype(np.int32)
        # every spike is kept: a cell that spikes k times within one step appears k
        # times (its multiplicity, delivered as k x weight), as NEST's generators
        # send one event of multiplicity k (poisson_generator draws Poisson(rate*dt)
        # counts per step)
        order = np.lexsort((cells, steps))
        return steps[order], cells[order]


class PoissonSource(RenewalSource):
    defaults = {'rate': 1.0, 'start': 0.0, 'duration': 1e10}
    ranges = {'rate': NON_NEGATIVE, 'start': NON_NEGATIVE, 'duration': NON_NEGATIVE}

    def _rate(self, cells):
        from .backend import to_numpy
        return to_numpy(self.params['rate'])[cells]

    def mean_interval(self):
        rate = self._rate(slice(None))
        return np.where(rate > 0, 1000.0 / np.maximum(rate, 1e-300), np.inf)

    def draw_intervals(self, rng, cells, count):
        scale = self.mean_interval()[cells]
        finite = np.where(np.isfinite(scale), scale, 0.0)
        draws = rng.exponential(1.0, size=(len(cells), count)) * finite[:, None]
        return np.where(np.isfinite(scale)[:, None], draws, np.inf)


class PoissonRefractorySource(PoissonSource):
    defaults = {'rate': 1.0, 'tau_refrac': 0.0, 'start': 0.0, 'duration': 1e10}
    ranges = dict(PoissonSource.ranges, tau_refrac=NON_NEGATIVE)

    def draw_intervals(self, rng, cells, count):
        from .backend import to_numpy
        refrac = to_numpy(self.params['tau_refrac'])[cells]
        rate = self._rate(cells)
        free_mean = np.where(rate > 0, 1000.0 / np.maximum(rate, 1e-300) - refrac, np.inf)
        if np.any(free_mean <= 0):
            bad = int(np.flatnonzero(free_mean <= 0)[0])
            raise errors.InvalidParameterValueError(
                f"SpikeSourcePoissonRefractory '{self.label}'[{int(cells[bad])}]: rate "
                f"{rate[bad]:g} Hz is unreachable with tau_refrac {refrac[bad]:g} ms; "
                f"rate must be < 1000/tau_refrac")
        finite = np.where(np.isfinite(free_mean), free_mean, 0.0)
        draws = refrac[:, None] + rng.exponential(1.0, size=(len(cells), count)) * finite[:, None]
        return np.where(np.isfinite(free_mean)[:, None], draws, np.inf)


class GammaSource(RenewalSource):
    defaults = {'alpha': 2.0, 'beta': 1.0, 'start': 0.0, 'duration': 1e10}
    ranges = {'alpha': (0.0, None, False), 'beta': NON_NEGATIVE,
              'start': NON_NEGATIVE, 'duration': NON_NEGATIVE}

    def mean_interval(self):
        from .backend import to_numpy
        beta = to_numpy(self.params['beta'])
        alpha = to_numpy(self.params['alpha'])
        return np.where(beta > 0, 1000.0 * alpha / np.maximum(beta, 1e-300), np.inf)

    def draw_intervals(self, rng, cells, count):
        from .backend import to_numpy
        alpha = to_numpy(self.params['alpha'])[cells]
        beta = to_numpy(self.params['beta'])[cells]
        scale = np.where(beta > 0, 1000.0 / np.maximum(beta, 1e-300), 0.0)
        draws = rng.gamma(alpha[:, None], 1.0, size=(len(cells), count)) * scale[:, None]
        return np.where((beta > 0)[:, None], draws, np.inf)


SOURCE_MODELS = {
    'SpikeSourceArray': SpikeArraySource,
    'SpikeSourcePoisson': PoissonSource,
    'SpikeSourcePoissonRefractory': PoissonRefractorySource,
    'SpikeSourceGamma': GammaSource,
}
