"""Where the GPU and the CPU engine part ways, model by model.

    python benchmarks/gpu_model_diff.py

For IF_curr_exp and IF_cond_exp, one small network (Poisson input, two
recurrent populations, v recorded) runs on the CPU, on the GPU's fused
kernels and on the GPU's generic CuPy path (gpu_options fused_kernels=False); prints
the first step where v differs, the largest difference, and the rates.
"""
import time

import numpy as np


def run(model, device, fused=True, tstop=300.0):
    import pycarl_backend as sim
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=5.0, device=device, rng_seed=5,
              gpu_options={"fused_kernels": fused})
    rng = sim.NumpyRNG(seed=5)
    if model == "IF_cond_exp":
        cell = sim.IF_cond_exp(tau_refrac=2.0, v_rest=-60.0, v_reset=-60.0, cm=0.2,
                               e_rev_I=-80.0, tau_syn_I=10.0)
        w_exc, w_inh = 0.004, 0.03
    else:
        cell = sim.IF_curr_exp(tau_refrac=2.0, tau_syn_I=10.0)
        w_exc, w_inh = 0.15, -0.6
    exc = sim.Population(400, cell, label="exc")
    inh = sim.Population(100, cell, label="inh")
    noise = sim.Population(100, sim.SpikeSourcePoisson(rate=40.0), label="noise")
    conn = sim.FixedProbabilityConnector(0.1, rng=rng)
    for pre, w, rec in ((exc, w_exc, "excitatory"), (inh, w_inh, "inhibitory"),
                        (noise, 2 * w_exc, "excitatory")):
        for post in (exc, inh):
            sim.Projection(pre, post, conn, sim.StaticSynapse(weight=w, delay=0.5),
                           receptor_type=rec)
    exc[:5].record("v")
    exc.record("spikes")
    t0 = time.perf_counter()
    sim.run(tstop)
    elapsed = time.perf_counter() - t0
    v = exc.get_data("v").segments[0].analogsignals[0].magnitude
    n = sum(len(st) for st in exc.get_data("spikes").segments[0].spiketrains)
    used = getattr(sim.simulator.state.engine, "last_run_fused", False)
    sim.end()
    return v, n / 400 / tstop * 1000.0, used, elapsed


def main():
    for model in ("IF_curr_exp", "IF_cond_exp"):
        v_cpu, r_cpu, _, t_cpu = run(model, "cpu")
        print(f"{model}: cpu rate {r_cpu:.3f} Hz ({t_cpu:.2f} s)")
        for fused in (True, False):
            try:
                v_gpu, r_gpu, used, t_gpu = run(model, "gpu", fused)
            except Exception as err:  # report and go on to the next variant
                print(f"  gpu fused={fused}: ERROR {type(err).__name__}: {err}")
                continue
            diff = np.abs(v_gpu - v_cpu)
            bad = np.flatnonzero(diff.max(axis=1) > 1e-6)
            first = int(bad[0]) if bad.size else None
            print(f"  gpu fused={fused} (used fused path: {used}): rate {r_gpu:.3f} Hz "
                  f"({t_gpu:.2f} s); max |dv| {diff.max():.3g} mV; first step off {first}")
            if first is not None:
                print("    cpu v:", np.round(v_cpu[max(first - 2, 0):first + 3, 0], 6).tolist())
                print("    gpu v:", np.round(v_gpu[max(first - 2, 0):first + 3, 0], 6).tolist())


if __name__ == "__main__":
    main()
