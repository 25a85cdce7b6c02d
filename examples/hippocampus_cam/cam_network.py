"""A CA3 content-addressable memory (CAM) built for pycarl_backend.spinnaker.

Written for this project from the description of Casanueva-Morato et al.
(2023/2024, "Bio-inspired computational memory model of the Hippocampus: an
approach to a neuromorphic spike-based Content-Addressable Memory"): one-hot
cue neurons and content neurons of CA3 joined by STDP in both directions,
so that a memory is learnt in one shot, recalled from its cue or from any
fragment of its content, and forgotten when its cue learns a new content.
The wiring and timing below are this project's own.

Populations (all IF_curr_exp, 1 ms ticks, sPyNNaker semantics):

    inputs   SpikeSourceArray: cue lines (C), learn lines (C), content lines (N)
    cue      C cells; fire on their cue line (a presynaptic side of W_f)
    content  N cells; fire on their content line, or when recalled through
             W_f (cue -> content, plastic)
    cue_rec  C cells; fire on their learn line, or when recalled through
             W_b (content -> cue_rec, plastic); silenced by any cue spike
             4 ticks earlier, so a recall by cue does not leak into them
    out      C + N cells: cue and cue_rec drive the cue part, content the rest

Operations (input spikes relative to the operation's start t; 14 ms apart):

    learn(c, S)    learn line c at t, t+4; cue line c at t+2, t+4, t+7;
                   content lines S at t+5.
                   Forward (W_f, cue -> content, delay 1): cue c fires at t+3,
                   t+5 and t+8. Its first spike recalls the old content of c
                   (it fires at t+4); the second spike comes in the tick where
                   W_f sees those spikes (t+4 + 1), a coinciding pair that
                   depresses them to 0: the old memory is forgotten. S fires at
                   t+6 and is potentiated by the third spike, which makes the
                   new weights final at once (sPyNNaker updates a synapse only
                   when its presynaptic cell fires, from a post-spike history of
                   15 entries that busy content cells would overrun) and recalls
                   S again at t+9.
                   Backward (W_b, content -> cue_rec, delay 3): cue_rec c fires
                   at t+1 -- seen by W_b at t+4, the tick the old content fires:
                   depressed to 0 -- and at t+5, seen at t+8, two ticks after S
                   fired: potentiated (final at S's next spike, t+9).
                   Output: cue c at t+6, content S at t+7.
    recall by cue c        cue line c at T. Output: c at T+2, its content at T+3.
    recall by content F    content lines F at T. Output: F at T+2, every cue
                           whose content shares a cell with F at T+5.

STDP (both directions): sPyNNaker's pair rule with tau_plus 1 ms and
tau_minus 0.25 ms, so only the pairs that one operation arranges matter
(pairs across operations are several ticks apart); A+ = 48, A- = 36, weight
steps as sPyNNaker >= 7 reads them (with setup(spynnaker_version=6), which
scales A by w_max = 6, steps of the same size are A+ = 8, A- = 6; its single
clip per presynaptic spike makes the results differ). W_b's delay of 3 ticks
puts the pairs a recall by content makes 6 ticks apart (no learning from
recalls). A cue spike inhibits every cue_rec cell 4 ticks later, when the
content it recalls would reach them, so a recall by cue (or a learn) does not
show other cues; the 14 ms spacing lets cue_rec recover from the last of these
inhibitions before the next operation.

Software-only runs with pycarl_backend.spinnaker: 100% correct over 12,000
random operations (3 to 16 cues, 6 to 32 content cells; tests/test_spinnaker.py
runs a seeded protocol of 60).
"""
import numpy as np

CELL = {"cm": 0.27, "i_offset": 0.0, "tau_m": 3.0, "tau_refrac": 1.0, "tau_syn_E": 0.3,
        "tau_syn_I": 0.3, "v_reset": -60.0, "v_rest": -60.0, "v_thresh": -57.0}
