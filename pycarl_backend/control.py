"""setup(), run(), reset(), end() and the state queries."""
from pyNN import common, errors
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_TIMESTEP, DEFAULT_MIN_DELAY
from pyNN.recording import get_io

from . import simulator


#: the engine's seed when none is given (pyNN.nest's default rng_seed)
DEFAULT_RNG_SEED = 42

#: setup() keywords whose default an application may set (set_setup_defaults)
DEFAULTABLE = ("device", "rng_seed", "hardware", "hardware_options", "progress",
               "gpu_options", "spynnaker_version")
_setup_defaults = {}


def set_setup_defaults(**options):
    """Defaults for the setup() keywords a script's own setup() call leaves out.

    This is how an application runs an unmodified script with a chip, device
    or seed (the `pycarl` command does, see pycarl/settings.py): keywords the
    script passes to setup() win. Each call replaces the previous defaults;
    no arguments restores pycarl's own."""
    unknown = sorted(set(options) - set(DEFAULTABLE))
    if unknown:
        raise errors.InvalidParameterValueError(
            f"set_setup_defaults(): unknown keyword(s) {', '.join(unknown)}; "
            f"valid: {', '.join(DEFAULTABLE)}")
    _setup_defaults.clear()
    _setup_defaults.update(options)


def setup_default(name, fallback=None):
    """The default an application set for setup keyword `name`, else fallback."""
    return _setup_defaults.get(name, fallback)


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """Start a new simulation.

    pycarl's extra parameters:
      device: "cpu" (default), "gpu" or "auto" (GPU when CuPy sees one);
      rng_seed (or seed): seed of the engine's random numbers (sources, noise,
        stochastic synapses); default 42 as in pyNN.nest, so that a run repeats
        exactly unless a seed is given;
      hardware: a chip name ("truenorth", "loihi", "dynapse"), a chip YAML path or a
        hardware_models.HardwareModel; default none (software only);
      hardware_options: chip parameter overrides, dotted chip-YAML keys -> values
        (e.g. {"interconnect.router_latency_cycles": 2, "mapping": "min-comm"});
      progress: show a progress bar during run();
      cpu_fused: run the compiled CPU step loop where it covers the network
        (default True; False: always the NumPy reference loop).
      cpu_threads: threads of that loop: None (default: all cores, for neuron
        groups large enough to gain), 1, or k >= 2 (k threads for every group);
        engine/cpu_fused/threads.py.
      weight_dtype: storage of static synapse weights: "float64" (default; every
        weight kept exactly as set, in the smallest lossless form: one shared value,
        uint16 codes into a table of the distinct values, float32 where every weight
        is a float32 number, else float64) or "float32" (opt-in, lossy: every static
        weight is rounded to float32 when it is connected or set, and get() returns
        the rounded value; 4 B per synapse or less instead of up to 8 B; results
        then differ from float64 runs by the rounding). Plastic synapses keep
        float64 weights either way. engine/weight_storage.py.
      gpu_options: launch settings of the GPU engine, a GpuOptions or a dict of
        its fields (engine/gpu_options.py); no effect on the CPU.
    Defaults an application set with set_setup_defaults() apply to the keywords
    not given here.
    """
    if "seed" in extra_params and "rng_seed" not in extra_params:
        extra_params["rng_seed"] = extra_params["seed"]
    params = {**_setup_defaults, **extra_params}
    params.pop("spynnaker_version", None)     # read by pycarl_backend.spinnaker's setup
    max_delay = params.get('max_delay', DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **params)
    if timestep <= 0:
        raise ValueError(f"setup(timestep={timestep}): the time step must be > 0 ms")
    simulator.state.setup(
        timestep, min_delay, max_delay,
        device=params.get("device", "cpu"),
        rng_seed=params.get("rng_seed", DEFAULT_RNG_SEED),
        hardware=params.get("hardware"),
        hardware_options=params.get("hardware_options", {}),
        progress=bool(params.get("progress", False)),
        spike_precision=params.get("spike_precision", "on_grid"),
        gpu_options=params.get("gpu_options"),
        cpu_fused=params.get("cpu_fused", True),
        cpu_threads=params.get("cpu_threads"),
        weight_dtype=params.get("weight_dtype", "float64"))
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


_run, _run_until = common.build_run(simulator)


def run(simtime, callbacks=None):
    simulator.check_time("run", "simtime", simtime, 0.0)
    return _run(simtime, callbacks)


def run_until(time_point, callbacks=None):
    simulator.check_time("run_until", "time_point", time_point,
                         simulator.state.t if simulator.state.engine is not None else 0.0)
    return _run_until(time_point, callbacks)


run.__doc__, run_until.__doc__ = _run.__doc__, _run_until.__doc__
run_for = run
reset = common.build_reset(simulator)
initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    num_processes, rank = common.build_state_queries(simulator)
