"""DYNAP-SE circuits (hardware_models.dynapse) against rockpool's DynapSim.

Reference: rockpool 3.1 ``rockpool.devices.dynapse.DynapSim`` (test extra).
Its networks here: the neuron under constant input (rockpool's
``docs/devices/DynapSE/neuron-model.ipynb`` drives ``Idc``), a neuron with 64
inputs (the CAM's 64 entries, Moradi 2018), a recurrent network of 256
neurons (one core). DynapSim integrates the membrane with forward Euler at
its ``dt``; ``integrator="euler"`` at the same sub-step is the same scheme, so
spike times must agree to well below 0.1 ms. The default (Heun) integrator
is checked for convergence: its 10 us sub-step within 0.1 ms of 1 us.
"""
import numpy as np
import pytest

from hardware_models.dynapse.biases import CoreBiases, default_biases, tau_of, itau_for
from hardware_models.dynapse.circuits import DPICircuits
from hardware_models.dynapse.mismatch import DEFAULT_CV, per_neuron
from hardware_models.dynapse.standalone import run_raster, spike_times
from hardware_models.errors import HardwareConstraintError

H = 1e-5          # DynapSim dt and our sub-step: 10 us = the default pulse width
AMPA_ONLY = (True, False, False, False)


def dynapsim():
    pytest.importorskip("jax", reason="rockpool's DynapSim needs jax (test extra)")
    mod = pytest.importorskip("rockpool.devices.dynapse",
                              reason="rockpool (test extra) not installed")
    return mod.DynapSim


def circuits(n, biases=None, cv=0.0, seed=0, integrator="euler", dtype=np.float32,
             active=AMPA_ONLY, h=H):
    p = per_neuron({0: biases or CoreBiases()}, np.zeros(n, int), cv=cv, seed=seed)
    return DPICircuits(p, h, dtype=dtype, active=active, integrator=integrator)


def ref_raster(DynapSim, ext, **kw):
    out = DynapSim(kw.pop("shape", ext.shape[1]), dt=H, **kw)(ext.astype(np.float32))[0]
    return np.asarray(out)[0]


def max_time_difference(ours, ref):
    """Max |t_ours - t_ref| over all spikes (s); None if a neuron's spike count differs."""
    a, b = spike_times(ours, H), spike_times(ref, H)
    worst = 0.0
    for i in a:
        if len(a[i]) != len(b[i]):
            return None
        if len(a[i]):
            worst = max(worst, float(np.abs(a[i] - b[i]).max()))
    return worst


def unmatched_spikes(ours, ref, tol=1e-4):
    """Spikes (of either run) with no partner in the other within ``tol``
    (each partner used once, in time order), and the total compared."""
    a, b = spike_times(ours, H), spike_times(ref, H)
    lost, total = [], 0
    for i in a:
        x, y = list(a[i]), list(b[i])
        total += max(len(x), len(y))
        j = k = 0
        while j < len(x) and k < len(y):
            if abs(x[j] - y[k]) <= tol:
                j += 1
                k += 1
            elif x[j] < y[k]:
                lost.append((i, x[j]))
                j += 1
            else:
                lost.append((i, y[k]))
                k += 1
        lost += [(i, t) for t in x[j:]] + [(i, t) for t in y[k:]]
    return lost, total


def test_constant_input_neuron_matches_dynapsim():
    DynapSim = dynapsim()
    idc = np.array([5e-11, 2e-10, 1e-9, 5e-9])
    b = CoreBiases.from_overrides()
    c = circuits(4, b)
    c.c["idc"][:] = idc
    T = int(0.3 / H)
    ours, _ = run_raster(c, np.zeros((T, 4)), record=())
    ref = ref_raster(DynapSim, np.zeros((T, 4)), Idc=idc.astype(np.float32))
    assert ref.sum() >= 40 and ref.max() == 1.0
    assert np.array_equal(ours.sum(0), ref.sum(0))
    assert max_time_difference(ours, ref) < 1e-4


