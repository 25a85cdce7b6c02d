"""The Vogels-Abbott COBA/CUBA network of va_network.py written directly in Brian2
(the peer a user without pycarl would write), for cpu_peers.py.

    python benchmarks/brian2_va.py COBA 4000 1000 cython
    python benchmarks/brian2_va.py CUBA 4000 1000 cpp_standalone

Prints one line `RESULT {json}`. Modes:
- cython: Brian2's runtime mode with Cython code generation; the code is
  compiled (and cached by Brian2) by a first run of one step before the timed
  run, so `run_s` holds no compilation;
- cpp_standalone: the whole simulation as generated C++; `run_s` is the run
  time the generated program measures itself (device._last_run_time), `build_s`
  the network description plus code generation and compilation.

Same parameters as va_network.py (Brette et al. 2007, benchmarks 1 and 2):
the equations are PyNN's IF_cond_exp / IF_curr_exp (cm dv/dt = g_L (E_L - v)
+ synaptic term, exponential synapses, threshold, reset, refractory period).
Connectivity and initial potentials are drawn by Brian2, so the network is an
independent realisation: rates agree statistically, spikes do not.
"""
import json
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import va_network as va  # noqa: E402  (plain constants, no PyNN import)


def build_and_run(benchmark, n, tstop, mode):
    import brian2 as b2
    from brian2 import ms, mV, nS, nF, pA
    t0 = time.perf_counter()
    if mode == "cpp_standalone":
        b2.set_device("cpp_standalone", build_on_run=False)
    else:
        b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = va.DT * ms
    b2.seed(va.SEED)
    cm = va.CM_NF * nF
    g_leak = cm / (va.TAU_M * ms)
    namespace = dict(c_m=cm, g_leak=g_leak, e_leak=va.E_LEAK[benchmark] * mV,
                     e_exc=va.E_EXC * mV, e_inh=va.E_INH * mV, tau_exc=5.0 * ms,
                     tau_inh=10.0 * ms)
    if benchmark == "COBA":
        eqs = """dv/dt = (g_leak*(e_leak - v) + ge*(e_exc - v)
                        + gi*(e_inh - v))/c_m : volt (unless refractory)
                 dge/dt = -ge/tau_exc : siemens
                 dgi/dt = -gi/tau_inh : siemens"""
        w_exc, w_inh = va.G_EXC["COBA"] * nS, va.G_INH["COBA"] * nS
        on_exc, on_inh = "ge += w_exc", "gi += w_inh"
    else:
        eqs = """dv/dt = (g_leak*(e_leak - v) + ie + ii)/c_m : volt (unless refractory)
                 die/dt = -ie/tau_exc : amp
                 dii/dt = -ii/tau_inh : amp"""
        w_nA = va.weights("CUBA")
        w_exc, w_inh = w_nA[0] * 1000 * pA, w_nA[1] * 1000 * pA
        on_exc, on_inh = "ie += w_exc", "ii += w_inh"
    namespace.update(w_exc=w_exc, w_inh=w_inh)
    cells = b2.NeuronGroup(n, eqs, threshold="v >= -50*mV", reset="v = -60*mV",
                           refractory=5.0 * ms, namespace=namespace,
                           # COBA: v is not linear in the conductances; Brian2's own
                           # COBA example, like pycarl's IF_cond_exp, uses exponential Euler
                           method="exponential_euler" if benchmark == "COBA" else "exact")
    cells.v = "-60*mV + rand() * 10*mV"
    n_exc = int(round(n * va.EXC_FRACTION))
    exc, inh = cells[:n_exc], cells[n_exc:]
    p = va.IN_DEGREE / n
    synapses = []
    for pre, on_pre in ((exc, on_exc), (inh, on_inh)):
        s = b2.Synapses(pre, cells, on_pre=on_pre, delay=va.DELAY * ms, namespace=namespace)
        s.connect(p=p)
        synapses.append(s)
    objects = [cells] + synapses
    if benchmark == "COBA":
        # on for the first STIM_DURATION ms, as the PyNN sources' duration
        stim = b2.PoissonGroup(va.STIM_SOURCES, rates="stim_rate * int(t < stim_stop)",
                               namespace=dict(stim_rate=va.STIM_RATE * b2.Hz,
                                              stim_stop=va.STIM_DURATION * ms))
        s = b2.Synapses(stim, cells, on_pre="ge += w_stim", delay=va.DELAY * ms,
                        namespace=dict(w_stim=va.STIM_WEIGHT * 1000 * nS))
        s.connect(p=va.STIM_P)
        objects += [stim, s]
    monitor = b2.SpikeMonitor(cells)
    objects.append(monitor)
    net = b2.Network(*objects)
    result = {"benchmark": benchmark, "n": n, "tstop": tstop, "mode": mode}
    if mode == "cpp_standalone":
        net.run(tstop * ms)
        t1 = time.perf_counter()
        build_dir = tempfile.mkdtemp(prefix="brian2_va_")
        b2.device.build(directory=build_dir, compile=True, run=True, debug=False)
        t2 = time.perf_counter()
        result["run_s"] = float(b2.device._last_run_time)
        result["build_s"] = (t2 - t1) - result["run_s"] + (t1 - t0)
    else:
        net.run(va.DT * ms)  # code generation and Cython compilation (cached), untimed
        t1 = time.perf_counter()
        c1 = time.process_time()
        net.run(tstop * ms - va.DT * ms)
        t2 = time.perf_counter()
        result["run_s"] = t2 - t1
        result["run_cpu_s"] = time.process_time() - c1
        result["build_s"] = t1 - t0
    t3 = time.perf_counter()
    trains = monitor.spike_trains()
    result["fetch_s"] = time.perf_counter() - t3
    counts = [len(trains[i]) for i in range(n)]
    result["spikes_exc"] = sum(counts[:n_exc])
    result["spikes_inh"] = sum(counts[n_exc:])
    result["rate_exc_hz"] = result["spikes_exc"] / n_exc / (tstop / 1000.0)
    result["rate_inh_hz"] = result["spikes_inh"] / (n - n_exc) / (tstop / 1000.0)
    result["synaptic_events"] = (result["spikes_exc"] + result["spikes_inh"]) * va.IN_DEGREE
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return result


if __name__ == "__main__":
    benchmark, n, tstop, mode = sys.argv[1:5]
    if mode not in ("cython", "cpp_standalone"):
        raise SystemExit(f"mode must be cython or cpp_standalone, not {mode!r}")
    print("RESULT " + json.dumps(build_and_run(benchmark.upper(), int(n), float(tstop), mode)),
          flush=True)
