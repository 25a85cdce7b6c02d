"""Interconnect: hand-computed latencies, contention, back-pressure, schedulers agree."""
import numpy as np
import pytest

from hardware_models.interconnect import (HOST, Hierarchical, Mesh, buffer_overflow_groups,
                                          schedule_events, schedule_vectorised)


def _vec(mesh, t0, pairs):
    paths = [mesh.route(s, d) for s, d in pairs]
    plen = np.array([len(r.links) for r in paths])
    links = np.concatenate([r.links for r in paths]).astype(np.int64)
    lats = np.concatenate([r.lats for r in paths]).astype(np.int64)
    t0 = np.asarray(t0, np.int64)
    g = np.zeros(t0.size, np.int64)
    start, deliver, conv = schedule_vectorised(t0, g, plen, links, lats, mesh.flits,
                                               mesh.n_links)
    assert conv
    over = buffer_overflow_groups(start, g, plen, links, mesh.n_links, mesh.buffer_packets)
    return deliver, over


def _ev(mesh, t0, pairs):
    paths = [mesh.route(s, d) for s, d in pairs]
    _, d = schedule_events(list(t0), [r.links for r in paths], [r.lats for r in paths],
                           mesh.flits, mesh.buffer_packets, mesh.terminal)
    return np.array(d)


def test_idle_latency_is_hops_times_router_latency_plus_serialization():
    # 4x4 mesh, one core per router, R = 3 cycles, packets of 2 flits, no wire delay
    m = Mesh(16, 4, 4, 1, (0, 0), router_latency=3, wire_x=0, wire_y=0, flits=2,
             buffer_flits=8, cycle_ns=1.0)
    # core 0 at (0,0) -> core 6 at (2,1): Manhattan 3, so 4 routers traversed
    r = m.route(0, 6)
    assert r.routers == 4 and r.hops_x == 2 and r.hops_y == 1
    assert m.idle_latency_cycles(0, 6) == 4 * 3 + 2
    d, _ = _vec(m, [5], [(0, 6)])
    assert d.tolist() == [5 + 4 * 3 + 2]
    assert _ev(m, [5], [(0, 6)]).tolist() == [5 + 4 * 3 + 2]
    # local delivery: one router
    assert m.idle_latency_cycles(3, 3) == 1 * 3 + 2


def test_wire_delays_add_per_direction():
    m = Mesh(16, 4, 4, 1, (0, 0), router_latency=3, wire_x=5, wire_y=10, flits=1,
             buffer_flits=8, cycle_ns=0.5)
    # 2 hops east, 1 hop north: 4 routers x 3 + 2 x 5 + 1 x 10 + 1 flit
    assert m.idle_latency_cycles(0, 6) == 12 + 10 + 10 + 1


def test_two_packets_contending_for_one_link_are_one_packet_time_apart():
    # 3x1 line: cores 0 and 2 both send to core 1 at t=0; F = 4 flits
    F, R = 4, 2
    m = Mesh(3, 3, 1, 1, (0, 0), router_latency=R, wire_x=0, wire_y=0, flits=F,
             buffer_flits=64, cycle_ns=1.0)
    idle = m.idle_latency_cycles(0, 1)
    assert idle == 2 * R + F == m.idle_latency_cycles(2, 1)
    d, over = _vec(m, [0, 0], [(0, 1), (2, 1)])
    assert d.tolist() == [idle, idle + F]        # the ejection link serialises them
    assert over.size == 0
    assert _ev(m, [0, 0], [(0, 1), (2, 1)]).tolist() == [idle, idle + F]
    # first-come first-served: the later request waits even with a lower index
    d, _ = _vec(m, [1, 0], [(0, 1), (2, 1)])
    assert d.tolist() == [idle + F, idle]


