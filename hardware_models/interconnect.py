"""Cycle-level interconnect: 2D mesh (XY routing) and DYNAP-SE's R1/R2/R3 hierarchy.

Model (shared by both topologies and both schedulers)
-----------------------------------------------------
A packet of ``F`` flits follows a path of *links*. Each link carries one flit
per cycle, so a packet occupies a link for ``F`` cycles. A packet that starts on
link k at cycle s_k may request link k+1 at ``s_k + lat_k`` where ``lat_k`` is
the wire delay of link k plus the pipeline latency of the router at its end
(cut-through). The last link delivers the packet (tail received) at
``s_last + lat_last + F``. On an idle network a packet injected at t0 is thus
delivered at ``t0 + routers_traversed * router_latency + sum(wires) + F``:
``hops x router latency + serialization`` where *hops* counts the routers the
packet traverses (Manhattan distance + 1 on a mesh).

Contention: a link serves the packets that requested it first-come
first-served (ties: injection order). Each router input port (the downstream
end of every non-terminal link) has a buffer of ``buffer_flits // F`` packets;
a packet may start on a link only when that buffer has a free slot, and it
frees the slot when it starts on its next link (back-pressure).

Two schedulers produce the same schedule:
- ``schedule_events``: exact discrete-event simulation with bounded buffers;
- ``schedule_vectorised``: NumPy fixed-point of the FCFS equations for many
  independent groups (ticks) at once, assuming unbounded buffers, followed by
  a buffer-occupancy check; groups whose buffers would overflow are
  re-scheduled with ``schedule_events``.

The chip model runs compiled twins of all three: fcfs_schedule.py (the fixed
point by an event loop, the same overflow groups) and event_schedule.py (the
exact scheduler, for the groups the fixed point cannot settle); these forms are
their references.

Mesh link numbering (n = cores used): core c injects on link c, is fed by
ejection link n + c; the host (off-chip spike sources) injects on link 2n;
router r's output towards direction d (0:+x 1:-x 2:+y 3:-y) is 2n + 1 + 4r + d.
Cores are placed row-major: core c sits at router c // cores_per_router,
router r at (r % width, r // width).
"""
import heapq

import numpy as np

from .errors import ChipSpecError, HardwareConstraintError

HOST = -1


class Route:
    __slots__ = ("links", "lats", "hops_x", "hops_y", "chip_hops", "routers", "energy_pj")

    def __init__(self, links, lats, hops_x, hops_y, chip_hops, routers, energy_pj):
        self.links, self.lats = links, lats
        self.hops_x, self.hops_y, self.chip_hops = hops_x, hops_y, chip_hops
        self.routers, self.energy_pj = routers, energy_pj


class Topology:
    """Common part: link terminal flags, route cache, idle latency."""
    name = "topology"

    def __init__(self, n_cores, flits, buffer_flits, cycle_ns):
        if flits < 1:
            raise ChipSpecError(f"interconnect.flits_per_packet must be >= 1, got {flits}")
        if buffer_flits < flits:
            raise ChipSpecError(f"interconnect.buffer_flits ({buffer_flits}) must hold one "
                                f"packet of {flits} flits")
        if cycle_ns <= 0:
            raise ChipSpecError(f"interconnect.cycle_ns must be > 0, got {cycle_ns}")
        self.n_cores = int(n_cores)
        self.flits = int(flits)
        self.buffer_packets = int(buffer_flits) // int(flits)
        self.cycle_ns = float(cycle_ns)
        self._cache = {}

    def route(self, src, dst):
        key = (int(src), int(dst))
        r = self._cache.get(key)
        if r is None:
            r = self._route(*key)
            self._cache[key] = r
        return r

    def idle_latency_cycles(self, src, dst):
        r = self.route(src, dst)
        return int(sum(r.lats)) + self.flits

    def router_xy(self, core):
        raise NotImplementedError

    def tiles_used(self, n_cores_used):
        raise NotImplementedError


