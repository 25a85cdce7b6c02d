"""Synapse blocks with per-synapse parameters and activity-dependent state.

- ParametricBlock: a SynapseBlock with per-synapse parameter and state columns
  kept in CSR order (base of every non-static block, stochastic ones included).
- TsodyksMarkramBlock: short-term plasticity as NEST's tsodyks_synapse.
- STDPBlock: pair-based STDP as NEST's stdp_synapse, assembled from a timing
  rule (SpikePairRule) and a weight dependence (Additive, Multiplicative,
  AdditivePotentiationMultiplicativeDepression, Gutig); both are small classes
  meant to be reused by other STDP flavours.

Time stamps are counted in steps: a spike emitted in step k has stamp k + 1
(time (k + 1) * dt), as in the rest of the engine. Every per-step operation is
vectorised over the synapses of the cells that spiked.
"""
import numpy as np
from pyNN import errors

from .backend import to_numpy
from .csr import expand_rows, host_order_by_row, row_of_each_entry
from .synapses import SynapseBlock


def check_range(label, name, values, bounds):
    """Raise InvalidParameterValueError if `values` leave `bounds` = (low, high,
    low_inclusive); None means unbounded."""
    low, high, low_inclusive = bounds
    values = np.asarray(values, dtype=float)
    bad = np.isnan(values)
    if low is not None:
        bad |= (values < low) if low_inclusive else (values <= low)
    if high is not None:
        bad |= values > high
    if bad.any():
        parts = []
        if low is not None:
            parts.append(f"{'>=' if low_inclusive else '>'} {low:g}")
        if high is not None:
            parts.append(f"<= {high:g}")
        raise errors.InvalidParameterValueError(
            f"projection '{label}': {name} = {values[bad].flat[0]:g} is out of range; "
            f"{name} must be {' and '.join(parts)}")


