"""Per-population rates of the Potjans-Diesmann microcircuit
(benchmarks/microcircuit.py) on pycarl and on NEST, same script, same seed,
printed side by side (issue 12: with Poisson background at 8 Hz x K_ext per
cell, 13-23 kHz, the sources' multiplicity decides the drive).

    python benchmarks/microcircuit_vs_nest.py --scale 0.005 --tstop 500 --input poisson

Each simulator runs in its own process (microcircuit.py --simulator ...).
Prints one line per population and a RESULT line (JSON).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def run(simulator, args):
    command = [sys.executable, os.path.join(HERE, "microcircuit.py"), "--simulator", simulator,
               "--scale", str(args.scale), "--tstop", str(args.tstop), "--warmup",
               str(args.warmup), "--input", args.input]
    command += ["--device", args.device] if simulator == "pycarl" else ["--threads",
                                                                         str(args.threads)]
    out = subprocess.run(command, cwd=HERE, capture_output=True, text=True, check=True).stdout
    line = next(row for row in out.splitlines() if row.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.005)
    parser.add_argument("--tstop", type=float, default=500.0)
    parser.add_argument("--warmup", type=float, default=100.0)
    parser.add_argument("--input", choices=["dc", "poisson"], default="poisson")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    ours, nest = run("pycarl", args), run("nest", args)
    print(f"{'population':10s} {'pycarl Hz':>10s} {'NEST Hz':>10s} {'ratio':>7s}")
    for name, rate in ours["rates_hz"].items():
        ref = nest["rates_hz"][name]
        ratio = rate / ref if ref else float("nan")
        print(f"{name:10s} {rate:10.3f} {ref:10.3f} {ratio:7.3f}")
    print("RESULT " + json.dumps({"scale": args.scale, "input": args.input,
                                  "pycarl": ours["rates_hz"], "nest": nest["rates_hz"],
                                  "pycarl_run_s": ours["run_s"], "nest_run_s": nest["run_s"]}))


if __name__ == "__main__":
    main()
