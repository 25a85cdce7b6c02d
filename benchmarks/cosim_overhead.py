"""What co-simulating a chip costs: the Vogels-Abbott COBA network run
software-only and co-simulated on each chip, in the same invocation.

    python benchmarks/cosim_overhead.py [--n 4000] [--tstop 1000] [--chips loihi]

Prints, per chip, the run time of both and their ratio (target for Loihi on
COBA 4000: <= 2x), plus the chip's energy and hardware time per tick.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import va_network  # noqa: E402


def run_once(hardware, n, tstop):
    import pycarl_backend as sim
    from pycarl_backend import simulator
    sim.setup(timestep=va_network.DT, min_delay=va_network.DELAY, max_delay=1.0,
              rng_seed=42, hardware=hardware)
    t0 = time.perf_counter()
    net = va_network.build(sim, "COBA", n)
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
    args = parser.parse_args()
    print(f"COBA {args.n} cells, {args.tstop:g} ms, {os.cpu_count()} cores")
    _, sw_run, sw_rate, _ = run_once(None, args.n, args.tstop)
    print(f"{'run':<12}{'run time (s)':>14}{'ratio':>8}{'exc rate (Hz)':>15}"
          f"{'energy (uJ)':>13}{'hw time/tick (ns)':>19}")
    print(f"{'software':<12}{sw_run:>14.2f}{1.0:>8.2f}{sw_rate:>15.2f}")
    for chip in args.chips.split(","):
        _, hw_run, hw_rate, summary = run_once(chip, args.n, args.tstop)
        print(f"{chip:<12}{hw_run:>14.2f}{hw_run / sw_run:>8.2f}{hw_rate:>15.2f}"
              f"{summary['energy_pj']['total'] * 1e-6:>13.2f}"
              f"{summary['hardware_time_per_tick_ns']['mean']:>19.1f}")


if __name__ == "__main__":
    main()
