"""Compiled twin of interconnect.schedule_events (numba), many groups per call.

The co-simulation re-schedules every tick whose router buffers would overflow
with the exact discrete-event scheduler; on TrueNorth (4096 cores) that is
most ticks, and the pure-Python heap loop was most of a run's time
(HardwareModel._route calls schedule_groups for those groups).
`schedule_groups` runs the same algorithm on arrays: the same event order
(time, requests before allocation tries, insertion order), the same FCFS order
of the packets waiting for a link (request time, then packet, then hop) and the
same buffer rule, so it returns the same schedule; tests/test_hw_event_schedule
checks that on random traffic with contention and back-pressure.
`interconnect.schedule_events` stays the reference (and runs when numba is
missing).

Arrays: packets of one group are contiguous and in injection order;
``group_ptr`` bounds the groups (group g holds packets group_ptr[g] to
group_ptr[g + 1] - 1); ``plen``, ``links`` and ``lats`` as in
interconnect.schedule_vectorised (flat, packet-major).
"""
import numpy as np

try:
    from numba import njit
except ImportError:          # numba is a dependency; without it the reference runs
    njit = None


def _push(h, o, n, k, s, x, y):
    """Binary min-heap on (key, tie) in the rows o to o + n - 1 of h (columns: key,
    tie, payload a, payload b); returns the new size."""
    i = n
    while i > 0:
        parent = (i - 1) >> 1
        r = o + parent
        if h[r, 0] < k or (h[r, 0] == k and h[r, 1] <= s):
            break
        h[o + i, 0], h[o + i, 1], h[o + i, 2], h[o + i, 3] = h[r, 0], h[r, 1], h[r, 2], h[r, 3]
        i = parent
    h[o + i, 0], h[o + i, 1], h[o + i, 2], h[o + i, 3] = k, s, x, y
    return n + 1


def _pop(h, o, n):
    """Remove the heap's top (read it before calling); returns the new size."""
    n -= 1
    r = o + n
    k, s, x, y = h[r, 0], h[r, 1], h[r, 2], h[r, 3]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        rc = o + c
        if c + 1 < n and (h[rc + 1, 0] < h[rc, 0]
                          or (h[rc + 1, 0] == h[rc, 0] and h[rc + 1, 1] < h[rc, 1])):
            c += 1
            rc += 1
        if k < h[rc, 0] or (k == h[rc, 0] and s <= h[rc, 1]):
            break
        h[o + i, 0], h[o + i, 1], h[o + i, 2], h[o + i, 3] = h[rc, 0], h[rc, 1], h[rc, 2], h[rc, 3]
        i = c
    if n > 0:
        h[o + i, 0], h[o + i, 1], h[o + i, 2], h[o + i, 3] = k, s, x, y
    return n


def _grown(h, n):
    """h with twice the rows, the first n copied."""
    bigger = np.empty((2 * h.shape[0], 4), np.int64)
    bigger[:n] = h[:n]
    return bigger


