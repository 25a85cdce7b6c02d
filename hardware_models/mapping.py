"""Placing neurons on cores, and checking a chip's limits.

Strategies
----------
- ``sequential``: neurons in global index order, packed greedily: a core is
  closed when the next neuron would exceed any per-core limit (neurons per
  core, distinct input axons, synaptic memory).
- ``min-comm``: a graph partition (pymetis; networkx Kernighan-Lin recursive
  bisection when pymetis is missing) of the synapse graph into as many parts
  as the chip needs, minimising the synapses (hence spike packets) that cross
  cores; parts that break a per-core limit make it retry with one more part.

Spike sources (``PopulationSpec.is_source``) are off-chip: they occupy no
neuron slot (core -1) and enter through the host port, but they do use input
axons / CAM entries of the cores they target.

TrueNorth: a neuron targets one axon (one core). With ``fan_out_policy:
split`` a neuron whose targets span k > 1 cores drives k splitter neurons on
a splitter core (one per destination core), each relaying to one core, one
tick later. Splitter cores are appended after the neuron cores and counted
against the chip's cores. With ``fan_out_policy: refuse`` such a network
raises HardwareConstraintError.
"""
from dataclasses import dataclass, field

import numpy as np

from .errors import HardwareConstraintError
from .packing import REASONS, fan_out_pairs_kernel, pack_kernel


@dataclass
class Limits:
    chip: str
    cores: int
    neurons_per_core: int
    fan_in_axons_per_core: object = None
    fan_out_axons_per_core: object = None
    synaptic_memory_bits_per_core: object = None
    synapse_bits: int = 1
    #: {projection label: bits per synapse} from the chip's encoding (e.g. Loihi's,
    #: loihi/encoding.synapse_bits); projections missing here cost synapse_bits
    synapse_bits_by_projection: object = None
    fan_in_per_neuron: object = None
    fan_out_cores_per_neuron: object = None
    fan_out_chips_per_neuron: object = None
    fan_out_policy: str = "refuse"
    cores_per_chip: object = None     # for the chips-per-neuron check
    tag_bits: object = None           # DYNAP-SE: source tag = core within chip + neuron


@dataclass
class Mapping:
    strategy: str
    core_of_neuron: np.ndarray            # (N,) int32, -1 for off-chip sources
    local_index: np.ndarray               # (N,) int32 position in the core's pipeline, -1 off-chip
    n_neuron_cores: int
    n_cores_used: int
    neurons_per_core: np.ndarray          # (n_cores_used,) including splitters
    # fan-out CSR by presynaptic neuron (all neurons incl. sources), after splitting
    out_ptr: np.ndarray = None
    out_core: np.ndarray = None           # destination core of each (neuron, core) pair
    out_syn: np.ndarray = None            # synapses (or splitter neurons) reached on that core
    # splitter leg 2: CSR by neuron; packets splitter core -> destination core
    split_ptr: np.ndarray = None
    split_src_core: np.ndarray = None
    split_local: np.ndarray = None
    split_dst_core: np.ndarray = None
    split_syn: np.ndarray = None
    splitter_neurons: int = 0
    splitter_cores: int = 0
    notes: list = field(default_factory=list)


def _label(graph, idx):
    p, i = graph.population_of(int(idx))
    return f"'{p.label}'[{i}]"


