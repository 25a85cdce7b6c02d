"""What co-simulating a chip costs: the Vogels-Abbott network run
software-only and co-simulated on each chip, in the same invocation.

    python benchmarks/cosim_overhead.py [--benchmark CUBA] [--n 4000] [--tstop 1000]
                                        [--chips loihi] [--option KEY=VALUE ...]
                                        [--repeat 3] [--warmup 1] [--numpy-loop]
                                        [--serial-routing]

Each run is repeated and its best time kept (the machine may be shared). Per
chip it prints the phases of the co-simulated run:

- set-up: the chip model's attach (mapping onto cores, limits, weight
  encoding) at the first run(), once per network;
- steps: the engine's steps with the chip computing its cells;
- routing: the chip's deferred work (a barrier clock routes the spikes of
  many ticks at once, in batches; on a machine with a second core they are
  routed on a worker thread while the engine steps, and this column is what
  is left when the run ends: the last batch, and summary()) and its summary;

and two ratios to the software-only run's steps: `steps+routing` (the cost
per simulated second; target for Loihi on CUBA 4000, Loihi's own
compartments computing the cells: <= 1.5x) and `total` (with the set-up).
`CPU` is the process CPU time of steps + routing (best run; both threads) and its
ratio to the software run's: on a shared machine it varies less than the wall clock.
Below each chip, the ratio of the medians of steps + routing (the best runs' ratio
depends on one lucky software run where the machine is noisy), and the median of
each round's ratio to the software run of the same round (the configurations take
turns, software, each chip, software, ..., so a round's runs share the machine's
load of the moment). --warmup rounds run first and are not counted.
Also the machine's CPU cores, the chip cores used, the chip's energy and
hardware time per tick. --numpy-loop adds each chip run on the NumPy reference
loop (setup(cpu_fused=False): the co-simulation before the compiled
compartments); --serial-routing adds each chip run with its batches routed on the
calling thread (HardwareModel.background_routing off). COBA's conductance-based
cells run on Loihi only with --option cells=software.
"""
import argparse
import os
import sys
import time
from statistics import median

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import va_network  # noqa: E402


def run_once(hardware, n, tstop, benchmark="CUBA", options=None, cpu_fused=True,
             background_routing=True):
    """Seconds of (set-up, steps, routing and summary), the exc rate, the summary."""
    import pycarl_backend as sim
    from hardware_models.model import HardwareModel
    from pycarl_backend import simulator
    HardwareModel.background_routing = background_routing
    sim.setup(timestep=va_network.DT, min_delay=va_network.DELAY, max_delay=1.0,
              rng_seed=42, hardware=hardware, hardware_options=options, cpu_fused=cpu_fused)
    net = va_network.build(sim, benchmark, n)
    t0, c0 = time.perf_counter(), time.process_time()
    sim.run(tstop)
    run, run_cpu = time.perf_counter() - t0, time.process_time() - c0
    rate = (net.exc.mean_spike_count() * 1000.0 / tstop)
    cosim = simulator.state.cosim
    summary, setup, routing, setup_cpu, routing_cpu = None, 0.0, 0.0, 0.0, 0.0
    if cosim is not None:
        t0, c0 = time.perf_counter(), time.process_time()
        summary = cosim.summary()
        routing, routing_cpu = time.perf_counter() - t0, time.process_time() - c0
        setup, setup_cpu = cosim.attach_seconds, cosim.attach_cpu_seconds
    sim.end()
    return setup, run - setup, routing, rate, summary, run_cpu - setup_cpu + routing_cpu


def best(runs):
    """The run with the least steps + routing, and every run's steps + routing (wall)."""
    return min(runs, key=lambda r: r[1] + r[2]), [r[1] + r[2] for r in runs]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--tstop", type=float, default=1000.0)
    parser.add_argument("--chips", default="loihi", help="comma-separated chip names")
    parser.add_argument("--benchmark", default="CUBA", choices=["CUBA", "COBA"])
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="hardware_options for the co-simulated runs")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best kept")
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds run first and not counted (numba's cache loads, "
                             "first-touch memory)")
    parser.add_argument("--numpy-loop", action="store_true",
                        help="also run each chip on the NumPy reference loop")
    parser.add_argument("--serial-routing", action="store_true",
                        help="also run each chip with its routing on the calling thread")
    args = parser.parse_args()
    options = dict(o.split("=", 1) for o in args.option)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.benchmark} {args.n} cells, {args.tstop:g} ms, {os.cpu_count()} CPU cores "
          f"(load {load:.2f}), best of {args.repeat}, chip options {options or 'none'}")
    chips = args.chips.split(",")
    # (chip, compiled loop, routing thread)
    configs = [(None, True, True)] + [(chip, True, True) for chip in chips]
    if args.serial_routing:
        configs += [(chip, True, False) for chip in chips]
    if args.numpy_loop:
        configs += [(chip, False, True) for chip in chips]
    # the configurations take turns, so that a change of the machine's load falls on all
    runs = {c: [] for c in configs}
    for k in range(args.warmup + args.repeat):
        for config in configs:
            chip, fused, thread = config
            run = run_once(chip, args.n, args.tstop, args.benchmark, options if chip else None,
                           fused, thread)
            if k >= args.warmup:
                runs[config].append(run)
    (_, sw_steps, _, sw_rate, _, _), sw_all = best(runs[configs[0]])
    sw_cpu = min(r[5] for r in runs[configs[0]])
    print(f"{'run':<12}{'set-up':>8}{'steps':>8}{'routing':>9}{'steps+routing':>15}"
          f"{'total':>8}{'CPU':>12}{'exc rate':>10}{'chip cores':>12}{'energy uJ':>11}"
          f"{'ns/tick':>9}")
    print(f"{'':<12}{'(s)':>8}{'(s)':>8}{'(s)':>9}{'(s, ratio)':>15}{'ratio':>8}"
          f"{'(s, ratio)':>12}{'(Hz)':>10}")
    print(f"{'software':<12}{'':>8}{sw_steps:>8.3f}{'':>9}{sw_steps:>9.3f}{1.0:>6.2f}"
          f"{1.0:>8.2f}{sw_cpu:>6.3f}{1.0:>6.2f}{sw_rate:>10.2f}"
          f"   (all runs: {', '.join(f'{t:.3f}' for t in sw_all)})")
    for config in configs[1:]:
        chip, fused, thread = config
        (setup, steps, routing, rate, summary, _), hw_all = best(runs[config])
        cpu = min(r[5] for r in runs[config])
        per_run = steps + routing
        name = chip + ("" if fused else "/numpy") + ("" if thread else "/serial")
        print(f"{name:<12}{setup:>8.3f}{steps:>8.3f}{routing:>9.3f}{per_run:>9.3f}"
              f"{per_run / sw_steps:>6.2f}{(per_run + setup) / sw_steps:>8.2f}"
              f"{cpu:>6.3f}{cpu / sw_cpu:>6.2f}{rate:>10.2f}"
              f"{summary['n_cores_used']:>12d}{summary['energy_pj']['total'] * 1e-6:>11.2f}"
              f"{summary['hardware_time_per_tick_ns']['mean']:>9.1f}"
              f"   (all runs: {', '.join(f'{t:.3f}' for t in hw_all)})")
        print(f"  {summary['cells']['statement']}")
        print(f"  median steps+routing {median(hw_all):.3f} s against the software run's "
              f"{median(sw_all):.3f} s: {median(hw_all) / median(sw_all):.2f}x; each "
              f"round's run against that round's software run: median "
              f"{median(h / w for h, w in zip(hw_all, sw_all)):.2f}x")


if __name__ == "__main__":
    main()
