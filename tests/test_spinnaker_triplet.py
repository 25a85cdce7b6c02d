"""pycarl_backend.spinnaker: triplet STDP (extra_models.PfisterSpikeTriplet with
WeightDependenceAdditiveTriplet) as sPyNNaker computes it (triplet.py).

Expected weights come from the rule's equations (Pfister & Gerstner 2006,
minimal triplet model) in sPyNNaker's form: timing_pfister_triplet_impl.h
(traces r1, r2, o1, o2; r2 and o2 sampled before their spike),
weight_additive_two_term_impl.h (A2 * value + A3 * product, clipped after
each step in >= 7), weight_dependence_additive_triplet.py (all four A
pre-multiplied by w_max) and common.get_exp_lut_array (the decay table). The
helpers below write the fixed-point arithmetic out, so the comparisons are
exact; one test also compares with the continuous equations within the stated
fixed-point tolerance.
"""
import math

import numpy as np
import pytest
from pyNN import errors

import pycarl_backend.spinnaker as sim
from pycarl_backend.spinnaker.exceptions import SynapticConfigurationException

CELL = {"cm": 0.27, "i_offset": 0.0, "tau_m": 3.0, "tau_refrac": 1.0, "tau_syn_E": 0.3,
        "tau_syn_I": 0.3, "v_reset": -60.0, "v_rest": -60.0, "v_thresh": -57.5}
TAUS = {"tau_plus": 16.8, "tau_minus": 33.7, "tau_x": 101.0, "tau_y": 125.0}
ONE = 2048  # STDP_FIXED_POINT_ONE


@pytest.fixture(autouse=True)
def fresh():
    sim.setup(timestep=1.0)
    yield
    sim.end()


def decay(ticks, tau, shift=0):
    """Table entry for `ticks`: floor(2048 exp(-((ticks >> shift) << shift) / tau))."""
    return math.floor(ONE * math.exp(-((ticks >> shift) << shift) / tau))


def mul(a, b):
    """STDP_FIXED_MUL_16X16."""
    return (a * b) >> 11


