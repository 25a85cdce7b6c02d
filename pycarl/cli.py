"""The `pycarl` command.

    pycarl run SCRIPT [ARGS...]                 run a PyNN script on pycarl
    pycarl compare --hardware CHIP --out DIR SCRIPT [ARGS...]
    pycarl explore --hardware CHIP --sweep KEY=V1,V2 [--sweep ...] --out DIR SCRIPT [ARGS...]
    pycarl chips                                list the built-in chips
    pycarl demo                                 Vogels-Abbott: software vs three chips

Exit status: 0 success, 1 the run failed, 2 bad usage.
"""
import argparse
import sys
import textwrap
from pathlib import Path

#: scripts `pycarl demo` runs, shipped as package data (examples/vogels_abbott.py
#: links to the same file)
DEMO_SCRIPTS = Path(__file__).resolve().parent / "demo_scripts"


def demo_script():
    """The Vogels-Abbott script `pycarl demo` runs."""
    return DEMO_SCRIPTS / "vogels_abbott.py"


class UsageError(Exception):
    pass


class RunFailed(Exception):
    """The run went wrong (exit status 1); the message is the whole report."""


def _check_chip(name):
    from hardware_models import load_spec
    try:
        load_spec(name)
    except Exception as err:
        raise UsageError(f"unknown chip {name!r}: {err}") from None


def _check_script(path):
    if not Path(path).is_file():
        raise UsageError(f"script not found: {path}")


def environment_settings():
    from .settings import SettingsError, from_environment
    try:
        return from_environment()
    except SettingsError as err:
        raise UsageError(str(err)) from None


def cmd_run(args):
    _check_script(args.script)
    if args.hardware:
        _check_chip(args.hardware)
    settings = environment_settings().with_(hardware=args.hardware, device=args.device,
                                            seed=args.seed)
    from .scriptrun import run_script
    run_script(args.script, args.script_args, settings=settings)


def _options(pairs):
    """--option KEY=VALUE (repeated) -> hardware_options dict."""
    options = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--option {pair!r}: expected KEY=VALUE (a dotted chip key, "
                             f"e.g. cells=software or quantize=false)")
        options[key] = value
    return options


def cmd_compare(args):
    _check_script(args.script)
    _check_chip(args.hardware)
    from .compare import compare
    result = compare(args.script, args.script_args, [args.hardware], args.out, seed=args.seed,
                     options=_options(args.option), settings=environment_settings(),
                     attribute=not args.no_attribution)
    m = result[args.hardware]
    if m["hardware_file"]:
        print(f"chip {m['hardware']} from {m['hardware_file']}")
    if m["attribution"]:
        print(m["attribution"]["sentence"])
    print(f"{args.hardware}: mean latency {m['latency_ms']['mean']} ms, "
          f"disorder {m['disorder']}, energy {m['energy_pj']['total']:.4g} pJ")
    for label, p in m["populations"].items():
        print(f"  {label}: {p['rate_software_hz']:.2f} Hz software, "
              f"{p['rate_hardware_hz']:.2f} Hz on {args.hardware}, "
              f"van Rossum {p['van_rossum']:.3g}")
    print(f"wrote {Path(args.out) / 'metrics.json'} and {Path(args.out) / 'report.html'}")


def cmd_explore(args):
    _check_script(args.script)
    _check_chip(args.hardware)
    from .sweep import SweepError, parse_sweep, validate_sweeps
    if int(args.workers) < 1:
        raise UsageError(f"--workers must be >= 1, got {args.workers}")
    if args.scheduler and not args.scheduler.startswith(("tcp://", "tls://", "inproc://",
                                                         "ucx://", "ws://", "wss://")):
        raise UsageError(f"--scheduler {args.scheduler!r} is not an address like "
                         f"tcp://HOST:PORT")
    try:
        sweeps = [parse_sweep(text) for text in args.sweep]
        validate_sweeps(args.hardware, sweeps)
    except SweepError as err:
        raise UsageError(str(err)) from None
    from .explore import explore
    rows = explore(args.script, args.script_args, args.hardware, sweeps, args.out,
                   seed=args.seed, workers=args.workers, scheduler=args.scheduler,
                   settings=environment_settings())
    failed = [r for r in rows if r["status"] != "ok"]
    print(f"{len(rows) - len(failed)} of {len(rows)} points succeeded; wrote "
          f"{Path(args.out) / 'results.csv'}, results.json and report.html")
    for r in failed:
        print(f"  point {r['point']} failed: {r['error']}", file=sys.stderr)
    if rows and len(failed) == len(rows):
        raise RunFailed(f"all {len(rows)} points failed; first error: {failed[0]['error']}")


