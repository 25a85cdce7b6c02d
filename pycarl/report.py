"""Self-contained HTML reports (all images embedded as PNG data URIs).

The page helpers (figure, png_data_uri, table, write_page) serve both
reports; the comparison report is pycarl.compare_report.
`dse_report` shows a design-space sweep (pycarl.sweep rows):
the Pareto plot of energy vs behavioural deviation, one plot per swept key,
the best point per objective and the full results table.
"""
import base64
import html
import io

import numpy as np


def figure():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def png_data_uri(fig):
    plt = figure()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def table(rows, header):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def write_page(path, title, parts):
    style = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:3px 8px}img{max-width:100%}")
    with open(path, "w") as f:
        f.write(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
                f"{html.escape(title)}</title><style>{style}</style></head><body>"
                + "".join(parts) + "</body></html>")
    return path


def _point_label(row, sweep_keys):
    return ", ".join(f"{k}={row.get(k)}" for k in sweep_keys)


def pareto_figure(rows, front, x="van_rossum_mean", y="energy_pj"):
    """Energy vs behavioural deviation of every successful point, the front joined."""
    plt = figure()
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
    plt = figure()
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
        pareto = png_data_uri(pareto_figure(rows, front))
        parts.append(f'<p><img alt="Pareto plot" src="{pareto}"></p>')
        parts.append("<p>Points on the front: " + html.escape(", ".join(
            f"#{rows[i]['point']} ({_point_label(rows[i], sweep_keys)})" for i in front)) + "</p>")
        best = best_points(rows)
        parts.append("<h2>Best point per objective</h2>" + table(
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
        parts.append("<h2>Failed points</h2>" + table(
            [[r["point"], _point_label(r, sweep_keys), r.get("error")] for r in failed],
            ["point", "setting", "error"]))
    cols = columns(rows, sweep_keys)
    parts.append("<h2>All points</h2>" + table(
        [["" if r.get(c) is None else r.get(c) for c in cols] for r in rows], cols))
    return write_page(path, title, parts)
