"""Weight precision of each chip (switch off with ``quantize: false``).

All functions take the NetworkGraph, the neuron -> core map and the chip's
quantization parameters and return {projection label: float32 array} in PyNN
units, same order as the projection's arrays.

- ``truenorth``: each core's input axons get one of ``axon_types`` types; each
  neuron holds one signed integer weight (``weight_bits``) per axon type; the
  crossbar is binary. Axon types: when the synapses reaching a core come from
  at most ``axon_types`` projections and no source neuron feeds the core via
  two of them, the type is the projection; otherwise source neurons are split
  into ``axon_types`` quantile groups of their mean weight onto that core.
  Weight of neuron i for type t = mean of the PyNN weights it receives from
  type-t axons, rounded to an integer on one chip-wide scale
  (max |w| / (2**(weight_bits-1) - 1)).
- ``loihi``: the weights Loihi stores (loihi/encoding.py: sign mode, mantissa of
  ``mantissa_bits``, weight exponent ``exponent_min..exponent_max`` per
  projection), expressed back in PyNN units (loihi/encoding.round_pynn_weights):
  weight rounding alone, for float cells on Loihi's network.
- ``dynapse``: ``synapse_types`` shared synapse types per core (4 on the chip:
  fast/slow excitatory, fast/slow inhibitory), the first ceil(n/2)
  excitatory, the rest inhibitory, with one shared weight per core and type
  (mean |w| of the synapses of that type on that core); per (neuron, type) a
  seeded multiplicative mismatch ~ N(1, mismatch_cv) (clipped at 0.05). A
  core's excitatory (inhibitory) projections take that sign's types by
  descending mean |w|; when there are more projections than types they share
  them by quantile groups of their mean |w| (two types: split at the median).
  ``shared_weights: false`` keeps each synapse's own |w| (only the mismatch
  applies), so that pycarl compare can attribute the two effects separately.
"""
import numpy as np

from .errors import ChipSpecError


def quantize_weights(scheme, graph, core_of, q):
    if scheme == "truenorth":
        return _truenorth(graph, core_of, int(q["axon_types"]), int(q["weight_bits"]))
    if scheme == "loihi":
        return _loihi(graph, core_of, int(q["mantissa_bits"]), int(q["exponent_min"]),
                      int(q["exponent_max"]), q.get("vth_mant"))
    if scheme == "dynapse":
        return _dynapse(graph, core_of, float(q["mismatch_cv"]), int(q["seed"]),
                        q["synapse_types"], bool(q.get("shared_weights", True)))
    if scheme in ("none", None):
        return {p.label: p.weight.copy() for p in graph.projections}
    raise ChipSpecError(f"quantization.scheme '{scheme}' unknown; valid: truenorth, loihi, "
                        f"dynapse, none")


def _loihi(graph, core_of, bits, emin, emax, vth_mant=None):
    from .loihi.encoding import round_pynn_weights
    return round_pynn_weights(graph, bits, (emin, emax), vth_mant)


