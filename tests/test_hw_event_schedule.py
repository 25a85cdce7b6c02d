"""The compiled event scheduler gives the reference's schedule (interconnect.schedule_events)."""
import numpy as np
import pytest

from hardware_models import event_schedule
from hardware_models.event_schedule import schedule_groups
from hardware_models.interconnect import (HOST, Hierarchical, Mesh, buffer_overflow_groups,
                                          schedule_events, schedule_vectorised)


def _traffic(rng, net, n_groups, max_packets, window, sort=True):
    """Random groups of packets (sources include the host); with `sort`, each group's
    request cycles are in packet order (as the chip model hands them over)."""
    t0, plen, links, lats, gptr = [], [], [], [], [0]
    for _ in range(n_groups):
        P = int(rng.integers(1, max_packets + 1))
        src = rng.integers(HOST, net.n_cores, P)
        dst = rng.integers(0, net.n_cores, P)
        t = rng.integers(0, window, P)
        t = np.sort(t) if sort else t
        for s, d, ti in zip(src.tolist(), dst.tolist(), t.tolist()):
            r = net.route(s, d)
            t0.append(ti)
            plen.append(len(r.links))
            links += r.links
            lats += r.lats
        gptr.append(gptr[-1] + P)
    return (np.array(t0, np.int64), np.array(gptr, np.int64), np.array(plen, np.int64),
            np.array(links, np.int64), np.array(lats, np.int64))


def _reference(net, t0, gptr, plen, links, lats):
    pptr = np.concatenate([[0], np.cumsum(plen)])
    starts, delivers = [], []
    for g in range(gptr.size - 1):
        sel = range(gptr[g], gptr[g + 1])
        s, d = schedule_events(t0[gptr[g]:gptr[g + 1]].tolist(),
                               [links[pptr[i]:pptr[i + 1]].tolist() for i in sel],
                               [lats[pptr[i]:pptr[i + 1]].tolist() for i in sel],
                               net.flits, net.buffer_packets, net.terminal)
        starts += [x for row in s for x in row]
        delivers += d
    return np.array(starts, np.int64), np.array(delivers, np.int64)


def _check_against_reference(net, t0, gptr, plen, links, lats):
    start, deliver = schedule_groups(t0, gptr, plen, links, lats, net.flits,
                                     net.buffer_packets, net.terminal)
    ref_start, ref_deliver = _reference(net, t0, gptr, plen, links, lats)
    assert deliver.tolist() == ref_deliver.tolist()
    assert start.tolist() == ref_start.tolist()
    return deliver


NETS = {
    # buffer of one packet: back-pressure on every contended router input
    "mesh, 1-packet buffers": lambda: Mesh(16, 4, 2, 2, (1, 1), 3, 2, 4, 2, 2, 0.5),
    "mesh, 2-packet buffers": lambda: Mesh(24, 3, 4, 2, (0, 0), 1, 0, 1, 3, 6, 1.0),
    "mesh, one router": lambda: Mesh(4, 1, 1, 4, (0, 0), 1, 0, 0, 4, 4, 1.0),
    "DYNAP-SE hierarchy": lambda: Hierarchical(16, 2, 2, 4, 0, r1=2, r2=3, r3=5, flits=1,
                                               buffer_flits=1, cycle_ns=1.0),
}


@pytest.mark.parametrize("name", sorted(NETS))
@pytest.mark.parametrize("seed", range(3))
def test_compiled_scheduler_matches_reference_on_random_traffic(name, seed):
    net = NETS[name]()
    rng = np.random.default_rng(seed)
    # dense bursts (many packets in few cycles) contend and fill buffers; sparse ones do not
    t0, gptr, plen, links, lats = _traffic(rng, net, 40, 60, 12)
    _check_against_reference(net, t0, gptr, plen, links, lats)
    # the traffic does exercise back-pressure: with unbounded buffers some groups overflow
    group = np.repeat(np.arange(gptr.size - 1), np.diff(gptr))
    vs, vd, conv = schedule_vectorised(t0, group, plen, links, lats, net.flits, net.n_links)
    assert conv
    over = buffer_overflow_groups(vs, group, plen, links, net.n_links, net.buffer_packets)
    assert over.size > 0
    assert not np.array_equal(vd, schedule_groups(t0, gptr, plen, links, lats, net.flits,
                                                  net.buffer_packets, net.terminal)[1])


@pytest.mark.parametrize("seed", range(3))
def test_compiled_scheduler_matches_reference_for_unordered_requests(seed):
    # request cycles out of packet order: ties still go to the lower packet index
    net = NETS["mesh, 1-packet buffers"]()
    _check_against_reference(net, *_traffic(np.random.default_rng(seed), net, 30, 50, 10,
                                            sort=False))


