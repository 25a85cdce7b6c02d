"""sPyNNaker's behaviour on the pycarl engine.

    import pycarl_backend.spinnaker as sim

runs a script written for SpiNNaker's PyNN (sPyNNaker / spynnaker8) with
SpiNNaker's semantics; docs/spinnaker.rst lists each point:

* update order at 1 ms ticks: input is applied at the start of the tick,
  before the membrane update, so a neuron can fire in the tick its input
  arrives; tau_syn below the time step is fine (neurons.py);
* spikes of tick k are stamped k*dt; SpikeSourceArray spikes at t = 0 exist
  (sources.py, recording.py);
* Population.set(v=...) on a state variable initialises it (populations.py);
* weights are magnitudes: positive weights on inhibitory projections inhibit
  (synapses.py, projections.py);
* AllToAllConnector(allow_self_connections=False) drops (i, i) by index, also
  between different populations (connectors.py);
* PopulationView(pop, range(a, b)) (populations.py);
* STDP as sPyNNaker computes it: deferred pair updates at integer ticks, in
  the arithmetic of sPyNNaker >= 7 or, with setup(spynnaker_version=6), of
  the spynnaker8 era (A+ and A- scaled by w_max, one clip per presynaptic
  spike) (plasticity.py, releases.py);
* s16.15 fixed-point neuron arithmetic per release (fixed_point.py,
  neurons.py, izhikevich.py); traces as the machine records them, per
  variable sampling intervals, spinnaker_get_data (recording.py);
* sPyNNaker's constructors (positional arguments, initial values among the
  parameters), seeds, initialize/set_state across reset, placement calls
  (arguments.py, populations.py); delays clipped below a tick and up to the
  delay-extension limit, one plasticity rule per population (projections.py);
  nearest-pair and multiplicative STDP (plasticity.py), triplet STDP
  (PfisterSpikeTriplet with WeightDependenceAdditiveTriplet, triplet.py);
* the random connectors with sPyNNaker's signatures and limits; with
  setup(spynnaker_version=6), drawn as the machine's synapse expander draws
  them from the connector's rng, core slice by core slice
  (random_connectors.py, expander.py); KernelConnector (kernel_connector.py);
  FromListConnector's random weights and delays drawn block by block
  (from_list_connector.py);
* structural plasticity (StructuralMechanismStatic/STDP with their partner
  selection, formation and elimination rules) and the run's provenance
  database (structural.py, reports.py);
* sPyNNaker-only calls: setup(time_scale_factor=...), name(),
  set_allow_delay_extensions,
  set_number_of_neurons_per_core, extra_models (control.py, extra_models.py);
  with a hardware model active, neurons-per-core becomes its mapping limit.
"""
from pyNN import errors, random, space                          # noqa: F401
from pyNN.connectors import *                                   # noqa: F401,F403
from pyNN.random import NumpyRNG, GSLRNG, RandomDistribution    # noqa: F401
from pyNN.space import (                                         # noqa: F401
    Space, Line, Grid2D, Grid3D, RandomStructure, Sphere, Cuboid)

from .. import (                                                # noqa: F401
    end, reset, initialize, get_current_time, get_time_step,
    get_min_delay, get_max_delay, num_processes, rank, SimulationNotSetUpError,
    DCSource, StepCurrentSource, ACSource, NoisyCurrentSource,
)
from ..populations import Assembly                              # noqa: F401
from . import extra_models                                      # noqa: F401
from .cells import (                                             # noqa: F401
    IF_curr_exp, IF_curr_alpha, IF_cond_exp, SpikeSourceArray, SpikeSourcePoisson,
    Izhikevich)
from .connectors import (                                       # noqa: F401
    AllToAllConnector, ArrayConnector, SmallWorldConnector)
from .control import (                                          # noqa: F401
    setup, set_number_of_neurons_per_core, neurons_per_core_override,
    set_allow_delay_extensions, name)
from .from_list_connector import FromListConnector             # noqa: F401
from .kernel_connector import KernelConnector                   # noqa: F401
from .populations import Population, PopulationView             # noqa: F401
from .random_connectors import (                                # noqa: F401
    FixedProbabilityConnector, FixedNumberPreConnector, FixedNumberPostConnector,
    FixedTotalNumberConnector)
from .projections import Projection                             # noqa: F401
from .reports import run, run_for, run_until, report_directory  # noqa: F401
from .structural import (                                       # noqa: F401
    StructuralMechanismStatic, StructuralMechanismSTDP, RandomSelection,
    LastNeuronSelection, DistanceDependentFormation, RandomByWeightElimination)
from .synapses import (                                         # noqa: F401
    StaticSynapse, STDPMechanism, SpikePairRule, AdditiveWeightDependence,
    MultiplicativeWeightDependence)
from .triplet import PfisterSpikeTriplet, WeightDependenceAdditiveTriplet  # noqa: F401


def list_standard_models():
    """The cell types available with sPyNNaker semantics."""
    return ["IF_curr_exp", "IF_curr_alpha", "IF_cond_exp", "Izhikevich", "SpikeSourceArray",
            "SpikeSourcePoisson"]
