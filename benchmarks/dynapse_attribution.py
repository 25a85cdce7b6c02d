"""Where DYNAP-SE's spike trains part from software: each cause switched on alone.

    python benchmarks/dynapse_attribution.py [--script feedforward|va] [--out DIR]

Runs `pycarl compare --hardware dynapse` once per configuration and prints,
per population, software and chip rates and the van Rossum distance:

- all:        the chip as dynapse.yaml describes it
- circuits:   DPI cells (cells: chip), no mismatch, no weight sharing, latency ~0
- +mismatch:  circuits plus device mismatch (the mismatch part is the change
              from 'circuits')
- sharing:    float cells, weights shared per core and synapse type (the
              quantize scheme: what CAM tags and per-core weight biases allow)
- latency:    float cells, only the interconnect latency (exact, nearest
              step for float cells)
"latency ~0" sets interconnect.cycle_ns to 1e-9 ns (every latency vanishes).
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NO_LATENCY = ["interconnect.cycle_ns=1e-9"]
CONFIGS = {
    "all": [],
    "circuits": ["mismatch=false", "quantize=false"] + NO_LATENCY,
    "+mismatch": ["quantize=false"] + NO_LATENCY,
    "sharing": ["cells=software", "mismatch=false"] + NO_LATENCY,
    "latency": ["cells=software", "mismatch=false", "quantize=false"],
}
SCRIPTS = {
    "feedforward": [str(ROOT / "examples" / "feedforward.py"), "pycarl"],
    "va": [str(ROOT / "examples" / "vogels_abbott.py"), "pycarl", "--n", "400", "--tstop",
           "200", "--indegree", "60", "--exact-indegree"],
}


def run(script, options, out):
    cmd = [sys.executable, "-m", "pycarl", "compare", "--hardware", "dynapse", "--out", str(out)]
    for o in options:
        cmd += ["--option", o]
    subprocess.run(cmd + SCRIPTS[script], check=True, cwd=ROOT, capture_output=True)
    return json.loads((Path(out) / "metrics.json").read_text())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", choices=sorted(SCRIPTS), default="feedforward")
    ap.add_argument("--out", default="/tmp/pycarl_dynapse_attribution")
    a = ap.parse_args()
    print(f"{a.script}: config, population, rate software (Hz), rate chip (Hz), van Rossum")
    for name, options in CONFIGS.items():
        m = run(a.script, options, Path(a.out) / name.strip("+"))
        for label, p in m["populations"].items():
            print(f"{name:10s} {label:10s} {p['rate_software_hz']:8.2f} "
                  f"{p['rate_hardware_hz']:8.2f} "
                  f"{p['van_rossum']:8.3f}")
        print(f"{'':10s} mean latency {m['latency_ms']['mean'] * 1e6:.1f} ns, cells: {m['cells']}")


if __name__ == "__main__":
    main()
