"""pycarl_backend.spinnaker: structural plasticity, from sPyNNaker8's integration
tests (p8_integration_tests/quick_test/test_struct_pl, commit 1935a29c) and the
rules of sPyNNaker's structural_plasticity/synaptogenesis sources. Each test
names the upstream test whose network and expected values it uses.
"""
import os
import sqlite3

import numpy as np
import pytest
from pyNN import errors

import pycarl_backend.spinnaker as sim
from pycarl_backend.spinnaker.reports import PROVENANCE_FILE, PROVENANCE_FOLDER
from pycarl_backend.spinnaker.structural import DistanceDependentFormation, Rewiring


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def static_mechanism(partner, p_form, threshold, p_dep, p_pot, w, d, s_max=1, grid=(1, 1),
                     **kw):
    return sim.StructuralMechanismStatic(
        partner_selection=partner, formation=sim.DistanceDependentFormation(list(grid), p_form),
        elimination=sim.RandomByWeightElimination(threshold, p_dep, p_pot),
        f_rew=kw.pop("f_rew", 1000), initial_weight=w, initial_delay=d, s_max=s_max,
        seed=kw.pop("seed", 0), weight=0.0, delay=1.0, **kw)


def rewires(label):
    path = os.path.join(sim.report_directory(), PROVENANCE_FOLDER, PROVENANCE_FILE)
    with sqlite3.connect(path) as db:
        rows = list(db.execute(
            "SELECT the_value FROM provenance_view WHERE source_name LIKE ? "
            "AND description_name = 'Number_of_rewires' LIMIT 1", (f"%{label}%",)))
    return rows[0][0] if rows else None


def connections(proj):
    return [tuple(float(x) for x in row) for row in proj.get(["weight", "delay"], "list")]


# quick_test/test_struct_pl/test_structural_without_stdp.py
def test_formation_and_elimination_one_to_one():
    sim.setup(1.0)
    stim = sim.Population(1, sim.SpikeSourceArray(range(10)), label="stim")
    pops = [sim.Population(1, sim.IF_curr_exp(), label=f"pop_{k}") for k in range(4)]
    projs = [
        sim.Projection(stim, pops[0], sim.FromListConnector([]), static_mechanism(
            sim.LastNeuronSelection(), 1.0, 2.0, 0, 0, 2.0, 5.0)),
        sim.Projection(stim, pops[1], sim.FromListConnector([]), static_mechanism(
            sim.RandomSelection(), 1.0, 4.0, 0, 0, 4.0, 3.0)),
        sim.Projection(stim, pops[2], sim.FromListConnector([(0, 0)]), static_mechanism(
            sim.LastNeuronSelection(), 0.0, 4.0, 1.0, 1.0, 2.0, 5.0)),
        sim.Projection(stim, pops[3], sim.FromListConnector([(0, 0)]), static_mechanism(
            sim.RandomSelection(), 0.0, 4.0, 1.0, 1.0, 4.0, 3.0)),
    ]
    sim.run(10)
    assert connections(projs[0]) == [(0, 0, 2.0, 5.0)]
    assert connections(projs[1]) == [(0, 0, 4.0, 3.0)]
    assert connections(projs[2]) == []
    assert connections(projs[3]) == []


# quick_test/test_struct_pl/test_structural_elimination_to_empty.py
def test_elimination_to_empty_counts_81_rewires():
    sim.setup(1.0)
    stim = sim.Population(9, sim.SpikeSourceArray(range(10)), label="stim")
    pop = sim.Population(9, sim.IF_curr_exp(), label="pop")
    proj = sim.Projection(stim, pop, sim.AllToAllConnector(), static_mechanism(
        sim.RandomSelection(), 0.0, 4.0, 1.0, 1.0, 4.0, 3.0, s_max=9, grid=(3, 3)))
    assert len(connections(proj)) == 81
    sim.run(1000)
    assert connections(proj) == []
    assert rewires("pop") == 81


