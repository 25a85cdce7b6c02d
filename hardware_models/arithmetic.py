"""The seam by which a chip supplies the neuron and synapse arithmetic it runs.

A co-simulated run can replace PyNN's floating-point cells by the chip's own
arithmetic (Loihi's integer compartments, TrueNorth's integer neurons,
DYNAP-SE's DPI circuits). This module is the chip-neutral interface; it knows
neither PyNN nor the engine (``hardware_models`` never imports
``pycarl_backend``). The backend side is ``pycarl_backend/engine/chip_neurons.py``.

Who does what
-------------
1. The simulator describes the network as a ``NetworkGraph``; each
   ``PopulationSpec`` carries its PyNN cell type name (``celltype``), the
   per-cell parameter values in PyNN names and units (``parameters``) and the
   initial values (``initial_values``).
2. ``HardwareModel.attach(graph)`` maps the network (cores, limits).
3. For each non-source population the simulator calls
   ``HardwareModel.neuron_arithmetic(population, xp, rng)`` which returns

   - a ``ChipNeurons`` instance: the chip computes these cells;
   - ``None``: the cells stay software (float PyNN) cells: the chip has no
     arithmetic of its own, or the user chose ``hardware_options={"cells":
     "software"}``;
   - or raises ``HardwareConstraintError`` naming the population, its cell
     type and what the chip supports.

   Which class computes a chip's cells is named by the chip YAML's
   ``neuron_model`` key (see ``register_neuron_model``); ``cells: chip`` turns
   it on.
4. For each projection onto such a population the simulator calls
   ``ChipNeurons.synapses(projection)`` and stores the returned ``ChipSynapses``
   in place of the PyNN weights and delays: weights in the chip's units (what
   the chip adds to its input per spike; float64 holding the exact chip value,
   integers for digital chips), delays in chip steps, and the receptor
   (input channel) of every synapse.
5. Each engine step (one ``step_ms`` of chip time) the engine sums the
   weights of the spikes arriving at each cell per receptor (ring buffers,
   exactly as for software cells) and calls ``ChipNeurons.step(inputs,
   i_ext)``; it returns the indices of the cells that fired. Spikes of a chip
   population propagate like any others.
6. Recording: ``value(name)`` returns a state variable in PyNN units for the
   names in ``recordables`` (PyNN's names, e.g. ``"v"`` in mV); the chip's raw
   state is ``state`` (a dict of arrays in chip units, named ``"chip:<name>"``,
   e.g. Loihi's ``"chip:u"`` and ``"chip:v"``), recordable too under those
   names (engine.record_state).
7. ``reset()`` restores the initial state (PyNN ``reset()``).

Time base
---------
``HardwareModel.time_step_ms(dt_ms)`` is the duration of one engine step when
this chip computes the run. A chip stepping at the script's timestep (Loihi:
one algorithmic timestep per step) returns ``dt_ms``; a chip with its own
clock (TrueNorth: a 1 ms tick) returns that period, and the engine then runs
the whole simulation at that step (a ``timestep=0.1`` script advances in 1 ms
ticks, spike times are multiples of 1 ms). Delays of ``ProjectionSpec`` are
given in script steps (``NetworkGraph.dt_ms``); ``ChipSynapses.delay_steps``
are in chip steps.

Within a step a chip may integrate with its own sub-steps (DYNAP-SE's
continuous-time circuits): ``step`` is free to loop. A chip that wants to know
*when within the step* its inputs arrive sets ``arrival_offsets = True``: the
engine then keeps, next to each receptor ``r``, a channel ``r + OFFSET_SUFFIX``
holding the sum of weight x offset of that step's inputs, so ``inputs[r]``
and ``inputs[r + OFFSET_SUFFIX]`` give the charge and its weighted mean
offset. The offset is the arrival's time minus the on-grid arrival (the
arrival of a spike at its step's end travelling the programmed delay), in
steps, in (-1, 1): the spike's own time within its step (see
``spike_offsets``) minus one, plus the chip's latency (a ``HardwareModel``
whose ``step()`` returns fractional extra delays, in engine steps). Its
whole steps (never below 0) pick the ring slot; the rest is the offset. What
the on-grid arrival means inside the step is the chip's business (DYNAP-SE:
its last sub-step).

A chip whose cells fire between step boundaries sets ``spike_offsets =
True`` and after each ``step()`` holds ``last_spike_fraction``: for each cell
``step()`` returned, in that order, its spike's time as a fraction of the
step in (0, 1] (1: the step's end, where on-grid spikes lie). The engine
records the spike at that time, delivers it to chips with arrival offsets at
that time plus delay and latency (cells without arrival offsets get it at
step resolution), and hands the time to the chip's interconnect, so that
spikes of different sub-steps do not queue as if sent together.

Per-neuron variation (mismatch), parameters shared per core, axon types and
per-core random generators are the chip's own business: ``neuron_arithmetic``
hands the class the population's cores (``cores``: the core of each cell, from
the mapping) and a seeded ``numpy.random.Generator`` (``rng``) owned by that
population.

Arrays: every array a ``ChipNeurons`` keeps is created with ``xp`` (NumPy or
CuPy, the engine's); host NumPy arrays only at construction.
"""
from dataclasses import dataclass

