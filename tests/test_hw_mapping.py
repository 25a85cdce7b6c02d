"""Mapping: limits raise HardwareConstraintError with names and numbers; strategies; splitters."""
import sys

import numpy as np
import pytest

from hardware_models import (HardwareConstraintError, NetworkGraph, PopulationSpec,
                             ProjectionSpec, load_hardware)


def graph(sizes, projs, dt=0.1):
    pops, first = [], 0
    for label, n, *src in sizes:
        pops.append(PopulationSpec(label, n, "IF_curr_exp", first, bool(src and src[0])))
        first += n
    pr = [ProjectionSpec(label, pre, post, "excitatory", s, t, np.full(len(s), 1.0),
                         np.ones(len(s))) for label, pre, post, s, t in projs]
    return NetworkGraph(dt, pops, pr)


def test_cores_available_and_neurons_per_core():
    g = graph([("exc", 25)], [])
    hw = load_hardware("loihi", neurons_per_core=10, cores=2)
    with pytest.raises(HardwareConstraintError) as e:
        hw.attach(g)
    msg = str(e.value)
    assert "Loihi has 2 cores; the network needs 3" in msg and "10 neurons per core" in msg
    hw = load_hardware("loihi", neurons_per_core=10, cores=3)
    hw.attach(g)
    assert hw.n_cores_used == 3
    assert np.bincount(hw.core_of_neuron).tolist() == [10, 10, 5]


def test_dynapse_fan_in_per_neuron_message():
    src = np.arange(1, 71)
    g = graph([("exc", 100)], [("e2e", "exc", "exc", src, np.full(70, 17))])
    with pytest.raises(HardwareConstraintError) as e:
        load_hardware("dynapse").attach(g)
    assert "DYNAP-SE allows 64 inputs per neuron; 'exc'[17] has 70 via projection 'e2e'" \
        in str(e.value)


def test_fan_in_axons_per_core_single_neuron_and_packing():
    # one neuron with 12 distinct sources, the core takes 10 axons
    g = graph([("in", 12, True), ("out", 1)],
              [("p", "in", "out", np.arange(12), np.full(12, 12))])
    with pytest.raises(HardwareConstraintError, match=r"10 input axons per core; 'out'\[0\] "
                                                      r"alone receives from 12 distinct"):
        load_hardware("loihi", **{"limits.fan_in_axons_per_core": 10}).attach(g)
    # two neurons with 6 disjoint sources each: 12 > 10 axons, so two cores
    g = graph([("in", 12, True), ("out", 2)],
              [("p", "in", "out", np.arange(12), np.repeat([12, 13], 6))])
    hw = load_hardware("loihi", **{"limits.fan_in_axons_per_core": 10})
    hw.attach(g)
    assert hw.core_of_neuron.tolist() == [-1] * 12 + [0, 1]
    # shared sources count once per core
    g = graph([("in", 6, True), ("out", 2)],
              [("p", "in", "out", np.tile(np.arange(6), 2), np.repeat([6, 7], 6))])
    hw = load_hardware("loihi", **{"limits.fan_in_axons_per_core": 10})
    hw.attach(g)
    assert hw.n_cores_used == 1


def test_synaptic_memory_limit():
    g = graph([("in", 12, True), ("out", 1)],
              [("p", "in", "out", np.arange(12), np.full(12, 12))])
    # float cells on Loihi's network: the YAML's flat limits.synapse_bits
    with pytest.raises(HardwareConstraintError) as e:
        load_hardware("loihi", **{"limits.synaptic_memory_bits_per_core": 160,
                                  "cells": "software"}).attach(g)
    msg = str(e.value)
    assert "160 bits of synaptic memory per core (10 synapses of 16 bits)" in msg
    assert "'out'[0] alone needs 12 via projection 'p'" in msg


def test_loihi_synaptic_memory_from_its_encoding():
    # Loihi's own cells: 8 weight bits + 10 index bits (1024 compartments) = 18 per synapse,
    # + 6 delay bits when the projection's delays differ
    g = graph([("in", 12, True), ("out", 1)],
              [("p", "in", "out", np.arange(12), np.full(12, 12))])
    with pytest.raises(HardwareConstraintError, match="'out'\\[0\\] alone needs 216 bits for "
                                                      "12 synapses via projection 'p'"):
        load_hardware("loihi", **{"limits.synaptic_memory_bits_per_core": 215}).attach(g)
    load_hardware("loihi", **{"limits.synaptic_memory_bits_per_core": 216}).attach(g)
    g.projections[0].delay_steps = np.arange(12, dtype=np.int32) + 1
    with pytest.raises(HardwareConstraintError, match="needs 288 bits"):
        load_hardware("loihi", **{"limits.synaptic_memory_bits_per_core": 287}).attach(g)
    # 4-bit weights: 14 bits per synapse
    with pytest.raises(HardwareConstraintError, match="needs 240 bits"):   # 12 x (4 + 6 + 10)
        load_hardware("loihi", **{"limits.synaptic_memory_bits_per_core": 239,
                                  "quantization.mantissa_bits": 4}).attach(g)


