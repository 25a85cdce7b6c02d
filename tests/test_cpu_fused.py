"""The compiled CPU step loop (engine/cpu_fused) against the NumPy reference loop.

Current-based models: identical spike trains and state (same seed). Where exp
is involved (conductance models) the compiled loop's exp (mathfn.vexp) is
within an ulp of the C library's, as NumPy's SIMD exp is, so state is
compared within 1e-9 and spike trains are still expected identical on these
short runs (an ulp of v moves a spike only when v lands within an ulp of
threshold).
"""
import logging
import math

import numpy as np
import pytest

import pycarl_backend as sim
from networks import build_recurrent

pytest.importorskip("numba")


def trains(pops):
    return [np.asarray(st.magnitude) for p in pops
            for st in p.get_data("spikes").segments[0].spiketrains]


def v_trace(pop):
    return np.asarray(pop.get_data("v").segments[0].analogsignals[0].magnitude)


def assert_same_trains(a, b):
    assert sum(t.size for t in a) > 50
    for k, (x, y) in enumerate(zip(a, b)):
        np.testing.assert_array_equal(x, y, err_msg=f"cell {k}")


def recurrent_run(celltype, w_exc, w_inh, fused, runs=(60.0, 90.0), varied=False,
                  electrode=False, threads=None):
    """build_recurrent (Poisson input, heterogeneous and uniform delays), v of 5 cells."""
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7, cpu_fused=fused,
              cpu_threads=threads)
    exc, inh = build_recurrent(celltype, 80, 20, w_exc, w_inh, seed=3)
    if varied:  # one value per cell: the loop's per-cell branch
        name = "a" if "a" in celltype.get_parameter_names() else "tau_m"
        low, high = (0.015, 0.025) if name == "a" else (10.0, 30.0)
        exc.set(**{name: sim.RandomDistribution("uniform", low=low, high=high,
                                                rng=sim.NumpyRNG(seed=1))})
    if electrode:
        sim.DCSource(amplitude=0.3, start=20.0, stop=80.0).inject_into(exc[10:30])
        sim.NoisyCurrentSource(mean=0.1, stdev=0.2, dt=0.5, start=5.0,
                               stop=120.0).inject_into(exc[20:40])
    for t in runs:
        sim.run(t)
    engine = sim.simulator.state.engine
    out = trains([exc, inh]), v_trace(exc), engine.last_run_cpu_fused
    sim.end()
    return out


CURRENT_MODELS = {
    "IF_curr_exp": (lambda: sim.IF_curr_exp(tau_refrac=2.0, tau_syn_I=10.0), 0.5, -1.5),
    "IF_curr_alpha": (lambda: sim.IF_curr_alpha(tau_refrac=2.0, tau_syn_E=2.0, tau_syn_I=4.0),
                      0.3, -0.8),
    "IF_curr_delta": (lambda: sim.IF_curr_delta(tau_refrac=2.0), 1.5, -3.0),
    "Izhikevich": (lambda: sim.Izhikevich(i_offset=0.002), 4.0, -6.0),
}
COND_MODELS = {
    "IF_cond_exp": (lambda: sim.IF_cond_exp(tau_refrac=2.0, v_rest=-60.0, v_reset=-60.0,
                                            cm=0.2, e_rev_I=-80.0, tau_syn_I=10.0),
                    0.006, 0.05),
    "IF_cond_alpha": (lambda: sim.IF_cond_alpha(tau_refrac=2.0, v_rest=-60.0, v_reset=-60.0,
                                                cm=0.2, e_rev_I=-80.0, tau_syn_I=5.0,
                                                tau_syn_E=1.0),
                      0.004, 0.03),
}


@pytest.mark.parametrize("name", sorted(CURRENT_MODELS))
@pytest.mark.parametrize("variant", ["uniform", "varied", "electrodes"])
def test_current_models_identical_to_numpy_loop(name, variant):
    make, w_exc, w_inh = CURRENT_MODELS[name]
    kw = {"varied": variant == "varied", "electrode": variant == "electrodes"}
    ref, v_ref, fused_ref = recurrent_run(make(), w_exc, w_inh, False, **kw)
    got, v_got, fused = recurrent_run(make(), w_exc, w_inh, True, **kw)
    assert fused and not fused_ref
    assert_same_trains(ref, got)
    np.testing.assert_array_equal(v_got, v_ref)


@pytest.mark.parametrize("name", sorted(COND_MODELS))
@pytest.mark.parametrize("variant", ["uniform", "varied", "electrodes"])
def test_conductance_models_match_numpy_loop(name, variant):
    make, w_exc, w_inh = COND_MODELS[name]
    kw = {"varied": variant == "varied", "electrode": variant == "electrodes"}
    ref, v_ref, fused_ref = recurrent_run(make(), w_exc, w_inh, False, **kw)
    got, v_got, fused = recurrent_run(make(), w_exc, w_inh, True, **kw)
    assert fused and not fused_ref
    assert_same_trains(ref, got)
    np.testing.assert_allclose(v_got, v_ref, rtol=0, atol=1e-9)


