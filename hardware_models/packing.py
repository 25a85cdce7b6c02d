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
