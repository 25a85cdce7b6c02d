"""Recording as sPyNNaker does it.

* A spike of tick k is stamped k*dt.
* Traces hold one sample per tick (runtime samples, not runtime + 1): the
  sample of tick k, stamped k*dt, is what the neuron recorded during tick k
  (neurons.py: v at the start of the tick, the synaptic input after the
  tick's input arrived). The engine samples after each step; the spinnaker
  groups answer with the values of the tick just done, so the engine's
  sample 0 (the state before the first step) is dropped here.
* Spikes recorded with a sampling interval m are reported once per interval,
  stamped at its end (ceil(t/m) m), as sPyNNaker's spike recording bins them.
* Each variable has its own sampling interval (sPyNNaker records v, gsyn_exc
  and gsyn_inh at different rates): the engine samples every tick and the
  recorder keeps ticks 0, m, 2m, ... of a variable sampled every m ticks.
* AnalogSignals carry the annotations sPyNNaker's tools read:
  ``channel_names`` (the cells' indices in the population) and
  ``source_ids`` (their ids), as sPyNNaker's neo_csv.py writes them, and
  ``channel_index.index`` (neo < 0.9's ChannelIndex, read by scripts of the
  spynnaker8 era).
"""
import neo
import numpy as np
import quantities as pq

from ..recording import Recorder as _PycarlRecorder
from .. import simulator


class ChannelIndexView:
    """The part of neo < 0.9's ChannelIndex that sPyNNaker-era scripts use:
    `.index`, the cells' indices in the population."""

    def __init__(self, index):
        self.index = np.asarray(index)


def _steps_per_sample(interval, dt, where):
    m = int(round(interval / dt))
    if m < 1 or abs(m * dt - interval) > 1e-9:
        raise ValueError(f"{where}: sampling_interval {interval} ms must be a "
                         f"multiple of the time step {dt} ms")
    return m


class Recorder(_PycarlRecorder):

    def __init__(self, population, file=None):
        super().__init__(population, file)
        self.intervals = {}

    def _check_sampling_interval(self, sampling_interval):
        """sPyNNaker allows one sampling interval per variable."""

    def record(self, variables, ids, sampling_interval=None, locations=None):
        dt = simulator.state.dt
        interval = dt if sampling_interval is None else float(sampling_interval)
        _steps_per_sample(interval, dt, self.population.label)
        names = [variables] if isinstance(variables, str) else list(variables)
        if names == ["all"]:
            names = list(self.population.celltype.recordable)
        for name in names:
            self.intervals[name] = interval
        super().record(names, ids, None, locations)

    def _record(self, variable, new_ids, sampling_interval=None):
        self.sampling_interval = simulator.state.dt  # the engine samples every tick
        super()._record(variable, new_ids, None)

    def filter_recorded(self, variable, filter_ids):
        """Spikes: a train for every cell of the population once any records
        (empty where none is recorded), so train i is cell i, as in sPyNNaker."""
        if variable.name == "spikes" and self.recorded[variable]:
            everyone = set(self.population.all_cells)
            return everyone if filter_ids is None else everyone.intersection(filter_ids)
        return super().filter_recorded(variable, filter_ids)

    def _get_spiketimes(self, ids, clear=False):
        cells, times = super()._get_spiketimes(ids, clear)
        times = times - simulator.state.dt
        interval = self.intervals.get("spikes", simulator.state.dt)
        if interval > simulator.state.dt + 1e-9:
            # sPyNNaker records spikes once per interval, stamped at its end
            times = np.ceil(np.round(times / interval, 9)) * interval
            keep = times < simulator.state.t - 1e-9
            cells, times = cells[keep], times[keep]
            order = np.lexsort((times, cells))
            cells, times = cells[order], times[order]
            first = np.ones(cells.size, dtype=bool)
            first[1:] = (np.diff(cells) != 0) | (np.diff(times) != 0)
            cells, times = cells[first], times[first]
        return cells, times

    def _get_all_signals(self, variable, ids, clear=False):
        data, times = super()._get_all_signals(variable, ids, clear)
        return data[1:], times   # drop the state before the first tick

    def get(self, variables, gather=False, filter_ids=None, clear=False,
            annotations=None, locations=None):
        """PyNN's get(), with the segments stored by reset() filtered by variable
        name (PyNN 0.13 compares signal names with Variable tuples there, which
        drops every trace of a segment before the last reset); before the first
        run, one segment without data (sPyNNaker's; PyNN gives none)."""
        state = simulator.state
        before_first_run = not state.running and next(iter(self.cache), None) is None
        if before_first_run:  # sPyNNaker gives one empty segment before any run
            state.running = True
        try:
            data = super().get("all", gather, filter_ids, clear, annotations, locations)
        finally:
            if before_first_run:
                state.running = False
        if variables == "all":
            return data
        names = {v.name for v in self._localize_variables(variables, locations)}
        for segment in data.segments:
            if "spikes" not in names:
                segment.spiketrains = []
            segment.analogsignals = [s for s in segment.analogsignals if s.name in names]
        return data

    def _get_current_segment(self, filter_ids=None, variables='all', clear=False):
        self.sampling_interval = simulator.state.dt
        segment = super()._get_current_segment(filter_ids, variables, clear)
        segment.analogsignals = [self._as_recorded(signal)
                                 for signal in segment.analogsignals]
        for signal in segment.analogsignals:
            signal.segment = segment
        return segment

    def _as_recorded(self, signal):
        dt = simulator.state.dt
        interval = self.intervals.get(signal.name, dt)
        m = _steps_per_sample(interval, dt, self.population.label)
        ids = np.asarray(signal.array_annotations.get("channel_ids", []), dtype=int)
        index = np.asarray(signal.array_annotations["channel_index"], dtype=int)
        first = int(round(float(signal.t_start.rescale(pq.ms).magnitude) / dt))
        rows = np.arange(signal.shape[0])
        keep = (rows + first) % m == 0
        start = (first + int(np.argmax(keep))) * dt if keep.any() else first * dt
        if not keep.any():
            keep = slice(0, 0)
        recorded = neo.AnalogSignal(
            signal.magnitude[keep], units=signal.units, t_start=start * pq.ms,
            sampling_period=interval * pq.ms, name=signal.name,
            source_population=self.population.label,
            channel_names=index, source_ids=ids,
            array_annotations={"channel_index": index, "channel_ids": ids})
        # neo < 0.9's ChannelIndex, which sPyNNaker 5/6 scripts read (signal.channel_index.index)
        recorded.channel_index = ChannelIndexView(index)
        return recorded


def spinnaker_rows(segment, variable):
    """A recorded segment in sPyNNaker's numpy format: spikes as rows
    (index, time), traces as rows (index, time, value), neuron by neuron."""
    if variable == "spikes":
        rows = [np.column_stack((np.full(len(train), train.annotations.get(
                    "source_index", i)), train.magnitude))
                for i, train in enumerate(segment.spiketrains)]
        return np.concatenate(rows) if rows else np.zeros((0, 2))
    signals = [s for s in segment.analogsignals if s.name == variable]
    if not signals:
        return np.zeros((0, 3))
    signal = signals[0]
    index = signal.annotations["channel_names"]
    times = signal.times.rescale(pq.ms).magnitude
    values = signal.magnitude
    return np.concatenate([
        np.column_stack((np.full(times.size, idx), times, values[:, k]))
        for k, idx in enumerate(index)]) if len(index) else np.zeros((0, 3))
