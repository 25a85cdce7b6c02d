"""The GPU fast path's host side (engine/gpu.py: ring layout, global spike
ids, block table, double-buffered spike counters, source schedule, record
tables, ring hand-over between runs) run on the CPU: a stand-in `cupy`
module backed by NumPy, whose RawModule executes NumPy transcriptions of the
CUDA kernels. Arguments reach the transcriptions by the parameter names
parsed from the .cu sources, so a mismatch between the launch argument lists
and the kernels' signatures fails here too. The kernels' own arithmetic is
checked on a real GPU by test_gpu.py."""
import ctypes
import sys
import types

import numpy as np
import pytest

from test_kernels_compile import kernel_parameter_names


# --- a NumPy-backed stand-in for cupy ----------------------------------------

class _Memory:
    def __init__(self, ptr):
        self.ptr = ptr


class DeviceArray(np.ndarray):
    """ndarray with CuPy's `.data.ptr`."""

    @property
    def data(self):
        return _Memory(self.__array_interface__["data"][0])


def _wrap(value):
    if isinstance(value, np.ndarray) and not isinstance(value, DeviceArray):
        return value.view(DeviceArray)
    return value


def _asarray(a, dtype=None):
    # like cupy.asarray: host arrays are copied to "device" memory
    if isinstance(a, DeviceArray):
        return _wrap(np.asarray(a, dtype=dtype))
    return _wrap(np.array(a, dtype=dtype, copy=True))


def _to_host(a):
    return np.array(a).view(np.ndarray) if isinstance(a, DeviceArray) else np.asarray(a)


def view(ptr, dtype, n):
    dtype = np.dtype(dtype)
    if n <= 0:
        return np.zeros(0, dtype)
    raw = (ctypes.c_byte * (n * dtype.itemsize)).from_address(int(ptr))
    return np.frombuffer(raw, dtype=dtype)


def step_of(a):
    return int(view(a["clock"], np.int32, 2)[0])


def emit(a, fired, step):
    n = int(a["n"])
    count = view(a["spike_count"], np.int32, 2)
    c = int(count[step & 1])
    view(a["spikes"], np.int32, c + fired.size)[c:] = int(a["gid_base"]) + fired
    count[step & 1] += fired.size
    recorded = view(a["recorded"], np.uint8, n)
    group_of = view(a["group_of"], np.int32, n)
    start = view(a["group_start"], np.int32, n)
    n_groups = int(group_of.max()) + 1
    rec_count = view(a["rec_count"], np.uint64, n_groups)
    capacity = view(a["rec_capacity"], np.int64, n_groups)
    steps_ptr = view(a["rec_steps"], np.int64, n_groups)
    cells_ptr = view(a["rec_cells"], np.int64, n_groups)
    for i in fired[recorded[fired] == 1]:
        g = group_of[i]
        k = int(rec_count[g])
        rec_count[g] += 1
        if k < capacity[g]:
            view(steps_ptr[g], np.int32, capacity[g])[k] = step
            view(cells_ptr[g], np.int32, capacity[g])[k] = i - start[g]


def _ring_input(a):
    n, step = int(a["n"]), step_of(a)
    slots, width = int(a["slots"]), int(a["width"])
    ring = view(a["ring"], np.float64, slots * width)
    cols = [(step % slots) * width + view(a[c], np.int32, n) for c in ("col_exc", "col_inh")]
    inputs = [ring[c].copy() for c in cols]
    for c in cols:
        ring[c] = 0.0
    return inputs


def _threshold(a, v_new, refractory):
    n, step = int(a["n"]), step_of(a)
    f8 = lambda name: view(a[name], np.float64, n)  # noqa: E731
    left = view(a["refr_left"], np.int32, n)
    left -= refractory.astype(np.int32)
    fired = np.flatnonzero(v_new >= f8("v_thresh"))
    v_new[fired] = f8("v_reset")[fired]
    left[fired] = view(a["refr_steps"], np.int32, n)[fired]
    f8("v")[:] = v_new
    emit(a, fired, step)


def _current(a, f8):
    return f8("i_offset") + f8("i_ext") if int(a["i_ext"]) else f8("i_offset")


def if_curr_exp_step(a):
    n = int(a["n"])
    f8 = lambda name: view(a[name], np.float64, n)  # noqa: E731
    in_e, in_i = _ring_input(a)
    ie, ii, v, vr = f8("isyn_exc").copy(), f8("isyn_inh").copy(), f8("v").copy(), f8("v_rest")
    v_free = vr + f8("p_mem") * (v - vr)
    v_free = v_free + f8("p_current") * _current(a, f8)
    v_free = v_free + f8("p_exc_to_v") * ie
    v_free = v_free + f8("p_inh_to_v") * ii
    refractory = view(a["refr_left"], np.int32, n) > 0
    f8("isyn_exc")[:] = ie * f8("p_exc_decay") + in_e
    f8("isyn_inh")[:] = ii * f8("p_inh_decay") + in_i
    _threshold(a, np.where(refractory, v, v_free), refractory)


