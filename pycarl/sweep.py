"""Design-space exploration: sweep definitions, validation, result rows, Pareto fronts.

Pure logic, no simulator: ``pycarl.explore`` runs the points.

A sweep is ``KEY=V1,V2,...`` where KEY is a dotted chip-YAML key
(``interconnect.router_latency_cycles``, ``mapping``, ``neurons_per_core``,
``quantize``, ...). The design points are the cartesian product of all sweeps,
in the order given (the last sweep varies fastest).
"""
import difflib
import itertools
import math

from hardware_models.errors import ChipSpecError, UnknownParameterError
from hardware_models.spec import VALID_KEYS, load_spec


class SweepError(ValueError):
    """A sweep the user wrote cannot be run (unknown key, unparsable value, ...)."""


def parse_value(text):
    """'true'/'false' -> bool, '3' -> int, '2.5' -> float, 'null' -> None, else str."""
    s = text.strip()
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none"):
        return None
    try:
        return int(s)
    except ValueError:
        pass
    try:
        value = float(s)
    except ValueError:
        return s
    if not math.isfinite(value):
        raise SweepError(f"value {text!r} is not a finite number")
    return value


def parse_sweep(text):
    """'KEY=V1,V2' -> (key, [values])."""
    key, sep, values = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise SweepError(f"sweep {text!r} is not KEY=V1,V2,...")
    items = [v for v in values.split(",")]
    if not values.strip() or any(not v.strip() for v in items):
        raise SweepError(f"sweep {text!r}: empty value in the list {values!r}")
    parsed = [parse_value(v) for v in items]
    if len(set(map(repr, parsed))) != len(parsed):
        raise SweepError(f"sweep {text!r} lists a value twice")
    return key, parsed


