"""The vectorised connector paths (pycarl_backend.connectors) against PyNN's
generic per-postsynaptic-cell path: same connection sets where the connector is
deterministic, same statistics where it is random."""
import numpy as np
import pytest
from pyNN import errors, space
from pyNN.core import IndexBasedExpression
from pyNN.random import NumpyRNG, RandomDistribution

import pycarl_backend as sim
from pycarl_backend import connectors as fast


@pytest.fixture(autouse=True)
def simulation():
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=10.0)
    yield
    sim.end()


@pytest.fixture
def generic(monkeypatch):
    """Make projections use PyNN's generic connector code."""
    monkeypatch.setattr(fast, "connect_fast", lambda projection, connector: False)


def pops(n_pre=60, n_post=50):
    pre = sim.Population(n_pre, sim.IF_cond_exp(), label="pre")
    post = sim.Population(n_post, sim.IF_cond_exp(), label="post")
    return pre, post


def pairs(projection):
    """(pre, post) index arrays of all connections."""
    conns = projection.get(["weight"], format="list", with_address=True)
    if not conns:
        return np.zeros(0, int), np.zeros(0, int)
    a = np.array(conns)
    return a[:, 0].astype(int), a[:, 1].astype(int)


def binomial_bounds(n, p, sigmas=5):
    mean, sd = n * p, np.sqrt(n * p * (1 - p))
    return mean - sigmas * sd, mean + sigmas * sd


def test_fast_path_is_taken_for_fixed_probability():
    pre, post = pops()
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.1, rng=NumpyRNG(1)))
    space = fast.synapse_parameter_space(proj)
    assert space is not None
    assert fast.connect_fast(proj, sim.FixedProbabilityConnector(0.1, rng=NumpyRNG(2)))


@pytest.mark.parametrize("p", [0.01, 0.1, 0.5, 0.9])
def test_fixed_probability_count_is_binomial(p):
    pre, post = pops(300, 200)
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(p, rng=NumpyRNG(11)))
    low, high = binomial_bounds(300 * 200, p)
    assert low <= len(proj) <= high
    i, j = pairs(proj)
    assert np.unique(i * 200 + j).size == i.size  # at most one synapse per pair
    # every pair equally likely: in-degrees have the binomial mean and variance
    indegree = np.bincount(j, minlength=200)
    assert abs(indegree.mean() - 300 * p) < 5 * np.sqrt(300 * p * (1 - p) / 200)
    assert 0.6 < indegree.var() / (300 * p * (1 - p)) < 1.5
    outdegree = np.bincount(i, minlength=300)
    assert 0.6 < outdegree.var() / (200 * p * (1 - p)) < 1.5


def test_fixed_probability_matches_generic_statistics(generic):
    pre, post = pops(300, 200)
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.05, rng=NumpyRNG(3)))
    low, high = binomial_bounds(300 * 200, 0.05)
    assert low <= len(proj) <= high


def test_fixed_probability_extremes():
    pre, post = pops(30, 20)
    assert len(sim.Projection(pre, post, sim.FixedProbabilityConnector(1.0))) == 600
    assert len(sim.Projection(pre, post, sim.FixedProbabilityConnector(0.0))) == 0


def test_fixed_probability_without_self_connections():
    cells = sim.Population(200, sim.IF_cond_exp())
    proj = sim.Projection(cells, cells, sim.FixedProbabilityConnector(
        0.3, allow_self_connections=False, rng=NumpyRNG(5)))
    i, j = pairs(proj)
    assert not np.any(i == j)
    low, high = binomial_bounds(200 * 199, 0.3)
    assert low <= len(proj) <= high


def test_fixed_probability_no_mutual():
    cells = sim.Population(100, sim.IF_cond_exp())
    proj = sim.Projection(cells, cells, sim.FixedProbabilityConnector(
        0.5, allow_self_connections="NoMutual", rng=NumpyRNG(6)))
    i, j = pairs(proj)
    assert np.all(i > j)
    low, high = binomial_bounds(100 * 99 // 2, 0.5)
    assert low <= len(proj) <= high


def test_fixed_probability_is_reproducible_with_seed():
    pre, post = pops()
    a = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.2, rng=NumpyRNG(7)))
    b = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.2, rng=NumpyRNG(7)))
    assert np.array_equal(np.vstack(pairs(a)), np.vstack(pairs(b)))