def if_cond_exp_step(a):
    n = int(a["n"])
    f8 = lambda name: view(a[name], np.float64, n)  # noqa: E731
    in_e, in_i = _ring_input(a)
    ge, gi, v = f8("gsyn_exc").copy(), f8("gsyn_inh").copy(), f8("v").copy()
    g_e, g_i, gl = ge * f8("exc_step_mean"), gi * f8("inh_step_mean"), f8("g_leak")
    g_total = gl + g_e + g_i
    v_inf = (gl * f8("v_rest") + g_e * f8("e_rev_E") + g_i * f8("e_rev_I")
             + _current(a, f8)) / g_total
    v_free = v_inf + (v - v_inf) * np.exp(-float(a["dt"]) * g_total / f8("cm"))
    refractory = view(a["refr_left"], np.int32, n) > 0
    f8("gsyn_exc")[:] = ge * f8("p_exc_decay") + in_e
    f8("gsyn_inh")[:] = gi * f8("p_inh_decay") + in_i
    _threshold(a, np.where(refractory, f8("v_reset"), v_free), refractory)


def propagate_spikes(a):
    step, slots, width = step_of(a), int(a["slots"]), int(a["width"])
    ring = view(a["ring"], np.float64, slots * width)
    counts = view(a["spike_count"], np.int32, 2)
    count = int(counts[step & 1])
    counts[(step + 1) & 1] = 0
    k = step - int(view(a["clock"], np.int32, 2)[1])
    bounds = view(a["src_bounds"], np.int32, k + 2)
    off, n_src = int(bounds[k]), int(bounds[k + 1] - bounds[k])
    gids = np.concatenate([view(a["src_spikes"], np.int32, off + n_src)[off:],
                           view(a["spikes"], np.int32, count)])
    if gids.size == 0:
        view(a["clock"], np.int32, 3)[0] = step + 1
        return
    gid_group = view(a["gid_group"], np.int32, int(gids.max()) + 1)
    n_groups = int(gid_group.max()) + 1
    first_gid = view(a["group_first_gid"], np.int32, n_groups)
    block_start = view(a["group_block_start"], np.int32, n_groups + 1)
    n_blocks = int(block_start[-1])
    table = {name: view(a[name], np.int32 if name in ("b_delay_scalar", "b_format")
                        else np.int64, n_blocks)
             for name in ("b_indptr", "b_post", "b_weight", "b_delay", "b_delay_scalar",
                          "b_col_base", "b_format")}
    for gid in gids:
        g = gid_group[gid]
        local = gid - first_gid[g]
        for e in range(block_start[g], block_start[g + 1]):
            fmt = int(table["b_format"][e])
            indptr = view(table["b_indptr"][e], np.int32 if fmt & 1 else np.int64, local + 2)
            lo, hi = int(indptr[local]), int(indptr[local + 1])
            post = view(table["b_post"][e], np.uint16 if fmt & 2 else np.int32, hi)[lo:]
            weight = view(table["b_weight"][e], np.float64, hi)[lo:]
            delay = (view(table["b_delay"][e], np.int16, hi)[lo:].astype(np.int64)
                     if table["b_delay"][e] else table["b_delay_scalar"][e])
            slot = (step + delay) % slots
            np.add.at(ring, slot * width + table["b_col_base"][e] + post, weight)
    view(a["clock"], np.int32, 3)[0] = step + 1  # the last block advances the clock


KERNELS = {f.__name__: f for f in (if_curr_exp_step, if_cond_exp_step, propagate_spikes)}


class RawModule:
    def __init__(self, code, options=()):
        self.code = code

    def get_function(self, name):
        filename = next(f for f, text in _SOURCES.items() if text == self.code)
        names = kernel_parameter_names(filename, name)

        def launch(grid, block, args):
            assert len(args) == len(names), (name, len(args), len(names))
            run = lambda: KERNELS[name](dict(zip(names, args)))  # noqa: E731
            if Stream.capturing is not None:
                Stream.capturing.append(run)
            else:
                run()
        return launch


class Graph:
    launched = 0

    def __init__(self, calls):
        self.calls = calls

    def launch(self, stream=None):
        Graph.launched += 1
        for call in self.calls:
            call()


class Stream:
    """Stream capture: launches are recorded into a Graph instead of run."""
    capturing = None

    def __init__(self, non_blocking=False):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def begin_capture(self):
        Stream.capturing = []

    def end_capture(self):
        calls, Stream.capturing = Stream.capturing, None
        return Graph(calls)

    def synchronize(self):
        pass


