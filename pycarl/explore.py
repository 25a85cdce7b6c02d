"""`pycarl explore`: run a design-space sweep of one unmodified PyNN script.

One software-only run is shared by all points; each point of the sweep
(sweep.design_points) is an independent co-simulation in
its own Python process (compare.run_captured), executed by a local process
pool or, given a scheduler address, by a Dask cluster. A point that fails is
a result row with status "failed" and its error; the others still run.

On a Dask cluster the workers run the script from the same path, so the
script (and the files it reads) must be visible to them at that path; results
come back to the client, which writes every output file.
"""
import csv
import json
import os
import shlex
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .sweep import (TIMING_COLUMNS, columns, design_points, metric_row,
                                     validate_sweeps)

from .compare import metrics_for, run_captured


def run_point(index, point, script, script_args, hardware, seed, settings, software):
    """Co-simulate one design point; return its result row (never raises)."""
    row = {"point": index, **point}
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="pycarl-explore-") as tmp:
            captured = run_captured(script, script_args, Path(tmp) / "hardware.pkl", seed,
                                    hardware=hardware, options=point, settings=settings)
        row.update(metric_row(metrics_for(software, captured)))
        row["status"] = "ok"
        row["error"] = ""
    except Exception as err:  # the point's failure is a result, not the sweep's
        message = str(err).strip().splitlines()
        row["status"] = "failed"
        row["error"] = f"{type(err).__name__}: {message[-1] if message else ''}"
    row["wall_time_s"] = time.perf_counter() - start
    return row


def _local(jobs, workers):
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = [pool.submit(run_point, *job) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
    finally:
        pool.shutdown(cancel_futures=True)


def _connect(scheduler):
    """A Dask client, connected before any run starts so a bad address fails fast."""
    from distributed import Client
    try:
        return Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as err:
        raise ConnectionError(f"cannot reach the Dask scheduler at {scheduler}: {err}") from None


def _dask(jobs, client):
    from distributed import as_completed as dask_completed
    # the shared software run goes to the workers once, not once per point
    software = client.scatter([jobs[0][-1]], broadcast=True)[0] if jobs else None
    futures = [client.submit(run_point, *job[:-1], software, pure=False) for job in jobs]
    for future in dask_completed(futures):
        yield future.result()


def write_results(out, rows, sweep_keys):
    cols = columns(rows, sweep_keys)
    with open(out / "results.json", "w") as f:
        json.dump({"sweeps": list(sweep_keys), "columns": cols, "rows": rows}, f, indent=1,
                  default=float)
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in cols})


def explore(script, script_args, hardware, sweeps, out_dir, seed=1234, workers=2,
            scheduler=None, progress=True, settings=None):
    """Run the sweep; write DIR/results.csv, DIR/results.json, DIR/report.html.

    sweeps: [(dotted chip key, [values])], validated before anything runs
    (sweep.SweepError). The software-only run failing raises
    compare.ScriptFailed. Returns the result rows, ordered by point index.
    """
    from tqdm import tqdm
    from .report import dse_report
    if os.path.exists(str(hardware)):
        hardware = os.path.abspath(hardware)
    spec = validate_sweeps(hardware, sweeps)
    points = design_points(sweeps)
    sweep_keys = [k for k, _ in sweeps]
    client = _connect(scheduler) if scheduler else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    script = os.path.abspath(script)
    # disable=None: a bar on a terminal, nothing in logs and pipes
    bar = tqdm(total=len(points) + 1, desc="pycarl explore", unit="run",
               disable=None if progress else True)
    try:
        bar.set_postfix_str("software-only run")
        software_capture = run_captured(script, script_args, out / "software.pkl", seed,
                                        settings=settings)
        software = {k: software_capture[k] for k in ("spikes", "t_stop_ms", "wall_time_s")}
        software["hardware_summary"] = None
        bar.update()
        bar.set_postfix_str(f"{len(points)} co-simulations on {spec.name}")
        jobs = [(i, p, script, list(script_args), hardware, seed, settings, software)
                for i, p in enumerate(points)]
        runner = _dask(jobs, client) if client else _local(jobs, max(1, int(workers)))
        rows = []
        for row in runner:
            rows.append(row)
            bar.update()
    finally:
        bar.close()
        if client is not None:
            client.close()
    rows.sort(key=lambda r: r["point"])
    write_results(out, rows, sweep_keys)
    dse_report(out / "report.html", rows, sweep_keys,
               title=f"{Path(script).name} on {spec.name}: {len(points)}-point sweep",
               notes=[f"script: {shlex.join([script, *script_args])}",
                      f"seed {seed}; software-only run {software['wall_time_s']:.2f} s; "
                      "runner: " + (f"Dask scheduler {scheduler}" if scheduler
                                    else f"{workers} local processes")])
    return rows


def comparable(rows):
    """Rows without the timing columns (equal across runners for the same sweep)."""
    return [{k: v for k, v in r.items() if k not in TIMING_COLUMNS} for r in rows]