#: cue_rec: a fast membrane (recovers from inhibition within 3 ticks) that needs a
#: summed weight of about 4 in one tick (one learnt W_b synapse, 6, is enough)
CUE_REC_CELL = dict(CELL, cm=0.14, tau_m=0.5, v_thresh=-56.4)
W_DRIVE = 6.0
W_MAX = 6.0
STDP = {"tau_plus": 1.0, "tau_minus": 0.25, "A_plus": 48.0, "A_minus": 36.0}
W_B_DELAY = 3.0
OP_SPACING = 14  # ms between operations


class ContentAddressableMemory:
    """The network; `sim` is pycarl_backend.spinnaker (or any sPyNNaker-like module)."""

    def __init__(self, sim, n_cues, n_content, input_spikes, label="cam"):
        self.sim, self.n_cues, self.n_content = sim, int(n_cues), int(n_content)
        C, N = self.n_cues, self.n_content
        self.inputs = sim.Population(2 * C + N, sim.SpikeSourceArray(spike_times=input_spikes),
                                     label=f"{label}_inputs")
        self.cue = sim.Population(C, sim.IF_curr_exp(**CELL), label=f"{label}_cue")
        self.content = sim.Population(N, sim.IF_curr_exp(**CELL), label=f"{label}_content")
        self.cue_rec = sim.Population(C, sim.IF_curr_exp(**CUE_REC_CELL), label=f"{label}_cue_rec")
        self.out = sim.Population(C + N, sim.IF_curr_exp(**CELL), label=f"{label}_out")
        for pop in (self.cue, self.content, self.cue_rec, self.out):
            pop.set(v=CELL["v_rest"])
        self._wire()

    def lines(self):
        """(cue lines, learn lines, content lines) as views of the input population."""
        C, N, sim = self.n_cues, self.n_content, self.sim
        return (sim.PopulationView(self.inputs, range(0, C)),
                sim.PopulationView(self.inputs, range(C, 2 * C)),
                sim.PopulationView(self.inputs, range(2 * C, 2 * C + N)))

    def _stdp(self, delay):
        sim = self.sim
        return sim.STDPMechanism(
            timing_dependence=sim.SpikePairRule(**STDP),
            weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=W_MAX),
            weight=0.0, delay=delay)

    def _wire(self):
        sim, C = self.sim, self.n_cues
        one, drive = sim.OneToOneConnector(), sim.StaticSynapse(weight=W_DRIVE, delay=1.0)
        cue_lines, learn_lines, content_lines = self.lines()
        sim.Projection(cue_lines, self.cue, one, drive)
        sim.Projection(content_lines, self.content, one, drive)
        # twice the usual drive: a learn spike must fire cue_rec even two ticks after
        # the inhibition that the previous operation's cue spikes sent
        sim.Projection(learn_lines, self.cue_rec, one,
                       sim.StaticSynapse(weight=2 * W_DRIVE, delay=1.0))
        self.w_forward = sim.Projection(self.cue, self.content, sim.AllToAllConnector(),
                                        synapse_type=self._stdp(1.0), label="W_f")
        self.w_backward = sim.Projection(self.content, self.cue_rec, sim.AllToAllConnector(),
                                         synapse_type=self._stdp(W_B_DELAY), label="W_b")
        # a cue spike silences cue_rec in the tick the recall it starts would reach
        # them: as much inhibition as all content cells together can excite
        sim.Projection(self.cue, self.cue_rec, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=W_MAX * self.n_content, delay=4.0),
                       receptor_type="inhibitory")
        out_cue = sim.PopulationView(self.out, range(0, C))
        out_content = sim.PopulationView(self.out, range(C, C + self.n_content))
        sim.Projection(self.cue, out_cue, one, drive)
        sim.Projection(self.cue_rec, out_cue, one, drive)
        sim.Projection(self.content, out_content, one, drive)


# --- operations: inputs, expected outputs, decoding ------------------------------------------

