"""Vectorised fast paths for PyNN's common connectors.

PyNN's connectors call `Projection._convergent_connect` once per
postsynaptic cell. For the connectors below, this module generates the whole
connectivity as index arrays (in chunks of postsynaptic cells, so memory stays
bounded) and writes it straight into the projection's engine blocks. The
connection sets follow the same distributions as PyNN's generic code (not the
same random streams): independent Bernoulli entries for FixedProbability and
DistanceDependentProbability, exact in/out-degree with or without replacement
for FixedNumberPre/Post, and so on. The connector's `safe` checks and
`callback` still apply.

Synapse parameters may be constants, arrays of shape (n_pre, n_post),
RandomDistributions (one draw per synapse) or functions of distance.
`connect_fast(projection, connector)` returns False when it cannot handle a
case (another connector type, a location selector, a parameter given as an
IndexBasedExpression or built from other lazy arrays, a native RNG, ...); the
projection then uses `connector.connect(projection)`.

Connections are produced in postsynaptic-major order (by post index, then pre
index), the order in which PyNN's generic path adds them.
"""
from copy import deepcopy

import numpy as np
from pyNN import connectors as pc
from pyNN import errors
from pyNN.core import IndexBasedExpression
from pyNN.random import NativeRNG, RandomDistribution, WrappedRNG
from pyNN.standardmodels import StandardSynapseType

from . import simulator
from .standardmodels.synapses import check_delays, check_weights

#: target number of candidate (pre, post) pairs handled per chunk
CHUNK_PAIRS = 1 << 22


# --- random numbers through PyNN's RNG interface ----------------------------

class _Draws:
    """Uniform reals and integers from a PyNN RNG (NumpyRNG, GSLRNG, ...)."""

    def __init__(self, rng):
        self.rng = rng

    def uniform(self, n):
        return np.asarray(self.rng.next(n, "uniform", {"low": 0.0, "high": 1.0}, mask=None),
                          dtype=float).reshape(-1)

    def integers(self, high, n):
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.rng.next(n, "uniform_int", {"low": 0, "high": int(high)},
                                        mask=None), dtype=np.int64).reshape(-1)

    def geometric(self, p, n):
        """Number of Bernoulli(p) trials up to and including the first success (>= 1)."""
        u = 1.0 - self.uniform(n)  # in (0, 1]
        return np.maximum(np.ceil(np.log(u) / np.log1p(-p)), 1).astype(np.int64)


def _draws(connector):
    rng = getattr(connector, "rng", None)
    # pycarl's NativeRNG is a working generator; another backend's is only a marker
    if rng is None or (isinstance(rng, NativeRNG) and not isinstance(rng, WrappedRNG)):
        return None
    return _Draws(rng)


# --- sampling helpers -------------------------------------------------------

def bernoulli_flat(draws, total, p):
    """Sorted flat indices of the successes among `total` i.i.d. Bernoulli(p) trials."""
    if total == 0 or p <= 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1:
        return np.arange(total, dtype=np.int64)
    if p > 0.2:
        return np.flatnonzero(draws.uniform(total) < p)
    parts, last = [], -1
    while True:
        remaining = total - 1 - last
        expected = remaining * p
        n = int(expected + 5 * np.sqrt(expected) + 16)
        positions = last + np.cumsum(draws.geometric(p, n))
        if positions[-1] >= total:
            parts.append(positions[positions < total])
            break
        parts.append(positions)
        last = int(positions[-1])
    return np.concatenate(parts)