class _Synapses:
    """All synapses of a graph, flattened, with per-target and per-source views."""

    def __init__(self, graph):
        N = graph.n_neurons
        self.N = N
        projs = graph.projections
        for pr in projs:
            for name in ("source", "target"):
                a = getattr(pr, name)
                if a.size and (a.min() < 0 or a.max() >= N):
                    bad = a[(a < 0) | (a >= N)][0]
                    raise HardwareConstraintError(
                        f"projection '{pr.label}': {name} index {int(bad)} outside the "
                        f"network's {N} neurons")
        self.src = np.concatenate([p.source for p in projs]) if projs else np.zeros(0, np.int32)
        self.tgt = np.concatenate([p.target for p in projs]) if projs else np.zeros(0, np.int32)
        self.proj = (np.concatenate([np.full(p.size, k, np.int32) for k, p in enumerate(projs)])
                     if projs else np.zeros(0, np.int32))
        self.labels = [p.label for p in projs]
        self.fan_in = np.bincount(self.tgt, minlength=N)
        # distinct sources per target, CSR by target
        pairs = np.sort(self.tgt.astype(np.int64) * N + self.src)   # = np.unique, faster
        if pairs.size:
            pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]
        self.in_tgt = (pairs // N).astype(np.int64)
        self.in_src = (pairs % N).astype(np.int64)
        self.in_ptr = np.zeros(N + 1, np.int64)
        np.cumsum(np.bincount(self.in_tgt, minlength=N), out=self.in_ptr[1:])

    def projections_into(self, n, top=3):
        sel = self.tgt == n
        counts = np.bincount(self.proj[sel], minlength=len(self.labels))
        order = np.argsort(-counts, kind="stable")
        parts = [(self.labels[k], int(counts[k])) for k in order[:top] if counts[k] > 0]
        return parts

    def projections_from(self, n, top=3):
        sel = self.src == n
        counts = np.bincount(self.proj[sel], minlength=len(self.labels))
        order = np.argsort(-counts, kind="stable")
        return [(self.labels[k], int(counts[k])) for k in order[:top] if counts[k] > 0]


def _via(parts):
    if not parts:
        return "no projection"
    if len(parts) == 1:
        return f"projection '{parts[0][0]}'"
    return "projections " + ", ".join(f"'{label}' ({c})" for label, c in parts)


def _worst_over(onchip, values, limit):
    """(the on-chip neuron with the largest value above `limit`, how many are
    above it), or (None, 0)."""
    over = np.flatnonzero(onchip & (values > limit))
    if not over.size:
        return None, 0
    return int(over[np.argmax(values[over])]), over.size


def check_neuron_limits(graph, syn, lim, onchip):
    """Limits a single neuron can break on its own, whatever the mapping."""
    if lim.fan_in_per_neuron is not None:
        n, count = _worst_over(onchip, syn.fan_in, lim.fan_in_per_neuron)
        if n is not None:
            raise HardwareConstraintError(
                f"{lim.chip} allows {lim.fan_in_per_neuron} inputs per neuron; "
                f"{_label(graph, n)} has {int(syn.fan_in[n])} via {_via(syn.projections_into(n))}"
                f" ({count} neuron(s) over the limit)")
    distinct = np.diff(syn.in_ptr)
    if lim.fan_in_axons_per_core is not None:
        n, _ = _worst_over(onchip, distinct, lim.fan_in_axons_per_core)
        if n is not None:
            raise HardwareConstraintError(
                f"{lim.chip} allows {lim.fan_in_axons_per_core} input axons per core; "
                f"{_label(graph, n)} alone receives from {int(distinct[n])} distinct neurons via "
                f"{_via(syn.projections_into(n))}")
    if lim.synaptic_memory_bits_per_core is not None:
        cap = lim.synaptic_memory_bits_per_core
        bits = memory_bits(syn, lim)
        n, _ = _worst_over(onchip, bits, cap)
        if n is not None and not lim.synapse_bits_by_projection:
            raise HardwareConstraintError(
                f"{lim.chip} has {cap} bits of synaptic memory per core ({cap // lim.synapse_bits}"
                f" synapses of {lim.synapse_bits} bits); {_label(graph, n)} alone needs "
                f"{int(syn.fan_in[n])} via {_via(syn.projections_into(n))}")
        if n is not None:
            raise HardwareConstraintError(
                f"{lim.chip} has {cap} bits of synaptic memory per core; {_label(graph, n)} "
                f"alone needs {int(bits[n])} bits for {int(syn.fan_in[n])} synapses via "
                f"{_via(syn.projections_into(n))} (bits per synapse from the chip's encoding)")


def memory_bits(syn, lim):
    """Synaptic memory (bits) each neuron's incoming synapses take on its core."""
    per = lim.synapse_bits_by_projection or {}
    bits = tuple(per.get(label, lim.synapse_bits) for label in syn.labels)
    cached = getattr(syn, "_memory_bits", None)
    if cached is not None and cached[0] == bits:    # map_network may pack several times
        return cached[1]
    out = (np.bincount(syn.tgt, weights=np.asarray(bits, np.float64)[syn.proj], minlength=syn.N)
           if syn.labels else np.zeros(syn.N))
    syn._memory_bits = (bits, out)
    return out


def pack_sequential(order, syn, lim, npc, group=None):
    """Greedy packing of neurons (in `order`) into cores; returns core per neuron in order
    and the reason each core was closed. group: per neuron in order, its
    parameter set; a new set opens a new core. Runs the compiled twin (packing.py)
    of pack_sequential_reference."""
    axl = lim.fan_in_axons_per_core
    meml = lim.synaptic_memory_bits_per_core
    fan_in = memory_bits(syn, lim) if meml is not None else syn.fan_in
    order = np.asarray(order, np.int64)
    grp = np.zeros(order.size, np.int64) if group is None else np.asarray(group, np.int64)
    core_ids, codes = pack_kernel(order, syn.in_ptr, syn.in_src,
                                  np.asarray(fan_in, np.float64), int(syn.N), int(npc),
                                  int(axl or 0), axl is not None, float(meml or 0),
                                  meml is not None, grp, group is not None)
    return core_ids, [REASONS[c] for c in codes.tolist()]


def pack_sequential_reference(order, syn, lim, npc, group=None):
    """pack_sequential in NumPy/Python: the reference of the compiled loop."""
    N = syn.N
    seen = np.zeros(N, dtype=bool)
    core_ids = np.empty(len(order), np.int32)
    reasons = []
    core = 0
    cur_n = cur_ax = cur_syn = 0
    cur_src = []
    axl = lim.fan_in_axons_per_core
    meml = lim.synaptic_memory_bits_per_core
    ptr, srcs = syn.in_ptr, syn.in_src
    fan_in = memory_bits(syn, lim) if meml is not None else syn.fan_in
    for j, n in enumerate(order):
        s = srcs[ptr[n]:ptr[n + 1]]
        new = s[~seen[s]] if axl is not None else s
        f = fan_in[n]
        reason = None
        if group is not None and j > 0 and group[j] != group[j - 1]:
            reason = "parameter_set_per_core"
        elif cur_n + 1 > npc:
            reason = "neurons_per_core"
        elif axl is not None and cur_ax + new.size > axl:
            reason = "fan_in_axons_per_core"
        elif meml is not None and cur_syn + f > meml:
            reason = "synaptic_memory_bits_per_core"
        if reason is not None and cur_n > 0:
            reasons.append(reason)
            core += 1
            cur_n = cur_ax = cur_syn = 0
            for a in cur_src:
                seen[a] = False
            cur_src = []
            new = s
        core_ids[j] = core
        cur_n += 1
        cur_syn += f
        if axl is not None:
            seen[new] = True
            cur_src.append(new)
            cur_ax += new.size
    return core_ids, reasons


def _fits(parts_order, syn, lim, npc):
    for members in parts_order:
        ids, reasons = pack_sequential(members, syn, lim, npc)
        if reasons:
            return False
    return True


def _partition(n_parts, nodes, syn, seed=0):
    """Partition on-chip neurons `nodes` into n_parts, minimising cut synapses."""
    idx = -np.ones(syn.N, np.int64)
    idx[nodes] = np.arange(nodes.size)
    m = (idx[syn.src] >= 0) & (idx[syn.tgt] >= 0) & (syn.src != syn.tgt)
    a, b = idx[syn.src[m]], idx[syn.tgt[m]]
    u = np.minimum(a, b) * nodes.size + np.maximum(a, b)
    und, w = np.unique(u, return_counts=True)
    ea, eb = und // nodes.size, und % nodes.size
    try:
        import pymetis
        rows = np.concatenate([ea, eb])
        cols = np.concatenate([eb, ea])
        ww = np.concatenate([w, w])
        o = np.lexsort((cols, rows))
        rows, cols, ww = rows[o], cols[o], ww[o]
        xadj = np.zeros(nodes.size + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=nodes.size), out=xadj[1:])
        opts = pymetis.Options(seed=seed)
        if hasattr(pymetis, "CSRAdjacency"):
            _, membership = pymetis.part_graph(n_parts, pymetis.CSRAdjacency(xadj, cols),
                                               eweights=ww, options=opts)
        else:
            _, membership = pymetis.part_graph(n_parts, xadj=xadj, adjncy=cols, eweights=ww,
                                               options=opts)
        return np.asarray(membership, np.int64), "pymetis"
    except ImportError:
        return _partition_networkx(n_parts, nodes.size, ea, eb, w, seed), "networkx"


