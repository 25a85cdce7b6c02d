"""Co-simulation: the seam between the backend and a hardware_models chip.

At the first run() the network is described as a hardware_models.NetworkGraph
(global neuron indices, CSR arrays flattened to synapse lists) and handed to
the chip model, which maps it onto cores (or raises HardwareConstraintError),
quantizes the weights, and reports the largest extra latency it can add.
Each step, the step's spikes go to the chip model; the extra latency it
returns per (spike, destination core) is added to each delivery's programmed
delay. A software-only run never imports this module.
"""
import time

import numpy as np

from .engine.backend import to_numpy


def build_graph(state, blocks=None):
    """The current network as a hardware_models.NetworkGraph; `blocks`, if given,
    receives (engine block, its ProjectionSpec) pairs."""
    from hardware_models import NetworkGraph, PopulationSpec, ProjectionSpec
    graph = NetworkGraph(dt_ms=state.dt)
    for pop in state.populations:
        group = pop.group
        cells = {} if group.is_source else {
            "parameters": {name: group.get_parameter(name) for name in group.params},
            "initial_values": {name: v.copy() for name, v in group.initial.items()}}
        graph.populations.append(PopulationSpec(
            label=pop.label, size=pop.size, celltype=type(pop.celltype).__name__,
            first_index=pop.global_first_index, is_source=group.is_source, **cells))
    for prj in state.projections:
        for key, block in prj._finalized_blocks():
            pre_pop, post_pop = block.pre_group.population, block.post_group.population
            pre, post, weight, delay = block.host_arrays()
            graph.projections.append(ProjectionSpec(
                label=block_label(prj, key), pre=pre_pop.label, post=post_pop.label,
                receptor=prj.receptor_type,
                source=pre + pre_pop.global_first_index,
                target=post + post_pop.global_first_index,
                weight=weight, delay_steps=delay))
            if blocks is not None:
                blocks.append((block, graph.projections[-1]))
    return graph


def block_label(projection, key):
    return projection.label if len(projection._blocks) == 1 else f"{projection.label}{list(key)}"