def distinct_samples(draws, counts, m):
    """For each row r, counts[r] distinct values from range(m), uniformly; returns
    (row, value) arrays, rows in increasing order. Requires counts <= m."""
    counts = np.asarray(counts, dtype=np.int64)
    rows = np.repeat(np.arange(counts.size), counts)
    values = np.zeros(rows.size, dtype=np.int64)
    dense = counts * 4 > m
    if dense.any():
        # few candidates per row: rank random keys (chunks of rows)
        dense_rows = np.flatnonzero(dense)
        per_chunk = max(1, CHUNK_PAIRS // max(m, 1))
        entry_start = np.concatenate([[0], np.cumsum(counts)])
        for start in range(0, dense_rows.size, per_chunk):
            chunk = dense_rows[start:start + per_chunk]
            order = np.argsort(draws.uniform(chunk.size * m).reshape(chunk.size, m), axis=1)
            keep = np.arange(m) < counts[chunk, None]
            lengths = counts[chunk]
            # entries of the chunk's rows: entry_start[r] ... entry_start[r] + counts[r] - 1
            where = (np.repeat(entry_start[chunk] - (np.cumsum(lengths) - lengths), lengths)
                     + np.arange(int(lengths.sum())))
            values[where] = order[keep]
    sparse_entries = np.flatnonzero(~dense[rows]) if rows.size else rows
    if sparse_entries.size:
        # many candidates per row: draw with replacement, redraw duplicates; the
        # procedure commutes with any relabelling of range(m), so each subset is equally likely
        values[sparse_entries] = draws.integers(m, sparse_entries.size)
        active = sparse_entries
        while active.size:
            key = rows[active] * m + values[active]
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            repeated = np.zeros(active.size, dtype=bool)
            repeated[1:] = sorted_key[1:] == sorted_key[:-1]
            redraw = active[order[repeated]]
            if redraw.size == 0:
                break
            values[redraw] = draws.integers(m, redraw.size)
            active = active[np.isin(rows[active], np.unique(rows[redraw]))]
    return rows, values


def fixed_number(draws, counts, m, with_replacement, excluded=None):
    """Values drawn for each row as FixedNumberPre/PostConnector do: `counts[r]` values
    from range(m) minus `excluded[r]` (if given); without replacement, whole sets
    of candidates first, then a random subset for the remainder."""
    counts = np.asarray(counts, dtype=np.int64)
    candidates = m - (1 if excluded is not None else 0)
    if (counts > 0).any() and candidates <= 0:
        raise errors.ConnectionError(
            f"cannot draw {counts.max()} connection(s) from {candidates} candidate cell(s)")
    if with_replacement:
        rows = np.repeat(np.arange(counts.size), counts)
        values = draws.integers(candidates, rows.size)
    else:
        full, remainder = np.divmod(counts, max(candidates, 1))
        rows_r, values_r = distinct_samples(draws, remainder, candidates)
        if full.any():
            rows_f = np.repeat(np.arange(counts.size), full * candidates)
            values_f = np.tile(np.arange(candidates), int(full.sum()))
            rows = np.concatenate([rows_f, rows_r])
            values = np.concatenate([values_f, values_r])
            order = np.argsort(rows, kind="stable")
            rows, values = rows[order], values[order]
        else:
            rows, values = rows_r, values_r
    if excluded is not None:
        values = values + (values >= np.asarray(excluded)[rows])
    return rows, values


def post_chunks(n_pre, n_post, density=1.0):
    """Ranges of postsynaptic cells with about CHUNK_PAIRS candidate pairs (scaled
    up by 1/density when only that fraction becomes connections)."""
    per = max(1, int(CHUNK_PAIRS / max(density, 1e-12)) // max(n_pre, 1))
    return [(c, min(c + per, n_post)) for c in range(0, n_post, per)]


# --- synapse parameters -----------------------------------------------------

def _evaluable(lazy):
    """True if a parameter LazyArray can be evaluated at (pre, post) pairs here."""
    if any(arg is not None and hasattr(arg, "base_value") for _, arg in lazy.operations):
        return False
    base = lazy.base_value
    return (lazy.is_homogeneous or isinstance(base, RandomDistribution)
            or (isinstance(base, np.ndarray) and base.shape == tuple(lazy.shape))
            or _is_distance_function(base))


def _is_distance_function(base):
    # PyNN treats a callable parameter as a function of distance, unless it is an
    # IndexBasedExpression (a function of the indices, evaluated by the generic path)
    return (callable(base) and not isinstance(base, (IndexBasedExpression, RandomDistribution))
            and not isinstance(base, np.ndarray))


def pair_distances(projection, pre, post):
    """Distance of each pair (pre[k], post[k]) in the projection's space, as
    pyNN.space.Space.distances computes it for all pairs (scale and offset apply
    to the postsynaptic positions; periodic boundaries per axis)."""
    space = projection.space
    a = projection.pre.positions[:, pre]
    offset = np.reshape(space.offset, (-1, 1))
    b = space.scale_factor * (projection.post.positions[:, post] + offset)
    total = np.zeros(np.size(pre))
    for axis in space.axes:
        diff = a[axis] - b[axis]
        bounds = None if space.periodic_boundaries is None else space.periodic_boundaries[axis]
        if bounds is not None:
            diff = np.abs(diff)
            diff = np.minimum(diff, (bounds[1] - bounds[0]) - diff)
        total += diff ** 2
    return np.sqrt(total)


def synapse_parameter_space(projection):
    """The synapse type's native parameters as (n_pre, n_post) lazy arrays, or None if
    one of them cannot be evaluated pair by pair (functions of indices, or of other
    lazy arrays)."""
    space = projection.synapse_type.native_parameters
    space.shape = (projection.pre.size, projection.post.size)
    if all(_evaluable(lazy) for _, lazy in space.items()):
        return space
    return None


def evaluate_at(projection, space, pre, post, distances=None):
    """name -> scalar or per-connection array for the connections (pre[k], post[k]);
    `distances`: their distances, if already known."""
    values = {}
    for name, lazy in space.items():
        if lazy.is_homogeneous:
            values[name] = lazy.evaluate(simplify=True)
            continue
        if isinstance(lazy.base_value, RandomDistribution):
            x = np.asarray(lazy.base_value.next(pre.size)).reshape(-1)
        elif _is_distance_function(lazy.base_value):
            if distances is None:
                distances = pair_distances(projection, pre, post)
            x = np.broadcast_to(lazy.base_value(distances), distances.shape)
        else:
            x = lazy.base_value[pre, post]
        values[name] = lazy._apply_operations(x)
    return values


# --- writing into the engine ------------------------------------------------

def _checks(synapse_type):
    checks = {"weight": check_weights, "delay": check_delays}
    checks.update(getattr(synapse_type, "parameter_checks", {}))
    translations = getattr(synapse_type, "translations", {})
    return {translations.get(name, {}).get("translated_name", name): check
            for name, check in checks.items()}


def add_connections(projection, connector, pre, post, parameters):
    """Connect pre[k] -> post[k] (indices in projection.pre / projection.post) with
    `parameters` (native name -> scalar or per-connection array)."""
    pre = np.asarray(pre, dtype=np.int64)
    post = np.asarray(post, dtype=np.int64)
    n = pre.size
    if n == 0:
        return
    state = simulator.state
    params = {name: np.broadcast_to(np.asarray(value, dtype=float), (n,))
              for name, value in parameters.items() if name != "dendritic_delay_fraction"}
    params.setdefault("delay", np.broadcast_to(float(state.min_delay), (n,)))
    if connector.safe:
        for name, check in _checks(projection.synapse_type).items():
            if name in params:
                check(params[name], projection)
    params["delay"] = projection._delay_steps(params["delay"])
    pre_comp = np.searchsorted(projection._pre_offsets, pre, side="right") - 1
    post_comp = np.searchsorted(projection._post_offsets, post, side="right") - 1
    single = len(projection._pre_components) == 1 and len(projection._post_components) == 1
    pairs = [(0, 0)] if single else sorted(set(zip(pre_comp.tolist(), post_comp.tolist())))
    for i, j in pairs:
        source, target = projection._pre_components[i], projection._post_components[j]
        if single:
            sel = slice(None)
        else:
            sel = np.flatnonzero((pre_comp == i) & (post_comp == j))
        projection._block(i, j).add(
            source.engine_index[pre[sel] - source.offset],
            target.engine_index[post[sel] - target.offset],
            **{name: np.ascontiguousarray(value[sel]) for name, value in params.items()})


def _connect_pairs(projection, connector, space, chunks):
    """Add each (pre, post) chunk of `chunks` (an iterable), reporting progress."""
    n_post = max(projection.post.size, 1)
    for pre, post, done, *distances in chunks:
        add_connections(projection, connector, pre, post,
                        evaluate_at(projection, space, pre, post, *distances))
        if connector.callback is not None:
            connector.callback(done / n_post)


def _self_mask(projection, pre, post):
    """True where pre and post are different cells (PyNN compares IDs)."""
    return projection.pre.all_cells[pre] != projection.post.all_cells[post]


def _kept_pairs(projection, mode, pre, post):
    """Which (pre, post) pairs allow_self_connections=`mode` keeps: all (True),
    those between different cells (False), or one of each mutual pair
    ("NoMutual", within one population)."""
    if mode == "NoMutual":
        return pre > post
    if not mode:
        return _self_mask(projection, pre, post)
    return slice(None)


def _sampling_draws(projection, connector):
    """The connector's random draws, or None where the fast path cannot serve
    it (no NumPy generator, or "NoMutual" between two populations)."""
    draws = _draws(connector)
    if connector.allow_self_connections == "NoMutual" and not _same_population(projection):
        return None
    return draws


def _same_population(projection):
    from pyNN.common import Population
    return (isinstance(projection.pre, Population) and isinstance(projection.post, Population)
            and projection.pre == projection.post)


# --- the connectors -----------------------------------------------------------

def _all_to_all(projection, connector, space):
    n_pre, n_post = projection.pre.size, projection.post.size

    def chunks():
        for c0, c1 in post_chunks(n_pre, n_post):
            post = np.repeat(np.arange(c0, c1), n_pre)
            pre = np.tile(np.arange(n_pre), c1 - c0)
            keep = _kept_pairs(projection, connector.allow_self_connections, pre, post)
            yield pre[keep], post[keep], c1
    _connect_pairs(projection, connector, space, chunks())
    return True


def _fixed_probability(projection, connector, space):
    draws = _sampling_draws(projection, connector)
    if draws is None:
        return False
    mode = connector.allow_self_connections
    n_pre, n_post, p = projection.pre.size, projection.post.size, connector.p_connect

    def chunks():
        # the dense sampler draws one number per candidate pair
        for c0, c1 in post_chunks(n_pre, n_post, density=p if p <= 0.2 else 1.0):
            flat = bernoulli_flat(draws, n_pre * (c1 - c0), p)
            post, pre = np.divmod(flat, n_pre)
            post += c0
            keep = _kept_pairs(projection, mode, pre, post)
            yield pre[keep], post[keep], c1
    _connect_pairs(projection, connector, space, chunks())
    return True


def _distance_dependent(projection, connector, space):
    draws = _sampling_draws(projection, connector)
    if draws is None:
        return False
    mode = connector.allow_self_connections
    n_pre, n_post = projection.pre.size, projection.post.size
    pre_positions, post_positions = projection.pre.positions.T, projection.post.positions.T

    def chunks():
        # several float arrays per candidate pair: smaller chunks
        for c0, c1 in post_chunks(n_pre, n_post, density=4.0):
            d = projection.space.distances(pre_positions, post_positions[c0:c1])
            d = d.reshape(n_pre, c1 - c0).T.ravel()  # postsynaptic-major
            p = np.broadcast_to(connector.distance_function(d), d.shape)
            flat = np.flatnonzero(draws.uniform(d.size) < p)
            post, pre = np.divmod(flat, n_pre)
            post += c0
            keep = _kept_pairs(projection, mode, pre, post)
            yield pre[keep], post[keep], c1, d[flat][keep]
    _connect_pairs(projection, connector, space, chunks())
    return True


def _degrees(connector, size):
    if isinstance(connector.n, RandomDistribution):
        return np.asarray(connector.n.next(size), dtype=float).reshape(-1).astype(np.int64)
    return np.full(size, int(connector.n), dtype=np.int64)


def _fixed_number(projection, connector, space, per_post):
    """FixedNumberPre (per_post: n sources for each target) and FixedNumberPost."""
    draws = _draws(connector)
    if draws is None:
        return False
    n_pre, n_post = projection.pre.size, projection.post.size
    exclude = not connector.allow_self_connections and projection.pre == projection.post
    n_cells, n_choices = (n_post, n_pre) if per_post else (n_pre, n_post)
    cells, chosen = fixed_number(draws, _degrees(connector, n_cells), n_choices,
                                 connector.with_replacement,
                                 excluded=np.arange(n_cells) if exclude else None)
    pre, post = (chosen, cells) if per_post else (cells, chosen)
    # within each post cell, sources in increasing order (as the generic path stores them)
    order = np.lexsort((pre, post))
    _connect_pairs(projection, connector, space, [(pre[order], post[order], n_post)])
    return True


def _fixed_number_pre(projection, connector, space):
    return _fixed_number(projection, connector, space, per_post=True)


def _fixed_number_post(projection, connector, space):
    return _fixed_number(projection, connector, space, per_post=False)


def _fixed_total_number(projection, connector, space):
    # as PyNN's implementation on one process: n (pre, post) pairs drawn
    # uniformly with replacement; allow_self_connections is not applied there either
    draws = _draws(connector)
    if draws is None or isinstance(connector.n, RandomDistribution):
        return False
    n = int(connector.n)
    pre = draws.integers(projection.pre.size, n)
    post = draws.integers(projection.post.size, n)
    # the order of np.lexsort((pre, post)) from two stable sorts, which are radix
    # sorts (O(n)) on 16-bit keys: minutes saved on the 0.3e9 synapses of the
    # cortical microcircuit
    key = np.uint16 if max(projection.pre.size, projection.post.size) <= 65535 else np.int64
    order = np.argsort(pre.astype(key), kind="stable")
    order = order[np.argsort(post.astype(key)[order], kind="stable")]
    _connect_pairs(projection, connector, space,
                   [(pre[order], post[order], projection.post.size)])
    return True


def _one_to_one(projection, connector, space):
    n = min(projection.pre.size, projection.post.size)
    index = np.arange(n)
    _connect_pairs(projection, connector, space, [(index, index, projection.post.size)])
    return True


def _from_boolean_matrix(projection, connector, space, matrix):
    matrix = np.asarray(matrix)
    if matrix.dtype != bool or matrix.shape != (projection.pre.size, projection.post.size):
        return False
    post, pre = np.nonzero(matrix.T)
    _connect_pairs(projection, connector, space, [(pre, post, projection.post.size)])
    return True


def _array(projection, connector, space):
    return _from_boolean_matrix(projection, connector, space, connector.array)


def _clone(projection, connector, space):
    reference = connector.reference_projection
    if projection.pre != reference.pre or projection.post != reference.post:
        return False  # the generic path raises PyNN's error
    weights = reference.get(["weight"], "array", gather="all")[0]
    return _from_boolean_matrix(projection, connector, space, ~np.isnan(weights))


def _from_list(projection, connector):
    names = projection.synapse_type.get_parameter_names()
    for name in connector.column_names:
        if name not in names:
            raise ValueError(f"{name} is not a valid parameter for "
                             f"{type(projection.synapse_type).__name__}")
    table = connector.conn_list
    if table.size == 0:
        return True
    if np.any(table[:, 0] >= projection.pre.size):
        raise errors.ConnectionError("source index out of range")
    # as the generic path: connections onto cells outside the population are skipped
    keep = (table[:, 1] >= 0) & (table[:, 1] < projection.post.size)
    table = table[keep]
    table = table[np.argsort(table[:, 1], kind="stable")]
    parameters = deepcopy(projection.synapse_type.parameter_space)
    parameters.shape = (table.shape[0],)
    for col, name in enumerate(connector.column_names, 2):
        parameters.update(**{name: table[:, col]})
    if isinstance(projection.synapse_type, StandardSynapseType):
        parameters = projection.synapse_type.translate(parameters)
    parameters.evaluate()
    add_connections(projection, connector, table[:, 0].astype(np.int64),
                    table[:, 1].astype(np.int64), dict(parameters.items()))
    if connector.callback is not None:
        connector.callback(1.0)
    return True


_MAP_CONNECTORS = {
    pc.AllToAllConnector: _all_to_all,
    pc.FixedProbabilityConnector: _fixed_probability,
    pc.DistanceDependentProbabilityConnector: _distance_dependent,
    pc.FixedNumberPreConnector: _fixed_number_pre,
    pc.FixedNumberPostConnector: _fixed_number_post,
    pc.FixedTotalNumberConnector: _fixed_total_number,
    pc.OneToOneConnector: _one_to_one,
    pc.ArrayConnector: _array,
    pc.CloneConnector: _clone,
}


def connect_fast(projection, connector, kind=None):
    """Build the projection's connections with a vectorised path; False if not handled.
    `kind`: the PyNN connector class whose path to take (default: the connector's own
    class; a subclass is handled only when it names its PyNN base here)."""
    if getattr(connector, "location_selector", None) is not None:
        return False
    kind = kind or type(connector)
    if kind is pc.FromListConnector:
        return _from_list(projection, connector)
    handler = _MAP_CONNECTORS.get(kind)
    if handler is None:
        return False
    space = synapse_parameter_space(projection)
    if space is None:
        return False
    return handler(projection, connector, space)
