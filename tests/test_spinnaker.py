"""pycarl_backend.spinnaker: each sPyNNaker behaviour it promises (docs/spinnaker.rst)."""
import numpy as np
import pytest
from pyNN import errors

import pycarl_backend.spinnaker as sim
from pycarl_backend import simulator
from pycarl_backend.spinnaker.plasticity import STDP_FIXED_POINT_ONE

CELL = {"cm": 0.27, "i_offset": 0.0, "tau_m": 3.0, "tau_refrac": 1.0, "tau_syn_E": 0.3,
        "tau_syn_I": 0.3, "v_reset": -60.0, "v_rest": -60.0, "v_thresh": -57.5}


@pytest.fixture(autouse=True)
def fresh():
    sim.setup(timestep=1.0)
    yield
    sim.end()


def spike_times(pop):
    return [st.magnitude.tolist() for st in pop.get_data("spikes").segments[0].spiketrains]


def lut(x):
    """sPyNNaker's 11-bit fixed-point decay table entry for exp(-x)."""
    return np.floor(np.exp(-x) * STDP_FIXED_POINT_ONE) / STDP_FIXED_POINT_ONE


# --- timing: tick numbering and update order ---------------------------------------------

def test_spike_at_time_zero_and_tick_stamps():
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[0.0, 5.0], [3.0]]))
    src.record("spikes")
    sim.run(10)
    assert spike_times(src) == [[0.0, 5.0], [3.0]]


def test_neuron_fires_in_the_tick_its_input_arrives():
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[[0.0, 10.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    post.set(v=-60.0)
    sim.Projection(src, post, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=6.0, delay=1.0))
    sim.Projection(src, post, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=6.0, delay=3.0))
    post.record("spikes")
    sim.run(20)
    # input sent in tick 0 arrives in tick 1 (delay 1) and 3 (delay 3): both fire then
    assert spike_times(post) == [[1.0, 3.0, 11.0, 13.0]]


def test_membrane_step_with_tau_syn_below_the_time_step():
    sim.end()
    sim.setup(timestep=1.0, fixed_point=False)   # the float64 variant of the loop
    w = 1.0
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[[0.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=w, delay=1.0))
    post.initialize(v=-60.0)
    post.record("v")
    sim.run(4)
    v = post.get_data("v").segments[0].analogsignals[0].magnitude[:, 0]
    init = 0.3 * (1 - np.exp(-1 / 0.3))          # charge of the PSC in one tick
    i1 = w * init
    i2 = i1 * np.exp(-1 / 0.3)                    # decayed by the next tick
    v1 = -60 + i1 * (3.0 / 0.27) * (1 - np.exp(-1 / 3.0))
    v2 = -60 + i2 * (3.0 / 0.27) + np.exp(-1 / 3.0) * (v1 - (-60 + i2 * 3.0 / 0.27))
    # v at t=k is the value at the start of tick k; the input arrives in tick 1
    assert v[0] == pytest.approx(-60.0)
    assert v[1] == pytest.approx(-60.0)
    assert v[2] == pytest.approx(v1, abs=1e-9)
    assert v[3] == pytest.approx(v2, abs=1e-9)


def test_refractory_period_skips_whole_ticks():
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[[0.0, 1.0, 2.0, 3.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    sim.Projection(src, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=6.0, delay=1.0))
    post.record("spikes")
    sim.run(8)
    assert spike_times(post) == [[1.0, 3.0]]  # tick 2 and 4 are refractory (tau_refrac 1 ms)


# --- populations ---------------------------------------------------------------------------

def test_set_on_a_state_variable_initialises_it():
    pop = sim.Population(3, sim.IF_curr_exp(**CELL))
    pop.set(v=-58.0, tau_m=4.0)
    pop.record("v")
    sim.run(1)
    v = pop.get_data("v").segments[0].analogsignals[0].magnitude
    assert np.allclose(v[0], -58.0)
    assert pop.get("tau_m") == pytest.approx([4.0] * 3)  # every cell's value (sPyNNaker)
    with pytest.raises(errors.NonExistentParameterError):
        pop.set(no_such_thing=1.0)


def test_population_view_from_range():
    pop = sim.Population(10, sim.IF_curr_exp(**CELL))
    view = sim.PopulationView(pop, range(3, 7))
    assert view.size == 4
    assert list(view.mask) == [3, 4, 5, 6]
    src = sim.Population(4, sim.SpikeSourceArray(spike_times=[[0.0]] * 4))
    sim.Projection(src, view, sim.OneToOneConnector(), sim.StaticSynapse(weight=6.0))
    pop.record("spikes")
    sim.run(3)
    fired = [i for i, t in enumerate(spike_times(pop)) if t]
    assert fired == [3, 4, 5, 6]


# --- synapses ------------------------------------------------------------------------------

def test_positive_inhibitory_weights_are_magnitudes():
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=[[0.0]]))
    post = sim.Population(2, sim.IF_curr_exp(**CELL))
    prj = sim.Projection(src, post, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=2.0), receptor_type="inhibitory")
    neg = sim.Projection(src, post, sim.AllToAllConnector(),
                         sim.StaticSynapse(weight=-2.0), receptor_type="inhibitory")
    post.initialize(v=-60.0)
    post.record("v")
    sim.run(3)
    v = post.get_data("v").segments[0].analogsignals[0].magnitude
    assert np.all(v[2] < -60.0)          # both inhibit
    assert np.allclose(prj.get("weight", format="array"), 2.0)
    assert np.allclose(neg.get("weight", format="array"), 2.0)   # stored as |w|


