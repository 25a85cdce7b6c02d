"""Poisson spike sources as sPyNNaker generates them, tick by tick.

sPyNNaker runs SpikeSourcePoisson and extra_models.SpikeSourcePoissonVariable
on one source model (spynnaker/pyNN/models/spike_source/
spike_source_poisson_vertex.py; C: spike_source/poisson/spike_source_poisson.c):
each cell has a list of (rate, start, duration) entries, the one whose
[start, end) holds the tick drives it, and per tick it sends the number of
spikes the rate gives:

* rate per tick lambda = rate * dt / 1000; below SLOW_RATE_PER_TICK_CUTOFF
  (0.01) the cell is "slow": it keeps a time to the next spike in ticks, drawn
  from an exponential of mean 1/lambda, sends one spike per time that has
  come due in a tick and counts it down by one per tick; from 0.01 on
  ("fast") it sends a Poisson(lambda) count every tick (Knuth's method there,
  and a Gaussian approximation from FAST_RATE_PER_TICK_CUTOFF = 10; NumPy's
  exact Poisson draw here);
* a change of a cell's rate (its next entry starting, or set(rate=...)
  between runs) draws its time to spike anew, so a SpikeSourcePoisson whose
  rate is set between runs and a SpikeSourcePoissonVariable with the same
  rates at those times send the same spikes from the same seed (sPyNNaker8's
  test_variable_rate.py, variable_rate_reset);
* an entry ends at start + duration, or, without a duration, where the next
  entry starts (the last one: never);
* spikes of tick k are stamped k * dt; several in one tick are recorded as
  that many spikes at the same time (sPyNNaker's MultiSpikeRecorder) and
  delivered as that many.

The random numbers come from the population's generator
(Population(..., seed=...) / additional_parameters={"seed": ...}, restarted
by reset()), not SpiNNaker's mars_kiss64: the statistics and the rules
above are the machine's, the individual spike times are not.
"""
import numpy as np
from pyNN import errors
from pyNN.parameters import Sequence
from pyNN.standardmodels import StandardCellType, build_translations

from ..engine.sources import SourceGroup

SLOW_RATE_PER_TICK_CUTOFF = 0.01   # spike_source_poisson_machine_vertex.py
FOREVER = np.inf


def _values(sequence):
    return np.asarray(getattr(sequence, "value", sequence), dtype=float).ravel()


