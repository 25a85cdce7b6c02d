"""Loihi's compartment arithmetic, weight/delay encoding and the PyNN translation
(hardware_models/loihi), hand-computed from the rules their docstrings cite
(Lava's PyLifModelBitAcc, brian2-loihi), and the errors a user can meet."""
import numpy as np
import pytest

import pycarl_backend as sim
from hardware_models import HardwareConstraintError, PopulationSpec
from hardware_models.loihi.compartment import LoihiState, decay
from hardware_models.loihi.encoding import actual_weight, encode
from hardware_models.loihi.translate import translate
from pycarl_backend import simulator


def state(**kw):
    p = dict(du=0, dv=0, vth=100, bias_mant=0, bias_exp=0, refractory=1)
    p.update(kw)
    return LoihiState(np, 1, p)


def test_decay_rounds_toward_zero():
    # 1000 * (4096 - 100) / 4096 = 975.59 -> 975; -975 for -1000 (Lava: sign * (|x| >> 12))
    assert decay(np, np.array([1000, -1000, 0]), 100).tolist() == [975, -975, 0]


def test_u_wraps_and_v_saturates_at_24_bits():
    s = state(vth=131071)
    s.u = np.array([2 ** 23 - 10])
    s.step(np.array([20]))            # u = 2**23 + 10 > 2**23 -> wraps to 10 - 2**23
    assert s.u.tolist() == [2 ** 23 + 10 - 2 ** 24]
    s = state(vth=131071, du=4096)
    s.v = np.array([-2 ** 23 + 100])
    s.step(np.array([-1000]))          # v would be -2**23 - 900: saturates at -(2**23 - 1)
    assert s.v.tolist() == [-2 ** 23 + 1]
    # above: saturates at 2**23 - 1, which is above any threshold (131071 << 6): fires
    s.v = np.array([2 ** 23 - 100])
    assert s.step(np.array([1000])).tolist() == [0] and s.v.tolist() == [0]


def test_bias_threshold_reset_and_refractory():
    # constant drive 6400 per step, vth 150 << 6 = 9600, refractory 3: fires at steps
    # 1, 5, 9 with v = 6400, 0, 0, 0, 6400, ... (brian2-loihi gives these values for its
    # equivalent: decay_I = 0, I = 6400)
    s = state(bias_mant=3200, bias_exp=1, vth=150, refractory=3)
    v, fired = [], []
    for t in range(12):
        if s.step(np.array([0])).size:
            fired.append(t)
        v.append(int(s.v[0]))
    assert fired == [1, 5, 9]
    assert v[:6] == [6400, 0, 0, 0, 6400, 0]


def test_threshold_is_strict():
    s = state(bias_mant=3200, bias_exp=1, vth=100)   # v = vth << 6 exactly: no spike
    assert s.step(np.array([0])).size == 0


def test_parameter_ranges_are_checked():
    with pytest.raises(HardwareConstraintError, match="dv = 4096.*0..4095"):
        state(dv=4096)
    with pytest.raises(HardwareConstraintError, match="refractory = 65"):
        state(refractory=65)


def test_weights_as_the_chip_stores_them():
    # brian2-loihi calcActualWeights: trunc to the sign mode's precision, * 2**(6+w_exp),
    # floor to a multiple of 64, clip to 2**21 - 64
    assert actual_weight([255], 0, "excitatory", 8).tolist() == [255 * 64]
    assert actual_weight([255], 0, "mixed", 8).tolist() == [254 * 64]
    assert actual_weight([100], -3, "excitatory", 8).tolist() == [12 * 64]
    assert actual_weight([-256], 7, "inhibitory", 8).tolist() == [-(2 ** 21 - 64)]
    w, fmt, m = encode(np.array([64.0 * 300, 64.0 * 3]), "p")
    assert fmt == {"sign_mode": "excitatory", "w_exp": 1, "num_weight_bits": 8}
    assert m.tolist() == [150, 2] and w.tolist() == [300 * 64, 4 * 64]
    w, fmt, _ = encode(np.array([64.0 * 300, 64.0 * 3]), "p", exact=True)
    assert w.tolist() == [300 * 64, 3 * 64] and fmt["w_exp"] is None
    w, _, _ = encode(np.array([100.4, -7.6]), "p", exact=True)    # whole u units
    assert w.tolist() == [100, -8]