def test_fan_out_axons_per_core():
    g = graph([("a", 3)], [("p", "a", "a", [0, 0], [1, 2])])
    with pytest.raises(HardwareConstraintError,
                       match=r"1 output axons per core; core 0 .* needs 2"):
        load_hardware("loihi", neurons_per_core=1,
                      **{"limits.fan_out_axons_per_core": 1}).attach(g)


def test_too_many_output_axons_repacks_with_fewer_neurons_per_core():
    # 8 neurons, all-to-all: 4 per core -> 2 cores, each neuron reaches 2 cores,
    # 8 output axons per core > 6 allowed; 2 per core -> 4 cores, 2 x 4 = 8 > 6;
    # 1 per core -> 8 cores, 1 x 8 = 8 > 6: refused with the numbers
    src, tgt = np.meshgrid(np.arange(8), np.arange(8))
    g = graph([("a", 8)], [("p", "a", "a", src.ravel(), tgt.ravel())])
    with pytest.raises(HardwareConstraintError,
                       match=r"6 output axons per core; core 0 .* needs 8"):
        load_hardware("loihi", neurons_per_core=4,
                      **{"limits.fan_out_axons_per_core": 6}).attach(g)
    # 8 neurons 'a' -> 1 neuron 'b': 8 per core gives a core of 8 'a' all sending to
    # b's core (8 axons > 3); repacked at 3 per core every core needs <= 3
    g = graph([("a", 8), ("b", 1)], [("p", "a", "b", np.arange(8), np.full(8, 8))])
    hw = load_hardware("loihi", neurons_per_core=8, **{"limits.fan_out_axons_per_core": 3})
    hw.attach(g)
    per_core = hw.summary()["mapping"]["neurons_per_core"]
    assert max(per_core) <= 3
    assert any("output axons" in note for note in hw.summary()["mapping"]["notes"])


def test_dynapse_destination_chips_per_neuron():
    # 1 neuron per core, 4 cores per chip: neuron 0 reaches chips 0, 1, 2, 3
    g = graph([("a", 16)], [("p", "a", "a", [0, 0, 0, 0], [1, 4, 8, 12])])
    with pytest.raises(HardwareConstraintError,
                       match=r"3 destination chips per neuron .*"
                             r"'a'\[0\] targets 4 chips via projection 'p'"):
        load_hardware("dynapse", neurons_per_core=1, quantize=False).attach(g)
    g = graph([("a", 16)], [("p", "a", "a", [0, 0, 0], [1, 4, 8])])
    load_hardware("dynapse", neurons_per_core=1, quantize=False).attach(g)


def _truenorth_fanout_graph():
    # neuron 0 targets neurons 1..4; 3 neurons per core: cores {0,1,2}, {3,4}
    return graph([("src", 1), ("dst", 4)], [("p", "src", "dst", [0] * 4, [1, 2, 3, 4])], dt=1.0)


def test_truenorth_fan_out_above_one_core_refused_clearly():
    with pytest.raises(HardwareConstraintError) as e:
        load_hardware("truenorth", neurons_per_core=3, fan_out_policy="refuse").attach(
            _truenorth_fanout_graph())
    msg = str(e.value)
    assert "TrueNorth neurons target 1 core(s); 'src'[0] targets 2 cores via projection 'p'" in msg
    assert "fan_out_policy: split" in msg


def test_truenorth_fan_out_handled_with_splitter_neurons():
    hw = load_hardware("truenorth", neurons_per_core=3, fan_out_policy="split")
    hw.attach(_truenorth_fanout_graph())
    assert hw.n_cores_used == 3                      # 2 neuron cores + 1 splitter core
    s0 = hw.summary()["mapping"]
    assert s0["splitter_neurons"] == 2 and s0["splitter_cores"] == 1
    assert s0["neurons_per_core"] == [3, 2, 2]
    out = hw.step(0, np.array([0]))
    # dt = tick = 1 ms: the splitter relay costs exactly one tick on both target cores
    assert out.tolist() == [[1, 1, 0]]
    s = hw.summary()
    assert s["counts"]["packets"] == 3               # neuron -> splitter core, 2 splitter packets
    assert sorted(s["deliveries"]["core"]) == [0, 1]
    assert all(lat >= 1e6 for lat in s["deliveries"]["latency_ns"])
    # a neuron needing more splitters than a core holds is refused with the numbers
    g = graph([("src", 1), ("dst", 12)], [("p", "src", "dst", [0] * 12, np.arange(1, 13))])
    with pytest.raises(HardwareConstraintError, match=r"'src'\[0\] targets 5 cores .* holds 3 "):
        load_hardware("truenorth", neurons_per_core=3, fan_out_policy="split").attach(g)


