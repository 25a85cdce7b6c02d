"""Loihi's compartment, bit-accurate (one algorithmic timestep per engine step).

Per timestep, for each compartment (Davies et al. 2018, Sec. "Neuron model":
CUBA leaky integrate-and-fire with current u and voltage v; the fixed-point
rules below as Lava's ``src/lava/proc/lif/models.py`` AbstractPyLifModelFixed /
PyLifModelBitAcc and brian2-loihi's ``loihi_neuron_group.py`` compute them):

1. u <- sign(u) * ((|u| * (4096 - du)) >> 12) + input
   (du: 12-bit decay in units of 1/4096 plus Lava's 1-bit ``ds_offset``, so
   0..4096; decay rounds toward zero; the input is the sum of the arriving
   synapses' w_act, already shifted left by 6, see encoding.py);
   u is 24 bits wide and wraps (Lava: above 2**23 it loses 2**24, at or
   below -2**23 it gains 2**24).
2. unless refractory:
   v <- sign(v) * ((|v| * (4096 - dv)) >> 12) + u + bias
   (dv: 12 bits, 0..4095, Lava's ``dm_offset`` = 0; bias = bias_mant <<
   bias_exp, mantissa 13-bit signed -4096..4095, exponent 0..7, Lava's
   PyLifModelBitAcc), then v saturates to +-(2**23 - 1) (Lava: clip).
3. fires where v > vth << 6 (vth: 17-bit unsigned 0..131071; strict '>' as
   Lava's ``spiking_activation`` and brian2-loihi's threshold ``v > v_th``);
   v resets to 0 (Lava ``reset_voltage``, brian2-loihi ``reset='v = 0'``).
4. refractory period r timesteps (1..64, brian2-loihi ``refractory``): after
   a spike in timestep t, v stays at 0 and no spike is possible in t+1 ..
   t+r-1 while u goes on integrating (brian2-loihi ``dv/dt = ... (unless
   refractory)``; Lava's PyLifModelBitAcc lacks a refractory period).

State and parameters are int64 arrays (``xp``); every product fits in 64 bits.
"""
import numpy as np

from ..arithmetic import ChipNeurons
from ..errors import HardwareConstraintError
from . import encoding
from .translate import translate

UV_BITS = 24
UV_MAX = 2 ** (UV_BITS - 1)
DECAY_SHIFT = 12
VTH_SHIFT = 6

#: parameter -> (low, high, source)
RANGES = {
    "du": (0, 4096, "Lava AbstractPyLifModelFixed: 12-bit du plus 1-bit ds_offset"),
    "dv": (0, 4095, "Lava AbstractPyLifModelFixed: 12-bit dv, dm_offset 0"),
    "vth": (0, 131071, "Lava PyLifModelBitAcc: 17-bit unsigned vth"),
    "bias_mant": (-4096, 4095, "Lava PyLifModelBitAcc: 13-bit signed bias mantissa"),
    "bias_exp": (0, 7, "Lava PyLifModelBitAcc: 3-bit bias exponent"),
    "refractory": (1, 64, "brian2-loihi LoihiNeuronGroup: refractory 1..64"),
}


def check_parameters(label, params):
    for name, (low, high, source) in RANGES.items():
        v = np.asarray(params[name])
        if v.size and (v.min() < low or v.max() > high or np.any(v != np.rint(v))):
            bad = v[(v < low) | (v > high) | (v != np.rint(v))]
            raise HardwareConstraintError(
                f"Loihi: population '{label}': {name} = {float(bad.flat[0]):g} is not an "
                f"integer in {low}..{high} ({source})")


def decay(xp, x, d):
    """x * (4096 - d) / 4096 rounded toward zero, in integers."""
    product = x * (4096 - d)
    return xp.sign(product) * (xp.abs(product) >> DECAY_SHIFT)


