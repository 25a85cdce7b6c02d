"""hardware_models.truenorth against SANA-FE's `truenorth` soma model, tick for tick.

SANA-FE (SLAM-Lab/SANA-FE, src/models.cpp TrueNorthModel; pip package
`sanafe`) runs the same cores (tests/truenorth_sanafe.py says how they are
translated). Deterministic modes: identical spike trains and potentials at
every tick. Stochastic threshold: same firing statistics (two-sample KS
test on per-neuron spike counts over many seeds; SANA-FE's std::rand stream
is global and unseeded, so only statistics can agree). SANA-FE applies the
leak before the synaptic input; Cassidy 2013 after it: runs with leak
reversal use ``leak_first=True`` (SANA-FE's order), and one test shows the
chip's order gives a different trace there.
"""
import numpy as np
import pytest

from hardware_models.truenorth import CoreSpec, NeuronParams, TrueNorthNetwork

pytest.importorskip("sanafe")
from truenorth_sanafe import run_sanafe  # noqa: E402


def drivers(n, seed, target_core, target_axon, delay=1, name="drivers"):
    """n TrueNorth neurons firing at rate leak/threshold (linear reset, constant leak)."""
    rng = np.random.default_rng(seed)
    lam = rng.integers(1, 6, n)
    p = NeuronParams(np.zeros((n, 4), int), rng.integers(3, 20, n), leak=lam, reset_mode="linear")
    return CoreSpec(np.zeros((0, n), bool), np.zeros(0, int), p, target_core=target_core,
                    target_axon=target_axon, delay=delay, name=name)


def compare(cores, ticks, leak_first):
    S, V = TrueNorthNetwork(cores, leak_first=leak_first).run(ticks)
    S2, V2 = run_sanafe(TrueNorthNetwork(cores, leak_first=leak_first), ticks)
    return S, V, S2, V2


CASES = [(g, e, k) for g in ("normal", "linear", "none") for e in (0, 1) for k in (0, 1)
         if not (g == "linear" and k == 0)]


@pytest.mark.parametrize("gamma,eps,kappa", CASES)
def test_one_neuron_each_reset_mode(gamma, eps, kappa):
    """One neuron under a tonic excitatory and inhibitory drive and a leak, 1000 ticks."""
    p = NeuronParams(np.array([[14, -11, 0, 0]]), 25, leak=-1 if eps else 1, leak_reversal=eps,
                     neg_threshold=6, neg_saturate=kappa, reset_mode=gamma, reset=3)
    cores = [drivers(2, 1, 1, [0, 1]), CoreSpec(np.ones((2, 1), bool), [0, 1], p, name="n")]
    S, V, S2, V2 = compare(cores, 1000, leak_first=bool(eps))
    assert S[:, 2].sum() > 5                     # the neuron fires
    if eps or gamma != "none":
        assert V[:, 2].min() < 0                 # and goes below zero
    assert (S == S2).all() and (V == V2).all()


def test_order_of_leak_matters_with_leak_reversal():
    """With leak reversal the chip's order (input, then leak) differs from SANA-FE's."""
    p = NeuronParams(np.array([[14, -11, 0, 0]]), 25, leak=-1, leak_reversal=True,
                     neg_threshold=6, reset=3)
    cores = [drivers(2, 1, 1, [0, 1]), CoreSpec(np.ones((2, 1), bool), [0, 1], p, name="n")]
    V = TrueNorthNetwork(cores).run(300)[1]
    V2 = run_sanafe(TrueNorthNetwork(cores), 300)[1]
    assert (V != V2).any()


def random_neurons(n, rng, stochastic_mask=0):
    gamma = rng.integers(0, 3, n)
    kappa = np.where(gamma == 1, True, rng.random(n) < 0.5)
    eps = rng.random(n) < 0.5
    return NeuronParams(rng.integers(-40, 61, (n, 4)), rng.integers(60, 300, n),
                        leak=np.where(eps, -rng.integers(0, 4, n), rng.integers(-3, 4, n)),
                        leak_reversal=eps, neg_threshold=rng.integers(0, 80, n),
                        neg_saturate=kappa, reset_mode=gamma, reset=rng.integers(-20, 20, n),
                        threshold_mask=stochastic_mask)


