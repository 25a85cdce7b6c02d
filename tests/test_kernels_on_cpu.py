"""The real CUDA sources of engine/gpu.py, compiled as C++ with g++ and run on
the CPU: a small shim header turns the CUDA built-ins into host code (thread
and block indices as globals, atomics as plain read-modify-writes, the threads
of a block as fibers that __syncthreads hands over between), and each kernel is
launched as cuLaunchKernel does it: an array of pointers to the argument
values, of which the kernel's parameter types say how many bytes are read.

The host side is engine/gpu.py itself, on the NumPy stand-in for CuPy of
test_gpu_emulated.py; only RawModule is replaced, so the kernels get exactly
the argument lists gpu.py builds, packed by CuPy's rules for RawKernel
arguments (cupy/cuda/function.pyx `_pointer`): a device array is its pointer,
a NumPy scalar keeps its dtype (its itemsize in bytes), a Python int becomes
int64 (`long long`), a Python float float64 (`double`). Every launch checks
that each packed argument has the size of the kernel's parameter.

What this cannot see: CUDA's exp() (within 1 ulp of glibc's, so IF_cond_exp is
compared within a tolerance where exp is involved), real concurrency between
threads (the atomics' order), and the driver.
"""
import ctypes
import hashlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

GXX = shutil.which("g++")
pytestmark = pytest.mark.skipif(GXX is None, reason="g++ not installed")

from test_gpu_emulated import Stream, make_fake_cupy, _to_host  # noqa: E402

SHIM = r"""// CUDA-on-CPU shim (see tests/test_kernels_on_cpu.py)
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ucontext.h>
#include <utility>
#include <vector>
using std::exp;
struct pycarl_dim3 { unsigned int x, y, z; };
static pycarl_dim3 threadIdx, blockIdx, blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
template <class T> static inline T atomicAdd(T *p, T v) { T old = *p; *p = old + v; return old; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline void __threadfence() {}
// threads of a block run as fibers: __syncthreads hands over to the next one, so
// every thread reaches the barrier before any goes on (needs no barrier in a branch)
static ucontext_t pycarl_sched;
static std::vector<ucontext_t> pycarl_ctx;
static std::vector<char> pycarl_done;
static unsigned pycarl_cur;
static void __syncthreads() { unsigned me = pycarl_cur; swapcontext(&pycarl_ctx[me], &pycarl_sched); }
static void (*pycarl_body)(void *);
static void *pycarl_body_arg;
static void pycarl_entry() { pycarl_body(pycarl_body_arg); pycarl_done[pycarl_cur] = 1; }

static void pycarl_run_grid(unsigned grid, unsigned block, bool fibers, void (*body)(void *), void *arg)
{
    gridDim = {grid, 1, 1}; blockDim = {block, 1, 1};
    pycarl_body = body; pycarl_body_arg = arg;
    static std::vector<std::vector<char>> stacks;
    if (fibers) {
        pycarl_ctx.resize(block); pycarl_done.assign(block, 0);
        while (stacks.size() < block) stacks.emplace_back(1 << 16);
    }
    for (unsigned b = 0; b < grid; ++b) {
        blockIdx = {b, 0, 0};
        if (!fibers) {
            for (unsigned t = 0; t < block; ++t) { threadIdx = {t, 0, 0}; pycarl_cur = t; body(arg); }
            continue;
        }
        for (unsigned t = 0; t < block; ++t) {
            getcontext(&pycarl_ctx[t]);
            pycarl_ctx[t].uc_stack.ss_sp = stacks[t].data();
            pycarl_ctx[t].uc_stack.ss_size = stacks[t].size();
            pycarl_ctx[t].uc_link = &pycarl_sched;
            makecontext(&pycarl_ctx[t], pycarl_entry, 0);
            pycarl_done[t] = 0;
        }
        for (bool left = true; left;) {
            left = false;
            for (unsigned t = 0; t < block; ++t) {
                if (pycarl_done[t]) continue;
                threadIdx = {t, 0, 0}; pycarl_cur = t;
                swapcontext(&pycarl_sched, &pycarl_ctx[t]);
                left |= !pycarl_done[t];
            }
        }
    }
}

// cuLaunchKernel semantics: params[k] points at the k-th argument's value, of which
// the kernel's parameter type says how many bytes are read
template <class... A> struct PycarlKernel {
    void (*f)(A...);
    void **params;
    template <size_t... I> void call(std::index_sequence<I...>) { f(*reinterpret_cast<A *>(params[I])...); }
    static void body(void *self) { static_cast<PycarlKernel *>(self)->call(std::index_sequence_for<A...>{}); }
};
template <class... A> static void pycarl_launch(void (*f)(A...), unsigned grid, unsigned block, bool fibers, void **params)
{
    PycarlKernel<A...> k{f, params};
    pycarl_run_grid(grid, block, fibers, &PycarlKernel<A...>::body, &k);
}
template <class... A> static int pycarl_param_sizes(void (*)(A...), int *out)
{
    int sizes[] = {(int)sizeof(A)..., 0};
    if (out) std::memcpy(out, sizes, sizeof(int) * sizeof...(A));
    return (int)sizeof...(A);
}
#define PYCARL_EXPORT(name) \
    extern "C" void pycarl_launch_##name(unsigned grid, unsigned block, int fibers, void **params) \
    { pycarl_launch(name, grid, block, fibers != 0, params); } \
    extern "C" int pycarl_sizes_##name(int *out) { return pycarl_param_sizes(name, out); }
"""


