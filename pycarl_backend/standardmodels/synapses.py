"""PyNN's standard synapse types for the pycarl engine."""
import numpy as np
from pyNN import errors
from pyNN.standardmodels import synapses, build_translations

from ..engine import plasticity as _plasticity, stochastic as _stochastic
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

    def _get_minimum_delay(self):
        from .. import simulator
        return simulator.state.min_delay

    def make_block(self, engine, pre_group, post_group, receptor, label, projection):
        return engine.add_block(pre_group, post_group, receptor, label=label,
                                block_class=self.block_class,
                                **self.block_options(projection))


class StaticSynapse(EngineSynapseMixin, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(('weight', 'weight'), ('delay', 'delay'))


# --- synapse types beyond StaticSynapse ---------------------------------------
def _identity(*names):
    return build_translations(*[(name, name) for name in names])


_TAU_SYN_OF_RECEPTOR = {"excitatory": "tau_syn_E", "inhibitory": "tau_syn_I"}


class EngineBlockMixin(EngineSynapseMixin):
    """Synapse types whose engine block has per-synapse parameters: they are told
    the time step, and blocks with per-step work (`after_step`) join the
    engine's step hooks."""

    def block_options(self, projection):
        return {"dt": projection._simulator.state.dt}

    def make_block(self, engine, pre_group, post_group, receptor, label, projection):
        block = super().make_block(engine, pre_group, post_group, receptor, label, projection)
        if hasattr(block, "after_step"):
            engine.step_hooks.append(block.after_step)
        return block


class StochasticBlockMixin(EngineBlockMixin):
    def block_options(self, projection):
        return {**super().block_options(projection),
                "rng": projection._simulator.state.engine.rng}


class TsodyksMarkramSynapse(EngineBlockMixin, synapses.TsodyksMarkramSynapse):
    __doc__ = synapses.TsodyksMarkramSynapse.__doc__
    translations = _identity("weight", "delay", "U", "tau_rec", "tau_facil")
    block_class = _plasticity.TsodyksMarkramBlock

    def block_options(self, projection):
        return {**super().block_options(projection),
                "tau_psc_parameter": _TAU_SYN_OF_RECEPTOR.get(projection.receptor_type)}


class SimpleStochasticSynapse(StochasticBlockMixin, synapses.SimpleStochasticSynapse):
    __doc__ = synapses.SimpleStochasticSynapse.__doc__
    translations = _identity("weight", "delay", "p")
    block_class = _stochastic.SimpleStochasticBlock


class StochasticTsodyksMarkramSynapse(StochasticBlockMixin,
                                      synapses.StochasticTsodyksMarkramSynapse):
    __doc__ = synapses.StochasticTsodyksMarkramSynapse.__doc__
    translations = _identity("weight", "delay", "U", "tau_rec", "tau_facil")
    block_class = _stochastic.StochasticTsodyksMarkramBlock


class MultiQuantalSynapse(StochasticBlockMixin, synapses.MultiQuantalSynapse):
    __doc__ = synapses.MultiQuantalSynapse.__doc__
    translations = _identity("weight", "delay", "U", "n", "tau_rec", "tau_facil")
    block_class = _stochastic.MultiQuantalBlock


class STDPMechanism(EngineBlockMixin, synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = _identity("weight", "delay", "dendritic_delay_fraction")
    block_class = _plasticity.STDPBlock

    def __init__(self, timing_dependence=None, weight_dependence=None,
                 voltage_dependence=None, dendritic_delay_fraction=1.0,
                 weight=0.0, delay=None):
        if dendritic_delay_fraction != 1:
            raise errors.InvalidParameterValueError(
                f"STDPMechanism: dendritic_delay_fraction = {dendritic_delay_fraction}; "
                f"pycarl, like NEST, treats the whole delay as dendritic (must be 1)")
        if voltage_dependence is not None:
            raise NotImplementedError("pycarl's STDPMechanism has no voltage dependence")
        for component, kind in ((timing_dependence, "timing_dependence"),
                                (weight_dependence, "weight_dependence")):
            if not hasattr(component, "engine_class"):
                raise errors.InvalidParameterValueError(
                    f"STDPMechanism: {kind} = {component!r} is not one of pycarl's "
                    f"STDP components")
        super().__init__(timing_dependence, weight_dependence, voltage_dependence,
                         dendritic_delay_fraction, weight, delay)

    def _build_translations(self):
        # PyNN's version updates the class-level dict in place; keep one per instance
        self.translations = dict(self.base_translations)
        for component in (self.timing_dependence, self.weight_dependence):
            self.translations.update(component.translations)

    def block_options(self, projection):
        return {**super().block_options(projection),
                "timing": self.timing_dependence.engine_class,
                "weight_dependence": self.weight_dependence.engine_class}


def _stdp_component(pynn_class, engine_class):
    """A pycarl subclass of a PyNN STDP timing or weight dependence."""
    return type(pynn_class.__name__, (pynn_class,), {
        "__doc__": pynn_class.__doc__,
        "__module__": __name__,
        "translations": _identity(*pynn_class.default_parameters),
        "engine_class": engine_class,
        "possible_models": {"pycarl_stdp"},
    })


AdditiveWeightDependence = _stdp_component(
    synapses.AdditiveWeightDependence, _plasticity.AdditiveWeightDependence)
MultiplicativeWeightDependence = _stdp_component(
    synapses.MultiplicativeWeightDependence, _plasticity.MultiplicativeWeightDependence)
AdditivePotentiationMultiplicativeDepression = _stdp_component(
    synapses.AdditivePotentiationMultiplicativeDepression,
    _plasticity.AdditivePotentiationMultiplicativeDepression)
GutigWeightDependence = _stdp_component(
    synapses.GutigWeightDependence, _plasticity.GutigWeightDependence)
SpikePairRule = _stdp_component(synapses.SpikePairRule, _plasticity.SpikePairRule)
