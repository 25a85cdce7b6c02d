"""The CPU fused stepper: Engine.run's window as one compiled loop (loop.py).

Built per run (it reads the current parameters, connectivity and recording
choices). The groups' state arrays and refractory counters become views into
the stepper's pools, so everything outside the loop (get/set, state
recording, reset) keeps working on them; the rings are copied into one shared
ring for the window and back after it.
"""
import numba
import numpy as np

from ..currents import CHUNK_STEPS
from . import loop
from .input_bounds import arrivals
from .models import spec_of
from .synapse_pool import SynapsePool
from .threads import plan, use_workqueue_layer

#: recorded spikes held in the loop's output buffer before it returns to Python
OUTPUT_CAPACITY = 1 << 20
#: steps per call of the loop while a progress bar is shown
PROGRESS_STEPS = 1000
#: steps per call of the loop with a chip: each call's spikes go to the chip, which may
#: route them on a second thread while the loop takes the next steps (VA CUBA 4000 on
#: Loihi, steps + routing, 11 runs each: 250 steps 0.068 s best / 0.078 median, 500
#: 0.067 / 0.079, 1000 0.067 / 0.072)
CHIP_STEPS = 1000
#: steps of a chip run's last call of the loop (_chunks)
CHIP_TAIL_STEPS = 100
#: models whose groups loop._steps can update two steps at a time (IF_cond_exp's
#: two-step kernel was measured slower: its update is bound by exp, not by the
#: state traffic and per-step work that pairing halves; COBA 4000 0.249 -> 0.281 s).
#: Loihi's compartments pair on VA CUBA 4000: loop 0.062 -> 0.054 s (best of 9,
#: benchmarks/cosim_overhead.py's network), although their two-step kernel alone is
#: slower than two one-step passes: the per-step work of the loop is halved
PAIRED_MODELS = (loop.IF_CURR_EXP, loop.LOIHI, loop.LOIHI_SPLIT)


def _pool_of_views(arrays, dtype):
    """One array holding `arrays` end to end, and views of it in their place."""
    pool = np.concatenate([np.asarray(a, dtype=dtype).ravel() for a in arrays]) if arrays \
        else np.zeros(0, dtype=dtype)
    views, at = [], 0
    for a in arrays:
        views.append(pool[at:at + a.size])
        at += a.size
    return pool, views


def _in_order(steps, rank):
    """Are (steps, rank) already in np.lexsort((rank, steps))'s order? (Then the stable
    sort leaves them as they are: the loop emits a window's spikes step by step.)"""
    if steps.size < 2:
        return True
    ds = np.diff(steps)
    return bool(ds.min() >= 0 and not np.any(np.diff(rank)[ds == 0] < 0))