class ParametricBlock(SynapseBlock):
    """Synapses with per-synapse parameters and state, stored as columns in the
    same (CSR) order as `post` and `weight`."""

    #: per-synapse parameter -> default value (PyNN names and units)
    parameter_defaults = {}
    #: parameter -> (low, high, low_inclusive); None: unbounded
    parameter_ranges = {}
    #: per-synapse state variable -> initial value, or the name of the
    #: parameter it starts from
    state_initial = {}

    def __init__(self, xp, n_pre, n_post, receptor_offset, label="", dt=0.1):
        super().__init__(xp, n_pre, n_post, receptor_offset, label=label)
        self.dt = float(dt)
        self.columns = {name: xp.zeros(0) for name in self._column_names()}
        self._column_chunks = []
        self._initial_weight = None  # weights before the first plastic change

    def _column_names(self):
        return list(self.parameter_defaults) + list(self.state_initial)

    # --- building ---------------------------------------------------------
    def add(self, pre, post, weight, delay, **synapse_parameters):
        unknown = set(synapse_parameters) - set(self.parameter_defaults)
        if unknown:
            raise ValueError(f"projection '{self.label}': {type(self).__name__} has no "
                             f"parameter(s) {sorted(unknown)}; it has "
                             f"{sorted(self.parameter_defaults)}")
        n = np.asarray(pre).size
        chunk = {}
        for name, default in self.parameter_defaults.items():
            values = np.broadcast_to(
                np.asarray(synapse_parameters.get(name, default), dtype=float), (n,)).copy()
            self.check_parameter(name, values)
            chunk[name] = values
        self.check_parameter_set(chunk)
        for name in self.state_initial:
            chunk[name] = self._initial_state(name, chunk, n)
        super().add(pre, post, weight, delay)
        self._column_chunks.append((chunk, np.asarray(weight, dtype=float)))

    def _initial_state(self, name, parameters, n):
        start = self.state_initial[name]
        if isinstance(start, str):
            return np.array(to_numpy(parameters[start]), dtype=float)
        return np.full(n, float(start))

    def check_parameter(self, name, values):
        if name in self.parameter_ranges:
            check_range(self.label, name, values, self.parameter_ranges[name])

    def check_parameter_set(self, parameters):
        """Checks across parameters (e.g. w_min <= w_max); `parameters` maps names
        to host arrays of equal length."""

    def finalize(self):
        if not self._chunks:
            return
        xp = self.xp
        # the order SynapseBlock.finalize gives: stable sort by pre of old + queued
        old_pre = self.host_arrays()[0]
        pre = np.concatenate([old_pre] + [c[0] for c in self._chunks])
        order = np.argsort(pre, kind="stable")
        merged = {name: np.concatenate([to_numpy(self.columns[name])]
                                       + [c[name] for c, _ in self._column_chunks])[order]
                  for name in self.columns}
        if self._initial_weight is not None:
            sizes = [c[0].size for c in self._chunks]
            new_weights = [np.broadcast_to(w, (s,))
                           for (_, w), s in zip(self._column_chunks, sizes)]
            snapshot = np.concatenate([to_numpy(self._initial_weight)] + new_weights)[order]
            self._initial_weight = xp.asarray(snapshot.astype(self.weight.dtype))
        self._column_chunks = []
        super().finalize()
        self.columns = {name: xp.asarray(values) for name, values in merged.items()}
        self.built()

    def built(self):
        """Called after the CSR arrays and columns were rebuilt."""

    # --- queries and updates ----------------------------------------------
    def set_values(self, name, index, values):
        if name in self.parameter_defaults:
            values = np.asarray(values, dtype=float)
            self.check_parameter(name, values)
            column = self.columns[name]
            new = to_numpy(column).copy()
            new[index] = values
            self.check_parameter_set({p: to_numpy(self.columns[p]) if p != name else new
                                      for p in self.parameter_defaults})
            column[self.xp.asarray(index)] = self.xp.asarray(values)
            self.parameters_changed(name)
        else:
            super().set_values(name, index, values)

    def parameters_changed(self, name):
        """Called after set_values changed parameter `name` (for derived constants)."""

    def get_parameter(self, name):
        if name in self.columns:
            return to_numpy(self.columns[name]).astype(float)
        return super().get_parameter(name)

    def nbytes(self):
        return super().nbytes() + sum(int(c.nbytes) for c in self.columns.values())

    # --- plasticity bookkeeping ---------------------------------------------
    def keep_initial_weights(self):
        """Remember the weights before the first plastic change (for reset())."""
        if self._initial_weight is None:
            self._initial_weight = self.weight.copy()

    def reset(self):
        if self._initial_weight is not None:
            self.weight[...] = self._initial_weight
            self._initial_weight = None
        host = {name: to_numpy(self.columns[name]) for name in self.parameter_defaults}
        n = int(self.post.size)
        for name in self.state_initial:
            self.columns[name][...] = self.xp.asarray(self._initial_state(name, host, n))


def decay(xp, h, tau):
    """exp(-h / tau), and 0 where tau == 0 (instantaneous decay)."""
    positive = tau > 0
    return xp.where(positive, xp.exp(-h / xp.where(positive, tau, 1.0)), 0.0)


# ----------------------------------------------------------------------------
# Tsodyks-Markram short-term plasticity
# ----------------------------------------------------------------------------
def tsodyks_markram_release(xp, h, u, x, y, U, tau_rec, tau_facil, tau_psc):
    """One presynaptic spike of NEST's tsodyks_synapse, `h` ms after the last one.

    State: u (utilisation), x (available resources), y (active resources,
    decaying with the postsynaptic current's tau_psc), z = 1 - x - y (inactive,
    recovering with tau_rec). Returns (u, x, y, u * x), the last being the
    fraction of the weight delivered by this spike.
    """
    Puu = decay(xp, h, tau_facil)
    Pyy = decay(xp, h, tau_psc)
    Pzz = xp.exp(-h / tau_rec)
    diff = tau_psc - tau_rec
    same = xp.abs(diff) <= 1e-12 * tau_rec
    # y -> z -> x transfer; its tau_psc == tau_rec limit is 1 - Pzz (1 + h/tau)
    Pxy = xp.where(same, 1.0 - Pzz * (1.0 + h / tau_rec),
                   ((Pzz - 1.0) * tau_rec - (Pyy - 1.0) * tau_psc) / xp.where(same, 1.0, diff))
    z = 1.0 - x - y
    u = u * Puu
    x = x + Pxy * y + (1.0 - Pzz) * z
    y = y * Pyy
    u = u + U * (1.0 - u)
    release = u * x
    return u, x - release, y + release, release


