"""TrueNorth's neuron and crossbar core (hardware_models.truenorth).

Rules checked by hand against Cassidy et al. 2013 (eqs. 1-3), then the
deterministic modes cross-checked spike for spike and potential for
potential against SANA-FE's `truenorth` soma model (src/models.cpp,
TrueNorthModel) and the stochastic modes checked for their statistics.
"""
import numpy as np
import pytest

from hardware_models import HardwareConstraintError
from hardware_models.truenorth import CoreSpec, NeuronParams, TrueNorthNetwork
from hardware_models.truenorth.neuron import threshold_and_reset, leak


def one(**kw):
    kw.setdefault("weights", np.zeros((1, 4), int))
    kw.setdefault("threshold", 10)
    return NeuronParams(**kw)


def _threshold(V, p, seed=0, tick=0):
    r = threshold_and_reset(np, np.asarray(V, np.int64), p, np.zeros(len(V), np.int64), seed, tick,
                            np.arange(len(V)))
    return r.V.tolist(), r.fired.tolist()


# ---------------------------------------------------------------- rules by hand
def test_reset_modes_cassidy_eq3():
    V = [12, 9, -20]
    assert _threshold(V, NeuronParams(np.zeros((3, 4), int), 10, reset=2, reset_mode=0,
                                      neg_threshold=5, neg_saturate=False)) == \
        ([2, 9, -2], [True, False, False])                 # normal: R, and -R below -beta
    assert _threshold(V, NeuronParams(np.zeros((3, 4), int), 10, reset_mode=1,
                                      neg_threshold=5, neg_saturate=False)) == \
        ([2, 9, -15], [True, False, False])                # linear: V - alpha, V + beta
    assert _threshold(V, NeuronParams(np.zeros((3, 4), int), 10, reset_mode=2,
                                      neg_threshold=5, neg_saturate=True)) == \
        ([12, 9, -5], [True, False, False])                # none; kappa 1 saturates at -beta
    # V = -beta is not below the negative threshold (strict <, Cassidy 2013)
    assert _threshold([-5], one(neg_threshold=5, neg_saturate=False, reset=7)) == ([-5], [False])


def test_leak_reversal_cassidy_eq2():
    V = np.array([5, -5, 0], np.int64)
    z = np.zeros(3, np.int64)
    towards = NeuronParams(np.zeros((3, 4), int), 99, leak=-2, leak_reversal=True)
    away = NeuronParams(np.zeros((3, 4), int), 99, leak=2, leak_reversal=True)
    plain = NeuronParams(np.zeros((3, 4), int), 99, leak=-2)
    assert leak(np, V, towards, z, 0, 0, z).tolist() == [3, -3, 0]
    assert leak(np, V, away, z, 0, 0, z).tolist() == [7, -7, 0]
    assert leak(np, V, plain, z, 0, 0, z).tolist() == [3, -7, -2]


def test_stochastic_threshold_linear_reset_subtracts_alpha_plus_eta():
    p = one(threshold=10, reset_mode=1, threshold_mask=0xF, neg_threshold=10**6)
    z = np.zeros(1, np.int64)
    from hardware_models.truenorth.prng import STREAM_THRESHOLD, draw
    for tick in range(50):
        eta = int(draw(np, 3, z, tick, STREAM_THRESHOLD, z)[0]) & 0xF
        V, fired = _threshold([30], p, seed=3, tick=tick)
        assert fired == [30 >= 10 + eta] and V == [30 - 10 - eta]


def test_parameter_ranges_named():
    with pytest.raises(HardwareConstraintError, match=r"weights must be -255..255.*got 256"):
        NeuronParams(np.full((1, 4), 256), 1)
    with pytest.raises(HardwareConstraintError, match=r"leak must be -255..255.*got -300"):
        one(leak=-300)
    with pytest.raises(HardwareConstraintError, match=r"must be integers.*0.5"):
        one(threshold=0.5)
    with pytest.raises(HardwareConstraintError, match=r"reset_mode 'soft' unknown"):
        one(reset_mode="soft")
    assert one(reset_mode="linear").reset_mode.tolist() == [1]


def test_core_limits_named():
    p = NeuronParams(np.zeros((2, 4), int), 1)
    with pytest.raises(HardwareConstraintError, match=r"256 axons per core.*'big' has 257"):
        CoreSpec(np.zeros((257, 2), bool), np.zeros(257, int), p, name="big")
    with pytest.raises(HardwareConstraintError, match=r"4 axon types.*uses type 4"):
        CoreSpec(np.zeros((2, 2), bool), [0, 4], p)
    with pytest.raises(HardwareConstraintError, match=r"delays are 1-15 ticks.*delay 16"):
        CoreSpec(np.zeros((2, 2), bool), [0, 1], p, target_core=0, target_axon=[0, 1], delay=16)
    with pytest.raises(HardwareConstraintError, match=r"delays are 1-15 ticks.*delay 0"):
        CoreSpec(np.zeros((2, 2), bool), [0, 1], p, target_core=0, target_axon=[0, 1], delay=0)


