"""Loihi compartments in the compiled CPU loop (engine/cpu_fused/loihi_kernels.py)
against the reference: LoihiState.step (hardware_models/loihi/compartment.py)
stepped by the NumPy loop, the chip model stepped once per step.

Identical spike trains, identical u, v (and u_inh) every step, identical chip
summary (energy, time per tick, traffic, every delivery), for one and two
currents, uniform and per-cell parameters, injected currents, and runs that
cross from one path to the other.
"""
import json
import logging

import numpy as np
import pytest

import pycarl_backend as sim
from networks import build_recurrent
from pycarl_backend import simulator

pytest.importorskip("numba")

SUMMARY_KEYS = ("ticks", "energy_pj", "hardware_time_per_tick_ns", "busy_time_per_tick_ns",
                "counts", "traffic", "deliveries")


def loihi_run(fused, tau_syn_I=10.0, varied=False, electrode=False, runs=(60.0, 90.0),
              paths=None, options=None, record_every=1):
    """build_recurrent on Loihi's compartments; spikes, u/v of 6 cells of each group
    every step, and the chip's summary. paths: cpu_fused per run (default `fused`)."""
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7, hardware="loihi",
              hardware_options=options, cpu_fused=fused)
    cell = sim.IF_curr_exp(tau_refrac=2.0, tau_syn_E=5.0, tau_syn_I=tau_syn_I)
    exc, inh = build_recurrent(cell, 80, 20, 0.5, -1.5, seed=3, record_v=False)
    if record_every > 1:   # the chip still gets every spike
        exc.record(None)
        exc[::record_every].record("spikes")
    if varied:  # one value per cell: the kernel's per-cell branch
        exc.set(tau_m=sim.RandomDistribution("uniform", low=10.0, high=30.0,
                                             rng=sim.NumpyRNG(seed=1)))
    if electrode:
        sim.DCSource(amplitude=0.3, start=20.0, stop=80.0).inject_into(exc[10:30])
        sim.NoisyCurrentSource(mean=0.1, stdev=0.2, dt=0.5, start=5.0,
                               stop=120.0).inject_into(exc[20:40])
    cosim = simulator.state._cosimulation()
    engine = simulator.state.engine
    names = ["chip:u", "chip:v"] + (["chip:u_inh"] if tau_syn_I != 5.0 else [])
    for group in cosim.chip_groups.values():
        for name in names:
            engine.record_state(group, name, np.arange(14, 20), 1)
    used = []
    for k, t in enumerate(runs):
        engine.cpu_fused = fused if paths is None else paths[k]
        sim.run(t)
        used.append(engine.last_run_cpu_fused)
    trains = [np.asarray(st.magnitude) for p in (exc, inh)
              for st in p.get_data("spikes").segments[0].spiketrains]
    traces = {(g, n): engine.state_records[group][n].data()
              for g, group in cosim.chip_groups.items() for n in names}
    summary = cosim.summary()
    sim.end()
    return trains, traces, summary, used


def assert_identical(ref, got):
    trains_ref, traces_ref, summary_ref, _ = ref
    trains, traces, summary, _ = got
    assert sum(t.size for t in trains_ref) > 100
    for k, (a, b) in enumerate(zip(trains_ref, trains)):
        np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")
    assert traces.keys() == traces_ref.keys()
    for key, trace in traces_ref.items():
        assert trace.shape[0] == 1501
        np.testing.assert_array_equal(traces[key], trace, err_msg=str(key))
    for key in SUMMARY_KEYS:
        assert json.dumps(summary[key], sort_keys=True, default=np.ndarray.tolist) == \
            json.dumps(summary_ref[key], sort_keys=True, default=np.ndarray.tolist), key


@pytest.mark.parametrize("currents", ["one", "two"])
@pytest.mark.parametrize("variant", ["uniform", "varied", "electrodes"])
def test_compiled_compartments_identical_to_reference(currents, variant):
    kw = {"tau_syn_I": 5.0 if currents == "one" else 10.0, "varied": variant == "varied",
          "electrode": variant == "electrodes"}
    ref = loihi_run(False, **kw)
    got = loihi_run(True, **kw)
    assert ref[3] == [False, False] and got[3] == [True, True]
    assert_identical(ref, got)
    assert any(np.any(t) for k, t in got[1].items() if k[1] == "chip:u")