def cell_spec(celltype="IF_curr_exp", **params):
    p = dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=2.0, tau_syn_E=5.0, tau_syn_I=5.0,
             i_offset=0.0, v_reset=-65.0, v_thresh=-50.0)
    p.update(params)
    return PopulationSpec("p", 1, celltype, 0, parameters=p, initial_values={"v": -65.0})


def test_translation_numbers():
    tr = translate(cell_spec(), 1.0)
    # dv = round(4096 (1 - e^-1/20)) = round(199.8); du = round(4096 (1 - e^-1/5)) = round(742.5)
    assert tr.params["dv"].tolist() == [200] and tr.params["du"].tolist() == [742]
    assert tr.params["refractory"].tolist() == [3]           # round(2 / 1) + 1
    assert tr.params["vth"].tolist() == [16384]
    assert tr.v_scale[0] == pytest.approx(16384 * 64 / 15.0)
    # v_rest 5 mV above v_reset: bias = s * 200/4096 * 5 = 17066.7 -> 2133 << 3
    tr = translate(cell_spec(v_rest=-60.0), 1.0)
    assert (tr.params["bias_mant"].tolist(), tr.params["bias_exp"].tolist()) == ([2133], [3])
    assert translate(cell_spec("IF_curr_delta"), 1.0).params["du"].tolist() == [4096]
    assert "approximated" in translate(cell_spec("IF_curr_alpha"), 1.0).notes[0]


def test_conductance_based_cells_are_refused_unless_cells_software():
    def build(options=None):
        sim.setup(timestep=0.1, hardware="loihi", hardware_options=options)
        src = sim.Population(5, sim.SpikeSourcePoisson(rate=100.0), label="in")
        cells = sim.Population(4, sim.IF_cond_exp(), label="coba")
        sim.Projection(src, cells, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01))
        cells.record("spikes")
        sim.run(20.0)
        summary = simulator.state.cosim.summary()
        sim.end()
        return summary
    with pytest.raises(HardwareConstraintError,
                       match="'coba' is IF_cond_exp.*IF_curr_exp, IF_curr_delta, IF_curr_alpha"):
        build()
    sim.end()
    summary = build({"cells": "software"})
    assert summary["cells"]["mode"] == "software"
    assert summary["cells"]["statement"].startswith("cells: software")


def test_delay_above_the_chip_maximum_names_the_projection():
    sim.setup(timestep=1.0, max_delay=100.0, hardware="loihi")
    a = sim.Population(2, sim.SpikeSourceArray(spike_times=[1.0]))
    b = sim.Population(2, sim.IF_curr_exp())
    sim.Projection(a, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=70.0),
                   label="far")
    with pytest.raises(HardwareConstraintError, match="projection 'far'.*delay of 70.*0..62"):
        sim.run(5.0)
    sim.end()


def test_different_synaptic_time_constants_get_a_second_current():
    sim.setup(timestep=1.0, hardware="loihi")
    a = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    b = sim.Population(1, sim.IF_curr_exp(tau_syn_E=2.0, tau_syn_I=5.0), label="b")
    sim.Projection(a, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0), label="e")
    sim.Projection(a, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=-1.0), label="i",
                   receptor_type="inhibitory")
    cosim = simulator.state._cosimulation()
    group = cosim.chip_groups["b"]
    engine = simulator.state.engine
    for name in ("chip:u", "chip:u_inh"):
        engine.record_state(group, name, np.arange(1), 1)
    sim.run(6.0)
    u = engine.state_records[group]["chip:u"].data()[:, 0]
    u_inh = engine.state_records[group]["chip:u_inh"].data()[:, 0]
    notes = cosim.summary()["cells"]["notes"]
    sim.end()
    assert group.receptors == ["u", "u_inh"]
    assert any("second (dendritic) compartment" in n for n in notes)
    # the spike of t = 1 ms arrives in step 1 + 1 (delay 1 -> register 1 -> t + 1 + 1)
    k = int(np.flatnonzero(u)[0])
    assert k == int(np.flatnonzero(u_inh)[0]) and u[k] > 0 > u_inh[k]
    du_e = round(4096 * (1 - np.exp(-1 / 2.0)))
    du_i = round(4096 * (1 - np.exp(-1 / 5.0)))
    assert u[k + 1] == int(u[k] * (4096 - du_e)) >> 12
    assert u_inh[k + 1] == -((-int(u_inh[k]) * (4096 - du_i)) >> 12)


