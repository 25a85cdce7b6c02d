"""pycarl_backend.spinnaker: sPyNNaker's API and arithmetic, from sPyNNaker8's
integration tests (p8_integration_tests, commit 1935a29c). Each test names
the upstream test whose network and expected values it uses; the values are
facts of those tests (closed forms, exact membrane values, recorded spikes).
"""
import logging

import numpy as np
import pytest
from pyNN import errors

import pycarl_backend.spinnaker as sim
from pycarl_backend.spinnaker.exceptions import (
    ConfigurationException, SynapticConfigurationException)


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def spikes_of(pop, i=0):
    return pop.get_data("spikes").segments[0].spiketrains[i].magnitude.tolist()


# --- exact membrane values (quick_test/test_change_neuron_parameters_between_runs/
# test_set_and_reset.py, check_from_65 / check_from_60; also scripts/patternSpiker.py
# V_PATTERN) ------------------------------------------------------------------------
FROM_65 = [-65.0, -64.024658203125, -63.09686279296875, -62.214324951171875,
           -61.37481689453125]
FROM_60 = [-60.0, -59.26849365234375, -58.5726318359375, -57.91070556640625,
           -57.28106689453125]


@pytest.mark.parametrize("v_init, expected", [(-65.0, FROM_65), (-60.0, FROM_60)])
def test_exact_membrane_values_as_the_machine(v_init, expected):
    sim.setup(1.0, spynnaker_version=6)
    pop = sim.Population(1, sim.IF_curr_exp, {}, label="pop")
    pop.set(i_offset=1.0)
    pop.set(tau_syn_E=1)
    pop.initialize(v=v_init)
    pop.record(["v"])
    sim.run(5)
    v = pop.spinnaker_get_data("v")
    assert v[:, 2].tolist() == expected           # exact, not within a tolerance
    assert v[:, 1].tolist() == [0, 1, 2, 3, 4]    # runtime samples, tick k at k ms
    sim.reset()
    sim.run(5)
    assert pop.spinnaker_get_data("v")[:, 2].tolist() == expected


def test_float_mode_is_not_exact():
    sim.setup(1.0, spynnaker_version=6, fixed_point=False)
    pop = sim.Population(1, sim.IF_curr_exp(i_offset=1.0))
    pop.record("v")
    sim.run(5)
    v = pop.spinnaker_get_data("v")[:, 2]
    assert v[0] == -65.0 and v[1] != FROM_65[1] and v[1] == pytest.approx(FROM_65[1], abs=1e-3)


# --- API: seeds, positional arguments, initial values, name ----------------------------
def test_population_seed_repeats_poisson_spikes_and_none_is_accepted():
    """scripts/synfire_run.py passes seed=None or additional_parameters={"seed": s}."""
    sim.setup(1.0)
    a = sim.Population(1, sim.SpikeSourcePoisson(rate=100.0), seed=7)
    b = sim.Population(1, sim.SpikeSourcePoisson(100.0), additional_parameters={"seed": 7})
    c = sim.Population(1, sim.SpikeSourcePoisson(rate=100.0), seed=None)
    for pop in (a, b, c):
        pop.record("spikes")
    sim.run(200)
    first = spikes_of(a)
    assert first == spikes_of(b) and len(first) > 5
    sim.reset()
    sim.run(200)
    again = a.get_data("spikes").segments[1].spiketrains[0].magnitude.tolist()
    assert again == first          # a seeded source restarts its stream on reset


def test_positional_arguments_and_initial_values_in_parameters():
    """test_STDP_pair_multiplicative.py: SpikeSourceArray(pre_spikes);
    test_poisson_spike_source.py: SpikeSourcePoisson(rate);
    test_set_toffset_izk.py: 'v' among the cell parameters."""
    sim.setup(1.0)
    src = sim.Population(1, sim.SpikeSourceArray([4, 1, 3]))       # unsorted: sorted
    cells = sim.Population(2, sim.IF_curr_exp, {"v": -60.0, "tau_m": 10.0})
    typed = sim.Population(1, sim.IF_curr_exp(10.0, 0.5, v=-55.0))  # tau_m, cm
    assert cells.get("tau_m") == [10.0, 10.0] and typed.get("cm") == [0.5]  # every cell's
    assert list(cells.initial_values["v"]) == [-60.0, -60.0]
    assert list(typed.initial_values["v"]) == [-55.0]
    src.record("spikes")
    sim.run(6)
    assert spikes_of(src) == [1.0, 3.0, 4.0]
    with pytest.raises(TypeError, match="positional"):
        sim.SpikeSourceArray([1], [2])
    assert "sPyNNaker" in sim.name()


