"""pycarl_backend.spinnaker: SmallWorldConnector, from sPyNNaker8's integration
test p8_integration_tests/quick_test/test_grid_based_connectors/
test_small_world_connector.py (commit 1935a29c): a 5 x 5 grid connected to
itself within distance 2, 40 % of the connections rewired (NumpyRNG(seed=1)),
one input spike; the expected source counts, three-step reachability and
spike count are that test's.
"""
from collections import defaultdict

import numpy as np
import pytest
from pyNN.random import NumpyRNG

import pycarl_backend.spinnaker as sim

LIF = {'cm': 0.25, 'i_offset': 0.0, 'tau_m': 20.0, 'tau_refrac': 2.0, 'tau_syn_E': 5.0,
       'tau_syn_I': 5.0, 'v_reset': -70.0, 'v_rest': -65.0, 'v_thresh': -50.0}
S_COUNTS = [4, 6, 6, 6, 4, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 6, 9, 9, 9, 6, 4, 6, 6, 6, 4]


@pytest.fixture(autouse=True)
def fresh():
    yield
    sim.end()


def test_small_world_grid():
    sim.setup(timestep=1.0)
    grid = sim.Population(25, sim.IF_curr_exp(**LIF), structure=sim.Grid2D(dx=1.0, dy=1.0),
                          label="small_world")
    inj = sim.Population(1, sim.SpikeSourceArray(spike_times=[[0]]), label="in")
    sim.Projection(inj, grid, sim.FromListConnector([(0, 0)]),
                   sim.StaticSynapse(weight=2.0, delay=2))
    proj = sim.Projection(grid, grid, sim.SmallWorldConnector(2.0, 0.4, rng=NumpyRNG(seed=1)),
                          sim.StaticSynapse(weight=2.0, delay=5))
    grid.record(["v", "spikes"])
    sim.run(1000)
    n_spikes = sum(len(s) for s in grid.get_data("spikes").segments[0].spiketrains)
    assert grid.get_data("v").segments[0].analogsignals[0].shape == (1000, 25)
    assert 7750 < n_spikes < 8250
    weights = proj.get("weight", "list")
    sources = [int(s) for s, _, _ in weights]
    assert [sources.count(i) for i in range(25)] == S_COUNTS   # rewiring keeps sources
    assert all(w == 2.0 for _, _, w in weights)
    single = defaultdict(set)
    for s, d, _ in weights:
        single[int(s)].add(int(d))
        single[int(d)].add(int(s))
    reach = {i: set(single[i]) for i in range(25)}
    for _ in range(2):
        reach = {i: reach[i].union(*(single[j] for j in reach[i])) for i in range(25)}
    assert all(len(reach[i]) == 25 for i in range(25))


def test_mask_rows_are_pre_columns_post_without_rewiring():
    sim.setup(timestep=1.0)
    pre = sim.Population(2, sim.IF_curr_exp(), structure=sim.Line(dx=10.0), label="pre")
    post = sim.Population(3, sim.IF_curr_exp(), label="post")
    post.positions = np.array([[0.0, 1.0, 10.0], [0.0] * 3, [0.0] * 3])
    proj = sim.Projection(pre, post, sim.SmallWorldConnector(1.5, 0.0, rng=NumpyRNG(seed=1)))
    assert sorted((int(s), int(t)) for s, t in proj.get([], "list")) == [(0, 0), (0, 1), (1, 2)]
