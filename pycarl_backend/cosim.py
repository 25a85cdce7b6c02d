"""Co-simulation: the seam between the backend and a hardware_models chip.

At the first run() the network is described as a hardware_models.NetworkGraph
(global neuron indices, CSR arrays flattened to synapse lists) and handed to
the chip model, which maps it onto cores (or raises HardwareConstraintError),
quantizes the weights, and reports the largest extra latency it can add.
Each step, the step's spikes go to the chip model; the extra latency it
returns per (spike, destination core) is added to each delivery's programmed
delay. A software-only run never imports this module.
"""
import numpy as np

from .engine.backend import to_numpy


def build_graph(state):
    """The current network as a hardware_models.NetworkGraph."""
    from hardware_models import NetworkGraph, PopulationSpec, ProjectionSpec
    graph = NetworkGraph(dt_ms=state.dt)
    for pop in state.populations:
        graph.populations.append(PopulationSpec(
            label=pop.label, size=pop.size, celltype=type(pop.celltype).__name__,
            first_index=pop.global_first_index, is_source=pop.group.is_source))
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
        state, engine = self.state, self.state.engine
        engine.compile()
        self.graph = build_graph(state)
        self.model.attach(self.graph)
        self.n_projections = sum(len(p._blocks) for p in state.projections)
        for prj in state.projections:
            for key, block in prj._finalized_blocks():
                quantized = self.model.quantized_weight(block_label(prj, key))
                if quantized is not None:
                    block.software_weight = block.weight.copy()
                    block.writable_weights()[...] = engine.xp.asarray(np.asarray(quantized, dtype=float))
        engine.max_extra_delay_steps = int(self.model.max_extra_delay_steps)
        self.core_of_neuron = engine.xp.asarray(
            np.asarray(self.model.core_of_neuron, dtype=np.int64))
        self.attached = True

    def check_unchanged(self):
        n = sum(len(p._blocks) for p in self.state.projections)
        if n != self.n_projections or any(b.pending for b in self.state.engine.blocks):
            raise RuntimeError(
                "the network changed after the chip model was attached; co-simulation "
                "maps the network once, at the first run(): build it completely first")

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
        extra = self.model.step(step, to_numpy(ids))
        if not parts or self.model.max_extra_delay_steps == 0 or not np.any(extra):
            return None
        extra = xp.asarray(extra)
        position = {}
        for g, f in parts:
            position[g] = xp.searchsorted(ids, g.population.global_first_index + f)
        core = self.core_of_neuron

        def for_block(block):
            pos = position.get(block.pre_group)
            if pos is None:
                return None
            offset = block.post_group.population.global_first_index

            def extra_steps(idx, spike_of_syn, post):
                return extra[pos[spike_of_syn], core[offset + post]]
            return extra_steps
        return for_block

    def summary(self):
        return self.model.summary()