def test_64_input_neuron_matches_dynapsim():
    DynapSim = dynapsim()
    rng = np.random.default_rng(1)
    T = int(0.5 / H)
    src = (rng.random((T, 64)) < 50 * H).astype(np.float32)     # 64 x 50 Hz Poisson
    w = rng.uniform(0.5, 2.0, 64).astype(np.float32)
    ext = (src @ w)[:, None]
    ours, _ = run_raster(circuits(1), ext, record=())
    ref = ref_raster(DynapSim, ext)
    assert ref.sum() > 50
    assert max_time_difference(ours, ref) < 1e-4


def test_recurrent_256_matches_dynapsim():
    DynapSim = dynapsim()
    rng = np.random.default_rng(2)
    N, T = 256, int(0.2 / H)
    W = np.zeros((N, N), np.float32)
    mask = rng.random((N, N)) < 0.1
    W[mask] = rng.uniform(0.2, 1.0, mask.sum())
    np.fill_diagonal(W, 0.0)
    ext = ((rng.random((T, N)) < 20 * H) * 3.0).astype(np.float32)
    ours, _ = run_raster(circuits(N), ext, w_rec={"ampa": W}, record=())
    ref = ref_raster(DynapSim, ext, shape=(N, N), has_rec=True, w_rec=W)
    assert ref.sum() > 2000                      # recurrence matters: many spikes
    # Same scheme, float32 like DynapSim, but a different summation order
    # (jnp.dot vs numpy): a neuron sitting on its threshold can gain or lose
    # one spike, which then echoes through the network. Seen: 1 of 6496.
    lost, total = unmatched_spikes(ours, ref)
    assert total > 2000 and len(lost) <= 0.001 * total, lost[:10]


def _isi_rates(raster):
    out = []
    for i in range(raster.shape[1]):
        t = np.flatnonzero(raster[:, i])
        out.append(1.0 / (np.diff(t).mean() * H) if len(t) > 2 else 0.0)
    return np.array(out)


# DynapSim's per-neuron parameters (the names it takes) and ours
_DYNAPSIM_NEURON = ("Idc", "If_nmda", "Igain_ahp", "Igain_mem", "Ipulse_ahp", "Ipulse", "Iref",
                    "Ispkthr", "Itau_ahp", "Itau_mem", "Iw_ahp", "C_ahp", "C_pulse_ahp",
                    "C_pulse", "C_ref", "C_mem", "Io", "kappa_n", "kappa_p", "Ut", "Vth")
_DYNAPSIM_SYNAPSE = {"Itau_syn": "Itau_ampa", "Igain_syn": "Igain_ampa", "C_syn": "C_ampa"}


def _dynapsim_parameters(mod, biases):
    """DynapSim's (mismatched) parameters as our per-neuron arrays (AMPA = its synapse)."""
    n = int(np.asarray(mod.Io).size)
    p = per_neuron({0: biases}, np.zeros(n, int), cv=0.0)
    for k in _DYNAPSIM_NEURON:
        p[k] = np.asarray(getattr(mod, k), np.float64)
    for k, ours in _DYNAPSIM_SYNAPSE.items():
        p[ours] = np.asarray(getattr(mod, k), np.float64)
    return p


def _rates(params, T):
    c = DPICircuits(params, H, dtype=np.float32, active=AMPA_ONLY, integrator="euler")
    return _isi_rates(run_raster(c, np.zeros((T, c.n)), record=())[0])


