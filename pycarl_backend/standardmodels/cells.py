"""PyNN's standard cell types, bound to the engine's neuron groups.

pycarl's engine uses PyNN's own parameter names and units, so every
translation is the identity; `engine_model` names the group class that
simulates the type.
"""
from pyNN.standardmodels import cells, build_translations

from ..engine.neurons import MODELS
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
    }
    return type(pynn_class.__name__, (pynn_class,), namespace)


_ALL = dict(MODELS)
_ALL.update(SOURCE_MODELS)

for _name, _model in _ALL.items():
    globals()[_name] = bind(getattr(cells, _name), _model)

__all__ = sorted(_ALL)