def test_mixed_weight_signs_in_one_projection_are_refused():
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[], []]))
    post = sim.Population(2, sim.IF_curr_exp(**CELL))
    with pytest.raises(errors.ConnectionError, match="positive or all negative"):
        sim.Projection(src, post, sim.FromListConnector([(0, 0, 1.0, 1.0), (1, 1, -1.0, 1.0)]),
                       sim.StaticSynapse(), receptor_type="inhibitory")


def test_all_to_all_without_self_drops_pairs_by_index_between_populations():
    a = sim.Population(3, sim.IF_curr_exp(**CELL))
    b = sim.Population(3, sim.IF_curr_exp(**CELL))
    prj = sim.Projection(a, b, sim.AllToAllConnector(allow_self_connections=False),
                         sim.StaticSynapse(weight=1.0))
    pairs = [(int(c[0]), int(c[1])) for c in prj.get("weight", format="list")]
    assert len(prj) == 6
    assert all(i != j for i, j in pairs)
    assert sim.extra_models.AllButMeConnector is not None
    c = sim.Projection(a, b, sim.extra_models.AllButMeConnector(), sim.StaticSynapse(weight=1.0))
    assert len(c) == 6


def test_static_synapse_exposes_weight_and_delay():
    syn = sim.StaticSynapse(weight=2.5, delay=3.0)
    assert syn.weight == 2.5 and syn.delay == 3.0


# --- STDP ------------------------------------------------------------------------------------