class TsodyksMarkramBlock(ParametricBlock):
    """Depressing/facilitating synapses; each spike delivers weight * u * x.

    tau_psc (the decay of the active resources y) is the target cell's synaptic
    time constant for this receptor, read when the spike is delivered (as
    PyNN's NEST backend copies tau_syn into tau_psc). Without such a parameter
    y passes on to the recovering pool at once (tau_psc -> 0).
    """
    parameter_defaults = {"U": 0.5, "tau_rec": 100.0, "tau_facil": 0.0}
    parameter_ranges = {"U": (0.0, 1.0, True), "tau_rec": (0.0, None, False),
                        "tau_facil": (0.0, None, True)}
    state_initial = {"u": 0.0, "x": 1.0, "y": 0.0, "last_stamp": 0.0}

    def __init__(self, xp, n_pre, n_post, receptor_offset, label="", dt=0.1,
                 tau_psc_parameter=None):
        super().__init__(xp, n_pre, n_post, receptor_offset, label=label, dt=dt)
        self.tau_psc_parameter = tau_psc_parameter

    def tau_psc(self, idx):
        params = getattr(getattr(self, "post_group", None), "params", {})
        if self.tau_psc_parameter in params:
            return params[self.tau_psc_parameter][self.post[idx]]
        return self.xp.zeros(idx.size)

    def delivered_weights(self, step, idx, spike_of_syn):
        c = self.columns
        stamp = step + 1
        h = (stamp - c["last_stamp"][idx]) * self.dt
        u, x, y, release = tsodyks_markram_release(
            self.xp, h, c["u"][idx], c["x"][idx], c["y"][idx], c["U"][idx],
            c["tau_rec"][idx], c["tau_facil"][idx], self.tau_psc(idx))
        c["u"][idx], c["x"][idx], c["y"][idx] = u, x, y
        c["last_stamp"][idx] = stamp
        return (self.weight[idx] * release).astype(self.weight.dtype)


# ----------------------------------------------------------------------------
# STDP: weight dependences
# ----------------------------------------------------------------------------
class WeightDependence:
    """How the size of an STDP step depends on the current weight.

    `k` is the amplitude times the trace (A_plus * K+ or A_minus * K-); a
    subclass gives the factor that multiplies it. `p` maps this class's
    parameter names to per-synapse arrays. With w_min = 0 these are NEST's
    stdp_synapse rules (mu_plus, mu_minus in {0, 1} or Gutig's exponents).
    """
    parameter_defaults = {"w_min": 0.0, "w_max": 1.0}
    parameter_ranges = {}

    def potentiation_scale(self, xp, w, p):
        raise NotImplementedError

    def depression_scale(self, xp, w, p):
        raise NotImplementedError

    def potentiate(self, xp, w, k, p):
        return xp.minimum(w + self.potentiation_scale(xp, w, p) * k, p["w_max"])

    def depress(self, xp, w, k, p):
        return xp.maximum(w - self.depression_scale(xp, w, p) * k, p["w_min"])

    @staticmethod
    def check(label, p):
        bad = np.asarray(p["w_min"]) > np.asarray(p["w_max"])
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise errors.InvalidParameterValueError(
                f"projection '{label}': w_min = {p['w_min'][i]:g} > w_max = "
                f"{p['w_max'][i]:g}; STDP needs w_min <= w_max")


class AdditiveWeightDependence(WeightDependence):
    """dw = +w_max * A_plus * K+ / -w_max * A_minus * K-, clipped to [w_min, w_max]."""

    def potentiation_scale(self, xp, w, p):
        return p["w_max"]

    def depression_scale(self, xp, w, p):
        return p["w_max"]


class MultiplicativeWeightDependence(WeightDependence):
    """Potentiation proportional to w_max - w, depression to w - w_min."""

    def potentiation_scale(self, xp, w, p):
        return p["w_max"] - w

    def depression_scale(self, xp, w, p):
        return w - p["w_min"]