# quick_test/test_struct_pl/test_structural_formation_to_full.py
def test_formation_to_full_after_the_input_stops():
    # the stimulus spikes in ticks 0-9 only; LastNeuronSelection keeps the last
    # spikes, so the 16 slots fill during the 1000 ticks
    sim.setup(1.0)
    stim = sim.Population(4, sim.SpikeSourceArray(range(10)), label="stim")
    pop = sim.Population(4, sim.IF_curr_exp(), label="pop")
    proj = sim.Projection(stim, pop, sim.FromListConnector([]), static_mechanism(
        sim.LastNeuronSelection(), 1.0, 4.0, 0, 0, 4.0, 3.0, s_max=4, grid=(2, 2)))
    sim.run(1000)
    conns = connections(proj)
    assert len(conns) == 16
    assert all(c[2:] == (4.0, 3.0) for c in conns)
    assert rewires("pop") == 16
    # each target cell holds at most s_max, each source row at most s_max
    targets = np.bincount([int(c[1]) for c in conns], minlength=4)
    assert targets.tolist() == [4, 4, 4, 4]


# quick_test/test_struct_pl/test_structural_shared.py
def test_one_mechanism_shared_by_two_projections():
    sim.setup(1.0)
    stim = sim.Population(1, sim.SpikeSourceArray(np.arange(0, 10, 2)), label="stim")
    pops = [sim.Population(1, sim.IF_curr_exp(), label=f"pop_{k}") for k in range(4)]
    static = static_mechanism(sim.LastNeuronSelection(), 1.0, 2.0, 0, 0, 5.0, 2.0)
    stdp = sim.StructuralMechanismSTDP(
        partner_selection=sim.LastNeuronSelection(),
        formation=sim.DistanceDependentFormation([1, 1], 0.0),
        elimination=sim.RandomByWeightElimination(4.0, 1.0, 1.0),
        timing_dependence=sim.SpikePairRule(20.0, 20.0, 0.01, 0.01),
        weight_dependence=sim.AdditiveWeightDependence(0.0, 5.0),
        f_rew=1000, initial_weight=2.0, initial_delay=5.0, s_max=1, seed=0,
        weight=0.0, delay=1.0)
    p1 = sim.Projection(stim, pops[0], sim.FromListConnector([]), static)
    p2 = sim.Projection(stim, pops[1], sim.FromListConnector([]), static)
    p3 = sim.Projection(stim, pops[2], sim.FromListConnector([(0, 0)]), stdp)
    p4 = sim.Projection(stim, pops[3], sim.FromListConnector([(0, 0)]), stdp)
    sim.Projection(pops[2], pops[3], sim.AllToAllConnector(), sim.StaticSynapse(weight=1, delay=3))
    sim.run(10)
    assert connections(p1) == [(0, 0, 5.0, 2.0)]
    assert connections(p2) == [(0, 0, 5.0, 2.0)]
    assert connections(p3) == [] and connections(p4) == []


def pair_additive_weight(pre, post, w, delay, w_max, a_plus, a_minus, tau_plus, tau_minus):
    """The closed form of p8_integration_tests/base_test_case.py
    (calculate_spike_pair_additive_stdp_weight with calculate_stdp_times):
    all-to-all pairs of the post spikes before the last pre spike (delayed)."""
    post = np.asarray(post, dtype=float)
    considered = post[post < pre[-1] - delay]
    if considered.size == 0:
        return w
    pot = np.subtract.outer(considered + delay, pre[:-1]).ravel()
    dep = np.subtract.outer(considered + delay, pre).ravel()
    return (w + np.sum(w_max * a_plus * np.exp(-pot[pot > 0] / tau_plus))
            - np.sum(w_max * a_minus * np.exp(dep[dep < 0] / tau_minus)))