def test_initialize_after_a_run_waits_for_reset_and_set_state_acts_now():
    """test_reset_initialize.py (initial values at each reset, none mid-run) and
    test_set_initial_value.py (set_initial_value between runs changes v now)."""
    sim.setup(1.0)
    pop = sim.Population(1, sim.IF_curr_exp, {}, label="pop")
    pop.set(i_offset=1.0)
    pop.record(["v"])
    pop.initialize(v=-64.0)
    sim.run(10)
    pop.initialize(v=-61.0)                 # after a run: for the next reset
    sim.run(10)
    v = pop.get_data("v").segments[0].filter(name="v")[0]
    assert float(v[0, 0]) == -64.0 and float(v[10, 0]) != -61.0 and len(v) == 20
    sim.reset()
    sim.run(1)
    assert float(pop.get_data("v").segments[1].filter(name="v")[0][0, 0]) == -61.0
    pop.set_initial_value(variable="v", value=-65.0)  # sPyNNaker 5: the running state
    assert pop.current_values["v"].tolist() == [-65.0]
    pop.set_state(v=-66.0)
    assert pop.current_values["v"].tolist() == [-66.0]
    assert list(pop.initial_values["v"]) == [-61.0]


# --- recording ----------------------------------------------------------------------
def test_per_variable_sampling_and_gsyn_of_a_current_based_cell():
    """test_synfire_20n_20pc_delays_delay_extensions_all_recording.py, do_sampling_rate:
    v every 2 ms, gsyn_exc every 3 ms; gsyn_exc of IF_curr_exp is the synaptic
    input after the tick's arrivals (recorded 2.0 * init at the tick it arrives)."""
    sim.setup(1.0, spynnaker_version=6)
    src = sim.Population(1, sim.SpikeSourceArray([0]))
    pop = sim.Population(3, sim.IF_curr_exp(cm=0.25, tau_refrac=2.0, v_reset=-70.0))
    sim.Projection(src, pop, sim.AllToAllConnector(), sim.StaticSynapse(weight=2.0, delay=3))
    pop.record("v", sampling_interval=2)
    pop.record("gsyn_exc", sampling_interval=3)
    sim.run(12)
    v, g = pop.spinnaker_get_data("v"), pop.spinnaker_get_data("gsyn_exc")
    assert len(v) == 3 * 6 and np.all(v[:, 1] % 2 == 0)
    assert len(g) == 3 * 4 and np.all(g[:, 1] % 3 == 0)
    signal = pop.get_data("gsyn_exc").segments[0].filter(name="gsyn_exc")[0]
    assert list(signal.annotations["channel_names"]) == [0, 1, 2]
    assert list(signal.channel_index.index) == [0, 1, 2]
    # tick 3: 2.0 x init(5 ms) = 59398 / 2**15 (sPyNNaker8's synfire gsyn recording)
    assert g[1, 2] == 59398 / 2 ** 15
    with pytest.raises(ConfigurationException):
        pop.get_data("spikes")


def test_spike_sampling_bins_spikes_at_the_end_of_each_interval():
    """test_sampling.py / scripts/patternSpiker.py: spikes recorded every 5 ms are
    stamped ceil(t/5)*5; the first spike of the cell starting at -65 mV with
    i_offset 1 nA and no refractory period is at t = 27 (V_PATTERN has 28 entries)."""
    sim.setup(1.0, spynnaker_version=6)
    pop = sim.Population(2, sim.IF_curr_exp(i_offset=1, tau_refrac=0))
    sim.PopulationView(pop, [1]).record("spikes", sampling_interval=5)
    sim.run(100)
    trains = pop.get_data("spikes").segments[0].spiketrains
    assert len(trains) == 2 and trains[0].size == 0     # train i is cell i
    assert trains[1].magnitude.tolist() == [30.0, 55.0, 85.0]   # from 27, 55, 83


