"""The GPU fast path of the step loop: fused CUDA kernels, loaded with CuPy.

Used by Engine.run when xp is CuPy and the whole network is covered by a
kernel (see `fused_stepper`); otherwise the xp-generic loop runs, on CuPy
too. The NumPy path stays the reference; the kernels follow its update order.

Per step, whatever the network's size:
- one launch per neuron model (all groups of IF_curr_exp in one, all of
  IF_cond_exp in another): ring-buffer input, state update, refractoriness,
  threshold and reset, the spike appended to a device spike list and, for
  recorded cells, to the group's SpikeRecord arrays (atomic counters);
- one launch of `propagate_spikes` for every projection at once: the spike
  sources' spikes of the step (a slice of the window's schedule, on the device
  from the window's start) and the neurons' spikes (count read on the device)
  go into one ring buffer shared by all groups, with atomicAdd.
The host reads nothing back during the loop except, every `chunk` steps, the
recorded-spike counts (to size the record arrays for the next chunk).

Launch settings come from the engine's GpuOptions (``setup(gpu_options=...)``,
engine/gpu_options.py). With ``pipelined_step=True``, a network of one neuron model whose every
delay is 2 steps or more runs one launch per step instead (kernels/pipeline.cu:
the neurons of step t and the propagation of step t-1's spikes together).
"""
import copy
import pathlib
import re

import numpy as np

from .backend import to_numpy
from .neurons import IFCondExp, IFCurrExp
from .synapses import SynapseBlock

KERNEL_DIR = pathlib.Path(__file__).with_name("kernels")
# no FMA contraction: the kernels' arithmetic rounds as NumPy's does
COMPILE_OPTIONS = ("--std=c++17", "--fmad=false")
#: sources that kernel files include (spliced in by kernel_source)
INCLUDED_SOURCES = ("emit_spike.cu", "pipeline.cu")
THREADS = 256
#: recorded-spike room reserved per chunk: chunk * recorded cells <= this
RECORD_RESERVE = 1 << 24


class ModelKernel:
    """How one engine neuron class maps onto its kernel's parameter list:
    (n, step, slots, width, ring, col_exc, col_inh, *state, refr_left, *params,
    *derived, refr_steps, i_ext, [dt], gid_base, *spike output)."""

    def __init__(self, filename, function, state, params, derived, takes_dt):
        self.filename, self.function = filename, function
        self.state, self.params, self.derived = state, params, derived
        self.takes_dt = takes_dt


KERNEL_MODELS = {
    IFCurrExp: ModelKernel(
        "if_curr_exp.cu", "if_curr_exp_step", state=("v", "isyn_exc", "isyn_inh"),
        params=("v_rest", "i_offset", "v_reset", "v_thresh"),
        derived=("p_mem", "p_current", "p_exc_decay", "p_inh_decay", "p_exc_to_v",
                 "p_inh_to_v"),
        takes_dt=False),
    IFCondExp: ModelKernel(
        "if_cond_exp.cu", "if_cond_exp_step", state=("v", "gsyn_exc", "gsyn_inh"),
        params=("v_rest", "cm", "e_rev_E", "e_rev_I", "v_thresh", "v_reset", "i_offset"),
        derived=("p_exc_decay", "p_inh_decay", "exc_step_mean", "inh_step_mean", "g_leak"),
        takes_dt=True),
}
KERNEL_FILES = sorted({m.filename for m in KERNEL_MODELS.values()} | {"propagate.cu"})


_INCLUDE = re.compile(r'^#include "([\w.]+)"$', re.M)


def kernel_source(filename, _spliced=None):
    """Source of one kernel file with the files it includes spliced in, each
    once (NVRTC is given no include path)."""
    spliced = set() if _spliced is None else _spliced
    spliced.add(filename)

    def splice(match):
        name = match.group(1)
        return "" if name in spliced else kernel_source(name, spliced)
    return _INCLUDE.sub(splice, (KERNEL_DIR / filename).read_text())