def _partition_networkx(n_parts, n, ea, eb, w, seed=0):
    """Recursive Kernighan-Lin bisection into >= n_parts parts (power of two)."""
    import networkx as nx
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from(zip(ea.tolist(), eb.tolist(), w.tolist()))
    parts = [list(range(n))]
    while len(parts) < n_parts:
        nxt = []
        for p in parts:
            if len(p) < 2:
                nxt.append(p)
                continue
            a, b = nx.algorithms.community.kernighan_lin_bisection(G.subgraph(p), weight="weight",
                                                                   seed=seed)
            nxt += [sorted(a), sorted(b)]
        parts = nxt
    member = np.empty(n, np.int64)
    for k, p in enumerate(parts):
        member[p] = k
    return member


def check_parameter_sets(lim, groups):
    """More parameter sets than cores cannot be mapped (one set per core)."""
    ids, labels = groups
    n_sets = len(labels)
    if n_sets > int(lim.cores):
        listing = "; ".join(f"set {g}: {', '.join(v)}" for g, v in sorted(labels.items()))
        raise HardwareConstraintError(
            f"{lim.chip}: the populations need {n_sets} different parameter sets and a core "
            f"holds one (shared biases), but the chip has {int(lim.cores)} cores ({listing})")


def map_network(graph, lim, strategy="sequential", seed=0, groups=None):
    """Map `graph` onto cores under `lim`; returns a Mapping or raises
    HardwareConstraintError. The destination-chip check (DYNAP-SE) takes a core's
    chip as core // lim.cores_per_chip.

    Output axons per core depend on where the targets land, so they are checked
    after packing; when a core needs too many, the cores are packed again with
    fewer neurons each (as a user would lower neurons_per_core), and the
    mapping's notes say so."""
    syn = _Synapses(graph)
    limit = int(lim.neurons_per_core)
    if groups is not None:
        check_parameter_sets(lim, groups)
    group_of = None if groups is None else groups[0]

    def attempt(npc):
        try:
            return _map_network(graph, lim, strategy, seed, npc, syn, group_of), None
        except HardwareConstraintError as err:
            if getattr(err, "limit", None) != "fan_out_axons_per_core":
                raise
            return None, err

    mapping, first_error = attempt(limit)
    if mapping is not None:
        return mapping
    # the largest packing that fits, by bisection (fewer neurons per core never
    # needs more output axons per core than the limit allows at one neuron per core)
    low, high, best = 1, limit - 1, None
    while low <= high:
        npc = (low + high) // 2
        candidate, _ = attempt(npc)
        if candidate is None:
            high = npc - 1
        else:
            best, low = (npc, candidate), npc + 1
    if best is None:
        raise first_error
    npc, mapping = best
    mapping.notes.append(
        f"packed {npc} neurons per core (limit {limit}) so that no core needs more than "
        f"{lim.fan_out_axons_per_core} output axons")
    return mapping


