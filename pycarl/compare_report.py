"""The `pycarl compare` report: one self-contained HTML page (PNG data URIs).

Read top to bottom: what happened (one sentence per chip naming the dominant
cause, and the detected events), the attribution tables, then the plots on
one time axis (population rate over time, software against every chip; the
rasters), latency and ISI distortion per chip in the unit that fits its
range, traffic heat maps where more than one router carries traffic, the
metric tables, and a link to metrics.json.
"""
import html

import numpy as np

from .report import figure, png_data_uri, table, write_page

from .events import rate_over_time

SOFTWARE_COLOUR = "#222222"


def _colours():
    plt = figure()
    return plt.rcParams["axes.prop_cycle"].by_key()["color"]


def time_unit(max_ms):
    """(name, factor from ms) of the unit that fits values up to max_ms."""
    if max_ms < 1e-3:
        return "ns", 1e6
    if max_ms < 0.5:
        return "us", 1e3
    return "ms", 1.0


def format_time(ms):
    """A time given in ms, written in the unit that fits it ("7.17 ns", "0.99 ms")."""
    if ms is None:
        return "none"
    unit, factor = time_unit(abs(ms))
    return f"{ms * factor:.3g} {unit}"


def rate_figure(software, chip_spikes, t_stop_ms, bin_ms=None):
    """Per population, rate over time: software and every chip overlaid, one time axis."""
    plt = figure()
    bin_ms = bin_ms or max(1.0, t_stop_ms / 100.0)
    labels = list(software)
    fig, axes = plt.subplots(len(labels), 1, figsize=(9, 2.4 * len(labels)), sharex=True,
                             squeeze=False)
    colours = _colours()
    for ax, label in zip(axes[:, 0], labels):
        edges, rate = rate_over_time(software[label], t_stop_ms, bin_ms)
        ax.stairs(rate, edges, color=SOFTWARE_COLOUR, linewidth=2.2, label="software")
        for k, (chip, spikes) in enumerate(chip_spikes.items()):
            edges, rate = rate_over_time(spikes[label], t_stop_ms, bin_ms)
            ax.stairs(rate, edges, color=colours[k % len(colours)], linewidth=1.3, label=chip)
        ax.set_ylabel(f"{label} rate (Hz)")
        ax.set_xlim(0, t_stop_ms)
    axes[0, 0].set_title(f"population rate over time ({bin_ms:g} ms bins)")
    axes[0, 0].legend(fontsize=8, ncol=len(chip_spikes) + 1, loc="upper right")
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def raster_figure(runs, t_stop_ms, ends=None, max_cells=200):
    """runs: [(title, spikes)], stacked on one shared time axis 0..t_stop.

    ends: {title: time} draws a dashed line where that run's activity ends."""
    plt = figure()
    fig, axes = plt.subplots(len(runs), 1, figsize=(9, 1.9 * len(runs)), sharex=True,
                             squeeze=False)
    colours = _colours()
    for ax, (title, spikes) in zip(axes[:, 0], runs):
        offset = 0
        for k, (label, trains) in enumerate(spikes.items()):
            shown = trains[:max_cells]
            if shown:
                xs = np.concatenate([np.asarray(t, float) for t in shown])
                ys = np.concatenate([np.full(len(t), offset + i) for i, t in enumerate(shown)])
                ax.plot(xs, ys, "|", markersize=2, color=colours[k % len(colours)], label=label)
            offset += len(shown)
        end = (ends or {}).get(title)
        if end is not None:
            ax.axvline(end, color="#cc3311", linestyle="--", linewidth=1.2)
            ax.text(end, offset, f" activity ends {end:.0f} ms", color="#cc3311", fontsize=8,
                    va="top")
        ax.set_ylabel(title, fontsize=8)
        ax.set_xlim(0, t_stop_ms)
        ax.set_yticks([])
    axes[0, 0].legend(loc="upper right", fontsize=7, markerscale=3)
    axes[-1, 0].set_xlabel("time (ms)")
    fig.tight_layout()
    return fig


def attribution_figure(attributions):
    """Per chip: rate change and van Rossum distance of each effect alone, their sum,
    and the full run (all recorded cells)."""
    plt = figure()
    fig, axes = plt.subplots(len(attributions), 2, figsize=(10, 1.0 + 0.5 * max(
        len(a["rows"]) + 1 for a in attributions.values()) * len(attributions)), squeeze=False)
    for (chip, a), row_axes in zip(attributions.items(), axes):
        rows = a["rows"]
        names = [r["label"] for r in rows]
        for ax, key, xlabel in ((row_axes[0], "rate_change_hz", "rate change (Hz)"),
                                (row_axes[1], "van_rossum", "van Rossum distance")):
            values = [r["populations"]["all cells"][key] for r in rows]
            bars, colours = list(values), ["#cc3311"] + ["#4477aa"] * (len(rows) - 1)
            labels = list(names)
            if len(rows) > 1:
                bars.append(sum(values[1:]))
                colours.append("#999999")
                labels.append("sum of single effects")
            y = np.arange(len(bars))[::-1]
            ax.barh(y, bars, color=colours)
            ax.set_yticks(y)
            ax.set_yticklabels(labels, fontsize=8)
            ax.axvline(0, color="black", linewidth=0.8)
            ax.set_xlabel(xlabel, fontsize=8)
        row_axes[0].set_title(chip, fontsize=9, loc="left")
    fig.tight_layout()
    return fig