# quick_test/test_struct_pl/test_structural_with_stdp.py
def test_formed_stdp_synapses_learn_from_the_formation_on():
    sim.setup(1.0, spynnaker_version=6)
    pre_spikes = np.arange(0, 10, 2)
    stim = sim.Population(1, sim.SpikeSourceArray(pre_spikes), label="stim")
    pop = sim.Population(1, sim.IF_curr_exp(), label="pop")
    pop_2 = sim.Population(1, sim.IF_curr_exp(), label="pop_2")
    pop.record("spikes")
    pop_2.record("spikes")

    def mechanism(partner, w, d, threshold):
        return sim.StructuralMechanismSTDP(
            partner_selection=partner, formation=sim.DistanceDependentFormation([1, 1], 1.0),
            elimination=sim.RandomByWeightElimination(threshold, 0, 0),
            timing_dependence=sim.SpikePairRule(20.0, 20.0, 0.01, 0.01),
            weight_dependence=sim.AdditiveWeightDependence(0.0, 5.0),
            f_rew=1000, initial_weight=w, initial_delay=d, s_max=1, seed=0,
            weight=0.0, delay=1.0)
    proj = sim.Projection(stim, pop, sim.FromListConnector([]),
                          mechanism(sim.LastNeuronSelection(), 5.0, 2.0, 2.0))
    proj_2 = sim.Projection(stim, pop_2, sim.FromListConnector([]),
                            mechanism(sim.RandomSelection(), 4.0, 1.0, 4.0))
    sim.run(10)
    w1 = connections(proj)
    w2 = connections(proj_2)
    post_1 = pop.get_data("spikes").segments[0].spiketrains[0].magnitude
    post_2 = pop_2.get_data("spikes").segments[0].spiketrains[0].magnitude
    assert len(post_1) and len(post_2)
    # LastNeuronSelection forms in tick 1 (from the spike of tick 0), so the spike
    # at 0 takes no part; RandomSelection forms in tick 0, before that spike
    expect_1 = pair_additive_weight(pre_spikes[pre_spikes > 0], post_1, 5.0, 2.0, 5.0,
                                    0.01, 0.01, 20.0, 20.0)
    expect_2 = pair_additive_weight(pre_spikes, post_2, 4.0, 1.0, 5.0, 0.01, 0.01, 20.0, 20.0)
    assert len(w1) == 1 and w1[0][3] == 2.0 and abs(w1[0][2] - expect_1) <= 0.01
    assert len(w2) == 1 and w2[0][3] == 1.0 and abs(w2[0][2] - expect_2) <= 0.01


# --- the rules (sPyNNaker's sources) ------------------------------------------------
def test_distance_table_as_spynnaker_quantises_it():
    # distance_dependent_formation.py: p * exp(-d2 / (2 sigma^2)) * 65535 as uint16,
    # for the squared distances up to the largest on the (periodic) grid (2, which
    # sPyNNaker finds as sqrt(2) ** 2 > 2, so up to 3), zeros cut
    rule = DistanceDependentFormation([2, 2], 1.0)
    assert rule.forward_table.tolist() == [65535, 60496, 55845, 51551]
    assert DistanceDependentFormation([3, 3], 0.0).forward_table.size == 0
    assert rule.squared_distance(0, 3) == 2 and rule.squared_distance(1, 1) == 0


@pytest.mark.parametrize("grid, p, sigma", [
    ((2, 2), 1.0, 2.5), ((3, 3), 0.5, 2.5), ((16, 16), 0.16, 2.5), ((1, 4), 1.0, 1.0),
    ((5, 3), 0.3, 1.5)])
def test_distance_table_matches_installed_spynnaker(grid, p, sigma):
    upstream = pytest.importorskip(
        "spynnaker.pyNN.models.neuron.structural_plasticity.synaptogenesis.formation")
    theirs = upstream.DistanceDependentFormation(grid, p, sigma, 1.0, 1.0)
    table = theirs._DistanceDependentFormation__ff_distance_probabilities
    ours = DistanceDependentFormation(grid, p, sigma).forward_table
    # sPyNNaker pads an odd-length table with one zero (a probability of 0)
    assert table[:ours.size].tolist() == ours.tolist()
    assert not np.any(table[ours.size:])


