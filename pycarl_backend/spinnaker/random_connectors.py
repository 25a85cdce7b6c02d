"""sPyNNaker's random connectors: its signatures, its limits, its draws.

* Signatures as sPyNNaker's (``safe``, ``verbose`` before ``rng``);
  FixedNumberPre/PostConnector take a float n, as sPyNNaker does (the machine
  reads it as an unsigned integer: 12.5 makes 12).
* Without replacement, more partners than the view holds (or all of them
  with allow_self_connections=False) raise ConnectorException, a
  SpynnakerException, when the projection is built, as sPyNNaker 6's
  set_projection_information and multapse connector do (PyNN would repeat
  partners or stop short).
* FixedTotalNumberConnector(with_replacement=False) never repeats a pair.
* With sPyNNaker 6 semantics (setup(spynnaker_version=6)) and weights and
  delays the machine can generate (constants, or uniform / normal /
  exponential distributions), the connections are those the machine's
  synapse expander draws from the connector's rng (expander.py); random
  weights and delays are then drawn from their own distribution's rng, in
  connection order (the machine's fixed-point generators are not
  reproduced). Otherwise pycarl's vectorised path draws them with PyNN's
  distributions.
* allow_self_connections=False drops (i, i) by index for FixedProbability
  and FixedTotalNumber, also between two populations (the expander's test);
  FixedNumberPre/Post exclude self connections only within one population.
"""
import numpy as np
from pyNN import common
from pyNN import connectors as pc
from pyNN.random import NumpyRNG, RandomDistribution

from .. import simulator
from ..connectors import add_connections, connect_fast, evaluate_at, synapse_parameter_space
from . import expander
from .exceptions import ConnectorException

#: RandomDistribution names the spynnaker8-era machine generates weights and
#: delays from (abstract_generate_connector_on_machine.py PARAM_TYPE_BY_NAME)
MACHINE_DISTRIBUTIONS = frozenset({"uniform", "uniform_int", "normal", "normal_clipped",
                                   "normal_clipped_to_boundary", "exponential"})


class _Side:
    """One side of a projection as the machine sees it: the population, the
    view's first and last index in it, and the population's core slices."""

    def __init__(self, population, lo, hi, cores):
        self.population, self.lo, self.hi, self.cores = population, lo, hi, cores


def neurons_per_core(population):
    state = simulator.state
    by_population = getattr(state, "neurons_per_core_by_population", {})
    if population.label in by_population:
        return by_population[population.label]
    name = type(population.celltype).__name__
    by_type = getattr(state, "neurons_per_core_by_type", {})
    if name in by_type:
        return by_type[name]
    return expander.DEFAULT_NEURONS_PER_CORE.get(name, expander.NEURON_MODEL_NEURONS_PER_CORE)


def machine_side(cells):
    """The _Side of a Population or contiguous PopulationView; None otherwise."""
    if isinstance(cells, common.Assembly) or cells.size == 0:
        return None
    root = cells.grandparent if hasattr(cells, "parent") else cells
    if cells is root:
        lo, hi = 0, root.size - 1
    else:
        index = np.asarray(cells.index_in_grandparent(np.arange(cells.size)), dtype=np.int64)
        if np.any(np.diff(index) != 1):
            return None
        lo, hi = int(index[0]), int(index[-1])
    return _Side(root, lo, hi, expander.core_slices(root.size, neurons_per_core(root)))


def _machine_generated(value):
    base = getattr(value, "base_value", value)
    if isinstance(base, RandomDistribution):
        return base.name in MACHINE_DISTRIBUTIONS
    return np.isscalar(base) and not isinstance(base, str)


def expands_on_machine(projection):
    """Whether sPyNNaker 6 generates this projection on the machine."""
    release = getattr(simulator.state, "spynnaker_release", None)
    if release is None or not release.expands_random_connectors:
        return False
    parameters = projection.synapse_type.parameter_space
    return all(_machine_generated(parameters[name])
               for name in ("weight", "delay") if name in parameters.keys())


class _SpiNNakerRandomConnector:
    """connect(): the machine's draws (sPyNNaker 6) or pycarl's vectorised path."""

    _pynn_class = None

    def _machine_rng(self):
        # sPyNNaker: self._rng = self._rng or NumpyRNG() (kept across projections)
        if self._spynnaker_rng is None:
            self._spynnaker_rng = NumpyRNG()
        return self._spynnaker_rng

    def connect(self, projection):
        self._check_numbers(projection)
        pre, post = machine_side(projection.pre), machine_side(projection.post)
        space = synapse_parameter_space(projection)
        if pre is None or post is None or space is None or not expands_on_machine(projection):
            self._connect_otherwise(projection)
            return
        sources, targets = self._expand(projection, pre, post)
        sources = np.asarray(sources, dtype=np.int64) - pre.lo
        targets = np.asarray(targets, dtype=np.int64) - post.lo
        add_connections(projection, self, sources, targets,
                        evaluate_at(projection, space, sources, targets))
        if self.callback is not None:
            self.callback(1.0)

    def _connect_otherwise(self, projection):
        """pycarl's vectorised path (PyNN's distributions), else PyNN's own."""
        if not connect_fast(projection, self, kind=self._pynn_class):
            self._pynn_class.connect(self, projection)

    def _check_numbers(self, projection):
        """sPyNNaker's checks at projection time; nothing by default."""

    def _expand(self, projection, pre, post):
        raise NotImplementedError


