"""Runs forked from the preloaded server behave as plain subprocesses (pycarl.runprocess)."""
import json
from pathlib import Path

import numpy as np
import pytest

from pycarl.compare import ScriptFailed, compare, run_captured

ROOT = Path(__file__).resolve().parents[1]
FEEDFORWARD = str(ROOT / "examples" / "feedforward.py")
ARGS = ["pycarl", "--n", "30", "--tstop", "100"]


def _same_spikes(a, b):
    assert a.keys() == b.keys()
    for label in a:
        assert len(a[label]) == len(b[label])
        for x, y in zip(a[label], b[label]):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("chip", [None, "truenorth"])
def test_forked_run_gives_the_subprocess_capture(chip, tmp_path):
    plain = run_captured(FEEDFORWARD, ARGS, tmp_path / "plain.pkl", 5, hardware=chip)
    forked = run_captured(FEEDFORWARD, ARGS, tmp_path / "forked.pkl", 5, hardware=chip,
                          preload=True)
    _same_spikes(plain["spikes"], forked["spikes"])
    assert json.dumps(plain["hardware_summary"], sort_keys=True, default=np.ndarray.tolist) == \
        json.dumps(forked["hardware_summary"], sort_keys=True, default=np.ndarray.tolist)


def test_forked_runs_start_from_a_fresh_state(tmp_path):
    # a script that leaves PyNN state behind (a population, no end()) and reports what
    # it found at the start: each forked run must find nothing
    script = tmp_path / "leaky.py"
    script.write_text(
        "from pyNN.utility import get_simulator\n"
        "sim, args = get_simulator()\n"
        "from pycarl_backend import simulator\n"
        "found = len(simulator.state.populations)\n"
        "sim.setup(timestep=0.1)\n"
        "sim.Population(3, sim.IF_curr_exp(), label='left')\n"
        "open(%r, 'a').write(f'{found}\\n')\n"
        % str(tmp_path / "found.txt"))
    for k in range(3):
        run_captured(str(script), ["pycarl"], tmp_path / f"c{k}.pkl", 1, preload=True)
    assert (tmp_path / "found.txt").read_text().split() == ["0", "0", "0"]


@pytest.mark.parametrize("body, status, message", [
    ("raise ValueError('bad weight 7')", 1, "ValueError: bad weight 7"),
    ("import sys; print('gone', file=sys.stderr); sys.exit(3)", 3, "gone"),
])
def test_forked_run_failure_reads_as_the_subprocess_one(tmp_path, body, status, message):
    script = tmp_path / "fails.py"
    script.write_text(body + "\n")
    errors = []
    for preload in (False, True):
        with pytest.raises(ScriptFailed) as info:
            run_captured(str(script), [], tmp_path / "x.pkl", 1, preload=preload)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    assert f"exit status {status}): {message}" in errors[1]


def test_compare_gives_the_same_metrics_serial_plain_and_parallel_forked(tmp_path):
    kwargs = dict(progress=False, attribute=True)
    serial = compare(FEEDFORWARD, ARGS, ["loihi"], tmp_path / "serial", seed=5, workers=1,
                     preload=False, **kwargs)
    forked = compare(FEEDFORWARD, ARGS, ["loihi"], tmp_path / "forked", seed=5, workers=2,
                     preload=True, **kwargs)
    a, b = serial["loihi"], forked["loihi"]
    assert a["attribution"] == b["attribution"]
    assert a["populations"] == b["populations"]