_modules = {}


def load_kernel(cp, filename, function):
    module = _modules.get(filename)
    if module is None:
        module = _modules[filename] = cp.RawModule(code=kernel_source(filename),
                                                   options=COMPILE_OPTIONS)
    return module.get_function(function)


def _ptr(array):
    return np.uint64(array.data.ptr)


NULL = np.uint64(0)


def host_derived(group, names):
    """The group's derived constants (propagators), computed by its own
    prepare() on host copies of its parameters, so that they are NumPy's
    values bit for bit (CUDA's exp may differ from the host's by an ulp)."""
    proxy = copy.copy(group)
    proxy.xp = np
    proxy.params = {k: to_numpy(v) for k, v in group.params.items()}
    type(group).prepare(proxy)
    shape = (group.size,)
    values = {n: np.broadcast_to(np.asarray(getattr(proxy, n), dtype=np.float64), shape)
              for n in names}
    refr = np.broadcast_to(np.asarray(proxy.refractory_steps, dtype=np.int32), shape)
    return values, refr


def fusable(engine, hardware):
    """Why the fused path cannot run this network, or None when it can."""
    if engine.xp is np:
        return "NumPy engine"
    if not engine.gpu_options.fused_kernels:
        return "disabled by gpu_options fused_kernels=False"
    if hardware is not None or engine.step_hooks:
        return "hardware co-simulation or step hooks"
    for group in engine.groups:
        if group.is_source:
            continue
        if type(group) not in KERNEL_MODELS:
            return f"no kernel for {type(group).__name__}"
        if tuple(group.receptors) != ("excitatory", "inhibitory"):
            return f"receptors {group.receptors}"
    for block in engine.blocks:
        if type(block) is not SynapseBlock:
            return f"synapse block type {type(block).__name__}"
    return None


class SpikeOutputs:
    """Record tables of a model batch: where its groups' recorded spikes go."""

    def __init__(self, cp, engine, groups, sizes):
        self.cp = cp
        self.records = [engine.spike_records[g] for g in groups]
        self.group_of = cp.asarray(np.repeat(np.arange(len(groups), dtype=np.int32), sizes))
        self.group_start = cp.asarray(np.concatenate([[0], np.cumsum(sizes)[:-1]])
                                      .astype(np.int32))
        self.recorded = cp.concatenate([r.recorded for r in self.records]).astype(cp.uint8)
        self.n_recorded = [int(r.recorded.sum()) for r in self.records]
        self.count = cp.asarray(np.array([r.count for r in self.records], dtype=np.uint64))
        self.steps_ptr = cp.zeros(len(groups), dtype=cp.int64)
        self.cells_ptr = cp.zeros(len(groups), dtype=cp.int64)
        self.capacity = cp.zeros(len(groups), dtype=cp.int64)
        self._first = [r.count for r in self.records]

    def reserve(self, chunk):
        """Sync the counts and give every record room for `chunk` more steps."""
        counts = to_numpy(self.count)
        for rec, count, n_rec in zip(self.records, counts, self.n_recorded):
            if count > rec.steps.size:
                raise RuntimeError(f"GPU spike recording overflowed ({count} spikes, "
                                   f"room for {rec.steps.size})")
            rec.count = int(count)
            rec._grow(rec.count + chunk * n_rec)
        cp = self.cp
        self.steps_ptr[...] = cp.asarray([r.steps.data.ptr for r in self.records], cp.int64)
        self.cells_ptr[...] = cp.asarray([r.cells.data.ptr for r in self.records], cp.int64)
        self.capacity[...] = cp.asarray([r.steps.size for r in self.records], cp.int64)

    def finish(self, dt):
        self.reserve(0)
        for rec, first in zip(self.records, self._first):
            if getattr(rec, "times", None) is not None and rec.count > first:
                rec.times[first:rec.count] = (rec.steps[first:rec.count] + 1) * dt

    def args(self, spikes, spike_count):
        return [_ptr(spikes), _ptr(spike_count), _ptr(self.group_of), _ptr(self.group_start),
                _ptr(self.recorded), _ptr(self.steps_ptr), _ptr(self.cells_ptr),
                _ptr(self.count), _ptr(self.capacity)]


