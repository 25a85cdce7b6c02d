"""PyNN 0.13.0's own scenario suite, run on pycarl_backend.

Each scenario that PyNN runs on NEST becomes one test here. The scenarios
are fetched while the tests are collected (pytest_generate_tests, see
pynn_scenarios.py); offline, with nothing cached, they skip with the reason.
"""
import functools

import pytest

import pycarl_backend
from pynn_scenarios import ScenariosUnavailable, nest_scenarios


@functools.cache
def available_scenarios():
    """([(name, function)], None), or ([], why they are unavailable)."""
    try:
        return nest_scenarios(), None
    except ScenariosUnavailable as err:
        return [], str(err)


def pytest_generate_tests(metafunc):
    if "scenario" not in metafunc.fixturenames:
        return
    scenarios, why = available_scenarios()
    if why:
        metafunc.parametrize("scenario", [pytest.param(None, marks=pytest.mark.skip(reason=why))],
                             ids=["unavailable"])
    else:
        metafunc.parametrize("scenario", [f for _, f in scenarios],
                             ids=[name for name, _ in scenarios])


@pytest.fixture
def scenarios():
    found, why = available_scenarios()
    if why:
        pytest.skip(why)
    return found


def test_scenario_count(scenarios):
    """PyNN 0.13.0 runs 64 scenarios on NEST; all of them are collected."""
    assert len(scenarios) == 64


def test_pynn_scenario(scenario, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # some scenarios write files into Results/
    scenario(pycarl_backend)
