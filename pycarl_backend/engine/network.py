"""The engine: neuron groups, synapse blocks, ring buffers and the step loop.

Per step: ring-buffer input -> neuron update -> threshold (inside update) ->
spike recording -> propagation into the ring buffers (and plasticity).
Spike sources generate each run window in one go before the loop.
"""
import numpy as np

from .backend import select_xp
from .cpu_fused import cpu_fused_stepper
from .cpu_fused import warm_up as cpu_fused_warm_up
from .cpu_fused.threads import check_cpu_threads
from .currents import GroupInjection
from .delays import InputRing
from .gpu_options import GpuOptions
from .recording import SpikeRecord, StateRecord
from .synapses import SynapseBlock
from .weight_storage import check_weight_dtype


class Engine:

    def __init__(self, dt, device="cpu", seed=None, precise_spike_times=False,
                 gpu_options=None, cpu_fused=True, cpu_threads=None, weight_dtype="float64"):
        self.xp, self.device = select_xp(device)
        #: "float64" (weights exactly as set) or "float32" (static weights rounded
        #: to float32 when stored: less memory); engine/weight_storage.py
        self.weight_dtype = check_weight_dtype(weight_dtype)
        self.gpu_options = GpuOptions.from_value(gpu_options)
        #: use the compiled CPU loop (engine/cpu_fused) where it covers the network
        self.cpu_fused = cpu_fused
        #: threads of the compiled CPU loop (engine/cpu_fused/threads.py)
        self.cpu_threads = check_cpu_threads(cpu_threads)
        if cpu_fused and self.xp is np:
            cpu_fused_warm_up()  # numba's import and cache load belong to set-up, not run()
        self.precise_spike_times = precise_spike_times
        self.dt = float(dt)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        # each group draws from its own stream, so that the order in which
        # groups generate (and how runs are split) does not change any spike
        self._seed_sequence = np.random.SeedSequence(seed)
        self.groups = []
        self.rings = {}
        self.injections = {}
        self.spike_records = {}
        self.state_records = {}
        self.blocks = []
        self.step_count = 0
        self.step_hooks = []  # callables(step, spikes_by_group), e.g. plasticity
        self.max_extra_delay_steps = 0

    # --- construction -----------------------------------------------------
    def add_group(self, group_class, size, parameters, label=""):
        stream = np.random.SeedSequence(self._seed_sequence.entropy,
                                        spawn_key=(len(self.groups),))
        group = group_class(self.xp, self.dt, size, parameters, label=label,
                            rng=np.random.default_rng(stream))
        group.engine_index = len(self.groups)
        self.groups.append(group)
        if not group.is_source:
            self.rings[group] = InputRing(self.xp, size, group.receptors)
            self.injections[group] = GroupInjection(self.xp, size)
        self.spike_records[group] = SpikeRecord(self.xp, size)
        if self.precise_spike_times:
            self.spike_records[group].keep_precise_times(self.dt)
        self.state_records[group] = {}
        return group

    def add_block(self, pre_group, post_group, receptor, label="", block_class=SynapseBlock,
                  **kwargs):
        ring = self.rings[post_group]
        if receptor not in ring.receptors:
            raise ValueError(f"{post_group.label}: no receptor {receptor!r}; "
                             f"has {ring.receptors}")
        block = block_class(self.xp, pre_group.size, post_group.size,
                            ring.column_offset(receptor), label=label, **kwargs)
        block.weight_dtype = self.weight_dtype
        block.pre_group, block.post_group = pre_group, post_group
        self.blocks.append(block)
        return block

    def record_spikes(self, group, cells):
        self.spike_records[group].add_cells(cells)

    def record_state(self, group, variable, cells, interval_steps):
        records = self.state_records[group]
        if variable in records:
            rec = records[variable]
            rec.set_cells(np.union1d(rec.cells, cells))
        else:
            records[variable] = StateRecord(self.xp, variable, np.sort(cells), interval_steps)
        return records[variable]

    # --- running ----------------------------------------------------------
    def compile(self):
        """Finalize connectivity and size the ring buffers for the longest delay."""
        for block in self.blocks:
            block.finalize()
        longest = {g: 1 for g in self.rings}
        for block in self.blocks:
            longest[block.post_group] = max(longest[block.post_group], block.max_delay_steps)
        for group, ring in self.rings.items():
            ring.ensure_slots(longest[group] + self.max_extra_delay_steps + 1, self.step_count)

    def run(self, n_steps, hardware=None, progress=False):
        self.compile()
        first = self.step_count
        blocks_by_pre = {}
        for block in self.blocks:
            blocks_by_pre.setdefault(block.pre_group, []).append(block)
        for group in self.groups:
            if group.is_source:
                steps, cells, times = group.begin_window(first, n_steps)
                self.spike_records[group].append_many(steps, cells, times)
            else:
                self.injections[group].begin_window(first, n_steps, self.dt)
            for rec in self.state_records[group].values():
                rec.begin_window(first, n_steps)
                if first == 0:
                    rec.maybe_sample(0, group.recordable_value(rec.variable))
        # groups whose spikes matter in the loop: non-sources, or any group with targets
        active = [g for g in self.groups if not g.is_source or g in blocks_by_pre]
        steps = range(first, first + n_steps)
        if progress:
            from tqdm import tqdm
            steps = tqdm(steps, desc="pycarl", unit="step", mininterval=0.5)
        stepper = cpu_stepper = None
        if self.xp is not np:  # fused CUDA kernels where they cover the network
            from .gpu import fused_stepper
            stepper = fused_stepper(self, hardware, blocks_by_pre)
        else:  # the compiled CPU loop, where it covers the network
            cpu_stepper = cpu_fused_stepper(self, hardware, blocks_by_pre)
        self.last_run_fused = stepper is not None
        self.last_run_cpu_fused = cpu_stepper is not None
        try:
            if stepper is not None:
                stepper.run(first, n_steps, steps)
            elif cpu_stepper is not None:
                cpu_stepper.run(first, n_steps, progress=steps if progress else None)
            else:
                for step in steps:
                    self._step(step, active, blocks_by_pre, hardware)
        finally:
            for group in self.groups:
                for rec in self.state_records[group].values():
                    rec.end_window()
        self.step_count = first + n_steps

    def _step(self, step, active, blocks_by_pre, hardware):
        fired_by_group = {}
        for group in active:
            if group.is_source:
                fired = group.update(step, None, None)
            else:
                ring = self.rings[group]
                fired = group.update(step, ring.arriving(step),
                                     self.injections[group].current(step))
                ring.consume(step)
                self.spike_records[group].append(step, fired,
                                                 getattr(group, "spike_fraction", None))
                for rec in self.state_records[group].values():
                    rec.maybe_sample(step + 1, group.recordable_value(rec.variable))
            fired_by_group[group] = fired
        self.step_count = step + 1
        extra = hardware.extra_delay_function(step, fired_by_group) if hardware else None
        for group, blocks in blocks_by_pre.items():
            fired = fired_by_group.get(group)
            if fired is None or fired.size == 0:
                continue
            for block in blocks:
                block.propagate(step, fired, self.rings[block.post_group],
                                extra(block) if extra else None)
        for hook in self.step_hooks:
            hook(step, fired_by_group)

    def reset(self):
        self.step_count = 0
        for group in self.groups:
            group.reset()
            self.spike_records[group].clear()
            for rec in self.state_records[group].values():
                rec.clear()
        for ring in self.rings.values():
            ring.clear()
        for injection in self.injections.values():
            injection.reset()
        for block in self.blocks:
            if hasattr(block, "reset"):
                block.reset()

    # --- memory report ------------------------------------------------------
    def synapse_bytes(self):
        return sum(b.nbytes() for b in self.blocks), sum(b.size for b in self.blocks)

    def neuron_bytes(self):
        """(bytes, count) of the neurons (not spike sources): each group's parameter,
        state and derived arrays plus its input ring buffer; recording excluded."""
        total, count = 0, 0
        for group in self.groups:
            if group.is_source:
                continue
            arrays = {}
            for value in vars(group).values():
                for item in (value.values() if isinstance(value, dict) else [value]):
                    if hasattr(item, "nbytes") and hasattr(item, "dtype"):
                        arrays[id(item)] = int(item.nbytes)
            total += sum(arrays.values()) + int(self.rings[group].buffer.nbytes)
            count += group.size
        return total, count
