"""Cross-check pycarl's Loihi model against SANA-FE's bundled Loihi architecture.

Same network, same mapping and same activity in both: a group of source
neurons that fire every timestep (LIF with bias above threshold in SANA-FE;
a replayed spike train in pycarl), all-to-all onto a group of silent target
neurons spread over several cores. Prints energy per timestep and hardware
time per timestep of both and their ratio; the target is agreement within 10%.

    python benchmarks/sanafe_crosscheck.py

SANA-FE has two timing models: "simple" (per-core pipeline sums, no
network effects) and "detailed" (its default: a message holds its path until
the receiving core starts processing it, so a core sending to busy receivers
is throttled). pycarl's Loihi models the latter (timing.receive_backpressure,
see hardware_models/backpressure.py) and is compared with "detailed"; with
timing.receive_backpressure=false it is compared with "simple". Exit status 0
when energy and time per step agree with SANA-FE's default (detailed) model
within 10%.

Needs `pip install sanafe` (shipped with its Loihi architecture file).
"""
import sys

import numpy as np

from hardware_models import NetworkGraph, PopulationSpec, ProjectionSpec, load_hardware


def pycarl_run(n_src, n_dst, per_core, steps, p, seed, backpressure=True):
    rng = np.random.default_rng(seed)
    conn = rng.random((n_src, n_dst)) < p
    s, t = np.nonzero(conn)
    g = NetworkGraph(1.0, [PopulationSpec("src", n_src, "IF_curr_exp", 0),
                           PopulationSpec("dst", n_dst, "IF_curr_exp", n_src)],
                     [ProjectionSpec("p", "src", "dst", "excitatory", s, t + n_src,
                                     np.full(s.size, 0.001), np.ones(s.size))])
    hw = load_hardware("loihi", neurons_per_core=per_core, quantize=False,
                       **{"timing.receive_backpressure": backpressure})
    spikes = {i: np.arange(steps, dtype=float) for i in range(n_src)}
    summ = hw.replay(g, spikes, t_stop_ms=float(steps))
    return summ, hw, conn


def sanafe_run(hw, conn, n_src, n_dst, steps, timing_model="detailed"):
    import sanafe
    arch = sanafe.load_loihi()
    net = sanafe.Network()
    src = net.create_neuron_group("src", n_src, model_attributes={
        "threshold": 0.5, "bias": 1.0, "reset": 0.0, "leak_decay": 1.0})
    dst = net.create_neuron_group("dst", n_dst, model_attributes={
        "threshold": 1e9, "reset": 0.0, "leak_decay": 1.0})
    src_n, dst_n = list(src.neurons), list(dst.neurons)
    for i, j in zip(*np.nonzero(conn)):
        src_n[i].connect_to_neuron(dst_n[j], {"weight": 0.001})
    core_of = hw.core_of_neuron
    for k, n in enumerate(src_n + dst_n):
        c = int(core_of[k])                    # the same placement as pycarl's mapping
        n.map_to_core(arch.tiles[c // 4].cores[c % 4])
    chip = sanafe.SpikingChip(arch)
    chip.load(net)
    res = chip.sim(steps, timing_model=timing_model)
    return res


def main():
    try:
        import sanafe  # noqa: F401
    except ImportError:
        print("sanafe is not installed: pip install sanafe")
        return 2
    cases = [("8 -> 8, one tile", 8, 8, 8, 1.0),
             ("32 -> 96, 4 cores over 1 tile", 32, 96, 32, 0.5),
             ("64 -> 448, 8 cores over 2 tiles", 64, 448, 64, 0.2)]
    steps = 20
    worst = {}
    print(f"{'case':34s} {'quantity':52s} {'pycarl':>10s} {'SANA-FE':>10s} {'ratio':>6s}")
    for label, n_src, n_dst, per_core, p in cases:
        summ, hw, conn = pycarl_run(n_src, n_dst, per_core, steps, p, seed=1)
        plain, _, _ = pycarl_run(n_src, n_dst, per_core, steps, p, seed=1, backpressure=False)
        t_bp = summ["hardware_time_per_tick_ns"]["mean"]
        t_plain = plain["hardware_time_per_tick_ns"]["mean"]
        sf = {}
        for tm in ("detailed", "simple"):
            res = sanafe_run(hw, conn, n_src, n_dst, steps, tm)
            T = res["timesteps_executed"]
            sf[tm] = (res["energy"]["total"] * 1e12 / T, res["sim_time"] * 1e9 / T)
        rows = [("energy / step (pJ)", summ["energy_pj"]["per_tick"], sf["detailed"][0],
                 "energy"),
                ("time / step (ns) vs SANA-FE detailed", t_bp, sf["detailed"][1],
                 "time vs detailed"),
                ("time / step (ns), no back-pressure, vs simple", t_plain, sf["simple"][1],
                 "time (no back-pressure) vs simple"),
                ("time / step (ns) vs SANA-FE simple (info)", t_bp, sf["simple"][1],
                 "time vs simple (info)")]
        for q, a, b, key in rows:
            r = a / b
            worst[key] = max(worst.get(key, 0.0), abs(r - 1))
            print(f"{label:34s} {q:52s} {a:10.1f} {b:10.1f} {r:6.3f}")
    for k, v in worst.items():
        print(f"largest deviation, {k}: {100 * v:.1f}% "
              f"({'within' if v <= 0.10 else 'NOT within'} the 10% target)")
    return 0 if max(worst["energy"], worst["time vs detailed"]) <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