def _map_network(graph, lim, strategy, seed, npc, syn, group_of=None):
    """One packing attempt with at most npc neurons per core."""
    N = graph.n_neurons
    is_src = graph.is_source_mask()
    onchip = ~is_src
    if npc < 1:
        raise HardwareConstraintError(f"{lim.chip}: neurons_per_core must be >= 1, got {npc}")
    check_neuron_limits(graph, syn, lim, onchip)
    nodes = np.flatnonzero(onchip)
    core_of, used_strategy, notes, reasons = _assign_cores(graph, syn, lim, strategy, seed, npc,
                                                           nodes, group_of)
    n_neuron_cores = int(core_of.max()) + 1 if nodes.size else 0
    local = _pipeline_positions(core_of, nodes, n_neuron_cores)
    npc_arr = np.bincount(core_of[nodes], minlength=n_neuron_cores).astype(np.int64)

    # fan-out per (neuron, destination core)
    p_src, p_core, cnt = fan_out_pairs(syn, core_of, n_neuron_cores)
    if nodes.size:
        _check_fan_out_axons(graph, lim, core_of, p_src, n_neuron_cores)
    _check_fan_out_chips(graph, syn, lim, is_src, p_src, p_core)
    _check_tag_aliasing(graph, lim, core_of, local, is_src, p_src, p_core)

    m = Mapping(strategy=used_strategy, core_of_neuron=core_of, local_index=local,
                n_neuron_cores=n_neuron_cores, n_cores_used=n_neuron_cores,
                neurons_per_core=npc_arr, notes=notes)
    split_src = _neurons_to_split(graph, syn, lim, onchip, np.bincount(p_src, minlength=N))
    _fan_out_csr(graph, m, lim, npc, split_src, p_src, p_core, cnt, syn)
    _check_core_count(lim, m, reasons, nodes.size, npc)
    return m


