"""What can arrive at a cell in a run, for kernels whose arithmetic is cheaper
where the sum of the inputs is bounded (LoihiSpec.bounded: the 24-bit wrap of
Loihi's currents).

A cell's input in a run comes from two places: what the ring holds at the
run's start (spikes from before it, on their way; `before`, the sum of its
slots' magnitudes per column), and the spikes of the run, each delivered once
per synapse after the synapse's delay. A presynaptic neuron's spikes in the run
are at least `spacing` steps apart (its spec's spike_spacing, else 1); a source
cell may send several spikes in one step (at most `most_spikes_per_step` of
this run's schedule) with spacing 1. So the arrivals of the run are summarised
per column as the sum of |w| (times a source's multiplicity) of its synapses,
grouped by the spacing of their presynaptic cells.
"""
import numpy as np

from . import loop


def most_spikes_per_step(cells, bounds, size):
    """The most spikes one cell of a source sends in one step of its window
    (`cells`: the window's spiking cells, step k's at bounds[k]:bounds[k + 1])."""
    cells = cells[bounds[0]:bounds[-1]]
    if cells.size == 0:
        return 0
    steps = np.repeat(np.arange(bounds.size - 1, dtype=np.int64), np.diff(bounds))
    _, counts = np.unique(steps * size + cells, return_counts=True)
    return int(counts.max())


class Arrivals:
    """before: (width,) sum of |ring| over the slots at the run's start;
    by_spacing: {spacing in steps: (width,) sum of |w| x multiplicity}."""

    def __init__(self, before):
        self.before = before
        self.by_spacing = {}

    def add(self, spacing, offset, per_cell):
        into = self.by_spacing.setdefault(spacing, np.zeros_like(self.before))
        into[offset:offset + per_cell.size] += per_cell


def arrivals(columns, pool, spacing, sources, src_cells, src_bounds, ring):
    """{group: Arrivals} for the groups of `columns` ({group: (its first ring column,
    its ring width)}).

    pool: the run's synapse_pool.SynapsePool; spacing: {neuron group: fewest steps between
    two spikes of one cell in this run} (1 where absent); sources, src_cells,
    src_bounds: the run's source schedule (stepper._source_schedule); ring: the
    (slots, width) ring at the run's start."""
    most = {g: most_spikes_per_step(src_cells, src_bounds[j], g.size)
            for j, g in enumerate(sources)}
    found = {g: Arrivals(np.abs(ring[:, col:col + width]).sum(axis=0))
             for g, (col, width) in columns.items()}
    for b, block in enumerate(pool.blocks):
        into = found.get(block.post_group)
        pre = block.pre_group
        spikes = most.get(pre, 1)
        if into is None or spikes == 0 or block.post.size == 0:
            continue
        if pool.table[b, loop.B_WEIGHT] < 0:        # one shared value
            per_cell = pool.in_degree(b) * abs(pool.uniform_weight[b])
        else:
            per_cell = np.bincount(np.asarray(block.post), weights=np.abs(block.weight_values()),
                                   minlength=block.post_group.size)
        into.add(1 if pre in most else spacing.get(pre, 1), block.receptor_offset,
                 spikes * per_cell)
    return found