class ModelBatch:
    """All groups of one neuron model, concatenated for one kernel launch.

    The groups' state arrays become views into the batch's arrays, so the
    rest of the engine (state recording, get/set, reset) keeps working on them.
    """

    def __init__(self, cp, engine, spec, groups, gid_base, ring_columns, dt):
        self.cp, self.spec, self.groups = cp, spec, groups
        self.gid_base = gid_base
        sizes = [g.size for g in groups]
        self.n = int(sum(sizes))
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.state = {}
        for name in spec.state:
            big = cp.concatenate([cp.asarray(g.state[name], dtype=cp.float64) for g in groups])
            self.state[name] = big
            for g, a, b in self._spans():
                g.state[name] = big[a:b]
        self.refr_left = cp.concatenate([g.refractory_steps_left for g in groups]
                                        ).astype(cp.int32)
        for g, a, b in self._spans():
            g.refractory_steps_left = self.refr_left[a:b]
        self.params = [cp.asarray(np.concatenate([to_numpy(g.params[p]) for g in groups])
                                  .astype(np.float64)) for p in spec.params]
        derived = [host_derived(g, spec.derived) for g in groups]
        self.derived = [cp.asarray(np.concatenate([d[0][name] for d in derived]))
                        for name in spec.derived]
        self.refr_steps = cp.asarray(np.concatenate([d[1] for d in derived]))
        col_exc = np.concatenate([ring_columns[g] + np.arange(g.size) for g in groups])
        col_inh = np.concatenate([ring_columns[g] + g.size + np.arange(g.size) for g in groups])
        self.col_exc = cp.asarray(col_exc.astype(np.int32))
        self.col_inh = cp.asarray(col_inh.astype(np.int32))
        self.injected = [(g, a, b) for g, a, b in self._spans() if engine.injections[g].links]
        self.i_ext = cp.zeros(self.n, dtype=cp.float64) if self.injected else None
        self.outputs = SpikeOutputs(cp, engine, groups, sizes)
        self.kernel = load_kernel(cp, spec.filename, spec.function)
        self.dt = dt

    def _spans(self):
        return [(g, int(self.offsets[k]), int(self.offsets[k + 1]))
                for k, g in enumerate(self.groups)]

    def launch_args(self, clock, slots, width, ring, spikes, spike_count):
        args = [np.int32(self.n), _ptr(clock), np.int32(slots), np.int64(width), _ptr(ring),
                _ptr(self.col_exc), _ptr(self.col_inh)]
        args += [_ptr(self.state[name]) for name in self.spec.state]
        args += [_ptr(self.refr_left)] + [_ptr(a) for a in self.params]
        args += [_ptr(a) for a in self.derived]
        args += [_ptr(self.refr_steps), NULL if self.i_ext is None else _ptr(self.i_ext)]
        if self.spec.takes_dt:
            args.append(np.float64(self.dt))
        args.append(np.int32(self.gid_base))
        return args + self.outputs.args(spikes, spike_count)


