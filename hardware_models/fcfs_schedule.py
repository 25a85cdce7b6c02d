"""Compiled (numba) twin of interconnect.schedule_vectorised: the same FCFS schedule
with unbounded buffers, by an event loop instead of NumPy's fixed-point iterations.

Why it is the same schedule: the vectorised scheduler's fixed point is unique when
every non-terminal hop's latency is >= 1 cycle (Mesh and Hierarchical refuse
router latencies below 1): a request on hop k+1 comes at least one cycle after
the request on hop k, so taking requests in (request cycle, injection order)
order, each link's FCFS start max(request, link free) only depends on requests
already taken. The loop below takes them in that order from a heap. Its results
are compared with schedule_vectorised on random traffic with contention in
tests/test_hw_interconnect.py."""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True, inline="always")
def _less(hr, hp, i, j):
    return hr[i] < hr[j] or (hr[i] == hr[j] and hp[i] < hp[j])


@numba.njit(cache=True, nogil=True)
def _sift_down(hr, hp, hk, size, i):
    while True:
        l = 2 * i + 1
        if l >= size:
            return
        m = l
        if l + 1 < size and _less(hr, hp, l + 1, l):
            m = l + 1
        if not _less(hr, hp, m, i):
            return
        hr[i], hr[m] = hr[m], hr[i]
        hp[i], hp[m] = hp[m], hp[i]
        hk[i], hk[m] = hk[m], hk[i]
        i = m


@numba.njit(cache=True, nogil=True)
def _sift_up(hr, hp, hk, i):
    while i > 0:
        up = (i - 1) // 2
        if not _less(hr, hp, i, up):
            return
        hr[i], hr[up] = hr[up], hr[i]
        hp[i], hp[up] = hp[up], hp[i]
        hk[i], hk[up] = hk[up], hk[i]
        i = up


@numba.njit(cache=True, nogil=True)
def fcfs_kernel(t0, group, first, links, lats, flits, n_links):
    """start per path entry and delivery cycle per packet; packets sorted by group
    (each group contiguous), in injection order within it; first: (P+1,) offsets of
    each packet's path entries."""
    P = t0.size
    start = np.empty(links.size, np.int64)
    deliver = np.empty(P, np.int64)
    link_free = np.zeros(n_links, np.int64)
    link_run = np.full(n_links, -1, np.int64)       # the group run that last used the link
    hr = np.empty(P, np.int64)                      # heap: request cycle, packet, hop
    hp = np.empty(P, np.int64)
    hk = np.empty(P, np.int64)
    a = 0
    run = 0
    while a < P:
        b = a + 1
        while b < P and group[b] == group[a]:
            b += 1
        size = b - a
        for i in range(size):
            hr[i] = t0[a + i]
            hp[i] = a + i
            hk[i] = 0
        for i in range(size // 2 - 1, -1, -1):
            _sift_down(hr, hp, hk, size, i)
        while size > 0:
            req, p, k = hr[0], hp[0], hk[0]
            e = first[p] + k
            L = links[e]
            s = req
            if link_run[L] == run and link_free[L] > s:
                s = link_free[L]
            link_run[L] = run
            link_free[L] = s + flits
            start[e] = s
            if e + 1 < first[p + 1]:                 # the next hop's request replaces it
                hr[0] = s + lats[e]
                hk[0] = k + 1
            else:
                deliver[p] = s + lats[e] + flits
                size -= 1
                hr[0], hp[0], hk[0] = hr[size], hp[size], hk[size]
            _sift_down(hr, hp, hk, size, 0)
        a = b
        run += 1
    return start, deliver


def schedule_compiled(t0, group, plen, links, lats, flits, n_links):
    """schedule_vectorised's (start, deliver, converged) by the compiled loop; groups
    must be contiguous (the model sorts packets by group), else the NumPy form runs."""
    from .interconnect import schedule_vectorised
    t0 = np.asarray(t0, np.int64)
    group = np.asarray(group, np.int64)
    lat_arr = np.asarray(lats, np.int64)
    if t0.size and (np.any(np.diff(group) < 0) or int(lat_arr.min(initial=1)) < 0
                    or not _hops_take_time(plen, lat_arr)):
        return schedule_vectorised(t0, group, plen, links, lats, flits, n_links)
    first = np.zeros(plen.size + 1, np.int64)
    np.cumsum(plen, out=first[1:])
    start, deliver = fcfs_kernel(t0, group, first, np.asarray(links, np.int64), lat_arr,
                                 int(flits), int(n_links))
    return start, deliver, True


def _hops_take_time(plen, lats):
    """Every non-terminal hop has latency >= 1 (the uniqueness condition above)."""
    last = np.cumsum(plen) - 1
    nonterminal = np.ones(lats.size, bool)
    nonterminal[last] = False
    return bool(np.all(lats[nonterminal] >= 1))


@numba.njit(cache=True, nogil=True)
def overflow_kernel(start, group, first, links, buffer_packets):
    """Groups (ascending) in which some link's downstream buffer holds more than
    buffer_packets packets: a packet holds the buffer of hop k (not its last) from its
    start on hop k until its start on hop k+1; one leaving frees its slot for one
    entering at the same cycle."""
    P = group.size
    bad = np.empty(P, np.int64)
    n_bad = 0
    a = 0
    while a < P:
        b = a + 1
        while b < P and group[b] == group[a]:
            b += 1
        h = (first[b] - first[a]) - (b - a)          # entries that hold a buffer
        if h > 0:
            lk = np.empty(2 * h, np.int64)
            tm = np.empty(2 * h, np.int64)
            up = np.empty(2 * h, np.int64)
            j = 0
            for p in range(a, b):
                for e in range(first[p], first[p + 1] - 1):
                    lk[j], tm[j], up[j] = links[e], start[e], 1
                    lk[j + 1], tm[j + 1], up[j + 1] = links[e], start[e + 1], 0
                    j += 2
            tmin = tm.min()
            tspan = tm.max() - tmin + 1
            key = (lk * tspan + (tm - tmin)) * 2 + up
            o = np.argsort(key)
            occ = 0
            for i in range(2 * h):
                occ += 1 if up[o[i]] == 1 else -1
                if occ > buffer_packets:
                    bad[n_bad] = group[a]
                    n_bad += 1
                    break
        a = b
    return bad[:n_bad]


def buffer_overflow_compiled(start, group, plen, links, n_links, buffer_packets):
    """interconnect.buffer_overflow_groups by the compiled loop (groups contiguous and
    the combined sort key within int64; else the NumPy form)."""
    from .interconnect import buffer_overflow_groups
    group = np.asarray(group, np.int64)
    start = np.asarray(start, np.int64)
    if group.size == 0 or np.any(np.diff(group) < 0) or (
            (int(n_links) + 1) * (int(start.max()) - int(start.min()) + 1) * 2 >= 2 ** 62):
        return buffer_overflow_groups(start, group, plen, links, n_links, buffer_packets)
    first = np.zeros(plen.size + 1, np.int64)
    np.cumsum(plen, out=first[1:])
    return overflow_kernel(start, group, first, np.asarray(links, np.int64),
                           int(buffer_packets))