# --- compiling the kernel sources ---------------------------------------------

def kernel_functions(source):
    return re.findall(r'extern "C" __global__ void (\w+)\(', source)


def compile_kernels(source, workdir):
    """The source (as NVRTC gets it) compiled as C++; returns a CDLL."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    (workdir / "cuda_cpu_shim.h").write_text(SHIM)
    exports = "".join(f"\nPYCARL_EXPORT({f})" for f in kernel_functions(source))
    cpp = workdir / f"kernels_{digest}.cpp"
    cpp.write_text('#include "cuda_cpu_shim.h"\n' + source + exports + "\n")
    lib = workdir / f"kernels_{digest}.so"
    # no contraction into FMA and no fast-math: IEEE double as gpu.COMPILE_OPTIONS asks
    cmd = [GXX, "-std=c++17", "-O2", "-fPIC", "-shared", "-ffp-contract=off",
           "-fno-fast-math", "-Wall", "-Wno-unused-function", "-o", str(lib), str(cpp)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return ctypes.CDLL(str(lib))


def pack_argument(value):
    """The bytes CuPy hands the driver for one RawKernel argument."""
    if hasattr(value, "data") and hasattr(value.data, "ptr"):  # a device array
        return np.uint64(value.data.ptr).tobytes()
    if isinstance(value, np.generic):
        return value.tobytes()
    if isinstance(value, bool):
        return np.bool_(value).tobytes()
    if isinstance(value, int):
        return np.int64(value).tobytes()
    if isinstance(value, float):
        return np.float64(value).tobytes()
    raise TypeError(f"CuPy does not pass {type(value).__name__} to a RawKernel")


class CompiledKernel:
    def __init__(self, lib, name, source):
        self.name = name
        self._launch = getattr(lib, f"pycarl_launch_{name}")
        self._launch.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_int,
                                 ctypes.POINTER(ctypes.c_void_p)]
        sizes = getattr(lib, f"pycarl_sizes_{name}")
        n = sizes(None)
        out = (ctypes.c_int * max(n, 1))()
        sizes(out)
        self.param_sizes = list(out)[:n]
        self.fibers = "__syncthreads" in source
        self.launches = 0

    def pack(self, args):
        """ctypes buffers of the argument values and the pointer array to them."""
        packed = [pack_argument(a) for a in args]
        assert len(packed) == len(self.param_sizes), \
            (self.name, "arguments", len(packed), "parameters", len(self.param_sizes))
        wrong = [(k, len(p), s) for k, (p, s) in enumerate(zip(packed, self.param_sizes))
                 if len(p) != s]
        assert not wrong, (self.name, "argument (index, packed bytes, parameter bytes)", wrong)
        buffers = [ctypes.create_string_buffer(p, len(p)) for p in packed]
        pointers = (ctypes.c_void_p * len(buffers))(*[ctypes.addressof(b) for b in buffers])
        return buffers, pointers

    def __call__(self, grid, block, args):
        grid, block = (tuple(grid) + (1, 1))[:3], (tuple(block) + (1, 1))[:3]
        assert grid[1:] == (1, 1) and block[1:] == (1, 1), "1-D launches only"
        packed = self.pack(args)  # at launch, as CuPy and stream capture take them

        def run():
            self.launches += 1
            self._launch(grid[0], block[0], int(self.fibers), packed[1])
        if Stream.capturing is not None:
            Stream.capturing.append(run)
        else:
            run()


_LIBS = {}


def make_raw_module(workdir):
    class RawModule:
        def __init__(self, code, options=()):
            self.code = code
            if code not in _LIBS:
                _LIBS[code] = compile_kernels(code, workdir)
            self.lib = _LIBS[code]

        def get_function(self, name):
            return CompiledKernel(self.lib, name, self.code)
    return RawModule


@pytest.fixture
def compiled_gpu(monkeypatch, tmp_path_factory):
    """engine/gpu.py on the stand-in CuPy whose kernels are the compiled .cu files."""
    import pycarl_backend  # noqa: F401
    from pycarl_backend.engine import gpu
    fake, fakex = make_fake_cupy()
    fake.RawModule = make_raw_module(tmp_path_factory.getbasetemp())
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setitem(sys.modules, "cupyx", fakex)
    monkeypatch.setattr(gpu, "_modules", {})
    from pycarl_backend.engine.backend import to_numpy
    for name, module in list(sys.modules.items()):
        if name.startswith("pycarl_backend") and getattr(module, "to_numpy", None) is to_numpy:
            monkeypatch.setattr(module, "to_numpy", _to_host)
    return fake


# --- the networks -------------------------------------------------------------

from test_gpu_emulated import run_network  # noqa: E402


@pytest.mark.parametrize("cond", [False, True], ids=["IF_curr_exp", "IF_cond_exp"])
@pytest.mark.parametrize("host_work", [True, False], ids=["host_loop", "graphs"])
def test_compiled_kernels_match_numpy_engine(compiled_gpu, monkeypatch, cond, host_work):
    ref, v_ref, fused_ref = run_network("cpu", cond, split=True, host_work=host_work)
    got, v_got, fused = run_network("gpu", cond, split=True, host_work=host_work)
    assert fused and not fused_ref
    n_ref = sum(t.size for pop in ref for t in pop)
    n_got = sum(t.size for pop in got for t in pop)
    print("spikes cpu", n_ref, "compiled kernels", n_got)
    assert n_ref > 200
    for pop_ref, pop_got in zip(ref, got):
        for k, (a, b) in enumerate(zip(pop_ref, pop_got)):
            np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")
    if host_work:
        np.testing.assert_allclose(v_got, v_ref, rtol=0, atol=1e-9)


def va_coba_trains(device, n, tstop, gpu_options=None):
    """The Vogels-Abbott COBA network of benchmarks/va_network.py (two runs)."""
    import os
    import pycarl_backend as sim
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))
    import va_network
    sim.setup(timestep=va_network.DT, min_delay=va_network.DELAY, max_delay=1.0,
              device=device, rng_seed=va_network.SEED, gpu_options=gpu_options)
    net = va_network.build(sim, "COBA", n)
    sim.run(10.0)
    sim.run(tstop)
    trains = [np.asarray(st.magnitude) for p in (net.exc, net.inh)
              for st in p.get_data("spikes").segments[0].spiketrains]
    engine = sim.simulator.state.engine
    paths = (engine.last_run_fused, getattr(engine, "last_run_pipelined", False))
    sim.end()
    return trains, paths


@pytest.mark.parametrize("prop_blocks", [0, 5], ids=["one_per_sm", "5_blocks"])
def test_compiled_cond_kernel_va_coba_identical(compiled_gpu, monkeypatch, prop_blocks):
    from pycarl_backend.engine import gpu
    grids = []
    original = gpu.FusedStepper._launches

    def spy(self, *args):
        launches = original(self, *args)
        grids.append(launches[-1][1])  # propagate_spikes' grid
        return launches
    monkeypatch.setattr(gpu.FusedStepper, "_launches", spy)
    ref, _ = va_coba_trains("cpu", 1000, 100.0)
    got, (fused, pipelined) = va_coba_trains("gpu", 1000, 100.0,
                                            gpu_options={"prop_blocks": prop_blocks})
    assert fused and not pipelined
    assert set(grids) == {prop_blocks or 2}  # the fake device has 2 multiprocessors
    assert sum(t.size for t in ref) > 1000
    for k, (a, b) in enumerate(zip(ref, got)):
        np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")


def recurrent_v(device, model, n_exc, n_inh):
    """tests/networks.py's build_recurrent network (v of 5 cells, 50 ms)."""
    import pycarl_backend as sim
    from networks import build_recurrent, gpu_path_cell
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=5.0, device=device, rng_seed=3)
    w_exc, w_inh = (0.004, 0.03) if model == "cond" else (0.15, -0.6)
    exc, _ = build_recurrent(gpu_path_cell(model == "cond"), n_exc, n_inh, w_exc, w_inh, seed=3)
    sim.run(50.0)
    v = exc.get_data("v").segments[0].analogsignals[0].magnitude
    sim.end()
    return v


