"""PyNN's standard cell types, bound to the engine's neuron groups.

pycarl's engine uses PyNN's own parameter names and units, so every
translation is the identity; `engine_model` names the group class that
simulates the type.

Composed cells (PyNN's PointNeuron with a LIF or AdExp neuron component and
named post-synaptic receptors, see receptors.py) get a group class built for
their receptor set; their receptor parameters and state variables are flat,
'<receptor>.<name>' (e.g. 'AMPA.tau_syn', 'AMPA.gsyn'), in the engine.
"""
from pyNN.parameters import ParameterSpace
from pyNN.standardmodels import cells, build_translations

from ..engine.neurons import MODELS
from ..engine.neuron_models import point_neuron_class
from ..engine.sources import SOURCE_MODELS


def identity_translations(cell_class):
    return build_translations(*[(name, name) for name in cell_class.default_parameters])


def bind(pynn_class, engine_model):
    """A pycarl subclass of a PyNN standard cell type."""
    namespace = {
        "__doc__": pynn_class.__doc__,
        "__module__": __name__,
        "translations": identity_translations(pynn_class),
        "engine_model": engine_model,
        # every state variable PyNN documents is recordable (e.g. isyn_exc, HH gates)
        "recordable": list(pynn_class.recordable) + [
            name for name in pynn_class.default_initial_values
            if name not in pynn_class.recordable],
    }
    return type(pynn_class.__name__, (pynn_class,), namespace)


_ALL = dict(MODELS)
_ALL.update(SOURCE_MODELS)

for _name, _model in _ALL.items():
    globals()[_name] = bind(getattr(cells, _name), _model)


class LIF(cells.LIF):
    __doc__ = cells.LIF.__doc__
    translations = identity_translations(cells.LIF)
    engine_membrane = 'LIF'


class AdExp(cells.AdExp):
    __doc__ = cells.AdExp.__doc__
    translations = identity_translations(cells.AdExp)
    engine_membrane = 'AdExp'


class PointNeuron(cells.PointNeuron):
    """A neuron component (LIF or AdExp) with named post-synaptic receptors.

    Example::

        PointNeuron(AdExp(tau_m=10.0), AMPA=AlphaPSR(tau_syn=1.0, e_syn=0.0),
                    GABAA=AlphaPSR(tau_syn=1.5, e_syn=-70.0))
    """

    @property
    def engine_model(self):
        receptors = tuple((name, self.post_synaptic_receptors[name].engine_kernel)
                          for name in self.receptor_types)
        return point_neuron_class(self.neuron.engine_membrane, receptors)

    def _flat_standard_parameters(self, parameter_space):
        """Flatten nested receptor spaces to '<receptor>.<name>'; drop 'locations'."""
        flat = {}
        for name, value in parameter_space.items():
            if isinstance(value, ParameterSpace):
                for sub_name, sub_value in value.items():
                    if sub_name != "locations":
                        flat[f"{name}.{sub_name}"] = sub_value
            elif not name.endswith(".locations"):
                flat[name] = value
        return ParameterSpace(flat, shape=parameter_space.shape)

    @property
    def native_parameters(self):
        return self._flat_standard_parameters(self.parameter_space)

    def translate(self, parameters, copy=True):
        return self._flat_standard_parameters(parameters)

    def reverse_translate(self, native_parameters):
        return ParameterSpace(dict(native_parameters.items()), shape=native_parameters.shape)

    def get_native_names(self, *names):
        if names:
            return list(names)
        return list(self.native_parameters.keys())

    def get_parameter_names(self):
        return self.get_native_names()


__all__ = sorted(_ALL) + ["LIF", "AdExp", "PointNeuron"]