def _clustered_graph():
    # 80 neurons; dense connections among even neurons and among odd neurons only
    ev = np.arange(0, 80, 2)
    od = np.arange(1, 80, 2)
    s = np.concatenate([np.repeat(ev, 40), np.repeat(od, 40)])
    t = np.concatenate([np.tile(ev, 40), np.tile(od, 40)])
    keep = s != t
    return graph([("a", 80)], [("p", "a", "a", s[keep], t[keep])])


def _inter_core_pairs(hw):
    m = hw.mapping
    src_core = np.repeat(m.core_of_neuron, np.diff(m.out_ptr))
    return int((src_core != m.out_core).sum())


def test_min_comm_cuts_inter_core_traffic():
    g = _clustered_graph()
    seq = load_hardware("loihi", neurons_per_core=40)
    seq.attach(g)
    mc = load_hardware("loihi", neurons_per_core=40, mapping="min-comm")
    mc.attach(g)
    assert seq.n_cores_used == mc.n_cores_used == 2
    assert _inter_core_pairs(seq) == 80
    assert _inter_core_pairs(mc) == 0
    assert "pymetis" in " ".join(mc.summary()["mapping"]["notes"])
    # the partition keeps every limit
    assert max(np.bincount(mc.core_of_neuron)) <= 40


def test_min_comm_networkx_fallback(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymetis", None)     # import pymetis -> ImportError
    mc = load_hardware("loihi", neurons_per_core=40, mapping="min-comm")
    mc.attach(_clustered_graph())
    assert _inter_core_pairs(mc) == 0
    assert "networkx" in " ".join(mc.summary()["mapping"]["notes"])


def test_unknown_strategy_and_bad_indices():
    g = graph([("a", 3)], [])
    with pytest.raises(Exception, match="mapping"):
        load_hardware("loihi", mapping="random")
    g = graph([("a", 3)], [("p", "a", "a", [0], [5])])
    with pytest.raises(HardwareConstraintError, match="projection 'p': target index 5 outside"):
        load_hardware("loihi").attach(g)


@pytest.mark.parametrize("axons, bits, groups", [(None, None, False), (40, None, False),
                                                 (None, 3000, False), (25, 2000, True),
                                                 (1000, None, True)])
def test_compiled_packing_equals_reference(axons, bits, groups):
    """pack_sequential (compiled, packing.py) gives the cores and closing reasons of
    pack_sequential_reference on random networks, with each limit on and off."""
    from types import SimpleNamespace

    from hardware_models.mapping import _Synapses, pack_sequential, pack_sequential_reference
    rng = np.random.default_rng(7)
    n = 300
    s = rng.integers(0, n, 6000)
    t = rng.integers(0, n, 6000)
    g = graph([("a", 200), ("b", 100)], [("p", "a", "b", s[s < 200][:2000], t[s < 200][:2000]),
                                         ("q", "b", "a", s[:1500] % 100 + 200, t[:1500] % 200),
                                         ("r", "a", "a", s[:2500] % 200, t[:2500] % 200)])
    syn = _Synapses(g)
    lim = SimpleNamespace(fan_in_axons_per_core=axons, synaptic_memory_bits_per_core=bits,
                          synapse_bits=8, synapse_bits_by_projection={"q": 16})
    order = rng.permutation(n)
    grp = np.sort(rng.integers(0, 4, n)) if groups else None
    seen = set()
    for npc in (1, 7, 64, 1024):
        ids, reasons = pack_sequential(order, syn, lim, npc, grp)
        ref_ids, ref_reasons = pack_sequential_reference(order, syn, lim, npc, grp)
        np.testing.assert_array_equal(ids, ref_ids)
        assert reasons == ref_reasons
        seen.update(reasons)
    # the limits switched on did close cores
    assert ("fan_in_axons_per_core" in seen) == (axons is not None and axons < 100)
    if axons is None:      # (with a tight axon limit that one closes the cores first)
        assert ("synaptic_memory_bits_per_core" in seen) == (bits is not None)
    assert ("parameter_set_per_core" in seen) == groups


def test_compiled_fan_out_pairs_equal_reference():
    """fan_out_pairs (compiled count by source) = np.unique of (source, target core)
    pairs with counts; a target off-chip (core -1) falls back to the reference."""
    from hardware_models.mapping import _Synapses, fan_out_pairs, fan_out_pairs_reference
    rng = np.random.default_rng(3)
    s = rng.integers(0, 250, 5000)
    t = rng.integers(0, 250, 5000)
    g = graph([("a", 250)], [("p", "a", "a", s, t)])
    syn = _Synapses(g)
    for n_cores in (1, 3, 40, 250):
        core_of = np.sort(rng.integers(0, n_cores, 250)).astype(np.int32)
        got = fan_out_pairs(syn, core_of, n_cores)
        ref = fan_out_pairs_reference(syn, core_of, n_cores)
        for x, y in zip(got, ref):
            np.testing.assert_array_equal(x, y)
        assert got[2].sum() == 5000
    core_of[t[0]] = -1
    for x, y in zip(fan_out_pairs(syn, core_of, 250), fan_out_pairs_reference(syn, core_of, 250)):
        np.testing.assert_array_equal(x, y)
