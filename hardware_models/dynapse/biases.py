"""DYNAP-SE bias parameters: one set per core, currents in A, capacitances in F.

The names and default values are rockpool's DynapSim ones
(``rockpool/devices/dynapse/lookup/defaults.py``, rockpool 3.1: its
``default_layout``, ``default_weights``, ``default_time_constants`` and
``default_gain_ratios``), which follow the DPI circuits of Chicca et al. 2014
(Proc. IEEE 102(9)) and Moradi et al. 2018 (IEEE TBioCAS 12(1)).

Conversions (rockpool's ``Itau_lambda`` / ``Ipw_lambda``, i.e. the DPI
sub-threshold relations of Bartolozzi & Indiveri 2007):

    tau     = (Ut / kappa) * C / Itau        kappa = (kappa_n + kappa_p) / 2
    t_pulse = Vth * C / Ipulse               (pulse-width, refractory circuits)

The chip has four synapse types per neuron (Moradi 2018, section II-B):
AMPA (fast excitatory), NMDA (slow excitatory, voltage gated), GABA_B
(subtractive inhibitory) and GABA_A (shunting inhibitory). rockpool 3.1's
DynapSim lumps them into one DPI synapse with AMPA's biases; here each type
has its own ``Itau_*``, ``Igain_*`` and ``C_*`` (rockpool's per-type defaults).
"""
from dataclasses import dataclass, field

from ..errors import HardwareConstraintError

SYNAPSE_TYPES = ("ampa", "nmda", "gaba_a", "gaba_b")
EXCITATORY = ("ampa", "nmda")

# rockpool lookup/defaults.py default_layout (rockpool names GABA_A "shunt",
# GABA_B "gaba").
_ROCKPOOL_NAME = {"ampa": "ampa", "nmda": "nmda", "gaba_a": "shunt", "gaba_b": "gaba"}
LAYOUT = {"C_ahp": 40e-12, "C_pulse_ahp": 0.5e-12, "C_pulse": 0.5e-12, "C_ref": 1.5e-12,
          "C_mem": 3e-12, "C_ampa": 24.5e-12, "C_nmda": 25e-12, "C_gaba_a": 24.5e-12,
          "C_gaba_b": 25e-12, "Io": 5e-13, "kappa_n": 0.75, "kappa_p": 0.66,
          "Ut": 25e-3, "Vth": 7e-1}
# default_time_constants and default_gain_ratios (s, dimensionless)
TIME_CONSTANTS = {"t_pulse_ahp": 1e-6, "t_pulse": 10e-6, "t_ref": 1e-3, "tau_ahp": 50e-3,
                  "tau_ampa": 10e-3, "tau_nmda": 10e-3, "tau_gaba_a": 10e-3,
                  "tau_gaba_b": 10e-3, "tau_mem": 20e-3}
GAIN_RATIOS = {"ahp": 1.0, "mem": 4.0, "ampa": 100.0, "nmda": 100.0, "gaba_a": 100.0,
               "gaba_b": 100.0}
# default_weights["Iscale"], default_currents["Ispkthr"], ["Iw_ahp"], ["Idc"], ["If_nmda"]
ISCALE = 1e-8
ISPKTHR = 1e-7
IW_AHP = 5e-13

CAPACITANCES = ("C_ahp", "C_pulse_ahp", "C_pulse", "C_ref", "C_mem") + tuple(
    f"C_{s}" for s in SYNAPSE_TYPES)
LAYOUT_CONSTANTS = ("Io", "kappa_n", "kappa_p", "Ut", "Vth")
NEURON_CURRENTS = ("Idc", "If_nmda", "Igain_ahp", "Igain_mem", "Ipulse_ahp", "Ipulse", "Iref",
                   "Ispkthr", "Itau_ahp", "Itau_mem", "Iw_ahp")
SYNAPSE_CURRENTS = tuple(f"{b}_{s}" for s in SYNAPSE_TYPES for b in ("Itau", "Igain"))
# Every parameter that carries device mismatch (rockpool's
# frozen_mismatch_prototype deviates all of these, layout constants included).
MISMATCHED = NEURON_CURRENTS + SYNAPSE_CURRENTS + CAPACITANCES + LAYOUT_CONSTANTS
ALL = MISMATCHED + ("Iscale",)


def kappa(p):
    return (p["kappa_n"] + p["kappa_p"]) / 2.0


def itau_for(tau_s, C, p):
    """Leak bias giving time constant ``tau_s`` on capacitance ``C``."""
    return (p["Ut"] / kappa(p)) * C / tau_s


def tau_of(itau, C, p):
    return (p["Ut"] / kappa(p)) * C / itau


def ipw_for(t_s, C, p):
    """Pulse-width / refractory bias giving duration ``t_s`` on ``C``."""
    return p["Vth"] * C / t_s


def pw_of(ipw, C, p):
    return p["Vth"] * C / ipw


def default_biases():
    """rockpool 3.1's default_currents, per synapse type."""
    p = dict(LAYOUT)
    t = TIME_CONSTANTS
    for name in ("ahp", "mem") + SYNAPSE_TYPES:
        itau = itau_for(t[f"tau_{name}"], p[f"C_{name}"], p)
        p[f"Itau_{name}"] = itau
        p[f"Igain_{name}"] = itau * GAIN_RATIOS[name]
    p["Ipulse_ahp"] = ipw_for(t["t_pulse_ahp"], p["C_pulse_ahp"], p)
    p["Ipulse"] = ipw_for(t["t_pulse"], p["C_pulse"], p)
    p["Iref"] = ipw_for(t["t_ref"], p["C_ref"], p)
    p.update(Idc=p["Io"], If_nmda=p["Io"], Ispkthr=ISPKTHR, Iw_ahp=IW_AHP, Iscale=ISCALE)
    return p


@dataclass(frozen=True)
class CoreBiases:
    """The one bias set a DYNAP-SE core applies to all its 256 neurons."""
    values: dict = field(default_factory=default_biases)

    def __post_init__(self):
        unknown = sorted(set(self.values) - set(ALL))
        if unknown:
            raise HardwareConstraintError(
                f"DYNAP-SE bias(es) {unknown} unknown; valid: {sorted(ALL)}")
        missing = sorted(set(ALL) - set(self.values))
        if missing:
            raise HardwareConstraintError(f"DYNAP-SE bias set lacks {missing}")
        bad = sorted(k for k, v in self.values.items()
                     if not (float(v) > 0.0) and k not in ("Idc",))
        if bad or float(self.values["Idc"]) < 0.0:
            raise HardwareConstraintError(
                f"DYNAP-SE biases must be > 0 (Idc >= 0); got "
                f"{ {k: self.values[k] for k in bad or ['Idc']} }")

    @classmethod
    def from_overrides(cls, **overrides):
        v = default_biases()
        v.update({k: float(x) for k, x in overrides.items()})
        return cls(v)

    def key(self):
        """Hashable identity: populations with equal keys may share a core."""
        return tuple(sorted((k, float(v)) for k, v in self.values.items()))

    def __getitem__(self, k):
        return self.values[k]