def fan_out_pairs_reference(syn, core_of, n_cores):
    """Distinct (source, destination core) pairs ascending, and the synapses of each."""
    dcore = core_of[syn.tgt].astype(np.int64)
    pair = syn.src.astype(np.int64) * max(n_cores, 1) + dcore
    upair, cnt = np.unique(pair, return_counts=True)
    return upair // max(n_cores, 1), upair % max(n_cores, 1), cnt


def fan_out_pairs(syn, core_of, n_cores):
    """fan_out_pairs_reference by the compiled count over the synapses grouped by
    source (no sort per packing attempt)."""
    if getattr(syn, "_by_source", None) is None:
        order = np.argsort(syn.src, kind="stable")
        ptr = np.zeros(syn.N + 1, np.int64)
        np.cumsum(np.bincount(syn.src, minlength=syn.N), out=ptr[1:])
        syn._by_source = (ptr, syn.tgt[order].astype(np.int64))
    ptr, tgt = syn._by_source
    p_src, p_core, cnt, ok = fan_out_pairs_kernel(ptr, tgt, np.asarray(core_of, np.int64),
                                                  int(n_cores))
    if not ok:
        return fan_out_pairs_reference(syn, core_of, n_cores)
    return p_src, p_core, cnt


def _assign_cores(graph, syn, lim, strategy, seed, npc, nodes, group_of=None):
    """core of each neuron (-1 off-chip) by the strategy; (core_of, strategy used, notes,
    the limit that closed each sequential core). group_of: parameter set per
    neuron where a core holds one set (a core never mixes sets)."""
    core_of = -np.ones(graph.n_neurons, np.int32)
    notes = []
    if group_of is not None:
        nodes = nodes[np.argsort(group_of[nodes], kind="stable")]
    seq_ids, reasons = pack_sequential(nodes, syn, lim, npc,
                                       None if group_of is None else group_of[nodes])
    n_seq = int(seq_ids.max()) + 1 if nodes.size else 0
    used_strategy = strategy
    if strategy == "sequential" or nodes.size == 0 or n_seq <= 1:
        core_of[nodes] = seq_ids
        if strategy != "sequential":
            notes.append(f"{strategy}: network fits one core, nothing to partition")
    elif strategy == "min-comm":
        parts, tool = _min_comm_parts(nodes, syn, lim, npc, n_seq, seed)
        if parts is None:
            notes.append("min-comm: no partition met the per-core limits after 8 tries; "
                         "fell back to sequential")
            core_of[nodes] = seq_ids
            used_strategy = "sequential (min-comm fallback)"
        elif group_of is not None and any(np.unique(group_of[p]).size > 1 for p in parts):
            notes.append("min-comm: a partition mixed parameter sets on a core; "
                         "fell back to sequential")
            core_of[nodes] = seq_ids
            used_strategy = "sequential (min-comm fallback)"
        else:
            for c, p in enumerate(parts):
                core_of[p] = c
            notes.append(f"min-comm: {tool} partition into {len(parts)} cores")
    else:
        raise HardwareConstraintError(
            f"{lim.chip}: unknown mapping strategy '{strategy}'; valid: 'sequential', 'min-comm'")
    return core_of, used_strategy, notes, reasons


