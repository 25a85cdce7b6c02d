"""Why a chip's run differs from software: one co-simulation per effect.

A chip declares its effects in its YAML (``attribution``, read by
hardware_models.effects). `plan` lists the runs `pycarl compare` makes per
chip: all effects on (the co-simulated run) and each effect alone. `decompose`
compares each run with the software-only run:

- rate change (Hz) and mean van Rossum distance per population and over all
  recorded cells, and each effect's share of the full run's (effect / full);
- whether the single effects add up: |sum of effects - full| within
  ``tolerance`` (10%) of |full|, for the rate change and for the distance,
  else by how much they interact;
- the dominant effect (largest |rate change|; largest distance when the full
  run's rate change is under 5% of the software rate) and one sentence.
"""
import numpy as np

from .events import last_spike_ms, mean_rate_hz

FULL = "all"


def plan(chip, options=None):
    """[(run name, label, chip overrides)]: the full run, then each effect alone.

    A chip with a single declared effect needs no run besides the full one."""
    from hardware_models.effects import isolating_runs
    base = dict(options or {})
    runs = [(FULL, "all effects", base)]
    isolated = isolating_runs(chip, base)
    if len(isolated) > 1:
        runs += [(e.name, e.label, overrides) for e, overrides in isolated]
    return runs


def _run_stats(software, spikes, t_stop_ms, tau_ms):
    from .metrics import van_rossum_many
    pops, n_all, d_all, sw_all, hw_all, last = {}, 0, 0.0, 0, 0, None
    for label, sw in software.items():
        hw = spikes[label]
        d = van_rossum_many(sw, hw, tau_ms) if len(sw) else np.zeros(0)
        rs, rh = mean_rate_hz(sw, t_stop_ms), mean_rate_hz(hw, t_stop_ms)
        pop_last = last_spike_ms(hw)
        pops[label] = {"rate_hz": rh, "rate_change_hz": rh - rs,
                       "van_rossum": float(d.mean()) if d.size else 0.0,
                       "last_spike_ms": pop_last}
        n_all += len(sw)
        d_all += float(d.sum())
        sw_all += sum(len(t) for t in sw)
        hw_all += sum(len(t) for t in hw)
        if pop_last is not None:
            last = pop_last if last is None else max(last, pop_last)
    per_cell = 1.0 / (n_all * t_stop_ms / 1000.0) if n_all else 0.0
    pops["all cells"] = {"rate_hz": hw_all * per_cell,
                         "rate_change_hz": (hw_all - sw_all) * per_cell,
                         "van_rossum": d_all / n_all if n_all else 0.0, "last_spike_ms": last}
    return pops


def _share(part, whole):
    return part / whole if abs(whole) > 1e-12 else None


def _interaction(parts, whole, tolerance, scale):
    """Do the single effects sum to the full effect? `relative` is the gap over
    |full|, or None when |full| is under 5% of `scale` (the software value):
    then a share of it means nothing, and the gap is judged against scale."""
    total = float(sum(parts))
    gap = total - whole
    meaningful = abs(whole) >= 0.05 * abs(scale) and abs(whole) > 1e-12
    rel = gap / abs(whole) if meaningful else None
    adds = abs(gap) <= tolerance * (abs(whole) if meaningful else 0.05 * abs(scale))
    return {"sum": total, "full": whole, "difference": gap, "relative": rel,
            "adds_up": bool(adds)}


def decompose(chip, software, runs, labels, t_stop_ms, tau_ms=10.0, tolerance=0.1,
              quiet_ms=None):
    """software, runs[name]: {population: [spike times]}; runs holds FULL and the effects.

    labels: {run name: label}. Returns the attribution (dict; JSON-ready)."""
    quiet = quiet_ms if quiet_ms is not None else max(20.0, 0.1 * t_stop_ms)
    stats = {name: _run_stats(software, spikes, t_stop_ms, tau_ms) for name, spikes in runs.items()}
    full = stats[FULL]
    effects = [name for name in runs if name != FULL]
    software_rates = {pop: s["rate_hz"] - s["rate_change_hz"] for pop, s in full.items()}
    rows = []
    for name in [FULL] + effects:
        pops = {}
        for pop, s in stats[name].items():
            whole = full[pop]["rate_change_hz"]
            negligible = abs(whole) < 0.05 * software_rates[pop]
            pops[pop] = dict(s, rate_share=None if negligible else _share(s["rate_change_hz"],
                                                                          whole),
                             van_rossum_share=_share(s["van_rossum"], full[pop]["van_rossum"]))
        rows.append({"run": name, "label": labels.get(name, name), "populations": pops})
    result = {"chip": chip, "tolerance": tolerance, "van_rossum_tau_ms": tau_ms, "rows": rows,
              "software_rate_hz": software_rates,
              "software_last_spike_ms": last_spike_ms(
                  [t for trains in software.values() for t in trains])}
    if effects:
        everything = "all cells"
        sw_rate = result["software_rate_hz"][everything]
        result["rate"] = _interaction([stats[e][everything]["rate_change_hz"] for e in effects],
                                      full[everything]["rate_change_hz"], tolerance, sw_rate)
        result["van_rossum"] = _interaction([stats[e][everything]["van_rossum"] for e in effects],
                                            full[everything]["van_rossum"], tolerance,
                                            full[everything]["van_rossum"])
        by_rate = result["rate"]["relative"] is not None
        key = "rate_change_hz" if by_rate else "van_rossum"
        result["dominant"] = max(effects, key=lambda e: abs(stats[e][everything][key]))
        result["dominant_by"] = key
    result["sentence"] = sentence(result, quiet, t_stop_ms)
    return result


