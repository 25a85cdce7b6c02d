"""EIF_cond_exp_isfa_ista and EIF_cond_alpha_isfa_ista (AdEx) in the compiled CPU
loop (engine/cpu_fused/neuron_kernels.py eif_cond_*) against the NumPy reference
loop (neuron_models/composed.py AdExMembrane.update), same seed.

Tolerance: the kernels do the reference's floating-point operations in its order,
except exp (mathfn.vexp, within 1 ulp of NumPy's exp: test_cpu_fused.py
test_vexp_within_an_ulp_of_the_c_library; on this machine 11% of arguments differ
by that ulp). The AdEx spike current g_L delta_T exp(...) enters dv/dt only, so an
ulp of it moves v by about an ulp per RK4 substep (1e-14 mV at -70 mV); the reset
puts v back on the same value at each spike and the conductances never see v, so
gsyn (and the spike trains, unless v lands within such an ulp of v_spike) are
identical, while v and w may differ by accumulated ulps: measured at most 1.4e-13 mV
for v on these runs, w identical (v's ulps reach w scaled by 1e-3 a dt / tau_w and
have rounded away so far, which nothing guarantees). Asserted: identical spikes and
conductances, v within 1e-9 mV, w within 1e-12 nA (far below any physical effect).
"""
import logging

import numpy as np
import pytest

import pycarl_backend as sim
from networks import build_recurrent

pytest.importorskip("numba")

#: (cell type factory, excitatory weight uS, inhibitory weight uS)
EIF_MODELS = {
    "EIF_cond_exp_isfa_ista": (lambda: sim.EIF_cond_exp_isfa_ista(tau_refrac=2.0), 0.01, 0.05),
    "EIF_cond_alpha_isfa_ista": (lambda: sim.EIF_cond_alpha_isfa_ista(tau_refrac=2.0), 0.006,
                                 0.03),
}
V_ATOL, W_ATOL = 1e-9, 1e-12
RECORDED = ("v", "w", "gsyn_exc", "gsyn_inh")


def vary(pop, seed=1):
    """One value per cell of the adaptation and spike parameters (the loop's
    per-cell branch)."""
    rng = sim.NumpyRNG(seed=seed)
    for name, low, high in (("a", 1.0, 8.0), ("b", 0.02, 0.2), ("tau_w", 50.0, 200.0),
                            ("delta_T", 0.5, 3.0), ("tau_refrac", 0.0, 3.0)):
        pop.set(**{name: sim.RandomDistribution("uniform", low=low, high=high, rng=rng)})


def eif_run(make, w_exc, w_inh, fused, runs=(60.0, 90.0), variant="uniform"):
    """build_recurrent (80 + 20 cells, 100 Poisson sources at 40 Hz, delays 0.1-2 ms
    and 0.5 ms); exc varied per cell unless uniform; with "electrodes", a DC and a
    step current. Returns (spike trains, {variable: (steps, cells)} of exc[:5] and
    inh[:3], whether the last run was the compiled loop)."""
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7, cpu_fused=fused)
    exc, inh = build_recurrent(make(), 80, 20, w_exc, w_inh, seed=3, record_v=False)
    if variant != "uniform":
        vary(exc)
    if variant == "electrodes":
        sim.DCSource(amplitude=0.3, start=20.0, stop=80.0).inject_into(exc[10:30])
        sim.StepCurrentSource(times=[10.0, 40.0, 70.0, 120.0],
                              amplitudes=[0.4, -0.2, 0.8, 0.0]).inject_into(exc[:15])
    exc[:5].record(RECORDED)
    inh[:3].record(RECORDED)
    for t in runs:
        sim.run(t)
    fused_ran = sim.simulator.state.engine.last_run_cpu_fused
    out = collect([exc, inh]) + (fused_ran,)
    sim.end()
    return out


def collect(pops):
    trains = [np.asarray(st.magnitude) for p in pops
              for st in p.get_data("spikes").segments[0].spiketrains]
    signals = {}
    for p in pops:
        for a in p.get_data(RECORDED).segments[0].analogsignals:
            signals.setdefault(a.name, []).append(np.asarray(a.magnitude))
    return trains, {k: np.hstack(v) for k, v in signals.items()}


