"""Attribution of a chip's difference to its effects (hardware_models.effects,
pycarl.attribution) and the events a report states (pycarl.events)."""
from pathlib import Path

import numpy as np
import pytest
import yaml

from hardware_models import load_spec
from hardware_models.effects import all_off, effects, isolating_runs, only
from hardware_models.errors import ChipSpecError
from pycarl import attribution, events
from pycarl.compare import run_captured

ROOT = Path(__file__).resolve().parents[1]
FEEDFORWARD = str(ROOT / "examples" / "feedforward.py")
CHIPS = ["loihi", "truenorth", "dynapse"]


# ------------------------------------------------------------ declarations
def test_builtin_chips_declare_their_effects():
    names = {chip: [e.name for e in effects(chip)] for chip in CHIPS}
    assert names == {"loihi": ["arithmetic", "weights", "latency"],
                     "truenorth": ["arithmetic", "tick", "weights", "latency"],
                     "dynapse": ["circuits", "shared_weights", "mismatch", "latency"]}
    assert only("dynapse", "mismatch") == {"cells": "software",
                                           "quantization.shared_weights": False,
                                           "latency": False}
    assert all_off("loihi", base={"mapping": "min-comm"}) == {
        "mapping": "min-comm", "cells": "software", "quantize": False, "latency": False}
    for effect, overrides in isolating_runs("truenorth"):
        assert effect.disable.keys().isdisjoint(overrides)      # its own switch stays on


def _chip_with(tmp_path, entries):
    raw = yaml.safe_load(open(load_spec("loihi").source))
    raw["attribution"] = entries
    path = tmp_path / "chip.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.parametrize("entries, message", [
    ([{"name": "weights", "off": {"quantize": False}}], "non-empty 'disable' mapping"),
    ([{"name": "w", "disable": {"quantise": False}}], "unknown chip key 'quantise'"),
    ([{"name": "w", "disable": {"quantize": False}},
      {"name": "w", "disable": {"latency": False}}], "declared twice"),
    ("weights", "must be a list"),
])
def test_bad_declarations_name_the_entry(tmp_path, entries, message):
    with pytest.raises(ChipSpecError, match=message):
        effects(_chip_with(tmp_path, entries))


def test_conflicting_switches_are_refused(tmp_path):
    path = _chip_with(tmp_path, [{"name": "a", "disable": {"quantize": False}},
                                 {"name": "b", "disable": {"quantize": True, "latency": False}},
                                 {"name": "c", "disable": {"mapping": "min-comm"}}])
    with pytest.raises(ChipSpecError, match="'quantize' to both"):
        only(path, "c")


@pytest.mark.parametrize("chip", CHIPS)
def test_all_effects_off_reproduces_software_and_each_effect_is_real(chip, tmp_path):
    """The declared switches are complete: with all of them off the co-simulated run
    is the software-only run, spike for spike; the full run is not."""
    args = ["pycarl", "--n", "30", "--tstop", "150"]
    software = run_captured(FEEDFORWARD, args, tmp_path / "sw.pkl", 5)["spikes"]
    off = run_captured(FEEDFORWARD, args, tmp_path / "off.pkl", 5, hardware=chip,
                       options=all_off(chip))
    full = run_captured(FEEDFORWARD, args, tmp_path / "full.pkl", 5, hardware=chip)["spikes"]
    assert off["hardware_summary"]["latency_modelled"] is False
    for label in software:
        assert len(software[label]) == len(off["spikes"][label])
        for a, b in zip(software[label], off["spikes"][label]):
            np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for label in software
               for a, b in zip(software[label], full[label]))


# ------------------------------------------------------------ decomposition
def _trains(n, rate_hz, t_stop, seed, until=None):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = np.sort(rng.uniform(0, t_stop, rng.poisson(rate_hz * t_stop / 1000.0)))
        out.append(t[t < until] if until is not None else t)
    return out


def test_decompose_names_the_effect_that_ends_activity():
    t_stop = 500.0
    sw = {"exc": _trains(40, 20.0, t_stop, 1), "inh": _trains(10, 20.0, t_stop, 2)}
    dies = {k: [t[t < 231.0] for t in v] for k, v in sw.items()}
    runs = {"all": dies, "weights": {k: [t[t < 232.0] for t in v] for k, v in sw.items()},
            "latency": sw}
    labels = {"all": "all effects", "weights": "weight rounding", "latency": "latency"}
    a = attribution.decompose("Loihi", sw, runs, labels, t_stop)
    assert a["dominant"] == "weights" and a["dominant_by"] == "rate_change_hz"
    rows = {r["run"]: r["populations"]["all cells"] for r in a["rows"]}
    assert rows["latency"]["rate_change_hz"] == 0.0 and rows["latency"]["van_rossum"] == 0.0
    assert rows["weights"]["rate_share"] == pytest.approx(1.0, abs=0.02)
    assert a["rate"]["adds_up"]
    full_end = rows["all"]["last_spike_ms"]
    assert 225 < full_end < 231
    assert a["sentence"].startswith(f"Loihi: activity ends at {full_end:.0f} ms")
    assert f"weight rounding alone ends it at {rows['weights']['last_spike_ms']:.0f} ms" \
        in a["sentence"]
    assert "latency alone does not end it" in a["sentence"]
    assert "Dominant cause: weight rounding." in a["sentence"]