def spread_figure(chip, counts, edges_ms, what):
    """A histogram of one chip's latencies (or ISI distortions) in the unit that fits."""
    plt = figure()
    edges_ms = np.asarray(edges_ms, float)
    unit, factor = time_unit(float(np.max(np.abs(edges_ms))) if edges_ms.size else 0.0)
    fig, ax = plt.subplots(figsize=(4.2, 2.8))
    ax.stairs(counts, edges_ms * factor, fill=True, color="#4477aa")
    ax.set_xlabel(f"{what} ({unit})")
    ax.set_ylabel("deliveries")
    ax.set_title(chip, fontsize=9)
    fig.tight_layout()
    return fig


def router_traffic(summary):
    """(grid of packets sent, grid of packets received) per router, and how many
    routers carry traffic."""
    traffic = summary.get("traffic") or {}
    xy = np.asarray(traffic.get("core_xy") or [], dtype=int).reshape(-1, 2)
    sent = np.asarray(traffic.get("packets_sent") or [], float)
    received = np.asarray(traffic.get("packets_received") or [], float)
    if xy.shape[0] == 0 or xy.shape[0] != sent.size:
        return None, None, 0
    shape = (xy[:, 1].max() + 1, xy[:, 0].max() + 1)
    grids = []
    for values in (sent, received):
        grid = np.zeros(shape)
        np.add.at(grid, (xy[:, 1], xy[:, 0]), values)
        grids.append(grid)
    busy = int(((grids[0] + grids[1]) > 0).sum())
    return grids[0], grids[1], busy


def traffic_figure(chip, sent, received):
    plt = figure()
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.8))
    for ax, grid, title in ((axes[0], sent, "packets sent"), (axes[1], received,
                                                              "packets received")):
        image = ax.imshow(grid, cmap="viridis", origin="lower")
        fig.colorbar(image, ax=ax, fraction=0.046)
        ax.set_title(f"{chip}: {title} per router", fontsize=9)
        ax.set_xlabel("router x")
        ax.set_ylabel("router y")
    fig.tight_layout()
    return fig


def _pct(share):
    if share is None:
        return ""
    return " (0%)" if abs(share) < 0.005 else f" ({share:.0%})"


def attribution_table(a):
    pops = [p for p in a["rows"][0]["populations"]]
    header = ["run"] + [f"{p}: rate change Hz (share)" for p in pops] + \
        [f"{p}: van Rossum (share)" for p in pops] + ["last spike (ms)"]
    rows = []
    for r in a["rows"]:
        cells = r["populations"]
        last = cells["all cells"]["last_spike_ms"]
        rows.append([r["label"] + (" (co-simulated run)" if r["run"] == "all" else " alone")]
                    + [f"{cells[p]['rate_change_hz']:+.2f}{_pct(cells[p]['rate_share'])}"
                       for p in pops]
                    + [f"{cells[p]['van_rossum']:.3f}{_pct(cells[p]['van_rossum_share'])}"
                       for p in pops]
                    + ["none" if last is None else f"{last:.1f}"])
    if "rate" in a:     # the sums are over all recorded cells, the last column of each
        blank = [""] * (len(pops) - 1)
        rows.append(["sum of single effects"] + blank + [f"{a['rate']['sum']:+.2f}"] + blank
                    + [f"{a['van_rossum']['sum']:.3f}", ""])
    return table(rows, header)


def additivity_text(a):
    if "rate" not in a:
        return "One effect declared: the co-simulated run is its effect alone."
    parts = []
    for key, what, number in (("rate", "rate change", "{:+.3g} Hz"),
                              ("van_rossum", "van Rossum distance", "{:.3g}")):
        x = a[key]
        rel = "" if x["relative"] is None else f", {abs(x['relative']):.0%} apart"
        verdict = (f"add up (within {a['tolerance']:.0%})" if x["adds_up"]
                   else "do not add up: the effects interact")
        parts.append(f"{what}: single effects sum to {number.format(x['sum'])} against "
                     f"{number.format(x['full'])} in the full run{rel}; they {verdict}")
    return "; ".join(parts) + "."


