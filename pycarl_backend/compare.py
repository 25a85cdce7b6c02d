"""Software-only vs co-simulated runs of one unmodified PyNN script.

Each run is a separate Python process (python -m pycarl_backend.scriptrun),
so PyNN's global state never leaks between runs; the same seed
(PYCARL_SEED) makes both build the same network and draw the same input.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

from .capture import load


class ScriptFailed(RuntimeError):
    """The user's script raised or exited with an error."""


def run_captured(script, script_args, capture_path, seed, hardware=None, options=None,
                 progress=False, device=None, extra_env=None):
    """Run the script once in a subprocess; return its capture (dict)."""
    env = dict(os.environ)
    env["PYCARL_SEED"] = str(seed)
    env.pop("PYCARL_HARDWARE", None)
    env.pop("PYCARL_HARDWARE_OPTIONS", None)
    if hardware:
        env["PYCARL_HARDWARE"] = hardware
        env["PYCARL_HARDWARE_OPTIONS"] = json.dumps(options or {})
    if device:
        env["PYCARL_DEVICE"] = device
    if progress:
        env["PYCARL_PROGRESS"] = "1"
    env.update(extra_env or {})
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[1])] + [p for p in [env.get("PYTHONPATH")] if p])
    cmd = [sys.executable, "-m", "pycarl_backend.scriptrun", "--capture", str(capture_path),
           str(script)] + list(script_args)
    result = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["(no error output)"]
        raise ScriptFailed(f"{script} failed ({'co-simulated on ' + hardware if hardware else 'software-only'}"
                           f", exit status {result.returncode}): {tail[0]}")
    return load(capture_path)


def metrics_for(software, hardware):
    from hardware_models import compare_runs
    if hardware["hardware_summary"] is None:
        raise ScriptFailed("the co-simulated run did not use a chip model "
                           "(does the script call setup()?)")
    metrics = compare_runs(software["spikes"], hardware["spikes"], software["t_stop_ms"],
                           hardware["hardware_summary"])
    metrics["wall_time_s"] = {"software": software["wall_time_s"],
                              "hardware": hardware["wall_time_s"]}
    return metrics


def compare(script, script_args, chips, out_dir, seed=1234, options=None, progress=True,
            workers=2, notes=()):
    """Run the script software-only and on each chip; write metrics and report.

    The co-simulated runs are independent processes, `workers` at a time.
    Returns {chip: metrics}. With one chip, DIR/metrics.json holds its metrics;
    with several, DIR/metrics.json maps chip -> metrics.
    """
    from concurrent.futures import ThreadPoolExecutor
    from tqdm import tqdm
    from hardware_models.report import compare_report
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stages = tqdm(total=len(chips) + 2, desc="pycarl compare", unit="stage",
                  disable=not progress)
    stages.set_postfix_str("software-only run")
    software = run_captured(script, script_args, out / "software.pkl", seed)
    stages.update()
    stages.set_postfix_str(f"co-simulation on {', '.join(chips)}")

    def cosimulate(chip):
        return run_captured(script, script_args, out / f"hardware_{chip}.pkl", seed,
                            hardware=chip, options=options)

    results, runs = {}, {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {chip: pool.submit(cosimulate, chip) for chip in chips}
        for chip in chips:
            hardware = futures[chip].result()
            results[chip] = metrics_for(software, hardware)
            runs[chip] = (hardware["spikes"], hardware["hardware_summary"], results[chip])
            stages.update()
    stages.set_postfix_str("report")
    document = results[chips[0]] if len(chips) == 1 else results
    with open(out / "metrics.json", "w") as f:
        json.dump(document, f, indent=1, default=float)
    # what the chips changed about the run itself (time base, cell translation) comes first
    chip_notes = [n for chip in chips for n in runs[chip][1].get("notes", [])]
    compare_report(out / "report.html", software["spikes"], runs,
                   notes=chip_notes + list(notes),
                   title=f"{Path(script).name}: software-only vs {', '.join(chips)}")
    stages.update()
    stages.close()
    return results
