"""pycarl on the CPU against its peers on the Vogels-Abbott COBA and CUBA networks:
pyNN.nest (1 and 2 threads) and Brian2 (its own script, brian2_va.py: Cython
runtime with compilation before timing, and cpp_standalone's own run time).

    python benchmarks/cpu_peers.py                      # 4000 cells, COBA and CUBA, 1 s
    python benchmarks/cpu_peers.py --sizes 4000,64000 --repeat 3 --json out.json

Every run is its own subprocess (peak memory per run); with --repeat k each is
run k times and the fastest run phase kept (the machine may be shared). pycarl
is also run once with an empty numba cache: its set-up (build) then includes
the compilation of the step loop (reported as `jit`), which later processes
load from the cache. Brian2 runs in `--brian2-python` (a Python where brian2 and a
NumPy it supports are installed; brian2 2.9 needs NumPy < 2.4).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import va_benchmark  # noqa: E402

COLUMNS = [("build_s", "build s", "{:.2f}"), ("run_s", "run s", "{:.3f}"),
           ("run_cpu_s", "run cpu s", "{:.3f}"), ("fetch_s", "fetch s", "{:.3f}"),
           ("rate_exc_hz", "exc Hz", "{:.2f}"), ("rate_inh_hz", "inh Hz", "{:.2f}"),
           ("peak_rss_mb", "peak MB", "{:.0f}"), ("ns_per_event", "ns/event", "{:.1f}"),
           ("bytes_per_synapse", "B/synapse", "{:.2f}")]
PEERS = ["nest 1 thread", "nest 2 threads", "brian2 cython", "brian2 standalone"]


def run_brian2(python, benchmark, n, tstop, mode, timeout):
    cmd = [python, os.path.join(HERE, "brian2_va.py"), benchmark, str(n), str(tstop), mode]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"error": " | ".join(tail) or f"exit status {proc.returncode}"}


def one(name, benchmark, n, args, env=None):
    if name == "pycarl" or name == "pycarl cold cache":
        return va_benchmark.run_in_subprocess("pycarl", benchmark, n, args.tstop, args.timeout,
                                              env=env)
    if name.startswith("nest"):
        threads = 1 if "1 thread" in name else 2
        return va_benchmark.run_in_subprocess("nest", benchmark, n, args.tstop, args.timeout,
                                              threads=threads)
    mode = "cython" if name == "brian2 cython" else "cpp_standalone"
    return run_brian2(args.brian2_python, benchmark, n, args.tstop, mode, args.timeout)


def best_of(name, benchmark, n, args):
    runs = [one(name, benchmark, n, args) for _ in range(args.repeat)]
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[0]
    best = min(good, key=lambda r: r["run_s"])
    best["repeats"] = len(good)
    return best


def with_event_cost(r):
    if "error" not in r:
        r["ns_per_event"] = 1e9 * r["run_s"] / max(r.get("synaptic_events", 0), 1)
        r.setdefault("run_cpu_s", float("nan"))
        if "engine" in r:  # pycarl's own count of its synapse storage
            r["bytes_per_synapse"] = r["engine"]["bytes_per_synapse"]
    return r


def table(results):
    lines = va_benchmark.table_head(COLUMNS, 18)
    for (benchmark, n), rows in results.items():
        for name, r in rows.items():
            if name != "pycarl cold cache":
                lines.append(va_benchmark.table_row(benchmark, n, name, r, COLUMNS, 18))
        mine = rows.get("pycarl")
        if mine and "error" not in mine:
            for peer in PEERS:
                r = rows.get(peer)
                if r and "error" not in r:
                    lines.append(f"{benchmark:<9} {n:>6} {'pycarl/' + peer:<18}"
                                 f" run {mine['run_s'] / r['run_s']:.3f}x, rate exc "
                                 f"{mine['rate_exc_hz'] / r['rate_exc_hz']:.3f}x, inh "
                                 f"{mine['rate_inh_hz'] / r['rate_inh_hz']:.3f}x")
            cold = rows.get("pycarl cold cache")
            if cold and "error" not in cold:
                # the loop is loaded (or compiled) when the Engine is set up: build + run
                extra = (cold["build_s"] + cold["run_s"]) - (mine["build_s"] + mine["run_s"])
                lines.append(f"{benchmark:<9} {n:>6} {'pycarl jit':<18} with an empty numba "
                             f"cache build {cold['build_s']:.2f} s + run {cold['run_s']:.2f} s:"
                             f" compilation {extra:.2f} s (cached afterwards)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    va_benchmark.add_network_arguments(parser, "pycarl,nest,brian2",
                                       "any of pycarl, nest, brian2")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--brian2-python", default=sys.executable)
    parser.add_argument("--no-jit-run", action="store_true",
                        help="skip the pycarl run with an empty numba cache")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    chosen = {s.strip() for s in args.simulators.split(",")}
    names = []
    if "pycarl" in chosen:
        names += ["pycarl"] + ([] if args.no_jit_run else ["pycarl cold cache"])
    if "nest" in chosen:
        names += ["nest 1 thread", "nest 2 threads"]
    if "brian2" in chosen:
        names += ["brian2 cython", "brian2 standalone"]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"tstop {args.tstop} ms; best of {args.repeat}", flush=True)
    results = {}
    for benchmark in [b.strip().upper() for b in args.benchmarks.split(",")]:
        for n in [int(s) for s in args.sizes.split(",")]:
            rows = results[(benchmark, n)] = {}
            for name in names:
                if name == "pycarl cold cache":
                    with tempfile.TemporaryDirectory() as cache:
                        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
                        r = one(name, benchmark, n, args, env=env)
                else:
                    r = best_of(name, benchmark, n, args)
                rows[name] = with_event_cost(r)
                status = r.get("error") or f"run {r['run_s']:.3f} s"
                print(f"  {benchmark} n={n} {name}: {status}", flush=True)
                if args.json:
                    with open(args.json, "w") as f:
                        json.dump({"cores": os.cpu_count(),
                                   "results": {f"{b} {k}": v for (b, k), v in results.items()}},
                                  f, indent=2)
    print()
    print(table(results))
    print(f"load average at the end {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
