"""Weight quantization per chip, each switchable via `quantize`."""
import numpy as np
import pytest

from hardware_models import (ChipSpecError, HardwareConstraintError, NetworkGraph, PopulationSpec,
                             ProjectionSpec, load_hardware)


def net(projs, n=10, n_src=0, dt=1.0):
    pops = []
    if n_src:
        pops.append(PopulationSpec("src", n_src, "SpikeSourcePoisson", 0, True))
    pops.append(PopulationSpec("a", n, "IF_curr_exp", n_src))
    return NetworkGraph(dt, pops, [ProjectionSpec(*p) for p in projs])


IF_CURR_EXP = dict(v_rest=-65.0, cm=1.0, tau_m=20.0, tau_refrac=0.1, tau_syn_E=5.0,
                   tau_syn_I=5.0, i_offset=0.0, v_reset=-65.0, v_thresh=-50.0)


def loihi_net(projs, n=10):
    """Like net(), with the IF_curr_exp parameters Loihi's translation needs."""
    g = net(projs, n=n)
    g.populations[0].parameters = {k: np.full(n, v) for k, v in IF_CURR_EXP.items()}
    return g


# u units per nA for IF_curr_exp defaults at dt = 1 ms (loihi/translate.py):
# s = vth_mant * 64 / (v_thresh - v_reset), dv = round(4096 (1 - exp(-1/20))) = 200,
# w_act per nA = s * tau_m * dv/4096 / cm
S = 16384 * 64 / 15.0 * 20.0 * 200 / 4096


def test_loihi_mantissa_and_weight_exponent_hand_computed():
    # mixed signs: mantissa -256..254 in steps of 2 (brian2-loihi); n = w S / 64 =
    # 1066.7, 533.3, 320, -320 -> w_exp = ceil(log2(1066.7 / 256)) = 3;
    # m = round(n / 8 / 2) * 2 = 134, 66, 40, -40; w_act = m * 2**(6+3)
    g = loihi_net([("p", "a", "a", "excitatory", [0, 1, 2, 3], [4, 4, 5, 5],
                    [1.0, 0.5, 0.3, -0.3], [1] * 4)])
    hw = load_hardware("loihi")
    hw.attach(g)
    q = hw.quantized_weight("p")
    assert q.tolist() == pytest.approx([134 * 512 / S, 66 * 512 / S, 0.3, -0.3], rel=1e-6)
    # 4 weight bits, mixed: steps of 2**(8 - (4 - 1)) = 32 -> m = 128, 64, 32, -32
    hw = load_hardware("loihi", **{"quantization.mantissa_bits": 4})
    hw.attach(g)
    assert hw.quantized_weight("p").tolist() == pytest.approx(
        [128 * 512 / S, 64 * 512 / S, 32 * 512 / S, -32 * 512 / S], rel=1e-6)


def test_loihi_exponent_is_per_projection():
    # one exponent per projection (synapse group): small weights in their own projection
    # keep their precision; next to a large weight they round to the coarse grid
    small, large = 0.003, 1.0
    alone = loihi_net([("s", "a", "a", "excitatory", [0], [1], [small], [1]),
                       ("l", "a", "a", "excitatory", [0], [2], [large], [1])])
    hw = load_hardware("loihi")
    hw.attach(alone)
    # n = 0.003 S / 64 = 3.2 -> w_exp 0, m = 3 -> 3 * 64 / S
    assert hw.quantized_weight("s")[0] == pytest.approx(3 * 64 / S, rel=1e-6)
    together = loihi_net([("p", "a", "a", "excitatory", [0, 0], [1, 2], [small, large],
                           [1, 1])])
    hw.attach(together)
    # n = 1066.7 -> w_exp = ceil(log2(1066.7 / 255)) = 3: 3.2 / 8 rounds to 0
    assert hw.quantized_weight("p")[0] == 0.0


def test_loihi_exponent_range_error_names_projection():
    g = loihi_net([("huge", "a", "a", "excitatory", [0], [1], [1e12], [1])])
    with pytest.raises(HardwareConstraintError, match="projection 'huge'.*-8..7"):
        load_hardware("loihi").attach(g)


def test_loihi_weights_of_cells_without_parameters_keep_relative_grid():
    # a graph from elsewhere (no cell parameters): the largest |w| is the largest mantissa
    g = net([("p", "a", "a", "excitatory", [0, 1], [2, 3], [1.0, 0.3], [1, 1])])
    hw = load_hardware("loihi")
    hw.attach(g)
    assert hw.quantized_weight("p").tolist() == pytest.approx([1.0, 76 / 255], rel=1e-6)


def test_truenorth_one_weight_per_axon_type_per_neuron():
    # target 5 receives 1.0 and 3.0 from projection p (one axon type) and -2.0 from q
    g = net([("p", "a", "a", "excitatory", [0, 1], [5, 5], [1.0, 3.0], [1, 1]),
             ("q", "a", "a", "inhibitory", [2], [5], [-2.0], [1])])
    hw = load_hardware("truenorth")
    hw.attach(g)
    # scale = max |mean| / 255 = 2/255: means 2.0 and -2.0 are exact
    assert hw.quantized_weight("p").tolist() == pytest.approx([2.0, 2.0])
    assert hw.quantized_weight("q").tolist() == pytest.approx([-2.0])


def test_truenorth_integer_weights_on_a_chip_wide_scale():
    g = net([("p", "a", "a", "excitatory", [0, 1], [5, 6], [1.0, 0.3], [1, 1])])
    hw = load_hardware("truenorth", **{"quantization.weight_bits": 3})   # integers -3..3
    hw.attach(g)
    assert hw.quantized_weight("p").tolist() == pytest.approx([1.0, 1 / 3])


