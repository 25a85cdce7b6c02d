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
    parameters (du, dv, vth, bias_mant, bias_exp, refractory; per cell)."""

    def __init__(self, xp, size, params, label="loihi"):
        check_parameters(label, params)
        self.xp = xp
        self.size = int(size)
        as_int = lambda name: xp.asarray(np.broadcast_to(
            np.asarray(params[name], dtype=np.int64), (self.size,)).copy())
        self.du, self.dv = as_int("du"), as_int("dv")
        self.vth_scaled = as_int("vth") << VTH_SHIFT
        self.bias = as_int("bias_mant") << as_int("bias_exp")
        self.refractory = as_int("refractory")
        self.u0 = xp.asarray(np.broadcast_to(np.asarray(params.get("u0", 0), np.int64),
                                             (self.size,)).copy())
        self.v0 = xp.asarray(np.broadcast_to(np.asarray(params.get("v0", 0), np.int64),
                                             (self.size,)).copy())
        self.reset()

    def reset(self):
        self.u = self.u0.copy()
        self.v = self.v0.copy()
        self.hold = self.xp.zeros(self.size, dtype=np.int64)

    def step(self, input_units, extra_bias=None):
        """One timestep; input_units: the summed w_act arriving now (int64 or float)."""
        xp = self.xp
        u = decay(xp, self.u, self.du) + xp.asarray(input_units).astype(np.int64)
        u = xp.where(u > UV_MAX, u - 2 * UV_MAX, u)
        u = xp.where(u <= -UV_MAX, u + 2 * UV_MAX, u)
        self.u = u
        held = self.hold > 0
        bias = self.bias if extra_bias is None else self.bias + extra_bias
        v = xp.clip(decay(xp, self.v, self.dv) + u + bias, -UV_MAX + 1, UV_MAX - 1)
        self.v = xp.where(held, self.v, v)
        self.hold = xp.where(held, self.hold - 1, self.hold)
        fired = xp.flatnonzero((self.v > self.vth_scaled) & ~held)
        if fired.size:
            self.v[fired] = 0
            self.hold[fired] = self.refractory[fired] - 1
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
        self.loihi = LoihiState(xp, self.size, self.translation.params, population.label)
        self.weight_formats = {}
        self._du_from = None

    def synapses(self, projection):
        from ..arithmetic import ChipSynapses
        tr = self.translation
        self._take_receptor(projection)
        local = projection.target.astype(np.int64) - self.population.first_index
        target_units = projection.weight.astype(np.float64) * tr.weight_scale[local]
        w_act, fmt, _ = encoding.encode(target_units, projection.label, self.num_weight_bits,
                                     exact=self.exact_weights)
        register = projection.delay_steps.astype(np.int64) - tr.delay_offset_steps
        encoding.check_delays(projection.label, register)
        self.weight_formats[projection.label] = fmt
        return ChipSynapses(weight=w_act, delay_steps=(register + 1).astype(np.int32),
                            receptor="u", notes=tuple(tr.notes))

    def _take_receptor(self, projection):
        """One current u with one decay du per compartment: the receptors a
        population receives must share their synaptic time constant."""
        du = self.translation.du_by_receptor.get(projection.receptor)
        if du is None:
            raise HardwareConstraintError(
                f"Loihi: projection '{projection.label}' targets receptor "
                f"'{projection.receptor}' of '{self.label}'; Loihi cells take 'excitatory' "
                f"and 'inhibitory'")
        if self._du_from is None:
            self._du_from = projection
            self._du = du
            check_parameters(self.label, {**self.translation.params, "du": du})
            self.loihi.du = self.xp.asarray(du.astype(np.int64))
        elif not np.array_equal(du, self._du):
            first = self._du_from
            raise HardwareConstraintError(
                f"Loihi: population '{self.label}' receives '{first.label}' on "
                f"'{first.receptor}' (du = {self._du[0]:g}) and '{projection.label}' on "
                f"'{projection.receptor}' (du = {du[0]:g}): a Loihi compartment has one "
                f"current u with one decay du, so tau_syn_E must equal tau_syn_I. Use equal "
                f"time constants or hardware_options={{'cells': 'software'}}")

    def step(self, inputs, i_ext):
        extra = None
        if i_ext is not None:
            extra = self.xp.rint(i_ext * self._current_to_bias).astype(np.int64)
        return self.loihi.step(inputs["u"], extra)

    def value(self, name):
        if name == "v":
            return self.loihi.v / self._v_scale + self._v_reset
        if name in ("chip:u", "chip:v"):
            return getattr(self.loihi, name[5:])
        raise KeyError(name)

    @property
    def state(self):
        return {"chip:u": self.loihi.u, "chip:v": self.loihi.v}

    @state.setter
    def state(self, value):
        pass   # the base class initialises an empty dict; the state lives in LoihiState

    def reset(self):
        self.loihi.reset()
