"""Where threads start to pay in pycarl's compiled CPU loop: the Vogels-Abbott
network (va_network.py) at several sizes with setup(cpu_threads=1) and with
cpu_threads=k (every group's cell updates on k threads), run phase only.

    python benchmarks/cpu_threads.py --sizes 4000,16000,64000 --benchmarks COBA --tstop 200

Each run is its own subprocess; best of --repeat. The spike counts of the two
settings must be equal (the threaded loop is bit-identical), which is checked.
The crossover it prints is what engine/cpu_fused/threads.py's
AUTO_PARALLEL_CELLS should be near (a group of 0.8 n cells is the large one).
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))


def worker(benchmark, n, tstop, threads):
    import pycarl_backend as sim
    import va_network
    sim.setup(timestep=va_network.DT, min_delay=va_network.DELAY, max_delay=1.0,
              cpu_threads=threads)
    net = va_network.build(sim, benchmark, n)
    sim.run(va_network.DT)  # loads the loop (compiles it the first time)
    t0 = time.perf_counter()
    sim.run(tstop)
    run_s = time.perf_counter() - t0
    spikes = sum(len(st) for p in (net.exc, net.inh)
                 for st in p.get_data("spikes").segments[0].spiketrains)
    return {"run_s": run_s, "spikes": spikes,
            "parallel": bool(sim.simulator.state.engine.last_run_cpu_parallel)}


def run(benchmark, n, tstop, threads):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", benchmark, str(n), str(tstop),
           str(threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "no result")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4000,16000,64000")
    parser.add_argument("--benchmarks", default="COBA,CUBA")
    parser.add_argument("--tstop", type=float, default=200.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        b, n, t, k = args.worker
        print("RESULT " + json.dumps(worker(b, int(n), float(t), int(k))), flush=True)
        return
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"tstop {args.tstop} ms; best of {args.repeat}")
    print(f"{'benchmark':<9} {'n':>6} {'1 thread s':>11} {f'{args.threads} threads s':>11} "
          f"{'speed-up':>9}")
    for b in args.benchmarks.split(","):
        for n in [int(s) for s in args.sizes.split(",")]:
            best = {}
            for k in (1, args.threads):
                runs = [run(b, n, args.tstop, k) for _ in range(args.repeat)]
                best[k] = min(runs, key=lambda r: r["run_s"])
            one, many = best[1], best[args.threads]
            if one["spikes"] != many["spikes"]:
                raise SystemExit(f"{b} {n}: spike counts differ ({one['spikes']} vs "
                                 f"{many['spikes']})")
            print(f"{b:<9} {n:>6} {one['run_s']:>11.3f} {many['run_s']:>11.3f} "
                  f"{one['run_s'] / many['run_s']:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
