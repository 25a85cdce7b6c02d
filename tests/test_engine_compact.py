"""Engine speed/memory work: compact synapse storage, in-place neuron updates."""
import numpy as np
import pytest

import pycarl_backend as sim
from pycarl_backend import simulator
from pycarl_backend.engine.neurons import IFCondExp, IFCurrExp


@pytest.fixture(autouse=True)
def simulation():
    sim.setup(timestep=0.1, min_delay=0.1)
    yield
    sim.end()


def only_block(projection):
    (block,) = projection._blocks.values()
    block.finalize()
    return block


@pytest.mark.parametrize("n_post, dtype", [(40000, np.uint16), (70000, np.int32)])
def test_target_index_type_and_delivery(n_post, dtype):
    """Targets take 2 bytes while they fit; inhibitory inputs (columns offset by
    n_post in the ring) still reach the right cell."""
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    cells = sim.Population(n_post, sim.IF_cond_exp())
    last = n_post - 1
    proj = sim.Projection(source, cells, sim.FromListConnector([(0, last, 0.5, 0.1),
                                                                (0, 3, 0.25, 0.1)]),
                          receptor_type="inhibitory")
    sim.run(1.3)
    block = only_block(proj)
    assert block.post.dtype == dtype and block.indptr.dtype == np.int32
    assert block.host_arrays()[1].dtype == np.int32
    g = cells.group.state["gsyn_inh"]
    assert g[last] > 0 and g[3] > 0
    assert g[last] == pytest.approx(2 * g[3])
    assert np.count_nonzero(g) == 2
    assert np.count_nonzero(cells.group.state["gsyn_exc"]) == 0


def test_bytes_per_synapse():
    pre = sim.Population(500, sim.IF_cond_exp())
    post = sim.Population(800, sim.IF_cond_exp())
    proj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.2),
                          sim.StaticSynapse(weight=0.01, delay=0.5))
    only_block(proj)
    nbytes, n = simulator.state.engine.synapse_bytes()
    assert n == len(proj)
    # uint16 targets, one shared weight (all equal), int32 row pointers
    assert nbytes == 2 * n + 8 + 4 * 501
    varied = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.2), sim.StaticSynapse(
        weight=sim.RandomDistribution("uniform", low=0.01, high=0.02), delay=0.5))
    block = only_block(varied)
    assert block.nbytes() == 10 * len(varied) + 4 * 501
    neuron_bytes, count = simulator.state.engine.neuron_bytes()
    assert count == 1300 and neuron_bytes > 0


def test_shared_weight_reads_back_and_can_be_changed():
    """Equal weights are stored once; setting some of them makes a full array,
    and every weight reads back exactly as set."""
    pre = sim.Population(20, sim.SpikeSourcePoisson(rate=10.0))
    post = sim.Population(30, sim.IF_curr_exp())
    proj = sim.Projection(pre, post, sim.AllToAllConnector(),
                          sim.StaticSynapse(weight=0.1234567, delay=1.0))
    block = only_block(proj)
    assert block.weight.strides == (0,) and block.nbytes() == 2 * 600 + 8 + 4 * 21
    assert np.all(proj.get("weight", format="array") == 0.1234567)
    w = proj.get("weight", format="array")
    w[3, 4] = 0.75
    proj.set(weight=w)
    block = only_block(proj)
    got = proj.get("weight", format="array")
    assert got[3, 4] == 0.75 and np.sum(got == 0.1234567) == 599
    sim.run(5.0)


def test_heterogeneous_delays_arrive_on_time():
    source = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    cells = sim.Population(3, sim.IF_curr_exp(tau_syn_E=1e6))  # the current stays put
    sim.Projection(source, cells, sim.FromListConnector(
        [(0, 0, 0.1, 0.5), (0, 1, 0.1, 1.0), (0, 2, 0.1, 2.0)]))
    arrived = []
    for _ in range(40):
        sim.run(0.1)
        arrived.append(np.asarray(cells.group.state["isyn_exc"]) > 0)
    first = [int(np.argmax([a[i] for a in arrived])) for i in range(3)]
    assert first[1] - first[0] == 5 and first[2] - first[1] == 10


def _group(cls, n, params):
    return simulator.state.engine.add_group(cls, n, params, label="g")


@pytest.mark.parametrize("uniform", [True, False])
def test_if_cond_exp_step_matches_formula(uniform):
    rng = np.random.default_rng(1)
    n = 50
    params = {} if uniform else {
        'tau_m': rng.uniform(10, 30, n), 'cm': rng.uniform(0.1, 1, n),
        'e_rev_E': rng.uniform(-5, 5, n), 'i_offset': rng.uniform(0, 0.5, n),
        'v_rest': rng.uniform(-70, -60, n)}
    g = _group(IFCondExp, n, params)
    g.state['v'][:] = rng.uniform(-70, -55, n)
    g.state['gsyn_exc'][:] = rng.uniform(0, 0.05, n)
    g.state['gsyn_inh'][:] = rng.uniform(0, 0.05, n)
    g.refractory_steps_left[:5] = 3
    p, s = g.params, {k: v.copy() for k, v in g.state.items()}
    i_ext = rng.uniform(0, 0.2, n)
    dt = g.dt
    ge = s['gsyn_exc'] * p['tau_syn_E'] / dt * (1 - np.exp(-dt / p['tau_syn_E']))
    gi = s['gsyn_inh'] * p['tau_syn_I'] / dt * (1 - np.exp(-dt / p['tau_syn_I']))
    gl = p['cm'] / p['tau_m']
    gt = gl + ge + gi
    v_inf = (gl * p['v_rest'] + ge * p['e_rev_E'] + gi * p['e_rev_I']
             + p['i_offset'] + i_ext) / gt
    expected = v_inf + (s['v'] - v_inf) * np.exp(-dt * gt / p['cm'])
    expected[:5] = p['v_reset'][:5]
    inputs = [np.full(n, 0.01), np.zeros(n)]
    g.update(0, inputs, i_ext)
    expected = np.where(expected >= p['v_thresh'], p['v_reset'], expected)
    np.testing.assert_allclose(g.state['v'], expected, rtol=1e-12)
    np.testing.assert_allclose(
        g.state['gsyn_exc'], s['gsyn_exc'] * np.exp(-dt / p['tau_syn_E']) + 0.01, rtol=1e-12)
    assert list(g.refractory_steps_left[:6]) == [2, 2, 2, 2, 2, 0]


@pytest.mark.parametrize("uniform", [True, False])
def test_if_curr_exp_step_matches_formula(uniform):
    rng = np.random.default_rng(2)
    n = 40
    params = {} if uniform else {'tau_m': rng.uniform(10, 30, n),
                                 'i_offset': rng.uniform(0, 0.5, n)}
    g = _group(IFCurrExp, n, params)
    g.state['v'][:] = rng.uniform(-70, -55, n)
    g.state['isyn_exc'][:] = rng.uniform(0, 0.5, n)
    g.state['isyn_inh'][:] = -rng.uniform(0, 0.5, n)
    g.refractory_steps_left[:4] = 1
    s = {k: v.copy() for k, v in g.state.items()}
    expected = (g.params['v_rest'] + g.p_mem * (s['v'] - g.params['v_rest'])
                + g.p_current * g.params['i_offset']
                + g.p_exc_to_v * s['isyn_exc'] + g.p_inh_to_v * s['isyn_inh'])
    expected[:4] = s['v'][:4]  # refractory cells hold their potential
    g.update(0, [np.zeros(n), np.zeros(n)], None)
    np.testing.assert_allclose(g.state['v'], np.where(expected >= -50, -65, expected),
                               rtol=1e-12)