# --- synapses and plasticity -----------------------------------------------------
def stdp_network(rule, dependence, delay=3):
    sim.setup(1, spynnaker_version=6)
    pre = sim.Population(1, sim.SpikeSourceArray, {'spike_times': [1010, 1050]})
    extra = sim.Population(1, sim.SpikeSourceArray, {'spike_times': [1030]})
    post = sim.Population(1, sim.IF_curr_exp())
    for source in (pre, extra):
        sim.Projection(source, post, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=5.0, delay=1))
    plastic = sim.Projection(pre, post, sim.OneToOneConnector(), synapse_type=sim.STDPMechanism(
        timing_dependence=rule(tau_plus=20, tau_minus=20, A_plus=0.01, A_minus=0.01),
        weight_dependence=dependence(w_min=0, w_max=5), weight=2.5, delay=delay))
    post.record("spikes")
    sim.run(1100)
    return plastic.get('weight', 'list', with_address=False)[0], spikes_of(post)


def test_nearest_pair_pairs_only_nearest_spikes():
    """test_STDP_nearest_pair_additive.py: post spikes 1014, 1032, 1053 (seen 3 ms
    late); pre 1050 is potentiated by 1017 only and depressed by 1035."""
    weight, post = stdp_network(sim.extra_models.SpikeNearestPairRule,
                                sim.AdditiveWeightDependence)
    assert post == [1014, 1032, 1053]
    exact = 2.5 + 5 * 0.01 * np.exp(-7 / 20) - 5 * 0.01 * np.exp(-15 / 20)
    assert weight == pytest.approx(exact, abs=1e-3)
    all_pairs, _ = stdp_network(sim.SpikePairRule, sim.AdditiveWeightDependence)
    assert abs(all_pairs - weight) > 1e-3


def test_multiplicative_weight_dependence():
    """test_STDP_pair_multiplicative.py: closed form of
    calculate_spike_pair_multiplicative_stdp_weight (A in weight units)."""
    weight, post = stdp_network(sim.SpikePairRule, sim.MultiplicativeWeightDependence)
    pot = np.array([-7.0, -25.0])      # post + delay - pre, post before the last pre
    dep = np.array([-33.0, -15.0])      # post + delay - pre < 0
    exact = (2.5 + (5 - 2.5) * 0.01 * np.exp(pot / 20).sum()
             - (2.5 - 0) * 0.01 * np.exp(dep / 20).sum())
    assert post == [1014, 1032, 1053]
    assert weight == pytest.approx(exact, rel=1e-3)


def test_one_plasticity_rule_per_population():
    """test_multiple_stdp_mechs_on_same_neuron.py: equal rules are fine, a
    different weight dependence raises SynapticConfigurationException."""
    sim.setup(1.0)
    sources = [sim.Population(1, sim.SpikeSourceArray([1])) for _ in range(3)]
    post = sim.Population(1, sim.IF_curr_exp())

    def stdp(dependence):
        return sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(tau_plus=16.7, tau_minus=33.7,
                                                A_plus=0.005, A_minus=0.005),
            weight_dependence=dependence(w_min=0.0, w_max=1.0))
    sim.Projection(sources[0], post, sim.OneToOneConnector(), stdp(sim.AdditiveWeightDependence))
    sim.Projection(sources[1], post, sim.OneToOneConnector(), stdp(sim.AdditiveWeightDependence))
    with pytest.raises(SynapticConfigurationException):
        sim.Projection(sources[2], post, sim.OneToOneConnector(),
                       stdp(sim.MultiplicativeWeightDependence))


