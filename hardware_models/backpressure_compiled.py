"""Compiled (numba) twin of backpressure.drain_bound: the same bound, the same
floating-point sums in the same order (bincount adds its weights in input order,
the loops below too), without the NumPy passes over per-step link-load tables.
tests/test_hw_backpressure.py compares the two on random traffic."""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")   # x / 0 as NumPy does it
def _drain_kernel(pstep, n_steps, t0_ns, recv_ns, plen, pe, le, n_links):
    P = plen.size
    bound = np.zeros(n_steps)
    share_cost = recv_ns / plen
    load = np.zeros(n_steps * n_links)
    for i in range(pe.size):
        load[pstep[pe[i]] * n_links + le[i]] += share_cost[pe[i]]
    worst = np.zeros(n_steps, np.int64)
    l_max = np.zeros(n_steps)
    for s in range(n_steps):
        w = 0
        for k in range(1, n_links):
            if load[s * n_links + k] > load[s * n_links + w]:
                w = k
        worst[s] = w
        l_max[s] = load[s * n_links + w]
    path_load = np.zeros(P)
    n_path = np.zeros(P, np.int64)
    through = np.zeros(P, np.bool_)
    for i in range(pe.size):
        p = pe[i]
        path_load[p] += load[pstep[p] * n_links + le[i]]
        n_path[p] += 1
        if le[i] == worst[pstep[p]]:
            through[p] = True
    drain = np.zeros(n_steps)
    first = np.full(n_steps, np.inf)
    last_p = np.zeros(n_steps)
    for p in range(P):
        if not through[p]:
            continue
        s = pstep[p]
        ratio = path_load[p] / max(n_path[p], 1) / l_max[s]
        term = share_cost[p] * ratio
        drain[s] += term
        first[s] = min(first[s], t0_ns[p])
        last_p[s] = max(last_p[s], recv_ns[p] - term)
    for s in range(n_steps):
        if np.isfinite(first[s]):
            bound[s] = first[s] + drain[s] + last_p[s]
    return bound


def drain_bound_compiled(pstep, n_steps, t0_ns, recv_ns, plen, pkt_of_entry, links, terminal,
                         n_links):
    """backpressure.drain_bound by the compiled loops (same arguments, same result)."""
    keep = ~terminal[links]
    pe, le = pkt_of_entry[keep], links[keep]
    if pe.size == 0:
        return np.zeros(n_steps)
    used = np.zeros(n_links, bool)            # the links some packet uses, in link order
    used[le] = True
    le = (np.cumsum(used) - 1)[le]
    return _drain_kernel(np.asarray(pstep, np.int64), int(n_steps),
                         np.asarray(t0_ns, np.float64), np.asarray(recv_ns, np.float64),
                         np.asarray(plen, np.float64), np.asarray(pe, np.int64),
                         le.astype(np.int64), int(used.sum()))
