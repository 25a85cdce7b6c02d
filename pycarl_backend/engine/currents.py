"""Current injection (electrodes) into neuron groups.

Each source gives its amplitude (nA) for every step of a run window as one
vector, computed at once; during the window the group's injected current for
a step is one scatter of that row onto the target cells.
"""
import numpy as np

from .backend import scatter_add


class CurrentSchedule:
    """Base: subclasses implement amplitudes(first_step, n_steps, dt) -> (n,) array.

    The amplitude of step k acts on the membrane from time k*dt to (k+1)*dt.
    """

    def amplitudes(self, first_step, n_steps, dt):
        raise NotImplementedError


class GroupInjection:
    """All current sources injecting into one neuron group."""

    def __init__(self, xp, group_size):
        self.xp = xp
        self.size = group_size
        self.links = []  # (schedule, cell indices)
        self._table = None
        self._first = 0
        self._cells = None
        self._columns = None

    def add(self, schedule, cells):
        self.links.append((schedule, np.asarray(cells, dtype=np.int64)))

    def begin_window(self, first_step, n_steps, dt):
        if not self.links:
            self._table = None
            return
        columns = [s.amplitudes(first_step, n_steps, dt) for s, _ in self.links]
        self._table = self.xp.asarray(np.stack(columns, axis=1))  # (n_steps, n_links)
        self._first = first_step
        self._cells = self.xp.asarray(np.concatenate([c for _, c in self.links]))
        self._columns = self.xp.asarray(np.concatenate(
            [np.full(c.size, j) for j, (_, c) in enumerate(self.links)]))

    def current(self, step):
        if self._table is None:
            return None
        row = self._table[step - self._first]
        i_ext = self.xp.zeros(self.size)
        scatter_add(self.xp, i_ext, self._cells, row[self._columns])
        return i_ext
