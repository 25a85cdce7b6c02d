"""DYNAP-SE neuron and synapse circuits as array code (``xp``: numpy or cupy).

The update of one sub-step ``h`` is rockpool 3.1 DynapSim's forward step
(``rockpool/devices/dynapse/simulation/dynapsim.py::DynapSim.evolve``), which
solves the DPI equations of Chicca et al. 2014 and Bartolozzi & Indiveri 2007
for the AdExp neuron of Moradi et al. 2018 (Livi & Indiveri 2009):

DPI synapse (exact exponential decay, charge during a pulse ``t_pulse``):
    I <- Io + (I - Io) * exp(-h / tau) + (1 - exp(-t_pulse / tau)) * Igain / Itau * Iw
AHP (DynapSim's form): I <- max(I exp(-h/tau) + (1 - exp(-t_pulse_ahp/tau)) Igain/Itau Iw_ahp n, Io)

DynapSim charges every step with max(Igain/Itau Iw, Io), i.e. it adds
(1 - exp(-t_pulse/tau)) Io even when no spike arrives, so an idle synapse
settles at Io t_pulse / dt: a floor that depends on the time step (50 Io at
dt = 0.2 us). Here the synapse relaxes to Io whatever the sub-step; the two
agree when the sub-step equals t_pulse (10 us by default), where DynapSim's
floor is Io.

Membrane (forward Euler, current mode):
    Ileak = Itau_mem + Iahp (+ I_GABA_A)
    Iin   = max(Isyn - Ileak + Idc, Io), 0 while refractory
    Imem_inf = Igain_mem / Itau_mem * (Iin - Ileak)
    f(Imem)  = Io * exp(kappa^2/(kappa+1) * Vmem / Ut) / Ileak * (Imem + Igain_mem)
    dImem/dt = Imem / (tau_mem (Imem + Igain_mem))
               * (Imem_inf + f(Imem) - Imem (1 + Iahp / Itau_mem)),
    tau_mem = (Ut/kappa) C_mem / Ileak;  Vmem = (Ut/kappa) log(Imem / Io)

Spike: n = ceil(log(Imem / Ispkthr)) if Imem > Ispkthr (DynapSim's count;
more than one only if Imem overshoots e * Ispkthr within one sub-step), then
Imem <- Io and a refractory period t_ref = Vth C_ref / Iref.

The four synapse types (rockpool 3.1 lumps them into one): AMPA and NMDA add
to the input current, NMDA through a soft voltage gate Imem / (Imem + If_nmda)
(If_nmda is DynapSim's "NMDA gate soft cut-off current"); GABA_B subtracts
from the input current; GABA_A (shunting, Moradi 2018) adds to the leak like
the AHP current. A synapse type that no connection uses on a population is
not simulated (its weight bias is off on the chip; its leakage floor ~Io is
left out), so a network using AMPA alone is exactly DynapSim's.

Recurrent (in-chip) spikes reach the synapses one sub-step later, as in
DynapSim (its ``ws_rec = w_rec . spikes`` uses the previous step's spikes).
"""
import math

import numpy as np

from .biases import SYNAPSE_TYPES

_NMDA, _GABA_A, _GABA_B = (SYNAPSE_TYPES.index(s) for s in ("nmda", "gaba_a", "gaba_b"))


INTEGRATORS = ("heun", "euler")


def substeps_for(dt, max_substep):
    """Number of equal sub-steps of at most ``max_substep`` in a step ``dt``."""
    return max(1, int(math.ceil(dt / max_substep - 1e-9)))