class _Post:
    size = 1
    label = "post"


@pytest.mark.parametrize("f_rew, fast, per_step, every", [
    (10 ** 4, True, 10, 1),     # sPyNNaker's default: 10 attempts per 1 ms tick
    (1000, False, 1, 1),
    (100, False, 1, 10)])
def test_rewiring_rate_from_f_rew(f_rew, fast, per_step, every):
    # synapse_dynamics_structural_common.py, __write_common_rewiring_data
    mech = static_mechanism(sim.RandomSelection(), 0, 0, 0, 0, 0, 1, f_rew=f_rew)
    rewiring = Rewiring(_Post(), mech, 1.0, np.random.default_rng(0))
    assert (rewiring.fast, rewiring.per_step, rewiring.every) == (fast, per_step, every)


def test_attempts_per_run_in_the_provenance():
    sim.setup(1.0)
    stim = sim.Population(2, sim.SpikeSourceArray([]), label="stim")
    pop = sim.Population(2, sim.IF_curr_exp(), label="pop")
    sim.Projection(stim, pop, sim.FromListConnector([]), static_mechanism(
        sim.LastNeuronSelection(), 1.0, 1.0, 0, 0, 1.0, 1.0, f_rew=100))
    sim.run(50)
    path = os.path.join(sim.report_directory(), PROVENANCE_FOLDER, PROVENANCE_FILE)
    with sqlite3.connect(path) as db:
        values = dict(db.execute("SELECT description_name, the_value FROM provenance_view"))
    # one attempt every 10 ticks; no spike ever arrived, so LastNeuronSelection
    # has no partner and nothing forms
    assert values == {"Number_of_rewire_attempts": 5, "Number_of_rewires": 0}


def test_reset_restores_the_initial_connections():
    sim.setup(1.0)
    stim = sim.Population(1, sim.SpikeSourceArray([0]), label="stim")
    pop = sim.Population(1, sim.IF_curr_exp(), label="pop")
    proj = sim.Projection(stim, pop, sim.FromListConnector([(0, 0)]), static_mechanism(
        sim.RandomSelection(), 0.0, 4.0, 1.0, 1.0, 4.0, 3.0))
    sim.run(5)
    assert connections(proj) == []
    sim.reset()
    assert connections(proj) == [(0, 0, 0.0, 1.0)]
    sim.run(5)
    assert connections(proj) == []


def test_too_many_initial_connections_per_cell():
    sim.setup(1.0)
    stim = sim.Population(3, sim.SpikeSourceArray([]), label="stim")
    pop = sim.Population(1, sim.IF_curr_exp(), label="pop")
    sim.Projection(stim, pop, sim.AllToAllConnector(), static_mechanism(
        sim.RandomSelection(), 0.0, 4.0, 1.0, 1.0, 4.0, 3.0, s_max=2))
    with pytest.raises(errors.ConnectionError, match="s_max=2"):
        sim.run(1)


def test_bad_structural_arguments():
    sim.setup(1.0)
    with pytest.raises(errors.InvalidParameterValueError, match="f_rew"):
        static_mechanism(sim.RandomSelection(), 0, 0, 0, 0, 0, 1, f_rew=0)
    with pytest.raises(errors.InvalidParameterValueError, match="prob_elim_depressed"):
        sim.RandomByWeightElimination(1.0, 1.5)
    with pytest.raises(errors.InvalidModelError, match="partner_selection"):
        sim.StructuralMechanismStatic(partner_selection=object(),
                                      formation=sim.DistanceDependentFormation(),
                                      elimination=sim.RandomByWeightElimination(1.0))
