"""`pycarl explore`: sweeps, local pool vs Dask, failing points, bad input, the report."""
import csv
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pycarl.cli import main
from pycarl.explore import comparable
from pycarl.sweep import (SweepError, design_points, pareto_front, parse_sweep, parse_value,
                          validate_sweeps)

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "examples" / "feedforward.py")
SCRIPT_ARGS = ["pycarl", "--n", "40", "--tstop", "100"]
# 3 x 2 x 2 = 12 points; 8 neurons per core spreads the 60 cells over 8 cores,
# so router latency and mapping change the traffic
SWEEP_12 = ["--sweep", "interconnect.router_latency_cycles=1,2,4",
            "--sweep", "mapping=sequential,min-comm", "--sweep", "neurons_per_core=8,64"]


def explore(out, *extra, script=SCRIPT, script_args=SCRIPT_ARGS, hardware="loihi"):
    return main(["explore", "--hardware", hardware, "--out", str(out), *extra, script,
                 *script_args])


def read_rows(out):
    with open(Path(out) / "results.json") as f:
        return json.load(f)["rows"]


# ---------------------------------------------------------------- pure logic
def test_values_parse_as_bool_int_float_str():
    assert parse_value("true") is True and parse_value("False") is False
    assert parse_value("3") == 3 and isinstance(parse_value("3"), int)
    assert parse_value("2.5") == 2.5
    assert parse_value("min-comm") == "min-comm"
    assert parse_sweep("mapping=sequential,min-comm") == ("mapping", ["sequential", "min-comm"])
    with pytest.raises(SweepError, match="KEY=V1"):
        parse_sweep("mapping")
    with pytest.raises(SweepError, match="empty value"):
        parse_sweep("quantize=true,")


def test_cartesian_product_order():
    points = design_points([("a", [1, 2]), ("b", ["x", "y", "z"])])
    assert len(points) == 6
    assert points[0] == {"a": 1, "b": "x"} and points[1] == {"a": 1, "b": "y"}
    assert points[-1] == {"a": 2, "b": "z"}


def test_validation_against_chip_spec():
    validate_sweeps("loihi", [("interconnect.router_latency_cycles", [1, 2]),
                              ("quantize", [True, False]), ("mapping", ["min-comm"])])
    with pytest.raises(SweepError, match="interconnect.router_latency'.*did you mean "
                                         "interconnect.router_latency_cycles"):
        validate_sweeps("loihi", [("interconnect.router_latency", [1])])
    with pytest.raises(SweepError, match="'abc' is not an integer"):
        validate_sweeps("loihi", [("interconnect.router_latency_cycles", [1, "abc"])])
    with pytest.raises(SweepError, match="must be an integer >= 1, got 0"):
        validate_sweeps("loihi", [("interconnect.router_latency_cycles", [0])])
    with pytest.raises(SweepError, match="'mapping' is 'fastest'"):
        validate_sweeps("loihi", [("mapping", ["fastest"])])


def test_pareto_front_keeps_only_non_dominated_points():
    rows = [{"status": "ok", "van_rossum_mean": x, "energy_pj": y}
            for x, y in [(0.0, 10.0), (1.0, 5.0), (1.0, 6.0), (2.0, 1.0), (3.0, 1.0)]]
    rows.append({"status": "failed", "van_rossum_mean": None, "energy_pj": None})
    assert pareto_front(rows) == [0, 1, 3]


# ------------------------------------------------------------- bad input, CLI
def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("sweep, expected", [
    ("interconnect.router_latency=1,2", "unknown sweep key 'interconnect.router_latency'"),
    ("interconnect.router_latency_cycles=1,x2", "value 'x2' is not an integer"),
    ("quantize=maybe", "value 'maybe' is not true or false"),
    ("mapping=random", "'mapping' is 'random'"),
])
def test_bad_sweep_is_a_usage_error(tmp_path, capsys, sweep, expected):
    assert explore(tmp_path / "out", "--sweep", sweep) == 2
    line = one_error_line(capsys)
    assert line.startswith("pycarl explore: error:") and expected in line
    assert not (tmp_path / "out").exists()          # nothing ran


def test_unknown_chip_is_a_usage_error(tmp_path, capsys):
    assert explore(tmp_path / "out", "--sweep", "quantize=true", hardware="loihi3") == 2
    assert "unknown chip 'loihi3'" in one_error_line(capsys)


def test_missing_script_and_missing_sweep(tmp_path, capsys):
    assert explore(tmp_path / "out", "--sweep", "quantize=true",
                   script=str(tmp_path / "nope.py")) == 2
    assert "script not found" in one_error_line(capsys)
    assert explore(tmp_path / "out") == 2
    assert "missing --sweep" in one_error_line(capsys)


def test_script_that_raises_is_a_run_failure(tmp_path, capsys):
    script = tmp_path / "broken.py"
    script.write_text("import pyNN.nest as sim\nsim.setup()\n"
                      "raise RuntimeError('the model diverged at 12 ms')\n")
    assert explore(tmp_path / "out", "--sweep", "quantize=true,false",
                   script=str(script), script_args=[]) == 1
    line = one_error_line(capsys)
    assert "broken.py failed" in line and "the model diverged at 12 ms" in line