def test_runs_cross_between_the_paths():
    """State written back after a compiled window (u, v, refractory hold) carries on
    in the reference path and back."""
    ref = loihi_run(False, runs=(40.0, 50.0, 60.0))
    got = loihi_run(True, runs=(40.0, 50.0, 60.0), paths=(True, False, True))
    assert got[3] == [True, False, True]
    assert_identical(ref, got)


def test_chip_batches_cut_where_the_reference_cuts_them(monkeypatch):
    """More spikes than one deferred routing batch: step_many flushes after the same
    steps as step() does, so every delivery and statistic is the same."""
    from hardware_models.model import HardwareModel
    monkeypatch.setattr(HardwareModel, "BATCH_SPIKES", 97)
    ref = loihi_run(False)
    got = loihi_run(True)
    assert_identical(ref, got)


def test_latency_feedback_keeps_the_reference_loop_and_says_so_once(caplog):
    """A time model whose late deliveries become extra delay steps feeds back into
    the run each step: the NumPy loop runs, and the log says why, once."""
    from pycarl_backend.engine import cpu_fused
    cpu_fused._said.clear()
    caplog.set_level(logging.INFO, logger="pycarl")
    options = {"time_model": "async"}
    _, _, summary, used = loihi_run(True, options=options, runs=(20.0, 20.0))
    assert used == [False, False]
    reasons = [r.getMessage() for r in caplog.records if "compiled CPU loop not used" in
               r.getMessage() and "per-step latency" in r.getMessage()]
    assert len(reasons) == 1 and "time model 'async'" in reasons[0]
    assert summary["time_model"] == "async"


def test_spikes_of_cells_not_recorded_still_reach_the_chip():
    ref = loihi_run(False, record_every=3)
    got = loihi_run(True, record_every=3)
    assert_identical(ref, got)
    assert len(got[0]) == 27 + 20


@pytest.mark.parametrize("options", [{"cells": "software"}, {"latency": False}])
def test_other_chip_options_identical_to_reference(options):
    """Float cells on Loihi's network (weights rounded, the chip counting), and the
    chip's compartments without the interconnect."""
    ref = loihi_run(False, options=options)
    got = loihi_run(True, options=options)
    assert got[3] == [True, True]
    assert_identical(ref, got)
    assert bool(got[1]) == (options.get("cells") != "software")


def test_chip_spikes_skip_the_sort_only_when_it_changes_nothing():
    """stepper._to_chip leaves out np.lexsort where the spikes are already in its order."""
    from pycarl_backend.engine.cpu_fused.stepper import _in_order
    rng = np.random.default_rng(5)
    seen = {True: 0, False: 0}
    for _ in range(300):
        steps = np.sort(rng.integers(0, 6, rng.integers(0, 12)))
        rank = rng.integers(0, 4, steps.size)
        if rng.random() < 0.5:        # in order within each step, ties kept
            rank = rank[np.lexsort((rank, steps))]
        got = _in_order(steps, rank)
        order = np.lexsort((rank, steps))
        assert got == bool(np.array_equal(order, np.arange(steps.size)))
        seen[got] += 1
    assert seen[True] > 50 and seen[False] > 50


