"""The random connectors as sPyNNaker's synapse expander draws them (release 6).

In the spynnaker8 era (sPyNNaker e77f72e0 of 2021-01-04, the companion of the
saved integration tests' spynnaker8 1935a29c) the FixedProbability,
FixedNumberPre, FixedNumberPost and FixedTotalNumber (multapse) connectors
with constant or random-distribution weights and delays are generated on the
machine, one machine edge (pre core slice x post core slice) at a time, each
with a Marsaglia KISS64 generator seeded from the connector's rng. This
module reproduces those draws (the facts, from sPyNNaker's sources):

* seeds: ``[int(u * 0xFFFFFFFF) for u in rng.next(n=4)]``
  (abstract_generate_connector_on_machine.py ``_get_connector_seed``, and the
  fixed-number connectors' ``gen_connector_params``), unvalidated; one seed per
  (pre slice, post slice) for FixedProbability and FixedTotalNumber, one per
  post slice for FixedNumberPre, one per pre slice for FixedNumberPost;
* the generator: spinn_common random.c ``mars_kiss64_seed``;
* the per-row draws: neural_modelling/src/synapse_expander/
  connection_generators/connection_generator_{fixed_prob,fixed_pre,
  fixed_post,fixed_total}.h, called by matrix_generator.c once per
  presynaptic neuron of the pre slice, in order;
* FixedTotalNumber splits its total over the (pre slice, post slice) pairs of
  the view on the host first: binomial draws from the rng, pairs pre-major
  (spynnaker8 multapse_connector.py ``get_rng_next``);
* core slices: contiguous runs of the population's neurons per core
  (256 for neuron models, 500 for SpikeSourcePoisson, the whole population
  for SpikeSourceArray, unless set_number_of_neurons_per_core or
  max_atoms_per_core say otherwise);
* views must be contiguous (spynnaker8 projection.py); their first and last
  index bound the generation (``_basic_connector_params``).

Seeds are drawn post slice by post slice, pre slices in order, as the
machine's data specification is written for each post core. What pycarl does
not follow: the machine draws the seeds of all projections at the first run,
core by core, while pycarl draws them when each projection is built, so
projections that share one rng and end on different populations get their
seeds in projection order; the maximum row length the machine allots (a
binomial quantile) is not applied.
"""
from decimal import Decimal

import numpy as np

MASK32 = 0xFFFFFFFF

#: neurons per core by cell type name when nothing sets it (sPyNNaker 6:
#: abstract_pynn_neuron_model.py DEFAULT_MAX_ATOMS_PER_CORE = 256,
#: spike_source_poisson.py 500, SpikeSourceArray unbounded)
DEFAULT_NEURONS_PER_CORE = {"SpikeSourcePoisson": 500, "SpikeSourcePoissonVariable": 500,
                            "SpikeSourceArray": None}
NEURON_MODEL_NEURONS_PER_CORE = 256


def _kiss_block_python(state, n):
    out = np.empty(n, dtype=np.uint64)
    x, y, z, c = (int(v) for v in state)
    for k in range(n):
        x = (314527869 * x + 1234567) & MASK32
        y ^= (y << 5) & MASK32
        y ^= y >> 7
        y ^= (y << 22) & MASK32
        t = 4294584393 * z + c
        c = t >> 32
        z = t & MASK32
        out[k] = (x + y + z) & MASK32
    state[:] = (x, y, z, c)
    return out