def triplet_net(pre_times, post_times, w0=0.5, A_plus=0.05, A_minus=0.02, A3_plus=0.1,
                A3_minus=0.03, w_max=1.0, w_min=0.0):
    """pre -> post through one plastic synapse (delay 1: post spikes are seen 1 ms
    late); post fires at post_times, driven by a static synapse."""
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[pre_times]))
    drive = sim.Population(1, sim.SpikeSourceArray(spike_times=[[t - 1 for t in post_times]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    sim.Projection(drive, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=6.0, delay=1.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.extra_models.PfisterSpikeTriplet(
            A_plus=A_plus, A_minus=A_minus, **TAUS),
        weight_dependence=sim.extra_models.WeightDependenceAdditiveTriplet(
            w_min=w_min, w_max=w_max, A3_plus=A3_plus, A3_minus=A3_minus),
        weight=w0, delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=stdp)
    post.record("spikes")
    return prj, post


def weight(prj):
    return float(prj.get("weight", format="array")[0, 0])


def test_one_pre_post_pair():
    # pre 10, post 12 (seen at 13), pre 30 delivers the update:
    # potentiation r1(10) = 1 decayed over 13 - 10 = 3 ticks, o2 = 0 (first post spike);
    # depression o1(12) = 1 decayed over 30 - 13 = 17, triplet term with r2(30) =
    # 1 decayed over 20 ticks of tau_x (table shift 2: entry 5, i.e. 20 ticks)
    prj, post = triplet_net([10.0, 30.0], [12.0])
    sim.run(35)
    assert post.get_data("spikes").segments[0].spiketrains[0].magnitude.tolist() == [12.0]
    r1 = decay(3, TAUS["tau_plus"])
    o1 = decay(17, TAUS["tau_minus"])
    r2 = decay(20, TAUS["tau_x"], 2)
    expected = 0.5 + 0.05 * r1 / ONE - 0.02 * o1 / ONE - 0.03 * mul(o1, r2) / ONE
    assert weight(prj) == pytest.approx(expected, abs=1e-12)
    # against the continuous equations: each table entry is floored (< 1/2048 low) and
    # each fixed-point product drops < 1/2048 more, so the difference stays below
    # (A_plus + A_minus + 3 A3_minus) / 2048
    continuous = (0.5 + 0.05 * math.exp(-3 / 16.8) - 0.02 * math.exp(-17 / 33.7)
                  - 0.03 * math.exp(-17 / 33.7) * math.exp(-20 / 101.0))
    assert weight(prj) == pytest.approx(continuous, abs=(0.05 + 0.02 + 3 * 0.03) / ONE)


def test_post_pre_post_triplet_adds_a3_plus_times_o2():
    # post 12, pre 15, post 20, pre 40. Pre 15 (its first spike, r1 = 1, r2 = 0)
    # depresses by o1(12) over 15 - 13 = 2 ticks. Pre 40 is potentiated by post 20
    # (seen at 21, 6 ticks after pre 15) with the triplet term A3+ * r1' * o2(20),
    # o2(20) = the post spike at 12 decayed over 8 ticks of tau_y; then depressed
    # by o1(20) = 1 + o1(12) decayed over 8, taken over 40 - 21 = 19 ticks, with
    # r2(40) = pre 15 decayed over 25 ticks of tau_x (table entry 6 = 24 ticks)
    prj, _ = triplet_net([15.0, 40.0], [12.0, 20.0], w0=0.4, A_plus=0.02, A_minus=0.01,
                         A3_plus=0.2, A3_minus=0.03)
    sim.run(45)
    w15 = 0.4 - 0.01 * decay(2, TAUS["tau_minus"]) / ONE   # r2(15) = 0: no triplet term
    r1 = decay(6, TAUS["tau_plus"])
    o2 = decay(8, TAUS["tau_y"], 2)
    assert o2 > 0
    triplet = 0.2 * mul(r1, o2) / ONE
    o1_20 = ONE + decay(8, TAUS["tau_minus"])
    o1 = mul(o1_20, decay(19, TAUS["tau_minus"]))
    r2 = decay(25, TAUS["tau_x"], 2)
    depression = 0.01 * o1 / ONE + 0.03 * mul(o1, r2) / ONE
    expected = w15 + 0.02 * r1 / ONE + triplet - depression
    assert triplet > 1e-2
    assert weight(prj) == pytest.approx(expected, abs=1e-12)


def test_dropping_the_triplet_terms_changes_the_weight():
    # the same pairing with A3+ = A3- = 0 is the pair part alone; the difference
    # is exactly the two triplet terms
    times = ([15.0, 40.0], [12.0, 20.0])
    prj, _ = triplet_net(*times, w0=0.4, A3_plus=0.2, A3_minus=0.03)
    sim.run(45)
    with_triplets = weight(prj)
    sim.setup(timestep=1.0)
    prj, _ = triplet_net(*times, w0=0.4, A3_plus=0.0, A3_minus=0.0)
    sim.run(45)
    pair_only = weight(prj)
    r1, o2 = decay(6, TAUS["tau_plus"]), decay(8, TAUS["tau_y"], 2)
    o1 = mul(ONE + decay(8, TAUS["tau_minus"]), decay(19, TAUS["tau_minus"]))
    r2 = decay(25, TAUS["tau_x"], 2)
    terms = 0.2 * mul(r1, o2) / ONE - 0.03 * mul(o1, r2) / ONE
    assert with_triplets - pair_only == pytest.approx(terms, abs=1e-12)
    assert abs(terms) > 1e-2


def test_pre_post_pre_triplet_depression():
    # pre 10, post 14 (seen at 15), pre 20: potentiation r1(10) over 5 ticks (o2 = 0,
    # no triplet term), then depression o1(14) over 20 - 15 = 5 ticks with the
    # triplet term A3- * o1' * r2(20), r2(20) = pre 10 decayed over 10 ticks of tau_x
    # (table entry 2 = 8 ticks)
    prj, _ = triplet_net([10.0, 20.0], [14.0], w0=0.5, A_plus=0.01, A_minus=0.02,
                         A3_plus=0.1, A3_minus=0.3)
    sim.run(25)
    r1 = decay(5, TAUS["tau_plus"])
    o1 = decay(5, TAUS["tau_minus"])
    r2 = decay(10, TAUS["tau_x"], 2)
    assert r2 == decay(8, TAUS["tau_x"])
    triplet = 0.3 * mul(o1, r2) / ONE
    expected = 0.5 + 0.01 * r1 / ONE - 0.02 * o1 / ONE - triplet
    assert triplet > 0.2
    assert weight(prj) == pytest.approx(expected, abs=1e-12)


def test_a_is_scaled_by_w_max_and_each_step_clips():
    # w_max = 2: every A is multiplied by w_max (weight_dependence_additive_triplet.py).
    # Pre 20 sees posts 12 and 14: each potentiation clips at w_max, the depression is
    # taken from w_max (sPyNNaker >= 7)
    prj, _ = triplet_net([10.0, 20.0], [12.0, 14.0], w0=1.9, A_plus=0.5, A_minus=0.1,
                         A3_plus=0.5, A3_minus=0.1, w_max=2.0)
    sim.run(25)
    o1_14 = ONE + decay(2, TAUS["tau_minus"])
    o1 = mul(o1_14, decay(5, TAUS["tau_minus"]))
    r2 = decay(10, TAUS["tau_x"], 2)
    depression = 2.0 * (0.1 * o1 / ONE + 0.1 * mul(o1, r2) / ONE)
    assert weight(prj) == pytest.approx(2.0 - depression, abs=1e-12)


def test_spynnaker8_sums_the_steps_and_clips_once():
    sim.setup(timestep=1.0, spynnaker_version=6)
    prj, _ = triplet_net([10.0, 20.0], [12.0, 14.0], w0=1.9, A_plus=0.5, A_minus=0.1,
                         A3_plus=0.5, A3_minus=0.1, w_max=2.0)
    sim.run(25)
    assert weight(prj) == 2.0   # 1.9 + both potentiations - the depression > w_max
    sim.reset()
    assert weight(prj) == pytest.approx(1.9, abs=1e-6)


def test_decay_table_is_spynnakers():
    common = pytest.importorskip("spynnaker.pyNN.models.neuron.plasticity.stdp.common")
    from pycarl_backend.spinnaker.triplet import exp_decay_lut
    for tau, shift in ((16.8, 0), (33.7, 0), (101.0, 2), (125.0, 2)):
        words = common.get_exp_lut_array(1.0, tau, shift=shift).view(np.uint16)
        size = int(words[0])
        assert int(words[1]) == shift
        assert exp_decay_lut(1.0, tau, shift).tolist() == words[2:2 + size].astype(int).tolist()


@pytest.mark.parametrize("timing, weight_rule", [
    (lambda: sim.extra_models.PfisterSpikeTriplet(A_plus=0.01, A_minus=0.01, **TAUS),
     lambda: sim.AdditiveWeightDependence()),
    (lambda: sim.extra_models.PfisterSpikeTriplet(A_plus=0.01, A_minus=0.01, **TAUS),
     lambda: sim.MultiplicativeWeightDependence()),
    (lambda: sim.SpikePairRule(), lambda: sim.extra_models.WeightDependenceAdditiveTriplet()),
])
def test_triplet_with_a_one_term_partner_is_refused(timing, weight_rule):
    with pytest.raises(SynapticConfigurationException, match="weight term") as info:
        sim.STDPMechanism(timing_dependence=timing(), weight_dependence=weight_rule(),
                          weight=0.1, delay=1.0)
    assert isinstance(info.value, NotImplementedError)   # what sPyNNaker raises


def test_triplet_signature_and_parameter_checks():
    with pytest.raises(TypeError):
        sim.extra_models.PfisterSpikeTriplet(tau_plus=10.0)   # all six are required
    assert sim.PfisterSpikeTriplet is sim.extra_models.PfisterSpikeTriplet
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[[1.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    bad = sim.STDPMechanism(
        timing_dependence=sim.extra_models.PfisterSpikeTriplet(
            16.8, 33.7, 0.0, 125.0, 0.01, 0.01),
        weight_dependence=sim.extra_models.WeightDependenceAdditiveTriplet(),
        weight=0.1, delay=1.0)
    with pytest.raises(errors.InvalidParameterValueError, match="tau_x"):
        sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=bad)
        sim.run(2)
    sim.setup(timestep=1.0)
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[[1.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    upside_down = sim.STDPMechanism(
        timing_dependence=sim.extra_models.PfisterSpikeTriplet(A_plus=0.01, A_minus=0.01,
                                                               **TAUS),
        weight_dependence=sim.extra_models.WeightDependenceAdditiveTriplet(w_min=1.0,
                                                                           w_max=0.5),
        weight=0.1, delay=1.0)
    with pytest.raises(errors.InvalidParameterValueError, match="w_min"):
        sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=upside_down)
        sim.run(2)


def test_triplet_and_pair_projections_onto_one_population_are_refused():
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[[1.0]]))
    post = sim.Population(1, sim.IF_curr_exp(**CELL))
    triplet = sim.STDPMechanism(
        timing_dependence=sim.extra_models.PfisterSpikeTriplet(A_plus=0.01, A_minus=0.01,
                                                               **TAUS),
        weight_dependence=sim.extra_models.WeightDependenceAdditiveTriplet(),
        weight=0.1, delay=1.0)
    sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=triplet)
    pair = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(),
                             weight_dependence=sim.AdditiveWeightDependence(),
                             weight=0.1, delay=1.0)
    with pytest.raises(SynapticConfigurationException, match="one plasticity rule"):
        sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=pair)