def test_kernel_arithmetic_equals_the_integer_reference_at_the_extremes():
    """loihi_kernels' compartments (float64 arithmetic on the float64 pool) against
    LoihiState.step's int64 arrays on per-cell parameters, states over the whole 24-bit
    range, refractory cells, inputs far beyond it (the wrap) up to 2**52 (the bound
    the kernel's docstring derives) and injected drives up to 2**60 that saturate v."""
    from hardware_models.loihi.compartment import LoihiState
    from pycarl_backend.engine.cpu_fused import loihi_kernels as lk
    rng = np.random.default_rng(12)
    n = 4000
    limit = 2 ** 23 - 1
    params = {"du": rng.integers(0, 4096, n), "dv": rng.integers(0, 4096, n),
              "du_inh": rng.integers(0, 4096, n), "vth": rng.integers(0, 2 ** 17, n),
              "bias_mant": rng.integers(-4095, 4096, n), "bias_exp": rng.integers(0, 8, n),
              "refractory": rng.integers(1, 4, n),
              "u0": rng.integers(-limit, limit + 1, n), "v0": rng.integers(-limit, limit + 1, n)}
    ref = LoihiState(np, n, params)
    ref.u2[...] = rng.integers(-limit, limit + 1, n)
    st = np.concatenate([ref.u, ref.v, ref.u2]).astype(np.float64)
    par = np.stack([ref.keep_u * lk.DECAY_SCALE, ref.keep_v * lk.DECAY_SCALE, ref.vth_scaled,
                    ref.bias, np.ones(n), ref.keep_u2 * lk.DECAY_SCALE]).astype(np.float64).ravel()
    left = np.zeros(n, np.int32)
    flag = np.zeros(n, np.uint8)
    fired_total = 0
    for step in range(30):
        scale = 2.0 ** rng.choice([3, 12, 22, 30, 45, 52], (2, n))
        inputs = np.trunc(rng.uniform(-1, 1, (2, n)) * scale)
        iext = np.trunc(rng.uniform(-1, 1, n) * 2.0 ** rng.choice([2, 20, 40, 60], n))
        ring = inputs.ravel().copy()
        fired = ref.step(inputs[0].astype(np.int64), np.rint(iext).astype(np.int64),
                         inputs[1].astype(np.int64))
        lk.loihi(n, True, False, False, st, 0, par, 0, left, 0, ring, 0, iext, 0, flag)
        np.testing.assert_array_equal(np.flatnonzero(flag), fired, err_msg=f"step {step}")
        left[fired] = ref.hold_after_spike[fired]
        for k, name in enumerate(("u", "v", "u2")):
            np.testing.assert_array_equal(st[k * n:(k + 1) * n], getattr(ref, name),
                                          err_msg=f"{name}, step {step}")
        assert not ring.any()                   # the inputs were consumed
        fired_total += fired.size
    assert fired_total > 1000 and np.any(ref.hold > 0)


@pytest.mark.parametrize("uniform", [True, False], ids=["uniform", "per cell"])
@pytest.mark.parametrize("pairs", [False, True], ids=["one step", "two steps"])
def test_kernel_without_the_wrap_equals_the_reference_where_nothing_wraps(uniform, pairs):
    """The kernels' bounded form (no wrap of u, u_inh) on states and inputs that stay
    within 24 bits (|u| <= 2**19 + 40 * 2**17): the reference's u, v, u_inh, spikes
    and refractory counts, one timestep per call and two."""
    from hardware_models.loihi.compartment import LoihiState
    from pycarl_backend.engine.cpu_fused import loihi_kernels as lk
    rng = np.random.default_rng(21)
    n = 1000
    pick = (lambda low, high: rng.integers(low, high)) if uniform else \
        (lambda low, high: rng.integers(low, high, n))
    params = {"du": pick(0, 4097), "dv": pick(0, 4096), "du_inh": pick(0, 4097),
              "vth": pick(0, 2 ** 13), "bias_mant": pick(-4096, 4096), "bias_exp": pick(0, 8),
              "refractory": pick(1, 5), "u0": rng.integers(-2 ** 19, 2 ** 19, n),
              "v0": rng.integers(-2 ** 23 + 1, 2 ** 23, n)}
    ref = LoihiState(np, n, params)
    st = np.concatenate([ref.u, ref.v, ref.u2]).astype(np.float64)
    rows = [np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))
            for x in (ref.keep_u * lk.DECAY_SCALE, ref.keep_v * lk.DECAY_SCALE, ref.vth_scaled,
                      ref.bias, 1.0, ref.keep_u2 * lk.DECAY_SCALE)]
    par = np.array([r[0] for r in rows]) if uniform else np.concatenate(rows)
    left = np.zeros(n, np.int32)
    rsteps = np.broadcast_to(ref.hold_after_spike, (n,)).astype(np.int32)
    flag = np.zeros(2 * n, np.uint8)
    iext = np.zeros(n)
    fired_total, largest = 0, 0
    for step in range(0, 40, 2):
        inputs = np.trunc(rng.uniform(-1, 1, (2, 2, n)) * 2.0 ** 17)
        ring = inputs.reshape(-1).copy()    # (step, receptor, cell)
        if pairs:
            lk.two_steps(n, True, uniform, True, st, 0, par, 0, left, 0, rsteps, ring, 0, 2 * n,
                         flag, n)
        fired = []
        for j in range(2):
            fired.append(ref.step(inputs[j, 0].astype(np.int64), None,
                                  inputs[j, 1].astype(np.int64)))
            if not pairs:
                lk.loihi(n, True, uniform, True, st, 0, par, 0, left, 0, ring, 2 * n * j, iext,
                         -1, flag)
                got = np.flatnonzero(flag[:n])
                left[got] = rsteps[got]
                np.testing.assert_array_equal(got, fired[j], err_msg=f"step {step + j}")
        if pairs:
            for j in range(2):
                np.testing.assert_array_equal(np.flatnonzero(flag[j * n:(j + 1) * n]), fired[j],
                                              err_msg=f"step {step + j}")
        for k, name in enumerate(("u", "v", "u2")):
            np.testing.assert_array_equal(st[k * n:(k + 1) * n], getattr(ref, name),
                                          err_msg=f"{name}, step {step}")
        np.testing.assert_array_equal(left, ref.hold)
        fired_total += sum(f.size for f in fired)
        largest = max(largest, np.abs(ref.u).max(), np.abs(ref.u2).max())
    assert fired_total > 100 and largest >= 2 ** 18


