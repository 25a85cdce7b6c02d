"""pycarl offers every standard cell, synapse and electrode type that pyNN.nest
offers in PyNN 0.13 (the types PyNN defines in pyNN.standardmodels.{cells,
synapses,electrodes} that pyNN.nest exports and can instantiate), and
NativeRNG, seeded like setup(rng_seed=), works wherever PyNN takes an RNG
(connectors, RandomDistribution for parameters, weights and initial values)."""
import importlib.util

import numpy as np
import pytest
from pyNN.standardmodels import cells, electrodes, synapses

import pycarl_backend as sim


def standard_names(module, pynn_module):
    """Names of the classes of pynn_module (PyNN's definitions) that `module` exports."""
    return sorted(name for name, obj in vars(pynn_module).items()
                  if isinstance(obj, type) and obj.__module__ == pynn_module.__name__
                  and not name.startswith("_") and isinstance(getattr(module, name, None), type))


def nest_cell_types(nest):
    """pyNN.nest's standard cell types whose NEST model exists: pyNN.nest 0.13.0
    exports SpikeSourceInhGamma, whose model (inh_gamma_generator) NEST 3 no
    longer has, so it is not offered."""
    import nest as nest_kernel
    models = set(nest_kernel.node_models)
    names = []
    for name in nest.list_standard_models():
        nest_name = getattr(getattr(nest, name), "nest_name", {}).get("on_grid")
        if nest_name in models:
            names.append(name)
        else:
            print(f"pyNN.nest's {name}: NEST has no model {nest_name}")
    return names


@pytest.mark.skipif(importlib.util.find_spec("nest") is None, reason="NEST is not installed")
@pytest.mark.parametrize("pynn_module", [cells, synapses, electrodes],
                         ids=["cells", "synapses", "electrodes"])
def test_pycarl_offers_every_type_pynn_nest_offers(pynn_module):
    import pyNN.nest
    offered = standard_names(pyNN.nest, pynn_module)
    if pynn_module is cells:
        offered = sorted(set(offered) & set(nest_cell_types(pyNN.nest)))
    ours = standard_names(sim, pynn_module)
    print(f"{pynn_module.__name__}: pyNN.nest {len(offered)}, pycarl {len(ours)}")
    assert len(offered) >= 3
    assert sorted(set(offered) - set(ours)) == []


@pytest.mark.parametrize("name", [n for n in sim.list_standard_models()
                                  if n != "PointNeuron"])  # PointNeuron needs a neuron
def test_every_cell_type_runs(name):
    sim.setup(timestep=0.1)
    pop = sim.Population(2, getattr(sim, name)())
    pop.record("spikes")
    sim.run(5.0)
    assert len(pop.get_data().segments[0].spiketrains) == 2
    sim.end()


def native_draws(seed, explicit=None):
    sim.setup(timestep=0.1, rng_seed=seed)
    first = sim.NativeRNG(seed=explicit)
    second = sim.NativeRNG()
    draws = first.next(5), second.next(5)
    sim.end()
    return draws


def test_native_rng_seeded_from_setup():
    a1, a2 = native_draws(7)
    b1, b2 = native_draws(7)
    c1, _ = native_draws(8)
    np.testing.assert_array_equal(a1, b1)  # same rng_seed: same numbers
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)      # two NativeRNGs of a run differ
    assert not np.array_equal(a1, c1)      # another rng_seed, other numbers
    e1, _ = native_draws(7, explicit=123)
    f1, _ = native_draws(9, explicit=123)
    np.testing.assert_array_equal(e1, f1)  # an explicit seed wins over rng_seed


def test_native_rng_wherever_pynn_takes_an_rng():
    from pyNN.random import NativeRNG as PyNNNativeRNG
    weights = []
    for _ in range(2):
        sim.setup(timestep=0.1, rng_seed=3)
        rng = sim.NativeRNG()
        assert isinstance(rng, PyNNNativeRNG)
        pre = sim.Population(20, sim.SpikeSourcePoisson(rate=10.0))
        post = sim.Population(20, sim.IF_cond_exp(
            tau_m=sim.RandomDistribution("normal", (15.0, 2.0), rng=rng)))
        prj = sim.Projection(pre, post, sim.FixedProbabilityConnector(0.5, rng=rng),
                             sim.StaticSynapse(weight=sim.RandomDistribution(
                                 "uniform", (0.01, 0.02), rng=rng)))
        post.initialize(v=sim.RandomDistribution("uniform", (-65.0, -55.0), rng=rng))
        post.record("v")
        sim.run(20.0)
        weights.append(np.nan_to_num(prj.get("weight", format="array")))
        tau_m = post.get("tau_m")
        v = post.get_data().segments[0].analogsignals[0].magnitude
        sim.end()
    assert 100 < np.count_nonzero(weights[0]) < 300
    np.testing.assert_array_equal(weights[0], weights[1])
    assert np.std(tau_m) > 0.5 and np.std(v[0]) > 1.0


def test_gif_array_parameters_get_set_and_checks():
    from pyNN import errors
    from pyNN.parameters import ArrayParameter
    sim.setup(timestep=0.1)
    p = sim.Population(3, sim.GIF_cond_exp(), label="gif")
    p.set(a_gamma=ArrayParameter([2.0, 3.0, 4.0]))
    p[1:2].set(tau_eta=ArrayParameter([5.0, 6.0, 7.0]))
    np.testing.assert_array_equal(p.get("a_gamma").value, [2.0, 3.0, 4.0])
    assert [list(a.value) for a in p.get("tau_eta")] == [[1, 10, 100], [5, 6, 7], [1, 10, 100]]
    with pytest.raises(errors.InvalidParameterValueError, match="keep its 3 time scales"):
        p.set(tau_eta=ArrayParameter([1.0, 2.0]))
    with pytest.raises(errors.InvalidParameterValueError, match=r"tau_gamma = -2 .* must be > 0"):
        sim.Population(2, sim.GIF_cond_exp(tau_gamma=ArrayParameter([1.0, -2.0, 3.0])))
    with pytest.raises(errors.InvalidParameterValueError, match="same number of values"):
        sim.Population(2, sim.GIF_cond_exp(a_eta=ArrayParameter([1.0, 2.0])))
    sim.end()


def test_multiquantal_initialize_sets_sites_and_u():
    from pyNN import errors
    sim.setup(timestep=0.1, rng_seed=2)
    pre = sim.Population(1, sim.SpikeSourceArray(spike_times=[10.0]))
    post = sim.Population(4, sim.IF_cond_exp())
    prj = sim.Projection(pre, post, sim.AllToAllConnector(),
                         sim.MultiQuantalSynapse(n=5, U=0.5, tau_rec=1e6, weight=0.01))
    # no vesicle ready and (tau_rec = 1e6 ms) none refilled: the spike releases nothing
    prj.initialize(a=0.0, u=0.5)
    block = prj._blocks[(0, 0)]
    np.testing.assert_array_equal(block.get_parameter("available"), 0.0)
    with pytest.raises(errors.InvalidParameterValueError, match=r"initial a = 6 .*\[0, n = 5\]"):
        prj.initialize(a=6.0)
    post.record("gsyn_exc")
    sim.run(10.5)
    g = post.get_data().segments[0].analogsignals[0].magnitude
    assert np.all(g == 0.0)
    sim.end()
