"""The engine's neuron models beyond the LIF base (engine/neurons.py).

Importing this package registers every model in `neurons.MODELS` under its
PyNN cell type name.
"""
from ..neurons import MODELS
from .composed import (IFCurrAlpha, IFCondAlpha, EIFCondExpIsfaIsta,   # noqa: F401
                       EIFCondAlphaIsfaIsta, point_neuron_class)
from .adaptive_cond import GIFCondExp, IFCondExpGsfaGrr, IFFacetsHardware1
from .delta import IFCurrDelta
from .hh import HHCondExp
from .izhikevich import Izhikevich

MODELS.update({
    'IF_curr_alpha': IFCurrAlpha,
    'IF_cond_alpha': IFCondAlpha,
    'IF_curr_delta': IFCurrDelta,
    'EIF_cond_exp_isfa_ista': EIFCondExpIsfaIsta,
    'EIF_cond_alpha_isfa_ista': EIFCondAlphaIsfaIsta,
    'Izhikevich': Izhikevich,
    'HH_cond_exp': HHCondExp,
    'IF_cond_exp_gsfa_grr': IFCondExpGsfaGrr,
    'GIF_cond_exp': GIFCondExp,
    'IF_facets_hardware1': IFFacetsHardware1,
})