class Mesh(Topology):
    """2D mesh, XY dimension-order routing, ``cores_per_router`` cores per router."""
    name = "mesh"

    def __init__(self, n_cores, width, height, cores_per_router, host_router,
                 router_latency, wire_x, wire_y, flits, buffer_flits, cycle_ns,
                 hop_local_pj=0.0, hop_x_pj=0.0, hop_y_pj=0.0):
        super().__init__(n_cores, flits, buffer_flits, cycle_ns)
        self.width, self.height, self.cpr = int(width), int(height), int(cores_per_router)
        if router_latency < 1:
            raise ChipSpecError(f"interconnect.router_latency_cycles must be >= 1, "
                                f"got {router_latency}")
        self.R, self.wx, self.wy = int(router_latency), int(wire_x), int(wire_y)
        if n_cores > self.width * self.height * self.cpr:
            raise HardwareConstraintError(
                f"mesh {self.width}x{self.height} with {self.cpr} cores per router holds "
                f"{self.width * self.height * self.cpr} cores; {n_cores} needed")
        hx, hy = host_router
        self.host_router = (int(hx), int(hy))
        self.e_local, self.e_x, self.e_y = float(hop_local_pj), float(hop_x_pj), float(hop_y_pj)
        n = self.n_cores
        self.n_links = 2 * n + 1 + 4 * self.width * self.height
        self.terminal = np.zeros(self.n_links, dtype=bool)
        self.terminal[n:2 * n] = True

    def router_xy(self, core):
        if core == HOST:
            return self.host_router
        r = core // self.cpr
        return r % self.width, r // self.width

    def tiles_used(self, n_cores_used):
        return max(1, -(-n_cores_used // self.cpr))

    def max_route(self):
        """(longest path in links, largest idle latency in cycles) over all pairs."""
        L = self.width - 1 + self.height - 1 + 2
        return L, (L - 1) * self.R + (self.width - 1) * self.wx + (self.height - 1) * self.wy \
            + self.flits

    def routes(self, src, dst):
        """Vectorised XY routes for arrays of (src, dst) core pairs:
        (plen, flat links, flat lats, energy per pair)."""
        n = self.n_cores
        src = np.asarray(src, np.int64)
        dst = np.asarray(dst, np.int64)
        hr = self.host_router[1] * self.width + self.host_router[0]
        rs = np.where(src == HOST, hr, src // self.cpr)
        rd = dst // self.cpr
        x0, y0 = rs % self.width, rs // self.width
        x1, y1 = rd % self.width, rd // self.width
        hx, hy = np.abs(x1 - x0), np.abs(y1 - y0)
        plen = hx + hy + 2
        P = src.size
        ptr = np.zeros(P + 1, np.int64)
        np.cumsum(plen, out=ptr[1:])
        E = int(ptr[-1])
        pk = np.repeat(np.arange(P), plen)
        k = np.arange(E) - ptr[pk]                 # hop index within the path
        sx = np.sign(x1 - x0)[pk]
        sy = np.sign(y1 - y0)[pk]
        inx = (k >= 1) & (k <= hx[pk])
        iny = (k > hx[pk]) & (k <= hx[pk] + hy[pk])
        # router the hop leaves from
        xr = x0[pk] + sx * np.where(inx, k - 1, hx[pk])
        yr = y0[pk] + sy * np.where(iny, k - 1 - hx[pk], 0)
        dxy = np.where(inx, np.where(sx > 0, 0, 1), np.where(sy > 0, 2, 3))
        links = np.where(inx | iny, 2 * n + 1 + 4 * (yr * self.width + xr) + dxy, 0)
        links = np.where(k == 0, np.where(src[pk] == HOST, 2 * n, src[pk]), links)
        last = k == plen[pk] - 1
        links = np.where(last, n + dst[pk], links)
        lats = np.where(inx, self.wx + self.R, np.where(iny, self.wy + self.R, self.R))
        lats = np.where(last, 0, lats)
        energy = np.where(hx + hy == 0, self.e_local, hx * self.e_x + hy * self.e_y)
        return plen, links.astype(np.int64), lats.astype(np.int64), energy.astype(np.float64)

    def _mesh_link(self, x, y, d):
        return 2 * self.n_cores + 1 + 4 * (y * self.width + x) + d

    def _route(self, src, dst):
        n = self.n_cores
        links = [2 * n if src == HOST else src]
        lats = [self.R]
        x, y = self.router_xy(src)
        tx, ty = self.router_xy(dst)
        hx = abs(tx - x)
        hy = abs(ty - y)
        while x != tx:                       # X first
            d = 0 if tx > x else 1
            links.append(self._mesh_link(x, y, d))
            lats.append(self.wx + self.R)
            x += 1 if d == 0 else -1
        while y != ty:                       # then Y
            d = 2 if ty > y else 3
            links.append(self._mesh_link(x, y, d))
            lats.append(self.wy + self.R)
            y += 1 if d == 2 else -1
        links.append(n + dst)
        lats.append(0)
        energy = self.e_local if hx + hy == 0 else hx * self.e_x + hy * self.e_y
        return Route(links, lats, hx, hy, 0, hx + hy + 1, energy)


class Hierarchical(Topology):
    """DYNAP-SE: R1 per core (local broadcast), R2 per chip, R3 mesh between chips.

    Paths: same core: [R1 local]; same chip: [core up -> R2, R2 down -> R1];
    other chip: [core up, R2 -> R3, R3 mesh hops (XY), R3 -> R2, R2 -> core].
    Off-chip (FPGA) input enters at the host chip's R3.
    Links: core up c; core down n+c; R1 local 2n+c; chip up 3n+k; chip down
    3n+K+k; R3 mesh 3n+2K+4k+d; host 3n+6K.
    """
    name = "hierarchical"

    def __init__(self, n_cores, chips_x, chips_y, cores_per_chip, host_chip,
                 r1, r2, r3, flits, buffer_flits, cycle_ns,
                 e_core_pj=0.0, e_chip_pj=0.0, e_local_pj=0.0):
        super().__init__(n_cores, flits, buffer_flits, cycle_ns)
        self.cx, self.cy, self.cpc = int(chips_x), int(chips_y), int(cores_per_chip)
        self.K = self.cx * self.cy
        if n_cores > self.K * self.cpc:
            raise HardwareConstraintError(
                f"{self.K} chips with {self.cpc} cores each hold {self.K * self.cpc} cores; "
                f"{n_cores} needed")
        if min(r1, r2, r3) < 1:
            raise ChipSpecError("interconnect r1/router/r3 latencies must be >= 1 cycle")
        self.r1, self.r2, self.r3 = int(r1), int(r2), int(r3)
        self.host_chip = int(host_chip)
        self.e_core, self.e_chip = float(e_core_pj), float(e_chip_pj)
        self.e_local = float(e_local_pj)
        n, K = self.n_cores, self.K
        self.n_links = 3 * n + 6 * K + 1
        self.terminal = np.zeros(self.n_links, dtype=bool)
        self.terminal[n:3 * n] = True           # core down and R1 local deliver

    def chip_of(self, core):
        return self.host_chip if core == HOST else core // self.cpc

    def router_xy(self, core):
        k = self.chip_of(core)
        return k % self.cx, k // self.cx

    def tiles_used(self, n_cores_used):
        return max(1, -(-n_cores_used // self.cpc))

    def max_route(self):
        h = self.cx - 1 + self.cy - 1
        return h + 4, 2 * self.r2 + self.r1 + (h + 1) * self.r3 + self.flits

    def _route(self, src, dst):
        n, K = self.n_cores, self.K
        if src == dst:
            return Route([2 * n + src], [self.r1], 0, 0, 0, 1, self.e_local)
        ks, kd = self.chip_of(src), self.chip_of(dst)
        if src != HOST and ks == kd:
            return Route([src, n + dst], [self.r2, self.r1], 0, 0, 0, 2, self.e_core)
        if src == HOST:
            links, lats = [3 * n + 6 * K], [self.r3]
        else:
            links, lats = [src, 3 * n + ks], [self.r2, self.r3]
        x, y = ks % self.cx, ks // self.cx
        tx, ty = kd % self.cx, kd // self.cx
        hops = abs(tx - x) + abs(ty - y)
        while x != tx:
            d = 0 if tx > x else 1
            links.append(3 * n + 2 * K + 4 * (y * self.cx + x) + d)
            lats.append(self.r3)
            x += 1 if d == 0 else -1
        while y != ty:
            d = 2 if ty > y else 3
            links.append(3 * n + 2 * K + 4 * (y * self.cx + x) + d)
            lats.append(self.r3)
            y += 1 if d == 2 else -1
        links += [3 * n + K + kd, n + dst]
        lats += [self.r2, self.r1]
        energy = self.e_core + hops * self.e_chip
        return Route(links, lats, 0, 0, hops, len(links), energy)


# --------------------------------------------------------------------------
# schedulers
# --------------------------------------------------------------------------

def schedule_events(t0, paths, lats, flits, buffer_packets, terminal):
    """Exact discrete-event FCFS schedule with bounded buffers (back-pressure).

    t0: injection request cycle per packet (packet order = injection order,
    the tie-breaker). paths/lats: per packet lists of link ids and latencies.
    Returns (start times as list of lists, delivery cycle per packet).
    """
    P = len(t0)
    F = int(flits)
    cap = int(buffer_packets)
    starts = [[0] * len(p) for p in paths]
    deliver = [0] * P
    link_free = {}
    waiting = {}          # link -> heap of (req, pid, hop)
    buf = {}              # link -> packets holding its downstream buffer
    ev = []               # (time, prio, seq, kind, a, b, c); prio 0 requests, 1 allocation tries
    seq = 0
    for p in range(P):
        ev.append((int(t0[p]), 0, seq, 0, p, 0, 0))
        seq += 1
    heapq.heapify(ev)
    while ev:
        t, _, _, kind, a, b, _c = heapq.heappop(ev)
        if kind == 0:                        # packet a requests hop b
            L = paths[a][b]
            heapq.heappush(waiting.setdefault(L, []), (t, a, b))
            heapq.heappush(ev, (t, 1, seq, 1, L, 0, 0))
            seq += 1
            continue
        L = a                                # kind 1: try to start a packet on link L
        if link_free.get(L, -1) > t:
            continue
        q = waiting.get(L)
        if not q:
            continue
        if not terminal[L] and buf.get(L, 0) >= cap:
            continue
        _req, p, k = heapq.heappop(q)
        starts[p][k] = t
        link_free[L] = t + F
        heapq.heappush(ev, (t + F, 1, seq, 1, L, 0, 0))
        seq += 1
        if k > 0:                            # leaves the buffer of its previous link
            prev = paths[p][k - 1]
            buf[prev] -= 1
            heapq.heappush(ev, (t, 1, seq, 1, prev, 0, 0))
            seq += 1
        if k + 1 < len(paths[p]):
            buf[L] = buf.get(L, 0) + 1
            heapq.heappush(ev, (t + lats[p][k], 0, seq, 0, p, k + 1, 0))
            seq += 1
        else:
            deliver[p] = t + lats[p][k] + F
    return starts, deliver


def schedule_vectorised(t0, group, plen, links, lats, flits, n_links, max_iter=64):
    """FCFS schedule of many independent groups at once (unbounded buffers).

    t0, group: per packet (int64); packets must be in injection order within a
    group. plen: path length per packet; links, lats: flat per-entry arrays
    (packet-major). Returns (start per entry, delivery per packet, converged).

    Fixed point of: start = FCFS serialisation, per link, of the requests in
    (request time, injection order); request(k+1) = start(k) + lat(k). Starts
    from the idle-network schedule; only groups whose requests changed are
    re-evaluated in later iterations.
    """
    F = int(flits)
    P = t0.size
    E = links.size
    pkt = np.repeat(np.arange(P, dtype=np.int64), plen)
    first = np.zeros(P + 1, dtype=np.int64)
    np.cumsum(plen, out=first[1:])
    last = first[1:] - 1
    is_first = np.zeros(E, dtype=bool)
    is_first[first[:-1]] = True
    key = group[pkt] * np.int64(n_links) + links
    lat_cum = np.cumsum(lats)
    base = lat_cum[first[:-1]] - lats[first[:-1]]
    req = t0[pkt] + (lat_cum - lats) - base[pkt]
    start = req.copy()
    active = np.arange(E, dtype=np.int64)      # entries of groups still changing (packet-major)
    converged = False
    for _ in range(max_iter):
        k_a = key[active]
        r_a = req[active]
        rmin = r_a.min()
        rspan = np.int64(r_a.max() - rmin + 1)
        kmin = k_a.min()
        if (k_a.max() - kmin + 1) * rspan < np.int64(2) ** 62:
            order = np.argsort((k_a - kmin) * rspan + (r_a - rmin), kind="stable")
        else:
            order = np.lexsort((active, r_a, k_a))
        ks = k_a[order]
        rs = r_a[order]
        n = active.size
        pos = np.arange(n, dtype=np.int64)
        newgrp = np.empty(n, dtype=bool)
        newgrp[0] = True
        np.not_equal(ks[1:], ks[:-1], out=newgrp[1:])
        gidx = np.cumsum(newgrp) - 1
        v = rs - pos * F
        vmin = v.min()
        span = v.max() - vmin + 1
        w = (v - vmin) + gidx * span
        cm = np.maximum.accumulate(w) - gidx * span + vmin
        start[active[order]] = cm + pos * F
        nf = active[~is_first[active]]
        new = start[nf - 1] + lats[nf - 1]
        changed = new != req[nf]
        if not changed.any():
            converged = True
            break
        req[nf] = new
        grp_changed = np.unique(group[pkt[nf[changed]]])
        active = active[np.isin(group[pkt[active]], grp_changed)]
    deliver = start[last] + lats[last] + F
    return start, deliver, converged


def buffer_overflow_groups(start, group, plen, links, n_links, buffer_packets):
    """Groups in which some router input buffer would hold more than its capacity."""
    P = plen.size
    E = links.size
    pkt = np.repeat(np.arange(P, dtype=np.int64), plen)
    last = np.cumsum(plen) - 1
    is_last = np.zeros(E, dtype=bool)
    is_last[last] = True
    hold = np.flatnonzero(~is_last)          # entries whose link has a downstream buffer
    if hold.size == 0:
        return np.empty(0, dtype=np.int64)
    key = group[pkt[hold]] * np.int64(n_links) + links[hold]
    t_in = start[hold]
    t_out = start[hold + 1]
    keys = np.concatenate([key, key])
    times = np.concatenate([t_in, t_out])
    delta = np.concatenate([np.ones(hold.size, np.int64), -np.ones(hold.size, np.int64)])
    tmin = times.min()
    tspan = np.int64(times.max() - tmin + 1)
    if (keys.max() + 1) * tspan * 2 < np.int64(2) ** 62:
        o = np.argsort((keys * tspan + (times - tmin)) * 2 + (delta > 0))
    else:
        o = np.lexsort((delta, times, keys))
    occ = np.cumsum(delta[o])
    bad = occ > buffer_packets
    if not bad.any():
        return np.empty(0, dtype=np.int64)
    return np.unique(keys[o][bad] // np.int64(n_links))
