"""setup() with sPyNNaker's arguments, and neurons-per-core limits.

setup(timestep=1.0, ...) -- SpiNNaker's default 1 ms tick -- accepts
sPyNNaker's `time_scale_factor` (how much slower than real time the machine
runs; spike trains do not depend on it, so it is stored in
`simulator.state.time_scale_factor` only), `n_chips_required`,
`n_boards_required` and `database_socket_addresses` (machine allocation and
live I/O; accepted, no effect), and pycarl's own `hardware`, `device`,
`rng_seed`, `progress`. `max_delay` is accepted as in pyNN; by default it is sPyNNaker 5's limit
with delay extensions, 144 ticks. set_allow_delay_extensions(False) limits
delays to the 16 ticks of a neuron core, True restores max_delay.

`fixed_point` (pycarl's own; default True) runs the neuron models in
SpiNNaker's s16.15 arithmetic, in the variant of the release (fixed_point.py);
False runs the same update order in float64; an Arithmetic object (e.g.
fixed_point.SPYNNAKER8_TRUNCATING_HOST) picks one variant.

`report_directory` (pycarl's own): where run() writes sPyNNaker's
provenance database (reports.py); default a fresh temporary folder.

`spynnaker_version` (pycarl's own; default 7) picks the release whose STDP
and neuron arithmetic the simulation follows: 6 for scripts written for spynnaker8
(A+ and A- scaled by w_max, one clip per presynaptic spike), 7 for the
current sPyNNaker (releases.py; kept in `simulator.state.spynnaker_release`).

set_number_of_neurons_per_core(IF_curr_exp, 64) and
Population(..., additional_parameters={"max_atoms_per_core": 64}) set
sPyNNaker's placement limit. Software-only runs do not depend on it. When a
hardware model is active (setup(hardware=...)) it becomes that chip's
mapping limit: `neurons_per_core_override()` (also kept in
`simulator.state.neurons_per_core_override`) is the smallest limit set for a
cell type or population of the network, to be passed to the chip model as
its `neurons_per_core` override (a chip model takes one limit for all cores);
it is put into `simulator.state.hardware_overrides`, which the co-simulation
hands to the chip model at the first run, unless setup(hardware_options=...)
names neurons_per_core itself.
"""
from pyNN import errors

from .. import control as _pycarl_control
from .. import simulator
from .fixed_point import Arithmetic
from .releases import release_named

DEFAULT_TIMESTEP = 1.0  # ms: SpiNNaker's machine time step
#: sPyNNaker 5's longest delay: 16 ticks on the neuron core times 9 with the
#: 8 delay-extension stages (spynnaker/pyNN/models/utility_models/delays)
MAX_DELAY_TICKS = 144
WITHOUT_EXTENSIONS_TICKS = 16


def setup(timestep=DEFAULT_TIMESTEP, min_delay="auto", max_delay=None,
          database_socket_addresses=None, time_scale_factor=None,
          n_chips_required=None, n_boards_required=None, spynnaker_version=None,
          fixed_point=True, report_directory=None, **extra_params):
    """Start a sPyNNaker-style simulation (see the module docstring)."""
    if spynnaker_version is None:
        spynnaker_version = _pycarl_control.setup_default("spynnaker_version")
    release = release_named(spynnaker_version)
    if timestep is None:
        timestep = DEFAULT_TIMESTEP
    if time_scale_factor is not None:
        try:
            ok = float(time_scale_factor) > 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise errors.InvalidParameterValueError(
                f"setup(time_scale_factor={time_scale_factor!r}): must be a number > 0")
    if extra_params.get("spike_precision", "on_grid") != "on_grid":
        raise errors.InvalidParameterValueError(
            "pycarl_backend.spinnaker runs on SpiNNaker's tick grid; "
            "spike_precision must be 'on_grid'")
    if max_delay is None:
        max_delay = MAX_DELAY_TICKS * float(timestep)
    extra_params["max_delay"] = max_delay
    rank = _pycarl_control.setup(timestep, min_delay, **extra_params)
    state = simulator.state
    state.time_scale_factor = time_scale_factor
    state.spynnaker_release = release
    state.spinnaker_arithmetic = _arithmetic(fixed_point, release)
    state.allow_delay_extensions = True
    state.spinnaker_report_directory = report_directory  # None: a temporary one (reports.py)
    state.neurons_per_core_by_type = {}
    state.neurons_per_core_by_population = {}
    state.neurons_per_core_override = None
    # a neurons_per_core the user gave in hardware_options wins over placement limits
    state.user_neurons_per_core = "neurons_per_core" in getattr(state, "hardware_overrides", {})
    return rank