def stdp_net(pre_times, post_times, w0=0.0, tau_minus=3.0, A=0.5, w_max=2.0):
    """pre -> post through one plastic synapse; post fires at post_times (driven)."""
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[pre_times]))
    drive = sim.Population(1, sim.SpikeSourceArray(spike_times=[[t - 1 for t in post_times]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    sim.Projection(drive, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=6.0, delay=1.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=3.0, tau_minus=tau_minus,
                                            A_plus=A, A_minus=A),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=w_max),
        weight=w0, delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=stdp)
    post.record("spikes")
    return prj, post


def spynnaker8():
    """Restart with the spynnaker8-era STDP arithmetic."""
    sim.setup(timestep=1.0, spynnaker_version=6)


def test_stdp_deferred_update_in_weight_units_by_default():
    prj, post = stdp_net([10.0, 20.0], [12.0])
    sim.run(15)
    assert prj.get("weight", format="array")[0, 0] == 0.0   # nothing until the next pre spike
    sim.run(10)
    assert spike_times(post) == [[12.0]]
    # pre 20: post 12 (seen at 13 through the 1 ms dendritic delay) potentiates against
    # pre 10, then depresses this pre spike; sPyNNaker >= 7: A (0.5) is a weight step
    expected = 0.5 * (lut(3 / 3.0) - lut(7 / 3.0))
    assert prj.get("weight", format="array")[0, 0] == pytest.approx(expected, abs=1e-12)


def test_stdp_spynnaker8_scales_a_by_w_max():
    spynnaker8()
    prj, _ = stdp_net([10.0, 20.0], [12.0])
    sim.run(25)
    expected = 0.5 * 2.0 * (lut(3 / 3.0) - lut(7 / 3.0))
    assert prj.get("weight", format="array")[0, 0] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("version, scale", [(7, 1.0), (6, 2.0)])
def test_stdp_pairs_spikes_at_coinciding_ticks(version, scale):
    # post 13 is seen at 14, the tick of the second pre spike: full depression (decay 1)
    sim.setup(timestep=1.0, spynnaker_version=version)
    prj, _ = stdp_net([10.0, 14.0], [13.0], w0=1.0)
    sim.run(20)
    expected = 1.0 + 0.5 * scale * (lut(4 / 3.0) - 1.0)
    assert prj.get("weight", format="array")[0, 0] == pytest.approx(expected, abs=1e-12)


def test_stdp_clips_after_every_pair_by_default():
    # pre 20 sees posts 12 and 14: each potentiation clips at w_max (2), then the
    # depression from 14 (seen at 15) is taken from w_max
    prj, _ = stdp_net([10.0, 20.0], [12.0, 14.0], w0=1.9, A=2.0)
    sim.run(25)
    o14 = 1.0 + lut(2 / 3.0)
    expected = 2.0 - 2.0 * o14 * lut(5 / 3.0)
    assert 1.9 + 2.0 * (lut(1.0) + lut(5 / 3.0)) - 2.0 * o14 * lut(5 / 3.0) > 2.0  # one clip: 2
    assert prj.get("weight", format="array")[0, 0] == pytest.approx(expected, abs=1e-12)


def test_stdp_spynnaker8_clips_once_per_pre_spike_and_reset_restores_it():
    spynnaker8()
    prj, _ = stdp_net([10.0, 20.0], [12.0, 14.0], w0=1.9, A=2.0)
    sim.run(25)
    assert prj.get("weight", format="array")[0, 0] == 2.0   # the summed step clipped once
    sim.reset()
    assert prj.get("weight", format="array")[0, 0] == pytest.approx(1.9, abs=1e-6)


@pytest.mark.parametrize("version", [7, 6])
def test_stdp_depression_from_an_earlier_window(version):
    # pre 30: the post spike (12) was in the window of pre 20, not of pre 30;
    # sPyNNaker >= 7 measures the depression from 13 (12 + the dendritic delay),
    # sPyNNaker <= 6 from 12 itself
    sim.setup(timestep=1.0, spynnaker_version=version)
    prj, _ = stdp_net([10.0, 20.0, 30.0], [12.0], w0=2.0, tau_minus=20.0, A=0.25, w_max=4.0)
    sim.run(35)
    a = 0.25 * (4.0 if version == 6 else 1.0)
    w20 = 2.0 + a * (lut(3 / 3.0) - lut(7 / 20.0))
    raw = w20 - a * lut(18 / 20.0)
    delayed = w20 - a * lut(17 / 20.0)
    assert abs(raw - delayed) > 1e-3
    expected = raw if version == 6 else delayed
    assert prj.get("weight", format="array")[0, 0] == pytest.approx(expected, abs=1e-12)


def test_spynnaker_version_is_checked():
    from pycarl_backend.spinnaker.releases import SPYNNAKER_6, SPYNNAKER_7
    sim.setup(timestep=1.0, spynnaker_version="6.0.0")
    assert simulator.state.spynnaker_release is SPYNNAKER_6
    sim.setup(timestep=1.0)
    assert simulator.state.spynnaker_release is SPYNNAKER_7
    with pytest.raises(errors.InvalidParameterValueError, match="spynnaker_version='eight'"):
        sim.setup(timestep=1.0, spynnaker_version="eight")


def test_spynnaker_version_from_the_setup_defaults():
    from pycarl_backend import set_setup_defaults
    from pycarl_backend.spinnaker.releases import SPYNNAKER_6, SPYNNAKER_7
    try:
        set_setup_defaults(spynnaker_version="6")   # what `pycarl run` does with the env
        sim.setup(timestep=1.0)
        assert simulator.state.spynnaker_release is SPYNNAKER_6
        sim.setup(timestep=1.0, spynnaker_version=7)      # the argument wins
        assert simulator.state.spynnaker_release is SPYNNAKER_7
    finally:
        set_setup_defaults()


def test_stdp_heterogeneous_time_constants_are_refused():
    pre = sim.Population(2, sim.SpikeSourceArray(spike_times=[[1.0], [2.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(
            tau_plus=sim.RandomDistribution("uniform", (1.0, 5.0),
                                            rng=sim.NumpyRNG(seed=1))),
        weight_dependence=sim.AdditiveWeightDependence(), weight=0.1, delay=1.0)
    with pytest.raises(Exception, match="one value per projection"):
        prj = sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=stdp)
        sim.run(1)
        prj.get("weight", format="array")


def test_nearest_pair_rule_from_extra_models():
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[[1.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    stdp = sim.STDPMechanism(timing_dependence=sim.extra_models.SpikeNearestPairRule(),
                             weight_dependence=sim.AdditiveWeightDependence(),
                             weight=0.1, delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=stdp)
    sim.run(3)
    assert len(prj) == 1


# --- sPyNNaker-only calls --------------------------------------------------------------------

def test_setup_time_scale_factor_is_stored_and_checked():
    sim.setup(timestep=1.0, time_scale_factor=10, n_boards_required=1)
    assert simulator.state.time_scale_factor == 10
    with pytest.raises(errors.InvalidParameterValueError, match="time_scale_factor"):
        sim.setup(timestep=1.0, time_scale_factor=0)


def test_neurons_per_core_becomes_the_mapping_limit():
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 64)
    sim.set_number_of_neurons_per_core(sim.SpikeSourceArray, 16)
    sim.Population(100, sim.IF_curr_exp(**CELL))
    # only cell types in the network count; the chip model takes one limit
    assert sim.neurons_per_core_override() == 64
    assert simulator.state.neurons_per_core_override == 64
    sim.Population(10, sim.IF_curr_exp(**CELL), label="small",
                   additional_parameters={"max_atoms_per_core": 8})
    assert sim.neurons_per_core_override() == 8
    with pytest.raises(errors.InvalidParameterValueError):
        sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 0)


def test_neurons_per_core_is_the_chip_mapping_limit_in_a_cosimulation():
    pytest.importorskip("hardware_models")
    # float cells and weights: the test is about the mapping limit
    sim.setup(timestep=1.0, hardware="loihi",
              hardware_options={"cells": "software", "quantize": False})
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 3)
    src = sim.Population(4, sim.SpikeSourceArray(spike_times=[[1.0], [2.0], [3.0], [4.0]]))
    pop = sim.Population(10, sim.IF_curr_exp(**CELL))
    sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=5.0))
    sim.run(10)
    mapping = simulator.state.cosim.model.mapping
    assert list(mapping.neurons_per_core) == [3, 3, 3, 1]
    # an explicit hardware option wins
    sim.setup(timestep=1.0, hardware="loihi",
              hardware_options={"neurons_per_core": 5, "cells": "software"})
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 3)
    assert simulator.state.hardware_overrides["neurons_per_core"] == 5


