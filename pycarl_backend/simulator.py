"""Global simulator state: the clock, the engine and the optional chip model.

Like pyNN.nest.simulator, this module holds one `state` object that every
Population, Projection and Recorder of the current simulation refers to.
"""
import logging
import math

from pyNN import common, errors

from .engine.network import Engine

logger = logging.getLogger("pycarl")

name = "pycarl"
DEFAULT_MAX_DELAY_AUTO = 100.0  # ms, used when setup(max_delay='auto')


class SimulationNotSetUpError(RuntimeError):
    """A simulation call came before setup()."""


class ID(int, common.IDMixin):
    __doc__ = common.IDMixin.__doc__

    def __init__(self, n):
        int.__init__(n)
        common.IDMixin.__init__(self)


class State(common.control.BaseState):
    """The state of one simulation, from setup() to end()."""

    def __init__(self):
        super().__init__()
        self.initialized = False
        self.mpi_rank = 0
        self.num_processes = 1
        self.dt = 0.1
        self.min_delay = 0.1
        self.max_delay = DEFAULT_MAX_DELAY_AUTO
        self.engine = None
        self.hardware = None
        self.hardware_overrides = {}
        self.cosim = None
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.id_counter = 1
        self.segment_counter = -1
        self.record_sample_times = False

    # --- life cycle -------------------------------------------------------
    def setup(self, timestep, min_delay, max_delay, device="cpu", rng_seed=None,
              hardware=None, hardware_options=None, progress=False,
              spike_precision="on_grid", gpu_options=None,
              cpu_fused=True, cpu_threads=None, weight_dtype="float64"):
        self.clear()
        self.initialized = True
        self.dt = float(timestep)
        self.min_delay = float(timestep) if min_delay == "auto" else float(min_delay)
        self.min_delay_auto = min_delay == "auto"
        self.max_delay = DEFAULT_MAX_DELAY_AUTO if max_delay == "auto" else float(max_delay)
        if spike_precision not in ("on_grid", "off_grid"):
            raise ValueError(f"setup(spike_precision={spike_precision!r}): must be "
                             f"'on_grid' or 'off_grid'")
        self.spike_precision = spike_precision
        self.engine = Engine(dt=self.dt, device=device, seed=rng_seed,
                             precise_spike_times=(spike_precision == "off_grid"),
                             gpu_options=gpu_options, cpu_fused=cpu_fused,
                             cpu_threads=cpu_threads, weight_dtype=weight_dtype)
        check_hardware(hardware)
        self.hardware = hardware
        self.hardware_overrides = dict(hardware_options or {})
        self.progress = progress

    def clear(self):
        self.native_rng_count = 0
        self.recorders = set()
        self.populations = []
        self.projections = []
        self.current_sources = []
        self.id_counter = 1
        self.segment_counter = -1
        self.write_on_end = []
        self.engine = None
        self.hardware = None
        self.hardware_overrides = {}
        self.cosim = None
        self.reset()

    def reset(self):
        """Time back to zero, state back to initial values, new segment."""
        self.running = False
        self.t_start = 0
        self.segment_counter += 1
        if self.engine is not None:
            self.engine.reset()

    # --- time -------------------------------------------------------------
    @property
    def t(self):
        return 0.0 if self.engine is None else self.engine.step_count * self.dt

    def require_setup(self, what):
        if not self.initialized or self.engine is None:
            raise SimulationNotSetUpError(
                f"{what}: call setup() first (pycarl has no simulation yet)")

    def run_until(self, tstop):
        self.require_setup("run()")
        check_time("run_until", "tstop", tstop, self.t)
        n_steps = int(round((tstop - self.t) / self.dt))
        self.running = True
        if n_steps > 0:
            hardware = self._cosimulation()
            # a chip with its own step (hardware_models/arithmetic.py) may have changed dt
            n_steps = int(round((tstop - self.t) / self.dt))
            self.engine.run(n_steps, hardware=hardware, progress=self.progress)
            if hardware is not None:
                hardware.finish_run()
        if getattr(self, "min_delay_auto", False):
            self._set_auto_min_delay()

    def _cosimulation(self):
        """The chip co-simulation of this run (attached at the first run), or None."""
        if self.hardware is None:
            return None
        if self.cosim is None:
            from hardware_models import load_hardware
            from .cosim import CoSimulation
            model = load_hardware(self.hardware, **self.hardware_overrides)
            self.cosim = CoSimulation(model, self)
            self.cosim.attach()
        else:
            self.cosim.check_unchanged()
        return self.cosim

    def _set_auto_min_delay(self):
        """setup(min_delay='auto'): min_delay becomes the shortest connection delay (as NEST)."""
        steps = [b.delay if isinstance(b.delay, int) else int(b.delay.min())
                 for b in self.engine.blocks if b.size]
        if steps:
            self.min_delay = min(steps) * self.dt

    def run(self, simtime):
        self.require_setup("run()")
        check_time("run", "simtime", simtime, 0.0)
        self.run_until(self.t + simtime)


def check_time(function, name, value, lowest):
    """A simulation time must be a finite number of ms >= `lowest`."""
    try:
        ms = float(value)
    except (TypeError, ValueError):
        raise errors.InvalidParameterValueError(
            f"{function}({name}={value!r}): {name} must be a number of ms") from None
    if not math.isfinite(ms) or ms < lowest - 1e-9:
        raise errors.InvalidParameterValueError(
            f"{function}({name}={value!r}): {name} must be a finite number of ms "
            f">= {lowest:g}")


def check_hardware(hardware):
    """setup(hardware=...): a chip name or YAML path must name a chip now, not at the
    first run. Reads the chip's YAML (hardware_models.load_spec); builds no model."""
    import os
    if not isinstance(hardware, (str, os.PathLike)):
        return
    from hardware_models import load_spec, list_chips
    from hardware_models.errors import ChipSpecError, UnknownParameterError
    try:
        load_spec(hardware)
    except (UnknownParameterError, ChipSpecError) as error:
        raise errors.InvalidParameterValueError(
            f"setup(hardware={str(hardware)!r}): {error}; hardware must be one of "
            f"{', '.join(list_chips())}, a path to a chip YAML file or a "
            f"hardware_models.HardwareModel") from None


state = State()
