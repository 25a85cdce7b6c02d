"""Which engine neuron classes the compiled CPU stepper covers, and how each
one's state and constants are laid out for its kernel (neuron_kernels.py).

A constant's value is taken from the group itself (its parameters and the
derived arrays its own prepare() computed), so the kernels use NumPy's
values bit for bit.
"""
import numpy as np

from ..neuron_models import (EIFCondAlphaIsfaIsta, EIFCondExpIsfaIsta, IFCondAlpha,
                             IFCurrAlpha, IFCurrDelta, Izhikevich)
from ..neuron_models.psr import BiExpResponse
from ..neurons import IFCondExp, IFCurrExp
from . import loop
from . import neuron_kernels as nk


class ModelSpec:
    """model_id: the kernel's number in loop._update_group; state: the group's
    state variables in kernel row order; params: names of the constants in
    kernel row order, resolved by `constant`."""

    def __init__(self, model_id, state, params):
        self.model_id, self.state, self.params = model_id, state, params

    def constants(self, group):
        """The (n_params, size) float64 table of the group's constants."""
        return np.stack([np.broadcast_to(np.asarray(constant(group, name), dtype=np.float64),
                                         (group.size,)) for name in self.params])

    def state_arrays(self, group):
        """The group's state arrays, in `state` order, copied into the stepper's pool."""
        return [group.state[name] for name in self.state]

    def refractory(self, group):
        """(steps left per cell, steps a spike starts) of the group's refractoriness."""
        return group.refractory_steps_left, getattr(group, "refractory_steps", 0)

    def bind(self, group, state_views, left_view):
        """Make the pool's views the group's own arrays for the window and after it."""
        for name, view in zip(self.state, state_views):
            group.state[name] = view
        group.refractory_steps_left = left_view

    def write_back(self, group, state_views, left_view):
        """After the window: nothing to copy, the group's arrays are the pool's views."""


def constant(group, name):
    """A parameter or derived constant of `group`, as its update() uses it."""
    if name == "minus_dt":
        return -group.dt
    if name == "leak_drive":  # IFCondExp.prepare: g_leak * v_rest
        return group.g_leak * group.params["v_rest"]
    if name == "dt":
        return group.dt
    if name == "substep":  # AdExMembrane.update's RK4 substep h
        return group.dt / group.n_sub
    receptor, _, attribute = name.partition(".")
    if attribute:  # 'exc.e_d': a constant of the group's excitatory kernel
        kernel = group.kernels[("exc", "inh").index(receptor)]
        if attribute.startswith("half_"):
            return _half_substep_factors(group, kernel)[attribute[len("half_"):]]
        return getattr(kernel, attribute)
    if name in group.params:
        return group.params[name]
    return getattr(group, name)


def _half_substep_factors(group, kernel):
    """A kernel's factors over half an RK4 substep, as AdExMembrane.update's traces
    compute them (trace(xp, s, 0.5 * h, ...) with h = dt / n_sub)."""
    half = 0.5 * (group.dt / group.n_sub)
    if isinstance(kernel, BiExpResponse):
        e_d, e_r, k = kernel._kernel(np, half)
        return {"e_d": e_d, "k": k, "e_r": e_r}
    return {"decay": kernel.trace_decay(np, half)}


MODEL_SPECS = {
    IFCurrExp: ModelSpec(loop.IF_CURR_EXP, nk.CURR_EXP_STATE, nk.CURR_EXP_PARAMS),
    IFCondExp: ModelSpec(loop.IF_COND_EXP, nk.COND_EXP_STATE, nk.COND_EXP_PARAMS),
    IFCurrDelta: ModelSpec(loop.IF_CURR_DELTA, nk.CURR_DELTA_STATE, nk.CURR_DELTA_PARAMS),
    Izhikevich: ModelSpec(loop.IZHIKEVICH, nk.IZHIKEVICH_STATE, nk.IZHIKEVICH_PARAMS),
    IFCurrAlpha: ModelSpec(loop.IF_CURR_ALPHA, nk.CURR_ALPHA_STATE, nk.CURR_ALPHA_PARAMS),
    IFCondAlpha: ModelSpec(loop.IF_COND_ALPHA, nk.COND_ALPHA_STATE, nk.COND_ALPHA_PARAMS),
    EIFCondExpIsfaIsta: ModelSpec(loop.EIF_COND_EXP, nk.EIF_COND_EXP_STATE,
                                  nk.EIF_COND_EXP_PARAMS),
    EIFCondAlphaIsfaIsta: ModelSpec(loop.EIF_COND_ALPHA, nk.EIF_COND_ALPHA_STATE,
                                    nk.EIF_COND_ALPHA_PARAMS),
}


def spec_of(group):
    if getattr(group, "chip", None) is not None:   # a chip's arithmetic (chip_neurons.py)
        from .loihi_kernels import spec_of_chip
        return spec_of_chip(group)
    return MODEL_SPECS.get(type(group))