@pytest.mark.parametrize("with_replacement", [False, True])
def test_fixed_number_pre_exact_indegree(with_replacement):
    pre, post = pops(80, 300)
    proj = sim.Projection(pre, post, sim.FixedNumberPreConnector(
        20, with_replacement=with_replacement, rng=NumpyRNG(8)))
    i, j = pairs(proj)
    assert np.all(np.bincount(j, minlength=300) == 20)
    if not with_replacement:
        assert np.unique(i * 300 + j).size == i.size
    # sources uniform: each presynaptic cell is chosen 20 * 300 / 80 = 75 times on average
    outdegree = np.bincount(i, minlength=80)
    assert abs(outdegree.mean() - 75) < 1e-9
    assert outdegree.min() > 75 - 6 * np.sqrt(75) and outdegree.max() < 75 + 6 * np.sqrt(75)


def test_fixed_number_pre_dense_and_oversubscribed():
    pre, post = pops(10, 40)
    # 7 of 10 (dense sampler), and 23 = 2 full sets + 3
    a = sim.Projection(pre, post, sim.FixedNumberPreConnector(7, rng=NumpyRNG(9)))
    i, j = pairs(a)
    assert np.all(np.bincount(j, minlength=40) == 7)
    assert np.unique(i * 40 + j).size == i.size
    b = sim.Projection(pre, post, sim.FixedNumberPreConnector(23, rng=NumpyRNG(9)))
    i, j = pairs(b)
    multiplicity = np.bincount(i * 40 + j, minlength=400).reshape(10, 40)
    assert np.all(multiplicity.sum(axis=0) == 23)
    assert np.all((multiplicity >= 2) & (multiplicity <= 3))
    assert np.all((multiplicity == 3).sum(axis=0) == 3)


@pytest.mark.parametrize("with_replacement", [False, True])
def test_fixed_number_pre_without_self_connections(with_replacement):
    cells = sim.Population(50, sim.IF_cond_exp())
    proj = sim.Projection(cells, cells, sim.FixedNumberPreConnector(
        49 if not with_replacement else 30, allow_self_connections=False,
        with_replacement=with_replacement, rng=NumpyRNG(10)))
    i, j = pairs(proj)
    assert not np.any(i == j)
    if not with_replacement:  # 49 of the 49 others: everyone but itself
        assert len(proj) == 50 * 49 and np.unique(i * 50 + j).size == 50 * 49


def test_fixed_number_pre_random_degree():
    pre, post = pops(100, 400)
    n = RandomDistribution("binomial", (40, 0.5), rng=NumpyRNG(12))
    proj = sim.Projection(pre, post, sim.FixedNumberPreConnector(n, rng=NumpyRNG(13)))
    indegree = np.bincount(pairs(proj)[1], minlength=400)
    assert abs(indegree.mean() - 20) < 5 * np.sqrt(10 / 400)
    assert indegree.var() > 3


def test_fixed_number_post_exact_outdegree():
    pre, post = pops(120, 70)
    proj = sim.Projection(pre, post, sim.FixedNumberPostConnector(9, rng=NumpyRNG(14)))
    i, j = pairs(proj)
    assert np.all(np.bincount(i, minlength=120) == 9)
    assert np.unique(i * 70 + j).size == i.size
    cells = sim.Population(30, sim.IF_cond_exp())
    proj = sim.Projection(cells, cells, sim.FixedNumberPostConnector(
        29, allow_self_connections=False, rng=NumpyRNG(15)))
    i, j = pairs(proj)
    assert not np.any(i == j) and len(proj) == 30 * 29


def test_fixed_total_number():
    pre, post = pops()
    proj = sim.Projection(pre, post, sim.FixedTotalNumberConnector(777, rng=NumpyRNG(16)))
    assert len(proj) == 777


