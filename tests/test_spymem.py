"""sPyMem's memory models, unmodified, on pycarl_backend.spinnaker.

Skipped when sPyMem (pip install sPyMem; hippocampus_with_forgetting also
needs sPyBlocks) is not installed.
"""
import math

import pytest

import pycarl_backend.spinnaker as sim

pytest.importorskip("sPyMem")

CUE, CONT = 5, 10
OUT_CELL = {"cm": 0.27, "i_offset": 0.0, "tau_m": 3.0, "tau_refrac": 1.0, "tau_syn_E": 0.3,
            "tau_syn_I": 0.3, "v_reset": -60.0, "v_rest": -60.0, "v_thresh": -57.5}

#: the first experiment of the CAM paper's repository: (op, t, cue, content)
PROTOCOL = [("learn", 0, 0, {0, 1, 8, 9}), ("learn", 10, 4, {1, 5, 6}),
            ("learn", 20, 3, {4, 5, 6}), ("cue", 30, 0, None), ("content", 40, None, {6}),
            ("content", 50, None, {0, 4}), ("learn", 60, 3, {1, 3, 4, 8}),
            ("cue", 70, 3, None), ("content", 80, None, {6})]


def input_spikes(protocol, n_cue=CUE, n_cont=CONT):
    """A learn drives cue and content inputs at t, t+1, t+2; a recall once at t."""
    spikes = [[] for _ in range(n_cue + n_cont)]
    for op, t, cue, content in protocol:
        times = [t, t + 1, t + 2] if op == "learn" else [t]
        if cue is not None:
            spikes[cue] += times
        for j in content or ():
            spikes[n_cue + j] += times
    return [sorted(s) for s in spikes]


def output_by_tick(pop):
    out = {}
    for i, train in enumerate(pop.get_data("spikes").segments[0].spiketrains):
        for t in train.magnitude:
            out.setdefault(int(round(t)), set()).add(i)
    return out


def expected_outputs(protocol, n_cue=CUE):
    """Per operation: {tick: set of output cells} as the paper describes the CAM."""
    memories, expected = {}, []
    for op, t, cue, content in protocol:
        if op == "learn":
            memories[cue] = set(content)
            expected.append({t + 5: {cue} | {n_cue + j for j in content}})
        elif op == "cue":
            expected.append({t + 5: {cue}, t + 6: {n_cue + j for j in memories[cue]}})
        else:
            cues = {c for c, m in memories.items() if m & content}
            expected.append({t + 5: {n_cue + j for j in content}, t + 6: cues})
    return expected


def output_layer(n):
    layer = sim.Population(n, sim.IF_curr_exp(**OUT_CELL), label="OLayer")
    layer.set(v=-60)
    layer.record(["spikes"])
    return layer


@pytest.fixture
def spinnaker():
    sim.setup(timestep=1.0)
    yield sim
    sim.end()


def run_memory(memory_class, spike_times, tstop):
    """Build `memory_class(CUE, CONT, sim)` between an input layer driven by
    `spike_times` and an output layer (created first, as sPyMem's own scripts
    do), run `tstop` ms; the output cells firing at each tick."""
    inputs = sim.Population(len(spike_times), sim.SpikeSourceArray(spike_times=spike_times),
                            label="ILayer")
    outputs = output_layer(len(spike_times))
    memory = memory_class(CUE, CONT, sim)
    memory.connect_in(inputs)
    memory.connect_out(outputs)
    sim.run(tstop)
    return output_by_tick(outputs)


def run_nine_operations(**setup_options):
    """sPyMem's CA3 CAM on the paper repository's first experiment: per operation,
    (operation, seen output at the expected ticks, expected output)."""
    from sPyMem.CA3_content_addressable import CA3_content_addressable
    sim.setup(timestep=1.0, **setup_options)
    got = run_memory(CA3_content_addressable.Memory, input_spikes(PROTOCOL), 90)
    sim.end()
    return [(op, {tick: got.get(tick, set()) for tick in want}, want)
            for op, want in zip(PROTOCOL, expected_outputs(PROTOCOL))]


