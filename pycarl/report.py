"""Self-contained HTML reports (all images embedded as PNG data URIs).

`compare_report` shows one software-only run against one or more
co-simulated runs: rasters side by side, latency and ISI-distortion
histograms, per-core traffic heat maps and the metric tables.
`dse_report` shows a design-space sweep (pycarl.sweep rows):
the Pareto plot of energy vs behavioural deviation, one plot per swept key,
the best point per objective and the full results table.
"""
import base64
import html
import io
import json

import numpy as np


def _figure():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def png_data_uri(fig):
    plt = _figure()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def raster_figure(runs, max_cells=200):
    """runs: [(title, {population: [spike times per cell]})], plotted side by side."""
    plt = _figure()
    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 3.6), sharey=True,
                             squeeze=False)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (title, spikes) in zip(axes[0], runs):
        offset = 0
        for k, (label, trains) in enumerate(spikes.items()):
            shown = trains[:max_cells]
            xs = np.concatenate([np.asarray(t, float) for t in shown]) if shown else []
            ys = np.concatenate([np.full(len(t), offset + i) for i, t in enumerate(shown)]) \
                if shown else []
            ax.plot(xs, ys, "|", markersize=2, color=colours[k % len(colours)], label=label)
            offset += len(shown)
        ax.set_title(title)
        ax.set_xlabel("time (ms)")
    axes[0][0].set_ylabel("cell")
    axes[0][0].legend(loc="upper right", fontsize=7, markerscale=3)
    return fig


def histogram_figure(metrics_by_chip, key, xlabel):
    plt = _figure()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for chip, metrics in metrics_by_chip.items():
        hist = metrics[key]["histogram"]
        if hist["counts"]:
            edges = np.asarray(hist["edges"])
            ax.stairs(hist["counts"], edges, label=chip)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("deliveries")
    ax.legend(fontsize=8)
    return fig


def traffic_figure(chip, summary):
    """Heat maps of packets sent and received per core, laid out by router position."""
    plt = _figure()
    traffic = summary.get("traffic") or {}
    xy = np.asarray(traffic.get("core_xy") or [], dtype=int).reshape(-1, 2)
    fig, axes = plt.subplots(1, 2, figsize=(8, 2.8))
    for ax, key, title in ((axes[0], "packets_sent", "packets sent"),
                           (axes[1], "packets_received", "packets received")):
        values = np.asarray(traffic.get(key) or [], float)
        if values.size:
            if xy.shape[0] == values.size:
                grid = np.zeros((xy[:, 1].max() + 1, xy[:, 0].max() + 1))
                np.add.at(grid, (xy[:, 1], xy[:, 0]), values)
            else:
                width = int(np.ceil(np.sqrt(values.size)))
                grid = np.full(width * width, np.nan)
                grid[:values.size] = values
                grid = grid.reshape(width, width)
            image = ax.imshow(grid, cmap="viridis", origin="lower")
            fig.colorbar(image, ax=ax, fraction=0.046)
        ax.set_title(f"{chip}: {title} per router")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    return fig


def _table(rows, header):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _total_energy(metrics):
    energy = metrics.get("energy_pj")
    return energy.get("total") if isinstance(energy, dict) else energy


def _mean(stat):
    return stat.get("mean") if isinstance(stat, dict) else stat


def _write_page(path, title, parts):
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:3px 8px}img{max-width:100%}")
    with open(path, "w") as f:
        f.write(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
                f"{html.escape(title)}</title><style>{style}</style></head><body>"
                + "".join(parts) + "</body></html>")
    return path


def compare_report(path, software, hardware_runs, title="pycarl comparison", notes=()):
    """Write the HTML report.

    software: {population: [spike trains]}; hardware_runs: {chip: (spikes,
    summary, metrics)} where metrics is pycarl.metrics.compare_runs() output.
    """
    images = [png_data_uri(raster_figure(
        [("software only", software)] + [(chip, spikes) for chip, (spikes, _, _)
                                         in hardware_runs.items()]))]
    metrics = {chip: m for chip, (_, _, m) in hardware_runs.items()}
    images.append(png_data_uri(histogram_figure(metrics, "latency_ms", "spike latency (ms)")))
    images.append(png_data_uri(histogram_figure(metrics, "isi_distortion_ms",
                                                "ISI distortion (ms)")))
    for chip, (_, summary, _) in hardware_runs.items():
        images.append(png_data_uri(traffic_figure(chip, summary)))
    chip_rows = [[chip, _mean(m["latency_ms"]), m["latency_ms"].get("max"),
                  _mean(m["isi_distortion_ms"]), m["disorder"], _total_energy(m),
                  _mean(m["hardware_time_per_tick_ns"]), m.get("n_cores_used")]
                 for chip, m in metrics.items()]
    pop_rows = [[chip, label, p["rate_software_hz"], p["rate_hardware_hz"], p["van_rossum"]]
                for chip, m in metrics.items() for label, p in m["populations"].items()]
    # first line: who computed the cells (chip arithmetic or float PyNN cells)
    parts = [f"<p>{html.escape(chip)}: {html.escape(summary['cells']['statement'])}</p>"
             for chip, (_, summary, _) in hardware_runs.items() if summary.get("cells")]
    parts.append(f"<h1>{html.escape(title)}</h1>")
    parts += [f"<p>{html.escape(n)}</p>" for n in notes]
    parts += [f"<p>{html.escape(chip)}: {html.escape(n)}</p>"
              for chip, (_, summary, _) in hardware_runs.items()
              for n in (summary.get("cells") or {}).get("notes", ())]
    parts.append("<h2>Chips</h2>" + _table(chip_rows, [
        "chip", "mean latency (ms)", "max latency (ms)", "mean ISI distortion (ms)",
        "disorder", "energy (pJ)", "hardware time per tick (ns)", "cores"]))
    parts.append("<h2>Populations</h2>" + _table(pop_rows, [
        "chip", "population", "rate software (Hz)", "rate hardware (Hz)", "van Rossum"]))
    parts.append("<h2>Plots</h2>" + "".join(
        f'<p><img alt="plot {i}" src="{uri}"></p>' for i, uri in enumerate(images)))
    parts.append("<h2>Metrics (JSON)</h2><pre>" + html.escape(
        json.dumps(metrics, indent=1, default=float)[:20000]) + "</pre>")
    return _write_page(path, title, parts)