class LoihiState:
    """The integer arithmetic alone, for compartments given in Loihi's own
    parameters (du, dv, vth, bias_mant, bias_exp, refractory; per cell).

    step() works in place on preallocated int64 arrays (parameters shared by all
    cells become Python ints), the same integer operations as ``decay``."""

    def __init__(self, xp, size, params, label="loihi"):
        check_parameters(label, params)
        self.xp = xp
        self.size = int(size)
        host = lambda name, default=0: np.broadcast_to(
            np.asarray(params.get(name, default), dtype=np.int64), (self.size,)).copy()
        self.keep_u = self._uniform(4096 - host("du"))
        self.keep_v = self._uniform(4096 - host("dv"))
        self.vth_scaled = self._uniform(host("vth") << VTH_SHIFT)
        self.bias = self._uniform(host("bias_mant") << host("bias_exp"))
        refractory = host("refractory")
        self.hold_after_spike = xp.asarray(refractory - 1)
        self.can_hold = bool(np.any(refractory > 1))
        # a second current (inhibitory dendrite, see LoihiCompartments) when du_inh is given
        self.keep_u2 = self._uniform(4096 - host("du_inh")) if "du_inh" in params else None
        self.u0, self.v0 = xp.asarray(host("u0")), xp.asarray(host("v0"))
        self._work = xp.empty(self.size, dtype=np.int64)
        self._saved = xp.empty(self.size, dtype=np.int64)
        self.reset()

    def _uniform(self, values):
        if values.size and np.all(values == values[0]):
            return int(values[0])
        return self.xp.asarray(values)

    def reset(self):
        xp = self.xp
        self.u = self.u0.copy()
        self.u2 = None if self.keep_u2 is None else xp.zeros(self.size, dtype=np.int64)
        self.v = self.v0.copy()
        self.hold = xp.zeros(self.size, dtype=np.int64)
        self.holding = False

    def _decay(self, x, keep):
        """x <- x * keep / 4096 rounded toward zero, in place (as ``decay``)."""
        xp, w = self.xp, self._work
        xp.multiply(x, keep, out=x)
        xp.right_shift(x, 63, out=w)          # -1 where negative
        xp.bitwise_and(w, 4095, out=w)        # + 4095 before the floor shift: toward zero
        x += w
        xp.right_shift(x, DECAY_SHIFT, out=x)

    def _current(self, u, keep, input_units):
        xp = self.xp
        self._decay(u, keep)
        if input_units is not None:
            self._work[...] = input_units        # whole numbers: the cast is exact
            u += self._work
        # 24-bit wrap (Lava: above 2**23 loses 2**24, at or below -2**23 gains 2**24):
        # u <- ((u + 2**23 - 1) mod 2**24) - 2**23 + 1 maps any u into (-2**23, 2**23]
        u += UV_MAX - 1
        xp.bitwise_and(u, 2 * UV_MAX - 1, out=u)
        u -= UV_MAX - 1

    def step(self, input_units, extra_bias=None, input2=None):
        """One timestep; input_units: the summed w_act arriving now (int64 or float,
        whole numbers); input2: the second current's input (only with du_inh)."""
        xp = self.xp
        u, v = self.u, self.v
        self._current(u, self.keep_u, input_units)
        if self.u2 is not None:
            self._current(self.u2, self.keep_u2, input2)
        held = None
        if self.holding:
            held = self.hold > 0
            xp.copyto(self._saved, v)
        self._decay(v, self.keep_v)
        v += u
        if self.u2 is not None:
            v += self.u2
        v += self.bias
        if extra_bias is not None:
            v += extra_bias
        xp.minimum(v, UV_MAX - 1, out=v)       # saturation (Lava: clip)
        xp.maximum(v, -UV_MAX + 1, out=v)
        if held is not None:
            xp.copyto(v, self._saved, where=held)       # refractory: v stays (at 0)
            xp.subtract(self.hold, held, out=self.hold, casting="unsafe")
            self.holding = bool(self.hold.any())
        # held cells sit at 0 <= vth << 6: they cannot fire
        fired = xp.flatnonzero(v > self.vth_scaled)
        if fired.size:
            v[fired] = 0
            if self.can_hold:
                self.hold[fired] = self.hold_after_spike[fired]
                self.holding = True
        return fired


