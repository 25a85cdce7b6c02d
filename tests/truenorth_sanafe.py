"""Run a hardware_models.truenorth network on SANA-FE's `truenorth` soma model.

The same cores, crossbars, weights and targets become a SANA-FE network on
its bundled TrueNorth architecture (sanafe/examples/truenorth.yaml, shrunk
to the tiles needed and with room for relay neurons):

- a TrueNorth neuron is a SANA-FE `truenorth` neuron with, per Cassidy 2013
  symbol: threshold = alpha; reset = R; reset_mode normal/linear/none ->
  hard/soft/none; leak: epsilon 0 -> leak = lambda, leak_towards_zero false
  (SANA-FE adds it), epsilon 1 -> leak = -lambda, leak_towards_zero true
  (SANA-FE subtracts sgn(V) * leak); negative threshold:
  kappa 1 -> reverse_threshold -beta, mode saturate (SANA-FE: V <= -beta ->
  -beta, the same as Cassidy's V < -beta -> -beta); kappa 0 ->
  reverse_threshold -beta - 1 (V <= -beta - 1 is V < -beta for integers),
  mode hard with reverse_reset -R, or none. SANA-FE's negative soft reset is
  not Cassidy's linear rule, so kappa 0 with linear reset is refused here.
- stochastic threshold: SANA-FE fires when V + (rand & M) >= threshold, Cassidy
  when V >= alpha + (rho & M). With threshold = alpha + M the two agree in
  distribution (M - (r & M) = ~r & M is uniform on 0..M when M is 2**k - 1),
  not draw for draw; random_mask = M. A linear reset would then subtract
  alpha + M instead of alpha + eta, so that combination is refused.
- crossbar: neuron n targeting axon a of core c with weight s_j^{G_a} becomes
  one SANA-FE connection n -> j per crossbar 1 in row a.
- axonal delay d: SANA-FE delivers a spike one timestep later; d - 1 relay
  neurons (threshold 1, weight 1, reset to 0) in a chain give d ticks.
  (SANA-FE's accumulator_with_delay dendrite is not used: its charges reach
  the soma only when another message arrives, read from src/models.cpp and
  confirmed by running it.)
"""
import os
import tempfile

import numpy as np

from hardware_models.truenorth.neuron import RESET_LINEAR, RESET_NONE, RESET_NORMAL

_RESET_NAME = {RESET_NORMAL: "hard", RESET_LINEAR: "soft", RESET_NONE: "none"}


def _arch_file(n_tiles):
    import sanafe
    src = os.path.join(os.path.dirname(sanafe.__file__), "examples", "truenorth.yaml")
    text = open(src).read()
    side = int(np.ceil(np.sqrt(n_tiles)))
    text = (text.replace("width: 64", f"width: {side}").replace("height: 64", f"height: {side}")
            .replace("truenorth_tile[0..4095]", f"truenorth_tile[0..{side * side - 1}]")
            .replace("max_neurons_supported: 256", "max_neurons_supported: 1024"))
    fd, path = tempfile.mkstemp(suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def neuron_attributes(p, j):
    """SANA-FE truenorth attributes of neuron j of NeuronParams p."""
    gamma, kappa = int(p.reset_mode[j]), bool(p.neg_saturate[j])
    lam, eps = int(p.leak[j]), bool(p.leak_reversal[j])
    beta, R = int(p.neg_threshold[j]), int(p.reset[j])
    if p.stochastic_leak[j] or p.stochastic_synapse[j].any():
        raise ValueError("SANA-FE's truenorth model has no stochastic synapse or leak mode")
    M = int(p.threshold_mask[j])
    if M and (M & (M + 1) or gamma == RESET_LINEAR):
        raise ValueError("stochastic threshold: only masks 2**k - 1 and non-linear resets map")
    a = {"threshold": float(p.threshold[j] + M), "reset": float(R),
         "reset_mode": _RESET_NAME[gamma], "bias": 0.0,
         "leak": float(-lam if eps else lam), "leak_towards_zero": eps,
         "random_mask": M}
    if kappa:
        a.update(reverse_threshold=float(-beta), reverse_reset_mode="saturate")
    elif gamma == RESET_LINEAR:
        raise ValueError("SANA-FE's negative soft reset differs from Cassidy's linear rule")
    else:
        a.update(reverse_threshold=float(-beta - 1), reverse_reset=float(-R),
                 reverse_reset_mode="hard" if gamma == RESET_NORMAL else "none")
    return a


def run_sanafe(net, ticks):
    """Spikes (ticks, n) bool and potentials (ticks, n) of a TrueNorthNetwork on SANA-FE."""
    import sanafe
    cores = net.cores
    n_relays = sum(int(np.maximum(c.delay[c.target_core >= 0] - 1, 0).sum()) for c in cores)
    relay_cores = max(1, int(np.ceil(n_relays / 1024)))
    path = _arch_file(len(cores) + relay_cores)
    try:
        arch = sanafe.load_arch(path)
    finally:
        os.unlink(path)
    snet = sanafe.Network()
    groups = []
    for k, c in enumerate(cores):
        g = snet.create_neuron_group(f"c{k:04d}", c.n_neurons, log_spikes=True, log_potential=True)
        for j, n in enumerate(g.neurons):
            n.set_attributes(model_attributes=neuron_attributes(c.neurons, j))
            n.map_to_core(arch.tiles[k].cores[0])
        groups.append(list(g.neurons))
    relays = list(snet.create_neuron_group(
        "relay", max(n_relays, 1), model_attributes={
            "threshold": 1.0, "reset": 0.0, "reset_mode": "hard", "leak": 0.0,
            "reverse_threshold": -1.0, "reverse_reset_mode": "none"}).neurons)
    for r, n in enumerate(relays):
        n.map_to_core(arch.tiles[len(cores) + r // 1024].cores[0])
    next_relay = 0
    for k, c in enumerate(cores):
        for j in np.flatnonzero(c.target_core >= 0):
            tc, ta, d = int(c.target_core[j]), int(c.target_axon[j]), int(c.delay[j])
            sender = groups[k][j]
            for _ in range(d - 1):
                sender.connect_to_neuron(relays[next_relay], {"weight": 1.0})
                sender = relays[next_relay]
                next_relay += 1
            G = int(cores[tc].axon_types[ta])
            for dst in np.flatnonzero(cores[tc].crossbar[ta]):
                sender.connect_to_neuron(groups[tc][dst],
                                         {"weight": float(cores[tc].neurons.weights[dst, G])})
    chip = sanafe.SpikingChip(arch)
    chip.load(snet)
    res = chip.sim(ticks, spike_trace=True, potential_trace=True, timing_model="simple")
    offset = {f"c{k:04d}": int(net.neuron_offset[k]) for k in range(len(cores))}
    spikes = np.zeros((ticks, net.n_neurons), bool)
    for t, fired in enumerate(res["spike_trace"]):
        for a in fired:
            if a.group_name in offset:
                spikes[t, offset[a.group_name] + a.neuron_offset] = True
    V = np.asarray(res["potential_trace"], dtype=float)
    assert V.shape == (ticks, net.n_neurons), V.shape   # columns: groups in name order
    return spikes, V