def compare_report(path, software, hardware_runs, t_stop_ms, title="pycarl comparison",
                   notes=(), software_events=()):
    """Write the report.

    software: {population: [spike trains]}; hardware_runs: {chip title: (spikes,
    summary, metrics)}, metrics as pycarl.compare.compare() builds them
    (compare_runs() output plus "events" and "attribution")."""
    metrics = {chip: m for chip, (_, _, m) in hardware_runs.items()}
    # first line: who computed the cells (chip arithmetic or float PyNN cells) and the
    # time base when the chip replaced the script's (TrueNorth's 1 ms tick)
    parts = [f"<p>{html.escape(chip)}: "
             f"{html.escape('; '.join([summary['cells']['statement']] + summary.get('notes', [])))}"
             f"</p>" for chip, (_, summary, _) in hardware_runs.items() if summary.get("cells")]
    parts.append(f"<h1>{html.escape(title)}</h1>")
    parts += [f"<p class='note'>{html.escape(n)}</p>" for n in notes]
    parts += [f"<p>{html.escape(chip)}: {html.escape(n)}</p>"
              for chip, (_, summary, _) in hardware_runs.items()
              for n in (summary.get("cells") or {}).get("notes", ())]
    parts.append("<h2>What differs, and why</h2><ul>" + "".join(
        f"<li>{html.escape(m['attribution']['sentence'])}</li>" for m in metrics.values()
        if m.get("attribution")) + "</ul>")
    event_items = [f"<li>software: {html.escape(e['text'])}</li>" for e in software_events]
    for chip, m in metrics.items():
        event_items += [f"<li>{html.escape(chip)}: {html.escape(e['text'])}</li>"
                        for e in m.get("events", [])]
    parts.append("<h2>Events</h2><ul>" + ("".join(event_items) or "<li>none detected</li>")
                 + "</ul>")
    ends = {}
    for chip, m in metrics.items():
        end = [e["time_ms"] for e in m.get("events", []) if e["kind"] == "activity_ends"]
        if end:
            ends[chip] = max(end)
    chip_spikes = {chip: run[0] for chip, run in hardware_runs.items()}
    rates = png_data_uri(rate_figure(software, chip_spikes, t_stop_ms))
    rasters = png_data_uri(raster_figure([("software", software)] + list(chip_spikes.items()),
                                         t_stop_ms, ends))
    parts.append("<h2>Activity on one time axis</h2>")
    parts.append(f'<p><img alt="population rate over time" src="{rates}"></p>')
    parts.append(f'<p><img alt="rasters" src="{rasters}"></p>')
    attributions = {c: m["attribution"] for c, m in metrics.items() if m.get("attribution")}
    if attributions:
        parts.append("<h2>Attribution: each effect alone</h2>")
        parts.append("<p>Each chip ran once with all its effects and once per effect with the "
                     "others switched off (chip YAML key <code>attribution</code>). Shares are "
                     "of the full run's rate change and van Rossum distance against software "
                     "(all recorded cells).</p>")
        parts.append(f'<p><img alt="attribution" src="'
                     f'{png_data_uri(attribution_figure(attributions))}"></p>')
        for chip, a in attributions.items():
            parts.append(f"<h3>{html.escape(chip)}</h3>" + attribution_table(a)
                         + f"<p>{html.escape(additivity_text(a))}</p>")
    parts.append("<h2>Latency and ISI distortion</h2>")
    spread = []
    for chip, (_, summary, m) in hardware_runs.items():
        deliveries = summary.get("deliveries") or {}
        lat = np.asarray(deliveries.get("latency_ns", ()), float) * 1e-6
        if lat.size:
            counts, edges = np.histogram(lat, bins=40)
            spread.append(png_data_uri(spread_figure(chip, counts, edges, "spike latency")))
        hist = m["isi_distortion_ms"]["histogram"]
        if hist["counts"]:
            spread.append(png_data_uri(spread_figure(chip, hist["counts"], hist["edges"],
                                                     "ISI distortion")))
    parts.append("".join(f'<img alt="spread {i}" src="{uri}"> ' for i, uri in enumerate(spread))
                 or "<p>No deliveries recorded.</p>")
    parts.append("<h2>Traffic per router</h2>")
    for chip, (_, summary, _) in hardware_runs.items():
        sent, received, busy = router_traffic(summary)
        if busy > 1:
            parts.append(f'<p><img alt="traffic {html.escape(chip)}" src="'
                         f'{png_data_uri(traffic_figure(chip, sent, received))}"></p>')
        else:
            packets = int(sent.sum()) if sent is not None else 0
            parts.append(f"<p>{html.escape(chip)}: {busy} router carries traffic "
                         f"({packets} packets sent); no heat map.</p>")
    chip_rows = [[chip, format_time(m["latency_ms"].get("mean")),
                  format_time(m["latency_ms"].get("max")),
                  format_time(m["isi_distortion_ms"].get("mean")), m["disorder"],
                  m["energy_pj"]["total"], m["hardware_time_per_tick_ns"]["mean"],
                  m.get("n_cores_used")] for chip, m in metrics.items()]
    pop_rows = [[chip, label, p["rate_software_hz"], p["rate_hardware_hz"], p["van_rossum"]]
                for chip, m in metrics.items() for label, p in m["populations"].items()]
    parts.append("<h2>Chips</h2>" + table(chip_rows, [
        "chip", "mean latency", "max latency", "mean ISI distortion",
        "disorder", "energy (pJ)", "hardware time per tick (ns)", "cores"]))
    parts.append("<h2>Populations</h2>" + table(pop_rows, [
        "chip", "population", "rate software (Hz)", "rate hardware (Hz)", "van Rossum"]))
    parts.append("<p>All numbers: <a href='metrics.json'>metrics.json</a> (next to this "
                 "file).</p>")
    return write_page(path, title, parts)
