"""Co-simulation inside the simulation loop: each chip runs the feed-forward
Poisson -> layer -> layer network and a (scaled) Vogels-Abbott network; with
quantization off, only latency separates the runs, so every co-simulated
spike comes later than (or with) its software-only twin, never earlier."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import pycarl_backend as sim
from pycarl_backend import simulator

ROOT = Path(__file__).resolve().parents[1]
CHIPS = ["truenorth", "loihi", "dynapse"]


def feedforward(hardware=None, options=None, seed=11):
    sim.setup(timestep=0.1, min_delay=0.5, max_delay=5.0, rng_seed=seed,
              hardware=hardware, hardware_options=options)
    rng = sim.NumpyRNG(seed=seed)
    sources = sim.Population(30, sim.SpikeSourcePoisson(rate=50.0), label="input")
    cell = sim.IF_curr_exp(tau_m=10.0, tau_syn_E=2.0, tau_refrac=2.0, v_thresh=-55.0)
    layer1 = sim.Population(30, cell, label="layer1")
    layer2 = sim.Population(15, cell, label="layer2")
    sim.Projection(sources, layer1, sim.FixedProbabilityConnector(0.3, rng=rng),
                   sim.StaticSynapse(weight=0.6, delay=0.5), label="in_l1")
    sim.Projection(layer1, layer2, sim.FixedProbabilityConnector(0.3, rng=rng),
                   sim.StaticSynapse(weight=2.0, delay=1.0), label="l1_l2")
    layer1.record("spikes")
    layer2.record("spikes")
    sim.run(300.0)
    trains = {p.label: [st.magnitude.copy() for st in p.get_data().segments[0].spiketrains]
              for p in (layer1, layer2)}
    summary = simulator.state.cosim.summary() if simulator.state.cosim else None
    sim.end()
    return trains, summary


@pytest.mark.parametrize("chip", CHIPS)
def test_feedforward_spikes_come_later_never_earlier(chip):
    software, _ = feedforward()
    # float cells at the script's step (TrueNorth would otherwise run them in its 1 ms tick)
    hardware, summary = feedforward(chip, {"quantize": False, "cells": "software",
                                           "time_base": "script"})
    assert summary["hardware"].lower().replace("-", "") == chip
    assert summary["energy_pj"]["total"] > 0
    assert summary["hardware_time_per_tick_ns"]["mean"] > 0
    shifted = 0
    for sw_train, hw_train in zip(software["layer1"], hardware["layer1"]):
        # layer 1 is driven by off-chip sources only: its input is only delayed
        assert len(hw_train) == len(sw_train)
        assert np.all(hw_train >= sw_train - 1e-9)
        shifted += int(np.sum(hw_train > sw_train + 1e-9))
    n_sw = sum(len(t) for t in software["layer2"])
    n_hw = sum(len(t) for t in hardware["layer2"])
    assert n_sw > 0 and n_hw > 0
    first_sw = min(t[0] for t in software["layer2"] if len(t))
    first_hw = min(t[0] for t in hardware["layer2"] if len(t))
    assert first_hw >= first_sw
    print(f"{chip}: {shifted} layer-1 spikes later, none earlier")


def test_dynapse_latency_shifts_spikes():
    """DYNAP-SE is asynchronous: its interconnect latency is added directly.
    Rounded up to a whole step (async_rounding: ceil) every delivery is one
    step late; kept exact (the default), a latency of ~75 ns onto float cells
    rounds to the nearest step, 0 at dt = 0.1 ms: no spike moves."""
    software, _ = feedforward()
    hardware, _ = feedforward("dynapse", {"quantize": False, "cells": "software",
                                          "timing.async_rounding": "ceil"})
    later = sum(int(np.sum(h > s + 1e-9)) for s, h in zip(software["layer1"], hardware["layer1"]))
    assert later > 0
    exact, summary = feedforward("dynapse", {"quantize": False, "cells": "software"})
    latency = summary["deliveries"]["latency_ns"]
    assert latency.size and latency.max() < 50e3
    for s, h in zip(software["layer1"], exact["layer1"]):
        assert np.array_equal(s, h)


@pytest.mark.parametrize("chip", CHIPS)
def test_compare_writes_metrics_and_report_for_vogels_abbott(chip, tmp_path):
    out = tmp_path / chip
    # the script's COBA cells are conductance based: Loihi computes them only as
    # floating-point cells on its network (its own compartments are current based)
    # (TrueNorth's neurons are current based too)
    options = ["--option", "cells=software"] if chip in ("loihi", "truenorth") else []
    cmd = [sys.executable, "-m", "pycarl", "compare", "--hardware", chip,
           "--out", str(out)] + options + [str(ROOT / "examples" / "vogels_abbott.py"), "pycarl",
           "--n", "400", "--tstop", "200", "--indegree", "60", "--exact-indegree",
           "--raster", ""]
    subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=tmp_path)
    metrics = json.loads((out / "metrics.json").read_text())
    if chip == "loihi":
        assert metrics["cells"]["mode"] == "software"
        body = (out / "report.html").read_text().split("<body>", 1)[1]
        assert body.startswith("<p>loihi: cells: software (floating-point PyNN cells"), body[:200]
    for key in ("hardware", "latency_ms", "isi_distortion_ms", "disorder", "energy_pj",
                "hardware_time_per_tick_ns", "populations"):
        assert key in metrics
    for label in ("exc", "inh"):
        population = metrics["populations"][label]
        assert {"rate_software_hz", "rate_hardware_hz", "van_rossum"} <= set(population)
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 4