def test_one_to_one_matches_generic(monkeypatch):
    pre, post = pops(40, 40)
    a = sim.Projection(pre, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.3))
    assert np.array_equal(*pairs(a)) and len(a) == 40
    monkeypatch.setattr(fast, "connect_fast", lambda projection, connector: False)
    b = sim.Projection(pre, post, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.3))
    assert a.get(["weight", "delay"], format="list") == b.get(["weight", "delay"], format="list")


@pytest.mark.parametrize("allow_self", [True, False])
def test_all_to_all_matches_generic(monkeypatch, allow_self):
    cells = sim.Population(30, sim.IF_cond_exp())
    other = sim.Population(20, sim.IF_cond_exp())
    results = []
    for use_fast in (True, False):
        if not use_fast:
            monkeypatch.setattr(fast, "connect_fast", lambda projection, connector: False)
        conn = sim.AllToAllConnector(allow_self_connections=allow_self)
        syn = sim.StaticSynapse(weight=0.01, delay=0.4)
        results.append([sim.Projection(cells, post, conn, syn).get(
            ["weight", "delay"], format="list") for post in (cells, other)])
    assert results[0] == results[1]
    assert len(results[0][0]) == (900 if allow_self else 870)
    assert len(results[0][1]) == 600


def test_all_to_all_views_and_assemblies_exclude_same_cells(monkeypatch):
    cells = sim.Population(20, sim.IF_cond_exp())
    other = sim.Population(10, sim.IF_cond_exp())
    results = []
    for use_fast in (True, False):
        if not use_fast:
            monkeypatch.setattr(fast, "connect_fast", lambda projection, connector: False)
        conn = sim.AllToAllConnector(allow_self_connections=False)
        proj = sim.Projection(cells[5:15], cells + other, conn, sim.StaticSynapse(weight=0.02))
        results.append(proj.get(["weight"], format="list"))
    assert results[0] == results[1]
    assert len(results[0]) == 10 * 30 - 10


def test_from_list_exact(monkeypatch):
    pre, post = pops(10, 8)
    table = [(0, 1, 0.5, 0.3), (3, 1, 0.2, 0.4), (2, 0, 0.1, 0.1), (9, 7, 0.05, 1.0),
             (3, 1, 0.25, 0.2), (4, 20, 0.1, 0.1)]  # the last one targets no cell
    a = sim.Projection(pre, post, sim.FromListConnector(table))
    monkeypatch.setattr(fast, "connect_fast", lambda projection, connector: False)
    b = sim.Projection(pre, post, sim.FromListConnector(table))
    assert len(a) == 5
    assert sorted(a.get(["weight", "delay"], format="list")) == \
        sorted(b.get(["weight", "delay"], format="list"))


def test_from_list_errors():
    pre, post = pops(10, 8)
    with pytest.raises(errors.ConnectionError):
        sim.Projection(pre, post, sim.FromListConnector([(10, 1, 0.1, 0.1)]))
    with pytest.raises(ValueError):
        sim.Projection(pre, post, sim.FromListConnector([(1, 1, 0.1)], column_names=["tau"]))


def test_array_connector_matches_generic(monkeypatch):
    pre, post = pops(25, 15)
    matrix = np.random.default_rng(0).random((25, 15)) < 0.3
    weights = np.random.default_rng(1).random((25, 15))
    a = sim.Projection(pre, post, sim.ArrayConnector(matrix), sim.StaticSynapse(weight=weights))
    monkeypatch.setattr(fast, "connect_fast", lambda projection, connector: False)
    b = sim.Projection(pre, post, sim.ArrayConnector(matrix), sim.StaticSynapse(weight=weights))
    assert a.get(["weight"], format="list") == b.get(["weight"], format="list")
    assert len(a) == matrix.sum()


def test_clone_connector():
    pre, post = pops()
    ref = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.2, rng=NumpyRNG(17)))
    clone = sim.Projection(pre, post, sim.CloneConnector(ref), sim.StaticSynapse(weight=0.7))
    assert np.array_equal(np.vstack(pairs(ref)), np.vstack(pairs(clone)))


