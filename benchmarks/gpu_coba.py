"""COBA (Vogels-Abbott, Brette et al. 2007) timed on pycarl (GPU or CPU) or
pyNN.nest (all cores), built by va_network.py; prints one RESULT line (JSON).

    python benchmarks/gpu_coba.py --simulator pycarl --device gpu --n 4000 --tstop 10000
    python benchmarks/gpu_coba.py --simulator nest --threads 16 --n 4000 --tstop 10000

A short warm-up run (kernel compilation, NEST's preparation) comes before
the timed run(tstop).

Each simulator builds its network from --seed (PyNN's connectors draw
differently on each, so the two networks are alike in statistics, not
identical). With the default, 1, self-sustained activity lasts the 10 s on
both (12.8 Hz on pycarl's CPU engine, 12.65 Hz on NEST 3.10, steady per
second); with va_network's seed 98765 (the 1 s CPU benchmarks) pycarl's
network falls silent at 6.5 s while NEST's keeps firing, which would time
unequal work. Progress lines (build, warm-up, run) go to stderr, so a stage
that runs out of time shows where the time went.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import va_network  # noqa: E402
from spike_counts import spikes_after  # noqa: E402


def main(argv=None):
    parser = simulator_arguments(__doc__)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--tstop", type=float, default=10000.0, help="simulated ms (timed)")
    parser.add_argument("--warmup", type=float, default=10.0, help="simulated ms (untimed)")
    parser.add_argument("--seed", type=int, default=1, help="network seed (both simulators)")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    sim = start_simulator(args, dict(timestep=va_network.DT, min_delay=va_network.DELAY,
                                     max_delay=1.0), pycarl_only={"rng_seed": args.seed})
    net = va_network.build(sim, "COBA", args.n, seed=args.seed)
    t1 = time.perf_counter()
    progress(f"built in {t1 - t0:.1f} s")
    sim.run(args.warmup)
    sync(sim, args)
    t2 = time.perf_counter()
    progress(f"warm-up {args.warmup:g} ms in {t2 - t1:.1f} s")
    sim.run(args.tstop)
    sync(sim, args)
    t3 = time.perf_counter()
    progress(f"ran {args.tstop:g} ms in {t3 - t2:.2f} s")
    spikes = sum(spikes_after(pop, args.warmup) for pop in (net.exc, net.inh))
    engine = getattr(sim.simulator.state, "engine", None)
    result = {
        "benchmark": f"COBA {args.n}", "simulator": args.simulator,
        "device": args.device if args.simulator == "pycarl" else f"cpu x{args.threads}",
        "neurons": args.n, "synapses": int(sum(p.size() for p in net.projections)),
        "tstop_ms": args.tstop, "build_s": t1 - t0, "warmup_s": t2 - t1, "run_s": t3 - t2,
        "rtf": (t3 - t2) / (args.tstop / 1000.0),
        "rate_hz": spikes / args.n / (args.tstop / 1000.0),
        "fused": bool(getattr(engine, "last_run_fused", False)),
        "graphs": bool(getattr(engine, "last_run_graphs", False)),
        "pipelined": bool(getattr(engine, "last_run_pipelined", False)),
    }
    progress(f"spikes fetched in {time.perf_counter() - t3:.1f} s")
    sim.end()
    print("RESULT " + json.dumps(result), flush=True)
    return result


def progress(text):
    print(f"[gpu_coba] {text}", file=sys.stderr, flush=True)


def simulator_arguments(doc):
    """An argument parser with the options every GPU benchmark takes: which
    simulator, pycarl's device and GPU launch settings, NEST's threads."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--simulator", choices=["pycarl", "nest"], default="pycarl")
    parser.add_argument("--device", default="gpu", help="pycarl: cpu, gpu or auto")
    parser.add_argument("--gpu-option", action="append", default=[], metavar="NAME=VALUE",
                        help="pycarl: a GpuOptions field (graph_steps=512, prop_blocks=32, "
                             "pipelined_step=true, fused_kernels=false); repeatable")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="NEST threads")
    return parser


def gpu_options(args):
    """setup(gpu_options=...) from the --gpu-option NAME=VALUE list."""
    options = {}
    for text in args.gpu_option:
        name, _, value = text.partition("=")
        low = value.strip().lower()
        options[name.strip()] = low == "true" if low in ("true", "false") else int(value)
    return options


def start_simulator(args, options, pycarl_only=None):
    """The simulator --simulator names, set up with `options` and its own device
    (pycarl, plus `pycarl_only`) or thread count (NEST)."""
    if args.simulator == "pycarl":
        import pycarl_backend as sim
        sim.setup(device=args.device, gpu_options=gpu_options(args), **options,
                  **(pycarl_only or {}))
    else:
        import pyNN.nest as sim
        sim.setup(threads=args.threads, verbosity="error", **options)
    return sim


def sync(sim, args):
    """Wait for queued GPU work, so that wall-clock times are the run's."""
    if args.simulator == "pycarl" and sim.simulator.state.engine.device == "gpu":
        import cupy
        cupy.cuda.Device().synchronize()


if __name__ == "__main__":
    main()