def test_axonal_delay_and_crossbar_by_hand():
    # a driver firing every tick at t = 0, 1, ...; delay 3 -> first integrated at tick 3
    drv = CoreSpec(np.zeros((0, 1), bool), np.zeros(0, int),
                   one(threshold=1, leak=1), target_core=1, target_axon=1, delay=3)
    tgt = CoreSpec(np.array([[1, 1], [1, 0]], bool), [0, 2],
                   NeuronParams(np.array([[100, 0, 7, 0], [5, 0, -9, 0]]), 10**6))
    S, V = TrueNorthNetwork([drv, tgt]).run(6)
    assert S[:, 0].all()
    assert V[:, 1].tolist() == [0, 0, 0, 7, 14, 21]       # axon 1 (type 2) reaches neuron 0 only
    assert V[:, 2].tolist() == [0] * 6


# ---------------------------------------------------------------- stochastic modes
def test_stochastic_synapse_and_leak_probability():
    """P(+sgn(s)) = P(rho <= |s|) = (|s| + 1) / 256 for an 8-bit rho (Cassidy 2013 eq. 1-2;
    NeMo's BINCOMP); checked as a binomial count over 200 neurons x 500 ticks (chi-square)."""
    from scipy import stats
    n, ticks, s = 200, 500, 63
    drv = CoreSpec(np.zeros((0, 1), bool), np.zeros(0, int), one(threshold=1, leak=1),
                   target_core=1, target_axon=0, delay=1)
    p = NeuronParams(np.tile([s, 0, 0, 0], (n, 1)), 10**9, stochastic_synapse=[True, 0, 0, 0],
                     leak=-s, stochastic_leak=True, neg_threshold=10**9)
    syn = CoreSpec(np.ones((1, n), bool), [0], p)
    net = TrueNorthNetwork([drv, syn], seed=11)
    S, V = net.run(ticks)
    # V(t) = (# synaptic successes) - (# leak successes); 499 synaptic events (delay 1), 500 leaks
    prob = (s + 1) / 256
    silent = CoreSpec(np.zeros((0, 1), bool), np.zeros(0, int), one())
    net_leak = TrueNorthNetwork([silent, CoreSpec(np.zeros((1, n), bool), [0], p)], seed=11)
    _, VL = net_leak.run(ticks)
    leaks = -VL[-1, 1:]                           # leak only: V = -(# leak successes)
    for count, trials in ((leaks, ticks), (V[-1, 1:] + leaks, ticks - 1)):
        expected = stats.binom(trials, prob)
        edges = np.quantile(expected.rvs(200000, random_state=1), np.linspace(0, 1, 9))
        edges[0], edges[-1] = -1, trials + 1
        obs = np.histogram(count, edges)[0]
        exp = np.diff(expected.cdf(edges - 0.5)) * count.size
        chi2 = stats.chisquare(obs, exp * obs.sum() / exp.sum())
        assert chi2.pvalue > 1e-3, (obs, exp)


def test_prng_seeded_and_per_core():
    p = NeuronParams(np.zeros((4, 4), int), 40, leak=8, threshold_mask=0x3F)
    cores = [CoreSpec(np.zeros((1, 4), bool), [0], p) for _ in range(2)]
    a = TrueNorthNetwork(cores, seed=5).run(200)[0]
    assert (a == TrueNorthNetwork(cores, seed=5).run(200)[0]).all()
    assert not (a == TrueNorthNetwork(cores, seed=6).run(200)[0]).all()
    assert not (a[:, :4] == a[:, 4:]).all()        # two cores, two streams


def _cupy():
    try:
        import cupy
        cupy.zeros(1)
        return cupy
    except Exception:
        return None


@pytest.mark.gpu
@pytest.mark.skipif(_cupy() is None, reason="needs CuPy and a CUDA GPU")
def test_cupy_gives_the_numpy_trains_and_potentials():
    """The same array code on the GPU: identical spikes and potentials, stochastic modes too
    (the counter-based PRNG gives the same bits on both)."""
    cp = _cupy()
    rng = np.random.default_rng(2)
    n = 256
    p = NeuronParams(rng.integers(-60, 61, (n, 4)), rng.integers(50, 200, n),
                     leak=rng.integers(-3, 4, n), leak_reversal=rng.random(n) < 0.5,
                     stochastic_leak=rng.random(n) < 0.3,
                     stochastic_synapse=rng.random((n, 4)) < 0.3,
                     threshold_mask=0x0F, neg_threshold=40, reset_mode=rng.integers(0, 3, n))
    drv = CoreSpec(np.zeros((0, 64), bool), np.zeros(0, int),
                   NeuronParams(np.zeros((64, 4), int), rng.integers(5, 20, 64),
                                leak=rng.integers(1, 5, 64), reset_mode="linear"),
                   target_core=1, target_axon=np.arange(64), delay=rng.integers(1, 16, 64))
    core = CoreSpec(rng.random((64, n)) < 0.3, rng.integers(0, 4, 64), p)
    S, V = TrueNorthNetwork([drv, core], seed=9).run(300)
    Sg, Vg = TrueNorthNetwork([drv, core], seed=9, xp=cp).run(300)
    assert S[:, 64:].sum() > 100
    assert (S == Sg).all() and (V == Vg).all()
