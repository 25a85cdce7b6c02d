"""PyNN cells -> DYNAP-SE bias parameters (nearest behaviour; every step reported).

Supported: IF_curr_exp, IF_cond_exp, EIF_cond_exp_isfa_ista. A core holds one
bias set (Moradi 2018), so every parameter must be equal across the
population. The translation:

- time constants map exactly through the DPI relations (biases.py):
  tau_m -> Itau_mem, tau_syn_E -> Itau_ampa = Itau_nmda,
  tau_syn_I -> Itau_gaba_a = Itau_gaba_b, tau_refrac -> Iref,
  EIF's tau_w -> Itau_ahp;
- currents scale by one factor k (A per nA) that makes the chip's rheobase
  (the smallest Idc that fires; found by a sweep of the circuits) equal to
  the PyNN cell's rheobase g_L (v_thresh - v_rest), g_L = cm / tau_m. So
  i_offset -> Idc = k i_offset, a synaptic jump of w nA -> a DPI current jump
  of k w, EIF's b (nA) -> an AHP jump of k b;
- conductance weights (uS) become currents at the driving force at mid
  range, w (E_rev - (v_rest + v_thresh) / 2);
- not representable, reported as approximations: v_reset / v_rest /
  v_thresh other than through the rheobase (the DPI resets Imem to Io and
  fires at Ispkthr), cm other than through g_L, EIF's sub-threshold
  adaptation a and delta_T / v_spike (the DPI's positive feedback is set by
  kappa), negative i_offset (Idc >= 0).
"""
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..errors import HardwareConstraintError
from .biases import CoreBiases, default_biases, ipw_for, itau_for

SUPPORTED = ("IF_curr_exp", "IF_cond_exp", "EIF_cond_exp_isfa_ista")
CONDUCTANCE = ("IF_cond_exp", "EIF_cond_exp_isfa_ista")
#: shortest refractory / pulse the translation sets (pycarl choice: the 10 us sub-step)
MIN_REFRAC_S = 1e-5


@dataclass
class Translation:
    biases: CoreBiases
    current_scale: float                 # A per nA
    weight_per_nA: dict                  # synapse type -> chip weight per nA of jump
    driving_force: dict = field(default_factory=dict)   # receptor -> mV (conductance cells)
    notes: list = field(default_factory=list)


def jump_per_weight(b, syn):
    """DPI current jump (A) of one unit of chip weight on synapse type ``syn``."""
    p = b.values if isinstance(b, CoreBiases) else b
    tau = (p["Ut"] / ((p["kappa_n"] + p["kappa_p"]) / 2)) * p[f"C_{syn}"] / p[f"Itau_{syn}"]
    t_pulse = p["Vth"] * p["C_pulse"] / p["Ipulse"]
    return p[f"Igain_{syn}"] / p[f"Itau_{syn}"] * p["Iscale"] * (1.0 - np.exp(-t_pulse / tau))


@lru_cache(maxsize=64)
def chip_rheobase(key):
    """Smallest Idc (A) that makes the circuits fire within 0.3 s (10 % grid;
    Heun at 0.1 ms is enough to tell firing from not)."""
    from .circuits import DPICircuits
    values = dict(key)
    grid = np.geomspace(1e-13, 1e-7, 145)       # 10 % steps
    params = {k: np.full(grid.size, v) for k, v in values.items()}
    params["Idc"] = grid
    c = DPICircuits(params, 1e-4, active=(True, False, False, False), integrator="heun")
    s = c.initial_state()
    zero = np.zeros((grid.size, 4))
    fired = np.zeros(grid.size, bool)
    for _ in range(int(0.3 / 1e-4)):
        fired |= c.substep(s, zero) > 0
    if not fired.any():
        raise HardwareConstraintError("DYNAP-SE: these biases never fire for Idc <= 100 nA")
    return float(grid[np.argmax(fired)])


#: PyNN parameters that enter the biases through the current scale k
SCALED = ("i_offset", "cm", "tau_m", "v_thresh", "v_rest", "b")


def parameter_key(pop, uniform):
    """Identity of the bias set a population needs, without the rheobase
    sweep: the scale-free biases plus the parameters the scale acts on."""
    tr = translate(pop, uniform, scale=False)
    scaled = tuple((n, uniform(n, "")) for n in SCALED if n in pop.parameters)
    return tr.biases.key() + scaled