try:
    import numba

    @numba.njit(cache=True)
    def _kiss_block(state, n):  # the same arithmetic, compiled (a run of n draws)
        out = np.empty(n, dtype=np.uint64)
        mask = np.uint64(0xFFFFFFFF)
        x, y, z, c = state[0], state[1], state[2], state[3]
        for k in range(n):
            x = (np.uint64(314527869) * x + np.uint64(1234567)) & mask
            y ^= (y << np.uint64(5)) & mask
            y ^= y >> np.uint64(7)
            y ^= (y << np.uint64(22)) & mask
            t = np.uint64(4294584393) * z + c
            c = t >> np.uint64(32)
            z = t & mask
            out[k] = (x + y + z) & mask
        state[0], state[1], state[2], state[3] = x, y, z, c
        return out

    @numba.njit(cache=True)
    def _kiss_next(state):
        mask = np.uint64(0xFFFFFFFF)
        state[0] = (np.uint64(314527869) * state[0] + np.uint64(1234567)) & mask
        y = state[1]
        y ^= (y << np.uint64(5)) & mask
        y ^= y >> np.uint64(7)
        y ^= (y << np.uint64(22)) & mask
        state[1] = y
        t = np.uint64(4294584393) * state[2] + state[3]
        state[3] = t >> np.uint64(32)
        state[2] = t & mask
        return (state[0] + state[1] + state[2]) & mask

    @numba.njit(cache=True)
    def _below_compiled(state, n):
        return np.int64((_kiss_next(state) & np.uint64(0x7FFF)) * np.uint64(n)
                        >> np.uint64(15))

    @numba.njit(cache=True)
    def _row_share_compiled(state, n_connections, n_potential, n_values, with_replacement):
        """_row_share below, compiled."""
        count = 0
        k = np.uint64(n_values)
        not_k = np.uint64(n_potential - n_values)
        for _ in range(n_connections):
            if (_kiss_next(state) * (k + not_k)) >> np.uint64(32) < k:
                count += 1
                if not with_replacement:
                    k -= np.uint64(1)
            elif not with_replacement:
                not_k -= np.uint64(1)
        return count

    @numba.njit(cache=True)
    def _choose_compiled(state, n_conns, n_values, with_replacement, skip):
        """_with_replacement / _reservoir below, compiled (skip < 0: none)."""
        out = np.empty(n_conns, dtype=np.int64)
        if with_replacement:
            for i in range(n_conns):
                j = _below_compiled(state, n_values)
                while skip >= 0 and j == skip:
                    j = _below_compiled(state, n_values)
                out[i] = j
            return out
        start = n_conns
        for i in range(n_conns):
            if skip >= 0 and i == skip:
                out[i] = n_conns
                start = n_conns + 1
            else:
                out[i] = i
        for i in range(start, n_values):
            if skip >= 0 and i == skip:
                continue
            j = _below_compiled(state, i + 1)
            if j < n_conns:
                out[j] = i
        return out
except ImportError:  # pragma: no cover - numba is a dependency; the loop is the reference
    _kiss_block = _kiss_block_python
    _choose_compiled = None
    _row_share_compiled = None


class MarsKiss64:
    """spinn_common's mars_kiss64_seed on a 4-word seed (x, y, z, c)."""

    def __init__(self, seed):
        self.x, self.y, self.z, self.c = (int(s) & MASK32 for s in seed)

    def block(self, n, compiled=True):
        """The next n draws at once (uint64 array holding 32-bit values)."""
        state = np.array([self.x, self.y, self.z, self.c], dtype=np.uint64)
        out = (_kiss_block if compiled else _kiss_block_python)(state, int(n))
        self.x, self.y, self.z, self.c = (int(v) for v in state)
        return out

    def next(self):
        self.x = (314527869 * self.x + 1234567) & MASK32
        y = self.y
        y ^= (y << 5) & MASK32
        y ^= y >> 7
        y ^= (y << 22) & MASK32
        self.y = y
        t = 4294584393 * self.z + self.c
        self.c = t >> 32
        self.z = t & MASK32
        return (self.x + self.y + self.z) & MASK32

    def below(self, n):
        """The expander's ``(u01 * n) >> 15`` with the 15 low bits of a draw."""
        return ((self.next() & 0x7FFF) * n) >> 15


def kiss_seed(rng):
    """Four seed words from a PyNN rng, as sPyNNaker 6 draws them."""
    return [int(u * 0xFFFFFFFF) for u in np.atleast_1d(rng.next(n=4))]


def core_slices(size, neurons_per_core):
    """[(lo, hi)] of the cores a population of `size` neurons spans."""
    if not neurons_per_core or neurons_per_core >= size:
        return [(0, size - 1)]
    n = int(neurons_per_core)
    return [(lo, min(lo + n, size) - 1) for lo in range(0, size, n)]


def intersect(core, lo, hi):
    return max(core[0], lo), min(core[1], hi)


# --- the generators, one (pre slice, post slice) machine edge each -----------