class AdditivePotentiationMultiplicativeDepression(WeightDependence):
    """Potentiation w_max * A_plus * K+, depression proportional to w - w_min."""

    def potentiation_scale(self, xp, w, p):
        return p["w_max"]

    def depression_scale(self, xp, w, p):
        return w - p["w_min"]


class GutigWeightDependence(WeightDependence):
    """Gutig et al. (2003): with r = w_max - w_min, potentiation
    r ((w_max - w) / r)^mu_plus and depression r ((w - w_min) / r)^mu_minus."""
    parameter_defaults = {"w_min": 0.0, "w_max": 1.0, "mu_plus": 0.5, "mu_minus": 0.5}
    parameter_ranges = {"mu_plus": (0.0, None, True), "mu_minus": (0.0, None, True)}

    def _scale(self, xp, distance, p, mu):
        r = p["w_max"] - p["w_min"]
        safe = xp.where(r > 0, r, 1.0)
        return xp.where(r > 0, safe * xp.maximum(distance / safe, 0.0) ** mu, 0.0)

    def potentiation_scale(self, xp, w, p):
        return self._scale(xp, p["w_max"] - w, p, p["mu_plus"])

    def depression_scale(self, xp, w, p):
        return self._scale(xp, w - p["w_min"], p, p["mu_minus"])


# ----------------------------------------------------------------------------
# STDP: timing rule
# ----------------------------------------------------------------------------
class SpikePairRule:
    """All-to-all spike pairs with exponential windows (NEST's stdp_synapse).

    Traces: K+ per presynaptic cell (value and stamp of its last spike), K- per
    postsynaptic cell. A presynaptic spike reads K- one dendritic delay in the
    past, so K- is kept in a history ring of `slots` steps, together with which
    cells fired in each step. tau_plus and tau_minus are one value per block
    (one trace per cell); A_plus and A_minus are per synapse.
    """
    parameter_defaults = {"tau_plus": 20.0, "tau_minus": 20.0, "A_plus": 0.01, "A_minus": 0.01}
    parameter_ranges = {"tau_plus": (0.0, None, False), "tau_minus": (0.0, None, False),
                        "A_plus": (0.0, None, True), "A_minus": (0.0, None, True)}
    block_constants = ("tau_plus", "tau_minus")

    def __init__(self, xp, n_pre, n_post, dt):
        self.xp = xp
        self.n_pre, self.n_post = int(n_pre), int(n_post)
        self.dt = float(dt)
        self.tau_plus = self.tau_minus = 20.0
        self.slots = 2
        self.reset()

    def set_time_constants(self, tau_plus, tau_minus):
        self.tau_plus, self.tau_minus = float(tau_plus), float(tau_minus)

    def reset(self):
        xp = self.xp
        self.k_plus = xp.zeros(self.n_pre)
        self.pre_stamp = xp.zeros(self.n_pre)
        self.k_minus = xp.zeros((self.slots, self.n_post))    # trace after step k's spikes
        self.fired = xp.zeros((self.slots, self.n_post), dtype=bool)

    def ensure_history(self, slots, next_step):
        """Grow the history rings to `slots` steps, keeping the steps before `next_step`."""
        if slots <= self.slots:
            return
        xp = self.xp
        kept = xp.arange(next_step - self.slots, next_step)
        k_minus = xp.zeros((slots, self.n_post))
        fired = xp.zeros((slots, self.n_post), dtype=bool)
        k_minus[kept % slots] = self.k_minus[kept % self.slots]
        fired[kept % slots] = self.fired[kept % self.slots]
        self.k_minus, self.fired, self.slots = k_minus, fired, int(slots)

    def record(self, step, pre_fired, post_fired):
        """Update the traces with the spikes of `step` (stamp step + 1)."""
        xp = self.xp
        row = step % self.slots
        decay = np.exp(-self.dt / self.tau_minus)
        self.k_minus[row] = self.k_minus[(step - 1) % self.slots] * decay
        self.fired[row] = False
        if post_fired is not None and post_fired.size:
            self.k_minus[row, post_fired] += 1.0
            self.fired[row, post_fired] = True
        if pre_fired is not None and pre_fired.size:
            stamp = step + 1
            elapsed = (stamp - self.pre_stamp[pre_fired]) * self.dt
            self.k_plus[pre_fired] = self.k_plus[pre_fired] * xp.exp(-elapsed / self.tau_plus) + 1.0
            self.pre_stamp[pre_fired] = stamp

    def pre_trace(self, pre, stamp):
        """K+ of cells `pre` at time stamp * dt, from their spikes before it."""
        elapsed = (stamp - self.pre_stamp[pre]) * self.dt
        return self.k_plus[pre] * self.xp.exp(-elapsed / self.tau_plus)

    def post_trace_before(self, post, stamp):
        """K- of cells `post` at time stamp * dt, from their spikes strictly before it
        (`stamp` scalar or per entry)."""
        # spikes with stamp < s were emitted in steps <= s - 2
        return self.k_minus[(stamp - 2) % self.slots, post] * np.exp(-self.dt / self.tau_minus)

    def fired_in(self, step):
        """Cells that fired in `step` (must be within the history)."""
        return self.xp.flatnonzero(self.fired[step % self.slots])

    def fired_in_any(self, first_step, last_step):
        rows = self.xp.arange(first_step, last_step + 1) % self.slots
        return self.xp.flatnonzero(self.fired[rows].any(axis=0))

    def fired_at(self, steps, post):
        return self.fired[steps % self.slots, post]