def paired_loihi_run(fused, runs=(100.0,), tau_syn_I=10.0, varied=False, tau_refrac=2.0,
                     options=None):
    """build_recurrent on Loihi without state records at timestep 0.05 ms, where every
    delay (0.1-2 ms) is at least two steps: the compiled loop takes the chip's
    timesteps two at a time (loihi_kernels.two_steps). Returns the trains, every
    compartment's final u, v, u_inh and refractory count, the chip summary, and
    whether the steps were paired."""
    sim.setup(timestep=0.05, min_delay=0.1, max_delay=4.0, rng_seed=7, hardware="loihi",
              hardware_options=options, cpu_fused=fused)
    cell = sim.IF_curr_exp(tau_refrac=tau_refrac, tau_syn_E=5.0, tau_syn_I=tau_syn_I)
    exc, inh = build_recurrent(cell, 80, 20, 0.5, -1.5, seed=3, record_v=False)
    if varied:
        exc.set(tau_m=sim.RandomDistribution("uniform", low=10.0, high=30.0,
                                             rng=sim.NumpyRNG(seed=1)))
    for t in runs:
        sim.run(t)
    engine = simulator.state.engine
    cosim = simulator.state.cosim
    trains = [np.asarray(st.magnitude) for p in (exc, inh)
              for st in p.get_data("spikes").segments[0].spiketrains]
    state = []
    for group in cosim.chip_groups.values():
        s = group.chip.loihi
        state += [s.u.copy(), s.v.copy(), s.hold.copy()] + ([s.u2.copy()] if s.u2 is not None
                                                           else [])
    summary = cosim.summary()
    paired = bool(getattr(engine, "last_run_cpu_paired", False))
    bounded = list(getattr(engine, "last_run_cpu_bounded", []))
    sim.end()
    return trains, state, summary, paired, bounded


def assert_paired_identical(ref, got):
    trains_ref, state_ref, summary_ref, _, _ = ref
    trains, state, summary, paired, _ = got
    assert paired
    assert sum(t.size for t in trains_ref) > 100
    for k, (a, b) in enumerate(zip(trains_ref, trains)):
        np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")
    assert len(state) == len(state_ref)
    for a, b in zip(state_ref, state):
        np.testing.assert_array_equal(a, b)
    for key in SUMMARY_KEYS:
        assert json.dumps(summary[key], sort_keys=True, default=np.ndarray.tolist) == \
            json.dumps(summary_ref[key], sort_keys=True, default=np.ndarray.tolist), key


@pytest.mark.parametrize("currents", ["one", "two"])
@pytest.mark.parametrize("varied", [False, True])
@pytest.mark.parametrize("runs", [(100.0,), (30.05, 20.0, 49.95)])
def test_timesteps_in_pairs_identical_to_reference(currents, varied, runs):
    """Two chip timesteps per pass (state in registers between them, a first-step
    spike's refractory count started in the pass): spike trains, the final u, v,
    u_inh and refractory counts of every compartment and the chip's summary are the
    reference's, also over runs of an odd number of steps."""
    kw = {"tau_syn_I": 5.0 if currents == "one" else 10.0, "varied": varied, "runs": runs}
    assert_paired_identical(paired_loihi_run(False, **kw), paired_loihi_run(True, **kw))


@pytest.mark.parametrize("tau_refrac", [0.05, 0.15])
def test_refractory_count_across_a_pair(tau_refrac):
    """Refractory periods of one and of an odd number of timesteps: a compartment
    that fires in the first step of a pair holds in the second exactly when the
    reference holds."""
    kw = {"tau_refrac": tau_refrac, "runs": (80.0,)}
    assert_paired_identical(paired_loihi_run(False, **kw), paired_loihi_run(True, **kw))


