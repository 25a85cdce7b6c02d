"""setup(hardware="truenorth"): PyNN cells computed as TrueNorth neurons in 1 ms ticks.

End to end: a PyNN IF_curr_delta script (drivers -> A -> B, excitatory and
inhibitory projections, 3 ms delay) gives the spike trains SANA-FE's
`truenorth` model computes for the same integers (tests/truenorth_sanafe.py),
tick for tick. Then the chip's limits, each a HardwareConstraintError with
the numbers.
"""
import numpy as np
import pytest

import pycarl_backend as sim
from hardware_models import HardwareConstraintError
from hardware_models.truenorth import CoreSpec, NeuronParams, TrueNorthNetwork

Q = 15.0 / 256          # mV per unit: (v_thresh - v_rest) / truenorth.threshold_units
CELL = dict(tau_m=1e12, v_rest=-65.0, v_reset=-60.0, v_thresh=-50.0, tau_refrac=0.0, cm=1.0)


def test_if_curr_delta_script_gives_sanafe_trains():
    pytest.importorskip("sanafe")
    from truenorth_sanafe import run_sanafe
    rng = np.random.default_rng(5)
    ticks, n_drv, n_a, n_b = 200, 64, 100, 50
    exc_a = rng.random((32, n_a)) < 0.3
    inh_a = rng.random((32, n_a)) < 0.3
    a_b = rng.random((n_a, n_b)) < 0.2
    R = int(round(5.0 / Q))                         # v_reset - v_rest = 5 mV -> 85 units
    drift = int(round(0.1 * 1.0 / 1.0 / Q))         # i_offset 0.1 nA, 1 ms, cm 1 nF -> 2 units
    # drivers fire at rate leak/threshold
    lam = rng.integers(1, 6, n_drv)
    drv = CoreSpec(np.zeros((0, n_drv), bool), np.zeros(0, int),
                   NeuronParams(np.zeros((n_drv, 4), int), rng.integers(6, 20, n_drv), leak=lam,
                                reset_mode="linear"),
                   target_core=1, target_axon=np.arange(n_drv), name="drivers")
    core_a = CoreSpec(np.vstack([exc_a, inh_a]), [0] * 32 + [1] * 32,
                      NeuronParams(np.tile([40, -25, 0, 0], (n_a, 1)), 256, leak=drift,
                                   reset=R, neg_threshold=65536),
                      target_core=2, target_axon=np.arange(n_a), delay=3, name="A")
    core_b = CoreSpec(a_b, [0] * n_a, NeuronParams(np.tile([30, 0, 0, 0], (n_b, 1)), 256,
                                                   reset=R, neg_threshold=65536), name="B")
    S, _ = run_sanafe(TrueNorthNetwork([drv, core_a, core_b]), ticks)
    assert S[:, n_drv:n_drv + n_a].sum() > 100 and S[:, n_drv + n_a:].sum() > 20

    sim.setup(timestep=0.1, min_delay=1.0, hardware="truenorth",
              hardware_options={"cells": "chip"})
    # a spike of tick n is stamped n + 1 ms in PyNN (the end of the step that computed it,
    # as NEST stamps it); with a 1 ms delay it is integrated in tick n + 1 in both
    times = [list(np.flatnonzero(S[:, i]) + 1.0) for i in range(n_drv)]
    src_e = sim.Population(32, sim.SpikeSourceArray(spike_times=times[:32]), label="drv_e")
    src_i = sim.Population(32, sim.SpikeSourceArray(spike_times=times[32:]), label="drv_i")
    a = sim.Population(n_a, sim.IF_curr_delta(i_offset=0.1, **CELL), label="A")
    b = sim.Population(n_b, sim.IF_curr_delta(**CELL), label="B")
    for pre, post, m, w, d, rec in ((src_e, a, exc_a, 40, 1.0, "excitatory"),
                                    (src_i, a, inh_a, -25, 1.0, "inhibitory"),
                                    (a, b, a_b, 30, 3.0, "excitatory")):
        i, j = np.nonzero(m)
        conn = sim.FromListConnector([(int(x), int(y), w * Q, d) for x, y in zip(i, j)],
                                     column_names=["weight", "delay"])
        sim.Projection(pre, post, conn, receptor_type=rec)
    a.record("spikes")
    b.record("spikes")
    sim.run(float(ticks))
    assert sim.get_time_step() == 1.0                   # the chip's 1 ms tick
    got = {}
    for pop in (a, b):
        trains = pop.get_data().segments[0].spiketrains
        got[pop.label] = np.zeros((ticks, pop.size), bool)
        for k, st in enumerate(trains):
            t = st.magnitude
            assert np.allclose(t, np.round(t))          # multiples of 1 ms
            got[pop.label][np.round(t).astype(int) - 1, k] = True
    sim.end()
    assert (got["A"] == S[:, n_drv:n_drv + n_a]).all()
    assert (got["B"] == S[:, n_drv + n_a:]).all()
    print(f"end to end: {ticks} ticks, {int(got['A'].sum() + got['B'].sum())} spikes of "
          f"{n_a + n_b} IF_curr_delta cells identical to SANA-FE")


