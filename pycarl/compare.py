"""Software-only vs co-simulated runs of one unmodified PyNN script.

Each run is a separate Python process (python -m pycarl.scriptrun),
so PyNN's global state never leaks between runs; the same seed makes both
build the same network and draw the same input.
"""
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from .capture import load
from .settings import RunSettings


class ScriptFailed(RuntimeError):
    """The user's script raised or exited with an error."""


def run_captured(script, script_args, capture_path, seed, hardware=None, options=None,
                 progress=False, device=None, settings=None):
    """Run the script once in a subprocess; return its capture (dict).

    settings: a RunSettings whose device, progress, gpu_options and
    spynnaker_version the run keeps (seed, chip and chip options are this call's)."""
    base = settings or RunSettings()
    run = replace(base, seed=int(seed), hardware=hardware or None,
                  hardware_options=dict(options or {}) if hardware else {},
                  device=device or base.device, progress=progress or base.progress)
    cmd = [sys.executable, "-m", "pycarl.scriptrun", "--settings", run.to_json(),
           "--capture", str(capture_path), str(script)] + list(script_args)
    result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["(no error output)"]
        raise ScriptFailed(f"{script} failed ({'co-simulated on ' + hardware if hardware else 'software-only'}"
                           f", exit status {result.returncode}): {tail[0]}")
    return load(capture_path)


def metrics_for(software, hardware):
    from .metrics import compare_runs
    if hardware["hardware_summary"] is None:
        raise ScriptFailed("the co-simulated run did not use a chip model "
                           "(does the script call setup()?)")
    metrics = compare_runs(software["spikes"], hardware["spikes"], software["t_stop_ms"],
                           hardware["hardware_summary"])
    metrics["cells"] = hardware["hardware_summary"].get("cells")
    metrics["wall_time_s"] = {"software": software["wall_time_s"],
                              "hardware": hardware["wall_time_s"]}
    return metrics


def compare(script, script_args, chips, out_dir, seed=1234, options=None, progress=True,
            workers=2, notes=(), settings=None):
    """Run the script software-only and on each chip; write metrics and report.

    The co-simulated runs are independent processes, `workers` at a time.
    Returns {chip: metrics}. With one chip, DIR/metrics.json holds its metrics;
    with several, DIR/metrics.json maps chip -> metrics.
    """
    from concurrent.futures import ThreadPoolExecutor
    from tqdm import tqdm
    from .report import compare_report
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stages = tqdm(total=len(chips) + 2, desc="pycarl compare", unit="stage",
                  disable=not progress)
    stages.set_postfix_str("software-only run")
    software = run_captured(script, script_args, out / "software.pkl", seed, settings=settings)
    stages.update()
    stages.set_postfix_str(f"co-simulation on {', '.join(chips)}")

    def cosimulate(chip):
        return run_captured(script, script_args, out / f"hardware_{chip}.pkl", seed,
                            hardware=chip, options=options, settings=settings)

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
    compare_report(out / "report.html", software["spikes"], runs, notes=notes,
                   title=f"{Path(script).name}: software-only vs {', '.join(chips)}")
    stages.update()
    stages.close()
    return results
