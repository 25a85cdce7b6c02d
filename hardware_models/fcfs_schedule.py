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