def _arithmetic(fixed_point, release):
    if isinstance(fixed_point, Arithmetic):
        return fixed_point
    if fixed_point is True:
        return release.arithmetic
    if fixed_point is False or fixed_point is None:
        return None
    raise errors.InvalidParameterValueError(
        f"setup(fixed_point={fixed_point!r}): give True (the release's s16.15 arithmetic), "
        f"False (float64) or a pycarl_backend.spinnaker.fixed_point.Arithmetic")


def _positive_int(value, what):
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = None
    if n is None or n != value or n < 1:
        raise errors.InvalidParameterValueError(
            f"{what}: the number of neurons per core must be an integer >= 1, got {value!r}")
    return n


def name():
    """The simulator's name, in sPyNNaker's form ("sPyNNaker_under_version(...)"
    there): which engine runs, with the semantics of which release."""
    release = getattr(simulator.state, "spynnaker_release", None) or release_named(None)
    return f"pycarl_spinnaker_under_semantics({release.name})"


def set_allow_delay_extensions(allow):
    """sPyNNaker's switch for delay-extension cores. Off, the longest delay is
    what a neuron core holds (16 ticks); on (the default), setup()'s max_delay."""
    state = simulator.state
    state.require_setup("set_allow_delay_extensions()")
    state.allow_delay_extensions = bool(allow)
    if not state.allow_delay_extensions:
        state.max_delay_with_extensions = getattr(
            state, "max_delay_with_extensions", state.max_delay)
        state.max_delay = WITHOUT_EXTENSIONS_TICKS * state.dt
    elif hasattr(state, "max_delay_with_extensions"):
        state.max_delay = state.max_delay_with_extensions


def set_number_of_neurons_per_core(neuron_type, max_permitted):
    """sPyNNaker's placement limit for every population of `neuron_type`
    (a cell type class or its name); None removes it."""
    state = simulator.state
    state.require_setup("set_number_of_neurons_per_core()")
    name = neuron_type if isinstance(neuron_type, str) else getattr(
        neuron_type, "__name__", type(neuron_type).__name__)
    if max_permitted is None:
        state.neurons_per_core_by_type.pop(name, None)
    else:
        if isinstance(max_permitted, (tuple, list)):  # sPyNNaker's per-dimension form
            total = 1
            for m in max_permitted:
                total *= _positive_int(m, f"set_number_of_neurons_per_core({name})")
            max_permitted = total
        state.neurons_per_core_by_type[name] = _positive_int(
            max_permitted, f"set_number_of_neurons_per_core({name})")
    _update_override()


def set_population_neurons_per_core(population, max_atoms_per_core):
    state = simulator.state
    state.neurons_per_core_by_population[population.label] = _positive_int(
        max_atoms_per_core, f"Population '{population.label}' max_atoms_per_core")
    _update_override()


def neurons_per_core_override():
    """The neurons-per-core limit for the chip model, or None when none applies."""
    _update_override()
    return simulator.state.neurons_per_core_override


def _update_override():
    state = simulator.state
    limits = list(getattr(state, "neurons_per_core_by_population", {}).values())
    by_type = getattr(state, "neurons_per_core_by_type", {})
    in_use = {type(p.celltype).__name__ for p in state.populations}
    limits += [n for name, n in by_type.items() if name in in_use or not state.populations]
    state.neurons_per_core_override = min(limits) if limits else None
    overrides = getattr(state, "hardware_overrides", None)
    if overrides is None or getattr(state, "user_neurons_per_core", False):
        return
    if state.neurons_per_core_override is None:
        overrides.pop("neurons_per_core", None)
    else:  # the chip model reads it when the co-simulation attaches (first run)
        overrides["neurons_per_core"] = state.neurons_per_core_override