def test_mismatch_rate_distribution_matches_dynapsim():
    """Mismatch on: our seeded draw (16 cores x 256 neurons, our own RNG
    stream) against rockpool's (DynapSim(percent_mismatch=0.3), its
    mismatch_generator over frozen_mismatch_prototype), n = 4096 vs 4096
    neurons under Idc = 1 nA, rates from the inter-spike intervals of 0.1 s.

    Rates under rockpool's draw come from our circuits, which on those very
    parameters give DynapSim's spike counts exactly (checked here on 512 of
    them by running DynapSim itself; the full 4096 in DynapSim take ~25 min).
    Measured: KS p = 0.96 (4096 vs 4096 DynapSim-run, key 11), means 41.8 vs
    41.9 Hz. The earlier 512-neuron comparison (p = 0.0054, ours 3-4 % lower)
    had no model cause: with the same parameters both simulators agree, and
    that particular 2 x 256 draw of ours sits 2.5 standard errors low (39.9 Hz;
    other draws 41.1-42.2 Hz)."""
    DynapSim = dynapsim()
    import jax
    from scipy.stats import ks_2samp
    N, T, idc = 4096, int(0.1 / H), 1e-9
    b = CoreBiases.from_overrides(Idc=idc)
    # rockpool draws mismatch leaf by leaf under lax.cond: ~10x faster eagerly
    with jax.disable_jit():
        mod = DynapSim(N, dt=H, Idc=idc, percent_mismatch=0.3, rng_key=jax.random.PRNGKey(7))
    theirs = _dynapsim_parameters(mod, b)
    ours_p = per_neuron({c: b for c in range(16)}, np.repeat(np.arange(16), 256),
                        cv=DEFAULT_CV, seed=5)
    # 1. the draws: every deviation x / nominal - 1, pooled over the parameters
    nominal = default_biases() | {"Idc": idc}
    names = list(_DYNAPSIM_NEURON) + list(_DYNAPSIM_SYNAPSE.values())
    dev_t = np.concatenate([theirs[k] / nominal[k] - 1.0 for k in names])
    dev_o = np.concatenate([ours_p[k] / nominal[k] - 1.0 for k in names])
    assert ks_2samp(dev_t, dev_o).pvalue > 0.05                     # n = 98304 each
    assert dev_o.std() == pytest.approx(dev_t.std(), rel=0.02)
    # 2. DynapSim itself on 512 of its mismatched neurons: the same spike counts
    sub = {k: np.asarray(getattr(mod, k))[:512] for k in _DYNAPSIM_NEURON + tuple(
        _DYNAPSIM_SYNAPSE)}
    ref = np.asarray(DynapSim(512, dt=H, **sub)(np.zeros((T, 512), np.float32))[0])[0]
    c = DPICircuits({k: v[:512] for k, v in theirs.items()}, H, dtype=np.float32,
                    active=AMPA_ONLY, integrator="euler")
    mine, _ = run_raster(c, np.zeros((T, 512)), record=())
    # (float32 in both, summed in a different order: a neuron on its threshold may
    # gain or lose one spike; seen: none)
    diff = np.abs(mine.sum(0) - ref.sum(0))
    assert ref.sum() > 1000 and diff.max() <= 1 and (diff > 0).sum() <= 2
    # 3. the rate distributions, 4096 vs 4096
    r_t, r_o = _rates(theirs, T), _rates(ours_p, T)
    assert ks_2samp(r_t, r_o).pvalue > 0.05
    # means: the standard error of the difference is ~0.8 % here
    assert abs(r_o.mean() / r_t.mean() - 1.0) < 0.025
    assert abs(r_o.std() / r_t.std() - 1.0) < 0.05
    # the test can fail: 1.5 x the variation, or rates 5 % off, are distinguishable
    wide = _rates(per_neuron({c: b for c in range(16)}, np.repeat(np.arange(16), 256),
                             cv=1.5 * DEFAULT_CV, seed=5), T)
    assert ks_2samp(r_t, wide).pvalue < 1e-3
    assert ks_2samp(r_t, 1.05 * r_o).pvalue < 0.05


def test_heun_substep_converges_within_0p1_ms():
    T_s = 0.08
    b = CoreBiases.from_overrides()
    idc = [2e-10, 1e-9, 5e-9, 2e-8]

    def times(h):
        c = circuits(4, b, integrator="heun", dtype=np.float64, h=h)
        c.c["idc"][:] = idc
        r, _ = run_raster(c, np.zeros((int(round(T_s / h)), 4)), record=())
        return {i: (np.flatnonzero(r[:, i]) + 1) * h for i in range(4)}
    coarse, fine = times(1e-5), times(1e-6)
    assert sum(len(v) for v in fine.values()) >= 20
    for i in range(4):
        assert len(coarse[i]) == len(fine[i])
        assert np.abs(coarse[i] - fine[i]).max() < 1e-4


def test_mismatch_is_seeded_and_on_every_bias_and_capacitance():
    core_of = np.zeros(256, int)
    a = per_neuron({0: CoreBiases()}, core_of, cv=0.1, seed=3)
    b = per_neuron({0: CoreBiases()}, core_of, cv=0.1, seed=3)
    c = per_neuron({0: CoreBiases()}, core_of, cv=0.1, seed=4)
    nominal = default_biases()
    for name in a:
        assert np.array_equal(a[name], b[name])
        if name == "Iscale":
            continue
        cv = a[name].std() / nominal[name]
        assert 0.07 < cv < 0.13, name
        assert not np.array_equal(a[name], c[name]), name
    off = per_neuron({0: CoreBiases()}, core_of, cv=0.0)
    assert all(np.all(v == nominal[k]) for k, v in off.items())