def _build(cell=None, n_post=10, projections=1, delay=1.0, n_pre=4, options=None):
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=50.0, hardware="truenorth",
              hardware_options=options or {"cells": "chip"})
    post = sim.Population(n_post, cell or sim.IF_curr_delta(**CELL), label="post")
    for k in range(projections):
        pre = sim.Population(n_pre, sim.SpikeSourceArray(spike_times=[1.0]), label=f"pre{k}")
        sim.Projection(pre, post, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=0.5, delay=delay), label=f"p{k}")
    post.record("spikes")
    return post


def test_delay_outside_1_to_15_ticks_refused():
    _build(delay=16.0)
    with pytest.raises(HardwareConstraintError, match=r"1-15 ticks.*'p0'.*16 ms \(16 ticks\)"):
        sim.run(5.0)
    sim.end()


def test_more_than_four_axon_types_per_core_refused():
    _build(projections=5)
    with pytest.raises(HardwareConstraintError,
                       match=r"4 axon types per core.*core 0 \('post'\) would need 5"):
        sim.run(5.0)
    sim.end()


def test_more_than_256_axons_per_core_refused():
    _build(n_pre=300, n_post=2)
    with pytest.raises(HardwareConstraintError,
                       match=r"256 inputs per neuron; 'post'\[0\] has 300"):
        sim.run(5.0)
    sim.end()


def test_other_cell_types_refused_unless_software():
    _build(cell=sim.IF_cond_exp())
    with pytest.raises(HardwareConstraintError,
                       match=r"'post' is IF_cond_exp.*IF_curr_delta, IF_curr_exp"
                             r".*'cells': 'software'"):
        sim.run(5.0)
    sim.end()
    _build(cell=sim.IF_cond_exp(), options={"cells": "software"})
    sim.run(5.0)
    sim.end()


def test_if_curr_exp_translation_charge_and_leak():
    """IF_curr_exp: charge w tau_syn / cm delivered in one tick; tau_m as a linear leak."""
    post = _build(cell=sim.IF_curr_exp(tau_m=20.0, tau_syn_E=5.0, cm=1.0, v_rest=-65.0,
                                       v_thresh=-50.0, v_reset=-65.0, tau_refrac=0.0),
                  n_pre=1, n_post=1)
    post.record("v")
    sim.run(6.0)
    v = post.get_data().segments[0].analogsignals[0].magnitude[:, 0]
    sim.end()
    # 0.5 nA * 5 ms / 1 nF = 2.5 mV -> round(2.5 / Q) = 43 units, arriving at 2 ms;
    # leak -round(256 * (1 - exp(-1/20)) / 2) = -6 units per tick towards rest
    units = np.round((v - (-65.0)) / Q).astype(int)
    assert units.tolist() == [0, 0, 43 - 6, 31, 25, 19, 13][:len(units)]


def test_compare_report_first_line_states_the_tick(tmp_path):
    """pycarl compare on TrueNorth's arithmetic: the report's first line says who computed
    the cells and that the run went in 1 ms ticks; the translation follows; the
    co-simulated spikes lie on the 1 ms grid."""
    import re
    import pickle
    from pycarl.compare import compare
    from pathlib import Path
    script = Path(__file__).resolve().parents[1] / "examples" / "feedforward.py"
    res = compare(str(script), ["pycarl", "--n", "10", "--tstop", "50", "--rate", "200"],
                  ["truenorth"],
                  tmp_path, options={"cells": "chip"}, progress=False)
    paragraphs = re.findall(r"<p>([^<]*)</p>", (tmp_path / "report.html").read_text())
    assert paragraphs[0].startswith("truenorth: cells: chip")
    assert "TrueNorth runs in its own 1 ms ticks" in paragraphs[0]
    assert any("integer neurons" in p for p in paragraphs[1:])
    pops = res["truenorth"]["populations"]
    assert pops["layer1"]["rate_hardware_hz"] > 0
    with open(tmp_path / "hardware_truenorth.pkl", "rb") as f:
        spikes = pickle.load(f)["spikes"]
    times = np.concatenate([np.asarray(t, float) for trains in spikes.values() for t in trains])
    assert times.size and np.allclose(times, np.round(times))


