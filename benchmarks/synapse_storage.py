"""Bytes per static synapse and run time of each weight/delay storage form
(engine/weight_storage.py) on the Vogels-Abbott network (va_network.py) with
varied weights, the compact forms against float64 storage of the same values
in the same invocation. Example:

    python benchmarks/synapse_storage.py --benchmark COBA --n 4000 --tstop 1000 --repeats 3

Cases (weights set per connection with Projection.set after the build):
  fixed     the published one weight per projection (one shared value);
  discrete  each weight one of 0.5, 0.75, 1, 1.25, 1.5 x the published one (uint16 codes);
  discrete+delays  as discrete, delays drawn from 0.2, 0.3, ... 1.0 ms (uint8 delays);
  normal    normal(w, |w|/5) per connection: not float32 numbers, all distinct (float64);
  normal f32 opt-in  the same with setup(weight_dtype="float32"): rounded to float32
                     by the opt-in (float32).
Each compact case also runs with its blocks widened to float64 weights and
int16 delays (SynapseBlock.writable_weights) and must give the same spikes;
the ratio column is its run process-CPU time over the widened run's (each the
minimum over the repeats; CPU time is less moved by other load than wall time).
"""
import argparse
import os
import sys
import time
from collections import Counter

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import va_network  # noqa: E402

LEVELS = np.array([0.5, 0.75, 1.0, 1.25, 1.5])
DELAYS_MS = np.round(np.arange(0.2, 1.01, 0.1), 10)
CASES = [("fixed", "fixed", False, "float64"),
         ("discrete", "discrete", False, "float64"),
         ("discrete+delays", "discrete", True, "float64"),
         ("normal", "normal", False, "float64"),
         ("normal f32 opt-in", "normal", False, "float32")]


def set_weights(net, benchmark, kind, varied_delays, seed):
    """Replace the recurrent projections' weights (and delays) by per-connection values."""
    from pyNN.random import NumpyRNG, RandomDistribution
    rng = np.random.default_rng(seed)
    w_exc, w_inh = va_network.weights(benchmark)
    # va_network.build's order: exc->exc, exc->inh, inh->exc, inh->inh, then the stimulus
    for prj, w in zip(net.projections[:4], (w_exc, w_exc, w_inh, w_inh)):
        shape = (prj.pre.size, prj.post.size)
        if kind == "discrete":
            prj.set(weight=w * rng.choice(LEVELS, size=shape))
        elif kind == "normal":
            prj.set(weight=RandomDistribution("normal", mu=w, sigma=abs(w) / 5,
                                              rng=NumpyRNG(seed=int(rng.integers(2**31)))))
        if varied_delays:
            prj.set(delay=rng.choice(DELAYS_MS, size=shape))


def widen(engine):
    """Store every block's weights as float64 and its delays as int16 (same values)."""
    for block in engine.blocks:
        block.finalize()
        block.writable_weights()
        if not isinstance(block.delay, int):
            block.delay = block.delay.astype(np.int16)


def storage_of(engine):
    kinds = Counter()
    for block in engine.blocks:
        w = ("shared" if block.weight.strides == (0,) else
             "codes16" if block.weight_table is not None else str(block.weight.dtype))
        d = "scalar" if isinstance(block.delay, int) else str(block.delay.dtype)
        kinds[f"{w}/{d}"] += block.size
    return ", ".join(f"{k}" for k, _ in kinds.most_common())


def one_run(benchmark, n, tstop, kind, varied_delays, weight_dtype, wide):
    import pycarl_backend as sim
    sim.setup(timestep=va_network.DT, min_delay=va_network.DELAY, max_delay=1.0,
              weight_dtype=weight_dtype)
    net = va_network.build(sim, benchmark, n)
    set_weights(net, benchmark, kind, varied_delays, seed=va_network.SEED)
    engine = sim.simulator.state.engine
    for block in engine.blocks:
        block.finalize()
    if wide:
        widen(engine)
    storage = storage_of(engine)
    syn_bytes, n_syn = engine.synapse_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(tstop)
    run_s, run_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    spikes = [np.concatenate([np.asarray(st) for st in pop.get_data("spikes").segments[0]
                              .spiketrains]) for pop in (net.exc, net.inh)]
    fused = engine.last_run_cpu_fused
    sim.end()
    return {"bytes_per_synapse": syn_bytes / max(n_syn, 1), "run_s": run_s, "run_cpu_s": run_cpu_s,
            "storage": storage, "spikes": np.concatenate(spikes), "fused": fused}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="COBA", choices=("COBA", "CUBA"))
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--tstop", type=float, default=1000.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=",".join(c[0] for c in CASES),
                        help="comma-separated subset of: %(default)s")
    args = parser.parse_args(argv)
    chosen = [c.strip() for c in args.cases.split(",")]
    unknown = sorted(set(chosen) - {c[0] for c in CASES})
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {[c[0] for c in CASES]}")
    cases = [c for c in CASES if c[0] in chosen]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"{args.benchmark} n={args.n}, tstop {args.tstop} ms, {args.repeats} repeats "
          f"(run s, run cpu: min over repeats, compact and float64 runs interleaved)")
    one_run(args.benchmark, 200, 10.0, "fixed", False, "float64", False)   # JIT load
    best = {}
    for _ in range(args.repeats):
        for name, kind, delays, dtype in cases:
            for wide in ((False, True) if name != "fixed" else (False,)):
                r = one_run(args.benchmark, args.n, args.tstop, kind, delays, dtype, wide)
                key = (name, wide)
                if key not in best:
                    best[key] = r
                best[key]["run_s"] = min(best[key]["run_s"], r["run_s"])
                best[key]["run_cpu_s"] = min(best[key]["run_cpu_s"], r["run_cpu_s"])
    head = f"{'case':<24} {'storage (weight/delay)':<32} {'B/syn':>6} {'run s':>7} " \
           f"{'run cpu':>7} {'vs f64':>7} {'spikes':>8} {'same':>5}"
    print(head)
    print("-" * len(head))
    for name, _, _, _ in cases:
        for wide in (False, True):
            r = best.get((name, wide))
            if r is None:
                continue
            ref = best.get((name, True))
            ratio = r["run_cpu_s"] / ref["run_cpu_s"] if ref is not None else float("nan")
            same = "" if ref is None or wide else \
                str(np.array_equal(r["spikes"], ref["spikes"]))
            label = name + (" (f64)" if wide else "")
            print(f"{label:<24} {r['storage']:<32} {r['bytes_per_synapse']:>6.2f} "
                  f"{r['run_s']:>7.3f} {r['run_cpu_s']:>7.3f} {ratio:>7.3f} "
                  f"{r['spikes'].size:>8} {same:>5}"
                  + ("" if r["fused"] else "  (NumPy loop)"))


if __name__ == "__main__":
    main()
