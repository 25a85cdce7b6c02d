"""Cell types of pycarl_backend.spinnaker.

IF_curr_exp and IF_cond_exp run in sPyNNaker's update order (neurons.py),
IF_curr_alpha with sPyNNaker's alpha synapse buffers (alpha.py);
SpikeSourceArray uses SpiNNaker's tick numbering and sorts its times
(sources.py); SpikeSourcePoisson draws its spikes tick by tick as
sPyNNaker's source does (poisson.py). Every type takes sPyNNaker's positional arguments and initial
values among its parameters (arguments.py). Current-based cells also record
``gsyn_exc``/``gsyn_inh``: sPyNNaker records the synaptic input of every
model under those names (for IF_curr_exp it is the current in nA).
"""
from pyNN.standardmodels import cells

from ..standardmodels.cells import bind
from .arguments import SpiNNakerArguments
from .neurons import SPINNAKER_MODELS
from .izhikevich import Izhikevich as _Izhikevich
from .alpha import ALPHA_ORDER, SpiNNakerIFCurrAlpha
from .poisson import PoissonSource, report_durations
from .sources import SpiNNakerSpikeArraySource

#: sPyNNaker's argument orders (spynnaker/pyNN/models/neuron/builds/if_curr_exp_base.py,
#: if_cond_exp_base.py, spike_source/spike_source_array.py, spike_source_poisson.py)
LIF_CURR_ORDER = ("tau_m", "cm", "v_rest", "v_reset", "v_thresh", "tau_syn_E",
                  "tau_syn_I", "tau_refrac", "i_offset", "v", "isyn_exc", "isyn_inh")
LIF_COND_ORDER = ("tau_m", "cm", "v_rest", "v_reset", "v_thresh", "tau_syn_E",
                  "tau_syn_I", "tau_refrac", "i_offset", "e_rev_E", "e_rev_I", "v",
                  "gsyn_exc", "gsyn_inh")
SYNAPTIC_INPUT_NAMES = ["gsyn_exc", "gsyn_inh"]


def spinnaker_type(pynn_class, engine_model, positional, extra_recordables=(),
                   extra_units="nA"):
    base = bind(pynn_class, engine_model)
    namespace = {"__doc__": pynn_class.__doc__, "__module__": __name__,
                 "positional": positional,
                 "units": {**base.units, **{name: extra_units for name in extra_recordables
                                            if name not in base.units}},
                 "recordable": list(base.recordable) + [
                     name for name in extra_recordables if name not in base.recordable]}
    return type(pynn_class.__name__, (SpiNNakerArguments, base), namespace)


IF_curr_exp = spinnaker_type(cells.IF_curr_exp, SPINNAKER_MODELS['IF_curr_exp'],
                             LIF_CURR_ORDER, SYNAPTIC_INPUT_NAMES)
IF_curr_alpha = spinnaker_type(cells.IF_curr_alpha, SpiNNakerIFCurrAlpha, ALPHA_ORDER,
                               SYNAPTIC_INPUT_NAMES)
IF_cond_exp = spinnaker_type(cells.IF_cond_exp, SPINNAKER_MODELS['IF_cond_exp'],
                             LIF_COND_ORDER)
SpikeSourceArray = spinnaker_type(cells.SpikeSourceArray, SpiNNakerSpikeArraySource,
                                  ("spike_times",))
SpikeSourcePoisson = spinnaker_type(
    cells.SpikeSourcePoisson, PoissonSource, ("rate", "start", "duration"))
# sPyNNaker's get: a duration not given reads None (poisson.py)
SpikeSourcePoisson.reported = staticmethod(
    lambda name, values, size: report_durations(values) if name == "duration" else values)

#: spynnaker/pyNN/models/neuron/builds/izk_curr_exp_base.py
IZHIKEVICH_ORDER = ("a", "b", "c", "d", "i_offset", "v", "u", "tau_syn_E", "tau_syn_I",
                    "isyn_exc", "isyn_inh")
Izhikevich = type("Izhikevich", (SpiNNakerArguments, _Izhikevich),
                  {"__doc__": _Izhikevich.__doc__, "__module__": __name__,
                   "positional": IZHIKEVICH_ORDER})

__all__ = ["IF_curr_exp", "IF_curr_alpha", "IF_cond_exp", "SpikeSourceArray",
           "SpikeSourcePoisson",
           "Izhikevich"]
