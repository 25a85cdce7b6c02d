"""The sPyNNaker `extra_models` names that pycarl's engine can serve.

Served: SpikeNearestPairRule (STDP timing with nearest-pair traces),
PfisterSpikeTriplet with WeightDependenceAdditiveTriplet (triplet STDP, triplet.py),
AllButMeConnector (all-to-all without the (i, i) pairs) and
SpikeSourcePoissonVariable (poisson.py). Any other sPyNNaker
extra model raises NoModelAvailableError naming these.
"""
from pyNN import errors

from .connectors import AllButMeConnector  # noqa: F401 (re-exported)
from .poisson import SpikeSourcePoissonVariable  # noqa: F401 (re-exported)
from .synapses import SpikeNearestPairRule  # noqa: F401 (re-exported)
from .triplet import PfisterSpikeTriplet, WeightDependenceAdditiveTriplet  # noqa: F401

__all__ = ["SpikeNearestPairRule", "AllButMeConnector", "SpikeSourcePoissonVariable",
           "PfisterSpikeTriplet", "WeightDependenceAdditiveTriplet"]

#: sPyNNaker extra_models names pycarl cannot serve (no engine model yet)
NOT_SERVED = (
    "IFCurDelta", "IFCurrExpCa2Adaptive", "IFCondExpStoc", "Izhikevich_cond",
    "IF_curr_dual_exp", "IF_curr_exp_sEMD", "Izhikevich_cond_dual",
    "IFCurrDeltaCa2Adaptive", "Neuromodulation", "RecurrentRule", "Vogels2011Rule",
    "StocExp", "StocExpStable", "StocSigma",
    "IFCurrDeltaFixedProb", "IFTruncDelta", "OneToOneOffsetConnector",
    "WeightChangeable", "WeightChanger")


def __getattr__(name):
    if name in NOT_SERVED:
        raise errors.NoModelAvailableError(
            f"sPyNNaker extra model {name} is not available in pycarl_backend.spinnaker; "
            f"available: {', '.join(__all__)}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
