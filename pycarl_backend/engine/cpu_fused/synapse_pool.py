"""All static synapse blocks' CSR arrays in a few shared arrays (pools), for
the compiled loop, which takes a fixed number of arguments.

The blocks' own arrays become views into the pools, so the pools cost no
memory beyond the blocks' and stay valid while the blocks are unchanged
(set_values writes through the views); a block that is rebuilt (finalize,
set_delays) gets new arrays of its own and the pools are built again.
"""
import numpy as np

from . import loop


def _concat(arrays, dtype):
    return np.concatenate([np.asarray(a, dtype=dtype) for a in arrays]) if arrays \
        else np.zeros(0, dtype=dtype)


class SynapsePool:

    def __init__(self, blocks):
        self.blocks = list(blocks)
        indptr, post16, post32, weight, delay = [], [], [], [], []
        offsets = {"indptr": 0, "post16": 0, "post32": 0, "weight": 0, "delay": 0}
        self.table = np.zeros((len(self.blocks), loop.B_COLS), dtype=np.int64)
        spans = []
        for b, block in enumerate(self.blocks):
            row = self.table[b]
            row[loop.B_INDPTR] = offsets["indptr"]
            indptr.append(block.indptr)
            offsets["indptr"] += block.indptr.size
            n = int(block.post.size)
            narrow = block.post.dtype == np.uint16
            row[loop.B_POST16] = int(narrow)
            # B_SYN indexes weight; the targets pool of the block's width is indexed alike
            row[loop.B_SYN] = offsets["weight"]
            (post16 if narrow else post32).append((offsets["weight"], block.post))
            weight.append(block.weight)
            offsets["weight"] += n
            if isinstance(block.delay, int):
                row[loop.B_DELAY] = block.delay
            else:
                row[loop.B_DELAY] = -1
                row[loop.B_DELAY_OFF] = offsets["delay"]
                delay.append(block.delay)
                offsets["delay"] += n
            spans.append((row[loop.B_INDPTR], row[loop.B_SYN], row[loop.B_DELAY_OFF]))
        total = offsets["weight"]
        self.indptr = _concat(indptr, np.int32)
        self.weight = _concat(weight, self.weight_dtype(weight))
        # targets: one pool per index width, both indexed by the weight offset; a
        # width no block uses is an empty array
        self.post16 = self._targets(post16, np.uint16, total)
        self.post32 = self._targets(post32, np.int32, total)
        self.delay16 = _concat(delay, np.int16)
        for block, (ip, syn, doff) in zip(self.blocks, spans):
            n = int(block.post.size)
            block.indptr = self.indptr[ip:ip + block.indptr.size]
            block.weight = self.weight[syn:syn + n]
            pool = self.post16 if block.post.dtype == np.uint16 else self.post32
            block.post = pool[syn:syn + n]
            if not isinstance(block.delay, int):
                block.delay = self.delay16[doff:doff + n]
        self._views = [self._arrays(block) for block in self.blocks]

    @staticmethod
    def weight_dtype(weights):
        return np.result_type(*[w.dtype for w in weights]) if weights else np.float64

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
