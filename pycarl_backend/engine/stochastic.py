"""Synapses with stochastic transmitter release.

- SimpleStochasticBlock: each spike is transmitted with probability p
  (NEST's bernoulli_synapse / PyNN's simple_stochastic_synapse).
- StochasticTsodyksMarkramBlock: one release site that empties on release and
  recovers as a Poisson process with rate 1/tau_rec; release probability u
  with Tsodyks-Markram facilitation (Fuhrmann et al. 2002; PyNN's NEST
  extension stochastic_stp_synapse).
- MultiQuantalBlock: n release sites, each recovering and releasing
  independently (NEST's quantal_stp_synapse); delivers weight * (sites released).

Draws come from a per-block generator on the engine's device, seeded from the
engine's NumPy Generator, so a seed fixes every draw on a given device.
"""
import numpy as np
from pyNN import errors

from .backend import to_numpy
from .plasticity import ParametricBlock


class BlockRNG:
    """Uniform and binomial draws for one block, made with `xp`."""

    def __init__(self, xp, parent=None):
        parent = parent if parent is not None else np.random.default_rng()
        seed = int(parent.integers(2 ** 63 - 1))
        self.xp = xp
        if xp is np:
            self._gen = np.random.default_rng(seed)
            self._uniform = self._gen.random
        else:
            self._gen = xp.random.RandomState(seed)
            self._uniform = self._gen.random_sample

    def uniform(self, n):
        return self._uniform(int(n))

    def binomial(self, n, p):
        """One draw per entry of the (integer) array `n` with probabilities `p`."""
        n = n.astype(np.int64)
        if n.size == 0:
            return self.xp.zeros(0, dtype=np.int64)
        return self._gen.binomial(n, p)


class StochasticBlock(ParametricBlock):
    """A ParametricBlock that owns a BlockRNG (`rng`: the engine's Generator)."""

    def __init__(self, xp, n_pre, n_post, receptor_offset, label="", dt=0.1, rng=None):
        super().__init__(xp, n_pre, n_post, receptor_offset, label=label, dt=dt)
        self.rng = BlockRNG(xp, rng)

    def elapsed(self, step, idx):
        """ms since each synapse's previous spike (NEST starts counting at 0 ms)."""
        return (step + 1 - self.columns["last_stamp"][idx]) * self.dt


class SimpleStochasticBlock(StochasticBlock):
    parameter_defaults = {"p": 0.5}
    parameter_ranges = {"p": (0.0, 1.0, True)}

    def delivered_weights(self, step, idx, spike_of_syn):
        released = self.rng.uniform(idx.size) < self.columns["p"][idx]
        return self.xp.where(released, self.weight[idx], 0.0).astype(self.weight.dtype)


class StochasticTsodyksMarkramBlock(StochasticBlock):
    parameter_defaults = {"U": 0.5, "tau_rec": 100.0, "tau_facil": 0.0}
    parameter_ranges = {"U": (0.0, 1.0, True), "tau_rec": (0.0, None, False),
                        "tau_facil": (0.0, None, True)}
    # recovered: 1 while the site holds a vesicle; surv_stamp: last recovery check
    state_initial = {"u": 0.0, "recovered": 1.0, "surv_stamp": 0.0, "last_stamp": 0.0}

    def delivered_weights(self, step, idx, spike_of_syn):
        xp, c = self.xp, self.columns
        stamp = step + 1
        tau_facil = c["tau_facil"][idx]
        facilitating = tau_facil > 1e-10
        u = c["u"][idx] * xp.exp(-self.elapsed(step, idx) / xp.where(facilitating, tau_facil, 1.0))
        u = xp.where(facilitating, u + c["U"][idx] * (1.0 - u), c["U"][idx])
        recovered = c["recovered"][idx] > 0
        surv_stamp = c["surv_stamp"][idx]
        p_survive = xp.exp(-(stamp - surv_stamp) * self.dt / c["tau_rec"][idx])
        recovers = ~recovered & (self.rng.uniform(idx.size) > p_survive)
        surv_stamp = xp.where(~recovered & ~recovers, stamp, surv_stamp)
        recovered = recovered | recovers
        released = recovered & (self.rng.uniform(idx.size) < u)
        c["u"][idx] = u
        c["recovered"][idx] = xp.where(released, 0.0, recovered.astype(float))
        c["surv_stamp"][idx] = xp.where(released, stamp, surv_stamp)
        c["last_stamp"][idx] = stamp
        return xp.where(released, self.weight[idx], 0.0).astype(self.weight.dtype)


class MultiQuantalBlock(StochasticBlock):
    parameter_defaults = {"U": 0.5, "n": 1.0, "tau_rec": 800.0, "tau_facil": 0.0}
    parameter_ranges = {"U": (0.0, 1.0, True), "n": (1.0, None, True),
                        "tau_rec": (0.0, None, False), "tau_facil": (0.0, None, True)}
    # available: sites holding a vesicle (starts full); u starts at U (as NEST)
    state_initial = {"u": "U", "available": "n", "last_stamp": 0.0}
    # NEST's quantal_stp_synapse names: a (sites holding a vesicle), u
    initializable = {"a": "available", "u": "u"}

    def check_initial_state(self, name, values):
        super().check_initial_state(name, values)
        if name == "a":
            n = to_numpy(self.columns["n"])
            bad = (values < 0) | (values > n) | (values != np.round(values))
            if np.any(bad):
                raise errors.InvalidParameterValueError(
                    f"projection '{self.label}': initial a = {values[bad][0]:g} must be a "
                    f"whole number of sites in [0, n = {n[bad][0]:g}]")
        elif np.any((values < 0) | (values > 1)):
            raise errors.InvalidParameterValueError(
                f"projection '{self.label}': initial u must be in [0, 1]")

    def check_parameter(self, name, values):
        super().check_parameter(name, values)
        values = np.asarray(values, dtype=float)
        fractional = values != np.round(values)
        if name == "n" and np.any(fractional):
            raise errors.InvalidParameterValueError(
                f"projection '{self.label}': n = {values[fractional].flat[0]:g} must be "
                f"a whole number of release sites")

    def delivered_weights(self, step, idx, spike_of_syn):
        xp, c = self.xp, self.columns
        h = self.elapsed(step, idx)
        U, tau_facil = c["U"][idx], c["tau_facil"][idx]
        facilitating = tau_facil >= 1e-10
        u_decay = xp.where(facilitating, xp.exp(-h / xp.where(facilitating, tau_facil, 1.0)), 0.0)
        u = U + c["u"][idx] * (1.0 - U) * u_decay
        available = c["available"][idx]
        refilled = self.rng.binomial(c["n"][idx] - available,
                                     1.0 - xp.exp(-h / c["tau_rec"][idx]))
        available = available + refilled
        released = self.rng.binomial(available, u)
        c["u"][idx] = u
        c["available"][idx] = available - released
        c["last_stamp"][idx] = step + 1
        return (self.weight[idx] * released).astype(self.weight.dtype)
