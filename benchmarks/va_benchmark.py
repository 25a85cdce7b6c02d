"""Vogels-Abbott COBA/CUBA benchmark: pycarl_backend against pyNN.nest.

Each (benchmark, size, simulator) runs in its own subprocess, so peak memory
(ru_maxrss) is per simulator. Example:

    python benchmarks/va_benchmark.py --sizes 4000,16000,64000 --benchmarks COBA,CUBA \
        --simulators pycarl,nest --tstop 1000 --json results.json

The scaled networks keep the in-degree at 80 (see va_network.py).
Phases: build = setup() to the end of record(); run = run(tstop);
fetch = get_data() of all spikes of both populations, the SpikeTrain objects included.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import va_network  # noqa: E402

SIMULATOR_MODULES = {"pycarl": "pycarl_backend", "nest": "pyNN.nest"}


# --- worker (one subprocess per simulator run) ------------------------------

def engine_report(sim, net):
    """Engine memory and exact synaptic-event count (pycarl only)."""
    import numpy as np
    engine = sim.simulator.state.engine
    syn_bytes, n_syn = engine.synapse_bytes()
    neuron_bytes, n_neurons = engine.neuron_bytes()
    events = 0
    for block in engine.blocks:
        counts = engine.spike_records[block.pre_group].counts(block.pre_group.size)
        events += int(np.dot(counts, np.diff(np.asarray(block.indptr))))
    return {"synapses": n_syn, "synapse_bytes": syn_bytes,
            "bytes_per_synapse": syn_bytes / max(n_syn, 1),
            "neurons": n_neurons, "neuron_bytes": neuron_bytes,
            "bytes_per_neuron": neuron_bytes / max(n_neurons, 1),
            "synaptic_events": events}


def worker(simulator, benchmark, n, tstop, threads=1):
    import importlib
    sim = importlib.import_module(SIMULATOR_MODULES[simulator])
    extra = {"threads": threads, "verbosity": "error"} if simulator == "nest" else {}
    t0, c0 = time.perf_counter(), time.process_time()
    sim.setup(timestep=va_network.DT, min_delay=va_network.DELAY, max_delay=1.0, **extra)
    net = va_network.build(sim, benchmark, n)
    t1, c1 = time.perf_counter(), time.process_time()
    sim.run(tstop)
    t2, c2 = time.perf_counter(), time.process_time()
    blocks = [net.exc.get_data("spikes"), net.inh.get_data("spikes")]
    # the trains themselves, not only neo's lazy list of them
    spikes = [sum(len(st) for st in b.segments[0].spiketrains) for b in blocks]
    t3 = time.perf_counter()
    result = {
        "simulator": simulator, "benchmark": benchmark, "n": n, "tstop": tstop,
        "build_s": t1 - t0, "run_s": t2 - t1, "fetch_s": t3 - t2,
        "build_cpu_s": c1 - c0, "run_cpu_s": c2 - c1,
        "spikes_exc": spikes[0], "spikes_inh": spikes[1],
        "rate_exc_hz": spikes[0] / net.exc.size / (tstop / 1000.0),
        "rate_inh_hz": spikes[1] / net.inh.size / (tstop / 1000.0),
        "connections": int(sum(p.size() for p in net.projections)),
    }
    if simulator == "pycarl":
        result["engine"] = engine_report(sim, net)
        result["synaptic_events"] = result["engine"]["synaptic_events"]
    else:
        # expected out-degree of a recurrent cell is the in-degree (p * n)
        result["synaptic_events"] = (spikes[0] + spikes[1]) * va_network.IN_DEGREE
    result["us_per_event"] = 1e6 * result["run_cpu_s"] / max(result["synaptic_events"], 1)
    sim.end()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return result


# --- driver -----------------------------------------------------------------

def run_in_subprocess(simulator, benchmark, n, tstop, timeout, threads=1, env=None):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", simulator, benchmark,
           str(n), str(tstop), str(threads)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"simulator": simulator, "benchmark": benchmark, "n": n,
                "error": f"timed out after {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return {"simulator": simulator, "benchmark": benchmark, "n": n,
            "error": " | ".join(tail) or f"exit status {proc.returncode}"}


# wall-clock and process CPU time (the CPU figures are robust to other load on the machine)
COLUMNS = [("build_s", "build s", "{:.2f}"), ("build_cpu_s", "build cpu", "{:.2f}"),
           ("run_s", "run s", "{:.2f}"), ("run_cpu_s", "run cpu", "{:.2f}"),
           ("fetch_s", "get_data s", "{:.3f}"), ("rate_exc_hz", "exc Hz", "{:.2f}"),
           ("rate_inh_hz", "inh Hz", "{:.2f}"), ("peak_rss_mb", "peak MB", "{:.0f}"),
           ("us_per_event", "us/ev cpu", "{:.4f}")]


def row_label(benchmark, n, name, width):
    """The first three cells of a table row: benchmark, size and who ran it."""
    return f"{benchmark:<9} {n:>6} {name:<{width}}"


def table_head(columns, width):
    """Heading and rule of a results table whose name column is `width` wide."""
    head = row_label("benchmark", "n", "simulator", width) + "".join(
        f" {label:>10}" for _, label, _ in columns)
    return [head, "-" * len(head)]


def table_row(benchmark, n, name, result, columns, width):
    """One simulator's row: its `columns` (key, label, format), or the error it reported;
    a key the result lacks prints as nan."""
    label = row_label(benchmark, n, name, width)
    if "error" in result:
        return f"{label} ERROR {result['error']}"
    return label + "".join(f" {fmt.format(result.get(key, float('nan'))):>10}"
                           for key, _, fmt in columns)


def format_table(results):
    lines = table_head(COLUMNS, 14)
    keyed = {(r["benchmark"], r["n"], r["simulator"]): r for r in results}
    for (benchmark, n) in dict.fromkeys((r["benchmark"], r["n"]) for r in results):
        rows = {s: keyed.get((benchmark, n, s)) for s in SIMULATOR_MODULES}
        for simulator, r in rows.items():
            if r is not None:
                lines.append(table_row(benchmark, n, simulator, r, COLUMNS, 14))
        a, b = rows.get("pycarl"), rows.get("nest")
        if a and b and "error" not in a and "error" not in b:
            lines.append(row_label(benchmark, n, "pycarl/nest", 14) + "".join(
                f" {a[key] / b[key] if b[key] else float('nan'):>10.3f}"
                for key, _, _ in COLUMNS))
    return "\n".join(lines)


def format_memory(results):
    lines = ["engine memory (pycarl):"]
    for r in results:
        e = r.get("engine")
        if e:
            lines.append(
                f"  {r['benchmark']} n={r['n']}: {e['synapses']} static synapses, "
                f"{e['bytes_per_synapse']:.2f} B/synapse ({e['synapse_bytes'] / 2**20:.1f} MiB); "
                f"{e['neurons']} neurons, {e['bytes_per_neuron']:.0f} B/neuron "
                f"({e['neuron_bytes'] / 2**20:.2f} MiB); {e['synaptic_events']} synaptic events")
    return "\n".join(lines)


def add_network_arguments(parser, simulators, simulators_help=None):
    """--sizes, --benchmarks, --simulators (default `simulators`) and --tstop."""
    parser.add_argument("--sizes", default="4000")
    parser.add_argument("--benchmarks", default="COBA,CUBA")
    parser.add_argument("--simulators", default=simulators, help=simulators_help)
    parser.add_argument("--tstop", type=float, default=1000.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_network_arguments(parser, "pycarl,nest")
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="seconds allowed per simulator run")
    parser.add_argument("--json", metavar="OUT")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        simulator, benchmark, n, tstop, *threads = args.worker
        print("RESULT " + json.dumps(worker(simulator, benchmark, int(n), float(tstop),
                                            int(threads[0]) if threads else 1)), flush=True)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    benchmarks = [b.strip().upper() for b in args.benchmarks.split(",")]
    simulators = [s.strip() for s in args.simulators.split(",")]
    for s in simulators:
        if s not in SIMULATOR_MODULES:
            parser.error(f"unknown simulator {s!r}; choose from {sorted(SIMULATOR_MODULES)}")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"tstop {args.tstop} ms, dt {va_network.DT} ms")
    results = []
    for benchmark in benchmarks:
        for n in sizes:
            for simulator in simulators:
                r = run_in_subprocess(simulator, benchmark, n, args.tstop, args.timeout)
                results.append(r)
                status = r.get("error") or (f"build {r['build_s']:.2f} s, run {r['run_s']:.2f} s "
                                            f"(cpu {r['run_cpu_s']:.2f} s)")
                print(f"  {benchmark} n={n} {simulator}: {status}", flush=True)
                if args.json:  # after each run, so that a long run cut short loses nothing
                    with open(args.json, "w") as f:
                        json.dump({"cores": os.cpu_count(), "load_average": os.getloadavg()[0],
                                   "results": results}, f, indent=2)
    print()
    print(format_table(results))
    print()
    print(format_memory(results))


if __name__ == "__main__":
    main()
