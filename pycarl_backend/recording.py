"""PyNN Recorder on top of the engine's spike and state buffers."""
import numpy as np
import quantities as pq

from pyNN import recording

from . import simulator
from .spike_trains import population_spiketrains


class Recorder(recording.Recorder):
    _simulator = simulator

    def _engine(self):
        return simulator.state.engine

    def _indices(self, ids):
        return np.fromiter((int(i) for i in ids), dtype=np.int64) - int(self.population.first_id)

    def _record(self, variable, new_ids, sampling_interval=None):
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval
        engine, group = self._engine(), self.population.group
        cells = self._indices(new_ids)
        if variable.name == "spikes":
            engine.record_spikes(group, cells)
            return
        interval = int(round(self.sampling_interval / simulator.state.dt))
        if interval < 1 or abs(interval * simulator.state.dt - self.sampling_interval) > 1e-9:
            raise ValueError(
                f"{self.population.label}: sampling_interval {self.sampling_interval} ms "
                f"must be a multiple of the time step {simulator.state.dt} ms")
        cells = self._indices(self.recorded[variable])
        engine.record_state(group, variable.name, cells, interval)

    def _get_current_segment(self, filter_ids=None, variables='all', clear=False):
        """PyNN's segment, its spike trains built at once (spike_trains.py)
        instead of lazily by neo."""
        segment = super()._get_current_segment(filter_ids, variables, clear)
        trains = segment.spiketrains
        if getattr(trains, "_items", ()) is None and len(trains):  # neo's lazy form
            ids, times = trains.multiplexed
            times = times.rescale("ms").magnitude if hasattr(times, "rescale") else times
            channel_ids = np.asarray(sorted(self.filter_recorded(
                recording.Variable(name="spikes", location=None, label=None), filter_ids)),
                dtype=int)
            segment.spiketrains = population_spiketrains(
                ids, times, channel_ids, self._recording_start_time, simulator.state.t * pq.ms,
                self.population.label, self.population.id_to_index(channel_ids), segment)
        return segment

    def _get_spiketimes(self, ids, clear=False):
        steps, cells, exact = self._engine().spike_records[self.population.group].data()
        ids = np.fromiter((int(i) for i in ids), dtype=np.int64)
        first = int(self.population.first_id)
        mask = np.isin(cells, ids - first)
        if exact is not None:
            times = exact[mask]
        else:
            times = (steps[mask].astype(np.float64) + 1.0) * simulator.state.dt
        start = float(self._recording_start_time.rescale("ms").magnitude)
        keep = times > start + 1e-9 if start > 0 else slice(None)
        return (cells[mask] + first)[keep], times[keep]

    def _get_all_signals(self, variable, ids, clear=False):
        record = self._engine().state_records[self.population.group].get(variable.name)
        if record is None:
            return np.zeros((0, len(ids))), None
        data = record.data()
        wanted = self._indices(ids)
        columns = np.searchsorted(record.cells, wanted)
        return data[:, columns], None

    def _local_count(self, variable, filter_ids=None):
        group = self.population.group
        counts = self._engine().spike_records[group].counts(group.size)
        first = int(self.population.first_id)
        return {int(i): int(counts[int(i) - first])
                for i in self.filter_recorded(variable, filter_ids)}

    def _clear_simulator(self):
        engine, group = self._engine(), self.population.group
        engine.spike_records[group].clear()
        for record in engine.state_records[group].values():
            record.clear(keep_count=True)

    def _reset(self):
        engine, group = self._engine(), self.population.group
        engine.spike_records[group].clear()
        engine.spike_records[group].recorded[...] = False
        engine.state_records[group].clear()
