"""Collect the RESULT lines of gpu_check.sh's stages into one table (stdout)
and one JSON file.

    python benchmarks/gpu_report.py LOG_DIR [--json OUT.json] [--card NAME]
"""
import argparse
import glob
import json
import os

# published full-scale rates (Potjans & Diesmann 2014, Poisson input), Hz
PD14_RATES = {"L23E": 0.9, "L23I": 2.8, "L4E": 4.4, "L4I": 5.7, "L5E": 7.3, "L5I": 8.6,
              "L6E": 1.1, "L6I": 7.7}


def load(log_dir):
    stages = {}
    for path in sorted(glob.glob(os.path.join(log_dir, "*.log"))):
        name = os.path.basename(path)[:-4]
        result, tail = None, []
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("RESULT "):
                    result = json.loads(line[len("RESULT "):])
                elif line.strip():
                    tail.append(line.rstrip())
        stages[name] = result if result is not None else {"error": " | ".join(tail[-3:])}
        if name == "tests" and tail:
            stages["tests_summary"] = tail[-1]
    return stages


def table(stages, card):
    lines = [f"GPU check on: {card}",
             f"{'stage':<22} {'simulator':<8} {'device':<9} {'neurons':>8} {'synapses':>12} "
             f"{'sim s':>6} {'build s':>8} {'run s':>8} {'RTF':>8} {'rate Hz':>8} fused/graphs"]
    for name, r in stages.items():
        if name.startswith("tests"):
            continue
        if "simulator" not in r:  # skipped or failed before its RESULT line
            r = {"error": r.get("error", "no result")}
        if "error" in r:
            lines.append(f"{name:<22} FAILED: {r['error'][:150]}")
            continue
        rate = r.get("rate_hz")
        if rate is None and "rates_hz" in r:
            rates = r["rates_hz"]
            rate = sum(rates.values()) / len(rates)
        lines.append(
            f"{name:<22} {r['simulator']:<8} {r['device']:<9} {r['neurons']:>8} "
            f"{r['synapses']:>12} {r['tstop_ms'] / 1000:>6.1f} {r['build_s']:>8.2f} "
            f"{r['run_s']:>8.2f} {r['rtf']:>8.4f} {rate:>8.2f} "
            f"{r.get('fused', False)}/{r.get('graphs', False)}")
    coba = [stages.get("coba4000_gpu"), stages.get("coba4000_nest")]
    if all(c and "error" not in c for c in coba):
        lines.append(f"COBA 4000 speed-up, pycarl GPU vs NEST ({coba[1]['device']}): "
                     f"{coba[1]['run_s'] / coba[0]['run_s']:.1f}x (target >= 10x)")
    cpu = stages.get("coba4000_cpu")
    if cpu and "error" not in cpu and coba[0] and "error" not in coba[0]:
        lines.append(f"COBA 4000 rate, GPU {coba[0]['rate_hz']:.3f} Hz vs CPU engine "
                     f"{cpu['rate_hz']:.3f} Hz (same network and seed); GPU speed-up over "
                     f"the CPU engine {cpu['run_s'] / coba[0]['run_s']:.1f}x")
    mc = stages.get("microcircuit_gpu")
    if mc and "error" not in mc:
        lines.append(f"Microcircuit real-time factor: {mc['rtf']:.3f} (target <= 0.5)")
        lines.append("  rates Hz (published, Poisson input): " + ", ".join(
            f"{k} {v:.2f} ({PD14_RATES[k]})" for k, v in mc["rates_hz"].items()))
    tests = stages.get("tests_summary")
    if tests:
        lines.append(f"pytest -m gpu: {tests}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("log_dir")
    parser.add_argument("--json")
    parser.add_argument("--card", default="unknown")
    args = parser.parse_args()
    stages = load(args.log_dir)
    print(table(stages, args.card))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"card": args.card, "stages": stages}, f, indent=1)


if __name__ == "__main__":
    main()