def make_fake_cupy():
    fake = types.ModuleType("cupy")

    def module_getattr(name):
        obj = getattr(np, name)
        if callable(obj) and not isinstance(obj, type):
            return lambda *args, **kw: _wrap(obj(*args, **kw))
        return obj
    fake.__getattr__ = module_getattr
    fake.asarray = _asarray
    fake.ndarray = DeviceArray
    fake.RawModule = RawModule
    fake.asnumpy = _to_host
    fake.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1),
        Stream=Stream,
        Device=lambda *a: types.SimpleNamespace(attributes={"MultiProcessorCount": 2},
                                                synchronize=lambda: None))
    fakex = types.ModuleType("cupyx")
    fakex.scatter_add = np.add.at
    return fake, fakex


_SOURCES = {}


@pytest.fixture
def fake_gpu(monkeypatch):
    import pycarl_backend  # noqa: F401  (every module in sys.modules before patching)
    from pycarl_backend.engine import gpu
    fake, fakex = make_fake_cupy()
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setitem(sys.modules, "cupyx", fakex)
    monkeypatch.setattr(gpu, "_modules", {})
    _SOURCES.update({f: gpu.kernel_source(f) for f in gpu.KERNEL_FILES})
    # to_numpy hands back plain host arrays, as it does for real CuPy arrays
    from pycarl_backend.engine.backend import to_numpy
    for name, module in list(sys.modules.items()):
        if name.startswith("pycarl_backend") and getattr(module, "to_numpy", None) is to_numpy:
            monkeypatch.setattr(module, "to_numpy", _to_host)
    return fake


# --- the networks -----------------------------------------------------------

def run_network(device, cond, split, host_work=True, gpu_options=None):
    import pycarl_backend as sim
    from pyNN.random import NumpyRNG
    from networks import run_and_collect, small_ei_network
    # the reference is the NumPy loop (the compiled CPU loop's exp differs by an ulp)
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, device=device, rng_seed=7,
              gpu_options=gpu_options, cpu_fused=False)
    rng = NumpyRNG(seed=7)
    exc, inh, extra = small_ei_network(cond, rng, [[5.0, 9.0], [12.5], []], delay_low=0.1,
                                       array_delay=0.3, host_work=host_work,
                                       extra_cells=sim.IF_curr_exp())
    sim.Projection(exc, extra, sim.FixedProbabilityConnector(0.3, rng=rng),
                   sim.StaticSynapse(weight=0.5, delay=1.0), receptor_type="excitatory")
    for p in (exc, inh, extra):
        p.record("spikes")
    return run_and_collect([70.0, 80.0] if split else [150.0], (exc, inh, extra),
                           inh if host_work else None)


@pytest.mark.parametrize("cond", [False, True], ids=["IF_curr_exp", "IF_cond_exp"])
@pytest.mark.parametrize("split", [False, True], ids=["one_run", "two_runs"])
def test_fused_path_matches_numpy_engine(fake_gpu, cond, split):
    ref, v_ref, fused_ref = run_network("cpu", cond, split)
    got, v_got, fused = run_network("gpu", cond, split)
    assert fused and not fused_ref
    total = sum(t.size for pop in ref for t in pop)
    assert total > 200
    for pop_ref, pop_got in zip(ref, got):
        for k, (a, b) in enumerate(zip(pop_ref, pop_got)):
            np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")
    np.testing.assert_array_equal(v_ref, v_got)


@pytest.mark.parametrize("split", [False, True], ids=["one_run", "two_runs"])
def test_cuda_graph_replay_matches_numpy_engine(fake_gpu, split):
    launched = Graph.launched
    ref, _, _ = run_network("cpu", False, split, host_work=False)
    # 150-step windows: graphs and a remainder
    got, _, fused = run_network("gpu", False, split, host_work=False,
                                gpu_options={"graph_steps": 64})
    assert fused and Graph.launched > launched
    assert sum(t.size for pop in ref for t in pop) > 200
    for pop_ref, pop_got in zip(ref, got):
        for k, (a, b) in enumerate(zip(pop_ref, pop_got)):
            np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")


@pytest.mark.parametrize("cond", [False, True], ids=["IF_curr_exp", "IF_cond_exp"])
def test_fused_path_delivers_source_multiplicity(fake_gpu, cond):
    """Source cells repeated within a step (rate * dt > 1) are each propagated."""
    from networks import high_rate_background
    ref, v_ref, fused_ref, repeats = high_rate_background("cpu", cond)
    got, v_got, fused, _ = high_rate_background("gpu", cond)
    assert fused and not fused_ref
    assert repeats > 10000
    assert sum(t.size for t in ref) > 100
    for k, (a, b) in enumerate(zip(ref, got)):
        np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")
    np.testing.assert_array_equal(v_ref, v_got)