def test_bias_conversions_are_rockpools():
    p = default_biases()
    # rockpool defaults: tau_mem 20 ms on 3 pF, t_ref 1 ms, tau_ahp 50 ms
    assert tau_of(p["Itau_mem"], p["C_mem"], p) == pytest.approx(20e-3)
    assert p["Vth"] * p["C_ref"] / p["Iref"] == pytest.approx(1e-3)
    assert tau_of(p["Itau_ahp"], p["C_ahp"], p) == pytest.approx(50e-3)
    assert itau_for(10e-3, 24.5e-12, p) == pytest.approx(p["Itau_ampa"])
    with pytest.raises(HardwareConstraintError, match="unknown"):
        CoreBiases.from_overrides(Itau_foo=1e-12)
    with pytest.raises(HardwareConstraintError, match="> 0"):
        CoreBiases.from_overrides(Itau_mem=-1e-12)


def test_synapse_types_act_as_the_chip_names_them():
    """AMPA/NMDA excite, GABA_B subtracts, GABA_A shunts (Moradi 2018)."""
    T = int(0.3 / H)
    rng = np.random.default_rng(5)
    drive = (rng.random(T) < 400 * H) * 1.0

    def count(types):
        c = circuits(1, active=(True, "nmda" in types, "gaba_a" in types, "gaba_b" in types))
        ext = np.zeros((T, 1, 4))
        ext[:, 0, 0] = drive * 2.0
        for j, name in ((1, "nmda"), (2, "gaba_a"), (3, "gaba_b")):
            if name in types:
                ext[:, 0, j] = drive * 1.0
        return run_raster(c, ext, record=())[0].sum()
    base = count(())
    assert base > 5
    assert count(("nmda",)) > base
    assert count(("gaba_b",)) < base
    assert count(("gaba_a",)) < base


def test_refractory_and_ahp():
    b = CoreBiases.from_overrides(Idc=5e-9)
    T = int(0.3 / H)
    r, _ = run_raster(circuits(1, b), np.zeros((T, 1)), record=())
    isi = np.diff(np.flatnonzero(r[:, 0])) * H
    assert isi.min() >= 1e-3          # t_ref = 1 ms by default
    # rockpool's default AHP kick is ~4e-14 A per spike; a strong one:
    strong = CoreBiases.from_overrides(Idc=5e-9, Iw_ahp=1e-8,
                                       Igain_ahp=50 * default_biases()["Itau_ahp"])
    r2, _ = run_raster(circuits(1, strong), np.zeros((T, 1)), record=())
    isi2 = np.diff(np.flatnonzero(r2[:, 0])) * H
    assert r2.sum() < r.sum()
    assert isi2[-1] > isi2[0]        # adaptation lengthens the intervals


@pytest.mark.gpu
def test_circuits_on_cupy_match_numpy():
    from pycarl_backend.engine.backend import cupy_or_none
    cp = cupy_or_none()
    if cp is None:
        pytest.skip("needs CuPy and a CUDA GPU")
    rng = np.random.default_rng(4)
    N, T = 256, 5000
    ext = np.zeros((T, N, 4))
    ext[:, :, 0] = (rng.random((T, N)) < 100 * H) * 2.0
    ext[:, :, 3] = (rng.random((T, N)) < 50 * H) * 1.0
    active = (True, False, False, True)
    p = per_neuron({0: CoreBiases()}, np.zeros(N, int), cv=0.1, seed=1)
    host = DPICircuits(p, H, active=active, dtype=np.float64)
    dev = DPICircuits(p, H, xp=cp, active=active, dtype=np.float64)
    a, _ = run_raster(host, ext, record=())
    b, _ = run_raster(dev, cp.asarray(ext), record=())
    b = cp.asnumpy(b)
    assert a.sum() > 100
    lost, total = unmatched_spikes(a, b)
    assert len(lost) <= 0.001 * total