def test_truenorth_more_than_four_projections_share_four_types():
    projs = [(f"p{k}", "a", "a", "excitatory", [k], [9], [float(k + 1)], [1]) for k in range(6)]
    hw = load_hardware("truenorth")
    hw.attach(net(projs))
    vals = [float(hw.quantized_weight(f"p{k}")[0]) for k in range(6)]
    assert len(set(np.round(vals, 6))) <= 4
    # weights of one type are the mean of their group: grouped values lie within the range
    assert min(vals) >= 1.0 - 1e-6 and max(vals) <= 6.0 + 1e-6


def test_dynapse_shared_weights_with_seeded_mismatch():
    rng = np.random.default_rng(0)
    n = 200
    s = rng.integers(0, n, 2000)
    t = rng.integers(0, n, 2000)
    w = rng.uniform(0.5, 1.5, 2000)
    g = net([("e", "a", "a", "excitatory", s, t, w, np.ones(2000))], n=n)
    ideal = load_hardware("dynapse", **{"quantization.mismatch_cv": 0.0}, neurons_per_core=256)
    with pytest.raises(HardwareConstraintError):       # 16 cores x 256 hold it, but fan-in > 64?
        g_big = net([("e", "a", "a", "excitatory", np.arange(65), np.zeros(65, int),
                      np.ones(65), np.ones(65))], n=70)
        ideal.attach(g_big)
    ideal.attach(g)
    q0 = ideal.quantized_weight("e")
    # one core, one type: every weight is the mean |w|
    assert np.allclose(q0, w.mean(), rtol=1e-6)
    cv = {"quantization.mismatch_cv": 0.2}    # (dynapse.yaml's own cv is rockpool's 0.1)
    a = load_hardware("dynapse", **cv)
    a.attach(g)
    b = load_hardware("dynapse", **cv)
    b.attach(g)
    c = load_hardware("dynapse", **cv, **{"quantization.seed": 99})
    c.attach(g)
    qa, qb, qc = (x.quantized_weight("e") for x in (a, b, c))
    assert np.array_equal(qa, qb)                   # seeded: same draw
    assert not np.array_equal(qa, qc)
    # mismatch is per (neuron, type): same target, same weight
    for tgt in np.unique(t)[:20]:
        assert np.ptp(qa[t == tgt]) < 1e-6
    per_neuron = np.array([qa[t == x][0] for x in np.unique(t)]) / w.mean()
    assert 0.15 < per_neuron.std() < 0.25           # ~20 % mismatch
    off = load_hardware("dynapse", quantize=False)
    off.attach(g)
    assert off.quantized_weight("e") is None


def test_dynapse_fast_and_slow_types_per_core():
    # two excitatory projections into one core get their own shared weights
    g = net([("strong", "a", "a", "excitatory", [0, 1], [5, 6], [2.0, 4.0], [1, 1]),
             ("weak", "a", "a", "excitatory", [2, 3], [5, 6], [0.1, 0.3], [1, 1]),
             ("inh", "a", "a", "inhibitory", [4], [5], [-1.0], [1])])
    hw = load_hardware("dynapse", **{"quantization.mismatch_cv": 0.0})
    hw.attach(g)
    assert hw.quantized_weight("strong").tolist() == pytest.approx([3.0, 3.0])
    assert hw.quantized_weight("weak").tolist() == pytest.approx([0.2, 0.2])
    assert hw.quantized_weight("inh").tolist() == pytest.approx([-1.0])


def test_dynapse_synapse_types_set_how_many_shared_weights_a_core_has():
    # three excitatory projections into one core (mean |w| 4, 2, 1) and one inhibitory
    g = net([("p4", "a", "a", "excitatory", [0, 1], [5, 6], [4.0, 4.0], [1, 1]),
             ("p2", "a", "a", "excitatory", [2], [5], [2.0], [1]),
             ("p1", "a", "a", "excitatory", [3], [6], [1.0], [1]),
             ("inh", "a", "a", "inhibitory", [4], [5], [-1.0], [1])])

    def weights(n_types):
        hw = load_hardware("dynapse", **{"quantization.mismatch_cv": 0.0,
                                         "quantization.synapse_types": n_types})
        hw.attach(g)
        return {k: hw.quantized_weight(k).tolist() for k in ("p4", "p2", "p1", "inh")}

    # 4 types (2 excitatory): split at the median mean |w| (2): p4 and p2 share one
    assert weights(4) == {"p4": pytest.approx([10 / 3] * 2), "p2": pytest.approx([10 / 3]),
                          "p1": pytest.approx([1.0]), "inh": pytest.approx([-1.0])}
    # 6 types (3 excitatory): one each
    assert weights(6) == {"p4": pytest.approx([4.0, 4.0]), "p2": pytest.approx([2.0]),
                          "p1": pytest.approx([1.0]), "inh": pytest.approx([-1.0])}
    # 2 types (1 excitatory): all excitatory synapses share the mean
    assert weights(2)["p1"] == pytest.approx([2.75])
    with pytest.raises(ChipSpecError, match="synapse_types >= 2"):
        weights(1)


@pytest.mark.parametrize("chip", ["truenorth", "loihi", "dynapse"])
def test_quantize_switch(chip):
    g = net([("p", "a", "a", "excitatory", [0, 1], [2, 3], [0.123456, 0.5], [1, 1])])
    on = load_hardware(chip)
    on.attach(g)
    assert on.quantized_weight("p") is not None
    assert not np.allclose(on.quantized_weight("p"), [0.123456, 0.5], rtol=1e-7, atol=0)
    off = load_hardware(chip, quantize=False)
    off.attach(g)
    assert off.quantized_weight("p") is None