@pytest.mark.parametrize("model", ["curr", "cond"])
@pytest.mark.parametrize("sizes", [(800, 200), (1000, 250)], ids=lambda s: f"{s[0]}+{s[1]}")
def test_compiled_kernels_recurrent_network(compiled_gpu, monkeypatch, model, sizes):
    ref = recurrent_v("cpu", model, *sizes)
    got = recurrent_v("gpu", model, *sizes)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-9)


# --- one launch per step (kernels/pipeline.cu) --------------------------------

from networks import pipelined_network  # noqa: E402


@pytest.fixture
def steppers(monkeypatch):
    """The FusedSteppers the engine builds while the test runs."""
    from pycarl_backend.engine import gpu
    built = []
    original = gpu.FusedStepper.__init__

    def spy(self, *args):
        original(self, *args)
        built.append(self)
    monkeypatch.setattr(gpu.FusedStepper, "__init__", spy)
    return built

@pytest.mark.parametrize("cond", [False, True], ids=["IF_curr_exp", "IF_cond_exp"])
@pytest.mark.parametrize("host_work", [True, False], ids=["host_loop", "graphs"])
def test_pipelined_step_matches_numpy_engine(compiled_gpu, monkeypatch, steppers, cond,
                                             host_work):
    ref, v_ref = pipelined_network("cpu", cond, host_work)
    got, v_got = pipelined_network("gpu", cond, host_work,
                                   gpu_options={"pipelined_step": True, "graph_steps": 64})
    assert steppers and all(s.pipelined for s in steppers)
    assert sum(t.size for t in ref) > 200
    for k, (a, b) in enumerate(zip(ref, got)):
        np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")
    if host_work:
        np.testing.assert_allclose(v_got, v_ref, rtol=0, atol=1e-9)


def test_pipelined_step_needs_delays_of_two_steps(compiled_gpu, monkeypatch, steppers):
    from pycarl_backend.engine import gpu
    ref, _, _ = run_network("cpu", False, split=False, host_work=False)
    got, _, fused = run_network("gpu", False, split=False, host_work=False,
                                gpu_options={"pipelined_step": True})
    assert fused and steppers and not any(s.pipelined for s in steppers)
    assert gpu.pipeline_blocker(steppers[0].batches, [], steppers[0].slots) is None
    for pop_ref, pop_got in zip(ref, got):
        for a, b in zip(pop_ref, pop_got):
            np.testing.assert_array_equal(a, b)


def test_pipelined_step_va_coba_identical(compiled_gpu, monkeypatch):
    """The benchmark's COBA network (delays of 2 steps) with one launch per step."""
    ref, _ = va_coba_trains("cpu", 1000, 100.0)
    got, (fused, pipelined) = va_coba_trains("gpu", 1000, 100.0,
                                            gpu_options={"pipelined_step": True})
    assert fused and pipelined
    assert sum(t.size for t in ref) > 1000
    for k, (a, b) in enumerate(zip(ref, got)):
        np.testing.assert_array_equal(a, b, err_msg=f"cell {k}")