def operation_inputs(ops, n_cues, n_content):
    """Spike times of the input lines for `ops`: (kind, t, cue, content) tuples with
    kind in {"learn", "cue", "content"}."""
    C = n_cues
    spikes = [[] for _ in range(2 * C + n_content)]
    for kind, t, cue, content in ops:
        if kind == "learn":
            spikes[C + cue] += [t, t + 4]
            spikes[cue] += [t + 2, t + 4, t + 7]
            for j in content:
                spikes[2 * C + j].append(t + 5)
        elif kind == "cue":
            spikes[cue].append(t)
        elif kind == "content":
            for j in content:
                spikes[2 * C + j].append(t)
        else:
            raise ValueError(f"unknown operation {kind!r}")
    return [sorted(s) for s in spikes]


def expected_outputs(ops, n_cues):
    """Per operation, {tick: set of output cells} that a correct memory shows."""
    memories, expected = {}, []
    for kind, t, cue, content in ops:
        if kind == "learn":
            memories[cue] = set(content)
            expected.append({t + 6: {cue}, t + 7: {n_cues + j for j in content}})
        elif kind == "cue":
            expected.append({t + 2: {cue}, t + 3: {n_cues + j for j in memories.get(cue, ())}})
        else:
            cues = {c for c, m in memories.items() if m & set(content)}
            expected.append({t + 2: {n_cues + j for j in content}, t + 5: cues})
    return expected


def output_by_tick(population):
    out = {}
    for i, train in enumerate(population.get_data("spikes").segments[0].spiketrains):
        for t in train.magnitude:
            out.setdefault(int(round(t)), set()).add(i)
    return out


def check_operations(ops, n_cues, outputs):
    """[(op, ok, seen, expected)] comparing the output at the expected ticks."""
    results = []
    for op, want in zip(ops, expected_outputs(ops, n_cues)):
        seen = {tick: outputs.get(tick, set()) for tick in want}
        results.append((op, seen == want, seen, want))
    return results


def random_protocol(n_ops, n_cues, n_content, seed, start=0, spacing=OP_SPACING):
    """A seeded random mix of learn, overwrite, recall-by-cue and recall-by-content
    operations (recalls only of cues already learnt)."""
    rng = np.random.default_rng(seed)
    ops, learnt = [], set()
    for k in range(n_ops):
        t = start + k * spacing
        kind = "learn" if not learnt else rng.choice(["learn", "cue", "content"],
                                                      p=[0.4, 0.3, 0.3])
        if kind == "learn":
            cue = int(rng.integers(n_cues))
            size = int(rng.integers(1, max(2, n_content // 2) + 1))
            content = {int(j) for j in rng.choice(n_content, size=size, replace=False)}
            learnt.add(cue)
            ops.append(("learn", t, cue, content))
        elif kind == "cue":
            ops.append(("cue", t, int(rng.choice(sorted(learnt))), None))
        else:
            size = int(rng.integers(1, 4))
            ops.append(("content", t, None,
                        {int(j) for j in rng.choice(n_content, size=size, replace=False)}))
    return ops


def run_protocol(sim, ops, n_cues, n_content, **setup_args):
    """Build the memory, run `ops` and return check_operations' results."""
    sim.setup(timestep=1.0, **setup_args)
    memory = ContentAddressableMemory(sim, n_cues, n_content,
                                      operation_inputs(ops, n_cues, n_content))
    memory.out.record("spikes")
    last = max(t for _, t, _, _ in ops)
    sim.run(last + OP_SPACING)
    results = check_operations(ops, n_cues, output_by_tick(memory.out))
    sim.end()
    return results


def describe(op):
    kind, t, cue, content = op
    if kind == "learn":
        return f"t={t:4d}  learn   cue {cue} = content {sorted(content)}"
    if kind == "cue":
        return f"t={t:4d}  recall  by cue {cue}"
    return f"t={t:4d}  recall  by content {sorted(content)}"
