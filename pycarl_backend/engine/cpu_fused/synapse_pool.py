"""All static synapse blocks' CSR arrays in a few shared arrays (pools), for
the compiled loop, which takes a fixed number of arguments.

The blocks' own arrays become views into the pools, so the pools cost no
memory beyond the blocks' and stay valid while the blocks are unchanged
(set_values writes through the views); a block that is rebuilt (finalize,
set_delays, a shared weight made writable) gets new arrays of its own and
the pools are built again. A block whose weights are one shared value
(SynapseBlock._compact_weights) adds nothing to the weight pool: the loop
reads that value from `uniform_weight`.
"""
import numpy as np

from . import loop


def _concat(arrays, dtype):
    return np.concatenate([np.asarray(a, dtype=dtype) for a in arrays]) if arrays \
        else np.zeros(0, dtype=dtype)


def _shared_weight(block):
    return block.weight.size > 0 and block.weight.strides == (0,)


class SynapsePool:

    def __init__(self, blocks):
        self.blocks = list(blocks)
        self.table = np.zeros((len(self.blocks), loop.B_COLS), dtype=np.int64)
        self.uniform_weight = np.zeros(len(self.blocks), dtype=np.float64)
        indptr, targets, weight, delay = [], {np.uint16: [], np.int32: []}, [], []
        at = {"indptr": 0, "syn": 0, "weight": 0, "delay": 0}
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
                row[loop.B_WEIGHT] = at["weight"]
                weight.append(block.weight)
                at["weight"] += n
            if isinstance(block.delay, int):
                row[loop.B_DELAY] = block.delay
            else:
                row[loop.B_DELAY], row[loop.B_DELAY_OFF] = -1, at["delay"]
                delay.append(block.delay)
                at["delay"] += n
        self.indptr = _concat(indptr, np.int32)
        self.weight = _concat(weight, np.float64)
        # targets: one pool per index width, both indexed by the synapse offset (a
        # width no block uses is an empty array)
        self.post16 = self._targets(targets[np.uint16], np.uint16, at["syn"])
        self.post32 = self._targets(targets[np.int32], np.int32, at["syn"])
        self.delay16 = _concat(delay, np.int16)
        for block, row in zip(self.blocks, self.table):
            n = int(block.post.size)
            ip, syn = row[loop.B_INDPTR], row[loop.B_SYN]
            block.indptr = self.indptr[ip:ip + block.indptr.size]
            block.post = (self.post16 if row[loop.B_POST16] else self.post32)[syn:syn + n]
            if row[loop.B_WEIGHT] >= 0:
                block.weight = self.weight[row[loop.B_WEIGHT]:row[loop.B_WEIGHT] + n]
            if not isinstance(block.delay, int):
                block.delay = self.delay16[row[loop.B_DELAY_OFF]:row[loop.B_DELAY_OFF] + n]
        self._views = [self._arrays(block) for block in self.blocks]

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
        return (block.indptr, block.post, block.weight,
                None if isinstance(block.delay, int) else block.delay, block.delay)

    def min_delay_steps(self):
        """The shortest synaptic delay (steps) of the pool's blocks; a large number
        for a pool without synapses."""
        uniform = self.table[:, loop.B_DELAY]
        shortest = [int(uniform[uniform >= 0].min())] if (uniform >= 0).any() else []
        if self.delay16.size:
            shortest.append(int(self.delay16.min()))
        return min(shortest, default=1 << 30)

    def serves(self, blocks):
        """True while `blocks` are this pool's blocks with their arrays unchanged."""
        if list(blocks) != self.blocks:
            return False
        for block, views in zip(self.blocks, self._views):
            now = self._arrays(block)
            if any(a is not b for a, b in zip(now[:4], views[:4])) or \
                    (isinstance(now[4], int) and now[4] != views[4]):
                return False
        return True