def test_options_after_the_script_arguments(tmp_path):
    """The issue's syntax: SCRIPT ARGS first, then pycarl's options (--seed stays the script's)."""
    from pycarl.cli import build_parser, take_trailing_options
    args = build_parser().parse_args([
        "explore", SCRIPT, "pycarl", "--n", "40", "--seed", "3", "--hardware", "loihi",
        "--sweep", "quantize=true,false", "--sweep=mapping=min-comm", "--out", "d",
        "--workers", "3", "--", "--out", "x"])
    take_trailing_options(args)
    assert (args.hardware, args.out, args.workers) == ("loihi", "d", 3)
    assert args.sweep == ["quantize=true,false", "mapping=min-comm"]
    assert args.script_args == ["pycarl", "--n", "40", "--seed", "3", "--out", "x"]


# ------------------------------------------------------------------ real sweeps
def test_failing_point_is_reported_and_the_others_finish(tmp_path, capsys):
    # 60 cells need 8 cores at 8 neurons per core: cores=2 cannot hold them
    out = tmp_path / "out"
    # float cells on Loihi's network (cells=software): without quantization only the
    # chip's (zero) delay could separate the runs
    assert explore(out, "--sweep", "cores=2,128", "--sweep", "neurons_per_core=8",
                   "--sweep", "quantize=true,false", "--sweep", "cells=software") == 0
    rows = read_rows(out)
    assert [r["point"] for r in rows] == [0, 1, 2, 3]
    failed = [r for r in rows if r["status"] == "failed"]
    assert [r["cores"] for r in failed] == [2, 2]
    assert all("HardwareConstraintError" in r["error"] for r in failed)
    ok = [r for r in rows if r["status"] == "ok"]
    assert len(ok) == 2 and all(r["energy_pj"] > 0 and r["n_cores_used"] == 8 for r in ok)
    # quantization off reproduces the software run exactly (Loihi's barrier adds no delay)
    unquantized = next(r for r in ok if r["quantize"] is False)
    assert unquantized["van_rossum_mean"] == 0.0 and unquantized["rate_change_hz"] == 0.0
    with open(out / "results.csv") as f:
        table = list(csv.DictReader(f))
    assert [t["status"] for t in table] == [r["status"] for r in rows]
    assert "HardwareConstraintError" in table[0]["error"]
    assert "2 of 4 points succeeded" in capsys.readouterr().out
    html = (out / "report.html").read_text()
    assert "Failed points" in html and "data:image/png;base64," in html


def test_all_points_failing_is_a_run_failure(tmp_path, capsys):
    assert explore(tmp_path / "out", "--sweep", "cores=1,2", "--sweep",
                   "neurons_per_core=8") == 1
    assert "all 2 points failed" in capsys.readouterr().err
    assert len(read_rows(tmp_path / "out")) == 2


@pytest.mark.slow
def test_12_point_sweep_local_equals_dask(tmp_path):
    from distributed import LocalCluster
    local = tmp_path / "local"
    assert explore(local, "--workers", "2", *SWEEP_12) == 0
    rows = read_rows(local)
    assert len(rows) == 12 and all(r["status"] == "ok" for r in rows)
    # the sweep matters: more cores and longer router pipelines cost more time per tick
    by = {(r["interconnect.router_latency_cycles"], r["mapping"], r["neurons_per_core"]): r
          for r in rows}
    assert by[(4, "sequential", 8)]["latency_mean_ms"] > by[(1, "sequential", 8)]["latency_mean_ms"]
    assert by[(1, "sequential", 8)]["n_cores_used"] > by[(1, "sequential", 64)]["n_cores_used"]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        distributed = tmp_path / "dask"
        assert explore(distributed, "--scheduler", cluster.scheduler_address, *SWEEP_12) == 0
    assert comparable(read_rows(distributed)) == comparable(rows)
    with open(local / "results.csv") as a, open(distributed / "results.csv") as b:
        strip = lambda t: [{k: v for k, v in r.items() if k != "wall_time_s"}
                           for r in csv.DictReader(t)]
        assert strip(a) == strip(b)


# -------------------------------------------------------------------- report
def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True,
                       timeout=600)
    return shutil.which("chromium")


def synthetic_rows():
    rows = []
    for i, (lat, mapping) in enumerate([(1, "sequential"), (1, "min-comm"), (4, "sequential"),
                                        (4, "min-comm")]):
        rows.append({"point": i, "interconnect.router_latency_cycles": lat, "mapping": mapping,
                     "status": "ok", "error": "", "energy_pj": 1e6 * (1 + i % 2) + lat,
                     "van_rossum_mean": 0.1 * lat, "latency_mean_ms": 1e-6 * lat,
                     "latency_max_ms": 2e-6 * lat, "hw_time_per_tick_mean_ns": 1000.0 + lat,
                     "max_abs_rate_change_hz": 0.5 * i})
    rows.append({"point": 4, "interconnect.router_latency_cycles": 8, "mapping": "sequential",
                 "status": "failed", "error": "HardwareConstraintError: too many cores"})
    return rows