class FixedProbabilityConnector(_SpiNNakerRandomConnector, pc.FixedProbabilityConnector):
    __doc__ = pc.FixedProbabilityConnector.__doc__
    _pynn_class = pc.FixedProbabilityConnector

    def __init__(self, p_connect, allow_self_connections=True, safe=True, verbose=False,
                 rng=None, callback=None):
        pc.FixedProbabilityConnector.__init__(
            self, p_connect, allow_self_connections=allow_self_connections, rng=rng,
            safe=safe, callback=callback)
        self.verbose = verbose
        self._spynnaker_rng = rng

    def _expand(self, projection, pre, post):
        rng = self._machine_rng()
        view = (pre.lo, pre.hi, post.lo, post.hi)
        sources, targets = [], []
        for post_core in post.cores:
            for pre_core in pre.cores:
                s, t = expander.fixed_probability(
                    expander.MarsKiss64(expander.kiss_seed(rng)), pre_core, post_core, view,
                    float(self.p_connect), self.allow_self_connections)
                sources += s
                targets += t
        return sources, targets


def _count(n, connector_name):
    """sPyNNaker takes n as given (a float too); the machine reads it as uint32."""
    if isinstance(n, RandomDistribution):
        return n
    try:
        value = float(n)
    except (TypeError, ValueError):
        value = -1.0
    if value < 0:
        raise ConnectorException(
            f"{connector_name}(n={n!r}): n must be a number >= 0 or a RandomDistribution")
    return int(value)


class _FixedNumber(_SpiNNakerRandomConnector):

    def _check_degree(self, n_available, side_name, connector_name):
        if isinstance(self.n, RandomDistribution) or self.with_replacement:
            return
        if self.n > n_available:
            raise ConnectorException(
                f"{connector_name} will not work when with_replacement=False and "
                f"n > n_{side_name}_neurons (n={self.n}, {n_available} {side_name} neurons)")
        if not self.allow_self_connections and self.n == n_available:
            raise ConnectorException(
                f"{connector_name} will not work when with_replacement=False, "
                f"allow_self_connections=False and n = n_{side_name}_neurons (n={self.n})")


class FixedNumberPreConnector(_FixedNumber, pc.FixedNumberPreConnector):
    __doc__ = pc.FixedNumberPreConnector.__doc__
    _pynn_class = pc.FixedNumberPreConnector

    def __init__(self, n, allow_self_connections=True, safe=True, verbose=False,
                 with_replacement=False, rng=None, callback=None):
        pc.FixedNumberPreConnector.__init__(
            self, _count(n, "FixedNumberPreConnector"),
            allow_self_connections=allow_self_connections,
            with_replacement=with_replacement, rng=rng, safe=safe, callback=callback)
        self.verbose = verbose
        self._spynnaker_rng = rng

    def _check_numbers(self, projection):
        self._check_degree(projection.pre.size, "pre", "FixedNumberPreConnector")

    def _expand(self, projection, pre, post):
        if isinstance(self.n, RandomDistribution):
            raise ConnectorException("FixedNumberPreConnector: sPyNNaker takes an integer n")
        rng = self._machine_rng()
        view = (pre.lo, pre.hi, post.lo, post.hi)
        self_connections = self.allow_self_connections or projection.pre is not projection.post
        sources, targets = [], []
        for post_core in post.cores:
            # one seed per post core; every pre core's generator rebuilds the same columns
            columns = expander.fixed_number_pre_columns(
                expander.MarsKiss64(expander.kiss_seed(rng)), view, self.n,
                self.with_replacement, self_connections)
            for pre_core in pre.cores:
                s, t = expander.fixed_number_pre(columns, pre_core, post_core, view)
                sources += s
                targets += t
        return sources, targets


