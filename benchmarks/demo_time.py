"""Time to produce the `pycarl demo` report, attribution runs included (issue 16).

    python benchmarks/demo_time.py [--out DIR] [--serial] [demo options ...]

Prints the wall time and the CPU time of the whole demo (this process, its
runs and the fork server they come from; target: under 60 s wall on a 2-core
machine) and each run's own wall time. --serial: one plain subprocess after the
other (compare(workers=1, preload=False)), for comparison.
"""
import argparse
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=None)
    parser.add_argument("--serial", action="store_true")
    args, demo_args = parser.parse_known_args()
    out = args.out or tempfile.mkdtemp(prefix="pycarl-demo-time-")
    from pycarl import cli, compare
    if args.serial:
        original = compare.compare

        def serial(*a, **kw):
            return original(*a, **dict(kw, workers=1, preload=False))
        compare.compare = serial
    start = time.perf_counter()
    status = cli.main(["demo", "--out", out] + demo_args)
    wall = time.perf_counter() - start
    import multiprocessing.forkserver as forkserver
    if forkserver._forkserver._forkserver_pid is not None:
        forkserver._forkserver._stop()     # reaped, the server's runs count as our children
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    print(f"\npycarl demo (exit status {status}): {wall:.1f} s wall (target < {TARGET_S:.0f} s: "
          f"{'met' if wall < TARGET_S else 'NOT met'}), {cpu:.1f} s CPU "
          f"({me.ru_utime + me.ru_stime:.1f} s in this process)")
    for path in sorted(Path(out).glob("*.pkl")):
        with open(path, "rb") as f:
            run = pickle.load(f)
        print(f"  {path.stem:<40} {run['wall_time_s']:6.1f} s wall")
    return status


if __name__ == "__main__":
    sys.exit(main())
