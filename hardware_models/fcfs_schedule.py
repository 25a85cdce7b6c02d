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


_LOCAL_BITS = 24          # heap key: request cycle << 24 | packet index within its group


@numba.njit(cache=True, nogil=True)
def _sift_down(h, size, i):
    x = h[i]
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and h[c + 1] < h[c]:
            c += 1
        if h[c] >= x:
            break
        h[i] = h[c]
        i = c
    h[i] = x


@numba.njit(cache=True, nogil=True)
def fcfs_kernel(t0, group, first, links, lats, flits, n_links):
    """start per path entry and delivery cycle per packet; packets sorted by group
    (each group contiguous, fewer than 2**24 packets), in injection order within it;
    first: (P+1,) offsets of each packet's path entries. The heap holds one key per
    packet in flight, (request cycle, packet) packed in an int64."""
    P = t0.size
    start = np.empty(links.size, np.int64)
    deliver = np.empty(P, np.int64)
    link_free = np.zeros(n_links, np.int64)
    link_run = np.full(n_links, -1, np.int64)       # the group run that last used the link
    heap = np.empty(P, np.int64)
    entry = np.empty(P, np.int64)                    # each packet's next path entry
    mask = (np.int64(1) << _LOCAL_BITS) - 1
    a = 0
    run = 0
    while a < P:
        b = a + 1
        while b < P and group[b] == group[a]:
            b += 1
        size = b - a
        for i in range(size):
            heap[i] = (t0[a + i] << _LOCAL_BITS) | i
            entry[a + i] = first[a + i]
        for i in range(size // 2 - 1, -1, -1):
            _sift_down(heap, size, i)
        while size > 0:
            key = heap[0]
            req = key >> _LOCAL_BITS
            p = a + (key & mask)
            e = entry[p]
            L = links[e]
            s = req
            if link_run[L] == run and link_free[L] > s:
                s = link_free[L]
            link_run[L] = run
            link_free[L] = s + flits
            start[e] = s
            if e + 1 < first[p + 1]:                 # the next hop's request replaces it
                entry[p] = e + 1
                heap[0] = ((s + lats[e]) << _LOCAL_BITS) | (key & mask)
            else:
                deliver[p] = s + lats[e] + flits
                size -= 1
                heap[0] = heap[size]
            _sift_down(heap, size, 0)
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
    if t0.size and (np.any(np.diff(group) < 0) or not _hops_take_time(plen, lat_arr)
                    or not _fits_key(t0, group, plen, lat_arr, flits)):
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
def _overflows(lk, tin, tout, h, cap):
    """Does some link hold more than cap of the h intervals [tin, tout) at once? The
    count peaks at an interval's entry (an exit frees its slot for an entry at the
    same cycle): pairwise for small h, else by sorting the entries and exits."""
    if h <= 64:
        for i in range(h):
            occ = 0
            for j in range(h):
                if lk[j] == lk[i] and tin[j] <= tin[i] and tin[i] < tout[j]:
                    occ += 1
            if occ > cap:
                return True
        return False
    tmin = tin[:h].min()
    tspan = tout[:h].max() - tmin + 1
    key = np.empty(2 * h, np.int64)
    for i in range(h):
        key[2 * i] = (lk[i] * tspan + (tin[i] - tmin)) * 2 + 1
        key[2 * i + 1] = (lk[i] * tspan + (tout[i] - tmin)) * 2
    n = 2 * h                                    # heapsort (min-heap: descending order);
    for i in range(n // 2 - 1, -1, -1):          # numba's own sort takes seconds to compile
        _sift_down(key, n, i)
    for end in range(n - 1, 0, -1):
        key[0], key[end] = key[end], key[0]
        _sift_down(key, end, 0)
    occ = 0
    for i in range(n - 1, -1, -1):               # ascending
        occ += 1 if key[i] & 1 else -1
        if occ > cap:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def overflow_kernel(start, group, first, links, buffer_packets):
    """Groups (ascending) in which some link's downstream buffer holds more than
    buffer_packets packets: a packet holds the buffer of hop k (not its last) from its
    start on hop k until its start on hop k+1."""
    P = group.size
    bad = np.empty(P, np.int64)
    n_bad = 0
    lk = np.empty(links.size, np.int64)
    tin = np.empty(links.size, np.int64)
    tout = np.empty(links.size, np.int64)
    n_links = 0
    for e in range(links.size):
        n_links = max(n_links, links[e] + 1)
    on_link = np.zeros(n_links, np.int64)            # the group's intervals per link
    a = 0
    while a < P:
        b = a + 1
        while b < P and group[b] == group[a]:
            b += 1
        # a link with at most buffer_packets intervals in all never holds more at once
        crowded = False
        for p in range(a, b):
            for e in range(first[p], first[p + 1] - 1):
                on_link[links[e]] += 1
                if on_link[links[e]] > buffer_packets:
                    crowded = True
        for p in range(a, b):
            for e in range(first[p], first[p + 1] - 1):
                on_link[links[e]] = 0
        if not crowded:
            a = b
            continue
        h = 0
        for p in range(a, b):
            for e in range(first[p], first[p + 1] - 1):
                lk[h], tin[h], tout[h] = links[e], start[e], start[e + 1]
                h += 1
        if _overflows(lk, tin, tout, h, buffer_packets):
            bad[n_bad] = group[a]
            n_bad += 1
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


def _fits_key(t0, group, plen, lats, flits):
    """The heap key holds every request cycle (at most the first request plus every
    packet's path latencies and flits, a bound for the group's last request) and
    every packet index within its group."""
    cuts = np.flatnonzero(group[1:] != group[:-1]) + 1     # groups are contiguous here
    size = np.diff(np.concatenate(([0], cuts, [group.size])))
    horizon = int(t0.max()) + int(lats.sum()) + int(flits) * int(plen.sum())
    return int(size.max()) < 2 ** _LOCAL_BITS and int(t0.min()) >= 0 and \
        horizon < 2 ** (62 - _LOCAL_BITS)
