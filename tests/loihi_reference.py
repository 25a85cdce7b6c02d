"""Integer Loihi networks run on brian2-loihi (the reference) and on pycarl's
Loihi arithmetic (hardware_models/loihi), for tests/test_loihi_vs_brian2loihi.py.

A network: ``steps``; ``groups``: [{n, du, dv, vth, refractory, I0 (optional,
brian2-loihi's way to hold a constant drive: decay_I = 0 and I = bias)}];
``generator``: {n, indices, times} (timesteps); ``synapses``: [{pre ('gen' or
a group index), post, i, j, mantissa, w_exp, sign_mode, num_weight_bits, delay}].
"""
import numpy as np

SIGN_MODES = {"mixed": 1, "excitatory": 2, "inhibitory": 3}


def brian2loihi_unavailable():
    """None when brian2-loihi imports, else why not."""
    try:
        import brian2_loihi  # noqa: F401
    except Exception as exc:  # brian2 2.9 (newest for Python 3.11) fails on numpy >= 2.4
        import numpy
        return (f"brian2-loihi does not import here ({type(exc).__name__}: {exc}; numpy "
                f"{numpy.__version__}); brian2 2.9.0, the newest for Python 3.11, needs "
                f"numpy < 2.4 (np.ndarray.ptp). Run this file in a venv with numpy 2.3 and "
                f"brian2==2.9.0 brian2-loihi==0.5.2")
    return None


def run_brian2loihi(net):
    from brian2 import prefs
    prefs.codegen.target = "numpy"
    from brian2_loihi import (LoihiNetwork, LoihiNeuronGroup, LoihiSpikeGeneratorGroup,
                              LoihiSpikeMonitor, LoihiStateMonitor, LoihiSynapses)
    objects = []
    groups = []
    for k, g in enumerate(net["groups"]):
        grp = LoihiNeuronGroup(g["n"], refractory=int(g["refractory"]),
                               threshold_v_mant=int(g["vth"]), decay_v=int(g["dv"]),
                               decay_I=int(g["du"]), name=f"g{k}")
        if "I0" in g:
            grp.I = np.asarray(g["I0"], dtype=float)
        groups.append(grp)
        objects.append(grp)
    gen = None
    if net.get("generator"):
        ge = net["generator"]
        gen = LoihiSpikeGeneratorGroup(ge["n"], np.asarray(ge["indices"], int),
                                       np.asarray(ge["times"], int), name="gen")
        objects.append(gen)
    for k, s in enumerate(net["synapses"]):
        src = gen if s["pre"] == "gen" else groups[s["pre"]]
        syn = LoihiSynapses(src, groups[s["post"]], delay=int(s["delay"]),
                            w_exp=int(s["w_exp"]), sign_mode=SIGN_MODES[s["sign_mode"]],
                            num_weight_bits=int(s["num_weight_bits"]), name=f"s{k}")
        syn.connect(i=np.asarray(s["i"], int), j=np.asarray(s["j"], int))
        syn.w = np.asarray(s["mantissa"], dtype=np.int64)
        objects.append(syn)
    monitors = [(LoihiSpikeMonitor(g, name=f"sp{k}"), LoihiStateMonitor(g, "v", name=f"v{k}"),
                 LoihiStateMonitor(g, "I", name=f"i{k}")) for k, g in enumerate(groups)]
    network = LoihiNetwork(*objects, *[m for ms_ in monitors for m in ms_])
    network.run(int(net["steps"]))
    out = []
    for sp, v, i in monitors:
        steps = np.rint(np.asarray(sp.t_[:]) * 1000.0).astype(int)
        out.append({"spikes": (np.asarray(sp.i[:], int), steps),
                    "v": np.asarray(v.v).copy(), "u": np.asarray(i.I).copy()})
    return out


def run_chip(net, bias=None):
    """The same network on hardware_models.loihi's integer arithmetic: each
    group a LoihiState, spikes delivered by Loihi's delay rule (generator
    spikes of timestep t reach their target in t + delay, compartment spikes in
    t + 1 + delay: brian2-loihi's schedule). `bias`: per group (mant, exp) or None."""
    from hardware_models.loihi.compartment import LoihiState
    from hardware_models.loihi.encoding import actual_weight
    T = int(net["steps"])
    states = []
    for k, g in enumerate(net["groups"]):
        b = (0, 0) if bias is None or bias[k] is None else bias[k]
        states.append(LoihiState(np, g["n"], {"du": g["du"], "dv": g["dv"], "vth": g["vth"],
                                              "refractory": g["refractory"], "bias_mant": b[0],
                                              "bias_exp": b[1]}))
    horizon = 64
    pending = [np.zeros((horizon, g["n"]), dtype=np.int64) for g in net["groups"]]
    syn = []
    for s in net["synapses"]:
        w = actual_weight(s["mantissa"], s["w_exp"], s["sign_mode"], s["num_weight_bits"])
        syn.append((s, np.asarray(s["i"], int), np.asarray(s["j"], int), w.astype(np.int64)))
    gen_at = {}
    if net.get("generator"):
        ge = net["generator"]
        for i, t in zip(ge["indices"], ge["times"]):
            gen_at.setdefault(int(t), []).append(int(i))

    def send(pre, fired, t, extra):
        fired = set(int(x) for x in fired)
        for s, i, j, w in syn:
            if s["pre"] != pre:
                continue
            sel = np.isin(i, list(fired))
            np.add.at(pending[s["post"]][(t + extra + int(s["delay"])) % horizon], j[sel], w[sel])

    rec = [{"v": np.zeros((g["n"], T), np.int64), "u": np.zeros((g["n"], T), np.int64),
            "spikes": ([], [])} for g in net["groups"]]
    for t in range(T):
        send("gen", gen_at.get(t, []), t, 0)
        fired_now = []
        for k, st in enumerate(states):
            fired = st.step(pending[k][t % horizon])
            pending[k][t % horizon] = 0
            rec[k]["v"][:, t], rec[k]["u"][:, t] = st.v, st.u
            rec[k]["spikes"][0].extend(fired.tolist())
            rec[k]["spikes"][1].extend([t] * fired.size)
            fired_now.append(fired)
        for k, fired in enumerate(fired_now):
            if fired.size:
                send(k, fired, t, 1)
    for r in rec:
        r["spikes"] = (np.asarray(r["spikes"][0], int), np.asarray(r["spikes"][1], int))
    return rec