class FusedStepper:
    """Runs Engine windows with the fused kernels (built per run: it reads the
    current synapse arrays, parameters and recording choices)."""

    def __init__(self, engine, blocks_by_pre):
        import cupy as cp
        self.cp, self.engine = cp, engine
        neuron_groups = [g for g in engine.groups if not g.is_source]
        # one shared ring: columns of each group's receptors side by side
        self.ring_columns, width = {}, 0
        for g in neuron_groups:
            self.ring_columns[g] = width
            width += engine.rings[g].width
        self.width = max(width, 1)
        self.slots = max([engine.rings[g].slots for g in neuron_groups] + [2])
        self.ring = cp.zeros((self.slots, self.width), dtype=cp.float64)
        # global spike ids: neuron groups by model batch, then sources with targets
        self.batches, gid = [], 0
        for cls, spec in KERNEL_MODELS.items():
            groups = [g for g in neuron_groups if type(g) is cls]
            if groups:
                batch = ModelBatch(cp, engine, spec, groups, gid, self.ring_columns, engine.dt)
                self.batches.append(batch)
                gid += batch.n
        self.n_neurons = gid
        self.sources = [g for g in engine.groups if g.is_source and g in blocks_by_pre]
        spiking = [g for b in self.batches for g in b.groups] + self.sources
        first_gid, gid = {}, 0
        for g in spiking:
            first_gid[g] = gid
            gid += g.size
        self.first_gid = first_gid
        self.gid_group = cp.asarray(np.repeat(np.arange(len(spiking), dtype=np.int32),
                                              [g.size for g in spiking]))
        self.group_first_gid = cp.asarray(np.array([first_gid[g] for g in spiking], np.int32))
        self._build_block_table(spiking, blocks_by_pre)
        self.pipelined = engine.gpu_options.pipelined_step and pipeline_blocker(
            self.batches, engine.blocks, self.slots) is None
        # spike lists: one, its count double-buffered by step parity; or, pipelined,
        # three lists and counts by step % 3 (kernels/pipeline.cu)
        self.spike_capacity = max(self.n_neurons, 1)
        buffers = 3 if self.pipelined else 1
        self.spikes = cp.zeros(buffers * self.spike_capacity, dtype=cp.int32)
        self.spike_count = cp.zeros(3 if self.pipelined else 2, dtype=cp.int32)
        # (step, first step of the window, blocks of propagate_spikes done this step)
        self.clock = cp.zeros(3, dtype=cp.int32)
        self.propagate = load_kernel(cp, "propagate.cu", "propagate_spikes")
        if self.pipelined:  # pipeline.cu is part of the model's module
            self.propagate_last = load_kernel(cp, self.batches[0].spec.filename,
                                              "propagate_last_spikes")
        sms = cp.cuda.Device().attributes["MultiProcessorCount"]
        # small networks: a smaller grid launches faster
        n_synapses = sum(b.size for b in engine.blocks)
        self.prop_blocks = (engine.gpu_options.prop_blocks
                            or (4 * sms if n_synapses > (1 << 24) else sms))

    def _build_block_table(self, spiking, blocks_by_pre):
        cp = self.cp
        starts, rows, self._keep = [0], [], []
        for g in spiking:
            for block in blocks_by_pre.get(g, []):
                weight = block.weight if block.weight.dtype == cp.float64 else \
                    block.weight.astype(cp.float64)
                if isinstance(block.delay, int):
                    delay_ptr, delay0 = 0, block.delay
                else:
                    delay = block.delay if block.delay.dtype == cp.int16 else \
                        block.delay.astype(cp.int16)
                    self._keep.append(delay)
                    delay_ptr, delay0 = delay.data.ptr, 0
                indptr, post = block.indptr, block.post
                if indptr.dtype not in (cp.int32, cp.int64):
                    indptr = indptr.astype(cp.int64)
                if post.dtype not in (cp.uint16, cp.int32):
                    post = post.astype(cp.int32)
                fmt = (1 if indptr.dtype == cp.int32 else 0) | (2 if post.dtype == cp.uint16 else 0)
                self._keep += [weight, indptr, post]
                rows.append((indptr.data.ptr, post.data.ptr, weight.data.ptr, delay_ptr, delay0,
                             self.ring_columns[block.post_group] + block.receptor_offset, fmt))
            starts.append(len(rows))
        table = np.array(rows, dtype=np.int64).reshape(-1, 7)
        self.group_block_start = cp.asarray(np.array(starts, dtype=np.int32))
        self.b_cols = [cp.asarray(np.ascontiguousarray(table[:, k])) for k in range(7)]
        for k in (4, 6):  # delay0 and format are int32 columns
            self.b_cols[k] = self.b_cols[k].astype(cp.int32)

    # --- ring transfer ------------------------------------------------------
    def _load_rings(self, first):
        for g, col in self.ring_columns.items():
            ring = self.engine.rings[g]
            ahead = first + np.arange(ring.slots)
            rows = self.cp.asarray(ahead % self.slots)
            self.ring[rows, col:col + ring.width] = ring.buffer[self.cp.asarray(ahead % ring.slots)]

    def _store_rings(self, next_step):
        for g, col in self.ring_columns.items():
            ring = self.engine.rings[g]
            ahead = next_step + np.arange(ring.slots)
            rows = self.cp.asarray(ahead % self.slots)
            ring.buffer[self.cp.asarray(ahead % ring.slots)] = self.ring[rows, col:col + ring.width]

    def _source_schedule(self, first, n_steps):
        steps, gids = [np.empty(0, np.int64)], [np.empty(0, np.int32)]
        for g in self.sources:
            _, _, g_steps, g_cells = g._window
            steps.append(np.asarray(g_steps, dtype=np.int64))
            gids.append((to_numpy(g_cells) + self.first_gid[g]).astype(np.int32))
        steps, gids = np.concatenate(steps), np.concatenate(gids)
        order = np.argsort(steps, kind="stable")
        bounds = np.searchsorted(steps[order], np.arange(first, first + n_steps + 1))
        return self.cp.asarray(gids[order]), bounds

    # --- the loop -----------------------------------------------------------
    def _table_args(self, src, src_bounds):
        """propagate's arguments after the spike lists (PROPAGATION_PARAMS)."""
        return [_ptr(src), _ptr(src_bounds), _ptr(self.gid_group), _ptr(self.group_first_gid),
                _ptr(self.group_block_start)] + [_ptr(c) for c in self.b_cols]

    def _launches(self, src, src_bounds):
        """The kernel launches of one step, as (kernel, grid, args): the same
        every step, since the kernels read the step from the device clock."""
        table = self._table_args(src, src_bounds)
        if self.pipelined:
            b = self.batches[0]
            args = b.launch_args(self.clock, self.slots, self.width, self.ring, self.spikes,
                                 self.spike_count)
            args += [np.int32(self.spike_capacity)] + table
            grid = max((b.n + THREADS - 1) // THREADS, self.prop_blocks)
            kernel = load_kernel(self.cp, b.spec.filename,
                                 b.spec.function.replace("_step", "_pipelined"))
            return [(kernel, grid, tuple(args))]
        launches = []
        for b in self.batches:
            if b.n:
                args = b.launch_args(self.clock, self.slots, self.width, self.ring,
                                     self.spikes, self.spike_count)
                launches.append((b.kernel, (b.n + THREADS - 1) // THREADS, tuple(args)))
        prop = [_ptr(self.clock), np.int32(self.slots), np.int64(self.width), _ptr(self.ring),
                *table[:2], _ptr(self.spikes), _ptr(self.spike_count), *table[2:]]
        launches.append((self.propagate, self.prop_blocks, tuple(prop)))
        return launches

    def _propagate_last_step(self, src, src_bounds):
        """Pipelined: send the window's last step's spikes (its launch did not)."""
        args = [_ptr(self.clock), np.int32(self.slots), np.int64(self.width), _ptr(self.ring),
                _ptr(self.spikes), _ptr(self.spike_count), np.int32(self.spike_capacity)]
        self.propagate_last((self.prop_blocks,), (THREADS,),
                            tuple(args + self._table_args(src, src_bounds)))

    def _capture(self, stream, launches, n):
        """A CUDA graph of `n` steps' launches, or None where capture fails."""
        try:
            stream.begin_capture()
            try:
                for _ in range(n):
                    for kernel, grid, args in launches:
                        kernel((grid,), (THREADS,), args)
            finally:
                graph = stream.end_capture()
            return graph
        except Exception:  # no graph support here: launch step by step
            return None

    def run(self, first, n_steps, steps):
        cp, engine = self.cp, self.engine
        src, bounds = self._source_schedule(first, n_steps)
        src_bounds = cp.asarray(bounds.astype(np.int32))
        self._load_rings(first)
        self.spike_count[...] = 0
        self.clock[...] = cp.asarray(np.array([first, first, 0], dtype=np.int32))
        recorded = sum(sum(b.outputs.n_recorded) for b in self.batches)
        chunk = int(np.clip(RECORD_RESERVE // max(recorded, 1), 16, 4096))
        launches = self._launches(src, src_bounds)
        injected = [b for b in self.batches if b.injected]
        sampled = [(g, recs) for b in self.batches for g in b.groups
                   if (recs := list(engine.state_records[g].values()))]
        # per-step host work (current injection, state sampling, a progress bar)
        # needs the loop on the host; otherwise steps are replayed from CUDA graphs
        per_step_host = bool(injected or sampled) or not isinstance(steps, range)
        graph_steps = engine.gpu_options.graph_steps
        graph_steps = 0 if per_step_host or graph_steps <= 0 else min(graph_steps, chunk)
        if graph_steps:
            chunk = max(graph_steps, chunk // graph_steps * graph_steps)
        cp.cuda.Device().synchronize()  # set-up work on the default stream is done
        stream = cp.cuda.Stream(non_blocking=True)
        try:
            with stream:
                graph = self._capture(stream, launches, graph_steps) if graph_steps and \
                    n_steps >= graph_steps else None
                engine.last_run_graphs = graph is not None
                engine.last_run_pipelined = self.pipelined
                k = 0
                for step in steps:
                    if step < first + k:
                        continue  # done by a graph
                    k = step - first
                    if k % chunk == 0:
                        for b in self.batches:
                            b.outputs.reserve(chunk)
                    if graph is not None and n_steps - k >= graph_steps:
                        graph.launch(stream)
                        k += graph_steps
                        continue
                    for b in injected:
                        for g, a, z in b.injected:
                            current = engine.injections[g].current(step)
                            if current is not None:
                                b.i_ext[a:z] = current
                    for kernel, grid, args in launches:
                        kernel((grid,), (THREADS,), args)
                    k += 1
                    for g, recs in sampled:
                        for rec in recs:
                            rec.maybe_sample(step + 1, g.recordable_value(rec.variable))
                if self.pipelined and n_steps:
                    self._propagate_last_step(src, src_bounds)
        finally:
            stream.synchronize()
            with stream:
                for b in self.batches:
                    b.outputs.finish(engine.dt)
                self._store_rings(first + n_steps)
            stream.synchronize()


def pipeline_blocker(batches, blocks, slots):
    """Why one launch per step cannot run this network, or None when it can:
    it needs one neuron model, and every delay of 2 steps or more so that step
    t's propagation never writes the ring slot the neurons read at step t."""
    if len(batches) != 1:
        return f"{len(batches)} neuron models"
    ranges = [(b.delay, b.delay) if isinstance(b.delay, int)
              else (int(b.delay.min()), int(b.delay.max())) for b in blocks if b.size]
    if ranges and min(lo for lo, _ in ranges) < 2:
        return f"a delay of {min(lo for lo, _ in ranges)} step"
    if ranges and max(hi for _, hi in ranges) >= slots:
        return "delays reach around the ring"
    return None


def fused_stepper(engine, hardware, blocks_by_pre):
    """A FusedStepper for this run, or None where the generic loop must run."""
    if fusable(engine, hardware) is not None:
        return None
    return FusedStepper(engine, blocks_by_pre)