def test_array_weights_land_on_their_synapses():
    pre, post = pops(40, 30)
    weights = np.random.default_rng(2).uniform(0.1, 1.0, (40, 30))
    delays = np.round(np.random.default_rng(3).uniform(0.1, 2.0, (40, 30)), 1)
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.3, rng=NumpyRNG(18)),
                          sim.StaticSynapse(weight=weights, delay=delays))
    for i, j, w, d in proj.get(["weight", "delay"], format="list"):
        assert w == pytest.approx(weights[i, j])
        assert d == pytest.approx(delays[i, j])


def test_random_distribution_parameters_per_synapse():
    pre, post = pops(200, 150)
    syn = sim.StaticSynapse(weight=RandomDistribution("uniform", (0.2, 0.4), rng=NumpyRNG(19)),
                            delay=RandomDistribution("uniform", (0.5, 1.5), rng=NumpyRNG(20)))
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.1, rng=NumpyRNG(21)), syn)
    w = np.array(proj.get("weight", format="list", with_address=False))
    d = np.array(proj.get("delay", format="list", with_address=False))
    assert w.min() >= 0.2 and w.max() <= 0.4 and abs(w.mean() - 0.3) < 0.01
    assert np.unique(w).size > 0.9 * w.size  # one draw per synapse
    assert d.min() >= 0.5 - 1e-9 and d.max() <= 1.5 + 1e-9 and abs(d.mean() - 1.0) < 0.02
    # the engine block holds the same values in the same places
    block = next(iter(proj._blocks.values()))
    _, _, weight, _ = block.host_arrays()
    assert np.allclose(np.sort(weight), np.sort(w))


def test_weight_scaled_random_distribution():
    pre, post = pops(100, 100)
    rd = RandomDistribution("uniform", (1.0, 2.0), rng=NumpyRNG(22))
    syn = sim.StaticSynapse(weight=rd)
    syn.parameter_space["weight"] = syn.parameter_space["weight"] * 0.5
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.2, rng=NumpyRNG(23)), syn)
    w = np.array(proj.get("weight", format="list", with_address=False))
    assert w.min() >= 0.5 and w.max() <= 1.0


def test_safe_checks_apply():
    pre, post = pops()
    with pytest.raises(errors.ConnectionError, match="negative"):
        sim.Projection(pre, post, sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(24)),
                       sim.StaticSynapse(weight=-0.1), receptor_type="excitatory")
    with pytest.raises(errors.ConnectionError, match="delay"):
        sim.Projection(pre, post, sim.AllToAllConnector(), sim.StaticSynapse(delay=50.0))


def test_callback_reports_progress():
    pre, post = pops()
    levels = []
    sim.Projection(pre, post, sim.FixedProbabilityConnector(0.1, rng=NumpyRNG(25),
                                                            callback=levels.append))
    assert levels and levels[-1] == 1.0 and levels == sorted(levels)


def test_distance_dependent_weights():
    pre = sim.Population(20, sim.IF_cond_exp(), structure=space.Line(dx=2.0))
    post = sim.Population(15, sim.IF_cond_exp(), structure=space.Line(dx=3.0, x0=1.0))
    syn = sim.StaticSynapse(weight="0.1 + 0.01 * d")
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.5, rng=NumpyRNG(27)), syn)
    assert fast.synapse_parameter_space(proj) is not None
    distance = np.abs(pre.positions[0][:, None] - post.positions[0][None, :])
    for i, j, w in proj.get(["weight"], format="list"):
        assert w == pytest.approx(0.1 + 0.01 * distance[i, j])