class FixedNumberPostConnector(_FixedNumber, pc.FixedNumberPostConnector):
    __doc__ = pc.FixedNumberPostConnector.__doc__
    _pynn_class = pc.FixedNumberPostConnector

    def __init__(self, n, allow_self_connections=True, with_replacement=False, safe=True,
                 callback=None, verbose=False, rng=None):
        pc.FixedNumberPostConnector.__init__(
            self, _count(n, "FixedNumberPostConnector"),
            allow_self_connections=allow_self_connections,
            with_replacement=with_replacement, rng=rng, safe=safe, callback=callback)
        self.verbose = verbose
        self._spynnaker_rng = rng

    def _check_numbers(self, projection):
        self._check_degree(projection.post.size, "post", "FixedNumberPostConnector")

    def _expand(self, projection, pre, post):
        if isinstance(self.n, RandomDistribution):
            raise ConnectorException("FixedNumberPostConnector: sPyNNaker takes an integer n")
        rng = self._machine_rng()
        view = (pre.lo, pre.hi, post.lo, post.hi)
        self_connections = self.allow_self_connections or projection.pre is not projection.post
        seeds = {}
        sources, targets = [], []
        for post_core in post.cores:
            for pre_core in pre.cores:
                if pre_core not in seeds:  # one seed per pre core, shared by its post cores
                    seeds[pre_core] = expander.kiss_seed(rng)
                s, t = expander.fixed_number_post(
                    expander.MarsKiss64(seeds[pre_core]), pre_core, post_core, view, self.n,
                    projection.post.size, self.with_replacement, self_connections)
                sources += s
                targets += t
        return sources, targets


class FixedTotalNumberConnector(_SpiNNakerRandomConnector, pc.FixedTotalNumberConnector):
    __doc__ = pc.FixedTotalNumberConnector.__doc__
    _pynn_class = pc.FixedTotalNumberConnector

    def __init__(self, n, allow_self_connections=True, with_replacement=True, safe=True,
                 verbose=False, rng=None, callback=None):
        pc.FixedTotalNumberConnector.__init__(
            self, n, allow_self_connections=allow_self_connections,
            with_replacement=with_replacement, rng=rng, safe=safe, callback=callback)
        self.verbose = verbose
        self._spynnaker_rng = rng

    def _check_numbers(self, projection):
        if not self.with_replacement and self.n > projection.pre.size * projection.post.size:
            raise ConnectorException(
                f"FixedTotalNumberConnector will not work correctly when "
                f"with_replacement=False & num_synapses > n_pre * n_post "
                f"({self.n} > {projection.pre.size} * {projection.post.size})")

    def _connect_otherwise(self, projection):
        if self.with_replacement:
            super()._connect_otherwise(projection)
        else:  # pycarl's vectorised path draws pairs with replacement (as PyNN's)
            self._connect_distinct_pairs(projection)

    def _connect_distinct_pairs(self, projection):
        rng = self.rng if getattr(self.rng, "permutation", None) is not None else NumpyRNG()
        n_pre, n_post = projection.pre.size, projection.post.size
        flat = np.asarray(rng.permutation(n_pre * n_post)[:int(self.n)], dtype=np.int64)
        flat.sort()
        pre, post = np.divmod(flat, n_post)
        order = np.lexsort((pre, post))
        space = synapse_parameter_space(projection)
        if space is None:  # parameters pycarl cannot evaluate pair by pair
            raise ConnectorException(
                "FixedTotalNumberConnector(with_replacement=False): weights and delays must "
                "be constants, arrays or random distributions")
        pre, post = pre[order], post[order]
        add_connections(projection, self, pre, post, evaluate_at(projection, space, pre, post))

    def _expand(self, projection, pre, post):
        rng = self._machine_rng()
        view = (pre.lo, pre.hi, post.lo, post.hi)
        pre_cut = expander.view_cores(pre.cores, pre.lo, pre.hi)
        post_cut = expander.view_cores(post.cores, post.lo, post.hi)
        shares = None
        sources, targets = [], []
        for j, post_core in enumerate(post.cores):
            for i, pre_core in enumerate(pre.cores):
                if shares is None:  # drawn at the first machine edge, before its seed
                    shares = expander.multapse_shares(rng, int(self.n), pre_cut, post_cut)
                seed = expander.kiss_seed(rng)
                # the pair's potential synapses: the cores cut to the view
                # (_get_connection_param, without _get_view_slices' neuron-0 quirk)
                n_pre = _size(expander.intersect(pre_core, pre.lo, pre.hi))
                n_post = _size(expander.intersect(post_core, post.lo, post.hi))
                s, t = expander.fixed_total(
                    expander.MarsKiss64(seed), pre_core, post_core, view,
                    int(shares[len(post.cores) * i + j]), n_pre * n_post,
                    self.with_replacement, self.allow_self_connections)
                sources += s
                targets += t
        return sources, targets


def _size(core):
    return 0 if core is None or core[1] < core[0] else core[1] - core[0] + 1


__all__ = ["FixedProbabilityConnector", "FixedNumberPreConnector", "FixedNumberPostConnector",
           "FixedTotalNumberConnector"]
