"""What co-simulating a chip costs: the Vogels-Abbott network run
software-only and co-simulated on each chip, in the same invocation.

    python benchmarks/cosim_overhead.py [--benchmark CUBA] [--n 4000] [--tstop 1000]
                                        [--chips loihi] [--option KEY=VALUE ...]

Prints, per chip, the run time of both and their ratio (target for Loihi on
CUBA 4000, Loihi's own compartments computing the cells: <= 1.5x), plus the
chip's energy and hardware time per tick. COBA's conductance-based cells run
on Loihi only with --option cells=software.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import va_network  # noqa: E402


def run_once(hardware, n, tstop, benchmark="CUBA", options=None):
    import pycarl_backend as sim
    from pycarl_backend import simulator
    sim.setup(timestep=va_network.DT, min_delay=va_network.DELAY, max_delay=1.0,
              rng_seed=42, hardware=hardware, hardware_options=options)
    t0 = time.perf_counter()
    net = va_network.build(sim, benchmark, n)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run(tstop)
    run = time.perf_counter() - t0
    rate = (net.exc.mean_spike_count() * 1000.0 / tstop)
    summary = simulator.state.cosim.summary() if simulator.state.cosim else None
    sim.end()
    return build, run, rate, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--tstop", type=float, default=1000.0)
    parser.add_argument("--chips", default="loihi", help="comma-separated chip names")
    parser.add_argument("--benchmark", default="CUBA", choices=["CUBA", "COBA"])
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="hardware_options for the co-simulated runs")
    args = parser.parse_args()
    options = dict(o.split("=", 1) for o in args.option)
    print(f"{args.benchmark} {args.n} cells, {args.tstop:g} ms, {os.cpu_count()} cores, "
          f"chip options {options or 'none'}")
    _, sw_run, sw_rate, _ = run_once(None, args.n, args.tstop, args.benchmark)
    print(f"{'run':<12}{'run time (s)':>14}{'ratio':>8}{'exc rate (Hz)':>15}"
          f"{'energy (uJ)':>13}{'hw time/tick (ns)':>19}")
    print(f"{'software':<12}{sw_run:>14.2f}{1.0:>8.2f}{sw_rate:>15.2f}")
    for chip in args.chips.split(","):
        _, hw_run, hw_rate, summary = run_once(chip, args.n, args.tstop, args.benchmark,
                                               options)
        print(f"{chip:<12}{hw_run:>14.2f}{hw_run / sw_run:>8.2f}{hw_rate:>15.2f}"
              f"{summary['energy_pj']['total'] * 1e-6:>13.2f}"
              f"{summary['hardware_time_per_tick_ns']['mean']:>19.1f}  "
              f"{summary['cells']['statement']}")


if __name__ == "__main__":
    main()