def translate(pop, uniform, scale=True):
    """Translation of PopulationSpec ``pop``; ``uniform(name, why)`` reads a
    parameter that must be equal for all cells (ChipNeurons.uniform_parameter).
    scale=False: only the scale-free biases (time constants), k = 1."""
    if pop.celltype not in SUPPORTED:
        raise HardwareConstraintError(
            f"DYNAP-SE: population '{pop.label}' is {pop.celltype}; the chip's DPI circuits "
            f"compute {', '.join(SUPPORTED)}; use hardware_options={{'cells': 'software'}} "
            f"for float cells on the chip's network")
    why = "one bias set per DYNAP-SE core (Moradi 2018)"
    p = default_biases()
    notes = []
    ms = 1e-3
    tau_m = uniform("tau_m", why)
    p["Itau_mem"] = itau_for(tau_m * ms, p["C_mem"], p)
    p["Igain_mem"] = 4.0 * p["Itau_mem"]            # rockpool's r_gain_mem
    for syn, name in (("ampa", "tau_syn_E"), ("nmda", "tau_syn_E"),
                      ("gaba_a", "tau_syn_I"), ("gaba_b", "tau_syn_I")):
        tau = uniform(name, why)
        p[f"Itau_{syn}"] = itau_for(tau * ms, p[f"C_{syn}"], p)
        p[f"Igain_{syn}"] = 100.0 * p[f"Itau_{syn}"]  # rockpool's r_gain_syn
    refrac = uniform("tau_refrac", why) * ms
    if refrac < MIN_REFRAC_S:
        notes.append(f"tau_refrac {refrac / ms:g} ms raised to {MIN_REFRAC_S / ms:g} ms "
                     f"(the refractory circuit needs a pulse)")
        refrac = MIN_REFRAC_S
    p["Iref"] = ipw_for(refrac, p["C_ref"], p)
    is_eif = pop.celltype == "EIF_cond_exp_isfa_ista"
    if is_eif:
        p["Itau_ahp"] = itau_for(uniform("tau_w", why) * ms, p["C_ahp"], p)
        p["Igain_ahp"] = p["Itau_ahp"]              # rockpool's r_gain_ahp
        notes.append("EIF: sub-threshold adaptation a, delta_T and v_spike not represented "
                     "(the DPI's exponential feedback is fixed by kappa)")
    g_l = uniform("cm", why) / tau_m                  # uS
    v_rest, v_thresh = uniform("v_rest", why), uniform("v_thresh", why)
    i_rest = 0.0
    if v_rest >= v_thresh:
        # a resting potential above threshold (Vogels-Abbott CUBA) is a constant drive:
        # the same dynamics as rest at v_reset plus g_L (v_rest - v_reset) of current
        v_reset = uniform("v_reset", why)
        i_rest = g_l * (v_rest - v_reset)
        notes.append(f"v_rest {v_rest:g} mV above v_thresh: rest at v_reset {v_reset:g} mV "
                     f"plus a constant {i_rest:.4g} nA (the same leak dynamics)")
        v_rest = v_reset
    rheobase_nA = g_l * (v_thresh - v_rest)
    if rheobase_nA <= 0:
        raise HardwareConstraintError(
            f"DYNAP-SE: population '{pop.label}': v_thresh must exceed v_rest (or v_reset "
            f"where v_rest lies above threshold) for the rheobase match")
    b0 = CoreBiases(dict(p))
    k = chip_rheobase(b0.key()) / rheobase_nA if scale else 1.0
    i_offset = uniform("i_offset", why) + i_rest
    if i_offset < 0:
        notes.append(f"i_offset {i_offset:g} nA < 0 not representable (Idc >= 0): set to 0")
    p["Idc"] = max(k * i_offset, 0.0) or p["Io"]
    if is_eif:
        b_nA = uniform("b", why)
        if b_nA > 0:
            kick = p["Igain_ahp"] / p["Itau_ahp"] * (1.0 - np.exp(
                -(p["Vth"] * p["C_pulse_ahp"] / p["Ipulse_ahp"])
                / ((p["Ut"] / ((p["kappa_n"] + p["kappa_p"]) / 2)) * p["C_ahp"]
                   / p["Itau_ahp"])))
            p["Iw_ahp"] = k * b_nA / kick
    notes.append(f"{pop.celltype} -> DPI: rheobase {rheobase_nA:.4g} nA = Idc "
                 f"{k * rheobase_nA:.3g} A, k = {k:.3g} A/nA; v_reset/v_rest/v_thresh only "
                 f"through the rheobase (the DPI resets to Io and fires at Ispkthr)")
    biases = CoreBiases(p)
    per_nA = {s: k / jump_per_weight(biases, s) for s in ("ampa", "nmda", "gaba_a", "gaba_b")}
    drive = {}
    if pop.celltype in CONDUCTANCE:
        v_mid = 0.5 * (uniform("v_rest", why) + uniform("v_thresh", why))
        drive = {"excitatory": uniform("e_rev_E", why) - v_mid,
                 "inhibitory": v_mid - uniform("e_rev_I", why)}
        for r, d in drive.items():
            if d <= 0:
                raise HardwareConstraintError(
                    f"DYNAP-SE: population '{pop.label}': {r} reversal potential on the wrong "
                    f"side of (v_rest + v_thresh) / 2 = {v_mid:g} mV")
        notes.append(f"conductances -> currents at fixed driving force "
                     f"{drive['excitatory']:g} mV (exc), {drive['inhibitory']:g} mV (inh)")
    return Translation(biases, k, per_nA, drive, notes)
