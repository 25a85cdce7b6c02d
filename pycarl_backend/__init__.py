"""pycarl: a PyNN backend on an array engine (NumPy on the CPU, CuPy on a GPU),
with optional co-simulation of neuromorphic chips.

    import pycarl_backend as sim
    sim.setup(timestep=0.1)
"""
from pyNN import errors, random, space                          # noqa: F401
from pyNN.network import Network                                # noqa: F401
from pyNN.space import Space                                    # noqa: F401
from pyNN.random import NumpyRNG, GSLRNG, RandomDistribution    # noqa: F401
from pyNN.connectors import *                                   # noqa: F401,F403
from pyNN.recording import *                                    # noqa: F401,F403
from pyNN.standardmodels import StandardCellType

from .standardmodels.cells import *                             # noqa: F401,F403
from .standardmodels.receptors import *                         # noqa: F401,F403
from .standardmodels.synapses import *                          # noqa: F401,F403
from .standardmodels.electrodes import *                        # noqa: F401,F403
from .populations import Population, PopulationView, Assembly   # noqa: F401
from .projections import Projection                             # noqa: F401
from .control import (                                          # noqa: F401
    setup, end, run, run_until, run_for, reset, initialize,
    get_current_time, get_time_step, get_min_delay, get_max_delay,
    num_processes, rank, set_setup_defaults,
)
from .engine.gpu_options import GpuOptions                      # noqa: F401
from .procedural_api import create, connect, record, record_v, record_gsyn  # noqa: F401
from .simulator import SimulationNotSetUpError                  # noqa: F401


def list_standard_models():
    """The StandardCellType classes available in pycarl."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and obj is not StandardCellType]