def assert_match(ref, got, min_spikes=50):
    (trains_ref, sig_ref, fused_ref), (trains, sig, fused) = ref, got
    assert fused and not fused_ref
    n_spikes = sum(t.size for t in trains_ref)
    assert n_spikes >= min_spikes
    for k, (x, y) in enumerate(zip(trains_ref, trains)):
        np.testing.assert_array_equal(y, x, err_msg=f"cell {k}")
    assert set(sig) == set(RECORDED)
    for name in ("gsyn_exc", "gsyn_inh"):
        np.testing.assert_array_equal(sig[name], sig_ref[name], err_msg=name)
    np.testing.assert_allclose(sig["v"], sig_ref["v"], rtol=0, atol=V_ATOL)
    np.testing.assert_allclose(sig["w"], sig_ref["w"], rtol=0, atol=W_ATOL)
    dv = float(np.max(np.abs(sig["v"] - sig_ref["v"])))
    dw = float(np.max(np.abs(sig["w"] - sig_ref["w"])))
    print(f"{sig['v'].shape[0]} samples x {sig['v'].shape[1]} cells, {n_spikes} spikes "
          f"identical; max |dv| {dv:.2e} mV, max |dw| {dw:.2e} nA")
    return n_spikes


@pytest.mark.parametrize("name", sorted(EIF_MODELS))
@pytest.mark.parametrize("variant", ["uniform", "varied", "electrodes"])
def test_eif_models_match_numpy_loop(name, variant):
    make, w_exc, w_inh = EIF_MODELS[name]
    ref = eif_run(make, w_exc, w_inh, False, variant=variant)
    got = eif_run(make, w_exc, w_inh, True, variant=variant)
    assert_match(ref, got)
    w = got[1]["w"]
    assert np.ptp(w) > 0.05  # adaptation moved (b jumps and a's subthreshold drive)


def single_cells(celltype, fused, cells, t_stop, current=None):
    """Unconnected cells with `cells` (a list of parameter dicts, one per cell)
    and a step current; returns (trains, signals, fused ran)."""
    sim.setup(timestep=0.1, min_delay=0.1, rng_seed=3, cpu_fused=fused)
    names = sorted(cells[0])
    values = {k: [c[k] for c in cells] for k in names}
    pop = sim.Population(len(cells), celltype(**values))
    noise = sim.Population(20, sim.SpikeSourcePoisson(rate=80.0))
    sim.Projection(noise, pop, sim.FixedProbabilityConnector(0.5, rng=sim.NumpyRNG(seed=5)),
                   sim.StaticSynapse(weight=0.004, delay=0.3), receptor_type="excitatory")
    sim.Projection(noise, pop, sim.FixedProbabilityConnector(0.3, rng=sim.NumpyRNG(seed=6)),
                   sim.StaticSynapse(weight=0.01, delay=1.1), receptor_type="inhibitory")
    if current is not None:
        sim.StepCurrentSource(**current).inject_into(pop)
    pop.record(("spikes",) + RECORDED)
    sim.run(t_stop)
    fused_ran = sim.simulator.state.engine.last_run_cpu_fused
    out = collect([pop]) + (fused_ran,)
    sim.end()
    return out


# delta_T = 0.5 mV with v_spike 40 mV above v_thresh: the exponent reaches
# (v_spike - v_thresh) / delta_T = 80 > MAX_EXP_ARG = 50 (the cap, composed.py) before
# a spike; delta_T = 10 mV: the spike current dominates already at rest; delta_T = 0:
# no exponential, spike at v_thresh (v_peak). tau_refrac 0 (several crossings in one
# step possible), 0.25 (rounds to 2 steps) and 5 ms.
EXTREME = [dict(delta_T=0.5, v_spike=-10.0, v_thresh=-50.0, tau_refrac=2.0, a=2.0, b=0.1),
           dict(delta_T=0.5, v_spike=-10.0, v_thresh=-50.0, tau_refrac=0.0, a=2.0, b=0.1),
           dict(delta_T=10.0, v_spike=-20.0, v_thresh=-52.0, tau_refrac=5.0, a=4.0, b=0.05),
           dict(delta_T=10.0, v_spike=-20.0, v_thresh=-60.0, tau_refrac=0.25, a=0.0, b=0.2),
           dict(delta_T=0.0, v_spike=-40.0, v_thresh=-52.0, tau_refrac=2.0, a=4.0, b=0.08),
           dict(delta_T=0.0, v_spike=-40.0, v_thresh=-52.0, tau_refrac=0.0, a=0.0, b=0.0),
           dict(delta_T=2.0, v_spike=-40.0, v_thresh=-50.4, tau_refrac=0.0, a=20.0, b=0.5)]
STEP = dict(times=[5.0, 60.0, 120.0, 160.0], amplitudes=[0.9, 2.5, 0.3, 1.5])