def _ends(pops, quiet, t_stop_ms):
    last = pops["all cells"]["last_spike_ms"]
    return last is None or last < t_stop_ms - quiet, last


def _percent(share):
    return "0%" if abs(share) < 0.005 else f"{share:.0%}"


def _describe_full(pops, sw_rate, quiet, t_stop_ms):
    ends, last = _ends(pops, quiet, t_stop_ms)
    rate = f"rate {sw_rate:.1f} -> {pops['all cells']['rate_hz']:.1f} Hz"
    if last is None:
        return f"no spike at all ({rate})"
    if ends:
        return f"activity ends at {last:.0f} ms ({rate})"
    return f"{rate}, van Rossum distance {pops['all cells']['van_rossum']:.2f}"


def _describe_effect(row, full_ends, quiet, t_stop_ms):
    pops = row["populations"]
    cells = pops["all cells"]
    ends, last = _ends(pops, quiet, t_stop_ms)
    share = cells["rate_share"]
    if share is not None:
        detail = f"{cells['rate_change_hz']:+.1f} Hz, {_percent(share)} of the rate change"
    else:
        vr_share = cells["van_rossum_share"]
        detail = (f"{cells['rate_change_hz']:+.1f} Hz, van Rossum {cells['van_rossum']:.2f}"
                  + (f" = {_percent(vr_share)} of the full run's" if vr_share is not None else ""))
    if full_ends:
        verdict = ("stops all activity" if last is None else
                   f"ends it at {last:.0f} ms" if ends else "does not end it")
        return f"{row['label']} alone {verdict} ({detail})"
    if abs(cells["rate_change_hz"]) < 1e-9 and cells["van_rossum"] < 1e-9:
        return f"{row['label']} alone changes nothing"
    if share is None:
        return f"{row['label']} alone: {detail}"
    return f"{row['label']} alone: {detail}, van Rossum {cells['van_rossum']:.2f}"


def sentence(result, quiet, t_stop_ms):
    rows = {r["run"]: r for r in result["rows"]}
    full = rows[FULL]["populations"]
    sw_rate = result["software_rate_hz"]["all cells"]
    text = f"{result['chip']}: " + _describe_full(full, sw_rate, quiet, t_stop_ms)
    if "dominant" not in result:
        return text + " (one effect declared: the full run is its effect)."
    full_ends, _ = _ends(full, quiet, t_stop_ms)
    order = [result["dominant"]] + [r for r in rows if r not in (FULL, result["dominant"])]
    text += "; " + "; ".join(_describe_effect(rows[r], full_ends, quiet, t_stop_ms)
                             for r in order) + "."
    text += f" Dominant cause: {rows[result['dominant']]['label']}."
    rate = result["rate"]
    if rate["adds_up"]:
        text += (f" The single effects add up ({rate['sum']:+.1f} Hz against "
                 f"{rate['full']:+.1f} Hz in the full run).")
    elif rate["relative"] is not None:
        most = [r for r in order if (rows[r]["populations"]["all cells"]["rate_share"] or 0) >= 0.5]
        overlap = (" and overlap: each of " + ", ".join(rows[r]["label"] for r in most)
                   + " alone gives most of the change") if len(most) > 1 else ""
        text += (f" The effects interact{overlap}: alone they sum to {rate['sum']:+.1f} Hz "
                 f"against {rate['full']:+.1f} Hz together ({abs(rate['relative']):.0%} apart).")
    else:
        text += (f" The effects interact: alone they sum to {rate['sum']:+.1f} Hz, while "
                 f"together they change the rate by only {rate['full']:+.2f} Hz.")
    return text