def _min_comm_parts(nodes, syn, lim, npc, n_parts, seed, tries=8):
    """Partitions into n_parts, n_parts + 1, ... until one meets the per-core limits:
    (list of node arrays, tool name), or (None, tool) after `tries` attempts."""
    tool = None
    for k in range(n_parts, n_parts + tries):
        member, tool = _partition(k, nodes, syn, seed)
        parts = [nodes[member == p] for p in range(int(member.max()) + 1)]
        parts = [p for p in parts if p.size]
        if _fits(parts, syn, lim, npc):
            return parts, tool
    return None, tool


def _pipeline_positions(core_of, nodes, n_neuron_cores):
    """Position of each neuron in its core's pipeline: ascending global index (-1 off-chip)."""
    local = -np.ones(core_of.size, np.int32)
    if nodes.size:
        oc = core_of[nodes]
        o = np.lexsort((nodes, oc))
        sorted_cores = oc[o]
        starts = np.searchsorted(sorted_cores, np.arange(n_neuron_cores))
        local[nodes[o]] = (np.arange(nodes.size) - starts[sorted_cores]).astype(np.int32)
    return local


def _check_fan_out_axons(graph, lim, core_of, p_src, n_neuron_cores):
    if lim.fan_out_axons_per_core is None:
        return
    onp = core_of[p_src] >= 0
    per_core = np.bincount(core_of[p_src[onp]], minlength=n_neuron_cores)
    if per_core.max() > lim.fan_out_axons_per_core:
        c = int(np.argmax(per_core))
        members = np.flatnonzero(core_of == c)
        err = HardwareConstraintError(
            f"{lim.chip} allows {lim.fan_out_axons_per_core} output axons per core; core {c} "
            f"(holding {_label(graph, members[0])}..{_label(graph, members[-1])}) needs "
            f"{int(per_core[c])} (one per neuron and destination core)")
        err.limit, err.needed = "fan_out_axons_per_core", int(per_core[c])
        raise err