def test_float_cells_on_the_chip_in_pairs():
    """cells: software (IF_curr_exp with the chip's network) takes its steps in pairs
    too, and the chip gets every step's spikes in the reference's order."""
    kw = {"options": {"cells": "software"}}
    ref, got = paired_loihi_run(False, **kw), paired_loihi_run(True, **kw)
    assert not got[1] and not ref[1]     # no chip compartments
    assert_paired_identical(ref, got)


def test_spikes_before_a_failed_hand_over_stay_readable(monkeypatch):
    """A chip error in the second hand-over of a compiled window: the spikes of the
    steps already handed over are stored (the loop stores its output once, when the
    window ends or fails) and are those of a run that did not fail."""
    from pycarl_backend.cosim import CoSimulation
    from pycarl_backend.engine.cpu_fused import stepper

    def spikes_of(fail):
        calls = []
        original = CoSimulation.steps_without_feedback

        def failing(self, first, n_steps, steps, ids):
            calls.append(first)
            if fail and len(calls) == 2:
                raise RuntimeError("chip failed")
            return original(self, first, n_steps, steps, ids)

        monkeypatch.setattr(CoSimulation, "steps_without_feedback", failing)
        sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7, hardware="loihi")
        exc, inh = build_recurrent(sim.IF_curr_exp(tau_refrac=2.0, tau_syn_I=10.0), 80, 20,
                                   0.5, -1.5, seed=3, record_v=False)
        if fail:
            with pytest.raises(RuntimeError, match="chip failed"):
                sim.run(300.0)
        else:
            sim.run(300.0)
        trains = [np.asarray(st.magnitude) for p in (exc, inh)
                  for st in p.get_data("spikes").segments[0].spiketrains]
        sim.end()
        return trains

    monkeypatch.setattr(stepper, "CHIP_STEPS", 1000)
    failed = spikes_of(True)
    whole = spikes_of(False)
    before = [t[t < 100.0] for t in whole]      # the first hand-over: steps 0..999
    assert sum(t.size for t in before) > 50
    for a, b in zip(failed, before):
        np.testing.assert_array_equal(a, b)


def test_the_recurrent_networks_run_without_the_wrap():
    """The networks of the tests above (refractory 40 steps at 0.05 ms) are ones where
    no current can wrap (LoihiSpec.bounded): their identity with the reference is the
    wrap-free kernel's, one step and two steps per pass; with one current too."""
    assert paired_loihi_run(True)[4] == ["exc", "inh"]
    assert paired_loihi_run(True, tau_syn_I=5.0)[4] == ["exc", "inh"]
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7, hardware="loihi")
    build_recurrent(sim.IF_curr_exp(tau_refrac=2.0, tau_syn_I=10.0), 80, 20, 0.5, -1.5,
                    seed=3, record_v=False)
    cosim = simulator.state._cosimulation()
    engine = simulator.state.engine
    engine.record_state(cosim.chip_groups["exc"], "chip:u", np.arange(3), 1)
    sim.run(50.0)
    assert not engine.last_run_cpu_paired and engine.last_run_cpu_bounded == ["exc", "inh"]
    sim.end()


# (spike times, weight nA, runs): a source cell onto 4 compartments (tau_syn 1 ms: du 389)
# whose u wraps: w_act about 1.2e6 on 20 consecutive steps; 30 spikes of the source cell
# in one step (a single one's bound, w_act 3.5e5 / (1 - f), would allow no wrap); spikes
# of the first run still on their way (3 ms) when the second starts, where the source is
# silent (only the ring's content bounds the second run's input)
WRAPPING = {"consecutive": (np.arange(5.0, 7.0, 0.1), 200.0, (20.0,)),
            "one step": (np.full(30, 5.0), 60.0, (20.0,)),
            "in flight": (np.arange(4.0, 6.0, 0.1), 200.0, (6.5, 15.0))}


def wrapping_run(fused, case, record_u):
    times, weight, runs = WRAPPING[case]
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, hardware="loihi", cpu_fused=fused)
    src = sim.Population(1, sim.SpikeSourceArray(spike_times=times), label="src")
    post = sim.Population(4, sim.IF_curr_exp(tau_syn_E=1.0, tau_syn_I=1.0, tau_refrac=0.1),
                          label="post")
    sim.Projection(src, post, sim.AllToAllConnector(),
                   sim.StaticSynapse(weight=weight, delay=3.0))
    post.record("spikes")
    engine = simulator.state.engine
    group = simulator.state._cosimulation().chip_groups["post"]
    if record_u:
        engine.record_state(group, "chip:u", np.arange(4), 1)
    bounded = []
    for t in runs:
        sim.run(t)
        bounded.append(bool(getattr(engine, "last_run_cpu_bounded", [])))
    trains = [np.asarray(st.magnitude) for st in post.get_data("spikes").segments[0].spiketrains]
    u = engine.state_records[group]["chip:u"].data() if record_u else group.chip.loihi.u.copy()
    sim.end()
    return trains, u, bounded


