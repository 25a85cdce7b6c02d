"""PyNN 0.13.0's own examples (from its sdist, tests/pynn_scenarios.py
fetches them) run unmodified with the simulator name `pycarl`, as a user
runs them: `python <example>.py --plot-figure pycarl`, through
pyNN.utility.get_simulator and the pyNN.pycarl alias. Each must exit 0 and
write its figure (a new .png under Results/).

FIGURE_EXAMPLES: the 17 examples that take --plot-figure pycarl (issue 12:
"14 of 17 run"). OTHER_EXAMPLES: the get_simulator examples with other
arguments. Not run: nineml_neuron.py (needs the nineml package) and
nrn_artificial_cell.py (NEURON's own cell types).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pynn_scenarios import fetch_examples

ROOT = Path(__file__).resolve().parents[1]

FIGURE_EXAMPLES = [
    "Izhikevich", "cell_type_demonstration", "current_injection", "gif_neuron",
    "monolith_vs_composed", "multi_synapse", "multiquantal_synapses", "random_numbers",
    "simple_STDP", "small_network", "stochastic_deterministic_comparison",
    "stochastic_synapses", "stochastic_tsodyksmarkram", "synaptic_input", "tsodyksmarkram",
    "update_spike_source_array", "varying_poisson"]
OTHER_EXAMPLES = {"VAbenchmarks": ["pycarl", "CUBA"], "connections": ["pycarl"],
                  "stdp_network": ["pycarl"], "parameter_changes": ["pycarl"]}


def run_example(name, arguments, workdir):
    examples = fetch_examples()
    script = examples / f"{name}.py"
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(examples),
                                           os.environ.get("PYTHONPATH", "")]))
    # the alias as an installed pycarl gives it (pycarl_pynn_alias.pth)
    code = ("import sys, runpy, pycarl_pynn_alias; pycarl_pynn_alias.install(); "
            f"sys.argv = [{str(script)!r}] + sys.argv[1:]; "
            f"runpy.run_path({str(script)!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code] + arguments, cwd=workdir, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{name}: exit {result.returncode}\n{result.stderr[-3000:]}"
    return result


@pytest.mark.slow
@pytest.mark.parametrize("name", FIGURE_EXAMPLES)
def test_pynn_example_writes_its_figure(name, tmp_path):
    run_example(name, ["--plot-figure", "pycarl"], tmp_path)
    figures = list((tmp_path / "Results").rglob("*.png"))
    assert figures, f"{name}: no figure written under Results/"
    assert all(f.stat().st_size > 1000 for f in figures)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(OTHER_EXAMPLES))
def test_other_pynn_example_runs(name, tmp_path):
    run_example(name, OTHER_EXAMPLES[name], tmp_path)


def test_seventeen_figure_examples_in_the_sdist():
    examples = fetch_examples()
    for name in FIGURE_EXAMPLES + list(OTHER_EXAMPLES):
        assert (examples / f"{name}.py").exists(), name
    assert len(FIGURE_EXAMPLES) == 17