def test_split_runs_and_repeated_source_spikes():
    """run(a); run(b) as one run; a SpikeSourceArray time given twice delivers
    twice; input pending in the rings crosses from one path to the other."""
    def run(paths):
        sim.setup(timestep=0.1, min_delay=0.1, max_delay=3.0, rng_seed=2)
        cells = sim.Population(3, sim.IF_curr_exp(tau_refrac=1.0))
        src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[1.0, 1.0, 4.9], [5.0]]))
        sim.Projection(src, cells, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=2.0, delay=2.5))
        cells.record(["spikes", "v"])
        for fused, t in paths:
            sim.simulator.state.engine.cpu_fused = fused
            sim.run(t)
        out = trains([cells]), v_trace(cells)
        sim.end()
        return out
    ref, v_ref = run([(False, 12.0)])
    for paths in ([(True, 12.0)], [(True, 5.0), (True, 7.0)], [(True, 5.0), (False, 3.0),
                                                              (True, 4.0)]):
        got, v_got = run(paths)
        np.testing.assert_array_equal(v_got, v_ref)
        for a, b in zip(ref, got):
            np.testing.assert_array_equal(a, b)
    # the double spike at 1 ms arrives at 3.5 ms as twice the weight
    dv = np.diff(v_ref[:, 0])
    assert dv[36] > 0 and dv.max() > 0


def test_spike_output_buffer_refills(monkeypatch):
    """More recorded spikes than the loop's output buffer holds: the loop returns
    to Python to store them and goes on, losing none."""
    from pycarl_backend.engine.cpu_fused import stepper
    make, w_exc, w_inh = CURRENT_MODELS["IF_curr_exp"]
    ref, _, _ = recurrent_run(make(), w_exc, w_inh, True)
    monkeypatch.setattr(stepper, "OUTPUT_CAPACITY", 7)
    got, _, fused = recurrent_run(make(), w_exc, w_inh, True)
    assert fused
    assert_same_trains(ref, got)


def test_uncovered_network_falls_back_and_says_so_once(caplog):
    from pycarl_backend.engine import cpu_fused
    cpu_fused._said.clear()
    with caplog.at_level(logging.INFO, logger="pycarl"):
        sim.setup(timestep=0.1, min_delay=0.1)
        cells = sim.Population(4, sim.HH_cond_exp())
        cells.record("spikes")
        sim.run(5.0)
        sim.run(5.0)
        assert not sim.simulator.state.engine.last_run_cpu_fused
        sim.end()
    said = [r.getMessage() for r in caplog.records
            if "compiled CPU loop not used" in r.getMessage()]
    assert len(said) == 1 and "HHCondExp" in said[0]


def test_plasticity_falls_back():
    sim.setup(timestep=0.1, min_delay=0.1)
    pre = sim.Population(5, sim.SpikeSourcePoisson(rate=50.0))
    post = sim.Population(5, sim.IF_curr_exp())
    stdp = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(),
                             weight_dependence=sim.AdditiveWeightDependence(w_max=1.0),
                             weight=0.5, delay=1.0)
    sim.Projection(pre, post, sim.AllToAllConnector(), stdp)
    sim.run(10.0)
    engine = sim.simulator.state.engine
    from pycarl_backend.engine.cpu_fused import blocker
    assert not engine.last_run_cpu_fused
    assert blocker(engine, None) is not None
    sim.end()


def test_vexp_within_an_ulp_of_the_c_library():
    from numba import njit
    from pycarl_backend.engine.cpu_fused.mathfn import vexp

    @njit
    def apply(x):
        out = np.empty_like(x)
        for i in range(x.size):
            out[i] = vexp(x[i])
        return out
    rng = np.random.default_rng(0)
    for low, high in [(-1.0, 0.0), (-40.0, 40.0), (-745.0, -700.0), (700.0, 709.78)]:
        x = rng.uniform(low, high, 20000)
        ref = np.array([math.exp(v) for v in x])
        ulps = np.abs(apply(x) - ref) / np.spacing(np.abs(ref))
        assert ulps.max() <= 1.0, (low, high)
    special = apply(np.array([-800.0, 800.0, 0.0, np.nan, -np.inf, np.inf]))
    assert special[0] == 0.0 and special[1] == np.inf and special[2] == 1.0
    assert np.isnan(special[3]) and special[4] == 0.0 and special[5] == np.inf


