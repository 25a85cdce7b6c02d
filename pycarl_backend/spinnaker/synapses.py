"""Synapse types with sPyNNaker's conventions.

* Weights are magnitudes: sPyNNaker stores |w| and lets the receptor give the
  sign, so `weight=6.0` on an inhibitory projection inhibits. Negative weights
  (PyNN's convention for current-based inhibition) are accepted too and stored
  as |w|. As in sPyNNaker, one projection may not mix signs.
* STDPMechanism takes sPyNNaker's extra `backprop_delay` (default True) and
  `pad_to_length` (accepted, no effect) arguments; SpikePairRule,
  SpikeNearestPairRule, AdditiveWeightDependence and
  MultiplicativeWeightDependence run as described in
  plasticity.py, extra_models.PfisterSpikeTriplet with
  WeightDependenceAdditiveTriplet as in triplet.py, in the arithmetic of the
  release setup(spynnaker_version=...) chose (releases.py).
"""
import logging

import numpy as np
from pyNN import errors
from pyNN.standardmodels import build_translations, synapses

from ..standardmodels.synapses import EngineSynapseMixin, _name_of
from ..standardmodels.synapses import StaticSynapse as _PycarlStaticSynapse
from .plasticity import SpiNNakerSTDPBlock
from .triplet import (PfisterSpikeTriplet, TripletSTDPBlock, WeightDependenceAdditiveTriplet,
                      check_weight_terms)
from .weights import StaticMagnitudeBlock

logger = logging.getLogger("pycarl.spinnaker")


def check_weight_signs(weights, projection):
    """sPyNNaker's rule: one sign per projection; the sign itself is dropped."""
    w = np.asarray(weights, dtype=float)
    if not w.size:
        return
    low, high = float(w.min()), float(w.max())
    if low < 0 < high:
        raise errors.ConnectionError(
            f"projection '{_name_of(projection)}': weights range from {low:g} to {high:g}; "
            f"sPyNNaker needs all weights of a projection positive or all negative "
            f"(the receptor type '{projection.receptor_type}' gives the sign)")
    if low < 0 and projection.receptor_type not in ("inhibitory", "GABAA", "GABAB"):
        if not getattr(projection, "_warned_negative", False):
            logger.warning("projection '%s': negative weights (min %g) onto receptor '%s' "
                           "are used as magnitudes |w|, as sPyNNaker does",
                           _name_of(projection), low, projection.receptor_type)
            projection._warned_negative = True


def check_spinnaker_delays(delays, projection):
    """sPyNNaker clips delays below one tick up to the tick (weights.py) and takes
    longer ones up to its delay-extension limit (setup's max_delay)."""
    state = projection._simulator.state
    d = np.asarray(delays, dtype=float)
    if d.size and d.max() > state.max_delay + 1e-9:
        extensions = getattr(state, "allow_delay_extensions", True)
        raise errors.ConnectionError(
            f"projection '{_name_of(projection)}': delay {d.max():g} ms is out of range; "
            f"delays must be at most {state.max_delay:g} ms ("
            + ("sPyNNaker's limit with delay extensions; setup(max_delay=...) raises it"
               if extensions else "delay extensions are off: set_allow_delay_extensions(True)")
            + ")")


SPINNAKER_CHECKS = {"weight": check_weight_signs, "delay": check_spinnaker_delays}


class StaticSynapse(_PycarlStaticSynapse):
    """Static synapse; `weight` and `delay` read back as attributes, as sPyNNaker's
    SynapseDynamicsStatic offers them (sPyBlocks builds on that)."""
    parameter_checks = SPINNAKER_CHECKS
    block_class = StaticMagnitudeBlock

    def _value(self, name):
        lazy = self.parameter_space[name]
        return lazy.base_value

    weight = property(lambda self: self._value("weight"))
    delay = property(lambda self: self._value("delay"))


def _identity(*names):
    return build_translations(*[(name, name) for name in names])


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = _identity('tau_plus', 'tau_minus', 'A_plus', 'A_minus')
    nearest = False


class SpikeNearestPairRule(SpikePairRule):
    """sPyNNaker's extra_models.SpikeNearestPairRule: traces reset to 1 at each spike."""
    nearest = True


class AdditiveWeightDependence(synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    translations = _identity('w_max', 'w_min')
    rule = "additive"


class MultiplicativeWeightDependence(synapses.MultiplicativeWeightDependence):
    """sPyNNaker's multiplicative rule (weight_multiplicative_impl.h): each pair
    moves w by A+ (w_max - w) K+ or A- (w - w_min) K-, applied pair by pair."""
    translations = _identity('w_max', 'w_min')
    rule = "multiplicative"


TIMING_DEPENDENCES = (SpikePairRule, PfisterSpikeTriplet)
WEIGHT_DEPENDENCES = (AdditiveWeightDependence, MultiplicativeWeightDependence,
                      WeightDependenceAdditiveTriplet)


class STDPMechanism(EngineSynapseMixin, synapses.STDPMechanism):
    """STDP on sPyNNaker's terms (see pycarl_backend.spinnaker.plasticity)."""

    base_translations = _identity('weight', 'delay', 'dendritic_delay_fraction')
    parameter_checks = SPINNAKER_CHECKS
    block_class = SpiNNakerSTDPBlock

    def __init__(self, timing_dependence=None, weight_dependence=None,
                 voltage_dependence=None, dendritic_delay_fraction=1.0, weight=0.0,
                 delay=None, pad_to_length=None, backprop_delay=True):
        if not isinstance(timing_dependence, TIMING_DEPENDENCES):
            raise errors.InvalidModelError(
                f"pycarl_backend.spinnaker STDP supports SpikePairRule, "
                f"SpikeNearestPairRule and PfisterSpikeTriplet timing, not "
                f"{type(timing_dependence).__name__}")
        if not isinstance(weight_dependence, WEIGHT_DEPENDENCES):
            raise errors.InvalidModelError(
                f"pycarl_backend.spinnaker STDP supports AdditiveWeightDependence, "
                f"MultiplicativeWeightDependence and WeightDependenceAdditiveTriplet, not "
                f"{type(weight_dependence).__name__}")
        check_weight_terms(timing_dependence, weight_dependence)
        if isinstance(timing_dependence, PfisterSpikeTriplet):
            self.block_class = TripletSTDPBlock
        if voltage_dependence is not None:
            raise errors.InvalidModelError("sPyNNaker has no voltage-dependent STDP")
        self.backprop_delay = bool(backprop_delay)
        self.pad_to_length = pad_to_length
        super().__init__(timing_dependence, weight_dependence, None,
                         dendritic_delay_fraction, weight, delay)

    def _build_translations(self):
        # PyNN updates base_translations in place; keep the class attribute intact
        self.translations = dict(self.base_translations)
        for component in (self.timing_dependence, self.weight_dependence):
            self.translations.update(component.translations)

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay

    def block_options(self, projection):
        state = projection._simulator.state
        return {"dt": state.dt,
                "nearest": self.timing_dependence.nearest,
                "backprop_delay": self.backprop_delay,
                "weight_rule": self.weight_dependence.rule,
                "release": getattr(state, "spynnaker_release", None)}

    def make_block(self, engine, pre_group, post_group, receptor, label, projection):
        block = super().make_block(engine, pre_group, post_group, receptor, label, projection)
        engine.step_hooks.append(block.on_step)
        return block