# ----------------------------------------------------------------------------
# STDP block
# ----------------------------------------------------------------------------
class STDPBlock(ParametricBlock):
    """Pair-based STDP with NEST's stdp_synapse timing: all delay is dendritic,
    so a presynaptic spike (stamp t) is depressed with K- at t - d and delivers
    the updated weight, and a postsynaptic spike (stamp t) potentiates each of its
    synapses with K+ at t + d. Weights live in `weight`, so queries see learned
    values. Needs `after_step` called once per step (Engine.step_hooks).
    """

    def __init__(self, xp, n_pre, n_post, receptor_offset, label="", dt=0.1,
                 timing=SpikePairRule, weight_dependence=AdditiveWeightDependence):
        self.timing = timing(xp, n_pre, n_post, dt)
        self.weight_dependence = weight_dependence()
        self.parameter_defaults = {**timing.parameter_defaults,
                                   **weight_dependence.parameter_defaults}
        self.parameter_ranges = {**timing.parameter_ranges,
                                 **weight_dependence.parameter_ranges}
        super().__init__(xp, n_pre, n_post, receptor_offset, label=label, dt=dt)
        self.next_step = 0
        self.min_delay_steps = 1
        self._build_post_index()

    # --- structure ------------------------------------------------------------
    def built(self):
        self._build_post_index()
        self._apply_block_constants()
        self._delays_changed()

    def _build_post_index(self):
        """CSC view: synapse indices grouped by postsynaptic cell, and each
        synapse's presynaptic cell."""
        xp = self.xp
        csc_indptr, csc_synapse = host_order_by_row(self.n_post, to_numpy(self.post))
        self.csc_indptr = xp.asarray(csc_indptr)
        self.csc_synapse = xp.asarray(csc_synapse)
        self.pre_of_synapse = xp.asarray(row_of_each_entry(to_numpy(self.indptr), np.int32))

    def set_delays(self, delay_steps):
        super().set_delays(delay_steps)
        if hasattr(self, "timing"):
            self._delays_changed()

    def _delays_changed(self):
        delays = self.delay_array()
        self.min_delay_steps = int(delays.min()) if delays.size else 1
        self.timing.ensure_history(self.max_delay_steps + 2, self.next_step)

    def _apply_block_constants(self, columns=None):
        columns = columns or self.columns
        values = {}
        for name in self.timing.block_constants:
            col = to_numpy(columns[name])
            if col.size and np.any(col != col[0]):
                raise errors.InvalidParameterValueError(
                    f"projection '{self.label}': {name} must be the same for every "
                    f"synapse of a projection (one trace per cell, as in NEST); got values "
                    f"from {col.min():g} to {col.max():g}")
            values[name] = col[0] if col.size else self.parameter_defaults[name]
        self.timing.set_time_constants(*(values[n] for n in self.timing.block_constants))

    def check_parameter_set(self, parameters):
        self.weight_dependence.check(self.label, parameters)

    def _check_weights_in_bounds(self, weights, w_min, w_max):
        """STDP keeps weights in [w_min, w_max]; one outside would be clipped at its
        first update, so it is an error (e.g. a negative inhibitory weight with w_min = 0)."""
        weights = np.asarray(weights, dtype=float)
        bad = (weights < w_min) | (weights > w_max)
        if np.any(bad):
            i = np.flatnonzero(bad)[0]
            raise errors.InvalidParameterValueError(
                f"projection '{self.label}': weight {weights[i]:g} is outside "
                f"[w_min, w_max] = [{np.broadcast_to(w_min, bad.shape)[i]:g}, "
                f"{np.broadcast_to(w_max, bad.shape)[i]:g}] of its STDP weight dependence")

    def add(self, pre, post, weight, delay, **synapse_parameters):
        super().add(pre, post, weight, delay, **synapse_parameters)
        chunk, weights = self._column_chunks[-1]
        self._check_weights_in_bounds(np.broadcast_to(weights, chunk["w_min"].shape),
                                      chunk["w_min"], chunk["w_max"])

    def set_values(self, name, index, values):
        if name == "weight":
            self._check_weights_in_bounds(values, self.get_parameter("w_min")[index],
                                          self.get_parameter("w_max")[index])
        if name in self.timing.block_constants:
            self.check_parameter(name, values)
            new = self.get_parameter(name)
            new[index] = values
            self._apply_block_constants({**self.columns, name: new})
        super().set_values(name, index, values)

    def get_parameter(self, name):
        if name == "dendritic_delay_fraction":
            return np.ones(int(self.post.size))
        return super().get_parameter(name)

    # --- per step -------------------------------------------------------------
    def _weight_parameters(self, idx):
        return {name: self.columns[name][idx]
                for name in self.weight_dependence.parameter_defaults}

    def delivered_weights(self, step, idx, spike_of_syn):
        """Depression by this step's presynaptic spikes; returns the new weights."""
        self.keep_initial_weights()
        delay = self.delay if isinstance(self.delay, int) else self.delay[idx].astype(np.int64)
        k = self.columns["A_minus"][idx] * self.timing.post_trace_before(
            self.post[idx], step + 1 - delay)
        w = self.weight_dependence.depress(self.xp, self.weight[idx].astype(float), k,
                                           self._weight_parameters(idx))
        w = w.astype(self.weight.dtype)
        self.weight[idx] = w
        return w

    def after_step(self, step, fired_by_group):
        """Record this step's spikes, then potentiate the synapses that see a
        postsynaptic spike before the next step's presynaptic spikes."""
        self.timing.record(step, fired_by_group.get(self.pre_group),
                           fired_by_group.get(self.post_group))
        self.next_step = step + 1
        if self.post.size:
            self._potentiate(step)

    def _potentiate(self, step):
        # A post spike of step k (stamp k + 1) reaches its synapses at stamp k + 1 + d;
        # those with k + 1 + d == step + 2 are applied now, before step + 1's pre spikes.
        xp = self.xp
        low, high = self.min_delay_steps, self.max_delay_steps
        uniform = isinstance(self.delay, int)
        if uniform:
            posts = self.timing.fired_in(step + 1 - low)
        else:
            posts = self.timing.fired_in_any(step + 1 - high, step + 1 - low)
        if posts.size == 0:
            return
        idx, _ = expand_rows(xp, self.csc_indptr, posts)
        if idx is None:
            return
        syn = self.csc_synapse[idx]
        if not uniform:
            emitted = step + 1 - self.delay[syn].astype(np.int64)
            syn = syn[self.timing.fired_at(emitted, self.post[syn])]
            if syn.size == 0:
                return
        self.keep_initial_weights()
        k = self.columns["A_plus"][syn] * self.timing.pre_trace(self.pre_of_synapse[syn], step + 2)
        w = self.weight_dependence.potentiate(xp, self.weight[syn].astype(float), k,
                                              self._weight_parameters(syn))
        self.weight[syn] = w.astype(self.weight.dtype)

    def reset(self):
        super().reset()
        self.timing.reset()
        self.next_step = 0