def cmd_chips(args):
    from hardware_models import list_chips, load_spec
    print(f"{'chip':<10} {'cores':>6} {'neurons/core':>13} {'time model':>11}  source")
    for name in list_chips():
        spec = load_spec(name)
        print(f"{name:<10} {spec.get('cores'):>6} {spec.get('neurons_per_core'):>13} "
              f"{spec.get('time_model'):>11}  {spec.source}")


def cmd_demo(args):
    from .compare import compare
    script = demo_script()
    chips = args.hardware or ["loihi", "truenorth", "dynapse"]
    for chip in chips:
        _check_chip(chip)
    # DYNAP-SE has 64 CAM entries per neuron: every cell gets exactly 60 inputs
    # (instead of about 80), with weights scaled by 80/60 to keep the mean input
    # CUBA: current-based LIF cells, which every chip's own arithmetic computes
    script_args = ["pycarl", "--benchmark", "CUBA", "--n", str(args.n), "--tstop",
                   str(args.tstop), "--raster", "", "--indegree", "60", "--exact-indegree"]
    note = (f"Vogels-Abbott CUBA scaled to fit every chip: {args.n} cells, exactly 60 inputs "
            f"per cell (80 in the original; DYNAP-SE allows 64 per neuron), weights x 80/60.")
    print(note)
    results = compare(script, script_args, chips, args.out, seed=args.seed, notes=[note],
                      settings=environment_settings(), attribute=not args.no_attribution)
    for chip, m in results.items():
        if m["attribution"]:
            print(m["attribution"]["sentence"])
        rates = ", ".join(f"{label} {p['rate_software_hz']:.1f}->{p['rate_hardware_hz']:.1f} Hz"
                          for label, p in m["populations"].items())
        print(f"{chip:>10}: {rates}; mean latency {m['latency_ms']['mean']} ms; "
              f"energy {m['energy_pj']['total']:.3g} pJ")
    print(f"report: {Path(args.out) / 'report.html'}")


# Options of pycarl that may also follow the script's own arguments (the issue's
# syntax `pycarl explore SCRIPT ARGS --hardware CHIP ...`): name -> (dest, appends).
# --seed is not among them: after the script it is the script's own option.
CHIP_RUN_TRAILING = {"--hardware": ("hardware", False), "--out": ("out", False)}
TRAILING = {
    "compare": {**CHIP_RUN_TRAILING, "--option": ("option", True)},
    "explore": {**CHIP_RUN_TRAILING, "--sweep": ("sweep", True),
                "--scheduler": ("scheduler", False), "--workers": ("workers", False)},
}
REQUIRED = {"compare": ("--hardware", "--out"), "explore": ("--hardware", "--sweep", "--out")}


def take_trailing_options(args):
    """Move pycarl's options found among the script arguments back onto args.

    Everything after a literal ``--`` belongs to the script unchanged."""
    names = TRAILING.get(args.command)
    if not names:
        return args
    tokens, kept, given = list(args.script_args), [], set()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            kept += tokens[i + 1:]
            break
        name, eq, inline = token.partition("=")
        if name not in names:
            kept.append(token)
            i += 1
            continue
        if eq:
            value, i = inline, i + 1
        elif i + 1 < len(tokens):
            value, i = tokens[i + 1], i + 2
        else:
            raise UsageError(f"{name} needs a value")
        dest, appends = names[name]
        if appends:
            setattr(args, dest, (getattr(args, dest) or []) + [value])
        elif getattr(args, dest) not in (None, DEFAULTS.get(dest)) or name in given:
            raise UsageError(f"{name} given twice")
        else:
            setattr(args, dest, value)
        given.add(name)
    args.script_args = kept
    if args.command == "explore":
        try:
            args.workers = int(args.workers)
        except ValueError:
            raise UsageError(f"--workers must be an integer, got {args.workers!r}") from None
    missing = [n for n in REQUIRED[args.command] if not getattr(args, names[n][0])]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}")
    return args


DEFAULTS = {"workers": 2}