def run_cells(cell, hardware, weight=6.0, delays=(1.0, 3.0), dt=0.1):
    sim.setup(timestep=dt, min_delay=dt, hardware=hardware)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0, 2.0, 3.0, 7.0, 7.5, 8.0]))
    cells = sim.Population(2, cell, label="cells")
    for k, d in enumerate(delays):
        sim.Projection(src, cells, sim.FromListConnector([(0, k, weight, d)]))
    cells.record(["spikes", "v"])
    sim.run(20.0)
    block = cells.get_data().segments[0]
    summary = simulator.state.cosim.summary() if simulator.state.cosim else None
    sim.end()
    trains = [np.asarray(t.magnitude) for t in block.spiketrains]
    return trains, np.asarray(block.filter(name="v")[0].magnitude), summary


def test_delta_cells_fire_when_the_software_cells_fire():
    # w = 6 mV, threshold 15 mV above reset, no leak to speak of: the 3rd input fires
    cell = sim.IF_curr_delta(tau_m=1e6, v_thresh=-50.0, v_reset=-65.0, v_rest=-65.0,
                             tau_refrac=0.0)
    software, v_sw, _ = run_cells(cell, None)
    chip, v_hw, summary = run_cells(cell, "loihi")
    assert summary["cells"]["mode"] == "chip"
    assert [len(t) for t in software] == [2, 2]
    for s, c in zip(software, chip):
        np.testing.assert_allclose(c, s)
    # 6 mV = 6553.6 x 64 units -> w_exp 5, mantissa 205: 205 * 2**5 * 64 units = 6.0059 mV
    np.testing.assert_allclose(v_hw, v_sw, atol=3 * 0.0059 + 1e-4)


def test_exp_cells_feel_an_input_in_the_same_step_as_software():
    cell = sim.IF_curr_exp(tau_m=20.0, tau_syn_E=5.0, tau_syn_I=5.0, v_thresh=-50.0)
    _, v_sw, _ = run_cells(cell, None, weight=0.5)
    _, v_hw, _ = run_cells(cell, "loihi", weight=0.5)
    for k in range(2):
        first_sw = np.flatnonzero(np.abs(v_sw[:, k] + 65.0) > 1e-9)[0]
        first_hw = np.flatnonzero(np.abs(v_hw[:, k] + 65.0) > 1e-9)[0]
        assert first_hw == first_sw
    # Loihi's per-step integration (u then v in one step) and the tau -> decay rounding
    # stay within 5% of the exact solution's excursion
    assert np.max(np.abs(v_hw - v_sw)) < 0.05 * np.max(np.abs(v_sw + 65.0))


def test_alpha_cells_run_and_the_report_states_the_approximation():
    cell = sim.IF_curr_alpha(tau_syn_E=2.0, tau_syn_I=2.0)
    _, _, summary = run_cells(cell, "loihi", weight=2.0)
    assert any("IF_curr_alpha approximated" in n for n in summary["cells"]["notes"])