def _point_label(row, sweep_keys):
    return ", ".join(f"{k}={row.get(k)}" for k in sweep_keys)


def pareto_figure(rows, front, x="van_rossum_mean", y="energy_pj"):
    """Energy vs behavioural deviation of every successful point, the front joined."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ok = [r for r in rows if r.get("status") == "ok"]
    ax.scatter([r[x] for r in ok], [r[y] for r in ok], s=36, color="#4477aa",
               label="design point")
    at = {}
    for r in ok:     # points with identical results share one label
        at.setdefault((r[x], r[y]), []).append(str(r["point"]))
    for (px, py), names in at.items():
        ax.annotate("#" + ",".join(names), (px, py), fontsize=7, xytext=(3, 3),
                    textcoords="offset points")
    pts = sorted((rows[i][x], rows[i][y]) for i in front)
    if pts:
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "-o", color="#cc3311",
                label="Pareto front", markersize=7, markerfacecolor="none")
    ax.set_xlabel("behavioural deviation: mean van Rossum distance")
    ax.set_ylabel("energy (pJ)")
    ax.set_title("energy vs behavioural deviation (lower left is better)")
    ax.legend(fontsize=8)
    return fig


SWEEP_PANELS = (("energy_pj", "energy (pJ)"), ("van_rossum_mean", "mean van Rossum distance"),
                ("latency_mean_ms", "mean latency (ms)"),
                ("hw_time_per_tick_mean_ns", "hardware time per tick (ns)"))


def sweep_key_figure(rows, key):
    """Each metric against the values of one swept key (every point shown, mean joined)."""
    plt = _figure()
    fig, axes = plt.subplots(1, len(SWEEP_PANELS), figsize=(4 * len(SWEEP_PANELS), 3.2))
    ok = [r for r in rows if r.get("status") == "ok"]
    values = []
    for r in rows:
        if r.get(key) not in values:
            values.append(r.get(key))
    ticks = list(range(len(values)))
    for ax, (column, label) in zip(axes, SWEEP_PANELS):
        means = []
        for t, v in zip(ticks, values):
            ys = [r[column] for r in ok if r.get(key) == v and r.get(column) is not None]
            ax.scatter([t] * len(ys), ys, s=18, color="#4477aa", alpha=0.7)
            means.append(float(np.mean(ys)) if ys else np.nan)
        ax.plot(ticks, means, "-", color="#cc3311", label="mean over other keys")
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(v) for v in values], rotation=20, fontsize=8)
        ax.set_xlabel(key, fontsize=8)
        ax.set_title(label, fontsize=9)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def dse_report(path, rows, sweep_keys, title="pycarl design-space exploration", notes=()):
    """Write the sweep report (HTML, all images embedded).

    rows: result rows of pycarl explore (swept keys, status, error and the
    pycarl.sweep.METRIC_COLUMNS); sweep_keys: the swept chip keys.
    """
    from .sweep import OBJECTIVES, best_points, columns, pareto_front
    front = pareto_front(rows)
    n_ok = sum(r.get("status") == "ok" for r in rows)
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts += [f"<p>{html.escape(n)}</p>" for n in notes]
    parts.append(f"<p>{n_ok} of {len(rows)} points succeeded.</p>")
    if n_ok:
        parts.append("<h2>Pareto front: energy vs behavioural deviation</h2>")
        parts.append(f'<p><img alt="Pareto plot" src="{png_data_uri(pareto_figure(rows, front))}"></p>')
        parts.append("<p>Points on the front: " + html.escape(", ".join(
            f"#{rows[i]['point']} ({_point_label(rows[i], sweep_keys)})" for i in front)) + "</p>")
        best = best_points(rows)
        parts.append("<h2>Best point per objective</h2>" + _table(
            [[label, best[c]["point"], _point_label(best[c], sweep_keys), best[c][c]]
             for c, label in OBJECTIVES if c in best],
            ["objective (minimised)", "point", "setting", "value"]))
        parts.append("<h2>Per swept key</h2>")
        for key in sweep_keys:
            parts.append(f"<h3>{html.escape(key)}</h3>")
            parts.append(f'<p><img alt="sweep of {html.escape(key)}" '
                         f'src="{png_data_uri(sweep_key_figure(rows, key))}"></p>')
    failed = [r for r in rows if r.get("status") != "ok"]
    if failed:
        parts.append("<h2>Failed points</h2>" + _table(
            [[r["point"], _point_label(r, sweep_keys), r.get("error")] for r in failed],
            ["point", "setting", "error"]))
    cols = columns(rows, sweep_keys)
    parts.append("<h2>All points</h2>" + _table(
        [["" if r.get(c) is None else r.get(c) for c in cols] for r in rows], cols))
    return _write_page(path, title, parts)