def test_dse_report_is_self_contained(tmp_path):
    from pycarl.report import dse_report
    path = dse_report(tmp_path / "report.html", synthetic_rows(),
                      ["interconnect.router_latency_cycles", "mapping"])
    html = Path(path).read_text()
    assert html.count("data:image/png;base64,") == 3       # Pareto + one per swept key
    assert "src=\"http" not in html and "<script" not in html
    assert "Best point per objective" in html and "too many cores" in html


HEADLESS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]

# Injected into a copy of a report: after load, draws every <img> on a canvas and
# writes [alt, complete, width, height, fraction of non-white opaque pixels] per image.
IMAGE_CHECK = """<script>
window.addEventListener('load', () => {
  const out = [];
  for (const img of document.images) {
    const c = document.createElement('canvas');
    c.width = img.naturalWidth; c.height = img.naturalHeight;
    let inked = 0;
    if (c.width && c.height) {
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (d[i + 3] > 128 && (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200)) n++;
      inked = n / (c.width * c.height);
    }
    out.push([img.alt, img.complete, img.naturalWidth, img.naturalHeight, inked]);
  }
  const pre = document.createElement('pre');
  pre.id = 'image-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def images_as_rendered(browser, page, tmp_path):
    """Open a copy of the page (with IMAGE_CHECK) offline in headless Chromium."""
    import html as html_lib
    import re
    probe = tmp_path / "probe.html"
    probe.write_text(Path(page).read_text().replace("</body>", IMAGE_CHECK + "</body>"))
    result = subprocess.run(
        [browser, *HEADLESS, f"--user-data-dir={tmp_path / 'profile-dom'}",
         "--virtual-time-budget=20000", "--dump-dom", f"file://{probe}"],
        capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="image-check">(.*?)</pre>', result.stdout, re.S)
    assert found, result.stderr[-2000:]
    return json.loads(html_lib.unescape(found.group(1)))


def assert_every_image_drawn(browser, page, tmp_path, expected):
    images = images_as_rendered(browser, page, tmp_path)
    assert len(images) == expected == Path(page).read_text().count("<img ")
    for alt, complete, width, height, inked in images:
        assert complete and width > 100 and height > 100, (alt, width, height)
        assert inked > 0.01, (alt, inked)          # not a blank image


def screenshot(browser, page, tmp_path, width=1200, height=2000):
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [browser, *HEADLESS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         f"--window-size={width},{height}", f"file://{page}"],
        capture_output=True, text=True, timeout=120)
    assert shot.exists(), result.stderr[-2000:]
    return shot


def test_report_renders_in_headless_chromium(tmp_path):
    from pycarl.report import dse_report
    browser = chromium()
    if not browser:
        pytest.skip("chromium is not installed and cannot be installed here")
    page = dse_report(tmp_path / "report.html", synthetic_rows(),
                      ["interconnect.router_latency_cycles", "mapping"])
    assert_every_image_drawn(browser, page, tmp_path, expected=3)
    shot = screenshot(browser, page, tmp_path)
    import matplotlib.image
    pixels = matplotlib.image.imread(str(shot))[..., :3]
    assert pixels.shape[:2] == (2000, 1200)
    non_white = (pixels < 0.9).any(axis=2).mean()
    assert pixels.std() > 0.05 and non_white > 0.02, (pixels.std(), non_white)
    # the plots are drawn, not broken-image icons: coloured (non-grey) pixels exist
    colour = (pixels.max(axis=2) - pixels.min(axis=2)) > 0.2
    assert colour.mean() > 0.001, colour.mean()


def test_compare_report_is_offline_and_every_plot_is_drawn(tmp_path):
    """A real compare report (Loihi, 8 neurons per core: two routers carry traffic, so
    the heat map is drawn): no external resource, metrics.json linked not pasted, and
    every plot decodes in headless Chromium and is not blank."""
    from pycarl.compare import compare
    browser = chromium()
    if not browser:
        pytest.skip("chromium is not installed and cannot be installed here")
    out = tmp_path / "cmp"
    compare(SCRIPT, SCRIPT_ARGS, ["loihi"], out, seed=3, options={"neurons_per_core": 8},
            progress=False)
    page = out / "report.html"
    text = page.read_text()
    assert "src=\"http" not in text and "href=\"http" not in text and "<link" not in text
    assert "<script" not in text and "<pre" not in text
    assert "<a href='metrics.json'>metrics.json</a>" in text
    for heading in ("What differs, and why", "Events", "Activity on one time axis",
                    "Attribution: each effect alone", "Latency and ISI distortion"):
        assert heading in text
    assert 'alt="traffic loihi"' in text
    # rate, raster, attribution, latency + ISI distortion, traffic
    assert_every_image_drawn(browser, page, tmp_path, expected=6)
    shot = screenshot(browser, page, tmp_path, 1280, 1000)
    import matplotlib.image
    pixels = matplotlib.image.imread(str(shot))[..., :3]
    assert (pixels < 0.9).any(axis=2).mean() > 0.02