class LoihiCompartments(ChipNeurons):
    """A PyNN population computed by Loihi compartments (translate.py maps the cells)."""

    chip = "Loihi"
    receptors = ("u",)
    recordables = {"v": "mV"}

    def __init__(self, xp, population, spec, dt_ms, step_ms, cores, rng):
        super().__init__(xp, population, spec, dt_ms, step_ms, cores, rng)
        vth_mant = spec.get("arithmetic.vth_mant")
        self.translation = translate(population, dt_ms, *([int(vth_mant)] if vth_mant else []))
        self._v_scale = xp.asarray(self.translation.v_scale)
        self._v_reset = xp.asarray(self.translation.v_reset)
        self._current_to_bias = xp.asarray(self.translation.current_to_bias)
        self.notes.extend(self.translation.notes)
        self.num_weight_bits = int(spec.get("quantization.mantissa_bits"))
        self.exact_weights = not spec.get("quantize")
        du = self.translation.du_by_receptor
        # different tau_syn_E / tau_syn_I: two currents, the inhibitory one in a
        # dendritic compartment joined to the soma's input by ADD (Davies 2018,
        # "dendritic compartments"; modelled as its u adding to the soma's in the
        # same step: a modelling choice no reference implementation checks)
        self.split = not np.array_equal(du["excitatory"], du["inhibitory"])
        params = dict(self.translation.params)
        if self.split:
            self.receptors = ("u", "u_inh")
            params["du_inh"] = du["inhibitory"]
            self.notes.append(f"Loihi: '{self.label}' tau_syn_E != tau_syn_I: inhibitory "
                              f"current in a second (dendritic) compartment joined by ADD "
                              f"(modelling choice, not checked against a reference)")
        self.loihi = LoihiState(xp, self.size, params, population.label)
        self.weight_formats = {}

    @classmethod
    def synapse_bits(cls, projection, spec):
        """Bits per synapse entry: the weight (quantization.mantissa_bits, brian2-loihi's
        num_weight_bits, in every sign mode: mixed mode spends one of them on the sign,
        encoding.precision; with quantize: false, whole u units: 22 bits, 21 and a sign),
        6 delay bits when the projection's delays differ
        (brian2-loihi's 0..62), and a target index of log2(compartments per core) bits
        (modelling choice: every synapse stored sparse, with its target)."""
        weight = int(spec.get("quantization.mantissa_bits")) if spec.get("quantize") else 22
        d = projection.delay_steps
        delay = 6 if d.size and d.min() != d.max() else 0
        index = int(np.ceil(np.log2(max(int(spec.get("neurons_per_core")), 2))))
        return weight + delay + index

    def synapses(self, projection):
        from ..arithmetic import ChipSynapses
        tr = self.translation
        self._check_receptor(projection)
        receptor = "u_inh" if self.split and projection.receptor == "inhibitory" else "u"
        local = projection.target.astype(np.int64) - self.population.first_index
        target_units = projection.weight.astype(np.float64) * tr.weight_scale[local]
        w_act, fmt, _ = encoding.encode(target_units, projection.label, self.num_weight_bits,
                                     exact=self.exact_weights)
        register = projection.delay_steps.astype(np.int64) - tr.delay_offset_steps
        encoding.check_delays(projection.label, register)
        self.weight_formats[projection.label] = fmt
        return ChipSynapses(weight=w_act, delay_steps=(register + 1).astype(np.int32),
                            receptor=receptor, notes=tuple(tr.notes))

    def _check_receptor(self, projection):
        if projection.receptor not in self.translation.du_by_receptor:
            raise HardwareConstraintError(
                f"Loihi: projection '{projection.label}' targets receptor "
                f"'{projection.receptor}' of '{self.label}'; Loihi cells take 'excitatory' "
                f"and 'inhibitory'")

    def step(self, inputs, i_ext):
        extra = None
        if i_ext is not None:
            extra = self.xp.rint(i_ext * self._current_to_bias).astype(np.int64)
        return self.loihi.step(inputs["u"], extra, inputs.get("u_inh"))

    def value(self, name):
        if name == "v":
            return self.loihi.v / self._v_scale + self._v_reset
        if name in self.state:
            return self.state[name]
        raise KeyError(name)

    @property
    def state(self):
        state = {"chip:u": self.loihi.u, "chip:v": self.loihi.v}
        if self.loihi.u2 is not None:
            state["chip:u_inh"] = self.loihi.u2
        return state

    @state.setter
    def state(self, value):
        pass   # the base class initialises an empty dict; the state lives in LoihiState

    def reset(self):
        self.loihi.reset()
