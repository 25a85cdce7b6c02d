"""Cells computed in a chip's own arithmetic (hardware_models/arithmetic.py).

At attach time (pycarl_backend/cosim.py) every population for which the chip
returns a ``ChipNeurons`` gets a ``ChipNeuronGroup`` in place of its PyNN
group: same spike record, same state records, a new input ring with the
chip's receptors, and the synapse blocks onto it rewritten in the chip's
units (weights, delays in chip steps, receptor per synapse). The engine's
step loop then steps it like any group. Imported only by co-simulated runs.
"""
import numpy as np

from hardware_models import HardwareConstraintError
from hardware_models.arithmetic import OFFSET_SUFFIX

from .backend import scatter_add
from .delays import InputRing
from .synapses import SynapseBlock


class ChipNeuronGroup:
    """An engine neuron group whose update is the chip's ``ChipNeurons.step``."""

    is_source = False

    def __init__(self, chip, replaced):
        self.chip = chip
        self.xp = replaced.xp
        self.dt = replaced.dt
        self.size = replaced.size
        self.label = replaced.label
        self.rng = replaced.rng
        self.population = replaced.population
        self.engine_index = replaced.engine_index
        self.replaced = replaced
        self.receptors = list(chip.receptors)
        if chip.arrival_offsets:
            self.receptors += [r + OFFSET_SUFFIX for r in chip.receptors]
        self.initial = {}
        self.params = {}
        #: time of each spike of the last step within it (fraction, (0, 1]), aligned with
        #: what update() returned; None: on the step grid
        self.spike_fraction = None

    def update(self, step, inputs, i_ext):
        fired = self.chip.step(dict(zip(self.receptors, inputs)), i_ext)
        if self.chip.spike_offsets:
            self.spike_fraction = self.chip.last_spike_fraction
        return fired

    def recordable_value(self, name):
        return self.chip.value(name)

    def reset(self):
        self.chip.reset()

    def get_parameter(self, name):
        return self.replaced.get_parameter(name)

    def set_parameter(self, name, index, values):
        raise HardwareConstraintError(
            f"population '{self.label}' is computed by the chip's arithmetic since the first "
            f"run(); set its parameters before the first run")

    def set_initial(self, name, index, values):
        raise HardwareConstraintError(
            f"population '{self.label}' is computed by the chip's arithmetic since the first "
            f"run(); set its initial values before the first run")


class OffsetDelivery:
    """propagate() of a block onto a chip group with ``arrival_offsets``.

    The arrival's offset from the on-grid arrival (steps) is the (fractional)
    extra delay plus, for a source group with sub-step spike times, the
    spike's time within its step minus one. Its whole part (at least 0) picks
    the arrival step, the rest (in (-1, 1)) goes into the receptor's offset
    channel as weight x offset (hardware_models/arithmetic.py)."""

    def __init__(self, block, offset_column):
        self.block = block
        self.offset_column = int(offset_column)

    def __call__(self, step, spikes, ring, extra_steps=None):
        b, xp = self.block, self.block.xp
        reached = b.reached_by(step, spikes)
        if reached is None:
            return
        idx, spike_of_syn, weights = reached
        post, delay = b.targets_and_delays(idx)
        offset = None
        if extra_steps is not None:
            offset = xp.asarray(extra_steps(idx, spike_of_syn, post), dtype=xp.float64)
        fraction = getattr(getattr(b, "pre_group", None), "spike_fraction", None)
        if fraction is not None:
            lead = fraction[spike_of_syn] - 1.0
            offset = lead if offset is None else offset + lead
        if offset is not None:
            whole = xp.floor(xp.maximum(offset, 0.0))
            offset = offset - whole
            delay = delay + whole.astype(xp.int64)
        slot = (step + delay) % ring.slots
        scatter_add(xp, ring.flat, slot * ring.width + (b.receptor_offset + post), weights)
        if offset is not None:
            scatter_add(xp, ring.flat, slot * ring.width + (self.offset_column + post),
                        weights * offset)


def _split_by_receptor(engine, block, receptors, ring, label):
    """One SynapseBlock per receptor index used (TrueNorth's axon types)."""
    pre, post, weight, delay = block.host_arrays()
    new = []
    for r in np.unique(receptors):
        sel = receptors == r
        b = SynapseBlock(engine.xp, block.n_pre, block.n_post,
                         ring.column_offset(ring.receptors[int(r)]), label=f"{label}:{r}")
        b.pre_group, b.post_group = block.pre_group, block.post_group
        b.weight_dtype = block.weight_dtype
        b.add(pre[sel], post[sel], weight[sel], delay[sel])
        b.finalize()
        new.append(b)
    return new


