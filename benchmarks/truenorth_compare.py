"""Software-only vs TrueNorth co-simulation of an example, and each of the chip's changes alone.

    python benchmarks/truenorth_compare.py                 # examples/feedforward.py, 1 s
    python benchmarks/truenorth_compare.py --cuba          # Vogels-Abbott CUBA, 1000 cells

Runs `pycarl compare` four times with hardware_options that switch on:
the full chip (cells computed as TrueNorth neurons in 1 ms ticks, 9-bit
weights); the 1 ms tick alone (PyNN's float cells at 1 ms steps); the integer
neuron alone (TrueNorth neurons at the script's 0.1 ms step, unrounded
weights); weight rounding alone (float cells, TrueNorth's weight quantization).
Prints per population the software and chip rates and the van Rossum distance.
"""
import argparse
import tempfile
import time
from pathlib import Path

from pycarl.compare import compare

ROOT = Path(__file__).resolve().parents[1]
RUNS = {
    "full chip": {"cells": "chip"},
    "1 ms tick alone": {"cells": "software", "time_base": "chip", "quantize": False},
    "integer neuron alone": {"cells": "chip", "chip_step_ms": 0.1,
                             "truenorth.weight_rounding": False},
    "weight rounding alone": {"cells": "software", "quantize": True},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cuba", action="store_true", help="Vogels-Abbott CUBA instead")
    ap.add_argument("--n", type=int, default=None, help="cells (default 40 / 1000)")
    ap.add_argument("--tstop", type=float, default=1000.0)
    args = ap.parse_args()
    if args.cuba:
        script = ROOT / "examples" / "vogels_abbott.py"
        script_args = ["pycarl", "--benchmark", "CUBA", "--n", str(args.n or 1000),
                       "--tstop", str(args.tstop), "--raster", ""]
    else:
        script = ROOT / "examples" / "feedforward.py"
        script_args = ["pycarl", "--n", str(args.n or 40), "--tstop", str(args.tstop)]
    print(f"{'run':24s} {'population':12s} {'software Hz':>12s} {'chip Hz':>10s} "
          f"{'van Rossum':>11s} {'wall s':>7s}")
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, options) in enumerate(RUNS.items()):
            t0 = time.time()
            res = compare(str(script), script_args, ["truenorth"], Path(tmp) / str(k),
                          options=options, progress=False)
            for pop, m in res["truenorth"]["populations"].items():
                print(f"{name:24s} {pop:12s} {m['rate_software_hz']:12.2f} "
                      f"{m['rate_hardware_hz']:10.2f} {m['van_rossum']:11.3f} "
                      f"{time.time() - t0:7.0f}")


if __name__ == "__main__":
    main()