def test_pair_distances_match_space_distances():
    rng = np.random.default_rng(4)
    pre = sim.Population(12, sim.IF_cond_exp())
    post = sim.Population(9, sim.IF_cond_exp())
    pre.positions = rng.uniform(0, 100, (3, 12))
    post.positions = rng.uniform(0, 100, (3, 9))
    sp = space.Space(axes="xy", scale_factor=1.5, offset=np.array([1.0, -2.0, 3.0]),
                     periodic_boundaries=((0, 120), None, None))
    proj = sim.Projection(pre, post, sim.AllToAllConnector(), space=sp)
    i, j = np.meshgrid(np.arange(12), np.arange(9), indexing="ij")
    expected = sp.distances(pre.positions.T, post.positions.T).reshape(12, 9)
    got = fast.pair_distances(proj, i.ravel(), j.ravel()).reshape(12, 9)
    np.testing.assert_allclose(got, expected)


def test_distance_dependent_probability_matches_generic(monkeypatch):
    results = []
    for use_fast in (True, False):
        if not use_fast:
            monkeypatch.setattr(fast, "connect_fast", lambda projection, connector: False)
        cells = sim.Population(64, sim.IF_cond_exp(), structure=space.Grid2D())
        conn = sim.DistanceDependentProbabilityConnector("d < 1.5", allow_self_connections=False)
        proj = sim.Projection(cells, cells, conn, sim.StaticSynapse(weight="0.01 * d"))
        results.append(sorted(proj.get(["weight"], format="list")))
    assert results[0] == results[1]
    assert len(results[0]) == 4 * 3 + 24 * 5 + 36 * 8  # corner, edge, inner cells


def test_distance_dependent_probability_statistics():
    pre = sim.Population(200, sim.IF_cond_exp(), structure=space.Line())
    post = sim.Population(150, sim.IF_cond_exp(), structure=space.Line())
    conn = sim.DistanceDependentProbabilityConnector("exp(-d / 20.0)", rng=NumpyRNG(28))
    proj = sim.Projection(pre, post, conn)
    d = np.abs(np.arange(200)[:, None] - np.arange(150)[None, :])
    prob = np.exp(-d / 20.0)
    mean, sd = prob.sum(), np.sqrt((prob * (1 - prob)).sum())
    assert abs(len(proj) - mean) < 5 * sd
    i, j = pairs(proj)
    assert np.abs(i - j).mean() == pytest.approx((prob * d).sum() / prob.sum(), rel=0.1)


def test_index_based_weights_fall_back_to_generic():
    class Product(IndexBasedExpression):
        def __call__(self, i, j):
            return 0.001 * (i + 1) * (j + 1)
    pre, post = pops(10, 10)
    proj = sim.Projection(pre, post, sim.AllToAllConnector(),
                          sim.StaticSynapse(weight=Product()))
    assert fast.synapse_parameter_space(proj) is None
    w = proj.get("weight", format="array")
    assert w[2, 3] == pytest.approx(0.001 * 3 * 4)


class IndexBased(IndexBasedExpression):
    def __call__(self, i, j):
        return (i + j) % 2 * 0.5


def test_unhandled_connector_is_not_taken():
    pre, post = pops(20, 20)
    conn = sim.IndexBasedProbabilityConnector(IndexBased())
    proj = sim.Projection(pre, post, sim.OneToOneConnector())
    assert fast.connect_fast(proj, conn) is False


def test_chunked_generation_matches_statistics(monkeypatch):
    monkeypatch.setattr(fast, "CHUNK_PAIRS", 1000)  # force many chunks
    pre, post = pops(300, 200)
    levels = []
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(
        0.3, rng=NumpyRNG(26), callback=levels.append))
    low, high = binomial_bounds(300 * 200, 0.3)
    assert low <= len(proj) <= high and len(levels) > 10
    i, j = pairs(proj)
    assert np.unique(i * 200 + j).size == i.size
    a2a = sim.Projection(pre, post, sim.AllToAllConnector())
    assert len(a2a) == 60000


def test_network_runs_after_fast_build():
    pre = sim.Population(20, sim.SpikeSourceArray(spike_times=[1.0, 5.0]))
    post = sim.Population(10, sim.IF_curr_exp())
    sim.Projection(pre, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=1.0, delay=1.0))
    post.record("spikes")
    sim.run(20.0)
    counts = post.get_spike_counts()
    assert all(c > 0 for c in counts.values())
