"""pycarl_backend.spinnaker: sPyNNaker's connectors, from sPyNNaker8's
integration tests (p8_integration_tests, commit 1935a29c, quick_test/
test_connectors, test_array_connector). Each test names the upstream test
whose network and expected values it uses; the connection lists with fixed
seeds are what the machine's synapse expander drew (sPyNNaker 6).
"""
import numpy as np
import pytest
from pyNN.random import NumpyRNG

import pycarl_backend.spinnaker as sim
from pycarl_backend.spinnaker import expander
from pycarl_backend.spinnaker.exceptions import ConnectorException, SpynnakerException


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def view_projections(connectors, pre, post, version=6):
    """test_connectors.py *_population_views: 4 sources spiking at 0, 4 LIF cells,
    projections between views, weight 0.5, delay 2, get after run(1)."""
    sim.setup(timestep=1.0, spynnaker_version=version)
    in_pop = sim.Population(4, sim.SpikeSourceArray([0]), label="in_pop")
    pop = sim.Population(4, sim.IF_curr_exp(), label="pop")
    projections = [sim.Projection(in_pop[pre], pop[post], c,
                                  sim.StaticSynapse(weight=0.5, delay=2)) for c in connectors]
    sim.run(1)
    return [p.get(["weight", "delay"], "list").tolist() for p in projections]


# quick_test/test_connectors/test_connectors.py::ConnectorsTest::test_fixedprob_population_views
def test_fixed_probability_on_views_draws_as_the_machine():
    got, = view_projections([sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(seed=1))],
                            slice(1, 3), slice(2, 4))
    assert got == [(1, 3, 0.5, 2.), (2, 2, 0.5, 2.)]


# ... ::test_fixedpre_population_views
def test_fixed_number_pre_on_views_draws_as_the_machine():
    got, = view_projections([sim.FixedNumberPreConnector(2, rng=NumpyRNG(seed=2))],
                            slice(0, 3), slice(1, 4))
    assert got == [(0, 1, 0.5, 2.0), (1, 2, 0.5, 2.0), (1, 3, 0.5, 2.0),
                   (2, 1, 0.5, 2.0), (2, 2, 0.5, 2.0), (2, 3, 0.5, 2.0)]


# ... ::test_fixedpost_population_views
def test_fixed_number_post_on_views_draws_as_the_machine():
    got, = view_projections([sim.FixedNumberPostConnector(2, rng=NumpyRNG(seed=1))],
                            slice(0, 3), slice(1, 4))
    assert got == [(0, 2, 0.5, 2.0), (0, 3, 0.5, 2.0), (1, 1, 0.5, 2.0),
                   (1, 3, 0.5, 2.0), (2, 1, 0.5, 2.0), (2, 2, 0.5, 2.0)]


# ... ::test_fixedtotal_population_views (two projections sharing one rng)
def test_fixed_total_on_views_draws_as_the_machine():
    rng = NumpyRNG(seed=1)
    got, got2 = view_projections(
        [sim.FixedTotalNumberConnector(5, with_replacement=False, rng=rng),
         sim.FixedTotalNumberConnector(5, with_replacement=True, rng=rng)],
        slice(0, 3), slice(1, 4))
    assert got == [(0, 1, 0.5, 2.0), (0, 2, 0.5, 2.0), (1, 3, 0.5, 2.0),
                   (2, 2, 0.5, 2.0), (2, 3, 0.5, 2.0)]
    assert got2 == [(0, 3, 0.5, 2.0), (1, 1, 0.5, 2.0), (1, 2, 0.5, 2.0),
                    (2, 1, 0.5, 2.0), (2, 3, 0.5, 2.0)]


def test_release_7_keeps_pynn_draws():
    got, = view_projections([sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(seed=1))],
                            slice(1, 3), slice(2, 4), version=7)
    assert all(1 <= s <= 2 and 2 <= t <= 3 for s, t, _, _ in got)


