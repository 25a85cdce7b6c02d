"""Capture of a finished run for offline comparison (`pycarl compare`).

Everything recorded as spikes, per population, plus the chip's summary when
the run was co-simulated, pickled to one file.
"""
import pickle

import numpy as np


def spike_trains_by_population(state):
    """{population label: [spike times (ms) of each recorded cell]}."""
    out = {}
    engine = state.engine
    if engine is None:
        return out
    for pop in state.populations:
        record = engine.spike_records[pop.group]
        recorded = np.flatnonzero(np.asarray(record.recorded.get()
                                             if hasattr(record.recorded, "get")
                                             else record.recorded))
        if recorded.size == 0:
            continue
        steps, cells, exact = record.data()
        times = exact if exact is not None else (steps + 1.0) * state.dt
        order = np.lexsort((times, cells))
        cells, times = cells[order], times[order]
        bounds = np.searchsorted(cells, np.concatenate([recorded, [recorded[-1] + 1]]))
        out[pop.label] = [times[bounds[k]:bounds[k + 1]] for k in range(recorded.size)]
    return out


def capture(state, path, wall_time_s=None):
    data = {
        "dt_ms": state.dt,
        "t_stop_ms": state.t,
        "spikes": spike_trains_by_population(state),
        "hardware_summary": state.cosim.summary() if state.cosim is not None else None,
        "wall_time_s": wall_time_s,
    }
    with open(path, "wb") as f:
        pickle.dump(data, f)
    return data


def load(path):
    with open(path, "rb") as f:
        return pickle.load(f)
