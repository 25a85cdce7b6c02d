"""Static synapses as CSR arrays by presynaptic cell, and spike propagation
into the delay ring buffer of the target population.

Storage per synapse: target cell uint16 (2 B) when the target population has
at most 65536 cells, else int32 (4 B); plus int32 row pointers (4 B per
source cell). Weights are float64 values, so that they read back exactly as
set, as in NEST (float32 weights moved v of tests/test_nest_numerics.py's
IF_curr_exp case by 1.4e-6 mV, over its 1e-6). A static block on the CPU
stores them in the smallest form that keeps every value bit for bit
(chosen by `narrow_weights` each time the block is stored or set):
  * one shared value (a read-only broadcast view) when all are equal: 0 B;
  * uint16 codes into a per-block float64 table of the distinct values
    (at most 65536 of them, and only while 2 B per synapse plus the table cost
    less than the float32 or float64 form below would);
  * float32 when every weight is exactly a float32 number: 4 B;
  * else float64: 8 B.
setup(weight_dtype="float32") (opt-in, lossy) rounds every static weight to
float32 when it is stored, and the same choice is made on the rounded values.
Delays in steps: one scalar while all are equal, else uint8 on the CPU while
all are below 256, else int16 (2 B).
Plastic and other subclassed blocks, and every block on the GPU, keep full
float64 weight and int16 delay arrays (their rules and kernels write and read
those in place).
Connections are first collected in chunks (one per connector call) and
compressed into CSR once, before the next run or query.
"""
import numpy as np

from .backend import scatter_add, to_numpy
from .csr import device_csr, expand_rows, host_csr, row_of_each_entry
from .weight_storage import narrow_delays, narrow_weights, rounded, weight_values