class TickPoissonSource(SourceGroup):
    """Per-cell (rate, start, end) entries and sPyNNaker's per-tick draws."""

    defaults = {}

    def __init__(self, xp, dt, size, parameters, label="", rng=None):
        super().__init__(xp, dt, size, {}, label=label, rng=rng)
        self.entries = self.entries_from(parameters, np.arange(size))
        self.prepare()

    # --- entries ------------------------------------------------------------
    def entries_from(self, parameters, index):
        """{cell: (rates, starts, ends)} arrays in ms and Hz."""
        raise NotImplementedError

    @staticmethod
    def ends_of(starts, durations):
        ends = np.where(np.isnan(durations), FOREVER, starts + durations)
        if starts.size > 1:  # no duration: until the next entry starts
            following = np.append(starts[1:], FOREVER)
            ends = np.where(np.isnan(durations), following, ends)
        return ends

    def _check(self, cell, rates, starts, durations):
        where = f"'{self.label}'[{int(cell)}]"
        if not (rates.size == starts.size == durations.size):
            raise errors.InvalidParameterValueError(
                f"SpikeSourcePoisson {where}: each rate needs a start (and a duration or "
                f"none): got {rates.size} rates, {starts.size} starts, "
                f"{durations.size} durations")
        if np.any(rates < 0) or np.any(starts < 0) or np.any(durations[~np.isnan(durations)] < 0):
            raise errors.InvalidParameterValueError(
                f"SpikeSourcePoisson {where}: rates, starts and durations must be >= 0")

    # --- state --------------------------------------------------------------
    def prepare(self):
        self.time_to_spike = np.zeros(self.size)
        self.active_rate = np.full(self.size, np.nan)   # rate in force at the last tick

    def reset(self):
        super().reset()
        self.prepare()

    def _table(self):
        width = max(max(r.size for r, _, _ in self.entries.values()), 1)
        rates = np.zeros((self.size, width))
        starts = np.full((self.size, width), FOREVER)
        ends = np.full((self.size, width), -FOREVER)
        for cell, (r, s, e) in self.entries.items():
            rates[cell, :r.size], starts[cell, :r.size], ends[cell, :r.size] = r, s, e
        return rates, starts, ends

    def _rates_over(self, table, first_step, n_steps):
        """(n_steps, size) rate in force at each tick (the last entry holding it)."""
        rates, starts, ends = table
        t = (first_step + np.arange(n_steps))[:, None] * self.dt + 1e-9
        rate = np.zeros((n_steps, self.size))
        for j in range(rates.shape[1]):
            inside = (starts[None, :, j] <= t) & (t < ends[None, :, j])
            rate = np.where(inside, rates[None, :, j], rate)
        return rate

    def _chunk(self):
        """Ticks per block of the rate table (its memory stays ~2e6 values)."""
        return max(1, 2_000_000 // max(self.size, 1))

    def schedule(self, first_step, n_steps):
        table = self._table()
        cells_out, steps_out = [], []
        chunk = self._chunk()
        for begin in range(first_step, first_step + n_steps, chunk):
            length = min(chunk, first_step + n_steps - begin)
            self._draw(begin, self._rates_over(table, begin, length), cells_out, steps_out)
        if not cells_out:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        return np.concatenate(steps_out), np.concatenate(cells_out).astype(np.int32)

    def _draw(self, first_step, rate, cells_out, steps_out):
        """Tick by tick, in order (the draws do not depend on how runs split time)."""
        rng = self.rng
        per_tick = rate * self.dt / 1000.0
        previous = np.vstack([self.active_rate[None, :], rate[:-1]])
        changed = rate != previous
        self.active_rate = rate[-1].copy()
        slow = (per_tick > 0) & (per_tick < SLOW_RATE_PER_TICK_CUTOFF)
        fast = per_tick >= SLOW_RATE_PER_TICK_CUTOFF
        any_slow, any_fast = slow.any(axis=1), fast.any(axis=1)
        tts = self.time_to_spike
        for k in range(rate.shape[0]):
            counts = None
            if any_slow[k]:
                is_slow, lam = slow[k], per_tick[k]
                renew = np.flatnonzero(changed[k] & is_slow)
                if renew.size:
                    tts[renew] = rng.exponential(1.0 / lam[renew])
                due = np.flatnonzero(is_slow & (tts <= 0))
                if due.size:
                    counts = np.zeros(self.size, dtype=np.int64)
                while due.size:
                    counts[due] += 1
                    tts[due] += rng.exponential(1.0 / lam[due])
                    due = due[tts[due] <= 0]
                tts[is_slow] -= 1.0
            if any_fast[k]:
                which = np.flatnonzero(fast[k])
                if counts is None:
                    counts = np.zeros(self.size, dtype=np.int64)
                counts[which] = rng.poisson(per_tick[k, which])
            if counts is not None:
                spiking = np.flatnonzero(counts)
                if spiking.size:
                    cells = np.repeat(spiking, counts[spiking])
                    cells_out.append(cells)
                    steps_out.append(np.full(cells.size, first_step + k, dtype=np.int64))

    # --- parameters ---------------------------------------------------------
    def set_parameter(self, name, index, values):
        names = self.parameter_names
        if name not in names:
            raise errors.NonExistentParameterError(name, self.model_name, list(names))
        index = np.atleast_1d(index)
        current = {n: self.get_parameter(n) for n in names}
        values = list(values) if isinstance(values, (list, np.ndarray)) else [values] * index.size
        for k, cell in enumerate(index):
            current[name][int(cell)] = values[k]
        self.entries.update(self.entries_from(
            {n: [current[n][int(c)] for c in index] for n in names}, index))


class PoissonSource(TickPoissonSource):
    """sPyNNaker's SpikeSourcePoisson: one (rate, start, duration) per cell."""

    parameter_names = ("rate", "start", "duration")
    model_name = "SpikeSourcePoisson"

    def entries_from(self, parameters, index):
        entries = {}
        columns = {}
        for name, default in (("rate", 1.0), ("start", 0.0), ("duration", np.nan)):
            value = parameters.get(name, default)
            columns[name] = np.broadcast_to(np.asarray(value, dtype=float), (index.size,))
        for k, cell in enumerate(index):
            r, s, d = (columns[n][k:k + 1] for n in self.parameter_names)
            d = np.where(d >= 1e10, np.nan, d)   # PyNN's "forever"
            self._check(cell, r, s, d)
            entries[int(cell)] = (r.copy(), s.copy(), self.ends_of(s, d))
        return entries

    def get_parameter(self, name):
        position = self.parameter_names.index(name) if name in self.parameter_names else None
        if position is None:
            raise errors.NonExistentParameterError(name, self.model_name,
                                                   list(self.parameter_names))
        out = np.empty(self.size)
        for cell, (r, s, e) in self.entries.items():
            out[cell] = (r[0], s[0], e[0] - s[0] if np.isfinite(e[0]) else 1e10)[position]
        return out


class PoissonVariableSource(TickPoissonSource):
    """sPyNNaker's SpikeSourcePoissonVariable: lists of rates, starts, durations."""

    parameter_names = ("rates", "starts", "durations")
    model_name = "SpikeSourcePoissonVariable"

    def entries_from(self, parameters, index):
        entries = {}
        columns = {}
        for name in self.parameter_names:
            value = parameters.get(name)
            if value is None or isinstance(value, Sequence):
                value = [value] * index.size
            columns[name] = list(value)
        for k, cell in enumerate(index):
            r, s = _values(columns["rates"][k]), _values(columns["starts"][k])
            d = columns["durations"][k]
            d = np.full(r.size, np.nan) if d is None else _values(d)
            if d.size == 0:
                d = np.full(r.size, np.nan)
            self._check(cell, r, s, d)
            entries[int(cell)] = (r, s, self.ends_of(s, d))
        return entries

    def get_parameter(self, name):
        if name not in self.parameter_names:
            raise errors.NonExistentParameterError(name, self.model_name,
                                                   list(self.parameter_names))
        out = []
        for cell in range(self.size):
            r, s, e = self.entries[cell]
            if name == "rates":
                out.append(r.copy())
            elif name == "starts":
                out.append(s.copy())
            else:
                following = np.append(s[1:], FOREVER)
                # an entry that ends where the next starts had no duration
                out.append(np.where((e == following) | ~np.isfinite(e), np.nan, e - s))
        return out


def report_durations(values, size=None):
    """sPyNNaker's get: a duration not given reads None (per cell for a list
    parameter given to all cells alike)."""
    if size is not None and isinstance(values, Sequence):
        values = [values] * size
    def one(v):
        if isinstance(v, Sequence):
            v = v.value
        if isinstance(v, np.ndarray) and v.ndim:
            return np.array([None if np.isnan(x) or x >= 1e10 else x for x in v], dtype=object)
        return None if v is None or np.isnan(v) or v >= 1e10 else v
    if isinstance(values, (list, np.ndarray)) and not (
            isinstance(values, np.ndarray) and values.dtype != object and values.ndim == 0):
        return [one(v) for v in values]
    return one(values)


def report_sequences(values, size):
    """sPyNNaker's get: one numpy array per cell for list-valued parameters
    (also where all cells have the same list)."""
    if isinstance(values, Sequence):
        return [values.value.copy() for _ in range(size)]
    if isinstance(values, (list, np.ndarray)):
        return [v.value if isinstance(v, Sequence) else v for v in values]
    return values


class SpikeSourcePoissonVariable(StandardCellType):
    """sPyNNaker's extra_models.SpikeSourcePoissonVariable(rates, starts, durations=None):
    per cell (or one list for all cells) rates in Hz starting at `starts` ms,
    each lasting `durations` ms or, without, until the next start."""

    default_parameters = {"rates": Sequence([]), "starts": Sequence([]),
                          "durations": Sequence([])}
    translations = build_translations(("rates", "rates"), ("starts", "starts"),
                                      ("durations", "durations"))
    recordable = ["spikes"]
    injectable = False
    receptor_types = ()
    engine_model = PoissonVariableSource
    units = {}

    def __init__(self, rates, starts, durations=None):
        rates, starts = self._per_cell(rates, "rates"), self._per_cell(starts, "starts")
        if durations is None:
            durations = (Sequence([np.nan] * len(rates.value)) if isinstance(rates, Sequence)
                         else [Sequence([np.nan] * len(r.value)) for r in rates])
        else:
            durations = self._per_cell(durations, "durations")
        super().__init__(rates=rates, starts=starts, durations=durations)

    @staticmethod
    def _per_cell(value, name):
        value = list(np.asarray(value, dtype=object)) if isinstance(value, np.ndarray) \
            else value
        if not isinstance(value, (list, tuple)) or not value:
            raise errors.InvalidParameterValueError(
                f"SpikeSourcePoissonVariable({name}={value!r}): give a list (one for all "
                f"cells) or a list of lists (one per cell)")
        if all(isinstance(v, (list, tuple, np.ndarray)) for v in value):
            return [Sequence(np.asarray(v, dtype=float)) for v in value]
        return Sequence(np.asarray(value, dtype=float))

    def reported(self, name, values, size):
        if name == "durations":
            return report_durations(values, size)
        return report_sequences(values, size)