def _schedule_groups(t0, group_ptr, plen, links, lats, flits, cap, terminal, ev_rows):
    P = t0.size
    E = links.size
    n_links = terminal.size
    pptr = np.zeros(P + 1, np.int64)
    for p in range(P):
        pptr[p + 1] = pptr[p] + plen[p]
    start = np.zeros(E, np.int64)
    deliver = np.zeros(P, np.int64)
    # the packets waiting for link L: a heap on (request time, entry) in the rows
    # wptr[L] to wptr[L + 1] - 1 of `wait`, as many as entries use L (an entry waits
    # once); entry order is (packet, hop) order, the reference's tie-breaker.
    # Payloads: packet, hop.
    wptr = np.zeros(n_links + 1, np.int64)
    for e in range(E):
        wptr[links[e] + 1] += 1
    for L in range(n_links):
        wptr[L + 1] += wptr[L]
    wait = np.empty((max(E, 1), 4), np.int64)
    wsize = np.zeros(n_links, np.int64)
    link_free = np.full(n_links, -1, np.int64)
    buf = np.zeros(n_links, np.int64)
    # events: key 2 t + kind (kind 0, requests, sort before kind 1, allocation tries,
    # at the same cycle), tie = insertion order; kind 0: a = packet, b = hop;
    # kind 1: a = link. The injections (first requests) are not pushed: they have the
    # smallest ties, so taken in (cycle, packet) order they merge in as they fall due.
    ev = np.empty((max(ev_rows, 1), 4), np.int64)        # doubles when full
    for g in range(group_ptr.size - 1):
        first, end = group_ptr[g], group_ptr[g + 1]
        # injections by request cycle, ties in packet order (as the reference's heap)
        order = first + np.argsort(t0[first:end], kind="mergesort")
        nxt = 0                              # next injection (in `order`)
        n_inj = end - first
        n_ev = 0
        seq = end - first
        while n_ev > 0 or nxt < n_inj:
            if nxt < n_inj and (n_ev == 0 or 2 * t0[order[nxt]] <= ev[0, 0]):
                a = order[nxt]
                k, b = 2 * t0[a], 0
                nxt += 1
            else:
                k, a, b = ev[0, 0], ev[0, 2], ev[0, 3]
                n_ev = _pop(ev, 0, n_ev)
            t = k >> 1
            if k & 1 == 0:                       # packet a requests hop b
                e = pptr[a] + b
                L = links[e]
                wsize[L] = _push(wait, wptr[L], wsize[L], t, e, a, b)
                if n_ev == ev.shape[0]:
                    ev = _grown(ev, n_ev)
                n_ev = _push(ev, 0, n_ev, 2 * t + 1, seq, L, 0)
                seq += 1
                continue
            L = a                                # try to start a packet on link L
            if link_free[L] > t or wsize[L] == 0:
                continue
            if not terminal[L] and buf[L] >= cap:
                continue
            o = wptr[L]
            e, p, hop = wait[o, 1], wait[o, 2], wait[o, 3]
            wsize[L] = _pop(wait, o, wsize[L])
            start[e] = t
            link_free[L] = t + flits
            if n_ev == ev.shape[0]:
                ev = _grown(ev, n_ev)
            n_ev = _push(ev, 0, n_ev, 2 * (t + flits) + 1, seq, L, 0)
            seq += 1
            if hop > 0:                          # leaves the buffer of its previous link
                prev = links[e - 1]
                buf[prev] -= 1
                if n_ev == ev.shape[0]:
                    ev = _grown(ev, n_ev)
                n_ev = _push(ev, 0, n_ev, 2 * t + 1, seq, prev, 0)
                seq += 1
            if hop + 1 < plen[p]:
                buf[L] += 1
                if n_ev == ev.shape[0]:
                    ev = _grown(ev, n_ev)
                n_ev = _push(ev, 0, n_ev, 2 * (t + lats[e]), seq, p, hop + 1)
                seq += 1
            else:
                deliver[p] = t + lats[e] + flits
        # the group's links become idle for the next group (queues and buffers are empty)
        for e in range(pptr[first], pptr[end]):
            link_free[links[e]] = -1
    return start, deliver


if njit is not None:
    _push = njit(cache=True)(_push)
    _pop = njit(cache=True)(_pop)
    _grown = njit(cache=True)(_grown)
    _compiled = njit(cache=True)(_schedule_groups)
else:
    _compiled = None


def schedule_groups(t0, group_ptr, plen, links, lats, flits, buffer_packets, terminal,
                    ev_rows=None):
    """Exact FCFS schedule with bounded buffers of each group on its own.

    ev_rows: the event heap's first size (default: 4 per packet, plenty: a packet
    has at most a few events pending at a time; the heap grows when full).
    Returns (start cycle per flat entry, delivery cycle per packet), int64: what
    interconnect.schedule_events returns for each group's packets."""
    t0 = np.ascontiguousarray(t0, np.int64)
    group_ptr = np.ascontiguousarray(group_ptr, np.int64)
    plen = np.ascontiguousarray(plen, np.int64)
    links = np.ascontiguousarray(links, np.int64)
    lats = np.ascontiguousarray(lats, np.int64)
    terminal = np.ascontiguousarray(terminal, np.bool_)
    if _compiled is None:
        return _reference_groups(t0, group_ptr, plen, links, lats, flits, buffer_packets,
                                 terminal)
    rows = 4 * t0.size + 1024 if ev_rows is None else int(ev_rows)
    return _compiled(t0, group_ptr, plen, links, lats, np.int64(flits),
                     np.int64(buffer_packets), terminal, np.int64(rows))


def _reference_groups(t0, group_ptr, plen, links, lats, flits, buffer_packets, terminal):
    """The same through interconnect.schedule_events, one group at a time."""
    from .interconnect import schedule_events
    pptr = np.zeros(plen.size + 1, np.int64)
    np.cumsum(plen, out=pptr[1:])
    start = np.zeros(links.size, np.int64)
    deliver = np.zeros(t0.size, np.int64)
    for g in range(group_ptr.size - 1):
        sel = range(int(group_ptr[g]), int(group_ptr[g + 1]))
        paths = [links[pptr[i]:pptr[i + 1]].tolist() for i in sel]
        lt = [lats[pptr[i]:pptr[i + 1]].tolist() for i in sel]
        s, d = schedule_events(t0[sel.start:sel.stop].tolist(), paths, lt, flits,
                               buffer_packets, terminal)
        deliver[sel.start:sel.stop] = d
        if sel.stop > sel.start:
            start[pptr[sel.start]:pptr[sel.stop]] = np.concatenate(s)
    return start, deliver