def connect(connector, n_pre, n_post, same=False):
    sim.setup(1.0, spynnaker_version=6)
    pre = sim.Population(n_pre, sim.IF_curr_exp(), label="pre")
    post = pre if same else sim.Population(n_post, sim.IF_curr_exp(), label="post")
    projection = sim.Projection(pre, post, connector, sim.StaticSynapse(weight=5, delay=1))
    return projection.get(["weight"], "list")


# test_fixed_number_pre_connector.py::test_all_no_replace_no_self and
# ::test_no_replace_other_too_many, test_fixed_number_post_connector.py (the same two),
# test_connectors.py::test_total_connector_too_many
@pytest.mark.parametrize("make, n_pre, n_post, same", [
    (lambda: sim.FixedNumberPreConnector(10, with_replacement=False,
                                         allow_self_connections=False), 10, 10, True),
    (lambda: sim.FixedNumberPreConnector(8, with_replacement=False), 5, 10, False),
    (lambda: sim.FixedNumberPostConnector(10, with_replacement=False,
                                          allow_self_connections=False), 10, 10, True),
    (lambda: sim.FixedNumberPostConnector(13, with_replacement=False), 5, 10, False),
    (lambda: sim.FixedTotalNumberConnector(60, with_replacement=False), 5, 10, False),
])
def test_more_distinct_partners_than_exist_raise(make, n_pre, n_post, same):
    with pytest.raises(SpynnakerException, match="will not work"):
        connect(make(), n_pre, n_post, same)
    assert issubclass(ConnectorException, SpynnakerException)


# test_fixed_number_{pre,post}_connector.py::check_weights: no repeated partner without
# replacement, no self connection when refused
@pytest.mark.parametrize("cls", [sim.FixedNumberPreConnector, sim.FixedNumberPostConnector])
def test_fixed_number_without_replacement_repeats_no_partner(cls):
    rows = connect(cls(9, with_replacement=False, allow_self_connections=False), 10, 10, True)
    pairs = [(int(s), int(t)) for s, t, _ in rows]
    assert len(pairs) == 90 and len(set(pairs)) == 90
    assert all(s != t for s, t in pairs)


# test_connectors.py::test_total_connector_no_replacement: 20 distinct pairs of 5 x 10
@pytest.mark.parametrize("version", [6, 7])
def test_fixed_total_without_replacement_repeats_no_pair(version):
    sim.setup(1.0, spynnaker_version=version)
    pre = sim.Population(5, sim.SpikeSourceArray([[0], [20], [40], [60], [80]]))
    post = sim.Population(10, sim.IF_curr_exp(tau_syn_E=1, tau_refrac=0, tau_m=1))
    projection = sim.Projection(pre, post, sim.FixedTotalNumberConnector(
        20, with_replacement=False), sim.StaticSynapse(weight=5, delay=1))
    pairs = [(int(s), int(t)) for s, t, _ in projection.get(["weight"], "list")]
    assert len(pairs) == 20 and len(set(pairs)) == 20


# test_fixed_number_post_connector.py::test_check_connection_estimates: n = 25 / 2
def test_fixed_number_post_takes_a_float_n_as_the_machine_does():
    rows = connect(sim.FixedNumberPostConnector(25 / 2), 25, 25)
    assert len(rows) == 25 * 12


def test_cores_draw_their_own_seeds_and_keep_the_degrees():
    # two post cores of 5: FixedNumberPre still gives every target n sources, and
    # FixedProbability's draws differ from one core to the next (one seed per edge)
    sim.setup(1.0, spynnaker_version=6)
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 5)
    pre = sim.Population(10, sim.SpikeSourceArray([0]))
    post = sim.Population(10, sim.IF_curr_exp())
    fixed_pre = sim.Projection(pre, post, sim.FixedNumberPreConnector(3, rng=NumpyRNG(seed=3)))
    targets = [int(t) for _, t, _ in fixed_pre.get(["weight"], "list")]
    assert np.bincount(targets, minlength=10).tolist() == [3] * 10
    prob = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(seed=4)))
    pairs = {(int(s), int(t)) for s, t, _ in prob.get(["weight"], "list")}
    rng = NumpyRNG(seed=4)
    expected = set()
    for post_core in [(0, 4), (5, 9)]:
        s, t = expander.fixed_probability(expander.MarsKiss64(expander.kiss_seed(rng)),
                                          (0, 9), post_core, (0, 9, 0, 9), 0.5, True)
        expected |= set(zip(s, t))
    assert pairs == expected
    assert {(s, t - 5) for s, t in pairs if t >= 5} != {(s, t) for s, t in pairs if t < 5}


