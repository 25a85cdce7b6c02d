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
            stages["tests_summary"] = tests_summary(tail)
    return stages


def tests_summary(lines):
    """pytest's last line, or (when the stage ran out of time) a count of the
    `pytest -v` result lines printed so far, failures named."""
    outcomes = ("passed", "failed", "error", "skipped")
    if " in " in lines[-1] and any(w in lines[-1] for w in outcomes):
        return lines[-1]
    outcomes = {"PASSED": [], "FAILED": [], "ERROR": [], "SKIPPED": []}
    for line in lines:
        for outcome in outcomes:
            if f" {outcome}" in line and "::" in line:
                outcomes[outcome].append(line.split(" ")[0].split("::")[-1])
    counts = ", ".join(f"{len(v)} {k.lower()}" for k, v in outcomes.items() if v)
    failed = outcomes["FAILED"] + outcomes["ERROR"]
    return (f"{counts or 'no test finished'} before: {lines[-1]}"
            + (f"; failed: {', '.join(failed)}" if failed else ""))


def fastest_gpu_coba(stages):
    """(stage name, result) of the fastest COBA 4000 GPU stage (they differ in
    launch settings only: graph length, propagation grid, one launch per step),
    or None."""
    runs = [(name, r) for name, r in stages.items()
            if name.startswith("coba4000_gpu") and r and "error" not in r and "run_s" in r]
    return min(runs, key=lambda item: item[1]["run_s"]) if runs else None


def table(stages, card):
    lines = [f"GPU check on: {card}",
             f"{'stage':<22} {'simulator':<8} {'device':<9} {'neurons':>8} {'synapses':>12} "
             f"{'sim s':>6} {'build s':>8} {'run s':>8} {'RTF':>8} {'rate Hz':>8} "
             "fused/graphs/pipelined"]
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
            f"{r.get('fused', False)}/{r.get('graphs', False)}/{r.get('pipelined', False)}")
    gpu = fastest_gpu_coba(stages)
    nest = stages.get("coba4000_nest")
    if gpu and nest and "error" not in nest:
        name, run = gpu
        lines.append(f"COBA 4000 speed-up, pycarl GPU ({name}) vs NEST ({nest['device']}): "
                     f"{nest['run_s'] / run['run_s']:.1f}x (target >= 10x)")
    cpu = stages.get("coba4000_cpu")
    if cpu and "error" not in cpu and gpu:
        run = gpu[1]
        lines.append(f"COBA 4000 rate, GPU {run['rate_hz']:.3f} Hz vs CPU engine "
                     f"{cpu['rate_hz']:.3f} Hz (same network and seed); GPU speed-up over "
                     f"the CPU engine {cpu['run_s'] / run['run_s']:.1f}x")
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
