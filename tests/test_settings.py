"""Settings of `pycarl run/compare/explore`: the one module that reads environment
variables (settings.py) and how they reach an unmodified script's setup()."""
import subprocess
import sys
from pathlib import Path

import pytest

from pycarl.settings import RunSettings, SettingsError, from_environment

ROOT = Path(__file__).resolve().parents[1]

EVERY_VARIABLE = {
    "PYCARL_HARDWARE": "loihi", "PYCARL_HARDWARE_OPTIONS": '{"mapping": "min-comm"}',
    "PYCARL_DEVICE": "cpu", "PYCARL_SEED": "7", "PYCARL_PROGRESS": "1",
    "PYCARL_GPU_OPTIONS": '{"graph_steps": 512}', "PYCARL_SPYNNAKER_VERSION": "6",
}


def test_every_environment_variable_becomes_a_setup_default():
    assert from_environment(EVERY_VARIABLE).setup_defaults() == {
        "hardware": "loihi", "hardware_options": {"mapping": "min-comm"}, "device": "cpu",
        "rng_seed": 7, "progress": True, "gpu_options": {"graph_steps": 512},
        "spynnaker_version": "6"}
    assert from_environment({}).setup_defaults() == {"hardware_options": {}}


@pytest.mark.parametrize("name, value, message", [
    ("PYCARL_SEED", "seven", "PYCARL_SEED='seven' is not an integer"),
    ("PYCARL_HARDWARE_OPTIONS", "{mapping", "PYCARL_HARDWARE_OPTIONS='{mapping' is not JSON"),
    ("PYCARL_GPU_OPTIONS", "[512]", "must be a JSON object"),
])
def test_bad_environment_values_are_named(name, value, message):
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("{", r"\{")):
        from_environment({name: value})


def test_settings_travel_as_json():
    settings = from_environment(EVERY_VARIABLE)
    assert RunSettings.from_json(settings.to_json()) == settings
    assert settings.with_(seed=3, device=None).seed == 3
    assert settings.with_(seed=3, device=None).device == "cpu"


SCRIPT = ("import pyNN.nest as sim\n"
          "sim.setup({})\n"
          "state = sim.simulator.state\n"
          "print('got', state.engine.seed, state.hardware, state.hardware_overrides)\n")


@pytest.mark.parametrize("setup_args, expected", [
    ("", "got 7 dynapse {'mapping': 'min-comm'}"),
    ("rng_seed=3, hardware=None", "got 3 None {'mapping': 'min-comm'}"),   # the script wins
])
def test_environment_reaches_an_unmodified_script(tmp_path, setup_args, expected):
    script = tmp_path / "script.py"
    script.write_text(SCRIPT.format(setup_args))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "PYCARL_SEED": "7",
           "PYCARL_HARDWARE": "dynapse", "PYCARL_HARDWARE_OPTIONS": '{"mapping": "min-comm"}'}
    out = subprocess.run([sys.executable, "-m", "pycarl.scriptrun", str(script)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert expected in out.stdout
