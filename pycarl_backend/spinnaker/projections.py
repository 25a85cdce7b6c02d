"""Projection with sPyNNaker's defaults and rules.

* StaticSynapse and receptor 'excitatory' by default.
* Weights become magnitudes in the engine blocks (weights.py), so every
  connector path, vectorised or not, stores |w|.
* All plastic projections onto one population must use the same rule, with
  the same parameters (sPyNNaker's synapse_dynamics is_same_as; one binary
  per population): otherwise SynapticConfigurationException.
* Delays below one tick are clipped up to it, with a warning (sPyNNaker's
  connectors clip delays the same way); delays up to setup()'s max_delay
  (144 ticks by default, sPyNNaker 5's limit with delay extensions) work.
* get(..., format="nparray") is "array" (sPyNNaker 5's name); get([], "list")
  gives the (source, target) pairs alone.
* get(..., format="list") gives sPyNNaker's numpy record array: rows
  (source, target, values...) with the indices of the cells in their
  populations, also when the projection connects views, sorted by source
  then target as sPyNNaker's ConnectionHolder sorts them.
"""
import logging

import numpy as np
from pyNN.space import Space

from .. import simulator
from ..projections import Projection as _PycarlProjection
from .exceptions import SynapticConfigurationException
from .structural import STRUCTURAL_TYPES
from .synapses import STDPMechanism, StaticSynapse


def plasticity_signature(synapse_type):
    """What sPyNNaker compares between plastic projections onto one population."""
    parts = []
    for component in (synapse_type.timing_dependence, synapse_type.weight_dependence):
        values = {name: component.parameter_space[name].base_value
                  for name in component.parameter_space.keys()}
        parts.append((type(component).__name__, tuple(sorted(values.items()))))
    return tuple(parts)


class Projection(_PycarlProjection):
    __doc__ = _PycarlProjection.__doc__

    def __init__(self, presynaptic_population, postsynaptic_population, connector,
                 synapse_type=None, source=None, receptor_type=None, space=None,
                 label=None):
        if synapse_type is None:
            synapse_type = StaticSynapse()
        if isinstance(synapse_type, STDPMechanism):
            self._check_one_rule_per_population(postsynaptic_population, synapse_type)
        super().__init__(presynaptic_population, postsynaptic_population, connector,
                         synapse_type, source, receptor_type or "excitatory",
                         space or Space(), label)
        if isinstance(synapse_type, STRUCTURAL_TYPES):
            self._make_structural_blocks()

    def _make_structural_blocks(self):
        """Rewiring may form synapses where the connector made none: every
        (pre, post) component gets its block now."""
        for i in range(len(self._pre_components)):
            for j in range(len(self._post_components)):
                self._block(i, j)

    @staticmethod
    def _check_one_rule_per_population(post, synapse_type):
        target = getattr(post, "grandparent", post)
        mine = plasticity_signature(synapse_type)
        for other in simulator.state.projections:
            if (getattr(other.post, "grandparent", other.post) is target
                    and isinstance(other.synapse_type, STDPMechanism)
                    and plasticity_signature(other.synapse_type) != mine):
                raise SynapticConfigurationException(
                    f"Population '{target.label}': plastic projection "
                    f"'{other.label}' uses {plasticity_signature(other.synapse_type)}, "
                    f"this one {mine}; sPyNNaker needs one plasticity rule (same "
                    f"parameters) for all projections onto a population")

    def _convergent_connect(self, presynaptic_indices, postsynaptic_index,
                            location_selector=None, **connection_parameters):
        # the per-cell path checks delays in ms before _delay_steps: clip first
        delay = connection_parameters.get("delay")
        if delay is not None and np.min(delay) < simulator.state.dt - 1e-9:
            self._warn_short_delay(delay)
            connection_parameters["delay"] = np.maximum(delay, simulator.state.dt)
        super()._convergent_connect(presynaptic_indices, postsynaptic_index,
                                    location_selector, **connection_parameters)

    def _warn_short_delay(self, delay):
        if not getattr(self, "_warned_short_delay", False):
            logging.getLogger("pycarl.spinnaker").warning(
                "projection '%s': delays below one time step (min %g ms) clipped to "
                "%g ms, as sPyNNaker does", self.label, np.min(delay), simulator.state.dt)
            self._warned_short_delay = True

    def _delay_steps(self, delay):
        """Delays in ticks, those below one tick clipped up to it (every connector
        path passes here)."""
        steps = super()._delay_steps(delay)
        if steps.size and steps.min() < 1:
            self._warn_short_delay(delay)
            steps = np.maximum(steps, 1)
        return steps

    def get(self, attribute_names, format, gather=True, with_address=True,
            multiple_synapses='sum'):
        if format == "nparray":  # sPyNNaker 5's name for "array"
            format = "array"
        names = [attribute_names] if isinstance(attribute_names, str) else list(attribute_names)
        values = super().get(attribute_names if names else ["weight"], format, gather,
                             with_address, multiple_synapses)
        if format != "list":
            # sPyNNaker gives the array itself for a list of one name
            if not isinstance(attribute_names, str) and len(names) == 1 \
                    and isinstance(values, (list, tuple)) and len(values) == 1:
                return values[0]
            return values
        if not with_address:
            rows = np.asarray(values, dtype=float)
            return rows.ravel() if len(names) == 1 else rows
        pre_index = np.asarray(getattr(self.pre, "_engine_index", np.arange(self.pre.size)))
        post_index = np.asarray(getattr(self.post, "_engine_index", np.arange(self.post.size)))
        dtype = [("source", "i8"), ("target", "i8")] + [(n, "f8") for n in names]
        table = np.zeros(len(values), dtype=dtype)
        for k, row in enumerate(values):
            table[k] = (pre_index[int(row[0])], post_index[int(row[1])], *row[2:2 + len(names)])
        # sPyNNaker's ConnectionHolder sorts a list by source, then target (stable)
        return table[np.lexsort((table["target"], table["source"]))]
