"""DYNAP-SE cells on the seam (hardware_models/arithmetic.py): DPI circuits per population.

Each engine step of dt runs ``substeps_for(dt, MAX_SUBSTEP_S)`` circuit
sub-steps of h = dt / n. Arrivals carry their offset from the on-grid arrival
(the engine's ``@offset`` channels: weight x offset, in steps, in (-1, 1);
hardware_models/arithmetic.py): an on-grid arrival charges the step's last
sub-step, an offset u moves it by u dt, so the charge of a receptor is placed
at sub-step position (n - 1) + u n of its weighted mean offset, split
linearly between the two sub-steps around it (its centroid is exact; a part
past the step's end carries into the next step). Putting the sum of one
step's arrivals at their mean time is exact to first order for the linear
DPI synapse (the spread is below dt, tau_syn >> dt).

Spikes carry their sub-step time (``spike_offsets``): a cell that fires in
sub-step k of a step has its spike at (k + 1) h into the step (as the
standalone loop counts it), so it is recorded there and, travelling with a
delay of D steps and a latency L, charges its targets in sub-step k of step
s + D (plus L): the charge starts D dt - h + L after the spike, whatever dt
(with dt = h and D = 1 that is DynapSim's next sub-step). A cell that fires
twice within one step reports its first spike (the engine keeps one spike per
cell and step).

PyNN receptors go to the chip's synapse types: 'excitatory' -> AMPA,
'inhibitory' -> GABA_B (subtractive), as the DYNAP-SE toolchains' default
fast-excitatory / slow-inhibitory pair; weights are in units of Iscale
(DynapSim's convention).
"""
import numpy as np

from ..arithmetic import ChipNeurons, ChipSynapses
from ..errors import ChipSpecError, HardwareConstraintError
from .biases import SYNAPSE_TYPES
from .circuits import INTEGRATORS, DPICircuits, substeps_for
from .mismatch import per_neuron
from .translate import parameter_key, translate

#: sub-step bound: the default DPI pulse width, where the synapse update is
#: DynapSim's and the membrane's Heun step is within 0.1 ms of a 1 us step
#: (tests/test_dynapse_circuits.py)
MAX_SUBSTEP_S = 10e-6
CHIP_RECEPTORS = ("AMPA", "NMDA", "GABA_A", "GABA_B")
PYNN_RECEPTOR = {"excitatory": "AMPA", "inhibitory": "GABA_B"}


def parameter_set(population, uniform):
    """Hashable bias set of a population (populations with different sets
    never share a core)."""
    return parameter_key(population, uniform)


class DynapseNeurons(ChipNeurons):
    receptors = CHIP_RECEPTORS
    recordables = {"v": "mV"}
    arrival_offsets = True
    spike_offsets = True
    chip = "DYNAP-SE"

    def __init__(self, xp, population, spec, dt_ms, step_ms, cores, rng):
        super().__init__(xp, population, spec, dt_ms, step_ms, cores, rng)
        self.translation = translate(population, self.uniform_parameter)
        self.notes.extend(self.translation.notes)
        cv = float(spec.get("quantization.mismatch_cv")) if spec.get("mismatch") else 0.0
        self.n_sub = substeps_for(step_ms * 1e-3, MAX_SUBSTEP_S)
        self.h = step_ms * 1e-3 / self.n_sub
        core_ids = {int(c) for c in np.unique(self.cores)}
        self.params = per_neuron({c: self.translation.biases for c in core_ids}, self.cores,
                                 cv=cv, seed=int(spec.get("quantization.seed")))
        self.integrator = spec.get("arithmetic.integrator")
        if self.integrator not in INTEGRATORS:
            raise ChipSpecError(f"{spec.name}: arithmetic.integrator {self.integrator!r} "
                                f"unknown; valid: {', '.join(INTEGRATORS)}")
        self.active = [False] * 4
        self.circuits = None

    # ---------------------------------------------------------------- synapses
    def synapses(self, projection):
        name = PYNN_RECEPTOR.get(projection.receptor)
        if name is None:
            raise HardwareConstraintError(
                f"DYNAP-SE: projection '{projection.label}' targets receptor "
                f"'{projection.receptor}' of '{self.label}'; DYNAP-SE cells take "
                f"{', '.join(PYNN_RECEPTOR)}")
        j = CHIP_RECEPTORS.index(name)
        syn = SYNAPSE_TYPES[j]
        tr = self.translation
        w = np.abs(projection.weight.astype(np.float64))
        if tr.driving_force:
            w = w * tr.driving_force[projection.receptor]     # uS x mV = nA
        self.active[j] = True
        return ChipSynapses(weight=w * tr.weight_per_nA[syn],
                            delay_steps=projection.delay_steps.astype(np.int32),
                            receptor=name, notes=tuple(tr.notes))

    # -------------------------------------------------------------------- step
    def _build(self):
        self.circuits = DPICircuits(self.params, self.h, xp=self.xp, active=tuple(self.active),
                                    integrator=self.integrator)
        self._idc = self.circuits.c["idc"].copy()
        self.state = self.circuits.initial_state()
        # charge placed past this step's sub-steps (up to one step later)
        self._carry = self.xp.zeros((self.n_sub + 1, self.size, 4))
        self.last_spike_fraction = self.xp.zeros(0)

    def step(self, inputs, i_ext):
        if self.circuits is None:
            self._build()
        xp, n_sub = self.xp, self.n_sub
        w_sub = xp.zeros((2 * n_sub + 1, self.size, 4))
        w_sub[:n_sub + 1] += self._carry
        rows = xp.arange(self.size)
        for j, name in enumerate(CHIP_RECEPTORS):
            q = inputs[name]
            if not self.active[j]:
                continue
            charged = q != 0
            off = xp.where(charged, inputs[name + "@offset"] / xp.where(charged, q, 1.0), 0.0)
            # on-grid arrival: the last sub-step; the offset (steps) moves it
            x = xp.clip((n_sub - 1) + off * n_sub, 0.0, 2 * n_sub - 1)
            k = xp.floor(x).astype(np.int64)
            frac = x - k
            w_sub[k, rows, j] += q * (1.0 - frac)
            w_sub[k + 1, rows, j] += q * frac
        self._carry = w_sub[n_sub:].copy()
        if i_ext is not None:
            self.circuits.c["idc"] = self._idc + xp.asarray(i_ext) * self.translation.current_scale
        counts, first = self.circuits.advance(self.state, w_sub[:n_sub])
        fired = xp.flatnonzero(counts > 0)
        self.last_spike_fraction = (first[fired].astype(np.float64) + 1.0) / n_sub
        return fired

    def value(self, name):
        if self.circuits is None:
            self._build()
        if name == "v":
            return self.state["vmem"] * 1e3
        return super().value(name)

    def reset(self):
        self.circuits = None