@pytest.mark.parametrize("version, expected", [(7, 0.1), (6, 0.3)])
def test_no_post_spike_yet_no_depression_step(version, expected):
    # a weight below w_min with presynaptic spikes only: sPyNNaker >= 7 applies the
    # depression (and its clip at w_min) only once a post spike exists
    # (post_window.prev_time_valid); <= 6 clips every update to [w_min, w_max]
    sim.setup(timestep=1.0, spynnaker_version=version)
    prj, _ = triplet_net([10.0, 20.0], [], w0=0.1, w_min=0.3)
    sim.run(25)
    assert weight(prj) == pytest.approx(expected, abs=1e-7)


def test_many_synapses_update_as_one_synapse_each():
    # 3 x 2 all-to-all: every synapse ends where a 1 x 1 run with its two spike
    # trains ends (the update is vectorised over the synapses of a spike)
    pre_times = [[10.0, 30.0], [12.0, 25.0, 40.0], [5.0, 18.0, 33.0, 44.0]]
    post_times = [[12.0, 20.0, 38.0], [15.0, 28.0]]
    rule = {"w0": 0.02, "w_max": 0.05, "A_plus": 0.3, "A_minus": 0.2, "A3_plus": 0.4,
            "A3_minus": 0.1}
    pre = sim.Population(3, sim.SpikeSourceArray(spike_times=pre_times))
    drive = sim.Population(2, sim.SpikeSourceArray(
        spike_times=[[t - 1 for t in times] for times in post_times]))
    post = sim.Population(2, sim.IF_curr_exp(**CELL))
    sim.Projection(drive, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=6.0, delay=1.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.extra_models.PfisterSpikeTriplet(
            A_plus=rule["A_plus"], A_minus=rule["A_minus"], **TAUS),
        weight_dependence=sim.extra_models.WeightDependenceAdditiveTriplet(
            w_max=rule["w_max"], A3_plus=rule["A3_plus"], A3_minus=rule["A3_minus"]),
        weight=rule["w0"], delay=1.0)
    prj = sim.Projection(pre, post, sim.AllToAllConnector(), synapse_type=stdp)
    post.record("spikes")
    sim.run(50)
    together = prj.get("weight", format="array")
    trains = [st.magnitude.tolist() for st in post.get_data("spikes").segments[0].spiketrains]
    assert trains == post_times
    for i, times_i in enumerate(pre_times):
        for j, times_j in enumerate(post_times):
            sim.setup(timestep=1.0)
            alone, _ = triplet_net(times_i, times_j, **rule)
            sim.run(50)
            assert together[i, j] == pytest.approx(weight(alone), abs=1e-9)
    assert np.unique(np.round(together, 9)).size == together.size   # six different weights