def test_decompose_reports_interaction():
    t_stop = 400.0
    sw = {"p": _trains(50, 30.0, t_stop, 3)}
    half = {"p": [t[::2] for t in sw["p"]]}
    runs = {"all": {"p": [t[:0] for t in sw["p"]]}, "a": half, "b": sw}
    a = attribution.decompose("X", sw, runs, {"all": "all", "a": "A", "b": "B"}, t_stop)
    assert not a["rate"]["adds_up"]
    assert a["rate"]["relative"] == pytest.approx(0.5, abs=0.05)
    assert a["sentence"].startswith("X: no spike at all")
    assert "A alone does not end it" in a["sentence"] and "B alone does not end it" in a["sentence"]
    assert f"interact: alone they sum to {a['rate']['sum']:+.1f} Hz" in a["sentence"]
    assert f"({abs(a['rate']['relative']):.0%} apart)" in a["sentence"]


def test_plan_runs_each_effect_alone_on_top_of_the_users_options():
    runs = attribution.plan("dynapse", {"mapping": "min-comm"})
    assert [r[0] for r in runs] == ["all", "circuits", "shared_weights", "mismatch", "latency"]
    assert all(r[2]["mapping"] == "min-comm" for r in runs)
    assert runs[0][2] == {"mapping": "min-comm"}


# ------------------------------------------------------------ events
def test_events_activity_runaway_saturation():
    t_stop = 500.0
    sw = {"exc": _trains(40, 10.0, t_stop, 4), "inh": _trains(10, 10.0, t_stop, 5)}
    burst = [np.sort(np.append(t, 100.2)) for t in _trains(10, 60.0, t_stop, 6)]
    run = {"exc": [t[t < 120.0] for t in sw["exc"]], "inh": burst}
    found = {(e["kind"], e["population"]): e for e in events.detect(run, t_stop, sw)}
    end = found[("activity_ends", "exc")]
    assert end["time_ms"] < 120.0 and "activity ends at" in end["text"]
    assert "software: until" in end["text"]
    assert ("runaway", "inh") in found and ("saturation", "inh") in found
    assert found[("saturation", "inh")]["time_ms"] == pytest.approx(100.0)
    assert not any(k == "runaway" and p == "exc" for k, p in found)
    assert events.detect(sw, t_stop, sw) == []


def test_events_late_spikes_and_constraints():
    summary = {"dt_ms": 0.1, "latency_modelled": True,
               "deliveries": {"step": [3, 5, 9], "extra_steps": [0, 2, 1]},
               "counts": {"dropped": 4},
               "mapping": {"notes": ["neurons_per_core reduced"], "splitter_neurons": 12,
                           "splitter_cores": 3}}
    texts = [e["text"] for e in events.detect({}, 100.0, {}, summary, {"cells": "software"},
                                              notes=["network scaled to 400 cells"])]
    assert "2 of 3 deliveries (67%) arrive late, by up to 0.2 ms (first at 0.5 ms)" in texts
    assert "4 spikes dropped" in texts
    assert "network scaled to 400 cells" in texts and "neurons_per_core reduced" in texts
    assert any("12 splitter neurons on 3 cores" in t for t in texts)
    assert any("software (floating-point) models" in t for t in texts)


# ------------------------------------------------------------ report helpers
def test_times_are_written_in_the_unit_that_fits():
    from pycarl.compare_report import format_time, time_unit
    assert time_unit(7e-6) == ("ns", 1e6) and time_unit(3.6e-5) == ("ns", 1e6)
    assert time_unit(3.6e-3) == ("us", 1e3)
    assert time_unit(0.2) == ("us", 1e3) and time_unit(0.99) == ("ms", 1.0)
    assert format_time(7.17e-6) == "7.17 ns" and format_time(2.5) == "2.5 ms"
    assert format_time(None) == "none"


def test_heat_map_only_where_more_than_one_router_carries_traffic():
    from pycarl.compare_report import router_traffic
    one = {"traffic": {"core_xy": [[0, 0], [0, 0]], "packets_sent": [5, 7],
                       "packets_received": [6, 6]}}
    sent, received, busy = router_traffic(one)
    assert busy == 1 and sent.sum() == 12
    two = {"traffic": {"core_xy": [[0, 0], [1, 0], [2, 1]], "packets_sent": [5, 0, 0],
                       "packets_received": [0, 5, 0]}}
    sent, received, busy = router_traffic(two)
    assert busy == 2 and sent.shape == (2, 3) and received[0, 1] == 5