def fixed_probability(rng, pre_core, post_core, view, p_connect, allow_self):
    """connection_generator_fixed_prob.h: rows in pre order, one draw per
    candidate target; `view` is (pre_lo, pre_hi, post_lo, post_hi) in
    population indices."""
    pre_lo, pre_hi, post_lo, post_hi = view
    # DataType.U032.encode_as_int: round(Decimal(str(p)) * 2**32); p = 1 is U032's max
    threshold = int(round(Decimal(str(p_connect)) * 2 ** 32)) if p_connect < 1.0 else MASK32
    a0, a1 = intersect(pre_core, pre_lo, pre_hi)
    b0, b1 = intersect(post_core, post_lo, post_hi)
    if a1 < a0 or b1 < b0:
        return [], []
    pre, post = np.meshgrid(np.arange(a0, a1 + 1), np.arange(b0, b1 + 1), indexing="ij")
    pre, post = pre.ravel(), post.ravel()
    if not allow_self:
        keep = pre != post
        pre, post = pre[keep], post[keep]
    chosen = rng.block(pre.size) <= threshold
    return pre[chosen].tolist(), post[chosen].tolist()


def _reservoir(rng, n_conns, n_values, skip=None):
    """The expander's selection of n_conns of range(n_values) without
    replacement (the first n_conns, then reservoir replacement), leaving out
    `skip` (compared with the candidate index, as the C code does)."""
    chosen, start = [], n_conns
    for i in range(n_conns):
        if skip is not None and i == skip:
            chosen.append(n_conns)
            start = n_conns + 1
        else:
            chosen.append(i)
    for i in range(start, n_values):
        if skip is not None and i == skip:
            continue
        j = rng.below(i + 1)
        if j < n_conns:
            chosen[j] = i
    return chosen


def _with_replacement(rng, n_conns, n_values, skip=None):
    chosen = []
    for _ in range(n_conns):
        j = rng.below(n_values)
        while skip is not None and j == skip:
            j = rng.below(n_values)
        chosen.append(j)
    return chosen


def _choose(rng, n_conns, n_values, with_replacement, skip, compiled=True):
    if with_replacement and skip is not None and n_values == 1 and skip == 0:
        raise ValueError("no partner to draw: the only candidate is the cell itself")
    if compiled and _choose_compiled is not None:
        state = np.array([rng.x, rng.y, rng.z, rng.c], dtype=np.uint64)
        chosen = _choose_compiled(state, int(n_conns), int(n_values), bool(with_replacement),
                                  -1 if skip is None else int(skip))
        rng.x, rng.y, rng.z, rng.c = (int(v) for v in state)
        return chosen.tolist()
    if with_replacement:
        return _with_replacement(rng, n_conns, n_values, skip)
    return _reservoir(rng, n_conns, n_values, skip)


def fixed_number_pre_columns(rng, view, n, with_replacement, self_connections):
    """connection_generator_fixed_pre.h initialise: for each post column of the
    view, the n chosen presynaptic view indices."""
    pre_lo, pre_hi, post_lo, post_hi = view
    n_values = pre_hi - pre_lo + 1
    return [_choose(rng, n, n_values, with_replacement, None if self_connections else column)
            for column in range(post_hi - post_lo + 1)]


def fixed_number_pre(columns, pre_core, post_core, view):
    """connection_generator_fixed_pre.h generate: row by row (pre order), the
    post core's columns in order, each column's chosen entries in order."""
    pre_lo, pre_hi, post_lo, post_hi = view
    first = max(post_core[0], post_lo) - post_lo
    last = min(post_core[1], post_hi) - post_lo
    if last < first or not columns or not len(columns[0]):
        return [], []
    chosen = np.asarray(columns[first:last + 1], dtype=np.int64)
    pre = chosen.ravel() + pre_lo
    post = np.repeat(np.arange(first, last + 1) + post_lo, chosen.shape[1])
    keep = (pre >= max(pre_core[0], pre_lo)) & (pre <= min(pre_core[1], pre_hi))
    pre, post = pre[keep], post[keep]
    order = np.argsort(pre, kind="stable")
    return pre[order].tolist(), post[order].tolist()