@pytest.fixture(scope="module")
def nine_operations():
    return run_nine_operations()


@pytest.mark.parametrize("k", range(9))
def test_content_addressable_memory_operation(nine_operations, k):
    (op, t, cue, content), seen, want = nine_operations[k]
    assert seen == want, f"{op} at {t}: got {seen}, expected {want}"


def test_spynnaker8_arithmetic_keeps_the_overwritten_association():
    """With the spynnaker8-era rule (A x w_max, one clip per presynaptic spike) the
    causal pair content 6 (t=64) -> cue 3 (t=65) of the overwrite re-potentiates
    6 -> 3 to w_max at the next presynaptic spike (83): recall by {6} then shows
    cues 3 and 4. Operations 1-8 are the same under both releases."""
    ops = run_nine_operations(spynnaker_version=6)
    assert all(seen == want for _, seen, want in ops[:8])
    (_, t, _, _), seen, want = ops[8]
    assert want == {85: {CUE + 6}, 86: {4}}
    assert seen == {85: {CUE + 6}, 86: {3, 4}}


def test_ca3_learn_recall_forget_relearn(spinnaker):
    from sPyMem.ca3 import CA3
    spikes = ([[0, 1, 2, 10, 20, 21, 22, 30], [], [], [], []]
              + [[0, 1, 2], [0, 1, 2], [0, 1, 2, 20, 21, 22], [20, 21, 22], [], [], [], [],
                 [20, 21, 22], [0, 1, 2]])
    got = run_memory(CA3.Memory, spikes, 40)
    old, new = {CUE + j for j in (0, 1, 2, 9)}, {CUE + j for j in (2, 3, 8)}
    assert got[2] == {0} | old                  # learn cue 0 = {0, 1, 2, 9}
    assert got[12] == {0} and got[13] == old    # recall by cue
    assert got[22] == {0} | new                 # relearn cue 0 = {2, 3, 8}
    assert got[32] == {0} and got[33] == new    # recall: the old content is forgotten


def test_hippocampus_with_forgetting_learn_and_recall(spinnaker):
    pytest.importorskip("sPyBlocks")
    from sPyMem.hippocampus_with_forgetting import hippocampus_with_forgetting
    n_in = math.ceil(math.log2(CUE)) + CONT
    spikes = [[1, 2, 3, 12], [], []] + [[1, 2, 3], [1, 2, 3], [1, 2, 3], [], [], [], [], [], [],
                                        [1, 2, 3]]
    inputs = sim.Population(n_in, sim.SpikeSourceArray(spike_times=spikes), label="ILayer")
    outputs = output_layer(n_in)
    hippocampus_with_forgetting.Memory(CUE, CONT, sim, inputs, outputs)
    sim.run(25)
    got = output_by_tick(outputs)
    content = {3 + j for j in (0, 1, 2, 9)}
    learned = [t for t, cells in got.items() if t < 12 and cells == {0} | content]
    assert learned, got                                   # cue 1 (binary 001) + content
    recall = {t: cells for t, cells in got.items() if t >= 12}
    assert set().union(*recall.values()) == {0} | content, got


def test_hippocampus_bioinspired_dg_ca1_learn_and_recall(spinnaker):
    from sPyMem.hippocampus_bioinspired_dg_ca1 import hippocampus_bioinspired_dg_ca1
    spikes = [[0, 1, 2, 10], [], []] + [[0, 1, 2], [0, 1, 2], [0, 1, 2], [], [], [], [], [], [],
                                        [0, 1, 2]]
    assert len(spikes) == math.ceil(math.log2(CUE)) + CONT   # binary cue lines + content
    got = run_memory(hippocampus_bioinspired_dg_ca1.Memory, spikes, 20)
    content = {3 + j for j in (0, 1, 2, 9)}
    assert got[4] == {0} | content                 # learn: cue 1 (binary 001) and content
    assert got[14] == {0} and got[15] == content   # recall by cue
