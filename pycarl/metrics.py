"""Software-only run vs co-simulated run (definitions in DESIGN.md, Metrics).

For a destination d (a destination core: packets are delivered to cores),
let t_g(k) and t_r(k) be generation and arrival time of the k-th spike it
receives (ordered by arrival):
- spike latency L_k = t_r(k) - t_g(k);
- ISI distortion D_k = [t_r(k) - t_r(k-1)] - [t_g(k) - t_g(k-1)];
- spike disorder: number of k with t_g(k) < t_g(k-1).
t_g = step * dt + on-chip generation time (the neuron's slot in its core's
pipeline); t_r = t_g + the hardware delivery latency (in-tick network latency,
plus whole ticks for splitter relays). The co-simulation's effect on spike
times is reported separately as ``extra_delay_ms`` (extra steps x dt).
Both come from HardwareModel.summary()["deliveries"].

Per population: mean firing rate of each run, and the mean over neurons of
the van Rossum distance between a neuron's software and hardware spike
trains, normalised as elephant.spike_train_dissimilarity.van_rossum_distance
(1 between an empty train and a single spike): D^2 = K(a,a) + K(b,b) - 2 K(a,b)
with K(x,y) = sum_ij exp(-|x_i - y_j| / tau) (Houghton & Kreuz 2012, eq. 3).
`van_rossum_many` evaluates it for all neurons at once (padded arrays);
tests/test_hw_metrics.py checks it against elephant.
"""
import numpy as np


def stats(values, bins=20):
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        return {"n": 0, "min": None, "mean": None, "max": None, "std": None,
                "histogram": {"edges": [], "counts": []}}
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:
        edges = np.array([lo - 0.5 * max(abs(lo), 1e-12), hi + 0.5 * max(abs(hi), 1e-12)])
        if hi == 0:
            edges = np.array([-1e-12, 1e-12])
    else:
        edges = np.linspace(lo, hi, bins + 1)
    counts, edges = np.histogram(v, bins=edges)
    return {"n": int(v.size), "min": lo, "mean": float(v.mean()), "max": hi,
            "std": float(v.std()),
            "histogram": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}}


def delivery_metrics(deliveries, dt_ms):
    """Latency, ISI distortion and disorder from summary()['deliveries']."""
    step = np.asarray(deliveries["step"], dtype=np.float64)
    core = np.asarray(deliveries["core"], dtype=np.int64)
    gen = np.asarray(deliveries["gen_ns"], dtype=np.float64)
    lat = np.asarray(deliveries["latency_ns"], dtype=np.float64)
    extra = np.asarray(deliveries["extra_steps"], dtype=np.float64)
    t_g = step * dt_ms + gen * 1e-6
    L = lat * 1e-6
    t_r = t_g + L
    o = np.lexsort((t_g, t_r, core))
    c, tg, tr = core[o], t_g[o], t_r[o]
    same = c[1:] == c[:-1]
    dg = np.diff(tg)[same]
    dr = np.diff(tr)[same]
    return {
        "latency_ms": stats(L),
        "isi_distortion_ms": stats(dr - dg),
        "disorder": int((dg < 0).sum()),
        "extra_delay_ms": stats(extra * dt_ms),
    }


def van_rossum(a, b, t_stop_ms, tau_ms):
    """van Rossum distance between two spike trains (ms), via elephant."""
    import neo
    import quantities as pq
    from elephant.spike_train_dissimilarity import van_rossum_distance
    sa = neo.SpikeTrain(np.asarray(a, float), t_stop=t_stop_ms, units="ms")
    sb = neo.SpikeTrain(np.asarray(b, float), t_stop=t_stop_ms, units="ms")
    return float(van_rossum_distance([sa, sb], time_constant=tau_ms * pq.ms)[0, 1])


def _padded(trains):
    sizes = np.array([len(t) for t in trains], np.int64)
    out = np.full((len(trains), max(1, int(sizes.max()) if sizes.size else 1)), np.nan)
    for i, t in enumerate(trains):
        out[i, :sizes[i]] = np.asarray(t, float)
    return out


def _kernel_sum(x, y, tau_ms):
    """Per row: sum over spike pairs of exp(-|x_i - y_j| / tau); nan pads add nothing."""
    d = np.abs(x[:, :, None] - y[:, None, :])
    return np.nansum(np.exp(-d / tau_ms), axis=(1, 2))


def van_rossum_many(trains_a, trains_b, tau_ms, max_block=4_000_000):
    """van Rossum distance of each pair (trains_a[i], trains_b[i]), spike times in ms."""
    n = len(trains_a)
    if n != len(trains_b):
        raise ValueError(f"van_rossum_many: {n} trains against {len(trains_b)}")
    a, b = _padded(trains_a), _padded(trains_b)
    width = max(a.shape[1], b.shape[1])
    rows = max(1, max_block // (width * width))
    out = np.zeros(n)
    for lo in range(0, n, rows):
        sl = slice(lo, lo + rows)
        sq = (_kernel_sum(a[sl], a[sl], tau_ms) + _kernel_sum(b[sl], b[sl], tau_ms)
              - 2.0 * _kernel_sum(a[sl], b[sl], tau_ms))
        out[sl] = np.sqrt(np.maximum(sq, 0.0))
    return out


def population_metrics(software, hardware, t_stop_ms, tau_ms=10.0):
    out = {}
    labels = list(software) + [k for k in hardware if k not in software]
    for label in labels:
        sw = software.get(label)
        hw = hardware.get(label)
        if sw is None or hw is None:
            raise KeyError(f"population '{label}' is recorded in only one run "
                           f"({'software' if sw is not None else 'hardware'})")
        if len(sw) != len(hw):
            raise ValueError(f"population '{label}': {len(sw)} spike trains in the software run, "
                             f"{len(hw)} in the hardware run")
        n = len(sw)
        dur_s = t_stop_ms / 1000.0
        ns = sum(len(x) for x in sw)
        nh = sum(len(x) for x in hw)
        rs = ns / (n * dur_s) if n and dur_s > 0 else 0.0
        rh = nh / (n * dur_s) if n and dur_s > 0 else 0.0
        d = van_rossum_many(sw, hw, tau_ms) if n else []
        out[label] = {"n_neurons": n, "rate_software_hz": rs, "rate_hardware_hz": rh,
                      "rate_change_hz": rh - rs,
                      "van_rossum": float(np.mean(d)) if len(d) else 0.0,
                      "van_rossum_tau_ms": tau_ms}
    return out


def compare_runs(software, hardware, t_stop_ms, hw_summary, tau_ms=10.0):
    """Metrics of a software-only run vs a co-simulated run.

    software, hardware: {population label: [array of spike times (ms) per neuron]}.
    hw_summary: HardwareModel.summary() of the co-simulated run."""
    res = {"hardware": hw_summary.get("hardware")}
    res.update(delivery_metrics(hw_summary["deliveries"], hw_summary["dt_ms"]))
    res["energy_pj"] = hw_summary["energy_pj"]
    res["hardware_time_per_tick_ns"] = hw_summary["hardware_time_per_tick_ns"]
    res["busy_time_per_tick_ns"] = hw_summary.get("busy_time_per_tick_ns")
    res["n_cores_used"] = hw_summary.get("n_cores_used")
    res["populations"] = population_metrics(software, hardware, t_stop_ms, tau_ms)
    return res