def test_mars_kiss64_is_spinn_common_arithmetic():
    # spinn_common random.c mars_kiss64_seed, first draw from (1, 2, 3, 4) by hand:
    # x = 314527869 + 1234567; y = 2 ^ 2<<5 = 66, ^ 66>>7 = 66, ^ 66<<22; z = 4294584393*3 + 4
    rng = expander.MarsKiss64([1, 2, 3, 4])
    x = 314527869 * 1 + 1234567
    y = 2 ^ (2 << 5)
    y ^= y >> 7
    y ^= (y << 22) & 0xFFFFFFFF
    z = (4294584393 * 3 + 4) & 0xFFFFFFFF
    assert rng.next() == (x + y + z) & 0xFFFFFFFF
    assert rng.c == (4294584393 * 3 + 4) >> 32


# quick_test/test_connectors/test_kernel_connector.py (all four runs)
@pytest.mark.parametrize("psh, psw, ksh, ksw, n, row1, row5", [
    (4, 4, 3, 3, 25, (1, 0, 5.0, 20.0), (1, 1, 7.0, 10.0)),
    (4, 4, 2, 2, 9, (0, 1, 5.0, 20.0), (0, 3, 7.0, 10.0)),
    (4, 4, 1, 3, 10, (1, 0, 7.0, 10.0), (4, 2, 5.0, 20.0)),
    (32, 16, 3, 3, 1081, (1, 0, 5.0, 20.0), (1, 1, 7.0, 10.0)),
])
def test_kernel_connector(psh, psw, ksh, ksw, n, row1, row5):
    sim.setup(timestep=1.0, spynnaker_version=6)
    n_pop = psw * psh
    spiking = [[k * 5, (n_pop * 5) - 1 - (k * 5)] for k in range(n_pop)]
    input_pop = sim.Population(n_pop, sim.SpikeSourceArray(spiking), label="input")
    pop = sim.Population(n_pop // 4, sim.IF_curr_exp(), label="pop")
    weight_kernel = np.asarray([[7.0 if (a + b) % 2 == 0 else 5.0 for a in range(ksw)]
                                for b in range(ksh)])
    delay_kernel = np.asarray([[20.0 if (a + b) % 2 == 1 else 10.0 for a in range(ksw)]
                               for b in range(ksh)])
    connector = sim.KernelConnector(
        [psh, psw], [psh // 2, psw // 2], [ksh, ksw], weight_kernel=weight_kernel,
        delay_kernel=delay_kernel, pre_sample_steps_in_post=(1, 1),
        post_sample_steps_in_pre=(1, 1), pre_start_coords_in_post=(0, 0),
        post_start_coords_in_pre=(0, 0))
    projection = sim.Projection(input_pop, pop, connector,
                                sim.StaticSynapse(weight=5.0, delay=17.0))
    sim.run(10)
    rows = sorted(projection.get(["weight", "delay"], "list"), key=lambda x: x[1])
    assert len(rows) == n
    assert tuple(rows[1]) == row1 and tuple(rows[5]) == row5


def test_kernel_connector_refuses_a_kernel_of_another_shape():
    with pytest.raises(ConnectorException, match="shape_kernel"):
        sim.KernelConnector([4, 4], [2, 2], [3, 3], weight_kernel=np.ones((2, 3)))


# quick_test/test_array_connector/test_array_connector.py: a 0/1 float matrix
def test_array_connector_takes_a_float_matrix():
    sim.setup(1.0, spynnaker_version=6)
    inj = sim.Population(1, sim.SpikeSourceArray([[0]]))
    pop = sim.Population(20, sim.IF_curr_exp())
    matrix = np.zeros((1, 20))
    matrix[0, 0] = True
    projection = sim.Projection(inj, pop, sim.ArrayConnector(matrix),
                                sim.StaticSynapse(weight=2.0, delay=1))
    assert projection.get(["weight"], "list").tolist() == [(0, 0, 2.0)]


# quick_test/test_grid_based_connectors/test_small_world_connector.py
def test_small_world_connector():
    sim.setup(timestep=1.0, spynnaker_version=6)
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 100)
    cells = sim.IF_curr_exp(cm=0.25, i_offset=0.0, tau_m=20.0, tau_refrac=2.0, tau_syn_E=5.0,
                            tau_syn_I=5.0, v_reset=-70.0, v_rest=-65.0, v_thresh=-50.0)
    grid = sim.Population(25, cells, structure=sim.Grid2D(dx=1.0, dy=1.0, x0=0.0, y0=0.0))
    injector = sim.Population(1, sim.SpikeSourceArray(spike_times=[[0]]))
    sim.Projection(injector, grid, sim.FromListConnector([(0, 0)]),
                   sim.StaticSynapse(weight=2.0, delay=2))
    projection = sim.Projection(grid, grid, sim.SmallWorldConnector(2.0, 0.4, rng=NumpyRNG(seed=1)),
                                sim.StaticSynapse(weight=2.0, delay=5))
    grid.record("spikes")
    sim.run(1000)
    rows = projection.get("weight", "list")
    sources = [int(s) for s, _, _ in rows]
    assert [sources.count(i) for i in range(25)] == [
        4, 6, 6, 6, 4, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 4, 6, 6, 6, 4]
    neighbours = {i: set() for i in range(25)}
    for s, t, _ in rows:
        neighbours[int(s)].add(int(t))
        neighbours[int(t)].add(int(s))
    reach = {i: set(neighbours[i]) for i in range(25)}
    for _ in range(2):
        reach = {i: reach[i].union(*(neighbours[j] for j in reach[i])) for i in range(25)}
    assert all(len(reach[i]) == 25 for i in range(25))
    n_spikes = sum(len(st) for st in grid.get_data("spikes").segments[0].spiketrains)
    assert 7750 < n_spikes < 8250


# quick_test/test_various/test_params_set_as_list.py and test_params_using_random_dists.py:
# Population.get of one parameter is the list of every cell's value, equal values too
def test_population_get_gives_every_cells_value_as_a_list():
    sim.setup(timestep=1.0, min_delay=1.0, max_delay=32.0, spynnaker_version=6)
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 100)
    i_off = [0.0 + atom * 0.01 for atom in range(500)]
    tau_m = [10.0 + atom // 2 * 0.1 for atom in range(500)]
    pop = sim.Population(500, sim.IF_curr_exp, {"cm": 0.25, "i_offset": i_off, "tau_m": tau_m})
    pop.set(tau_syn_E=0.5)
    sim.run(1)
    assert pop.get("cm") == [0.25] * 500
    assert pop.get("i_offset") == i_off and pop.get("tau_m") == tau_m
    assert pop.get("tau_syn_E") == [0.5] * 500
    assert pop[0:3].get("cm") == [0.25] * 3


def test_compiled_kiss_draws_match_the_reference_loop():
    seed = [7, 11, 13, 17]
    compiled = expander.MarsKiss64(seed).block(1000).tolist()
    assert compiled == expander.MarsKiss64(seed).block(1000, compiled=False).tolist()
    one_by_one = expander.MarsKiss64(seed)
    assert compiled == [one_by_one.next() for _ in range(1000)]
    split = expander.MarsKiss64(seed)
    assert split.block(400).tolist() + split.block(600).tolist() == compiled


def test_from_list_random_weights_are_drawn_block_by_block():
    # sPyNNaker 6 from_list_connector.py / abstract_connector.py _generate_random_values:
    # one seed per (pre core, post core) block, post cores first
    sim.setup(1.0, spynnaker_version=6)
    sim.set_number_of_neurons_per_core(sim.IF_curr_exp, 5)
    pre = sim.Population(10, sim.IF_curr_exp(), label="a")
    post = sim.Population(10, sim.IF_curr_exp(), label="b")
    weight = sim.RandomDistribution("uniform", low=1.0, high=2.0, rng=NumpyRNG(seed=5))
    projection = sim.Projection(
        pre, post, sim.FromListConnector([(9, 0), (0, 9), (1, 1), (6, 7), (2, 8), (7, 2)]),
        sim.StaticSynapse(weight=weight, delay=1))
    got = {(int(s), int(t)): w for s, t, w in projection.get(["weight"], "list")}
    rng, expected = NumpyRNG(seed=5), {}
    for block in [[(1, 1)], [(9, 0), (7, 2)], [(0, 9), (2, 8)], [(6, 7)]]:
        seed = int(rng.next() * 0x7FFFFFFF)
        values = sim.RandomDistribution("uniform", low=1.0, high=2.0,
                                        rng=NumpyRNG(seed)).next(len(block))
        expected.update(zip(block, np.atleast_1d(values)))
    assert got.keys() == expected.keys()
    assert all(got[k] == pytest.approx(expected[k], abs=1e-12) for k in got)


# quick_test/test_spike_source/test_spike_source_array.py::test_recording_with_empty_lists
# (the upstream comparison of ragged lists fails under numpy >= 1.24; the fact, as lists)
def test_spike_source_array_records_empty_lists_over_two_cores():
    sim.setup(timestep=1.0, spynnaker_version=6)
    sim.set_number_of_neurons_per_core(sim.SpikeSourceArray, 2)
    spike_times = [[1], [], [], [], [4], [3]]
    source = sim.Population(6, sim.SpikeSourceArray(spike_times=spike_times), label="input1")
    source.record("spikes")
    sim.run(50)
    trains = source.get_data(variables=["spikes"]).segments[0].spiketrains
    assert [list(t.times.magnitude) for t in trains] == spike_times


def test_fixed_total_without_replacement_on_a_scattered_view_repeats_no_pair():
    # a non-contiguous view is not the machine's case; the pairs stay distinct
    sim.setup(1.0, spynnaker_version=6)
    pre = sim.Population(6, sim.SpikeSourceArray([0]))
    post = sim.Population(6, sim.IF_curr_exp())
    projection = sim.Projection(pre[[0, 2, 4]], post, sim.FixedTotalNumberConnector(
        18, with_replacement=False, rng=NumpyRNG(seed=9)), sim.StaticSynapse(weight=1.0))
    pairs = [(int(s), int(t)) for s, t, _ in projection.get(["weight"], "list")]
    assert sorted(pairs) == [(s, t) for s in (0, 2, 4) for t in range(6)]


@pytest.mark.parametrize("with_replacement, skip", [(False, None), (False, 3), (True, None),
                                                    (True, 3)])
def test_compiled_partner_choice_matches_the_reference_loop(with_replacement, skip):
    for n_conns, n_values in [(5, 20), (1, 2), (7, 7), (0, 4)]:
        if n_conns > n_values and not with_replacement:
            continue
        a, b = expander.MarsKiss64([3, 5, 7, 9]), expander.MarsKiss64([3, 5, 7, 9])
        assert (expander._choose(a, n_conns, n_values, with_replacement, skip)
                == expander._choose(b, n_conns, n_values, with_replacement, skip,
                                    compiled=False))
        assert a.next() == b.next()  # the generators stand at the same place after


@pytest.mark.parametrize("with_replacement", [False, True])
def test_compiled_fixed_total_matches_the_reference_loop(with_replacement):
    args = ((0, 29), (10, 39), (0, 29, 10, 39), 200, 900, with_replacement, False)
    a, b = expander.MarsKiss64([2, 4, 6, 8]), expander.MarsKiss64([2, 4, 6, 8])
    compiled = expander.fixed_total(a, *args)
    reference = expander.fixed_total(b, *args, compiled=False)
    assert compiled == reference and len(compiled[0]) == 200