def install_chip_neurons(engine, model, graph, block_specs):
    """Swap in the chip's arithmetic where it has one.

    block_specs: [(SynapseBlock, ProjectionSpec)] of every block (cosim's graph).
    Returns {population label: ChipNeuronGroup}."""
    swapped = {}
    for spec in graph.populations:
        if spec.is_source:
            continue
        old = next(g for g in engine.groups
                   if not g.is_source and g.population.label == spec.label
                   and g.population.global_first_index == spec.first_index)
        chip = model.neuron_arithmetic(spec, engine.xp, old.rng)
        if chip is None:
            continue
        group = ChipNeuronGroup(chip, old)
        engine.groups[engine.groups.index(old)] = group
        engine.rings.pop(old)
        engine.rings[group] = InputRing(engine.xp, group.size, group.receptors)
        engine.injections[group] = engine.injections.pop(old)
        engine.spike_records[group] = engine.spike_records.pop(old)
        engine.state_records[group] = engine.state_records.pop(old)
        for variable in engine.state_records[group]:
            _check_recordable(chip, variable)
        old.population._group = group
        if chip.spike_offsets:      # spikes between step boundaries: keep their times
            engine.spike_records[group].keep_precise_times(engine.dt)
        swapped[old] = group
    if not swapped:
        return {}
    for block in engine.blocks:
        if block.pre_group in swapped:
            block.pre_group = swapped[block.pre_group]
    blocks = []
    for block, prj in block_specs:
        group = swapped.get(block.post_group)
        if group is None:
            continue
        if type(block) is not SynapseBlock:
            raise HardwareConstraintError(
                f"{model.name}: projection '{prj.label}' onto '{prj.post}' is plastic "
                f"({type(block).__name__}); the chip's arithmetic models static synapses only; "
                f"use hardware_options={{'cells': 'software'}}")
        syn = group.chip.synapses(prj)
        block.post_group = group
        ring = engine.rings[group]
        block.software_weight = block.weight_values().copy()
        block.set_weights(np.asarray(syn.weight, dtype=np.float64))
        block.set_delays(np.asarray(syn.delay_steps, dtype=np.int32))
        if isinstance(syn.receptor, str):
            block.receptor_offset = ring.column_offset(syn.receptor)
            parts = [block]
        else:
            parts = _split_by_receptor(engine, block, np.asarray(syn.receptor), ring, prj.label)
            engine.blocks[engine.blocks.index(block)] = parts[0]
            engine.blocks.extend(parts[1:])
        if group.chip.arrival_offsets:
            for b in parts:
                name = ring.receptors[b.receptor_offset // ring.n_cells]
                b.propagate = OffsetDelivery(b, ring.column_offset(name + OFFSET_SUFFIX))
        blocks.extend(parts)
    return {g.label: g for g in swapped.values()}


def _check_recordable(chip, variable):
    if variable not in chip.recordables and variable not in chip.state:
        raise HardwareConstraintError(
            f"{chip.chip}: population '{chip.label}' records '{variable}', which the chip's "
            f"arithmetic does not provide; it provides "
            f"{', '.join(list(chip.recordables) + list(chip.state))}")


def retime(engine, state, step_ms):
    """Run the whole engine at the chip's step (e.g. TrueNorth's 1 ms tick).

    Every group's dt and derived constants, and the delays of blocks onto
    software cells (rounded to the new step, at least 1), follow. Called before
    any step has run; chip groups' blocks carry chip-step delays already."""
    if engine.step_count:
        raise RuntimeError("the chip's time base is set at the first run(), before any step")
    old = engine.dt
    engine.dt = state.dt = float(step_ms)
    for group in engine.groups:
        group.dt = float(step_ms)
        if isinstance(group, ChipNeuronGroup):
            continue
        group.prepare()
        for block in engine.blocks:
            if block.post_group is group:
                d = block.delay_array().astype(np.float64) * old / step_ms
                block.set_delays(np.maximum(np.rint(d), 1).astype(np.int32))
    for record in engine.spike_records.values():
        if record.times is not None:
            record.dt = float(step_ms)
    for records in engine.state_records.values():
        for rec in records.values():
            rec.interval = max(int(round(rec.interval * old / step_ms)), 1)
    for recorder in getattr(state, "recorders", ()):
        recorder.sampling_interval = max(recorder.sampling_interval, float(step_ms))
