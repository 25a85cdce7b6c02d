"""PyNN's standard post-synaptic responses, for PointNeuron receptors.

`engine_kernel` names the engine kernel (engine/neuron_models/composed.py,
`_psr_spec`); parameters keep PyNN's names and units.
"""
from pyNN.standardmodels import receptors

from .cells import identity_translations


def _bind(pynn_class, kernel, recordable):
    namespace = {
        "__doc__": pynn_class.__doc__,
        "__module__": __name__,
        "translations": identity_translations(pynn_class),
        "engine_kernel": kernel,
        "recordable": recordable,
    }
    return type(pynn_class.__name__, (pynn_class,), namespace)


CurrExpPostSynapticResponse = _bind(receptors.CurrExpPostSynapticResponse, 'CurrExp', ['isyn'])
CondExpPostSynapticResponse = _bind(receptors.CondExpPostSynapticResponse, 'CondExp', ['gsyn'])
CondAlphaPostSynapticResponse = _bind(receptors.CondAlphaPostSynapticResponse, 'CondAlpha',
                                      ['gsyn'])
CondBetaPostSynapticResponse = _bind(receptors.CondBetaPostSynapticResponse, 'CondBeta',
                                     ['gsyn'])

# PyNN's short aliases
ExpPSR = CondExpPostSynapticResponse
AlphaPSR = CondAlphaPostSynapticResponse
BetaPSR = CondBetaPostSynapticResponse

__all__ = ["CurrExpPostSynapticResponse", "CondExpPostSynapticResponse",
           "CondAlphaPostSynapticResponse", "CondBetaPostSynapticResponse",
           "ExpPSR", "AlphaPSR", "BetaPSR"]