def test_quantize_false_keeps_whole_u_units():
    sim.setup(timestep=1.0, hardware="loihi", hardware_options={"quantize": False})
    a = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    b = sim.Population(1, sim.IF_curr_exp(), label="b")
    sim.Projection(a, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.37), label="p")
    sim.run(2.0)
    chip = simulator.state.cosim.chip_groups["b"].chip
    block = simulator.state.engine.blocks[0]
    sim.end()
    assert chip.weight_formats["p"]["w_exp"] is None
    target = 0.37 * chip.translation.weight_scale[0]
    assert float(block.weight[0]) == np.rint(target)


def small_cuba(options):
    sim.setup(timestep=0.1, min_delay=0.1, hardware="loihi", hardware_options=options,
              rng_seed=3)
    src = sim.Population(20, sim.SpikeSourcePoisson(rate=80.0), label="in")
    cells = sim.Population(10, sim.IF_curr_exp(tau_syn_E=5.0, tau_syn_I=10.0), label="cells")
    sim.Projection(src, cells, sim.FixedProbabilityConnector(0.5, rng=sim.NumpyRNG(1)),
                   sim.StaticSynapse(weight=0.37, delay=0.5), label="p")
    cells.record("spikes")
    sim.run(50.0)
    cosim = simulator.state.cosim
    block = simulator.state.engine.blocks[0]
    out = (cosim.summary()["cells"], block.weight.copy(), block.software_weight.copy()
           if hasattr(block, "software_weight") else None, cosim)
    sim.end()
    return out


def test_each_effect_alone():
    """The switches `pycarl compare` attributes a difference with."""
    # integer dynamics alone: Loihi's compartments, weights in whole u units
    cells, w, w_pynn, cosim = small_cuba({"quantize": False})
    assert cells["mode"] == "chip"
    chip = cosim.chip_groups["cells"].chip
    assert chip.weight_formats["p"]["w_exp"] is None and np.all(w == np.rint(w))
    assert np.all(w == np.rint(0.37 * chip.translation.weight_scale[0])) and np.any(w % 64)
    # weight rounding alone: float cells, weights Loihi would store, in nA
    cells, w, w_pynn, _ = small_cuba({"cells": "software"})
    assert cells["mode"] == "software"
    assert not np.allclose(w, 0.37, rtol=1e-6)
    # one mantissa step (64 u units at w_exp 0) is 64 / (s tau_m (dv/4096) / cm) nA, with
    # s = 2**20 / 15 mV and dv = round(4096 (1 - exp(-0.1/20))) = 20 at dt = 0.1 ms
    step = 64 / (16384 * 64 / 15.0 * 20.0 * 20 / 4096)
    assert np.all(np.abs(w - 0.37) <= step / 2 + 1e-9)
    # both: the chip as it is
    cells, w, _, cosim = small_cuba({})
    assert cells["mode"] == "chip"
    assert cosim.chip_groups["cells"].chip.weight_formats["p"]["w_exp"] is not None


@pytest.mark.gpu
def test_loihi_state_on_cupy_is_bit_identical_to_numpy():
    from pycarl_backend.engine.backend import cupy_or_none
    cp = cupy_or_none()
    if cp is None:
        pytest.skip("needs CuPy and a CUDA GPU")
    rng = np.random.default_rng(0)
    n = 500
    params = dict(du=rng.integers(0, 4097, n), dv=rng.integers(0, 4096, n), vth=2000,
                  bias_mant=rng.integers(-100, 200, n), bias_exp=2,
                  refractory=rng.integers(1, 5, n), du_inh=rng.integers(0, 4097, n))
    host, dev = LoihiState(np, n, params), LoihiState(cp, n, params)
    spikes = 0
    for _ in range(300):
        a = rng.integers(-3, 6, n) * 64 * 40
        b = -rng.integers(0, 3, n) * 64 * 40
        f_host = host.step(a, None, b)
        f_dev = dev.step(cp.asarray(a), None, cp.asarray(b))
        np.testing.assert_array_equal(cp.asnumpy(f_dev), f_host)
        np.testing.assert_array_equal(cp.asnumpy(dev.v), host.v)
        np.testing.assert_array_equal(cp.asnumpy(dev.u), host.u)
        spikes += f_host.size
    assert spikes > 0