def sorted_spikes(spikes):
    i, t = spikes
    order = np.lexsort((i, t))
    return np.stack([t[order], i[order]])


# --- the three networks of the acceptance ------------------------------------------
def one_compartment(steps=300):
    """(a) one compartment under bias: brian2-loihi holds the bias as a constant
    current (decay_I = 0, I = bias_mant << bias_exp)."""
    bias_mant, bias_exp = 1500, 3
    return {"steps": steps, "synapses": [],
            "groups": [{"n": 1, "du": 0, "dv": 140, "vth": 3000, "refractory": 4,
                        "I0": [bias_mant << bias_exp]}]}, [(bias_mant, bias_exp)]


def _poisson_generator(rng, n, steps, p):
    spikes = rng.random((steps, n)) < p
    t, i = np.nonzero(spikes)
    return {"n": n, "indices": i.tolist(), "times": t.tolist()}


def _random_synapses(rng, pre, post, n_pre, n_post, p, delays, mode, w_exp, bits=8,
                     low=None, high=None):
    from hardware_models.loihi.encoding import MANTISSA_RANGE
    lo, hi = MANTISSA_RANGE[mode]
    lo, hi = (lo if low is None else low), (hi if high is None else high)
    conn = rng.random((n_pre, n_post)) < p
    i, j = np.nonzero(conn)
    d = rng.choice(delays, size=i.size)
    out = []
    for delay in np.unique(d):
        sel = d == delay
        out.append({"pre": pre, "post": post, "i": i[sel], "j": j[sel],
                    "mantissa": rng.integers(lo, hi + 1, size=int(sel.sum())),
                    "w_exp": w_exp, "sign_mode": mode, "num_weight_bits": bits,
                    "delay": int(delay)})
    return out


def feedforward(seed=3, steps=400, min_delay=0):
    """(b) 200 generators -> 100 compartments, random signed (mixed) weights,
    delays min_delay..62."""
    rng = np.random.default_rng(seed)
    gen = _poisson_generator(rng, 200, steps, 0.02)
    syn = _random_synapses(rng, "gen", 0, 200, 100, 0.3, np.arange(min_delay, 63), "mixed",
                           w_exp=2, low=-120, high=254)
    return {"steps": steps, "generator": gen, "synapses": syn,
            "groups": [{"n": 100, "du": 410, "dv": 200, "vth": 2000, "refractory": 3}]}


def recurrent(seed=5, steps=1000, n_exc=800, n_inh=200, min_delay=0):
    """(c) recurrent E/I: 800 + 200 compartments, Poisson drive, excitatory and
    inhibitory sign modes, delays min_delay..8. Sized so that v stays within
    24 bits (brian2-loihi does not saturate v, the chip does)."""
    rng = np.random.default_rng(seed)
    gen = _poisson_generator(rng, 100, steps, 0.03)
    delays = np.arange(min_delay, 9)
    syn = (_random_synapses(rng, "gen", 0, 100, n_exc, 0.1, delays, "excitatory", 1,
                            low=40, high=200)
           + _random_synapses(rng, "gen", 1, 100, n_inh, 0.1, delays, "excitatory", 1,
                              low=40, high=200)
           + _random_synapses(rng, 0, 0, n_exc, n_exc, 0.02, delays, "excitatory", 0)
           + _random_synapses(rng, 0, 1, n_exc, n_inh, 0.02, delays, "excitatory", 0)
           + _random_synapses(rng, 1, 0, n_inh, n_exc, 0.05, delays, "inhibitory", 2)
           + _random_synapses(rng, 1, 1, n_inh, n_inh, 0.05, delays, "inhibitory", 2))
    return {"steps": steps, "generator": gen, "synapses": syn,
            "groups": [{"n": n_exc, "du": 600, "dv": 160, "vth": 6000, "refractory": 2},
                       {"n": n_inh, "du": 800, "dv": 250, "vth": 6000, "refractory": 2}]}