def test_same_source_packets_serialise_on_the_injection_link():
    m = Mesh(4, 2, 2, 1, (0, 0), router_latency=1, wire_x=0, wire_y=0, flits=3,
             buffer_flits=64, cycle_ns=1.0)
    d, _ = _vec(m, [0, 0], [(0, 1), (0, 2)])
    assert d.tolist() == [m.idle_latency_cycles(0, 1), m.idle_latency_cycles(0, 2) + 3]


def test_bounded_buffer_back_pressure_hand_computed():
    # cores a=0, b=1, c=2, d=3 on one router (cpr 4); F=4 flits, R=1, buffer 1 packet.
    # X: a->c, Y: b->c, Z: b->d, all requested at t=0.
    # X: inj 0, ej_c 1..5, delivered 5. Y: inj 0, waits for ej_c until 5, delivered 9;
    # Y holds b's input buffer until 5, so Z (inj link free at 4) starts at 5 (back-pressure),
    # reaches ej_d at 6, delivered 10. Unbounded buffers: Z starts at 4, delivered 9.
    F = 4
    small = Mesh(4, 1, 1, 4, (0, 0), 1, 0, 0, F, F, 1.0)
    big = Mesh(4, 1, 1, 4, (0, 0), 1, 0, 0, F, 64, 1.0)
    pairs = [(0, 2), (1, 2), (1, 3)]
    assert _ev(big, [0, 0, 0], pairs).tolist() == [5, 9, 9]
    assert _ev(small, [0, 0, 0], pairs).tolist() == [5, 9, 10]
    d, over = _vec(small, [0, 0, 0], pairs)
    assert d.tolist() == [5, 9, 9]               # the vectorised pass assumes unbounded buffers
    assert over.tolist() == [0]                  # ... and flags the group for the event scheduler


@pytest.mark.parametrize("seed", range(4))
def test_vectorised_scheduler_matches_event_scheduler(seed):
    rng = np.random.default_rng(seed)
    m = Mesh(16, 4, 2, 2, (1, 1), 3, 2, 4, 2, 10_000, 0.5)
    for _ in range(60):
        P = int(rng.integers(1, 40))
        src = rng.integers(-1, 16, P)
        dst = rng.integers(0, 16, P)
        t0 = np.sort(rng.integers(0, 30, P))
        pairs = list(zip(src.tolist(), dst.tolist()))
        d, _ = _vec(m, t0, pairs)
        assert d.tolist() == _ev(m, t0, pairs).tolist()


def test_vectorised_routes_match_scalar_routes():
    m = Mesh(40, 5, 3, 3, (1, 2), 3, 2, 4, 1, 4, 0.5, 1.0, 3.0, 4.0)
    src = np.repeat(np.arange(-1, 40), 40)
    dst = np.tile(np.arange(40), 41)
    plen, links, lats, en = m.routes(src, dst)
    ptr = np.concatenate([[0], np.cumsum(plen)])
    for i, (a, b) in enumerate(zip(src.tolist(), dst.tolist())):
        r = m.route(a, b)
        assert r.links == links[ptr[i]:ptr[i + 1]].tolist()
        assert r.lats == lats[ptr[i]:ptr[i + 1]].tolist()
        assert r.energy_pj == pytest.approx(en[i])


def test_mesh_energy_per_hop_direction():
    m = Mesh(16, 4, 4, 1, (0, 0), 1, 0, 0, 1, 4, 1.0, hop_local_pj=1.7, hop_x_pj=3.0,
             hop_y_pj=4.2)
    assert m.route(0, 0).energy_pj == pytest.approx(1.7)
    assert m.route(0, 6).energy_pj == pytest.approx(2 * 3.0 + 1 * 4.2)


