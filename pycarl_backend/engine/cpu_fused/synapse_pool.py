"""All static synapse blocks' CSR arrays in a few shared arrays (pools), for
the compiled loop, which takes a fixed number of arguments.

The blocks' own arrays become views into the pools, so the pools cost no
memory beyond the blocks' and stay valid while the blocks are unchanged
(set_values writes through the views); a block that is rebuilt (finalize,
set_delays, a shared weight made writable) gets new arrays of its own and
the pools are built again. A block whose weights are one shared value
adds nothing to the weight pools: the loop reads that value from
`uniform_weight`. The other compact forms (engine/weight_storage.py) have a
pool each: float64, float32 and uint16 codes (with their tables in one
float64 pool) for the weights, int16 and uint8 for the delays; the loop gets
them as the tuples `weights` and `delays`.
"""
import numpy as np

from . import loop


def _concat(arrays, dtype):
    return np.concatenate([np.asarray(a, dtype=dtype) for a in arrays]) if arrays \
        else np.zeros(0, dtype=dtype)


def _shared_weight(block):
    return block.weight.size > 0 and block.weight.strides == (0,)


def _weight_kind(block):
    if block.weight_table is not None:
        return loop.W_CODES16
    return loop.W_FLOAT32 if block.weight.dtype == np.float32 else loop.W_FLOAT64


_WEIGHT_DTYPES = {loop.W_FLOAT64: np.float64, loop.W_FLOAT32: np.float32,
                  loop.W_CODES16: np.uint16}


class SynapsePool:

    def __init__(self, blocks):
        self.blocks = list(blocks)
        self.table = np.zeros((len(self.blocks), loop.B_COLS), dtype=np.int64)
        self.uniform_weight = np.zeros(len(self.blocks), dtype=np.float64)
        indptr, targets = [], {np.uint16: [], np.int32: []}
        weight = {kind: [] for kind in _WEIGHT_DTYPES}
        delay, tables = {np.int16: [], np.uint8: []}, []
        at = {"indptr": 0, "syn": 0, "table": 0, np.int16: 0, np.uint8: 0,
              **{kind: 0 for kind in _WEIGHT_DTYPES}}
        for b, block in enumerate(self.blocks):
            row, n = self.table[b], int(block.post.size)
            row[loop.B_INDPTR], row[loop.B_SYN] = at["indptr"], at["syn"]
            indptr.append(block.indptr)
            at["indptr"] += block.indptr.size
            narrow = block.post.dtype == np.uint16
            row[loop.B_POST16] = int(narrow)
            targets[np.uint16 if narrow else np.int32].append((at["syn"], block.post))
            at["syn"] += n
            if _shared_weight(block):
                row[loop.B_WEIGHT] = -1
                self.uniform_weight[b] = float(block.weight[0])
            else:
                kind = row[loop.B_WKIND] = _weight_kind(block)
                row[loop.B_WEIGHT] = at[kind]
                weight[kind].append(block.weight)
                at[kind] += n
                if kind == loop.W_CODES16:
                    row[loop.B_WTABLE] = at["table"]
                    tables.append(block.weight_table)
                    at["table"] += block.weight_table.size
            if isinstance(block.delay, int):
                row[loop.B_DELAY] = block.delay
            else:
                width = np.uint8 if block.delay.dtype == np.uint8 else np.int16
                row[loop.B_DELAY], row[loop.B_DELAY_OFF] = -1, at[width]
                row[loop.B_DELAY8] = int(width is np.uint8)
                delay[width].append(block.delay)
                at[width] += n
        self.indptr = _concat(indptr, np.int32)
        self.weight = _concat(weight[loop.W_FLOAT64], np.float64)
        self.weight32 = _concat(weight[loop.W_FLOAT32], np.float32)
        self.codes16 = _concat(weight[loop.W_CODES16], np.uint16)
        self.weight_tables = _concat(tables, np.float64)
        # targets: one pool per index width, both indexed by the synapse offset (a
        # width no block uses is an empty array)
        self.post16 = self._targets(targets[np.uint16], np.uint16, at["syn"])
        self.post32 = self._targets(targets[np.int32], np.int32, at["syn"])
        self.delay16 = _concat(delay[np.int16], np.int16)
        self.delay8 = _concat(delay[np.uint8], np.uint8)
        #: the loop's `weights` and `delays` arguments (loop._propagate)
        self.weights = (self.weight, self.weight32, self.codes16, self.weight_tables)
        self.delays = (self.delay16, self.delay8)
        by_kind = {loop.W_FLOAT64: self.weight, loop.W_FLOAT32: self.weight32,
                   loop.W_CODES16: self.codes16}
        for block, row in zip(self.blocks, self.table):
            n = int(block.post.size)
            ip, syn = row[loop.B_INDPTR], row[loop.B_SYN]
            block.indptr = self.indptr[ip:ip + block.indptr.size]
            block.post = (self.post16 if row[loop.B_POST16] else self.post32)[syn:syn + n]
            if row[loop.B_WEIGHT] >= 0:
                w0 = row[loop.B_WEIGHT]
                block.weight = by_kind[row[loop.B_WKIND]][w0:w0 + n]
            if row[loop.B_WEIGHT] >= 0 and row[loop.B_WKIND] == loop.W_CODES16:
                t0 = row[loop.B_WTABLE]
                block.weight_table = self.weight_tables[t0:t0 + block.weight_table.size]
            if not isinstance(block.delay, int):
                d0 = row[loop.B_DELAY_OFF]
                block.delay = (self.delay8 if row[loop.B_DELAY8] else self.delay16)[d0:d0 + n]
        self._views = [self._arrays(block) for block in self.blocks]
        self._in_degree = {}

    @staticmethod
    def _targets(parts, dtype, total):
        if not parts:
            return np.zeros(0, dtype=dtype)
        pool = np.zeros(total, dtype=dtype)
        for offset, post in parts:
            pool[offset:offset + post.size] = post
        return pool

    @staticmethod
    def _arrays(block):
        return (block.indptr, block.post, block.weight, block.weight_table,
                None if isinstance(block.delay, int) else block.delay, block.delay)

    def in_degree(self, b):
        """The synapses of block b onto each of its post cells (kept: a pool's targets
        do not change while it serves its blocks)."""
        counts = self._in_degree.get(b)
        if counts is None:
            block = self.blocks[b]
            counts = self._in_degree[b] = np.bincount(np.asarray(block.post),
                                                      minlength=block.post_group.size)
        return counts

    def min_delay_steps(self):
        """The shortest synaptic delay (steps) of the pool's blocks; a large number
        for a pool without synapses."""
        uniform = self.table[:, loop.B_DELAY]
        shortest = [int(uniform[uniform >= 0].min())] if (uniform >= 0).any() else []
        shortest += [int(pool.min()) for pool in self.delays if pool.size]
        return min(shortest, default=1 << 30)

    def serves(self, blocks):
        """True while `blocks` are this pool's blocks with their arrays unchanged."""
        if list(blocks) != self.blocks:
            return False
        for block, views in zip(self.blocks, self._views):
            now = self._arrays(block)
            if any(a is not b for a, b in zip(now[:5], views[:5])) or \
                    (isinstance(now[5], int) and now[5] != views[5]):
                return False
        return True
