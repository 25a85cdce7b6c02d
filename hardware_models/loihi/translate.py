"""PyNN current-based LIF cells -> Loihi compartment parameters.

One Loihi timestep is one engine step of dt ms. With the chip's voltage
v_chip = (V - v_reset) * s (Loihi resets to 0, so v_reset is the origin) and
s chosen per cell so that the threshold is ``vth_mant`` exactly
(s = vth_mant * 64 / (v_thresh - v_reset); a modelling choice: the default
vth_mant = 2**14 puts the threshold at 2**20 and leaves 8 thresholds of
headroom below reset before v saturates at -(2**23 - 1)):

- dv = round(4096 * (1 - exp(-dt / tau_m))) and du = round(4096 * (1 - exp(-dt /
  tau_syn))): the per-step decay factors of the exact solution, in Loihi's
  1/4096 units (nengo-loihi discretises its decays the same way, as
  1 - exp(-dt/tau), in ``nengo_loihi/builder/discretize.py``).
- leak towards v_rest and i_offset become the bias: the fixed point of
  v <- v (1 - dv/4096) + b is b * 4096 / dv, so
  b = s * dv/4096 * ((v_rest - v_reset) + i_offset * tau_m / cm), split into
  mantissa (13-bit signed) and the smallest exponent 0..7 that holds it.
- a weight w (nA) adds w_act = w * s * tau_m * (dv/4096) / cm to u (the same
  fixed-point argument: a constant current I gives V - V_rest = I tau_m / cm),
  encoded as the chip stores it (encoding.py).
- tau_refrac -> refractory r = round(tau_refrac / dt) + 1 (v is held for r - 1
  steps after the spike, as PyNN holds it round(tau_refrac/dt) steps).
- delays: Loihi's delay register D delivers a spike of timestep t in t + 1 + D
  (encoding.py); IF_curr_exp / IF_curr_alpha feel an input one step after
  its arrival (NEST's iaf_psc_exp order), Loihi in the step it arrives,
  so D = PyNN delay in steps; IF_curr_delta adds the input in its arrival step,
  so D = delay steps - 1.

Per cell type:
- IF_curr_exp: as above; Loihi's compartment has one current u with one
  decay du, so a population that receives both receptors needs tau_syn_E ==
  tau_syn_I (else HardwareConstraintError, raised when the second receptor's
  projection arrives; one receptor alone takes its own tau_syn).
- IF_curr_delta: du = 4096 (u lasts one step: a jump of w mV), w_act = w * s.
- IF_curr_alpha: APPROXIMATION: the alpha-shaped PSC becomes an exponential
  one with the same tau_syn and the same charge (weights x e); the report
  says so.
"""
from dataclasses import dataclass, field

import numpy as np

from ..errors import HardwareConstraintError

SUPPORTED = ("IF_curr_exp", "IF_curr_delta", "IF_curr_alpha")
VTH_MANT = 2 ** 14


@dataclass
class Translation:
    params: dict              # du, dv, vth, bias_mant, bias_exp, refractory, u0, v0
    v_scale: np.ndarray       # chip units per mV
    v_reset: np.ndarray       # mV, the chip's 0
    weight_scale: np.ndarray  # u units per PyNN weight unit (nA, or mV for delta)
    current_to_bias: np.ndarray   # bias units per nA of injected current
    delay_offset_steps: int   # PyNN delay steps - Loihi delay register
    du_by_receptor: dict = field(default_factory=dict)   # PyNN receptor -> du
    notes: list = field(default_factory=list)


def refuse(population):
    raise HardwareConstraintError(
        f"Loihi: population '{population.label}' is {population.celltype}; Loihi's "
        f"compartments compute current-based LIF cells: {', '.join(SUPPORTED)} "
        f"(IF_curr_alpha approximated). Use hardware_options={{'cells': 'software'}} to "
        f"keep floating-point cells on Loihi's network")


def bias_encoding(label, b):
    """(mantissa, exponent) nearest to b: the smallest exponent 0..7 that holds it."""
    b = np.asarray(b, dtype=np.float64)
    mant = np.zeros(b.shape)
    exp = np.full(b.shape, -1, dtype=np.int64)
    for e in range(8):
        m = np.rint(b / 2.0 ** e)
        first = (m >= -4096) & (m <= 4095) & (exp < 0)
        mant[first], exp[first] = m[first], e
    if np.any(exp < 0):
        worst = float(np.abs(b).max())
        raise HardwareConstraintError(
            f"Loihi: population '{label}': bias of {worst:.0f} units (v_rest - v_reset and "
            f"i_offset) exceeds the chip's 4095 << 7 (13-bit mantissa, exponent 0..7)")
    return mant.astype(np.int64), exp


def translate(population, dt_ms, vth_mant=VTH_MANT):
    kind = population.celltype
    if kind not in SUPPORTED:
        refuse(population)
    label = population.label
    n = population.size
    get = lambda name: np.broadcast_to(np.asarray(population.parameters[name], float), (n,))
    v_reset, v_thresh, v_rest = get("v_reset"), get("v_thresh"), get("v_rest")
    tau_m, cm, i_offset = get("tau_m"), get("cm"), get("i_offset")
    notes = []
    if np.any(v_thresh <= v_reset):
        raise HardwareConstraintError(
            f"Loihi: population '{label}': v_thresh must be above v_reset (Loihi resets to 0 "
            f"and fires above a positive threshold)")
    s = vth_mant * 64.0 / (v_thresh - v_reset)
    dv = np.rint(-4096.0 * np.expm1(-dt_ms / tau_m))
    leak = dv / 4096.0
    if kind == "IF_curr_delta":
        du = du_inh = np.full(n, 4096.0)
        weight_scale = s.copy()
        delay_offset = 1
    else:
        tau_e, tau_i = get("tau_syn_E"), get("tau_syn_I")
        du = np.rint(-4096.0 * np.expm1(-dt_ms / tau_e))
        du_inh = np.rint(-4096.0 * np.expm1(-dt_ms / tau_i))
        weight_scale = s * tau_m * leak / cm
        delay_offset = 0
        if kind == "IF_curr_alpha":
            weight_scale = weight_scale * np.e
            notes.append(f"Loihi: '{label}' IF_curr_alpha approximated: alpha PSC replaced "
                         f"by an exponential PSC of the same tau_syn and charge (weights x e)")
    bias = s * leak * ((v_rest - v_reset) + i_offset * tau_m / cm)
    bias_mant, bias_exp = bias_encoding(label, bias)
    refractory = np.rint(get("tau_refrac") / dt_ms) + 1
    v_init = np.broadcast_to(np.asarray(population.initial_values.get("v", v_reset), float),
                             (n,))
    params = {"du": du, "dv": dv, "vth": np.full(n, float(vth_mant)), "bias_mant": bias_mant,
              "bias_exp": bias_exp, "refractory": refractory,
              "v0": np.clip(np.rint((v_init - v_reset) * s), -2 ** 23 + 1, 2 ** 23 - 1),
              "u0": np.zeros(n)}
    return Translation(params=params, v_scale=s, v_reset=v_reset.copy(),
                       weight_scale=weight_scale, current_to_bias=s * leak * tau_m / cm,
                       delay_offset_steps=delay_offset, notes=notes,
                       du_by_receptor={"excitatory": du, "inhibitory": du_inh})
