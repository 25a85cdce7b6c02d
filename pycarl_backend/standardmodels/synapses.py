"""PyNN's standard synapse types for the pycarl engine."""
import numpy as np
from pyNN import errors
from pyNN.standardmodels import synapses, build_translations

from ..engine.synapses import SynapseBlock


def _name_of(projection):
    return projection.label or f"{projection.pre.label}->{projection.post.label}"


def check_weights(weights, projection):
    """Sign and type checks, naming the projection and the offending value."""
    w = np.asarray(weights, dtype=float)
    receptor = projection.receptor_type
    conductance = projection.post.conductance_based
    if conductance or receptor in ("excitatory", "AMPA", "NMDA"):
        if np.any(w < 0):
            raise errors.ConnectionError(
                f"projection '{_name_of(projection)}': weight {w.min():g} is negative; "
                f"weights onto {'conductance-based' if conductance else 'excitatory'} "
                f"receptor '{receptor}' must be >= 0")
    elif conductance is False and receptor in ("inhibitory", "GABAA", "GABAB"):
        if np.any(w > 0):
            raise errors.ConnectionError(
                f"projection '{_name_of(projection)}': weight {w.max():g} is positive; "
                f"weights onto current-based inhibitory receptor '{receptor}' must be <= 0")


def check_delays(delays, projection):
    state = projection._simulator.state
    d = np.asarray(delays, dtype=float)
    low, high = state.min_delay, state.max_delay
    if d.size and (d.min() < low - 1e-9 or d.max() > high + 1e-9):
        bad = d.min() if d.min() < low - 1e-9 else d.max()
        raise errors.ConnectionError(
            f"projection '{_name_of(projection)}': delay {bad:g} ms is out of range; "
            f"delays must be in [{low:g}, {high:g}] ms (min_delay, max_delay of setup())")


class EngineSynapseMixin:
    """How a PyNN synapse type becomes an engine synapse block.

    Weights and delays are checked by Projection._convergent_connect (every
    connector passes there), so PyNN's per-connector parameter_checks are off.
    """
    parameter_checks = {}
    block_class = SynapseBlock

    def block_options(self, projection):
        return {}

    def make_block(self, engine, pre_group, post_group, receptor, label, projection):
        return engine.add_block(pre_group, post_group, receptor, label=label,
                                block_class=self.block_class,
                                **self.block_options(projection))


class StaticSynapse(EngineSynapseMixin, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(('weight', 'weight'), ('delay', 'delay'))

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay
