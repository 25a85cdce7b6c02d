"""The `pycarl` command: help with examples, exit codes, one-line errors."""
import subprocess
import sys
from pathlib import Path

import pytest

from pycarl.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("run", "compare", "explore", "chips", "demo")


def one_error_line(capsys):
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_help_has_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and f"pycarl {command}" in out.split("example:", 1)[1]


def test_top_level_help_lists_every_subcommand():
    text = build_parser().format_help()
    for command in COMMANDS:
        assert command in text


def test_installed_command_runs():
    result = subprocess.run([sys.executable, "-m", "pycarl", "chips"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    for chip in ("loihi", "truenorth", "dynapse"):
        assert chip in result.stdout


def test_unknown_chip_is_usage_error(capsys, tmp_path):
    script = ROOT / "examples" / "feedforward.py"
    assert main(["compare", "--hardware", "spinnaker9", "--out", str(tmp_path),
                 str(script), "pycarl"]) == 2
    assert "unknown chip 'spinnaker9'" in one_error_line(capsys)
    assert main(["run", "--hardware", "spinnaker9", str(script), "pycarl"]) == 2
    assert "unknown chip 'spinnaker9'" in one_error_line(capsys)


def test_missing_script_is_usage_error(capsys, tmp_path):
    assert main(["run", str(tmp_path / "absent.py")]) == 2
    assert "script not found" in one_error_line(capsys)


def test_compare_options_may_follow_the_script(capsys, tmp_path):
    # --out after the script's arguments is pycarl's; the chip is checked first
    assert main(["compare", str(ROOT / "examples" / "feedforward.py"), "pycarl", "--n", "10",
                 "--hardware", "nochip", "--out", str(tmp_path)]) == 2
    assert "unknown chip 'nochip'" in one_error_line(capsys)
    assert main(["compare", str(ROOT / "examples" / "feedforward.py"), "pycarl",
                 "--hardware", "loihi"]) == 2
    assert "missing --out" in one_error_line(capsys)


def test_script_that_raises_is_run_failure(tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("raise ValueError('weights must be finite')\n")
    result = subprocess.run([sys.executable, "-m", "pycarl", "compare",
                             "--hardware", "loihi", "--out", str(tmp_path / "o"), str(script)],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 1
    lines = [line for line in result.stderr.replace("\r", "\n").splitlines()
             if "error:" in line]
    assert len(lines) == 1 and "weights must be finite" in lines[0], result.stderr


def test_hardware_accepts_a_yaml_path_everywhere(tmp_path):
    """`--hardware ./my_chip.yaml` (loihi.yaml with one value changed) works for
    compare, run, explore and demo; compare's report and metrics name the file."""
    import json
    text = (ROOT / "hardware_models" / "chips" / "loihi.yaml").read_text()
    assert "router_latency_cycles: 3 " in text
    (tmp_path / "my_chip.yaml").write_text(
        text.replace("router_latency_cycles: 3 ", "router_latency_cycles: 30 ", 1))
    script = str(ROOT / "examples" / "feedforward.py")
    small = ["pycarl", "--n", "20", "--tstop", "60"]

    def pycarl(*args):
        result = subprocess.run([sys.executable, "-m", "pycarl", *args],
                                capture_output=True, text=True, cwd=tmp_path, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        return result

    pycarl("compare", "--hardware", "./my_chip.yaml", "--out", "cmp", script, *small)
    metrics = json.loads((tmp_path / "cmp" / "metrics.json").read_text())
    assert metrics["hardware_file"] == str(tmp_path / "my_chip.yaml")
    # the changed value is the one simulated: 30 router cycles of 0.5 ns at least per hop
    assert metrics["latency_ms"]["min"] >= 15e-6
    assert [r["run"] for r in metrics["attribution"]["rows"]] == [
        "all", "arithmetic", "weights", "latency"]
    page = (tmp_path / "cmp" / "report.html").read_text()
    assert "Loihi (./my_chip.yaml)" in page
    assert sorted(p.name for p in (tmp_path / "cmp").glob("hardware_*.pkl")) == [
        "hardware_0_my_chip.pkl", "hardware_0_my_chip_only_arithmetic.pkl",
        "hardware_0_my_chip_only_latency.pkl", "hardware_0_my_chip_only_weights.pkl"]
    pycarl("run", "--hardware", "./my_chip.yaml", script, *small)
    pycarl("explore", "--hardware", "./my_chip.yaml", "--sweep", "quantize=true,false",
           "--out", "dse", script, *small)
    assert len(json.loads((tmp_path / "dse" / "results.json").read_text())["rows"]) == 2
    pycarl("demo", "--hardware", "./my_chip.yaml", "--n", "200", "--tstop", "40",
                    "--no-attribution", "--out", "demo")
    page = (tmp_path / "demo" / "report.html").read_text()
    assert "Loihi (./my_chip.yaml)" in page and "Attribution: each effect alone" not in page
    assert json.loads((tmp_path / "demo" / "metrics.json").read_text())["attribution"] is None
    assert not list((tmp_path / "demo").glob("*_only_*.pkl"))
