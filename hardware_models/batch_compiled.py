"""Compiled (numba) twin of the NumPy passes of HardwareModel._process for a batch of
many steps (a barrier clock's deferred batch, replay()): the spikes' pipeline times,
the packets in injection order, their paths, and the statistics that _account
gathers from them; the compiled schedulers (fcfs_schedule.py) and drain bound
(backpressure_compiled.py) are called on what these kernels return.

The NumPy passes in model.py stay the reference; model.py takes these kernels for
batches sorted by step, without splitter legs, `out` or sub-step spike times, and
tests/test_hw_batch_compiled.py checks that both give the same summary, bit for bit.
Bit-identical because every floating-point value is computed by the same operations
in the same order as the NumPy form (the per-step sums and the message counts only
add integers, exact in float64), and the sorts are stable sorts by the same keys.
error_model="numpy": x / 0 gives inf or nan as in NumPy."""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _before(t0c, src, dst, i, j):
    """Does packet i come before packet j in injection order (within a group)?"""
    if t0c[i] != t0c[j]:
        return t0c[i] < t0c[j]
    if src[i] != src[j]:
        return src[i] < src[j]
    return dst[i] < dst[j]


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _stable_sort(order, tmp, a, b, before, data):
    """Sort order[a:b] stably by before(data, x, y) (x strictly first): insertion
    sort for short runs, else bottom-up merge sort (tmp: scratch of order's size)."""
    n = b - a
    if n <= 32:
        for i in range(a + 1, b):
            x = order[i]
            j = i - 1
            while j >= a and before(data, x, order[j]):
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = x
        return
    width = 1
    while width < n:
        lo = a
        while lo < b:
            mid = min(lo + width, b)
            hi = min(lo + 2 * width, b)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if before(data, order[j], order[i]):
                    tmp[k] = order[j]
                    j += 1
                else:
                    tmp[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                tmp[k] = order[i]
                i += 1
                k += 1
            while j < hi:
                tmp[k] = order[j]
                j += 1
                k += 1
            lo = hi
        for k in range(a, b):
            order[k] = tmp[k]
        width *= 2


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _packet_before(data, i, j):
    t0c, src, dst = data
    return _before(t0c, src, dst, i, j)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _stable_sort_run(order, tmp, a, b, t0c, src, dst):
    """Sort order[a:b] stably by (t0c, src, dst)."""
    _stable_sort(order, tmp, a, b, _packet_before, (t0c, src, dst))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def neuron_packets_kernel(steps, core, npk, first, t_spike, out_core, out_syn, t_out,
                          cycle_ns, n_cores):
    """HardwareModel._neuron_packets then _in_injection_order for a batch whose rows
    are sorted by step (each step's packets one contiguous group): per packet, in
    injection order, (src, dst, syn, group, t0 ns, row, t0 cycles, route-table key).

    Each step's packets are made and sorted in scratch arrays of the largest step's
    size and written out in order: no batch-sized temporaries (VA CUBA 4000 on Loihi,
    the 12 batches of a run, 2000 spikes each: 5-14 ms before, varying with the page
    faults of those temporaries' fresh memory, 4.6 ms after)."""
    S = steps.size
    P = 0
    G = 0
    r = 0
    while r < S:
        q = r
        n = 0
        while q < S and steps[q] == steps[r]:
            n += npk[q]
            q += 1
        P += n
        G = max(G, n)
        r = q
    l_src = np.empty(G, np.int64)
    l_dst = np.empty(G, np.int64)
    l_syn = np.empty(G, np.int64)
    l_t0 = np.empty(G, np.float64)
    l_row = np.empty(G, np.int64)
    l_t0c = np.empty(G, np.int64)
    order = np.empty(G, np.int64)
    tmp = np.empty(G, np.int64)
    o_src = np.empty(P, np.int64)
    o_dst = np.empty(P, np.int64)
    o_syn = np.empty(P, np.int64)
    o_group = np.empty(P, np.int64)
    o_t0 = np.empty(P, np.float64)
    o_row = np.empty(P, np.int64)
    o_t0c = np.empty(P, np.int64)
    key = np.empty(P, np.int64)
    p = 0
    r = 0
    while r < S:
        g = 0
        r0 = r
        while r < S and steps[r] == steps[r0]:
            c = core[r]
            for w in range(npk[r]):
                e = first[r] + w
                l_src[g] = c
                l_dst[g] = out_core[e]
                l_syn[g] = out_syn[e]
                if c >= 0:
                    l_t0[g] = t_spike[r] + (w + 1) * t_out
                else:
                    l_t0[g] = t_spike[r]
                l_row[g] = r
                l_t0c[g] = np.int64(np.ceil(l_t0[g] / cycle_ns - 1e-9))
                order[g] = g
                g += 1
            r += 1
        _stable_sort_run(order, tmp, 0, g, l_t0c, l_src, l_dst)
        step_group = steps[r0] * 2
        for i in range(g):
            k = order[i]
            o_src[p], o_dst[p], o_syn[p], o_group[p] = l_src[k], l_dst[k], l_syn[k], step_group
            o_t0[p], o_row[p], o_t0c[p] = l_t0[k], l_row[k], l_t0c[k]
            key[p] = (l_src[k] + 1) * n_cores + l_dst[k]
            p += 1
    return o_src, o_dst, o_syn, o_group, o_t0, o_row, o_t0c, key


@numba.njit(cache=True, nogil=True, error_model="numpy")
def paths_kernel(pair, pair_len, pair_ptr, pair_links, pair_lats, group):
    """Each packet's path from the route table: (plen, first (P+1,) offsets, links,
    lats), and what schedule_compiled checks before its compiled loop: do all
    non-terminal hops take >= 1 cycle, the sum of the latencies, the largest group."""
    P = pair.size
    plen = np.empty(P, np.int64)
    first = np.empty(P + 1, np.int64)
    first[0] = 0
    for i in range(P):
        plen[i] = pair_len[pair[i]]
        first[i + 1] = first[i] + plen[i]
    E = first[P]
    links = np.empty(E, np.int64)
    lats = np.empty(E, np.int64)
    hops_take_time = True
    lat_sum = 0
    for i in range(P):
        s = pair_ptr[pair[i]]
        for k in range(plen[i]):
            links[first[i] + k] = pair_links[s + k]
            lats[first[i] + k] = pair_lats[s + k]
            lat_sum += pair_lats[s + k]
            if k < plen[i] - 1 and pair_lats[s + k] < 1:
                hops_take_time = False
    largest = 0
    a = 0
    while a < P:
        b = a + 1
        while b < P and group[b] == group[a]:
            b += 1
        largest = max(largest, b - a)
        a = b
    return plen, first, links, lats, hops_take_time, lat_sum, largest


@numba.njit(cache=True, nogil=True, error_model="numpy")
def account_kernel(sidx, n_steps, src, dst, syn, row, deliver, pipeline, cycle_ns, t_in,
                   t_syn, n):
    """The per-packet part of HardwareModel._account for a batch of leg-0 packets:
    arrive and generation ns per packet, the receive cost t_in + syn * t_syn; per
    (step, core) packets out (sources on chip), packets in, synapses in; per step the
    last synaptic update (net_done); packets sent per core (last entry: host) and
    received; each packet's step index (sidx: of each spike)."""
    P = src.size
    pstep = np.empty(P, np.int64)
    arrive = np.empty(P, np.float64)
    gen = np.empty(P, np.float64)
    recv = np.empty(P, np.float64)
    pk_out = np.zeros((n_steps, n), np.int64)
    pk_in = np.zeros((n_steps, n), np.int64)
    syn_in = np.zeros((n_steps, n), np.float64)
    net_done = np.zeros(n_steps, np.float64)
    sent = np.zeros(n + 1, np.int64)
    received = np.zeros(n, np.int64)
    synops = 0
    for i in range(P):
        s = sidx[row[i]]
        pstep[i] = s
        arrive[i] = deliver[i] * cycle_ns
        if src[i] >= 0:
            gen[i] = pipeline[row[i]]
            pk_out[s, src[i]] += 1
            sent[src[i]] += 1
        else:
            gen[i] = 0.0
            sent[n] += 1
        pk_in[s, dst[i]] += 1
        received[dst[i]] += 1
        syn_in[s, dst[i]] += syn[i]
        synops += syn[i]
        recv[i] = t_in + syn[i] * t_syn
        done = (arrive[i] + t_in) + syn[i] * t_syn       # _account's order
        if done > net_done[s]:
            net_done[s] = done
    return arrive, gen, recv, pstep, pk_out, pk_in, syn_in, net_done, sent, received, synops


@numba.njit(cache=True, nogil=True, error_model="numpy")
def drain_entries_kernel(plen, links, terminal, n_links):
    """backpressure_compiled.drain_bound_compiled's preparation for leg-0 packets: the
    packet of each non-terminal path entry, its link renumbered among the links some
    packet uses (in link order), and the number of those links."""
    E = links.size
    pe = np.empty(E, np.int64)
    le = np.empty(E, np.int64)
    used = np.zeros(n_links, np.bool_)
    k = 0
    e = 0
    for p in range(plen.size):
        for _ in range(plen[p]):
            L = links[e]
            if not terminal[L]:
                pe[k] = p
                le[k] = L
                used[L] = True
                k += 1
            e += 1
    rank = np.empty(n_links, np.int64)
    n_used = 0
    for L in range(n_links):
        rank[L] = n_used
        if used[L]:
            n_used += 1
    for i in range(k):
        le[i] = rank[le[i]]
    return pe[:k], le[:k], n_used


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _key_before(data, i, j):
    return data[0][i] < data[0][j]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _stable_sort_by_float(order, tmp, a, b, key):
    """Sort order[a:b] stably by key[order] (no NaN)."""
    _stable_sort(order, tmp, a, b, _key_before, (key,))


@numba.njit(cache=True, nogil=True, error_model="numpy")
def deliveries_kernel(group, source, dst, gen, lat, extra):
    """The batch's rows of summary()'s deliveries, (6, P) float64 (step, source neuron,
    core, generation ns, latency ns, extra steps), sorted by (step, generation ns)
    as summary() sorts them (stable: packets with equal keys keep their injection
    order); packets are grouped by step and no generation time is NaN."""
    P = group.size
    order = np.arange(P)
    tmp = np.empty(P, np.int64)
    a = 0
    while a < P:
        b = a + 1
        while b < P and group[b] == group[a]:
            b += 1
        _stable_sort_by_float(order, tmp, a, b, gen)
        a = b
    rec = np.empty((6, P), np.float64)
    for i in range(P):
        q = order[i]
        rec[0, i] = group[q] // 2
        rec[1, i] = source[q]
        rec[2, i] = dst[q]
        rec[3, i] = gen[q]
        rec[4, i] = lat[q]
        rec[5, i] = extra[q]
    return rec


@numba.njit(cache=True, nogil=True, error_model="numpy")
def in_delivery_order(step, gen):
    """Are the deliveries already sorted by (step, generation ns)? (Then summary()'s
    stable sort leaves them as they are.)"""
    for i in range(step.size - 1):
        if step[i + 1] < step[i]:
            return False
        if step[i + 1] == step[i] and not gen[i] <= gen[i + 1]:
            return False
    return True


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _core_local_before(data, i, j):
    core, local = data
    if core[i] != core[j]:
        return core[i] < core[j]
    return local[i] < local[j]


@numba.njit(cache=True, nogil=True, error_model="numpy")
def spikes_kernel(steps, core, local, npk, t_upd, t_spike, t_out, n):
    """HardwareModel._emit_times for a batch sorted by step, and the spike-level
    part of _account: each spike's pipeline time (ns), the index of its step among
    the batch's steps, the steps, and the on-chip spikes per (step, core).

    The pipeline time as _emit_times computes it: cores take their spikes in local
    index order (ties in batch order), each adds (local + 1) t_upd + (rank + 1)
    t_spike + (messages before it on the core in this step) t_out."""
    S = steps.size
    t = np.zeros(S)
    sidx = np.empty(S, np.int64)
    U = 0
    for r in range(S):
        if r == 0 or steps[r] != steps[r - 1]:
            U += 1
        sidx[r] = U - 1
    ustep = np.empty(U, np.int64)
    spk = np.zeros((U, n), np.int64)
    order = np.empty(S, np.int64)
    tmp = np.empty(S, np.int64)
    a = 0
    while a < S:
        b = a + 1
        while b < S and steps[b] == steps[a]:
            b += 1
        ustep[sidx[a]] = steps[a]
        m = 0
        for r in range(a, b):
            if core[r] >= 0:
                order[a + m] = r
                spk[sidx[a], core[r]] += 1
                m += 1
        e = a + m
        # stable sort of the step's on-chip spikes by (core, local index)
        _stable_sort(order, tmp, a, e, _core_local_before, (core, local))
        rank = 0
        before = 0
        for i in range(a, e):
            r = order[i]
            if i > a and core[r] != core[order[i - 1]]:
                rank = 0
                before = 0
            t[r] = (local[r] + 1) * t_upd + (rank + 1) * t_spike + float(before) * t_out
            rank += 1
            before += npk[r]
        a = b
    return t, sidx, ustep, spk