import numpy as np

from .errors import ChipSpecError, HardwareConstraintError

#: suffix of the channel that carries weight x arrival offset (see module docstring)
OFFSET_SUFFIX = "@offset"


@dataclass
class ChipSynapses:
    """One projection's synapses as the chip stores them (order of ProjectionSpec).

    weight: float64 array, the chip's value added to the receptor per spike.
    delay_steps: int array, arrival delay in chip steps (>= 1).
    receptor: a receptor name (all synapses) or an int array of indices into
    ``ChipNeurons.receptors`` (one per synapse, e.g. TrueNorth's axon types).
    notes: human-readable statements for the report (rounding, approximations).
    """
    weight: np.ndarray
    delay_steps: np.ndarray
    receptor: object
    notes: tuple = ()


class ChipNeurons:
    """Base class of a chip's arithmetic for the cells of one population.

    Subclasses set ``receptors`` and ``recordables`` and implement ``step``,
    ``value``, ``reset`` and ``synapses``. Construction:
    ``cls(xp, population, spec, dt_ms, step_ms, cores, rng)`` with the
    population's ``PopulationSpec``, the chip's ``ChipSpec``, the script's
    timestep, the chip's step duration, each cell's core and a seeded Generator.
    """

    #: the chip's input channels, in order (ring-buffer column blocks)
    receptors = ("input",)
    #: PyNN recordable name -> units, computed by value()
    recordables = {}
    #: True: also receive weight x arrival-offset channels (see module docstring)
    arrival_offsets = False
    #: True: step() leaves each spike's time within the step in last_spike_fraction
    spike_offsets = False
    #: the chip's name for error messages
    chip = "chip"

    def __init__(self, xp, population, spec, dt_ms, step_ms, cores, rng):
        self.xp = xp
        self.population = population
        self.spec = spec
        self.dt_ms = float(dt_ms)
        self.step_ms = float(step_ms)
        self.size = int(population.size)
        self.label = population.label
        self.cores = np.asarray(cores)
        self.rng = rng
        #: chip-unit state arrays by name (e.g. Loihi's 'u' and 'v')
        self.state = {}
        #: statements for the report: translation used, approximations
        self.notes = []

    # --- per projection -----------------------------------------------------
    @classmethod
    def synapse_bits(cls, projection, spec):
        """Synaptic memory one synapse of `projection` takes on the chip (bits), or
        None for the chip YAML's flat limits.synapse_bits (used by the mapping)."""
        return None

    def synapses(self, projection):
        """ChipSynapses for a ProjectionSpec whose targets are these cells."""
        raise NotImplementedError

    # --- per step -------------------------------------------------------------
    def step(self, inputs, i_ext):
        """Advance one chip step.

        inputs: dict receptor name -> xp float64 array (size cells), the summed
        chip-unit weights arriving in this step (views: read, do not keep).
        i_ext: injected current in nA per cell (PyNN current sources) or None.
        Returns the indices (xp int array, ascending) of the cells that fired."""
        raise NotImplementedError

    def value(self, name):
        """State variable `name`: a PyNN recordable in PyNN units, or a raw
        chip state array (``state``) in chip units."""
        if name in self.state:
            return self.state[name]
        raise KeyError(name)

    def reset(self):
        raise NotImplementedError

    # --- helpers -------------------------------------------------------------
    def parameter(self, name):
        """Per-cell host array of a PyNN parameter of the population."""
        values = self.population.parameters
        if name not in values:
            raise HardwareConstraintError(
                f"{self.chip}: population '{self.label}' ({self.population.celltype}) "
                f"lacks parameter '{name}'")
        return np.broadcast_to(np.asarray(values[name], dtype=float), (self.size,))

    def uniform_parameter(self, name, why):
        """A parameter the chip holds once per population (or core): all cells equal."""
        v = self.parameter(name)
        if v.size and not np.all(v == v[0]):
            raise HardwareConstraintError(
                f"{self.chip}: population '{self.label}': {name} must be the same for all "
                f"cells ({why}); it ranges {v.min():g}..{v.max():g}")
        return float(v[0]) if v.size else 0.0