def _chain(options):
    sim.setup(timestep=0.1, min_delay=1.0, hardware="truenorth", hardware_options=options)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[2.0]), label="src")
    a = sim.Population(1, sim.IF_curr_delta(**CELL), label="a")
    b = sim.Population(1, sim.IF_curr_delta(**CELL), label="b")
    for pre, post in ((src, a), (a, b)):
        sim.Projection(pre, post, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=200 * Q, delay=1.0))
        sim.Projection(pre, post, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=100 * Q, delay=2.0))
    b.record("spikes")
    sim.run(10.0)
    t = b.get_data().segments[0].spiketrains[0].magnitude.tolist()
    sim.end()
    return t


def test_late_packet_arrives_a_tick_later_in_chip_time():
    """A packet that misses the tick budget reaches its axon one 1 ms tick later (not ten
    0.1 ms steps): with a 1 ns budget every packet is one tick late."""
    on_time = _chain({"cells": "chip"})
    late = _chain({"cells": "chip", "timing.tick_budget_ns": 1.0})
    # src stamped 2 -> a integrates 200 + 100 units in ticks 2, 3 and fires (stamped 4);
    # b likewise in ticks 4, 5 (stamped 6)
    assert on_time == [6.0]
    # the host's packet to a and a's packet to b: each one tick late (in script steps of
    # 0.1 ms a tick would be 10 steps: 6 + 2 * 10)
    assert late == [8.0]


def test_rest_above_threshold_becomes_an_upward_drift():
    """Vogels-Abbott CUBA cells rest at -49 mV above their -50 mV threshold: the zero is
    v_reset (-60), and the leak is the exponential's mean pull over -60..-50 as a drift:
    round(6 mV * (1 - exp(-1/20)) / (10/256 mV)) = 7 units per tick; 256 units -> a spike
    every 37 ticks."""
    sim.setup(timestep=0.1, hardware="truenorth", hardware_options={"cells": "chip"})
    cell = sim.IF_curr_exp(tau_m=20.0, v_rest=-49.0, v_thresh=-50.0, v_reset=-60.0,
                           tau_refrac=0.0, cm=0.2)
    p = sim.Population(1, cell, initial_values={"v": -60.0}, label="cuba")
    p.record(["spikes", "v"])
    sim.run(80.0)
    seg = p.get_data().segments[0]
    v = seg.analogsignals[0].magnitude[:, 0]
    spikes = seg.spiketrains[0].magnitude.tolist()
    sim.end()
    units = np.round((v + 60.0) / (10.0 / 256)).astype(int)
    assert units[:5].tolist() == [0, 7, 14, 21, 28]
    assert spikes == [37.0, 74.0]


def _one_input(options, weight_mv=0.1):
    sim.setup(timestep=0.1, min_delay=0.1, hardware="truenorth", hardware_options=options)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[2.0]), label="src")
    p = sim.Population(1, sim.IF_curr_delta(**CELL), label="p")
    sim.Projection(src, p, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=weight_mv, delay=1.0))
    p.record("v")
    sim.run(5.0)
    v = p.get_data().segments[0].analogsignals[0].magnitude[:, 0]
    dt, group = sim.get_time_step(), type(p._group).__name__
    sim.end()
    return v, dt, group


def test_attribution_switches_each_alone():
    """hardware_options that switch on one of TrueNorth's changes at a time (what
    `pycarl compare` runs to attribute a difference to its cause)."""
    # the full chip: 1 ms ticks, integer neuron, weight 0.1 mV -> round(1.7067) = 2 units
    v, dt, group = _one_input({"cells": "chip"})
    assert dt == 1.0 and group == "ChipNeuronGroup"
    assert np.isclose(v.max() - v.min(), 2 * Q)
    # weight rounding off: the exact 0.1 mV
    v, dt, group = _one_input({"cells": "chip", "truenorth.weight_rounding": False})
    assert dt == 1.0 and np.isclose(v.max() - v.min(), 0.1)
    # the integer neuron alone: at the script's 0.1 ms steps, unrounded weights
    v, dt, group = _one_input({"cells": "chip", "chip_step_ms": 0.1,
                               "truenorth.weight_rounding": False})
    assert dt == 0.1 and group == "ChipNeuronGroup" and np.isclose(v.max() - v.min(), 0.1)
    # the 1 ms tick alone: PyNN's float cells at 1 ms steps
    v, dt, group = _one_input({"cells": "software", "time_base": "chip", "quantize": False})
    assert dt == 1.0 and group != "ChipNeuronGroup" and np.isclose(v.max() - v.min(), 0.1)
    # nothing switched on: the script's own step
    assert _one_input({"cells": "software", "time_base": "script", "quantize": False})[1] == 0.1
