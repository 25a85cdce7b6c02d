"""A barrier-clocked chip's deferred routing on a worker thread
(hardware_models/routing_worker.py): the same summary as routing on the calling
thread, batches on the worker while the engine steps, a batch's error raised by
the run() that handed it over, and no thread on a machine with one core."""
import json
import threading

import numpy as np
import pytest

import pycarl_backend as sim
from hardware_models import model as hw_model
from networks import build_recurrent
from pycarl_backend import simulator

pytest.importorskip("numba")

PROCESS = hw_model.HardwareModel._process


def whole_json(summary):
    return json.dumps(summary, sort_keys=True, default=np.ndarray.tolist)


def loihi_run(monkeypatch, background, cores_to_spare=True, fail_batch=None, tstop=150.0):
    """build_recurrent on Loihi with batches of 300 spikes; the summary, the threads
    that routed each batch and the recorded trains."""
    monkeypatch.setattr(hw_model.HardwareModel, "BATCH_SPIKES", 300)
    monkeypatch.setattr(hw_model.HardwareModel, "background_routing", background)
    monkeypatch.setattr(hw_model, "worth_a_thread", lambda: cores_to_spare)
    threads = []

    def traced(self, steps, ids, out, spike_ns=None):
        threads.append(threading.current_thread())
        if fail_batch is not None and len(threads) == fail_batch:
            raise RuntimeError(f"routing batch {fail_batch} failed")
        return PROCESS(self, steps, ids, out, spike_ns)

    monkeypatch.setattr(hw_model.HardwareModel, "_process", traced)
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, rng_seed=7, hardware="loihi")
    cell = sim.IF_curr_exp(tau_refrac=2.0, tau_syn_E=5.0, tau_syn_I=10.0)
    exc, inh = build_recurrent(cell, 80, 20, 0.5, -1.5, seed=3, record_v=False)
    error = None
    try:
        sim.run(tstop)
    except RuntimeError as e:
        error = e
    trains = [np.asarray(st.magnitude) for p in (exc, inh)
              for st in p.get_data("spikes").segments[0].spiketrains]
    summary = simulator.state.cosim.summary() if error is None else None
    sim.end()
    return summary, threads, trains, error


def test_routing_thread_gives_the_calling_threads_summary(monkeypatch):
    ref, ref_threads, ref_trains, _ = loihi_run(monkeypatch, background=False)
    got, got_threads, got_trains, _ = loihi_run(monkeypatch, background=True)
    assert len(ref_threads) > 5                     # many batches
    assert all(t is threading.main_thread() for t in ref_threads)
    # every batch but the last (flushed by summary(), which then waits) ran beside the steps
    assert sum(t is not threading.main_thread() for t in got_threads) >= len(got_threads) - 1
    assert len(got_threads) == len(ref_threads)
    assert whole_json(got) == whole_json(ref)
    assert ref["counts"]["packets"] > 1000
    for a, b in zip(ref_trains, got_trains):
        np.testing.assert_array_equal(a, b)


def test_no_thread_without_a_second_core(monkeypatch):
    _, threads, _, _ = loihi_run(monkeypatch, background=True, cores_to_spare=False)
    assert threads and all(t is threading.main_thread() for t in threads)


def test_a_failed_batch_fails_the_run_that_handed_it_over(monkeypatch):
    """The batch's error reaches the caller of run() (not a later call), and the run's
    recorded spikes stay readable."""
    ref, _, ref_trains, _ = loihi_run(monkeypatch, background=False)
    _, threads, trains, error = loihi_run(monkeypatch, background=True, fail_batch=2)
    assert error is not None and "routing batch 2 failed" in str(error)
    assert threads[1] is not threading.main_thread()
    for a, b in zip(ref_trains, trains):
        np.testing.assert_array_equal(a, b)


def test_the_compiled_loop_releases_the_gil():
    """The overlap needs the engine's loop and the routing kernels to run without the GIL."""
    from hardware_models import backpressure_compiled, batch_compiled, fcfs_schedule
    from pycarl_backend.engine.cpu_fused import loop
    for kernel in (loop.run_steps, loop.run_steps_parallel, batch_compiled.neuron_packets_kernel,
                   batch_compiled.account_kernel, batch_compiled.deliveries_kernel,
                   fcfs_schedule.fcfs_kernel, backpressure_compiled._drain_kernel):
        assert kernel.targetoptions.get("nogil"), kernel.__name__