def _check_type(key, value, current):
    """A swept value must have the type of the chip's own value for that key."""
    def bad(expected):
        return SweepError(f"sweep {key}: value {value!r} is not {expected} "
                          f"(the chip has {key} = {current!r})")
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise bad("true or false")
    elif isinstance(current, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
    elif isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
    elif isinstance(current, str):
        if not isinstance(value, str):
            raise bad("a name")
    elif isinstance(current, (list, dict)):
        raise SweepError(f"sweep {key}: chip key {key} holds a {type(current).__name__}, "
                         f"which cannot be swept from the command line")


def validate_sweeps(hardware, sweeps):
    """Check every key and value against the chip before anything runs.

    hardware: a chip name, YAML path or ChipSpec; sweeps: [(key, values)].
    Raises SweepError naming the offending key or value; returns the ChipSpec.
    """
    try:
        spec = load_spec(hardware)
    except (UnknownParameterError, ChipSpecError, OSError, TypeError) as err:
        raise SweepError(str(err)) from None
    if not sweeps:
        raise SweepError("give at least one --sweep KEY=V1,V2,...")
    seen = set()
    for key, values in sweeps:
        if key in seen:
            raise SweepError(f"sweep key {key!r} given twice")
        seen.add(key)
        if key not in VALID_KEYS:
            close = difflib.get_close_matches(key, VALID_KEYS, n=3)
            hint = (f"did you mean {' or '.join(close)}?" if close
                    else f"valid keys: {', '.join(VALID_KEYS)}")
            raise SweepError(f"unknown sweep key {key!r} for {spec.name}; {hint}")
        current = spec.get(key)
        for value in values:
            if current is not None:
                _check_type(key, value, current)
            try:
                spec.with_overrides({key: value})
            except (ChipSpecError, UnknownParameterError, ValueError, TypeError) as err:
                raise SweepError(f"sweep {key}={value!r}: {err}") from None
    return spec


def design_points(sweeps):
    """The cartesian product: [{key: value}] in sweep order."""
    keys = [k for k, _ in sweeps]
    return [dict(zip(keys, combo)) for combo in itertools.product(*[v for _, v in sweeps])]


# Result columns that vary with the machine and the load, not with the design point.
TIMING_COLUMNS = ("wall_time_s",)

METRIC_COLUMNS = (
    "latency_mean_ms", "latency_max_ms", "isi_distortion_mean_ms", "isi_distortion_std_ms",
    "disorder", "extra_delay_mean_ms", "energy_pj", "energy_per_tick_pj",
    "hw_time_per_tick_mean_ns", "hw_time_per_tick_max_ns", "n_cores_used",
    "rate_change_hz", "max_abs_rate_change_hz", "van_rossum_mean")

#: objectives of the "best point" table: column, label (all minimised; rate change in
#: absolute value)
OBJECTIVES = (("energy_pj", "energy (pJ)"),
              ("van_rossum_mean", "behavioural deviation (mean van Rossum distance)"),
              ("latency_mean_ms", "mean spike latency (ms)"),
              ("hw_time_per_tick_mean_ns", "hardware time per tick (ns)"),
              ("max_abs_rate_change_hz", "largest firing-rate change (Hz)"))


def metric_row(metrics):
    """Flat result columns from pycarl.metrics.compare_runs() output.

    rate_change_hz and van_rossum_mean are means over all recorded neurons
    (each population weighted by its size); per-population values follow as
    ``rate_change_hz[label]`` and ``van_rossum[label]``.
    """
    pops = metrics["populations"]
    n_total = sum(p["n_neurons"] for p in pops.values())

    def weighted(field):
        if not n_total:
            return 0.0
        return float(sum(p[field] * p["n_neurons"] for p in pops.values()) / n_total)

    energy = metrics["energy_pj"]
    row = {
        "latency_mean_ms": metrics["latency_ms"]["mean"],
        "latency_max_ms": metrics["latency_ms"]["max"],
        "isi_distortion_mean_ms": metrics["isi_distortion_ms"]["mean"],
        "isi_distortion_std_ms": metrics["isi_distortion_ms"]["std"],
        "disorder": metrics["disorder"],
        "extra_delay_mean_ms": (metrics.get("extra_delay_ms") or {}).get("mean"),
        "energy_pj": energy["total"] if isinstance(energy, dict) else energy,
        "energy_per_tick_pj": energy.get("per_tick") if isinstance(energy, dict) else None,
        "hw_time_per_tick_mean_ns": metrics["hardware_time_per_tick_ns"]["mean"],
        "hw_time_per_tick_max_ns": metrics["hardware_time_per_tick_ns"]["max"],
        "n_cores_used": metrics.get("n_cores_used"),
        "rate_change_hz": weighted("rate_change_hz"),
        "max_abs_rate_change_hz": max((abs(p["rate_change_hz"]) for p in pops.values()),
                                      default=0.0),
        "van_rossum_mean": weighted("van_rossum"),
    }
    for label, p in pops.items():
        row[f"rate_change_hz[{label}]"] = p["rate_change_hz"]
        row[f"van_rossum[{label}]"] = p["van_rossum"]
    return row


def columns(rows, sweep_keys):
    """Column order of the results table: point, swept keys, status, metrics, error."""
    extra = []
    for row in rows:
        for k in row:
            if k.startswith(("rate_change_hz[", "van_rossum[")) and k not in extra:
                extra.append(k)
    return (["point"] + list(sweep_keys) + ["status"] + list(METRIC_COLUMNS) + extra
            + list(TIMING_COLUMNS) + ["error"])


def pareto_front(rows, x="van_rossum_mean", y="energy_pj"):
    """Indices (into rows) of the points no other point beats on both x and y (minimised)."""
    ok = [(i, r[x], r[y]) for i, r in enumerate(rows)
          if r.get("status") == "ok" and r.get(x) is not None and r.get(y) is not None]
    front = []
    for i, xi, yi in ok:
        dominated = any((xj <= xi and yj <= yi) and (xj < xi or yj < yi) for _, xj, yj in ok)
        if not dominated:
            front.append(i)
    return front


def best_points(rows):
    """{column: row} of the best successful point per objective (first wins a tie)."""
    best = {}
    for column, _ in OBJECTIVES:
        candidates = [r for r in rows if r.get("status") == "ok" and r.get(column) is not None]
        if candidates:
            key = (lambda r, c=column: abs(r[c])) if column == "max_abs_rate_change_hz" else (
                lambda r, c=column: r[c])
            best[column] = min(candidates, key=key)
    return best