class DPICircuits:
    """Precomputed per-neuron constants for sub-step ``h`` (s) and the update.

    params: {name: (N,) array} from ``mismatch.per_neuron``.
    active: which synapse types are simulated (tuple of 4 bools).
    """

    def __init__(self, params, h, xp=np, dtype=np.float64, active=(True,) * 4,
                 integrator="heun"):
        if integrator not in INTEGRATORS:
            raise ValueError(f"DYNAP-SE membrane integrator '{integrator}' unknown; "
                             f"valid: {', '.join(INTEGRATORS)}")
        self.integrator = integrator
        self.xp, self.dtype, self.h = xp, dtype, float(h)
        self.n = int(np.asarray(params["Io"]).size)
        self.active = tuple(bool(a) for a in active)
        a = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
        kap = (a["kappa_n"] + a["kappa_p"]) / 2.0
        ut_k = a["Ut"] / kap
        io = a["Io"]

        def tau(itau, C):
            return ut_k * C / itau

        def pw(ipw, C):
            return a["Vth"] * C / ipw

        t_pulse = pw(a["Ipulse"], a["C_pulse"])
        c = {}
        # synapses: (N, 4)
        itau_s = np.stack([np.maximum(a[f"Itau_{s}"], io) for s in SYNAPSE_TYPES], 1)
        igain_s = np.stack([np.maximum(a[f"Igain_{s}"], io) for s in SYNAPSE_TYPES], 1)
        tau_s = ut_k[:, None] * np.stack([a[f"C_{s}"] for s in SYNAPSE_TYPES], 1) / itau_s
        c["syn_gain"] = igain_s / itau_s
        c["syn_discharge"] = np.exp(-self.h / tau_s)
        c["syn_charge"] = 1.0 - np.exp(-t_pulse[:, None] / tau_s)
        # AHP
        itau_ahp = np.maximum(a["Itau_ahp"], io)
        tau_ahp = tau(itau_ahp, a["C_ahp"])
        c["ahp_kick"] = (np.maximum(a["Igain_ahp"], io) / itau_ahp * a["Iw_ahp"]
                         * (1.0 - np.exp(-pw(a["Ipulse_ahp"], a["C_pulse_ahp"]) / tau_ahp)))
        c["ahp_discharge"] = np.exp(-self.h / tau_ahp)
        # membrane
        c["itau_mem"] = np.maximum(a["Itau_mem"], io)
        c["igain_mem"] = np.maximum(a["Igain_mem"], io)
        c["mem_gain"] = c["igain_mem"] / c["itau_mem"]
        c["ut_kappa"] = ut_k
        c["c_mem_ut_k"] = ut_k * a["C_mem"]
        c["fb_exponent"] = (kap * kap / (kap + 1.0)) / a["Ut"]
        c["io"] = io
        c["idc"] = a["Idc"]
        c["if_nmda"] = a["If_nmda"]
        c["ispkthr"] = a["Ispkthr"]
        c["t_ref"] = pw(a["Iref"], a["C_ref"])
        c["iscale"] = a["Iscale"]
        self.c = {k: xp.asarray(v, dtype=dtype) for k, v in c.items()}
        self.t_pulse = t_pulse

    def initial_state(self):
        xp, io = self.xp, self.c["io"]
        return {"imem": io.copy(), "vmem": xp.zeros(self.n, self.dtype),
                "iahp": io.copy(), "isyn": xp.repeat(io[:, None], 4, axis=1),
                "timer": xp.zeros(self.n, self.dtype), "spikes": xp.zeros(self.n, self.dtype)}

    def substep(self, s, w_in):
        """Advance ``s`` in place by one sub-step; ``w_in``: (N, 4) input
        weights (dimensionless, multiples of Iscale) arriving in this
        sub-step. Returns the spike counts (N,)."""
        xp, c, h = self.xp, self.c, self.h
        io = c["io"]
        # DPI synapses
        # relax to the dark current Io, charge by the pulses that arrived
        s["isyn"] -= io[:, None]
        s["isyn"] *= c["syn_discharge"]
        s["isyn"] += io[:, None]
        s["isyn"] += c["syn_charge"] * xp.maximum(
            c["syn_gain"] * (w_in * c["iscale"][:, None]), 0.0)
        # AHP, driven by the previous sub-step's spikes
        iahp = c["ahp_discharge"] * s["iahp"] + c["ahp_kick"] * s["spikes"]
        iahp = xp.maximum(iahp, io)
        s["iahp"] = iahp
        # membrane
        imem, isyn = s["imem"], s["isyn"]
        ileak = c["itau_mem"] + iahp
        drive = isyn[:, 0]
        if self.active[_NMDA]:
            drive = drive + isyn[:, _NMDA] * imem / (imem + c["if_nmda"])
        if self.active[_GABA_B]:
            drive = drive - isyn[:, _GABA_B]
        if self.active[_GABA_A]:
            ileak = ileak + isyn[:, _GABA_A]
        iin = drive - ileak + c["idc"]
        iin = xp.where(s["timer"] > 0.0, 0.0, iin)
        iin = xp.maximum(iin, io)
        imem = self._membrane(imem, s["vmem"], iin, ileak, iahp)
        s["vmem"] = c["ut_kappa"] * xp.log(imem / io)
        # spikes (DynapSim's vmem keeps the pre-reset value)
        n_spk = xp.maximum(xp.ceil(xp.log(imem / c["ispkthr"])), 0.0)
        fired = n_spk > 0.0
        s["imem"] = xp.where(fired, io, imem)
        timer = xp.maximum(s["timer"] - h, 0.0)
        s["timer"] = xp.where(fired, c["t_ref"], timer)
        s["spikes"] = n_spk
        return n_spk

    def _didt(self, imem, vmem, iin, ileak, iahp):
        c, xp = self.c, self.xp
        imem_inf = c["mem_gain"] * (iin - ileak)
        f_imem = c["io"] * xp.exp(c["fb_exponent"] * vmem) / ileak * (imem + c["igain_mem"])
        tau_mem = c["c_mem_ut_k"] / ileak
        return imem / (tau_mem * (imem + c["igain_mem"])) * (
            imem_inf + f_imem - imem * (1.0 + iahp / c["itau_mem"]))

    def _membrane(self, imem, vmem, iin, ileak, iahp):
        xp, c, h = self.xp, self.c, self.h
        io = c["io"]
        if self.integrator == "euler":
            # DynapSim's scheme: the feedback uses the previous sub-step's Vmem
            return xp.maximum(imem + self._didt(imem, vmem, iin, ileak, iahp) * h, io)
        # Heun (explicit trapezoid), Vmem consistent with Imem at each stage
        v0 = c["ut_kappa"] * xp.log(imem / io)
        k1 = self._didt(imem, v0, iin, ileak, iahp)
        i1 = xp.maximum(imem + h * k1, io)
        k2 = self._didt(i1, c["ut_kappa"] * xp.log(i1 / io), iin, ileak, iahp)
        return xp.maximum(imem + 0.5 * h * (k1 + k2), io)

    def advance(self, s, w_sub):
        """Run ``w_sub.shape[0]`` sub-steps; ``w_sub``: (n_sub, N, 4) input
        weights by arrival sub-step. Returns (counts (N,), first spike
        sub-step (N,), -1 where none)."""
        xp = self.xp
        counts = xp.zeros(self.n, self.dtype)
        first = xp.full(self.n, -1, dtype=np.int32)
        for k in range(w_sub.shape[0]):
            n = self.substep(s, w_sub[k])
            new = (n > 0.0) & (first < 0)
            first = xp.where(new, k, first)
            counts += n
        return counts, first