def _check_tag_aliasing(graph, lim, core_of, local, is_src, p_src, p_core):
    """DYNAP-SE's CAMs match a 10-bit tag, 2 bits of the source's core within
    its chip and 8 bits of its neuron (Moradi 2018): neurons at the same
    position on different chips carry the same tag, and a core that receives
    both cannot tell them apart. Refused (not modelled), naming both. Off-chip
    sources are exempt: the host chooses their tags."""
    if lim.tag_bits is None or not lim.cores_per_chip or p_src.size == 0:
        return
    on = ~is_src[p_src]
    src, dst = p_src[on], p_core[on]
    core_bits = int(np.ceil(np.log2(lim.cores_per_chip)))
    slots = 2 ** (int(lim.tag_bits) - core_bits)        # neuron addresses per core
    if lim.neurons_per_core > slots:
        raise HardwareConstraintError(
            f"{lim.chip}: {lim.neurons_per_core} neurons per core need more than the "
            f"{int(lim.tag_bits) - core_bits} neuron bits of a {lim.tag_bits}-bit tag")
    c = core_of[src].astype(np.int64)
    # cores not full: the toolchain staggers neuron addresses by chip so that
    # equal positions on different chips get different tags (pycarl placement)
    slot = (local[src].astype(np.int64) + (c // lim.cores_per_chip) * lim.neurons_per_core) % slots
    tag = (c % lim.cores_per_chip) * slots + slot
    key = dst.astype(np.int64) * (2 ** int(lim.tag_bits)) + tag
    order = np.lexsort((src, key))
    k, s = key[order], src[order]
    clash = np.flatnonzero((k[1:] == k[:-1]) & (s[1:] != s[:-1]))
    if clash.size:
        j = int(clash[0])
        a, b = int(s[j]), int(s[j + 1])
        raise HardwareConstraintError(
            f"{lim.chip}: tag aliasing: {_label(graph, a)} (core {int(core_of[a])}) and "
            f"{_label(graph, b)} (core {int(core_of[b])}) both carry tag "
            f"{int(k[j] % 2 ** int(lim.tag_bits))} ({lim.tag_bits} bits: core within chip + "
            f"neuron) and both reach core {int(k[j] // 2 ** int(lim.tag_bits))}, whose CAM "
            f"cannot tell them apart; place them at different neuron positions or cores "
            f"({int(clash.size)} clash(es))")


def _check_fan_out_chips(graph, syn, lim, is_src, p_src, p_core):
    if lim.fan_out_chips_per_neuron is None or not lim.cores_per_chip:
        return
    chip_pair = np.unique(p_src * 1_000_003 + p_core // lim.cores_per_chip)
    nchips = np.bincount(chip_pair // 1_000_003, minlength=graph.n_neurons)
    nchips[is_src] = 0               # host input is addressed directly
    if nchips.max() > lim.fan_out_chips_per_neuron:
        n = int(np.argmax(nchips))
        raise HardwareConstraintError(
            f"{lim.chip} allows {lim.fan_out_chips_per_neuron} destination chips per neuron "
            f"(SRAM entries); {_label(graph, n)} targets {int(nchips[n])} chips via "
            f"{_via(syn.projections_from(n))}")


def _neurons_to_split(graph, syn, lim, onchip, ncores_per_src):
    """Neurons over the destination-cores limit, when the policy splits them (else raise)."""
    split_src = np.zeros(graph.n_neurons, dtype=bool)
    if lim.fan_out_cores_per_neuron is not None:
        over = np.flatnonzero(onchip & (ncores_per_src > lim.fan_out_cores_per_neuron))
        if over.size and (lim.fan_out_policy != "split" or lim.fan_out_cores_per_neuron != 1):
            n = int(over[np.argmax(ncores_per_src[over])])
            raise HardwareConstraintError(
                f"{lim.chip} neurons target {lim.fan_out_cores_per_neuron} core(s); "
                f"{_label(graph, n)} targets {int(ncores_per_src[n])} cores via "
                f"{_via(syn.projections_from(n))} ({over.size} neuron(s) over the limit; "
                f"set fan_out_policy: split to add splitter neurons)")
        split_src[over] = True
    return split_src


def _fan_out_csr(graph, m, lim, npc, split_src, p_src, p_core, cnt, syn):
    """Fill m's leg-1 CSR (direct deliveries, or neuron -> its splitter core) and, with
    splitters, the leg-2 CSR."""
    N = graph.n_neurons
    keep = ~split_src[p_src]
    out_src = [p_src[keep]]
    out_core = [p_core[keep]]
    out_syn = [cnt[keep]]
    if split_src.any():
        _add_splitters(graph, m, lim, npc, split_src, p_src, p_core, cnt, out_src, out_core,
                       out_syn, syn)
    os_ = np.concatenate(out_src)
    oc_ = np.concatenate(out_core)
    osy = np.concatenate(out_syn)
    o = np.lexsort((oc_, os_))
    m.out_core = oc_[o].astype(np.int64)
    m.out_syn = osy[o].astype(np.int64)
    m.out_ptr = np.zeros(N + 1, np.int64)
    np.cumsum(np.bincount(os_, minlength=N), out=m.out_ptr[1:])
    if m.split_ptr is None:
        m.split_ptr = np.zeros(N + 1, np.int64)
        m.split_src_core = m.split_local = m.split_dst_core = m.split_syn = np.zeros(0, np.int64)


def _check_core_count(lim, m, reasons, n_onchip, npc):
    if m.n_cores_used <= lim.cores:
        return
    why = {}
    for r in reasons:
        why[r] = why.get(r, 0) + 1
    detail = ", ".join(f"{k}: {v}" for k, v in why.items()) or "none"
    raise HardwareConstraintError(
        f"{lim.chip} has {lim.cores} cores; the network needs {m.n_cores_used} "
        f"({n_onchip} on-chip neurons, at most {npc} neurons per core"
        f"{f', {m.splitter_cores} splitter cores' if m.splitter_cores else ''}; "
        f"cores closed early by limit: {detail})")


def _add_splitters(graph, m, lim, npc, split_src, p_src, p_core, cnt, out_src, out_core,
                   out_syn, syn):
    """TrueNorth splitter neurons: one splitter core input axon per split neuron,
    one splitter neuron per destination core."""
    axl = lim.fan_in_axons_per_core or npc
    srcs = np.flatnonzero(split_src)
    first = np.searchsorted(p_src, srcs)
    last = np.searchsorted(p_src, srcs, side="right")
    core = m.n_neuron_cores
    used_n = used_ax = 0
    sp_src, sp_core, sp_local, sp_dst, sp_syn = [], [], [], [], []
    l1_core, l1_syn = [], []
    total = 0
    for n, a, b in zip(srcs, first, last):
        k = int(b - a)
        if k > npc:
            raise HardwareConstraintError(
                f"{lim.chip}: {_label(graph, n)} targets {k} cores via "
                f"{_via(syn.projections_from(n))}; one splitter core holds {npc} splitter "
                f"neurons, more than one splitter level is not modelled")
        if used_n + k > npc or used_ax + 1 > axl:
            core += 1
            used_n = used_ax = 0
        l1_core.append(core)
        l1_syn.append(k)
        sp_src.append(np.full(k, n))
        sp_core.append(np.full(k, core))
        sp_local.append(np.arange(used_n, used_n + k))
        sp_dst.append(p_core[a:b])
        sp_syn.append(cnt[a:b])
        used_n += k
        used_ax += 1
        total += k
    n_split_cores = core - m.n_neuron_cores + 1
    out_src.append(srcs.astype(np.int64))
    out_core.append(np.array(l1_core, np.int64))
    out_syn.append(np.array(l1_syn, np.int64))
    s_src = np.concatenate(sp_src)
    m.split_ptr = np.zeros(len(m.core_of_neuron) + 1, np.int64)
    np.cumsum(np.bincount(s_src, minlength=len(m.core_of_neuron)), out=m.split_ptr[1:])
    m.split_src_core = np.concatenate(sp_core).astype(np.int64)
    m.split_local = np.concatenate(sp_local).astype(np.int64)
    m.split_dst_core = np.concatenate(sp_dst).astype(np.int64)
    m.split_syn = np.concatenate(sp_syn).astype(np.int64)
    m.splitter_neurons = total
    m.splitter_cores = n_split_cores
    m.n_cores_used = m.n_neuron_cores + n_split_cores
    per = np.bincount(m.split_src_core - m.n_neuron_cores, minlength=n_split_cores)
    m.neurons_per_core = np.concatenate([m.neurons_per_core, per])
    m.notes.append(f"{total} splitter neurons on {n_split_cores} splitter cores "
                   f"(fan-out above 1 core)")