def test_compiled_scheduler_hand_computed_back_pressure():
    # the case of test_hw_interconnect.test_bounded_buffer_back_pressure_hand_computed, in
    # two groups: each group starts from an idle network
    F = 4
    small = Mesh(4, 1, 1, 4, (0, 0), 1, 0, 0, F, F, 1.0)
    routes = [small.route(s, d) for s, d in [(0, 2), (1, 2), (1, 3)]] * 2
    start, deliver = schedule_groups([0, 0, 0, 0, 0, 0], [0, 3, 6], [2] * 6,
                                     [x for r in routes for x in r.links],
                                     [x for r in routes for x in r.lats], F,
                                     small.buffer_packets, small.terminal)
    assert deliver.tolist() == [5, 9, 10, 5, 9, 10]
    assert start[:6].tolist() == [0, 1, 0, 5, 5, 6]   # (injection, ejection) per packet


def test_uncompiled_path_gives_the_same_schedule(monkeypatch):
    net = NETS["mesh, 1-packet buffers"]()
    traffic = _traffic(np.random.default_rng(7), net, 10, 30, 8)
    args = traffic + (net.flits, net.buffer_packets, net.terminal)
    compiled = schedule_groups(*args)
    monkeypatch.setattr(event_schedule, "_compiled", None)
    plain = schedule_groups(*args)
    assert compiled[1].tolist() == plain[1].tolist()
    assert compiled[0].tolist() == plain[0].tolist()
    # and the array algorithm itself, uncompiled (what numba compiles)
    start, deliver = event_schedule._schedule_groups(*traffic, net.flits, net.buffer_packets,
                                                     net.terminal, 64)
    assert deliver.tolist() == plain[1].tolist()


def test_event_heap_grows_when_full():
    net = NETS["mesh, 1-packet buffers"]()
    traffic = _traffic(np.random.default_rng(3), net, 10, 60, 8)
    args = traffic + (net.flits, net.buffer_packets, net.terminal)
    small = schedule_groups(*args, ev_rows=1)                # doubles from one row
    assert small[1].tolist() == schedule_groups(*args)[1].tolist()
    assert small[0].tolist() == schedule_groups(*args)[0].tolist()


@pytest.mark.parametrize("chip, kw", [
    ("truenorth", {"neurons_per_core": 8, "fan_out_policy": "split",
                   "interconnect.buffer_flits": 1}),
    ("loihi", {"neurons_per_core": 4, "interconnect.flits_per_packet": 1,
               "interconnect.buffer_flits": 1}),
    ("dynapse", {"neurons_per_core": 8}),     # every group overflows its FIFOs
])
def test_chip_model_schedules_the_same_with_and_without_the_compiled_scheduler(
        chip, kw, monkeypatch):
    """The compiled fixed point, and the event scheduler (compiled or not) where
    buffers overflow or the fixed point does not settle: the same deliveries."""
    from hardware_models import NetworkGraph, PopulationSpec, ProjectionSpec, load_hardware
    rng = np.random.default_rng(11)
    n = 64
    src, tgt = rng.integers(0, n, 600), rng.integers(0, n, 600)
    g = NetworkGraph(0.1, [PopulationSpec("a", n, "IF_curr_exp", 0)],
                     [ProjectionSpec("p", "a", "a", "excitatory", src, tgt, np.ones(600),
                                     np.ones(600))])
    # bursts: a third of the cells fire together every few steps
    spikes = {i: np.sort(rng.choice(np.arange(0, 30, 0.3), 12, replace=False))
              for i in range(n)}
    compiled = load_hardware(chip, **kw).replay(g, spikes, t_stop_ms=30.0)
    monkeypatch.setattr(event_schedule, "_compiled", None)
    plain = load_hardware(chip, **kw).replay(g, spikes, t_stop_ms=30.0)
    assert compiled["deliveries"].keys() == plain["deliveries"].keys()
    for key, column in plain["deliveries"].items():
        np.testing.assert_array_equal(compiled["deliveries"][key], column, err_msg=key)
    assert compiled["hardware_time_per_tick_ns"] == plain["hardware_time_per_tick_ns"]
    assert compiled["energy_pj"] == plain["energy_pj"]
    # the event scheduler really ran (for the same ticks in both)
    fallbacks = plain["counts"]["event_scheduler_fallbacks"]
    assert 0 < fallbacks == compiled["counts"]["event_scheduler_fallbacks"]
