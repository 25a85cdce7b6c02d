"""Software-only vs co-simulated runs of one unmodified PyNN script.

Each run is a separate Python process (python -m pycarl.scriptrun),
so PyNN's global state never leaks between runs; the same seed makes both
build the same network and draw the same input.
"""
import json
import os
from dataclasses import replace
from pathlib import Path

from .capture import load
from .settings import RunSettings


class ScriptFailed(RuntimeError):
    """The user's script raised or exited with an error."""


def run_captured(script, script_args, capture_path, seed, hardware=None, options=None,
                 progress=False, device=None, settings=None, preload=False):
    """Run the script once in a process of its own; return its capture (dict).

    settings: a RunSettings whose device, progress, gpu_options and
    spynnaker_version the run keeps (seed, chip and chip options are this call's).
    preload: fork the process from a server that has imported PyNN and pycarl
    (pycarl.runprocess) instead of starting a new interpreter."""
    from .runprocess import run_scriptrun
    base = settings or RunSettings()
    run = replace(base, seed=int(seed), hardware=hardware or None,
                  hardware_options=dict(options or {}) if hardware else {},
                  device=device or base.device, progress=progress or base.progress)
    argv = ["--settings", run.to_json(), "--capture", str(capture_path),
            str(script)] + list(script_args)
    returncode, stderr = run_scriptrun(argv, preload=preload)
    if returncode != 0:
        tail = stderr.strip().splitlines()[-1:] or ["(no error output)"]
        how = f"co-simulated on {hardware}" if hardware else "software-only"
        raise ScriptFailed(f"{script} failed ({how}"
                           f", exit status {returncode}): {tail[0]}")
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


def chip_slug(hardware, index=0):
    """A file-name-safe name for a chip given by name or YAML path."""
    import re
    if os.path.exists(str(hardware)) and str(hardware).lower() not in _builtin_names():
        stem = Path(str(hardware)).stem
        return f"{index}_" + (re.sub(r"[^A-Za-z0-9_.-]+", "_", stem) or "chip")
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(hardware))


def chip_title(hardware):
    """How the report names a chip: the built-in name, or the YAML's name and file."""
    from hardware_models import load_spec
    if str(hardware).lower() in _builtin_names() or not os.path.exists(str(hardware)):
        return str(hardware)
    return f"{load_spec(hardware).name} ({hardware})"


def _builtin_names():
    from hardware_models import list_chips
    return set(list_chips())


def _expected_cost(job):
    """Scheduling guess, for longest-first order: what made a demo run slow (CPU s
    per run, measured with the compiled event scheduler): simulating the interconnect
    of a large chip (TrueNorth, 4096 cores: ~10 s) or of an asynchronous one (DYNAP-SE
    routes every engine step: ~8 s), and DYNAP-SE's sub-stepped circuits computing the
    cells (~11 s); both: ~15 s; neither: ~1 s. Ties: the larger chip first."""
    from hardware_models import load_spec
    chip, _, overrides, _ = job
    spec = load_spec(chip)
    cores = int(spec.get("cores"))
    asynchronous = spec.get("time_model") == "async"
    network = overrides.get("latency") is not False and (asynchronous or cores >= 1024)
    circuits = asynchronous and overrides.get("cells", spec.get("cells")) != "software"
    return (int(network) + int(circuits), cores)


def compare(script, script_args, chips, out_dir, seed=1234, options=None, progress=True,
            workers=2, notes=(), settings=None, attribute=True, preload=True):
    """Run the script software-only and on each chip; write metrics and report.

    chips: built-in names or chip YAML paths. With `attribute`, each chip also
    runs once per declared effect alone (pycarl.attribution). All runs are
    independent processes, `workers` at a time (1: one after the other), the
    slow ones first; with `preload` (default) forked from a server that has
    imported PyNN and pycarl once, else plain subprocesses. Returns
    {chip: metrics}. With one chip, DIR/metrics.json holds its metrics; with
    several, chip -> metrics.
    """
    from concurrent.futures import ThreadPoolExecutor
    from tqdm import tqdm
    from . import attribution
    from .compare_report import compare_report
    from .events import detect
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chips = list(chips)
    plans = {chip: attribution.plan(chip, options) if attribute
             else [(attribution.FULL, "all effects", dict(options or {}))] for chip in chips}
    jobs = [(chip, name, overrides, out / (f"hardware_{chip_slug(chip, i)}.pkl"
                                           if name == attribution.FULL else
                                           f"hardware_{chip_slug(chip, i)}_only_{name}.pkl"))
            for i, chip in enumerate(chips) for name, _, overrides in plans[chip]]
    jobs.sort(key=_expected_cost, reverse=True)     # stable; the slow runs start first
    stages = tqdm(total=len(jobs) + 2, desc="pycarl compare", unit="run", disable=not progress)
    stages.set_postfix_str(f"{len(jobs) + 1} runs")

    def cosimulate(chip, overrides, path):
        return run_captured(script, script_args, path, seed, hardware=str(chip),
                            options=overrides, settings=settings, preload=preload)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        software_future = pool.submit(run_captured, script, script_args, out / "software.pkl",
                                      seed, settings=settings, preload=preload)
        futures = {(chip, name): pool.submit(cosimulate, chip, overrides, path)
                   for chip, name, overrides, path in jobs}
        software = software_future.result()
        stages.update()
        captured = {}
        for key, future in futures.items():
            captured[key] = future.result()
            stages.update()
    t_stop = software["t_stop_ms"]
    results, runs = {}, {}
    for chip in chips:
        full = captured[(chip, attribution.FULL)]
        metrics = metrics_for(software, full)
        metrics["hardware_file"] = (str(Path(chip).resolve()) if os.path.exists(str(chip))
                                    and str(chip).lower() not in _builtin_names() else None)
        metrics["events"] = detect(full["spikes"], t_stop, software["spikes"],
                                   full["hardware_summary"], options, notes=())
        labels = {name: label for name, label, _ in plans[chip]}
        metrics["attribution"] = attribution.decompose(
            chip_title(chip), software["spikes"],
            {name: captured[(chip, name)]["spikes"] for name in labels}, labels,
            t_stop) if attribute else None
        results[chip] = metrics
        runs[chip_title(chip)] = (full["spikes"], full["hardware_summary"], metrics)
    stages.set_postfix_str("report")
    document = results[chips[0]] if len(chips) == 1 else results
    with open(out / "metrics.json", "w") as f:
        json.dump(document, f, indent=1, default=float)
    compare_report(out / "report.html", software["spikes"], runs, t_stop, notes=notes,
                   software_events=detect(software["spikes"], t_stop),
                   title=f"{Path(script).name}: software-only vs "
                         f"{', '.join(chip_title(c) for c in chips)}")
    stages.update()
    stages.close()
    return results
