"""The `pycarl` command.

    pycarl run SCRIPT [ARGS...]                 run a PyNN script on pycarl
    pycarl compare --hardware CHIP --out DIR SCRIPT [ARGS...]
    pycarl chips                                list the built-in chips
    pycarl demo                                 Vogels-Abbott: software vs three chips

Exit status: 0 success, 1 the run failed, 2 bad usage.
"""
import argparse
import os
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class UsageError(Exception):
    pass


def _check_chip(name):
    from hardware_models import load_spec
    try:
        load_spec(name)
    except Exception as err:
        raise UsageError(f"unknown chip {name!r}: {err}") from None


def _check_script(path):
    if not Path(path).is_file():
        raise UsageError(f"script not found: {path}")


def cmd_run(args):
    _check_script(args.script)
    if args.hardware:
        _check_chip(args.hardware)
        os.environ["PYCARL_HARDWARE"] = args.hardware
    if args.device:
        os.environ["PYCARL_DEVICE"] = args.device
    if args.seed is not None:
        os.environ["PYCARL_SEED"] = str(args.seed)
    from .scriptrun import run_script
    run_script(args.script, args.script_args)


def cmd_compare(args):
    _check_script(args.script)
    _check_chip(args.hardware)
    from .compare import compare
    result = compare(args.script, args.script_args, [args.hardware], args.out, seed=args.seed)
    m = result[args.hardware]
    print(f"{args.hardware}: mean latency {m['latency_ms']['mean']} ms, "
          f"disorder {m['disorder']}, energy {m['energy_pj']['total']:.4g} pJ")
    for label, p in m["populations"].items():
        print(f"  {label}: {p['rate_software_hz']:.2f} Hz software, "
              f"{p['rate_hardware_hz']:.2f} Hz on {args.hardware}, "
              f"van Rossum {p['van_rossum']:.3g}")
    print(f"wrote {Path(args.out) / 'metrics.json'} and {Path(args.out) / 'report.html'}")


def cmd_chips(args):
    from hardware_models import list_chips, load_spec
    print(f"{'chip':<10} {'cores':>6} {'neurons/core':>13} {'time model':>11}  source")
    for name in list_chips():
        spec = load_spec(name)
        print(f"{name:<10} {spec.get('cores'):>6} {spec.get('neurons_per_core'):>13} "
              f"{spec.get('time_model'):>11}  {spec.source}")


def cmd_demo(args):
    from .compare import compare
    script = EXAMPLES / "vogels_abbott.py"
    chips = ["loihi", "truenorth", "dynapse"]
    script_args = ["pycarl", "--n", str(args.n), "--tstop", str(args.tstop), "--raster", ""]
    print(f"Vogels-Abbott COBA, {args.n} cells, {args.tstop:g} ms: software-only vs "
          f"{', '.join(chips)}")
    results = compare(script, script_args, chips, args.out, seed=args.seed)
    for chip, m in results.items():
        rates = ", ".join(f"{label} {p['rate_software_hz']:.1f}->{p['rate_hardware_hz']:.1f} Hz"
                          for label, p in m["populations"].items())
        print(f"{chip:>10}: {rates}; mean latency {m['latency_ms']['mean']} ms; "
              f"energy {m['energy_pj']['total']:.3g} pJ")
    print(f"report: {Path(args.out) / 'report.html'}")


def build_parser():
    parser = argparse.ArgumentParser(prog="pycarl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def script_command(name, help_text, example):
        p = sub.add_parser(name, help=help_text, description=f"{help_text}\n\nexample: {example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        return p

    p = script_command("run", "run a PyNN script on pycarl (its pyNN.nest/get_simulator "
                       "backend becomes pycarl)", "pycarl run examples/vogels_abbott.py pycarl")
    p.add_argument("--hardware", help="co-simulate on a chip (name or YAML path)")
    p.add_argument("--device", choices=["cpu", "gpu", "auto"], help="engine device")
    p.add_argument("--seed", type=int, help="seed for the engine and unseeded PyNN RNGs")
    p.add_argument("script")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_run)

    p = script_command("compare", "run a script software-only and co-simulated on a chip; "
                       "write DIR/metrics.json and DIR/report.html",
                       "pycarl compare --hardware loihi --out cmp examples/vogels_abbott.py "
                       "pycarl --n 1000")
    p.add_argument("--hardware", required=True, help="chip name or YAML path")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("script")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_compare)

    p = script_command("chips", "list the built-in chips and their key figures", "pycarl chips")
    p.set_defaults(func=cmd_chips)

    p = script_command("demo", "the Vogels-Abbott network, software-only vs TrueNorth, Loihi "
                       "and DYNAP-SE, in one report", "pycarl demo --out demo")
    p.add_argument("--out", default="pycarl-demo")
    p.add_argument("--n", type=int, default=1000, help="number of cells")
    p.add_argument("--tstop", type=float, default=1000.0)
    p.add_argument("--seed", type=int, default=1234)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except UsageError as err:
        print(f"pycarl {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # a run that failed: one line, status 1
        print(f"pycarl {args.command}: error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