def test_delays_extensions_clipping_and_list_format(caplog):
    """test_synfire_20n_20pc_delays_delay_extensions_all_recording.py (delays beyond
    a core's 16 ticks), test_params_using_random_dists.py (delays below a tick),
    test_connectors.py onetoone_population_views (list rows in population indices)."""
    sim.setup(1.0)
    src = sim.Population(4, sim.SpikeSourceArray([0]))
    pop = sim.Population(4, sim.IF_curr_exp())
    pop.add_placement_constraint(x=0, y=0)
    assert pop.placement_constraints == [{"x": 0, "y": 0, "p": None}]
    long = sim.Projection(src[0:1], pop[0:1], sim.OneToOneConnector(),
                          sim.StaticSynapse(weight=5.0, delay=120.0))
    with caplog.at_level(logging.WARNING, logger="pycarl.spinnaker"):
        sim.Projection(src[1:2], pop[1:2], sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=5.0, delay=0.2))
    assert "clipped" in caplog.text
    views = sim.Projection(src[1:3], pop[2:4], sim.OneToOneConnector(),
                           sim.StaticSynapse(weight=0.5, delay=2))
    assert views.get(["weight", "delay"], "list").tolist() == [(1, 2, 0.5, 2.0),
                                                               (2, 3, 0.5, 2.0)]
    with pytest.raises(errors.ConnectionError, match="at most 144"):
        sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(delay=150.0))
    sim.set_allow_delay_extensions(False)
    with pytest.raises(errors.ConnectionError, match="delay extensions are off"):
        sim.Projection(src, pop, sim.OneToOneConnector(), sim.StaticSynapse(delay=20.0))
    sim.set_allow_delay_extensions(True)
    pop.record("spikes")
    sim.run(130)
    far, near = spikes_of(pop, 0), spikes_of(pop, 1)   # delays 120 ms and 1 ms (clipped)
    assert len(far) == len(near) == 1 and far[0] - near[0] == 119.0
    assert long.get("delay", "list", with_address=False).tolist() == [120.0]


def test_izhikevich_spike_times():
    """test_set_toffset_izk.py: expected spike times 2011, 2148, 2288, 2427, 2565, ...
    of 32 cells with i_offset 0, 2 and 4 nA for 1 s each; the first four are exact here
    (the later ones drift by up to 3 ms: pycarl's midpoint step is not bit-identical)."""
    sim.setup(timestep=1.0, min_delay=1.0, max_delay=144.0, spynnaker_version=6)
    pop = sim.Population(2, sim.Izhikevich, {'a': 0.02, 'b': 0.2, 'c': -65, 'd': 8, 'v': -75,
                                             'u': 0, 'tau_syn_E': 2, 'tau_syn_I': 2,
                                             'i_offset': 0})
    pop.record("spikes")
    for i_offset in (0, 2, 4):
        pop.set(i_offset=i_offset)
        sim.run(1000)
    times = spikes_of(pop)
    assert times[:4] == [2011.0, 2148.0, 2288.0, 2427.0]
    expected_rest = [2565.0, 2703.0, 2844.0, 2982.0]
    assert len(times) == 8 and np.abs(np.array(times[4:]) - expected_rest).max() <= 3


def test_unknown_additional_parameters_are_ignored_with_a_warning(caplog):
    """test_additional_params_not_needed.py: sPyNNaker's warning text."""
    sim.setup(timestep=1.0)
    with caplog.at_level(logging.WARNING, logger="pycarl.spinnaker"):
        pop = sim.Population(2, sim.IF_curr_exp(), additional_parameters={
            "bacon": "bacon", "spikes_per_second": 30})
    assert "additional_parameter bacon will be ignored" in caplog.text
    assert pop.machine_parameters == {"spikes_per_second": 30}


def test_parameters_drawn_out_of_pycarl_range_are_taken_as_spinnaker_does():
    """test_params_using_random_dists.py / test_synaptic_expander.py: normal draws
    give negative tau_refrac (no refractory period), tau_syn = 0 (no input) and
    negative delays (clipped to one tick) on every connector path."""
    sim.setup(1.0)
    src = sim.Population(3, sim.SpikeSourceArray([0]))
    pop = sim.Population(3, sim.IF_curr_exp(tau_refrac=[-0.35, 0.0, 2.0],
                                            tau_syn_I=[0.0, 1.0, 1.0], i_offset=5.0))
    delays = sim.RandomDistribution("normal", (0.0, 3.0), rng=sim.NumpyRNG(seed=3))
    slow = sim.Projection(src, pop, sim.FixedProbabilityConnector(1.0),
                          sim.StaticSynapse(weight=1.0, delay=delays))
    fast = sim.Projection(src, pop, sim.OneToOneConnector(),
                          sim.StaticSynapse(weight=1.0, delay=-2.0))
    for prj in (slow, fast):
        assert min(prj.get("delay", "list", with_address=False)) == 1.0
    pop.record("spikes")
    sim.run(30)
    no_period, zero, two_ticks = (len(spikes_of(pop, i)) for i in range(3))
    assert no_period == zero > two_ticks > 0