def test_extra_models_names_that_cannot_be_served_raise():
    with pytest.raises(errors.NoModelAvailableError, match="SpikeNearestPairRule"):
        sim.extra_models.IF_curr_dual_exp  # noqa: B018 (reading it is what raises)
    assert "IF_curr_exp" in sim.list_standard_models()


# --- the project's own CA3 content-addressable memory (examples/hippocampus_cam) ----------

def _cam_modules():
    import importlib.util
    import os
    import sys
    folder = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "hippocampus_cam")
    sys.path.insert(0, os.path.abspath(folder))
    try:
        network = importlib.import_module("cam_network")
        path = os.path.join(folder, "cam_demo.py")
        spec = importlib.util.spec_from_file_location("cam_demo", path)
        demo = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(demo)
    finally:
        sys.path.pop(0)
    return network, demo


def test_cam_random_protocol_all_correct():
    network, _ = _cam_modules()
    ops = network.random_protocol(60, 5, 10, seed=2026)
    kinds = {op[0] for op in ops}
    assert kinds == {"learn", "cue", "content"}
    assert any(op[0] == "learn" and any(o[0] == "learn" and o[2] == op[2] and o[1] < op[1]
                                        for o in ops) for op in ops)  # overwrites happen
    results = network.run_protocol(sim, ops, 5, 10)
    wrong = [(network.describe(op), seen, want) for op, ok, seen, want in results if not ok]
    assert len(results) == 60 and not wrong, wrong


def test_cam_demo_script_learns_recalls_and_forgets(capsys):
    _, demo = _cam_modules()
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    assert "11/11 operations correct" in out
    assert "WRONG" not in out


def test_cam_detects_a_wrong_recall():
    """The checker is not vacuous: a memory that was never learnt is reported wrong."""
    network, _ = _cam_modules()
    ops = [("learn", 0, 0, {1, 2}), ("cue", 14, 0, None)]
    expected = network.expected_outputs(ops, 5)
    outputs = {6: {0}, 7: {6, 7}, 16: {0}, 17: {6}}   # recall misses content cell 2
    results = network.check_operations(ops, 5, outputs)
    assert [ok for _, ok, _, _ in results] == [True, False]
    assert expected[1] == {16: {0}, 17: {6, 7}}


def test_pair_rule_decay_is_spynnakers_table():
    # sPyNNaker 6.0 and 7.4.1 common.get_exp_lut_array: floor(2048 exp(-i dt / tau)),
    # zero past the table's end
    common = pytest.importorskip("spynnaker.pyNN.models.neuron.plasticity.stdp.common")
    from pycarl_backend.spinnaker.plasticity import PairTiming
    for dt, tau in ((1.0, 16.7), (1.0, 33.7), (0.1, 20.0)):
        words = common.get_exp_lut_array(dt, tau).view(np.uint16)
        table = words[2:2 + int(words[0])].astype(float) / 2048.0
        ticks = np.arange(table.size + 5)
        decay = PairTiming(np, dt, tau, tau).decay_plus(ticks)
        assert decay[:table.size].tolist() == table.tolist()
        assert not decay[table.size:].any()
