"""Receive-side back-pressure (hardware_models/backpressure.py), hand-computed ticks."""
import numpy as np
import pytest

from hardware_models import (ChipSpecError, NetworkGraph, PopulationSpec, ProjectionSpec,
                             load_hardware)


def fan_out_chip(width, cores_per_router, backpressure):
    """One neuron per core; only message_out (1 ns) and message_in (100 ns) cost time;
    1 ns cycles, router latency 3 cycles, no wire delay, no barrier."""
    return load_hardware({
        "name": "FanOut", "time_model": "barrier", "cores": 4, "neurons_per_core": 1,
        "topology": {"kind": "mesh", "width": width, "height": 1,
                     "cores_per_router": cores_per_router},
        "interconnect": {"cycle_ns": 1.0, "router_latency_cycles": 3, "flits_per_packet": 1,
                         "buffer_flits": 4},
        "timing": {"message_out_ns": 1.0, "message_in_ns": 100.0,
                   "receive_backpressure": backpressure},
        "quantize": False,
    })


def star_graph(n_targets):
    """Neuron 0 -> neurons 1..n_targets, one synapse each (synop_ns is 0 anyway)."""
    n = n_targets + 1
    return NetworkGraph(1.0, [PopulationSpec("a", n, "IF_curr_exp", 0)],
                        [ProjectionSpec("p", "a", "a", "excitatory", np.zeros(n_targets, int),
                                        np.arange(1, n), np.ones(n_targets), np.ones(n_targets))])


def busy_of_spike_tick(hw, n_targets):
    s = hw.replay(star_graph(n_targets), {0: [0.0]}, t_stop_ms=1.0)
    return s["busy_time_per_tick_ns"]["max"], s["hardware_time_per_tick_ns"]["mean"]


def test_one_router_sender_throttled_by_receivers():
    # core 0 sends 3 messages (to cores 1, 2, 3 on its own router), injected at 1, 2, 3 ns.
    # Without back-pressure: each arrives 3 (router) + 1 (flit) cycles later and takes
    # 100 ns to receive: last done at 7 + 100 = 107 ns.
    busy, hw_time = busy_of_spike_tick(fan_out_chip(1, 4, False), 3)
    assert busy == pytest.approx(107.0) and hw_time == pytest.approx(107.0)
    # With it: every message holds 1/(0 + 2) of the injection link for its 100 ns receive
    # time: drain 3 x 50 = 150 ns from the first injection (1 ns); the last message is then
    # received in full: + 100 - its own 50 -> 1 + 150 + 50 = 201 ns.
    busy, hw_time = busy_of_spike_tick(fan_out_chip(1, 4, True), 3)
    assert busy == pytest.approx(201.0) and hw_time == pytest.approx(201.0)


def test_lighter_downstream_link_shortens_the_drain():
    # two routers with two cores each: core 0 sends to core 1 (same router, h = 0, shares
    # 1/2) and core 2 (next router, h = 1, shares 1/3 of 2 links). Link loads: injection
    # 100/2 + 100/3 = 83.33 ns (the worst), east link 33.33 ns. The h = 1 message's path
    # load is (83.33 + 33.33) / 2 = 58.33 = 0.7 of the worst: drain 50 + 0.7 x 33.33 = 73.33 ns;
    # last message: max(100 - 50, 100 - 23.33) = 76.67 -> 1 + 73.33 + 76.67 = 151 ns.
    busy, _ = busy_of_spike_tick(fan_out_chip(2, 2, True), 2)
    assert busy == pytest.approx(1 + 50 + 0.7 * 100 / 3 + 100 - 0.7 * 100 / 3)
    # without: the h = 1 packet is injected at 2 ns, 3 + 3 cycles of routers + 1 flit:
    # delivered at 9 ns, received by 109 ns
    busy, _ = busy_of_spike_tick(fan_out_chip(2, 2, False), 2)
    assert busy == pytest.approx(109.0)


def test_below_saturation_nothing_changes():
    # a single message: 1 + 50 + (100 - 50) = 101 ns, below its delivery (5 ns) + 100 ns
    on, _ = busy_of_spike_tick(fan_out_chip(1, 4, True), 1)
    off, _ = busy_of_spike_tick(fan_out_chip(1, 4, False), 1)
    assert on == off == pytest.approx(1 + 4 + 100)


def test_loihi_enables_it_and_the_switch_is_validated():
    assert load_hardware("loihi").spec.get("timing.receive_backpressure") is True
    assert load_hardware("truenorth").spec.get("timing.receive_backpressure") is False
    with pytest.raises(ChipSpecError, match="receive_backpressure"):
        load_hardware("loihi", **{"timing.receive_backpressure": "maybe"})


@pytest.mark.parametrize("seed", range(3))
def test_compiled_drain_bound_equals_numpy(seed):
    """drain_bound_compiled (backpressure_compiled.py) returns drain_bound's bounds bit
    for bit on random traffic: many steps, shared and tied link loads, steps without
    packets, terminal links left out."""
    from hardware_models.backpressure import drain_bound
    from hardware_models.backpressure_compiled import drain_bound_compiled
    rng = np.random.default_rng(seed)
    n_steps, P, n_links = 50, 800, 40
    pstep = np.sort(rng.integers(0, n_steps - 5, P))          # the last steps have none
    plen = rng.integers(1, 6, P)
    pkt = np.repeat(np.arange(P), plen)
    links = rng.integers(0, n_links, pkt.size)
    terminal = np.zeros(n_links, bool)
    terminal[:5] = True
    t0 = rng.integers(0, 300, P).astype(np.float64)
    recv = rng.choice([20.0, 35.5, 50.0], P)                  # equal costs: tied loads
    got = drain_bound_compiled(pstep, n_steps, t0, recv, plen, pkt, links, terminal, n_links)
    ref = drain_bound(pstep, n_steps, t0, recv, plen, pkt, links, terminal, n_links)
    np.testing.assert_array_equal(got, ref)
    assert np.count_nonzero(ref) > n_steps // 2
