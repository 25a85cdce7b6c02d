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


def test_loihi_mantissa_and_shared_exponent_hand_computed():
    # one core; max |w| = 1.0 -> step 2**ceil(log2(1/255)) = 2**-7
    g = net([("p", "a", "a", "excitatory", [0, 1, 2, 3], [4, 4, 5, 5],
              [1.0, 0.5, 0.3, -0.3], [1] * 4)])
    hw = load_hardware("loihi")
    hw.attach(g)
    q = hw.quantized_weight("p")
    assert q.tolist() == pytest.approx([1.0, 0.5, 38 / 128, -38 / 128])
    # fewer mantissa bits: 4 bits -> step 2**ceil(log2(1/15)) = 2**-3
    hw = load_hardware("loihi", **{"quantization.mantissa_bits": 4})
    hw.attach(g)
    assert hw.quantized_weight("p").tolist() == pytest.approx([1.0, 0.5, 0.25, -0.25])


def test_loihi_exponent_is_shared_per_projection_and_core():
    # neurons 0..1 on core 0, 2..3 on core 1 (2 per core); small weights on core 1 keep precision
    g = net([("p", "a", "a", "excitatory", [0, 0, 0], [1, 2, 3], [1.0, 0.01, 0.003], [1] * 3)],
            n=4)
    hw = load_hardware("loihi", neurons_per_core=2)
    hw.attach(g)
    q = hw.quantized_weight("p")
    step1 = 2.0 ** np.ceil(np.log2(0.01 / 255))
    assert q[0] == pytest.approx(1.0)
    assert q[1] == pytest.approx(np.round(0.01 / step1) * step1)
    assert q[2] == pytest.approx(np.round(0.003 / step1) * step1)
    assert abs(q[2] - 0.003) < 1e-4        # with a chip-wide exponent 0.003 would round to 0


def test_loihi_exponent_range_error_names_projection():
    g = net([("huge", "a", "a", "excitatory", [0], [1], [1e12], [1])])
    with pytest.raises(HardwareConstraintError, match="projection 'huge'"):
        load_hardware("loihi").attach(g)


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