class SynapseBlock:
    """Synapses from one population (rows: its cell indices) to one receptor of
    another population (columns: its cell indices)."""

    #: setup(weight_dtype=...): "float32" rounds the weights of static blocks
    #: (this class, not subclasses) to float32 when they are stored
    weight_dtype = "float64"

    def __init__(self, xp, n_pre, n_post, receptor_offset, label=""):
        self.xp = xp
        self.n_pre = int(n_pre)
        self.n_post = int(n_post)
        self.receptor_offset = int(receptor_offset)
        self.label = label
        self._chunks = []
        self.indptr = xp.zeros(self.n_pre + 1, dtype=xp.int64)
        self.post = xp.zeros(0, dtype=xp.int32)
        self.weight = xp.zeros(0, dtype=xp.float64)
        #: None, or the float64 values that the uint16 codes in `weight` index
        self.weight_table = None
        self.delay = 1  # steps; scalar while uniform, else an int16 array
        self.max_delay_steps = 1

    # --- building ---------------------------------------------------------
    def add(self, pre, post, weight, delay, **synapse_parameters):
        """Queue synapses; `delay` in steps. Static synapses take no other parameter."""
        if synapse_parameters:
            raise ValueError(f"projection '{self.label}': static synapses have no "
                             f"parameter(s) {sorted(synapse_parameters)}")
        pre = np.asarray(pre, dtype=np.int64).ravel()
        n = pre.size
        post = np.broadcast_to(np.asarray(post, dtype=np.int32), (n,))
        weight = np.broadcast_to(np.asarray(weight, dtype=np.float64), (n,))
        delay = np.broadcast_to(np.asarray(delay, dtype=np.int32), (n,))
        self._chunks.append((pre, post.copy(), weight.copy(), delay.copy()))

    @property
    def pending(self):
        return bool(self._chunks)

    def finalize(self):
        """Merge the collected chunks (and existing synapses) into CSR."""
        if not self._chunks:
            return
        old = self.host_arrays() if self.size else None
        parts = ([old] if old is not None else []) + self._chunks
        pre = np.concatenate([p[0] for p in parts])
        post = np.concatenate([p[1] for p in parts])
        weight = np.concatenate([p[2] for p in parts])
        delay = np.concatenate([p[3] for p in parts])
        self._chunks = []
        if self.xp is not np and pre.size:  # sort on the GPU
            self._store(*device_csr(self.xp, self.n_pre, pre, post, weight, delay))
            return
        self._store(*host_csr(self.n_pre, pre, post, weight, delay))

    def _store(self, indptr, post, weight, delay):
        xp = self.xp
        # compact index types: 2-byte targets while the target population fits them
        self.indptr = xp.asarray(indptr.astype(np.int32 if post.size < 2**31 else np.int64))
        self.post = xp.asarray(post.astype(np.uint16 if self.n_post <= 2**16 else np.int32))
        self.set_weights(weight)
        self.set_delays(delay)

    @property
    def _compact(self):
        """True for a static CPU block, which stores its weights and delays in
        compact forms (plastic and other subclasses write their weights in place,
        and the GPU kernels read full float64 and int16 arrays)."""
        return type(self) is SynapseBlock and self.xp is np

    def set_weights(self, weight):
        """Store float64 `weight` (one per synapse, CSR order) in the block's form
        (a compact one where it is lossless)."""
        if type(self) is SynapseBlock:
            weight = rounded(weight, self.weight_dtype)
        if self._compact:
            self.weight, self.weight_table = narrow_weights(weight)
        else:
            self.weight, self.weight_table = self.xp.asarray(weight.astype(np.float64)), None

    def weight_values(self):
        """The float64 weights (an xp array; the stored one itself while it is float64)."""
        if self.weight_table is None and self.weight.dtype == np.float64:
            return self.weight
        return weight_values(self.weight, self.weight_table)

    def writable_weights(self):
        """The weight array, made a full (writable) float64 array first if it is
        stored in a compact form; it stays float64 until the block is stored again."""
        if self.weight_table is not None or self.weight.dtype != np.float64 or (
                self.xp is np and not self.weight.flags.writeable):
            self.weight = np.array(self.weight_values(), dtype=np.float64)
            self.weight_table = None
        return self.weight

    def set_delays(self, delay_steps):
        delay_steps = np.asarray(delay_steps)
        if delay_steps.size and np.all(delay_steps == delay_steps.flat[0]):
            self.delay = int(delay_steps.flat[0])
        elif delay_steps.size:
            if delay_steps.max() > np.iinfo(np.int16).max:
                raise ValueError(f"projection '{self.label}': delay of {delay_steps.max()} "
                                 f"steps exceeds the engine's limit of 32767 steps")
            self.delay = narrow_delays(delay_steps) if self._compact else \
                self.xp.asarray(delay_steps.astype(np.int16))
        self.max_delay_steps = int(delay_steps.max()) if delay_steps.size else 1

    # --- queries ----------------------------------------------------------
    @property
    def size(self):
        return int(self.post.size) + sum(c[0].size for c in self._chunks)

    def host_arrays(self):
        """(pre, post, weight, delay_steps) as host arrays, in CSR order."""
        pre = row_of_each_entry(to_numpy(self.indptr))
        delay = self.delay_array()
        return (pre, to_numpy(self.post).astype(np.int32),
                np.ascontiguousarray(to_numpy(self.weight_values())), delay)

    def delay_array(self):
        if isinstance(self.delay, int):
            return np.full(int(self.post.size), self.delay, dtype=np.int32)
        return to_numpy(self.delay).astype(np.int32)

    def set_values(self, name, index, values):
        """Set attribute `name` ('weight' or 'delay' in steps) of synapses `index`."""
        if name == "weight" and self._compact:
            # the new values may not fit the block's form (or fit a smaller one)
            weight = np.array(self.weight_values(), dtype=np.float64)
            weight[index] = np.asarray(values, dtype=np.float64)
            self.set_weights(weight)
        elif name == "weight":
            if type(self) is SynapseBlock:
                values = rounded(self.xp.asarray(values, dtype=self.xp.float64),
                                 self.weight_dtype)
            self.writable_weights()[self.xp.asarray(index)] = self.xp.asarray(
                values, dtype=self.xp.float64)
        elif name == "delay":
            delay = self.delay_array()
            delay[index] = values
            self.set_delays(delay)
        else:
            raise ValueError(f"projection '{self.label}': static synapses have no "
                             f"attribute '{name}'")

    def get_parameter(self, name):
        raise ValueError(f"projection '{self.label}': static synapses have no "
                         f"attribute '{name}'")

    def nbytes(self):
        arrays = [self.indptr, self.post]
        if not isinstance(self.delay, int):
            arrays.append(self.delay)
        if self.weight_table is not None:
            arrays.append(self.weight_table)
        shared = self.weight.size and self.weight.strides == (0,)
        weight_bytes = self.weight.itemsize if shared else int(self.weight.nbytes)
        return sum(int(a.nbytes) for a in arrays) + weight_bytes

    # --- per step ---------------------------------------------------------
    def synapses_of(self, spikes):
        """Synapse indices of the presynaptic cells `spikes`, and each one's spike position."""
        return expand_rows(self.xp, self.indptr, spikes)

    def delivered_weights(self, step, idx, spike_of_syn):
        """float64 weights that go out with this step's spikes (plastic blocks override)."""
        if self.weight_table is not None:
            return self.weight_table[self.weight[idx]]
        return self.weight[idx].astype(np.float64, copy=False)

    def reached_by(self, step, spikes):
        """(synapse indices, spike position of each, the weights they deliver) of the
        synapses that `spikes` (emitted in `step`) reach, or None when they reach none."""
        if spikes.size == 0 or self.post.size == 0:
            return None
        idx, spike_of_syn = self.synapses_of(spikes)
        if idx is None:
            return None
        return idx, spike_of_syn, self.delivered_weights(step, idx, spike_of_syn)

    def targets_and_delays(self, idx):
        """int64 target cells and delays in steps (an int while uniform) of synapses `idx`."""
        # int64 before any arithmetic: with int16 delays, NumPy keeps int16 for
        # `slot * ring.width`, which overflows once that passes 32767
        post = self.post[idx].astype(self.xp.int64)
        delay = self.delay if isinstance(self.delay, int) else self.delay[idx].astype(self.xp.int64)
        return post, delay

    def propagate(self, step, spikes, ring, extra_steps=None):
        """Write the input caused by `spikes` (emitted in `step`) into `ring`.

        `extra_steps`: optional per-synapse extra delay (hardware latency).
        """
        reached = self.reached_by(step, spikes)
        if reached is None:
            return
        idx, spike_of_syn, weights = reached
        if isinstance(self.delay, int) and extra_steps is None:
            # one arrival slot: accumulate into that row's columns of this receptor
            row = ring.buffer[(step + self.delay) % ring.slots]
            columns = row[self.receptor_offset:self.receptor_offset + self.n_post]
            scatter_add(self.xp, columns, self.post[idx], weights)
            return
        post, delay = self.targets_and_delays(idx)
        if extra_steps is not None:
            delay = delay + extra_steps(idx, spike_of_syn, post)
        slot = (step + delay) % ring.slots
        flat = slot * ring.width + (self.receptor_offset + post)
        scatter_add(self.xp, ring.flat, flat, weights)