def test_without_numba_the_numpy_loop_runs(monkeypatch):
    from pycarl_backend.engine import cpu_fused
    monkeypatch.setattr(cpu_fused, "_numba_missing", lambda: "numba is not installed")
    sim.setup(timestep=0.1, min_delay=0.1)
    cells = sim.Population(2, sim.IF_curr_exp(i_offset=1.0))
    cells.record("spikes")
    sim.run(50.0)
    engine = sim.simulator.state.engine
    assert not engine.last_run_cpu_fused
    assert cpu_fused.blocker(engine, None) == "numba is not installed"
    assert sum(t.size for t in trains([cells])) > 0
    sim.end()


@pytest.mark.parametrize("g0, n", [(0, 64), (3, 61), (5, 3), (8, 0), (1, 17)])
def test_compact_reads_flags_by_words_as_one_by_one(g0, n):
    """compact() reads 8 flags at a time; the fired list and the refractory
    starts must be those of a plain loop over the cells, whatever the group's
    first index and size (unaligned head, whole words, tail)."""
    from pycarl_backend.engine.cpu_fused.neuron_kernels import compact
    rng = np.random.default_rng(g0 * 100 + n)
    total = g0 + n + 9
    flag = (rng.random(total) < 0.2).astype(np.uint8)
    flag[g0] = flag[g0 + n - 1] = 1 if n else 0       # the first and last cell fire
    rsteps = rng.integers(1, 50, total).astype(np.int32)
    left = np.zeros(total, np.int32)
    fired = np.full(total, -1, np.int32)
    nf = compact(n, g0, flag, left, rsteps, fired, 2)
    expected = np.flatnonzero(flag[g0:g0 + n])
    assert nf == 2 + expected.size
    np.testing.assert_array_equal(fired[2:nf], expected)
    starts = np.zeros(total, np.int32)
    starts[g0 + expected] = rsteps[g0 + expected]
    np.testing.assert_array_equal(left, starts)


def paired_run(fused, timestep, runs, varied=False, tau_refrac=2.0):
    """build_recurrent without state records (delays 0.1-2 ms): with timestep
    0.05 every delay is at least two steps, so the compiled loop takes the
    steps two at a time. Returns the trains, every cell's final v / isyn and
    whether the pairs were used."""
    sim.setup(timestep=timestep, min_delay=0.1, max_delay=4.0, rng_seed=7, cpu_fused=fused)
    exc, inh = build_recurrent(sim.IF_curr_exp(tau_refrac=tau_refrac, tau_syn_I=10.0), 80, 20,
                               0.5, -1.5, seed=3, record_v=False)
    if varied:
        exc.set(tau_m=sim.RandomDistribution("uniform", low=10.0, high=30.0,
                                             rng=sim.NumpyRNG(seed=1)))
    for t in runs:
        sim.run(t)
    engine = sim.simulator.state.engine
    state = [np.array(g.state[name]) for g in engine.groups if not g.is_source
             for name in ("v", "isyn_exc", "isyn_inh")]
    out = trains([exc, inh]), state, bool(getattr(engine, "last_run_cpu_paired", False))
    sim.end()
    return out


@pytest.mark.parametrize("varied", [False, True])
@pytest.mark.parametrize("runs", [(100.0,), (30.05, 20.0, 49.95)])
def test_steps_in_pairs_identical_to_numpy_loop(varied, runs):
    """Every delay >= 2 steps: IF_curr_exp cells take two steps per pass
    (loop._steps' pairs, the refractory period started inside the pass).
    Spike trains and the final state of every cell are the NumPy loop's, bit
    for bit, also over runs of an odd number of steps."""
    a, state_a, paired = paired_run(True, 0.05, runs, varied)
    b, state_b, _ = paired_run(False, 0.05, runs, varied)
    assert paired
    assert_same_trains(a, b)
    for x, y in zip(state_a, state_b):
        np.testing.assert_array_equal(x, y)


def test_refractory_period_across_a_pair():
    """tau_refrac of one step (0.05 ms) and of an odd number of steps: a cell
    that fires in the first step of a pair is refractory in the second one
    exactly when the NumPy loop says so."""
    for tau in (0.05, 0.15):
        a, _, paired = paired_run(True, 0.05, (80.0,), tau_refrac=tau)
        b, _, _ = paired_run(False, 0.05, (80.0,), tau_refrac=tau)
        assert paired
        assert_same_trains(a, b)


def test_one_step_delays_are_not_paired():
    """A one-step delay (0.1 ms at timestep 0.1) reaches its target in the next
    step: the loop must take steps one at a time."""
    a, _, paired = paired_run(True, 0.1, (60.0,))
    b, _, _ = paired_run(False, 0.1, (60.0,))
    assert not paired
    assert_same_trains(a, b)
