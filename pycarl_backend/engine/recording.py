"""Recording into preallocated arrays: no per-step Python objects.

Spikes are appended as (step, cell) pairs to growing int32 arrays (capacity
doubles when full); sampled state variables go into a (samples, cells) array
allocated for the whole run window before the window starts.
"""
import numpy as np

from .backend import to_numpy


class SpikeRecord:
    """All spikes of a population's recorded cells.

    Each spike is stored as (step, cell); with precise (off-grid) spike times
    a third array holds the time of each spike in ms.
    """

    def __init__(self, xp, size, capacity=4096):
        self.xp = xp
        self.recorded = xp.zeros(size, dtype=bool)
        self.steps = xp.zeros(capacity, dtype=xp.int32)
        self.cells = xp.zeros(capacity, dtype=xp.int32)
        self.times = None
        self.count = 0

    def _grow(self, need):
        if need <= self.steps.size:
            return
        capacity = max(need, 2 * self.steps.size)
        for name in ("steps", "cells", "times"):
            old = getattr(self, name)
            if old is None:
                continue
            new = self.xp.zeros(capacity, dtype=old.dtype)
            new[:self.count] = old[:self.count]
            setattr(self, name, new)

    def add_cells(self, index):
        self.recorded[self.xp.asarray(index)] = True

    def append(self, step, fired, fraction=None):
        """fraction: None (spikes at the step's end) or each spike's time within
        the step as a fraction in (0, 1] (chips with sub-step spike times)."""
        if fired.size == 0:
            return
        keep = self.recorded[fired]
        fired = fired[keep]
        n = int(fired.size)
        if n == 0:
            return
        need = self.count + n
        self._grow(need)
        self.steps[self.count:need] = step
        self.cells[self.count:need] = fired
        if self.times is not None:
            at = 1.0 if fraction is None else fraction[keep]
            self.times[self.count:need] = (step + at) * self.dt
        self.count = need

    def keep_precise_times(self, dt):
        """Store each spike's time in ms (for spike_precision='off_grid')."""
        self.dt = dt
        if self.times is None:
            self.times = self.xp.zeros(self.steps.size, dtype=self.xp.float64)
            self.times[:self.count] = (self.steps[:self.count] + 1) * dt

    def append_many(self, steps, cells, times=None):
        """Bulk append of a whole window (spike sources)."""
        cells = np.asarray(cells)
        mask = to_numpy(self.recorded)[cells]
        steps, cells = np.asarray(steps)[mask], cells[mask]
        n = cells.size
        need = self.count + n
        self._grow(need)
        self.steps[self.count:need] = self.xp.asarray(steps.astype(np.int32))
        self.cells[self.count:need] = self.xp.asarray(cells.astype(np.int32))
        if self.times is not None:
            exact = (steps + 1) * self.dt if times is None else np.asarray(times)[mask]
            self.times[self.count:need] = self.xp.asarray(exact)
        self.count = need

    def data(self):
        """Host arrays (steps, cells, times or None) of everything recorded so far."""
        times = None if self.times is None else to_numpy(self.times[:self.count])
        return to_numpy(self.steps[:self.count]), to_numpy(self.cells[:self.count]), times

    def counts(self, size):
        return np.bincount(to_numpy(self.cells[:self.count]), minlength=size)

    def clear(self):
        self.count = 0


class StateRecord:
    """Samples of one state variable of some cells, every `interval` steps.

    Sample j is the value at time j * interval * dt, the first (j = 0) being
    the state before the first step.
    """

    def __init__(self, xp, variable, cells, interval):
        self.xp = xp
        self.variable = variable
        self.cells = np.asarray(cells, dtype=np.int64)
        self._cells_dev = xp.asarray(self.cells)
        self.interval = int(interval)
        self.chunks = []
        self._buffer = None
        self._filled = 0
        self.samples_taken = 0

    def set_cells(self, cells):
        self.cells = np.asarray(cells, dtype=np.int64)
        self._cells_dev = self.xp.asarray(self.cells)

    def begin_window(self, first_step, n_steps):
        """Preallocate room for the samples falling in steps [first, first+n]."""
        n = n_steps // self.interval + 2
        self._buffer = self.xp.zeros((n, self.cells.size), dtype=self.xp.float64)
        self._filled = 0

    def maybe_sample(self, time_step, values):
        """Take a sample if `time_step` (time in steps) is on the sampling grid."""
        if time_step % self.interval == 0 and time_step // self.interval == self.samples_taken:
            self._buffer[self._filled] = values[self._cells_dev]
            self._filled += 1
            self.samples_taken += 1

    def end_window(self):
        if self._buffer is not None and self._filled:
            self.chunks.append(to_numpy(self._buffer[:self._filled]))
        self._buffer = None
        self._filled = 0

    def data(self):
        self.end_window()
        if not self.chunks:
            return np.zeros((0, self.cells.size))
        if len(self.chunks) > 1:
            self.chunks = [np.concatenate(self.chunks, axis=0)]
        return self.chunks[0]

    def clear(self, keep_count=False):
        self.chunks = []
        self._buffer = None
        self._filled = 0
        if not keep_count:
            self.samples_taken = 0