#: neuron_model name -> "module:Class" (imported on first use)
_NEURON_MODELS = {
    "loihi": "hardware_models.loihi.compartment:LoihiCompartments",
    "truenorth": "hardware_models.truenorth.pynn_cells:TrueNorthCells",
    "dynapse": "hardware_models.dynapse.neurons:DynapseNeurons",
}


def register_neuron_model(name, target):
    """Make ``neuron_model: name`` in a chip YAML select ``target`` (a
    ChipNeurons subclass or a "module:Class" string)."""
    _NEURON_MODELS[name] = target


def neuron_model_class(name):
    if name not in _NEURON_MODELS:
        raise ChipSpecError(f"neuron_model '{name}' unknown; valid: "
                            f"{', '.join(sorted(_NEURON_MODELS))}")
    target = _NEURON_MODELS[name]
    if isinstance(target, str):
        import importlib
        module, _, cls = target.partition(":")
        target = getattr(importlib.import_module(module), cls)
    return target


def neuron_arithmetic(model, population, xp, rng):
    """HardwareModel.neuron_arithmetic (see the module docstring)."""
    spec = model.spec
    if population.is_source or spec.get("cells") == "software":
        return None
    name = spec.get("neuron_model")
    if name is None:
        return None
    cls = neuron_model_class(name)
    cores = model.core_of_neuron[population.first_index:population.first_index + population.size]
    dt = model.dt_ms
    return cls(xp, population, spec, dt, model.time_step_ms(dt), cores, rng)


def synapse_bits_by_projection(spec, graph):
    """{projection label: bits per synapse} from the chip's encoding, for the
    projections onto cells its arithmetic computes ({} otherwise)."""
    if spec.get("cells") != "chip" or spec.get("neuron_model") is None:
        return {}
    cls = neuron_model_class(spec.get("neuron_model"))
    out = {}
    for pr in graph.projections:
        if graph.population(pr.post).is_source:
            continue
        bits = cls.synapse_bits(pr, spec)
        if bits is not None:
            out[pr.label] = bits
    return out


def core_groups(spec, graph):
    """Per neuron, the id of its population's parameter set where the chip's
    cells hold one parameter set per core (DYNAP-SE's shared biases), else
    None. Sources get -1. A neuron model opts in with a ``parameter_set``
    function (population, uniform) -> hashable."""
    name = spec.get("neuron_model")
    if spec.get("cells") != "chip" or name is None:
        return None
    import importlib
    cls = neuron_model_class(name)
    key_of = getattr(importlib.import_module(cls.__module__), "parameter_set", None)
    if key_of is None:
        return None
    ids = -np.ones(graph.n_neurons, np.int64)
    keys, labels = {}, {}
    for pop in graph.populations:
        if pop.is_source:
            continue
        if not pop.parameters:      # a bare graph (trace-driven use): no cells to compute
            key = None
        else:
            probe = ChipNeurons.__new__(ChipNeurons)
            probe.population, probe.size, probe.label = pop, int(pop.size), pop.label
            probe.chip = getattr(cls, "chip", "chip")
            key = key_of(pop, probe.uniform_parameter)
        gid = keys.setdefault(key, len(keys))
        labels.setdefault(gid, []).append(pop.label)
        ids[pop.first_index:pop.first_index + pop.size] = gid
    return ids, labels


def time_step_ms(spec, dt_ms):
    """HardwareModel.time_step_ms: the chip's step when its cells compute the run."""
    step = spec.get("chip_step_ms")
    return float(dt_ms) if step is None else float(step)


def runs_at_chip_step(spec):
    """Does the engine run at the chip's step (``chip_step_ms``) instead of the script's?
    When the chip computes the cells (``cells: chip``), or for the time base alone
    (``time_base: chip`` with software cells: how much of a difference the tick makes)."""
    return spec.get("cells") == "chip" or spec.get("time_base") == "chip"
