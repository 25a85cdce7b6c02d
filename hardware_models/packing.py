"""Compiled (numba) twin of mapping.pack_sequential_reference: the greedy packing
loop runs once per packing attempt (map_network's bisection may try a dozen), and
in Python it costs ~70 ms on a 4000-cell network. Same rules, same order, same
result (tests/test_hw_mapping.py compares the two on random networks)."""
import numba
import numpy as np

# reason codes of the compiled loop -> the limit names of the reference
REASONS = ("parameter_set_per_core", "neurons_per_core", "fan_in_axons_per_core",
           "synaptic_memory_bits_per_core")


@numba.njit(cache=True, nogil=True)
def pack_kernel(order, ptr, srcs, fan_in, n_neurons, npc, axl, has_axl, meml, has_meml,
                group, has_group):
    """core per neuron in `order` and the codes (index into REASONS) of the limits
    that closed each core; fan_in: float64 per neuron (synapses or bits)."""
    seen = np.zeros(n_neurons, np.bool_)
    stack = np.empty(n_neurons, np.int64)     # sources marked seen on the open core
    top = 0
    core_ids = np.empty(order.size, np.int32)
    reasons = np.empty(order.size, np.int8)
    n_reasons = 0
    core = 0
    cur_n = 0
    cur_ax = 0
    cur_syn = 0.0
    for j in range(order.size):
        n = order[j]
        a, b = ptr[n], ptr[n + 1]
        n_new = b - a
        if has_axl:
            n_new = 0
            for i in range(a, b):
                if not seen[srcs[i]]:
                    n_new += 1
        f = fan_in[n]
        reason = -1
        if has_group and j > 0 and group[j] != group[j - 1]:
            reason = 0
        elif cur_n + 1 > npc:
            reason = 1
        elif has_axl and cur_ax + n_new > axl:
            reason = 2
        elif has_meml and cur_syn + f > meml:
            reason = 3
        if reason >= 0 and cur_n > 0:
            reasons[n_reasons] = reason
            n_reasons += 1
            core += 1
            cur_n = 0
            cur_ax = 0
            cur_syn = 0.0
            for t in range(top):
                seen[stack[t]] = False
            top = 0
            n_new = b - a
        core_ids[j] = core
        cur_n += 1
        cur_syn += f
        if has_axl:
            for i in range(a, b):
                s = srcs[i]
                if not seen[s]:
                    seen[s] = True
                    stack[top] = s
                    top += 1
            cur_ax += n_new
    return core_ids, reasons[:n_reasons]


@numba.njit(cache=True, nogil=True)
def fan_out_pairs_kernel(src_ptr, src_tgt, core_of, n_cores):
    """Distinct (source neuron, destination core) pairs and the synapses of each, in
    ascending (source, core) order (= np.unique of source * n_cores + core with
    counts), from the synapses' targets grouped by source (src_ptr, src_tgt).
    ok is False when a target is off-chip (core -1): the caller then counts in NumPy."""
    S = src_tgt.size
    p_src = np.empty(S, np.int64)
    p_core = np.empty(S, np.int64)
    cnt = np.empty(S, np.int64)
    per_core = np.zeros(max(n_cores, 1), np.int64)
    touched = np.empty(max(n_cores, 1), np.int64)
    k = 0
    for n in range(src_ptr.size - 1):
        nt = 0
        for i in range(src_ptr[n], src_ptr[n + 1]):
            c = core_of[src_tgt[i]]
            if c < 0:
                return p_src[:0], p_core[:0], cnt[:0], False
            if per_core[c] == 0:
                touched[nt] = c
                nt += 1
            per_core[c] += 1
        if nt * nt <= n_cores:               # few cores touched: sort them in place
            for j in range(1, nt):
                c = touched[j]
                i = j - 1
                while i >= 0 and touched[i] > c:
                    touched[i + 1] = touched[i]
                    i -= 1
                touched[i + 1] = c
        else:                                # many: collect them in core order
            nt = 0
            for c in range(n_cores):
                if per_core[c] > 0:
                    touched[nt] = c
                    nt += 1
        for j in range(nt):
            c = touched[j]
            p_src[k] = n
            p_core[k] = c
            cnt[k] = per_core[c]
            per_core[c] = 0
            k += 1
    return p_src[:k], p_core[:k], cnt[:k], True
