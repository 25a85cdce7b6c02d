"""What a person looks for when two runs of one network differ, detected and stated.

`detect` reads one run's spikes (and, for a co-simulated run, the chip's
summary) against the software-only run and returns events, each a dict
``{"kind", "population", "time_ms", "text"}``:

- ``activity_ends``: a population's last spike comes earlier than
  ``t_stop - quiet_ms`` (default: 10% of the run, at least 20 ms), with the
  reference run's last spike for comparison; ``silent``: no spike at all.
- ``runaway``: the mean rate is at least ``runaway_factor`` (2) times the
  reference rate and at least 5 Hz above it.
- ``saturation``: within one ``burst_bin_ms`` (1 ms) bin, at least
  ``burst_fraction`` (50%) of a population's cells fire.
- ``late_spikes``: deliveries the chip made later than programmed
  (summary()["deliveries"]["extra_steps"] > 0); ``dropped_spikes``: a chip
  model that drops spikes reports summary()["counts"]["dropped"].
- ``constraint``: what the chip or the user changed about the network
  (mapping notes, splitter relays, software cells, interconnect left out,
  and the caller's notes such as a scaled network).
The thresholds are arguments; the defaults are pycarl's choices.
"""
import numpy as np


def last_spike_ms(trains):
    """Time of the last spike of any cell (None when the population never fires)."""
    last = [float(np.max(t)) for t in trains if len(t)]
    return max(last) if last else None


def mean_rate_hz(trains, t_stop_ms):
    n = len(trains)
    return sum(len(t) for t in trains) / (n * t_stop_ms / 1000.0) if n and t_stop_ms > 0 else 0.0


def rate_over_time(trains, t_stop_ms, bin_ms):
    """Population rate (Hz per cell) in bins of bin_ms: (bin edges, rates)."""
    edges = np.arange(0.0, t_stop_ms + bin_ms * 0.5, bin_ms)
    if edges[-1] < t_stop_ms:
        edges = np.append(edges, t_stop_ms)
    times = np.concatenate([np.asarray(t, float) for t in trains]) if trains else np.zeros(0)
    counts, _ = np.histogram(times, bins=edges)
    return edges, counts / (max(len(trains), 1) * np.diff(edges) / 1000.0)


def _event(kind, population, time_ms, text):
    return {"kind": kind, "population": population, "time_ms": time_ms, "text": text}


def activity_events(label, trains, t_stop_ms, reference=None, quiet_ms=None):
    quiet = quiet_ms if quiet_ms is not None else max(20.0, 0.1 * t_stop_ms)
    last = last_spike_ms(trains)
    ref_last = last_spike_ms(reference) if reference is not None else None
    ref_note = f" (software: until {ref_last:.0f} ms)" if ref_last is not None else ""
    if last is None:
        if ref_last is not None:
            return [_event("silent", label, 0.0, f"{label}: no spike at all{ref_note}")]
        return []
    if last < t_stop_ms - quiet:
        return [_event("activity_ends", label, last,
                       f"{label}: activity ends at {last:.0f} ms{ref_note}")]
    return []


def rate_events(label, trains, t_stop_ms, reference, runaway_factor=2.0,
                burst_bin_ms=1.0, burst_fraction=0.5):
    out = []
    rate = mean_rate_hz(trains, t_stop_ms)
    if reference is not None:
        ref = mean_rate_hz(reference, t_stop_ms)
        if rate >= runaway_factor * ref and rate >= ref + 5.0:
            out.append(_event("runaway", label, None,
                              f"{label}: runaway activity, {rate:.1f} Hz against {ref:.1f} Hz "
                              f"in software"))
    n = len(trains)
    if n:
        edges = np.arange(0.0, t_stop_ms + burst_bin_ms, burst_bin_ms)
        # cells firing per bin (a cell counts once per bin)
        cells = np.zeros(edges.size - 1)
        for t in trains:
            if len(t):
                cells[np.unique(np.clip(np.searchsorted(edges, np.asarray(t, float),
                                                        side="right") - 1, 0, cells.size - 1))] += 1
        k = int(np.argmax(cells)) if cells.size else 0
        if cells.size and cells[k] >= burst_fraction * n:
            out.append(_event("saturation", label, float(edges[k]),
                              f"{label}: saturation, {cells[k] / n:.0%} of the cells fire within "
                              f"{burst_bin_ms:g} ms at {edges[k]:.0f} ms"))
    return out


def delivery_events(summary):
    out = []
    deliveries = summary.get("deliveries") or {}
    extra = np.asarray(deliveries.get("extra_steps", ()), np.int64)
    if extra.size and (extra > 0).any():
        late = extra > 0
        dt = float(summary["dt_ms"])
        steps = np.asarray(deliveries["step"], np.int64)[late]
        out.append(_event("late_spikes", None, float(steps.min() * dt),
                          f"{int(late.sum())} of {extra.size} deliveries "
                          f"({late.mean():.0%}) arrive late, by up to "
                          f"{extra.max() * dt:g} ms (first at {steps.min() * dt:.1f} ms)"))
    dropped = (summary.get("counts") or {}).get("dropped")
    if dropped:
        out.append(_event("dropped_spikes", None, None, f"{int(dropped)} spikes dropped"))
    return out


def constraint_events(summary, options=None, notes=()):
    out = [_event("constraint", None, None, str(n)) for n in notes]
    mapping = summary.get("mapping") or {}
    out += [_event("constraint", None, None, str(n)) for n in mapping.get("notes") or []]
    if mapping.get("splitter_neurons") and not any("splitter" in str(n)
                                                   for n in mapping.get("notes") or []):
        out.append(_event("constraint", None, None,
                          f"{mapping['splitter_neurons']} splitter neurons on "
                          f"{mapping.get('splitter_cores', 0)} cores relay fan-out "
                          f"(one tick more for those spikes)"))
    if (options or {}).get("cells") == "software":
        out.append(_event("constraint", None, None,
                          "cells run as software (floating-point) models on the chip's network"))
    if summary.get("latency_modelled") is False:
        out.append(_event("constraint", None, None,
                          "interconnect not simulated (latency: false): spikes arrive as in "
                          "software; no traffic or network energy recorded"))
    return out


def detect(spikes, t_stop_ms, reference=None, summary=None, options=None, notes=(),
           quiet_ms=None):
    """Events of one run; reference: the software-only run's spikes."""
    out = []
    for label, trains in spikes.items():
        ref = reference.get(label) if reference is not None else None
        out += activity_events(label, trains, t_stop_ms, ref, quiet_ms)
        out += rate_events(label, trains, t_stop_ms, ref)
    if summary is not None:
        out += delivery_events(summary)
        out += constraint_events(summary, options, notes)
    return out