def test_dynapse_hierarchical_routes_and_latencies():
    # 2x2 chips, 4 cores per chip; R1 = 5, R2 = 7, R3 = 11 cycles, one flit
    h = Hierarchical(16, 2, 2, 4, 0, r1=5, r2=7, r3=11, flits=1, buffer_flits=4, cycle_ns=1.0)
    assert h.idle_latency_cycles(3, 3) == 5 + 1                     # R1 local broadcast
    assert h.idle_latency_cycles(0, 3) == 7 + 5 + 1                 # R2 within the chip
    # chip 0 -> chip 3 (diagonal, 2 R3 hops): up to R2, to R3, 2 mesh hops, down R2, R1
    r = h.route(1, 13)
    assert r.chip_hops == 2
    assert h.idle_latency_cycles(1, 13) == 7 + 11 + 2 * 11 + 7 + 5 + 1
    # host input enters at chip 0's R3
    assert h.idle_latency_cycles(HOST, 2) == 11 + 7 + 5 + 1
    # contention at a destination core's R1 down link: one packet time apart
    paths = [h.route(0, 2), h.route(1, 2)]
    _, d = schedule_events([0, 0], [p.links for p in paths], [p.lats for p in paths], 1, 4,
                           h.terminal)
    assert d == [13, 14]


def test_mesh_too_small_raises():
    from hardware_models import HardwareConstraintError
    with pytest.raises(HardwareConstraintError, match="holds 4 cores; 5 needed"):
        Mesh(5, 2, 2, 1, (0, 0), 1, 0, 0, 1, 1, 1.0)


@pytest.mark.parametrize("topology, seed", [("mesh", 0), ("mesh", 1), ("hierarchical", 2)])
def test_compiled_scheduler_equals_vectorised(topology, seed):
    """schedule_compiled (fcfs_schedule.py) gives schedule_vectorised's start of every
    hop and delivery of every packet, and buffer_overflow_compiled the groups of
    buffer_overflow_groups, on many groups of random traffic crowded enough that links
    are contended and some buffers overflow."""
    from hardware_models.fcfs_schedule import buffer_overflow_compiled, schedule_compiled
    rng = np.random.default_rng(seed)
    if topology == "mesh":
        net = Mesh(16, 4, 4, 1, (0, 0), router_latency=2, wire_x=1, wire_y=0, flits=3,
                   buffer_flits=6, cycle_ns=1.0)
    else:
        net = Hierarchical(16, 2, 2, 4, 0, r1=5, r2=7, r3=11, flits=2, buffer_flits=4,
                           cycle_ns=1.0)
    n_groups = 60
    per = rng.integers(2, 70, n_groups)      # small and large groups (both overflow checks)
    group = np.repeat(np.arange(n_groups, dtype=np.int64), per)
    t0 = np.concatenate([np.sort(rng.integers(0, 30, k)) for k in per])
    src = rng.integers(-1, 16, group.size)
    dst = rng.integers(0, 16, group.size)
    paths = [net.route(s, d) for s, d in zip(src, dst)]
    plen = np.array([len(r.links) for r in paths], np.int64)
    links = np.concatenate([r.links for r in paths]).astype(np.int64)
    lats = np.concatenate([r.lats for r in paths]).astype(np.int64)
    s_ref, d_ref, conv = schedule_vectorised(t0, group, plen, links, lats, net.flits,
                                             net.n_links)
    assert conv
    s_c, d_c, conv_c = schedule_compiled(t0, group, plen, links, lats, net.flits, net.n_links)
    assert conv_c
    np.testing.assert_array_equal(s_c, s_ref)
    np.testing.assert_array_equal(d_c, d_ref)
    idle = np.array([t + net.idle_latency_cycles(s, d) for t, s, d in zip(t0, src, dst)])
    assert np.count_nonzero(d_ref > idle) > group.size // 4          # contention
    over = buffer_overflow_groups(s_ref, group, plen, links, net.n_links, net.buffer_packets)
    assert over.size > 0                                              # and overflow
    for cap in (1, net.buffer_packets, 3 * net.buffer_packets):
        np.testing.assert_array_equal(
            buffer_overflow_compiled(s_ref, group, plen, links, net.n_links, cap),
            buffer_overflow_groups(s_ref, group, plen, links, net.n_links, cap))