def build_parser():
    parser = argparse.ArgumentParser(prog="pycarl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def script_command(name, help_text, example, details=""):
        text = textwrap.fill(help_text + (". " + details if details else ""), width=78)
        return sub.add_parser(name, help=help_text, description=f"{text}\n\nexample:\n  {example}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    def chip_run_options(p, seed_help=None):
        """compare's and explore's --hardware and --out (required, checked after the script's
        arguments are read: see REQUIRED) and --seed."""
        p.add_argument("--hardware", help="chip name or YAML path (required)")
        p.add_argument("--out", help="output directory (required)")
        p.add_argument("--seed", type=int, default=1234, help=seed_help)

    def no_attribution_option(p):
        p.add_argument("--no-attribution", action="store_true",
                       help="skip the runs with one chip effect at a time")

    def script_positionals(p, func):
        """SCRIPT and its arguments (all that follow it), run by `func`."""
        p.add_argument("script")
        p.add_argument("script_args", nargs=argparse.REMAINDER)
        p.set_defaults(func=func)

    p = script_command("run", "run a PyNN script on pycarl (its pyNN.nest/get_simulator "
                       "backend becomes pycarl)", "pycarl run examples/vogels_abbott.py pycarl")
    p.add_argument("--hardware", help="co-simulate on a chip (name or YAML path)")
    p.add_argument("--device", choices=["cpu", "gpu", "auto"], help="engine device")
    p.add_argument("--seed", type=int, help="seed for the engine and unseeded PyNN RNGs")
    script_positionals(p, cmd_run)

    after = ("pycarl's options may come before SCRIPT or after the script's arguments "
             "(put script arguments that clash with them after a literal --)")
    p = script_command("compare", "run a script software-only and co-simulated on a chip; "
                       "write DIR/metrics.json and DIR/report.html",
                       "pycarl compare --hardware loihi --out cmp examples/vogels_abbott.py "
                       "pycarl --n 1000", after)
    chip_run_options(p)
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="chip option for the co-simulated run (hardware_options), e.g. "
                        "cells=software, quantize=false; repeatable")
    no_attribution_option(p)
    script_positionals(p, cmd_compare)

    p = script_command("explore", "design-space exploration: co-simulate the script at each "
                       "point of a sweep of chip parameters, against one shared software-only "
                       "run",
                       "pycarl explore examples/vogels_abbott.py pycarl --n 500 --tstop 200 "
                       "--raster '' --hardware loihi --sweep "
                       "interconnect.router_latency_cycles=1,2,4 --sweep "
                       "mapping=sequential,min-comm --sweep quantize=true,false --out dse",
                       "The points are the cartesian product of the --sweep lists (dotted "
                       "chip-YAML keys, plus mapping, neurons_per_core, quantize). They run "
                       "in a local process pool (--workers), or on a Dask cluster with "
                       "--scheduler. Writes DIR/results.csv, DIR/results.json and "
                       "DIR/report.html (Pareto plot of energy vs behavioural deviation, one "
                       "plot per swept key, best point per objective). A point that fails is "
                       "a row with status 'failed' and its error; the exit status is 1 only "
                       "when every point fails. " + after)
    chip_run_options(p, seed_help="seed of every run (before SCRIPT only)")
    p.add_argument("--sweep", action="append", metavar="KEY=V1,V2,...",
                   help="a chip key and its values (true/false, integers, numbers or "
                        "names); repeat for more keys (required)")
    p.add_argument("--workers", default=DEFAULTS["workers"],
                   help="local worker processes (default 2; ignored with --scheduler)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="run the points on this Dask scheduler instead of locally")
    script_positionals(p, cmd_explore)

    p = script_command("chips", "list the built-in chips and their key figures", "pycarl chips")
    p.set_defaults(func=cmd_chips)

    p = script_command("demo", "the Vogels-Abbott network, software-only vs TrueNorth, Loihi "
                       "and DYNAP-SE, in one report", "pycarl demo --out demo")
    p.add_argument("--out", default="pycarl-demo")
    p.add_argument("--n", type=int, default=1000, help="number of cells")
    p.add_argument("--tstop", type=float, default=500.0)
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--hardware", action="append", metavar="CHIP",
                   help="chip name or YAML path instead of the three built-in chips "
                        "(repeat for more)")
    no_attribution_option(p)
    p.set_defaults(func=cmd_demo)
    return parser


def _one_line(err):
    return " ".join(str(err).split())


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        take_trailing_options(args)
        args.func(args)
    except UsageError as err:
        print(f"pycarl {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except RunFailed as err:
        print(f"pycarl {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 1
    except Exception as err:  # a run that failed: one line, status 1
        print(f"pycarl {args.command}: error: {type(err).__name__}: {_one_line(err)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
