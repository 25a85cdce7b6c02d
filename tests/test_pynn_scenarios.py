"""PyNN 0.13.0's own scenario suite, run on pycarl_backend.

Each scenario that PyNN runs on NEST becomes one test here. The scenarios
are fetched at test time (see pynn_scenarios.py).
"""
import pytest

import pycarl_backend
from pynn_scenarios import nest_scenarios

SCENARIOS = nest_scenarios()


def test_scenario_count():
    """PyNN 0.13.0 runs 64 scenarios on NEST; all of them are collected."""
    assert len(SCENARIOS) == 64


@pytest.mark.parametrize("scenario", [f for _, f in SCENARIOS],
                         ids=[name for name, _ in SCENARIOS])
def test_pynn_scenario(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # some scenarios write files into Results/
    scenario(pycarl_backend)
