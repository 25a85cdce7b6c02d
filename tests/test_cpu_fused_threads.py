"""The compiled CPU loop on several threads (setup(cpu_threads=...)) against the
same loop on one thread and the NumPy reference loop: the cells of a group are
split among the threads and each cell's arithmetic is unchanged, so spike
trains and state are identical, for every model, bit for bit."""
import numpy as np
import pytest

import pycarl_backend as sim
from test_cpu_fused import COND_MODELS, CURRENT_MODELS, assert_same_trains, recurrent_run
from test_cpu_fused_eif import EIF_MODELS

pytest.importorskip("numba")
from pycarl_backend.engine.cpu_fused import threads  # noqa: E402

needs_two = pytest.mark.skipif(threads.available_threads() < 2,
                               reason="numba has a single thread here")
MODELS = {**CURRENT_MODELS, **COND_MODELS, **EIF_MODELS}


def last_parallel():
    return sim.simulator.state.engine.last_run_cpu_parallel


@needs_two
@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("variant", ["uniform", "varied", "electrodes"])
def test_threads_identical_to_one_thread(name, variant):
    make, w_exc, w_inh = MODELS[name]
    kw = {"varied": variant == "varied", "electrode": variant == "electrodes"}
    ref, v_ref, _ = recurrent_run(make(), w_exc, w_inh, True, threads=1, **kw)
    got, v_got, fused = recurrent_run(make(), w_exc, w_inh, True, threads=2, **kw)
    assert fused
    assert_same_trains(ref, got)
    np.testing.assert_array_equal(v_got, v_ref)


@needs_two
def test_threads_identical_to_numpy_loop():
    make, w_exc, w_inh = CURRENT_MODELS["IF_curr_exp"]
    ref, v_ref, fused_ref = recurrent_run(make(), w_exc, w_inh, False)
    got, v_got, fused = recurrent_run(make(), w_exc, w_inh, True, threads=2)
    assert fused and not fused_ref
    assert_same_trains(ref, got)
    np.testing.assert_array_equal(v_got, v_ref)


@needs_two
def test_automatic_choice_by_group_size(monkeypatch):
    """Default (None): threads only for groups of AUTO_PARALLEL_CELLS cells or more,
    on a machine with a core to spare."""
    monkeypatch.setattr(threads, "idle_core", lambda: True)
    make, w_exc, w_inh = CURRENT_MODELS["IF_curr_exp"]
    ref, _, _ = recurrent_run(make(), w_exc, w_inh, True, runs=(30.0,), threads=1)
    sim.setup(timestep=0.1)
    cells = sim.Population(10, sim.IF_curr_exp(i_offset=1.0))
    sim.run(5.0)
    assert not last_parallel()  # 10 cells: below the default threshold
    sim.end()
    monkeypatch.setattr(threads, "AUTO_PARALLEL_CELLS", 50)  # build_recurrent: 80 + 20 cells
    got, _, fused = recurrent_run(make(), w_exc, w_inh, True, runs=(30.0,))
    assert fused
    assert_same_trains(ref, got)
    sim.setup(timestep=0.1)
    cells = sim.Population(60, sim.IF_curr_exp(i_offset=1.0))
    cells.record("spikes")
    sim.run(5.0)
    assert last_parallel()
    sim.end()


@needs_two
def test_automatic_choice_on_a_busy_machine_is_one_thread(monkeypatch):
    monkeypatch.setattr(threads, "AUTO_PARALLEL_CELLS", 50)
    monkeypatch.setattr(threads, "idle_core", lambda: False)
    sim.setup(timestep=0.1)
    sim.Population(60, sim.IF_curr_exp(i_offset=1.0))
    sim.run(2.0)
    assert not last_parallel()
    sim.end()


@pytest.mark.parametrize("bad", [0, -1, 2.5, "2", True])
def test_bad_thread_count_is_refused(bad):
    with pytest.raises(ValueError, match="cpu_threads"):
        sim.setup(timestep=0.1, cpu_threads=bad)


def test_more_threads_than_numba_has_is_refused():
    with pytest.raises(ValueError, match="NUMBA_NUM_THREADS"):
        sim.setup(timestep=0.1, cpu_threads=threads.available_threads() + 1)


def test_one_thread_never_parallel():
    sim.setup(timestep=0.1, cpu_threads=1)
    sim.Population(100, sim.IF_curr_exp(i_offset=1.0))
    sim.run(2.0)
    assert not last_parallel()
    sim.end()


@needs_two
def test_threaded_runs_use_numbas_workqueue_layer():
    # numba's OpenMP layer shares libgomp with NEST: a pyNN.nest ResetKernel after a
    # threaded run segfaulted in this suite; the workqueue layer has no OpenMP runtime
    import subprocess
    import sys
    script = (
        "import numba, pycarl_backend as sim\n"
        "sim.setup(timestep=0.1, cpu_threads=2)\n"
        "p = sim.Population(50, sim.IF_curr_exp(i_offset=1.0))\n"
        "sim.run(5.0)\n"
        "assert sim.simulator.state.engine.last_run_cpu_parallel\n"
        "print(numba.threading_layer())\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-1] == "workqueue"
