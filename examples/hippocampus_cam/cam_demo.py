"""CA3 content-addressable memory demo: learn, recall by cue, recall by content
fragments, overwrite (forget) a memory; prints each operation as correct/wrong.

    python examples/hippocampus_cam/cam_demo.py                # the demo protocol
    python examples/hippocampus_cam/cam_demo.py --random 60 --seed 3
    pycarl compare examples/hippocampus_cam/cam_demo.py ...    # on chip models

A plain PyNN script on pycarl_backend.spinnaker (SpiNNaker semantics in
software); run by the `pycarl` command, setup() takes the chip that command
gives (--hardware, or $PYCARL_HARDWARE), so `pycarl compare` can run it
unchanged. The network is in cam_network.py.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pycarl_backend.spinnaker as sim                       # noqa: E402
from cam_network import (OP_SPACING, describe, random_protocol,  # noqa: E402
                         run_protocol)

N_CUES, N_CONTENT = 5, 10


def demo_protocol(spacing=OP_SPACING):
    steps = [("learn", 0, {0, 1, 8, 9}), ("learn", 4, {1, 5, 6}), ("learn", 3, {4, 5, 6}),
             ("cue", 0, None), ("content", None, {6}), ("content", None, {0, 4}),
             ("learn", 3, {1, 3, 4, 8}),          # overwrite: cue 3 forgets {4, 5, 6}
             ("cue", 3, None), ("content", None, {6}), ("content", None, {3}),
             ("cue", 4, None)]
    return [(kind, k * spacing, cue, content) for k, (kind, cue, content) in enumerate(steps)]


def cells(ticks, n_cues):
    """'cue {...} content {...}' for a set of output cells."""
    cue = sorted(i for i in ticks if i < n_cues)
    content = sorted(i - n_cues for i in ticks if i >= n_cues)
    parts = ([f"cue {cue}"] if cue else []) + ([f"content {content}"] if content else [])
    return " ".join(parts) or "nothing"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=0, metavar="N",
                        help="run N random operations instead of the demo protocol")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("simulator", nargs="?", help="ignored (pyNN.utility style argument)")
    args = parser.parse_args(argv)
    ops = (random_protocol(args.random, N_CUES, N_CONTENT, args.seed) if args.random
           else demo_protocol())
    results = run_protocol(sim, ops, N_CUES, N_CONTENT)
    for op, ok, seen, want in results:
        shown = ", ".join(f"t={tick}: {cells(seen[tick], N_CUES)}" for tick in sorted(want))
        print(f"{describe(op):48s} -> {shown:60s} {'correct' if ok else 'WRONG'}")
        if not ok:
            print(" " * 52 + "expected " + ", ".join(
                f"t={tick}: {cells(want[tick], N_CUES)}" for tick in sorted(want)))
    n_ok = sum(ok for _, ok, _, _ in results)
    print(f"{n_ok}/{len(results)} operations correct")
    return 0


if __name__ == "__main__":
    sys.exit(main())
