"""setup(), run(), reset(), end() and the state queries."""
import json
import os

from pyNN import common
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_TIMESTEP, DEFAULT_MIN_DELAY
from pyNN.recording import get_io

from . import simulator


#: the engine's seed when none is given (pyNN.nest's default rng_seed)
DEFAULT_RNG_SEED = 42


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new simulation.

    pycarl's extra parameters:
      device: "cpu" (default), "gpu" or "auto" (GPU when CuPy sees one);
      rng_seed: seed of the engine's random numbers (sources, noise, stochastic
        synapses); default $PYCARL_SEED, else 42 as in pyNN.nest, so that a run
        repeats exactly unless a seed is given;
      hardware: a chip name ("truenorth", "loihi", "dynapse"), a chip YAML path or a
        hardware_models.HardwareModel; default from $PYCARL_HARDWARE, else none;
      hardware_options: chip parameter overrides, dotted chip-YAML keys -> values
        (e.g. {"interconnect.router_latency_cycles": 2, "mapping": "min-comm"});
        default from $PYCARL_HARDWARE_OPTIONS (JSON);
      progress: show a progress bar during run();
      cpu_fused: run the compiled CPU step loop where it covers the network
        (default True; False: always the NumPy reference loop).
    """
    max_delay = extra_params.get('max_delay', DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    if timestep <= 0:
        raise ValueError(f"setup(timestep={timestep}): the time step must be > 0 ms")
    hardware = extra_params.get("hardware", os.environ.get("PYCARL_HARDWARE") or None)
    simulator.state.setup(
        timestep, min_delay, max_delay,
        device=extra_params.get("device", os.environ.get("PYCARL_DEVICE", "cpu")),
        rng_seed=extra_params.get("rng_seed", extra_params.get(
            "seed", int(os.environ["PYCARL_SEED"]) if os.environ.get("PYCARL_SEED")
            else DEFAULT_RNG_SEED)),
        hardware=hardware,
        hardware_options=extra_params.get(
            "hardware_options", json.loads(os.environ.get("PYCARL_HARDWARE_OPTIONS") or "{}")),
        progress=extra_params.get("progress", bool(os.environ.get("PYCARL_PROGRESS"))),
        spike_precision=extra_params.get("spike_precision", "on_grid"),
        cpu_fused=extra_params.get("cpu_fused", True))
    return rank()


def end(compatible_output=True):
    """Write data requested with record(..., to_file=...) and end the simulation.

    Recorded data stays readable; running again needs a new setup().
    """
    for (population, variables, filename) in simulator.state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    simulator.state.write_on_end = []
    simulator.state.initialized = False


run, run_until = common.build_run(simulator)
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)