def test_crossbar_core_256_by_256_four_axon_types():
    rng = np.random.default_rng(7)
    core = CoreSpec(rng.random((256, 256)) < 0.3, rng.integers(0, 4, 256),
                    random_neurons(256, rng), name="core")
    assert set(core.axon_types.tolist()) == {0, 1, 2, 3}
    cores = [drivers(128, 2, 2, np.arange(128), name="d0"),
             drivers(128, 3, 2, np.arange(128, 256), name="d1"), core]
    ticks = 300
    S, V, S2, V2 = compare(cores, ticks, leak_first=True)
    n_spikes = int(S[:, 256:].sum())
    assert n_spikes > 1000
    assert (S == S2).all() and (V == V2).all()
    print(f"crossbar core: {ticks} ticks x 256 neurons, {n_spikes} spikes, identical")


def test_multicore_network_with_axonal_delays():
    """5 cores x 256 neurons (1280) plus 320 driver neurons, delays 1-6 ticks, 300 ticks."""
    rng = np.random.default_rng(3)
    n_cores, ticks = 5, 300
    cores = [drivers(160, 10 + h, [2 + (h * 160 + i) // 64 for i in range(160)],
                     [(h * 160 + i) % 64 for i in range(160)], delay=rng.integers(1, 7, 160),
                     name=f"d{h}") for h in range(2)]
    for k in range(n_cores):
        # neurons 0..191 of core k feed axons 64..255 of core k+1 (cyclic), the rest only record
        nxt = 2 + (k + 1) % n_cores
        target_core = np.where(np.arange(256) < 192, nxt, -1)
        target_axon = np.where(np.arange(256) < 192, 64 + rng.permutation(256)[:256] % 192, -1)
        target_axon[:192] = 64 + rng.permutation(192)
        cores.append(CoreSpec(rng.random((256, 256)) < 0.15, rng.integers(0, 4, 256),
                              random_neurons(256, rng), target_core=target_core,
                              target_axon=target_axon, delay=rng.integers(1, 7, 256),
                              name=f"core{k}"))
    S, V, S2, V2 = compare(cores, ticks, leak_first=True)
    tn = slice(320, 320 + n_cores * 256)
    n_spikes = int(S[:, tn].sum())
    assert n_spikes > 2000
    assert (S[:, tn].sum(0) > 0).sum() > 500          # most neurons take part
    assert (S == S2).all() and (V == V2).all()
    print(f"multi-core: {ticks} ticks x {n_cores * 256} neurons, {n_spikes} spikes, identical")


def test_stochastic_threshold_statistics():
    """Per-neuron spike counts with a stochastic threshold (mask 0x1F), normal reset:
    pycarl over 20 seeds vs SANA-FE over 20 runs, 100 neurons x 400 ticks each; two-sample
    KS test on the 2000 counts of each, and a chi-square test of homogeneity on the pooled
    inter-spike-interval histograms (intervals 14..45 ticks: ceil(40/3) .. ceil(71/3))."""
    from scipy import stats
    n, ticks, runs = 100, 400, 20
    p = NeuronParams(np.zeros((n, 4), int), 40, leak=3, threshold_mask=0x1F, reset_mode="normal")
    cores = [CoreSpec(np.zeros((1, n), bool), [0], p)]
    ours_s = [TrueNorthNetwork(cores, seed=s).run(ticks)[0] for s in range(runs)]
    theirs_s = [run_sanafe(TrueNorthNetwork(cores), ticks)[0] for _ in range(runs)]
    ours = np.concatenate([S.sum(0) for S in ours_s])
    theirs = np.concatenate([S.sum(0) for S in theirs_s])

    def isi_histogram(trains):
        isi = np.concatenate([np.diff(np.flatnonzero(S[:, j])) for S in trains
                              for j in range(n)])
        assert isi.min() >= 14 and isi.max() <= 45
        return np.bincount(isi - 14, minlength=32)
    table = np.array([isi_histogram(ours_s), isi_histogram(theirs_s)])
    table = table[:, table.sum(0) >= 10]
    chi2 = stats.chi2_contingency(table)
    assert ours.std() > 0.5 and theirs.std() > 0.5    # stochastic in both
    deterministic = 400 // 14                          # ceil(40 / 3) ticks per spike without noise
    assert ours.mean() < deterministic                 # V >= alpha + eta: the noise raises it
    ks = stats.ks_2samp(ours, theirs)
    print(f"stochastic threshold: mean counts {ours.mean():.3f} vs {theirs.mean():.3f}, "
          f"KS p={ks.pvalue:.3f}; {table.sum()} ISIs, chi-square p={chi2.pvalue:.3f}")
    assert ks.pvalue > 1e-3 and chi2.pvalue > 1e-3
