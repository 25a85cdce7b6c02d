"""Receive-side back-pressure: a link drains no faster than its receivers process.

Mechanism (SANA-FE's "detailed" timing model, src/schedule.cpp of SANA-FE
2.2.9, Boyle et al. 2025): a message stays in the network from injection until
its destination core *starts* processing it (message_in_ns + synops x synop_ns,
the core handles its inbound messages one after another). While in flight it
holds a share 1/(h + 2) of each of the h + 1 non-terminal links of its path
(injection link + h mesh links; h = mesh hops). Its network delay grows with
the summed share of the messages in flight along its path times their receive
time, and its sender stalls once that share exceeds the path's buffers. So
when one core sends faster than the network lets messages reach their
receivers, the sender is throttled: in steady state a link l passes messages
at the rate at which their shares drain,

    T_l = sum over messages m through l of  p_m / (h_m + 2) * r_m,

p_m the receive time of m, r_m = mean over m's path of (load of the link /
load of l): a message that also crosses lighter links spends less time in
flight (one fixed-point step of Little's law on the rule above; r_m = 1 when
all its links are as loaded as l). It is evaluated on the most loaded link of
the tick, which bounds the tick's busy time from below:

    bound = first injection on l + T_l + max over m through l of (p_m - its term in T_l)

(the last message to drain is processed after the others' shares have
drained; which one is last is not tracked, hence the max).

Below saturation (each link's drain time shorter than its senders' emission
time) the bound is shorter than the pipelines and changes nothing.
"""
import numpy as np


def drain_bound(pstep, n_steps, t0_ns, recv_ns, plen, pkt_of_entry, links, terminal, n_links):
    """Lower bound (ns) of each step's busy time from receive-side back-pressure.

    pstep (P,): step index 0..n_steps-1 of each packet; t0_ns (P,): injection
    time; recv_ns (P,): receive processing time at the destination core;
    plen (P,): links in the path (terminals included, = hops + 2 on a mesh);
    pkt_of_entry, links (E,): the packet and link of each path entry."""
    bound = np.zeros(n_steps)
    keep = ~terminal[links]
    pe, le = pkt_of_entry[keep], links[keep]
    if pe.size == 0:
        return bound
    share_cost = recv_ns / plen
    # only the links some packet uses (in link order, so argmax breaks ties alike)
    used = np.zeros(n_links, bool)
    used[le] = True
    le = (np.cumsum(used) - 1)[le]
    n_links = int(used.sum())
    key = pstep[pe] * np.int64(n_links) + le
    load = np.bincount(key, weights=share_cost[pe], minlength=n_steps * n_links)
    load = load.reshape(n_steps, n_links)
    worst = np.argmax(load, axis=1)
    l_max = load[np.arange(n_steps), worst]
    # mean load along each packet's path, relative to its step's worst link
    path_load = np.bincount(pe, weights=load.ravel()[key], minlength=plen.size)
    n_path = np.bincount(pe, minlength=plen.size)
    P = plen.size
    through = np.zeros(P, bool)
    through[pe[le == worst[pstep[pe]]]] = True
    m = np.flatnonzero(through)
    if m.size == 0:
        return bound
    s = pstep[m]
    ratio = path_load[m] / np.maximum(n_path[m], 1) / l_max[s]
    term = share_cost[m] * ratio
    drain = np.bincount(s, weights=term, minlength=n_steps)
    first = np.full(n_steps, np.inf)
    np.minimum.at(first, s, t0_ns[m])
    last_p = np.zeros(n_steps)
    np.maximum.at(last_p, s, recv_ns[m] - term)
    has = np.isfinite(first)
    bound[has] = first[has] + drain[has] + last_p[has]
    return bound