def fixed_number_post(rng, pre_core, post_core, view, n, n_post_neurons, with_replacement,
                      self_connections):
    """connection_generator_fixed_post.h: each row draws its n targets afresh
    (every post core of a pre core starts from the same seed)."""
    pre_lo, pre_hi, post_lo, post_hi = view
    sources, targets = [], []
    for pre in range(pre_core[0], pre_core[1] + 1):
        if pre < pre_lo or pre > pre_hi:
            continue
        chosen = _choose(rng, n, n_post_neurons, with_replacement,
                         None if self_connections else pre)
        for j in chosen:
            post = j + post_lo
            if post_core[0] <= post <= post_core[1]:
                sources.append(pre)
                targets.append(post)
    return sources, targets


def _pick(rng, k, not_k):
    # (uint32_t) (ulrbits(draw) * (K + not_K)): a U0.32 fraction of the bag size
    return (rng.next() * (k + not_k)) >> 32


def _row_share(rng, n_connections, n_potential, n_values, with_replacement, compiled=True):
    """A row's count: binomial (with replacement) or hypergeometric (without)
    draws of the connections left over the potential synapses left."""
    if compiled and _row_share_compiled is not None:
        state = np.array([rng.x, rng.y, rng.z, rng.c], dtype=np.uint64)
        count = _row_share_compiled(state, int(n_connections), int(n_potential),
                                    int(n_values), bool(with_replacement))
        rng.x, rng.y, rng.z, rng.c = (int(v) for v in state)
        return int(count)
    if with_replacement:
        return sum(1 for _ in range(n_connections)
                   if _pick(rng, n_values, n_potential - n_values) < n_values)
    count, k, not_k = 0, n_values, n_potential - n_values
    for _ in range(n_connections):
        if _pick(rng, k, not_k) < k:
            count += 1
            k -= 1
        else:
            not_k -= 1
    return count


def fixed_total(rng, pre_core, post_core, view, n_connections, n_potential, with_replacement,
                allow_self, compiled=True):
    """connection_generator_fixed_total.h: each row takes a binomial (with
    replacement) or hypergeometric share of what is left; the view's last row
    takes the rest."""
    pre_lo, pre_hi, post_lo, post_hi = view
    sources, targets = [], []
    lo, hi = intersect(post_core, post_lo, post_hi)
    if hi < lo:
        return sources, targets
    for pre in range(pre_core[0], pre_core[1] + 1):
        if n_connections == 0:
            break
        if pre < pre_lo or pre > pre_hi:
            continue
        n_values = hi - lo + 1
        if not allow_self and post_lo <= pre <= post_hi:
            n_values -= 1
        if pre == pre_hi:
            n_conns = n_connections
        else:
            n_conns = _row_share(rng, n_connections, n_potential, n_values, with_replacement,
                                 compiled)
        chosen = _choose(rng, n_conns, n_values, with_replacement, None, compiled)
        sources.extend([pre] * len(chosen))
        targets.extend(j + lo for j in chosen)
        n_connections -= n_conns
        n_potential -= n_values
    return sources, targets


def multapse_shares(rng, n_synapses, pre_cores, post_cores):
    """How many of the n synapses each (pre core, post core) pair of the view
    gets (sPyNNaker 6's binomial sequence, as numpy's multinomial; pairs
    pre-major; an empty core is None)."""
    n_pre = sum(c[1] - c[0] + 1 for c in pre_cores if c)
    n_post = sum(c[1] - c[0] + 1 for c in post_cores if c)
    total_pairs = n_pre * n_post
    probabilities = [((a[1] - a[0] + 1) * (b[1] - b[0] + 1) / float(total_pairs))
                     if a and b else 0 for a in pre_cores for b in post_cores]
    shares = np.zeros(len(probabilities), dtype=int)
    remaining, total = n_synapses, 1.0
    for j in range(len(probabilities) - 1):
        p = min(max(probabilities[j] / total, 0.0), 1.0) if total > 0 else 0.0
        shares[j] = int(np.atleast_1d(rng.next(1, distribution="binomial",
                                               parameters={"n": remaining, "p": p}))[0])
        remaining -= shares[j]
        if remaining <= 0:
            break
        total -= probabilities[j]
    if remaining > 0:
        shares[-1] = remaining
    return shares


def view_cores(cores, lo, hi):
    """spynnaker's _get_view_slices: each core cut to the view, None if outside
    (a cut that is exactly neuron 0 counts as outside, as there)."""
    cut = []
    for core in cores:
        a, b = intersect(core, lo, hi)
        cut.append(None if b < a or (a == 0 and b == 0) else (a, b))
    return cut