class CPUFusedStepper:

    def __init__(self, engine, blocks_by_pre, hardware=None):
        self.engine = engine
        #: the co-simulation (cosim.CoSimulation) that gets every step's spikes, or None
        self.hardware = hardware
        self.groups = [g for g in engine.groups if not g.is_source]
        self.sources = [g for g in engine.groups if g.is_source and g in blocks_by_pre]
        self._build_groups()
        self._build_ring()
        self._build_synapses(blocks_by_pre)
        self.recorded = np.concatenate(
            [np.asarray(engine.spike_records[g].recorded, dtype=np.uint8) for g in self.groups]
            + [np.zeros(0, np.uint8)])
        # the loop's output holds every spike when the chip needs them, recorded or not
        self.emitted = np.ones_like(self.recorded) if hardware is not None else self.recorded
        self.max_new = int(self.emitted.sum())
        self.fired = np.zeros(max(self.n_neurons, 1), dtype=np.int32)
        # two rows of fired flags (loop._steps' steps taken in pairs), each a whole
        # number of 64-bit words
        self.flag_row = 8 * max((self.n_neurons + 7) // 8, 1)
        self.flag = np.zeros(2 * self.flag_row, dtype=np.uint8)
        self.fired_start = np.zeros(len(self.groups), dtype=np.int64)
        self.fired_end = np.zeros(len(self.groups), dtype=np.int64)
        self.iext = np.zeros(max(self.n_neurons, 1), dtype=np.float64)
        #: each group's first index in the loop, then n_neurons; and the offset from a
        #: group's loop index to its global id (then 0)
        self.group_starts = np.array([self.first[g] for g in self.groups] + [self.n_neurons])
        self.global_offset = np.array([g.population.global_first_index - self.first[g]
                                       for g in self.groups] + [0])
        #: the loop emits each step's spikes group by group, each group's ascending: in
        #: global id order when the groups are
        self.emits_in_global_order = bool(np.all(np.diff(self.group_starts[:-1]
                                                         + self.global_offset[:-1]) > 0))

    # --- set-up ---------------------------------------------------------------
    def _build_groups(self):
        table = np.full((len(self.groups), loop.G_COLS), -1, dtype=np.int64)
        states, params, lefts, rsteps = [], [], [], []
        first = state_at = par_at = 0
        self.first = {}
        for k, g in enumerate(self.groups):
            spec = spec_of(g)
            row = table[k]
            row[loop.G_MODEL] = spec.model_id
            row[loop.G_FIRST], row[loop.G_SIZE] = first, g.size
            self.first[g] = first
            row[loop.G_STATE] = state_at
            states.extend(np.asarray(a, dtype=np.float64) for a in spec.state_arrays(g))
            state_at += len(spec.state) * g.size
            constants = spec.constants(g)
            uniform = bool(np.all(constants == constants[:, :1])) if g.size else True
            if uniform:
                constants = constants[:, :1]
            row[loop.G_PAR] = par_at
            row[loop.G_UNIFORM] = int(uniform)
            params.append(constants.ravel())
            par_at += constants.size
            left, steps = spec.refractory(g)
            lefts.append(np.asarray(left, dtype=np.int32))
            rsteps.append(np.broadcast_to(np.asarray(steps, dtype=np.int32), (g.size,)))
            first += g.size
        self.n_neurons = first
        self.group_table = table
        self.state, state_views = _pool_of_views(states, np.float64)
        self.par = np.concatenate(params + [np.zeros(0)])
        self.left, left_views = _pool_of_views(lefts, np.int32)
        self.rsteps = np.concatenate(rsteps + [np.zeros(0, np.int32)]).astype(np.int32)
        views = iter(state_views)
        #: (group, spec, its state views, its refractory view)
        self.bound = []
        for k, g in enumerate(self.groups):
            spec = spec_of(g)
            state = [next(views) for _ in spec.state]
            spec.bind(g, state, left_views[k])
            self.bound.append((g, spec, state, left_views[k]))

    def _build_ring(self):
        engine = self.engine
        self.ring_column, width = {}, 0
        for k, g in enumerate(self.groups):
            self.ring_column[g] = width
            self.group_table[k, loop.G_RING] = width
            width += engine.rings[g].width
        self.width = max(width, 1)
        self.slots = max([engine.rings[g].slots for g in self.groups] + [2])
        self.ring = np.zeros(self.slots * self.width, dtype=np.float64)

    def _build_synapses(self, blocks_by_pre):
        engine = self.engine
        order = [b for g, blocks in blocks_by_pre.items() for b in blocks]
        pool = getattr(engine, "_cpu_synapse_pool", None)
        if pool is None or not pool.serves(order):
            pool = engine._cpu_synapse_pool = SynapsePool(order)
        self.pool = pool
        for b, block in enumerate(order):
            pool.table[b, loop.B_COLUMN] = self.ring_column[block.post_group] + \
                block.receptor_offset
        pre = np.zeros((len(blocks_by_pre), loop.P_COLS), dtype=np.int64)
        at = 0
        for q, (g, blocks) in enumerate(blocks_by_pre.items()):
            if g.is_source:
                pre[q, loop.P_KIND], pre[q, loop.P_INDEX] = 1, self.sources.index(g)
            else:
                pre[q, loop.P_KIND], pre[q, loop.P_INDEX] = 0, self.groups.index(g)
            pre[q, loop.P_BLOCK0], pre[q, loop.P_BLOCK1] = at, at + len(blocks)
            at += len(blocks)
        self.pre_table = pre

    def _source_schedule(self, n_steps):
        """Every source's cells of the window end to end, and (sources, n_steps+1)
        bounds of each step's slice into them."""
        cells, bounds, at = [np.zeros(0, np.int32)], [], 0
        for g in self.sources:
            _, g_bounds, _, g_cells = g._window
            cells.append(np.asarray(g_cells, dtype=np.int32))
            bounds.append(np.asarray(g_bounds, dtype=np.int64) + at)
            at += g_cells.size
        table = np.stack(bounds) if bounds else np.zeros((0, n_steps + 1), dtype=np.int64)
        return np.concatenate(cells), table

    def _state_records(self):
        """(table, cells pool, buffer pool, records) of the window's state records."""
        rows, cells, records, buf_at, cell_at = [], [], [], 0, 0
        for g in self.groups:
            names = spec_of(g).state
            for rec in self.engine.state_records[g].values():
                row = np.zeros(loop.R_COLS, dtype=np.int64)
                row[loop.R_STATE] = self.group_table[self.groups.index(g), loop.G_STATE] + \
                    names.index(rec.variable) * g.size
                row[loop.R_INTERVAL], row[loop.R_TAKEN] = rec.interval, rec.samples_taken
                row[loop.R_FILLED], row[loop.R_NCELLS] = rec._filled, rec.cells.size
                row[loop.R_BUF], row[loop.R_CELLS] = buf_at, cell_at
                buf_at += rec._buffer.size
                cell_at += rec.cells.size
                rows.append(row)
                cells.append(rec.cells)
                records.append(rec)
        table = np.stack(rows) if rows else np.zeros((0, loop.R_COLS), dtype=np.int64)
        buf = np.concatenate([r._buffer.ravel() for r in records] + [np.zeros(0)])
        return table, np.concatenate(cells + [np.zeros(0, np.int64)]).astype(np.int64), buf, \
            records

    def _injection_chunk(self, first, k0, n):
        """Amplitude tables of window steps k0..k0+n-1, set into the group table."""
        tables, cells, cols, at, link_at = [np.zeros(0)], [np.zeros(0, np.int64)], \
            [np.zeros(0, np.int64)], 0, 0
        for k, g in enumerate(self.groups):
            row = self.group_table[k]
            row[loop.G_INJ] = -1
            injection = self.engine.injections[g]
            table = None
            if injection.links:
                table, g_cells, g_cols = injection.amplitude_table(first + k0, n)
            if table is None:  # no current: G_INJ -1, the loop reads none
                continue
            row[loop.G_INJ], row[loop.G_INJ_NSCHED] = at, table.shape[1]
            row[loop.G_INJ_LINKS], row[loop.G_INJ_NLINKS] = link_at, g_cells.size
            tables.append(table.ravel())
            cells.append(g_cells)
            cols.append(g_cols)
            at += table.size
            link_at += g_cells.size
        return (np.concatenate(tables), np.concatenate(cells).astype(np.int64),
                np.concatenate(cols).astype(np.int64))

    # --- the window -------------------------------------------------------------
    def _pair_row(self, has_injection, rec_table, parallel):
        """The second flag row's offset where the window's steps can be taken two
        at a time (loop._steps), else 0: every synaptic delay at least two steps,
        every group a model with a two-step kernel, and nothing that needs the
        state between the two steps (injected current, state records, threaded
        groups). A chip does not: it gets the window's spikes after the loop
        returns, step by step (_to_chip)."""
        if has_injection or rec_table.shape[0] or parallel:
            return 0
        if not np.isin(self.group_table[:, loop.G_MODEL], PAIRED_MODELS).all():
            return 0
        return self.flag_row if self.pool.min_delay_steps() >= 2 else 0

    def _bound_inputs(self, src_cells, src_bounds):
        """G_BOUNDED of the groups whose kernels are cheaper where this run's inputs
        are bounded (spec.bounded: Loihi's currents that cannot wrap), from what can
        arrive at their cells (input_bounds.py); their labels in
        engine.last_run_cpu_bounded."""
        asking = {g for g, spec, _, _ in self.bound if hasattr(spec, "bounded")}
        self.group_table[:, loop.G_BOUNDED] = 0
        self.engine.last_run_cpu_bounded = []
        if not asking:
            return
        spacing = {g: spec.spike_spacing(g, state, left) for g, spec, state, left in self.bound
                   if hasattr(spec, "spike_spacing")}
        columns = {g: (self.ring_column[g], self.engine.rings[g].width) for g in asking}
        found = arrivals(columns, self.pool, spacing, self.sources, src_cells,
                         src_bounds, self.ring.reshape(self.slots, self.width))
        for k, (g, spec, state, _) in enumerate(self.bound):
            if g in asking and spec.bounded(g, state, found[g]):
                self.group_table[k, loop.G_BOUNDED] = 1
                self.engine.last_run_cpu_bounded.append(g.population.label)

    def _load_rings(self, first):
        ring = self.ring.reshape(self.slots, self.width)
        for g, col in self.ring_column.items():
            r = self.engine.rings[g]
            ahead = first + np.arange(r.slots)
            ring[ahead % self.slots, col:col + r.width] = r.buffer[ahead % r.slots]

    def _store_rings(self, next_step):
        ring = self.ring.reshape(self.slots, self.width)
        for g, col in self.ring_column.items():
            r = self.engine.rings[g]
            ahead = next_step + np.arange(r.slots)
            r.buffer[ahead % r.slots] = ring[ahead % self.slots, col:col + r.width]

    def run(self, first, n_steps, progress=None):
        """Steps first .. first+n_steps-1; `progress`: a tqdm bar to advance."""
        src_cells, src_bounds = self._source_schedule(n_steps)
        rec_table, rec_cells, rec_buf, records = self._state_records()
        # room for a pair of steps' spikes (loop._steps' check) after OUTPUT_CAPACITY
        out_steps = np.zeros(OUTPUT_CAPACITY + 2 * self.max_new, dtype=np.int32)
        out_gids = np.zeros_like(out_steps)
        self._load_rings(first)
        self._bound_inputs(src_cells, src_bounds)
        has_injection = any(self.engine.injections[g].links for g in self.groups)
        chunk = CHUNK_STEPS if has_injection else max(n_steps, 1)
        if progress is not None:
            chunk = min(chunk, PROGRESS_STEPS)
        if self.hardware is not None:
            chunk = min(chunk, CHIP_STEPS)
        pool = self.pool
        threads, parallel_min = plan(self.engine.cpu_threads)
        parallel = any(g.size >= parallel_min for g in self.groups)
        # the threaded loop is compiled (or loaded) only when a run has a group for it
        steps = loop.run_steps_parallel if parallel else loop.run_steps
        self.engine.last_run_cpu_parallel = parallel
        pair_row = self._pair_row(has_injection, rec_table, parallel)
        self.engine.last_run_cpu_paired = pair_row > 0
        # numba starts its thread pool at the first get/set_num_threads: only for threaded runs
        if parallel:
            use_workqueue_layer()
        saved_threads = numba.get_num_threads() if parallel else None
        if parallel:
            numba.set_num_threads(threads)
        # spikes in the output buffer, stored when it is full and when the run ends (or
        # fails: then the steps up to the last one handed over are the run's, as in the
        # NumPy loop, whose step_count counts the steps done)
        n_out = k_done = 0
        try:
            for k_chunk, k_end in self._chunks(n_steps, chunk):
                inj = self._injection_chunk(first, k_chunk, k_end - k_chunk)
                k = k_chunk
                while k < k_end:
                    k_from = k
                    k, n_new = steps(
                        first, k, k_end, self.group_table, parallel_min, self.state, self.par,
                        self.left, self.rsteps, self.emitted, self.ring, self.slots, self.width,
                        self.iext, k_chunk, *inj, self.pre_table, pool.table,
                        pool.uniform_weight, pool.indptr, pool.post16, pool.post32, pool.weights,
                        pool.delays, src_cells, src_bounds, self.flag, self.fired,
                        self.fired_start, self.fired_end,
                        out_steps, out_gids, n_out, self.max_new, rec_table, rec_cells, rec_buf,
                        pair_row)
                    if self.hardware is not None:
                        self._to_chip(first, k_from, k, out_steps[n_out:n_new],
                                      out_gids[n_out:n_new], src_cells, src_bounds)
                    n_out, k_done = n_new, k
                    if k < k_end:              # the loop stopped early: the buffer is full
                        self._store_spikes(out_steps[:n_out], out_gids[:n_out])
                        n_out = 0
                if progress is not None:
                    progress.update(k_end - k_chunk)
        finally:
            self._store_spikes(out_steps[:n_out], out_gids[:n_out])
            self.engine.step_count = first + k_done
            for g, spec, state, left in self.bound:
                spec.write_back(g, state, left)
            if parallel:
                numba.set_num_threads(saved_threads)
            self._store_rings(first + n_steps)
            self._store_samples(rec_table, rec_buf, records)
            if progress is not None:
                progress.close()

    def _chunks(self, n_steps, chunk):
        """(first, end) window steps of each call of the loop. With a chip the last
        CHIP_TAIL_STEPS are a call of their own: the chip's routing thread then finishes
        the batches handed over before them while the loop takes them, and the run's
        end rarely waits for a batch."""
        if n_steps <= 0:
            return []
        ends = list(range(chunk, n_steps, chunk)) + [n_steps]
        if self.hardware is not None and n_steps - (ends[-2] if len(ends) > 1 else 0) > \
                2 * CHIP_TAIL_STEPS:
            ends.insert(len(ends) - 1, n_steps - CHIP_TAIL_STEPS)
        return list(zip([0] + ends[:-1], ends))

    def _to_chip(self, first, k0, k1, steps, gids, src_cells, src_bounds):
        """Hand the chip the spikes of window steps k0..k1-1 as Engine._step does per
        step (cosim.CoSimulation.extra_delay_function): each step's spikes of the
        active groups, group by group in global index order, each group's in its
        own order (neuron groups ascending, sources as scheduled)."""
        parts_steps, parts_ids, parts_rank = [], [], []
        starts, offset = self.group_starts, self.global_offset
        if gids.size:
            which = np.searchsorted(starts, gids, side="right") - 1
            parts_steps.append(steps.astype(np.int64))
            parts_ids.append(gids.astype(np.int64) + offset[which])
            parts_rank.append(parts_ids[-1])
        for j, g in enumerate(self.sources):
            a, b = src_bounds[j, k0], src_bounds[j, k1]
            if b <= a:
                continue
            counts = np.diff(src_bounds[j, k0:k1 + 1])
            parts_steps.append(first + np.repeat(np.arange(k0, k1), counts))
            parts_ids.append(g.population.global_first_index + src_cells[a:b].astype(np.int64))
            parts_rank.append(np.full(b - a, g.population.global_first_index, np.int64))
        if parts_ids:
            s, ids, rank = (np.concatenate(p) for p in (parts_steps, parts_ids, parts_rank))
            if (len(parts_ids) > 1 or not self.emits_in_global_order) and \
                    not _in_order(s, rank):
                order = np.lexsort((rank, s))   # stable: each group's order is kept
                s, ids = s[order], ids[order]
        else:
            s = ids = np.zeros(0, np.int64)
        self.hardware.steps_without_feedback(first + k0, k1 - k0, s, ids)

    def _store_spikes(self, steps, gids):
        if self.emitted is not self.recorded and gids.size:
            keep = self.recorded[gids].astype(bool)
            steps, gids = steps[keep], gids[keep]
        if gids.size == 0:
            return
        starts = self.group_starts
        which = np.searchsorted(starts, gids, side="right") - 1
        order = np.argsort(which, kind="stable")
        steps, gids, which = steps[order], gids[order], which[order]
        bounds = np.searchsorted(which, np.arange(len(self.groups) + 1))
        for k, g in enumerate(self.groups):
            a, b = bounds[k], bounds[k + 1]
            if b > a:
                self.engine.spike_records[g].append_many(steps[a:b], gids[a:b] - starts[k])

    @staticmethod
    def _store_samples(rec_table, rec_buf, records):
        for row, rec in zip(rec_table, records):
            n = rec._buffer.size
            at = row[loop.R_BUF]
            rec._buffer.ravel()[:] = rec_buf[at:at + n]
            rec._filled, rec.samples_taken = int(row[loop.R_FILLED]), int(row[loop.R_TAKEN])


def load_compiled_loop():
    """Call loop.run_steps for zero steps with arguments of the types a run
    passes, so that numba loads it from its cache (or compiles it) now."""
    i64, f64 = np.zeros(0, np.int64), np.zeros(1, np.float64)
    groups = np.zeros((0, loop.G_COLS), np.int64)
    blocks = np.zeros((0, loop.B_COLS), np.int64)
    loop.run_steps(0, 0, 0, groups, 0, f64, f64, np.zeros(1, np.int32), np.zeros(1, np.int32),
                   np.zeros(1, np.uint8), f64, 2, 1, f64, 0, f64, i64, i64,
                   np.zeros((0, loop.P_COLS), np.int64), blocks, f64, np.zeros(1, np.int32),
                   np.zeros(1, np.uint16), np.zeros(1, np.int32),
                   (f64, np.zeros(1, np.float32), np.zeros(1, np.uint16), f64),
                   (np.zeros(1, np.int16), np.zeros(1, np.uint8)),
                   np.zeros(1, np.int32), np.zeros((0, 1), np.int64), np.zeros(1, np.uint8),
                   np.zeros(1, np.int32), i64, i64, np.zeros(1, np.int32),
                   np.zeros(1, np.int32), 0, 0, np.zeros((0, loop.R_COLS), np.int64), i64, f64,
                   0)