def _truenorth(graph, core_of, n_types, bits):
    if n_types < 1 or bits < 2:
        raise ChipSpecError(f"TrueNorth quantization needs axon_types >= 1 and weight_bits >= 2, "
                            f"got {n_types}, {bits}")
    projs = graph.projections
    if not projs:
        return {}
    src = np.concatenate([p.source for p in projs]).astype(np.int64)
    tgt = np.concatenate([p.target for p in projs]).astype(np.int64)
    w = np.concatenate([p.weight for p in projs]).astype(np.float64)
    pk = np.concatenate([np.full(p.size, k) for k, p in enumerate(projs)]).astype(np.int64)
    core = core_of[tgt].astype(np.int64)
    atype = np.zeros(src.size, np.int64)
    for c in np.unique(core):
        sel = np.flatnonzero(core == c)
        pj = np.unique(pk[sel])
        # does any source feed this core through two projections?
        sp = np.unique(src[sel] * len(projs) + pk[sel])
        multi = np.unique(sp // len(projs)).size != sp.size
        if pj.size <= n_types and not multi:
            atype[sel] = np.searchsorted(pj, pk[sel])
        else:
            us, inv = np.unique(src[sel], return_inverse=True)
            mean = np.bincount(inv, weights=w[sel]) / np.bincount(inv)
            edges = np.quantile(mean, np.linspace(0, 1, n_types + 1)[1:-1])
            atype[sel] = np.searchsorted(edges, mean, side="right")[inv]
    # per (target neuron, type) mean weight
    key = tgt * n_types + atype
    uk, inv = np.unique(key, return_inverse=True)
    mean = np.bincount(inv, weights=w) / np.bincount(inv)
    qmax = 2 ** (bits - 1) - 1
    amax = np.abs(mean).max()
    scale = amax / qmax if amax > 0 else 1.0
    qw = (np.round(mean / scale) * scale)[inv]
    out = {}
    off = 0
    for p in projs:
        out[p.label] = qw[off:off + p.size].astype(np.float32)
        off += p.size
    return out


def _type_ranks(mean_abs, n_types):
    """Type (0 = strongest) of each projection, given their mean |w| in descending order."""
    if len(mean_abs) <= n_types:
        return list(range(len(mean_abs)))
    # thresholds at the (1 - j/n) quantiles, j = 1..n-1; for n = 2 the median
    cuts = np.quantile(mean_abs, [1 - j / n_types for j in range(1, n_types)])
    return [int(np.sum(m < cuts)) for m in mean_abs]


def _dynapse(graph, core_of, cv, seed, n_types, share=True):
    if isinstance(n_types, bool) or not isinstance(n_types, (int, np.integer)) or n_types < 2:
        raise ChipSpecError(f"DYNAP-SE quantization needs quantization.synapse_types >= 2 (at "
                            f"least one excitatory and one inhibitory type), got {n_types!r}")
    n_types = int(n_types)
    n_exc = n_types - n_types // 2
    projs = graph.projections
    if not projs:
        return {}
    rng = np.random.default_rng(seed)
    N = graph.n_neurons
    mismatch = np.clip(rng.normal(1.0, cv, size=(N, n_types)), 0.05, None)
    # synapse type per (projection, core): excitatory 0..n_exc-1, then inhibitory,
    # strongest first (with 4: 0 fast exc, 1 slow exc, 2 fast inh, 3 slow inh)
    ptype = {}
    cores_of_proj = {p.label: core_of[p.target] for p in projs}
    all_cores = np.unique(np.concatenate([c for c in cores_of_proj.values()]))
    for c in all_cores:
        for inhib in (False, True):
            cand = []
            for k, p in enumerate(projs):
                sel = cores_of_proj[p.label] == c
                if not sel.any():
                    continue
                ww = p.weight[sel]
                neg = (p.receptor.startswith("inh")) or (ww.mean() < 0)
                if neg != inhib:
                    continue
                cand.append((float(np.abs(ww).mean()), k))
            cand.sort(key=lambda t: -t[0])
            base, n_sign = (n_exc, n_types - n_exc) if inhib else (0, n_exc)
            for r, (_, k) in zip(_type_ranks([m for m, _ in cand], n_sign), cand):
                ptype[(k, int(c))] = base + r
    # shared weight per (core, type)
    keys, vals = [], []
    for k, p in enumerate(projs):
        cs = core_of[p.target].astype(np.int64)
        t = (np.array([ptype[(k, int(c))] for c in cs], np.int64) if p.size
             else np.zeros(0, np.int64))
        keys.append(cs * n_types + t)
        vals.append(np.abs(p.weight.astype(np.float64)))
    K = np.concatenate(keys)
    V = np.concatenate(vals)
    uk, inv = np.unique(K, return_inverse=True)
    shared = np.bincount(inv, weights=V) / np.bincount(inv)
    out = {}
    off = 0
    for p in projs:
        sl = slice(off, off + p.size)
        t = K[sl] % n_types
        sw = (shared[inv[sl]] if share else V[sl]) * mismatch[p.target, t]
        out[p.label] = (np.sign(p.weight) * sw).astype(np.float32)
        off += p.size
    return out