class CoSimulation:
    """Drives a HardwareModel from the engine's step loop."""

    def __init__(self, model, state):
        self.model = model
        self.state = state
        self.attached = False
        self.graph = None

    def attach(self):
        started, started_cpu = time.perf_counter(), time.process_time()
        state, engine = self.state, self.state.engine
        engine.compile()
        pairs = []
        self.graph = build_graph(state, pairs)
        self.model.attach(self.graph)
        self.n_projections = sum(len(p._blocks) for p in state.projections)
        self.chip_groups = {}
        from hardware_models.arithmetic import runs_at_chip_step
        if self.model.spec.get("cells") == "chip":  # the chip's own arithmetic
            from .engine.chip_neurons import install_chip_neurons
            self.chip_groups = install_chip_neurons(engine, self.model, self.graph, pairs)
        if runs_at_chip_step(self.model.spec):      # the chip's time base
            from .engine.chip_neurons import retime
            step_ms = self.model.time_step_ms(state.dt)
            if abs(step_ms - state.dt) > 1e-12 * state.dt:
                retime(engine, state, step_ms)
        on_chip = {g.population.label for g in self.chip_groups.values()}
        for prj in state.projections:
            for key, block in prj._finalized_blocks():
                if block.post_group.population.label in on_chip:
                    continue  # weights already in the chip's units
                quantized = self.model.quantized_weight(block_label(prj, key))
                if quantized is not None:
                    block.writable_weights()[...] = engine.xp.asarray(
                        np.asarray(quantized, dtype=float))
        engine.max_extra_delay_steps = int(self.model.max_extra_delay_steps)
        self.core_of_neuron = engine.xp.asarray(
            np.asarray(self.model.core_of_neuron, dtype=np.int64))
        self.attached = True
        #: wall-clock seconds of the mapping and set-up above (benchmarks/cosim_overhead.py)
        self.attach_seconds = time.perf_counter() - started
        self.attach_cpu_seconds = time.process_time() - started_cpu

    def check_unchanged(self):
        n = sum(len(p._blocks) for p in self.state.projections)
        if n != self.n_projections or any(b.pending for b in self.state.engine.blocks):
            raise RuntimeError(
                "the network changed after the chip model was attached; co-simulation "
                "maps the network once, at the first run(): build it completely first")

    def feedback_reason(self):
        """Why this chip must be stepped with the engine, step by step (its extra
        delays feed back into the run), or None: the engine may run many steps and
        hand their spikes over afterwards (steps_without_feedback)."""
        if self.model.feeds_back_delays:
            return (f"{self.model.name} co-simulation with per-step latency "
                    f"(time model '{self.model.time_model}')")
        return None

    def steps_without_feedback(self, first, n_steps, steps, ids):
        """The chip's part of steps first..first+n_steps-1 at once: `steps`, `ids`: every
        spike's step and global id, in the order extra_delay_function would hand them
        over. Only when feedback_reason() is None."""
        self.model.step_many(first, n_steps, steps, ids)

    def finish_run(self):
        """The end of a run(): the chip's routing of the run's handed-over batches
        done (a barrier clock may route them on a second thread), its errors raised."""
        self.model.finish_routing()

    def extra_delay_function(self, step, fired_by_group):
        """Run the chip for this step; return block -> per-synapse extra delay."""
        xp = self.state.engine.xp
        # each group's spikes are sorted and groups hold disjoint index ranges:
        # concatenating them in index order gives the sorted global ids
        parts = sorted(((g, f) for g, f in fired_by_group.items() if f.size),
                       key=lambda item: item[0].population.global_first_index)
        if parts:
            ids = xp.concatenate([g.population.global_first_index + f for g, f in parts])
        else:
            ids = xp.zeros(0, dtype=xp.int64)
        # spikes with sub-step times (chip cells with spike_offsets) enter the
        # interconnect at those times; the others at their step's end
        spike_ns = None
        if any(getattr(g, "spike_fraction", None) is not None for g, _ in parts):
            dt_ns = self.state.dt * 1e6
            spike_ns = np.concatenate([
                to_numpy(g.spike_fraction) * dt_ns if getattr(g, "spike_fraction", None)
                is not None else np.full(f.size, dt_ns) for g, f in parts])
        extra = self.model.step(step, to_numpy(ids), spike_ns=spike_ns)
        if not parts or self.model.max_extra_delay_steps == 0 or not np.any(extra):
            return None
        extra = xp.asarray(extra)
        # row of `extra` of each group's spikes: their place in `ids`; a source cell
        # that spiked k times this step has k rows (k packets routed)
        position, start = {}, 0
        for g, f in parts:
            position[g] = start + xp.arange(f.size)
            start += int(f.size)
        core = self.core_of_neuron

        def for_block(block):
            pos = position.get(block.pre_group)
            if pos is None:
                return None
            offset = block.post_group.population.global_first_index
            whole = (extra.dtype.kind == "f"
                     and not getattr(getattr(block.post_group, "chip", None),
                                     "arrival_offsets", False))

            def extra_steps(idx, spike_of_syn, post):
                e = extra[pos[spike_of_syn], core[offset + post]]
                # fractional latency onto cells without sub-step arrival: nearest step
                return xp.floor(e + 0.5).astype(xp.int64) if whole else e
            return extra_steps
        return for_block

    def summary(self):
        summary = self.model.summary()
        summary["cells"] = self.cells_summary()
        return summary

    def cells_summary(self):
        """Who computed the cells: the chip's arithmetic or PyNN's float models."""
        chip = sorted(self.chip_groups)
        software = sorted(p.label for p in self.state.populations
                          if not p.group.is_source and p.label not in self.chip_groups)
        name = self.model.name
        if chip and not software:
            statement = f"cells: chip ({name}'s own arithmetic computes every population)"
        elif chip:
            statement = (f"cells: mixed ({name}'s arithmetic: {', '.join(chip)}; "
                         f"floating-point PyNN cells: {', '.join(software)})")
        else:
            statement = (f"cells: software (floating-point PyNN cells on {name}'s network; "
                         f"the chip's own arithmetic is not used)")
        notes = sorted({n for g in self.chip_groups.values() for n in g.chip.notes})
        return {"mode": "chip" if chip and not software else "mixed" if chip else "software",
                "chip": chip, "software": software, "statement": statement, "notes": notes}