@pytest.mark.parametrize("record_u", [True, False], ids=["one step", "pairs"])
@pytest.mark.parametrize("case", list(WRAPPING))
def test_currents_that_can_wrap_keep_the_wrap(case, record_u, monkeypatch):
    """Where u wraps (LoihiState's 24-bit wrap) the compiled loop keeps the wrap: no
    run that wraps is taken as bounded, and the trains and u are the reference's.
    The same run with the bound forced differs from the reference, so each case
    really wraps (a bound that missed a source's several spikes in one step, or the
    inputs already in the ring, would fail here)."""
    from pycarl_backend.engine.cpu_fused import loihi_kernels
    ref = wrapping_run(False, case, record_u)
    got = wrapping_run(True, case, record_u)
    assert not any(got[2])
    assert sum(t.size for t in ref[0]) > 0 or case == "one step"
    for a, b in zip(ref[0], got[0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ref[1], got[1])
    monkeypatch.setattr(loihi_kernels.LoihiSpec, "bounded", lambda *args: True)
    forced = wrapping_run(True, case, record_u)
    assert forced[2][-1]
    assert not np.array_equal(forced[1], ref[1])


def test_spike_spacing_is_the_refractory_period_unless_a_held_cell_is_above_threshold():
    """A Loihi compartment's spikes are `refractory` steps apart (the bound of what
    it sends), unless a held compartment's v has been set above its threshold."""
    from pycarl_backend.engine.cpu_fused.loihi_kernels import LoihiSpec
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7, hardware="loihi")
    build_recurrent(sim.IF_curr_exp(tau_refrac=2.0, tau_syn_I=10.0), 80, 20, 0.5, -1.5,
                    seed=3, record_v=False)
    exc = simulator.state.populations[0]
    sim.run(300.0)
    group = simulator.state.cosim.chip_groups["exc"]
    s = group.chip.loihi
    spec = LoihiSpec(s.u2 is not None)
    views = [a.astype(float) for a in spec.state_arrays(group)]
    assert s.hold.any()
    # tau_refrac 2 ms at 0.1 ms: refractory 21 (translate.py: round(tau_refrac / dt) + 1)
    spacing = spec.spike_spacing(group, views, s.hold)
    assert spacing == 21
    gaps = [np.diff(np.rint(st.magnitude / 0.1)) for st in
            exc.get_data("spikes").segments[0].spiketrains]
    assert min(g.min() for g in gaps if g.size) >= spacing     # what the bound relies on
    held = np.flatnonzero(s.hold)[0]
    views[1][held] = s.vth_scaled + 1
    assert spec.spike_spacing(group, views, s.hold) == 1
    sim.end()


def test_a_chip_run_ends_with_a_short_call_of_the_loop():
    """stepper._chunks: with a chip, the last CHIP_TAIL_STEPS steps are a call of
    their own (the routing thread finishes earlier batches meanwhile); without one,
    or where the window is short, the calls are the chunks; the window is covered
    once, in order."""
    from types import SimpleNamespace

    from pycarl_backend.engine.cpu_fused import stepper
    tail = stepper.CHIP_TAIL_STEPS

    def calls(n, chip):
        return stepper.CPUFusedStepper._chunks(SimpleNamespace(hardware=chip), n, 1000)

    chip = object()
    assert calls(2500, chip) == [(0, 1000), (1000, 2000), (2000, 2500 - tail),
                                 (2500 - tail, 2500)]
    assert calls(1000, chip) == [(0, 1000 - tail), (1000 - tail, 1000)]
    assert calls(2500, None) == [(0, 1000), (1000, 2000), (2000, 2500)]
    assert calls(2 * tail, chip) == [(0, 2 * tail)]
    assert calls(0, chip) == []
    for n in (1, 999, 1000, 1001, 10_000, 10_150):
        assert [k for c in calls(n, chip) for k in range(*c)] == list(range(n))