@pytest.mark.parametrize("name", sorted(EIF_MODELS))
def test_exp_cap_large_delta_t_zero_delta_t_and_refractoriness(name):
    celltype = getattr(sim, name)
    ref = single_cells(celltype, False, EXTREME, 200.0, STEP)
    got = single_cells(celltype, True, EXTREME, 200.0, STEP)
    assert_match(ref, got, min_spikes=40)
    trains = ref[0]
    assert all(t.size >= 2 for t in trains), [t.size for t in trains]
    v = ref[1]["v"]
    # the capped cells reach above v_thresh + MAX_EXP_ARG * delta_T = -25 mV in a substep
    # only transiently; recorded v never exceeds v_spike
    assert np.all(v <= np.array([c["v_spike"] for c in EXTREME]) + 1e-9)


@pytest.mark.parametrize("name", sorted(EIF_MODELS))
def test_adaptation_is_updated(name):
    """w jumps by b at each spike and follows a (v - v_rest) in between: a cell
    with a = 0, b = 0 never adapts, one with b = 0.3 nA slows down, one with a large
    a adapts below threshold. Compared with the NumPy loop, and checked on its own
    so that a kernel ignoring a or b cannot pass with the reference."""
    cells = [dict(a=0.0, b=0.0, tau_w=100.0), dict(a=0.0, b=0.3, tau_w=100.0),
             dict(a=30.0, b=0.0, tau_w=100.0)]
    current = dict(times=[10.0], amplitudes=[1.2])
    celltype = getattr(sim, name)
    ref = single_cells(celltype, False, cells, 300.0, current)
    got = single_cells(celltype, True, cells, 300.0, current)
    assert_match(ref, got, min_spikes=20)
    trains, sig, _ = got
    w = sig["w"]
    np.testing.assert_array_equal(w[:, 0], 0.0)
    # cell 1: w rises by b = 0.3 nA in the step of each spike (minus its decay)
    at = np.rint(trains[1] / 0.1).astype(int)
    jumps = w[at, 1] - w[at - 1, 1]
    assert jumps.size >= 3 and np.all((jumps > 0.28) & (jumps <= 0.3))
    # cell 2: subthreshold adaptation drives w up before its first spike
    first = int(np.rint(trains[2][0] / 0.1)) if trains[2].size else w.shape[0]
    assert w[first - 1, 2] > 0.01
    # adapting cells fire less than the non-adapting one
    assert trains[1].size < trains[0].size and trains[2].size < trains[0].size
    isi = np.diff(trains[1])
    assert isi[-1] > isi[0]


@pytest.mark.parametrize("name", sorted(EIF_MODELS))
def test_switching_between_loops_mid_run(name):
    """Fused, NumPy and fused windows in one simulation give the NumPy loop's run:
    the AdEx update replaces its state arrays, which the next fused window copies."""
    make, w_exc, w_inh = EIF_MODELS[name]

    def run(paths):
        sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7)
        exc, inh = build_recurrent(make(), 80, 20, w_exc, w_inh, seed=3, record_v=False)
        exc[:5].record(RECORDED)
        inh[:3].record(RECORDED)
        for fused, t in paths:
            sim.simulator.state.engine.cpu_fused = fused
            sim.run(t)
        fused_ran = sim.simulator.state.engine.last_run_cpu_fused
        out = collect([exc, inh]) + (fused_ran,)
        sim.end()
        return out
    ref = run([(False, 120.0)])
    got = run([(True, 40.0), (False, 30.0), (True, 50.0)])
    assert_match(ref, got)


def test_eif_network_runs_compiled_without_fallback_message(caplog):
    from pycarl_backend.engine import cpu_fused
    cpu_fused._said.clear()
    with caplog.at_level(logging.INFO, logger="pycarl"):
        sim.setup(timestep=0.1, min_delay=0.1)
        a = sim.Population(3, sim.EIF_cond_exp_isfa_ista(i_offset=1.0))
        b = sim.Population(3, sim.EIF_cond_alpha_isfa_ista(i_offset=1.0))
        sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.01, delay=1.0))
        a.record(["spikes", "w"])
        b.record(["spikes", "gsyn_inh"])
        sim.run(20.0)
        engine = sim.simulator.state.engine
        assert engine.last_run_cpu_fused
        assert cpu_fused.blocker(engine, None) is None
        sim.end()
    assert not [r for r in caplog.records if "compiled CPU loop not used" in r.getMessage()]
