"""Neuron groups that update in sPyNNaker's order, in its fixed-point arithmetic.

sPyNNaker's neuron loop, per 1-tick time step k and neuron (neuron_impl_standard.h):

1. the ring-buffer input due in tick k is added to the synaptic state, each
   weight scaled by init = tau_syn/dt * (1 - exp(-dt/tau_syn)) (so that the
   step-wise constant current carries the charge of the exponential PSC);
2. v (at the start of the tick) and the synaptic state (with this tick's
   input) are what the tick records;
3. unless the refractory timer is running, the membrane takes one exact step
   with that current held constant over the tick:
   alpha = I * tau_m/cm + v_rest;  v = alpha - exp(-dt/tau_m) * (alpha - v);
   a running timer is counted down instead and v stays where it is;
4. v >= v_thresh fires: v = v_reset, timer = ceil(tau_refrac/dt);
5. the synaptic state decays by exp(-dt/tau_syn).

Input therefore reaches the membrane in the tick it arrives, so a neuron can
fire in the step its input arrives (NEST, and the standard pycarl engine,
take it up after the membrane update, one step later). Synaptic time
constants below the time step are fine: the PSC is a one-tick pulse scaled
by init.

Inhibitory input arrives as magnitudes (sPyNNaker stores |w|) and is
subtracted: I = I_exc - I_inh + i_offset.

With additional_parameters={"n_steps_per_timestep": n} (sPyNNaker's) the
neurons take n such updates per tick with the constants of dt/n, the tick's
input in the first, one spike per tick if any update fires.

The arithmetic is s16.15 fixed point as on the machine, in the variant of
the release setup() chose (fixed_point.py); setup(fixed_point=False) runs
the same loop in float64.
"""
import numpy as np

from .. import simulator
from ..engine.neurons import IFCondExp, IFCurrExp, NeuronGroup
from . import fixed_point as fx


def chosen_arithmetic():
    """The fixed-point arithmetic of the current simulation, or None for float."""
    return getattr(simulator.state, "spinnaker_arithmetic", fx.SPYNNAKER7_ARITHMETIC)


class SpiNNakerLIF(NeuronGroup):
    """The LIF loop above; subclasses say how synaptic state becomes current."""

    exc_state = inh_state = None  # names of the synaptic state variables
    #: recordable name -> state variable holding that synaptic input
    synaptic_recordables = {}

    #: sPyNNaker's n_steps_per_timestep: neuron updates per tick (set_steps_per_tick)
    steps_per_tick = 1

    def set_steps_per_tick(self, n):
        """Update the neurons n times per tick with the constants of dt/n, the
        tick's input taken up in the first of them (neuron_impl_standard.h's
        n_steps_per_timestep loop; the host writes the constants for dt/n)."""
        self.steps_per_tick = int(n)
        self.prepare()

    def prepare(self):
        p, dt = self.params, self.dt / self.steps_per_tick
        self.arithmetic = chosen_arithmetic() if self.xp is np else None
        # sPyNNaker counts the refractory period in whole ticks, rounded up; a
        # negative tau_refrac (e.g. drawn from a distribution) is no period
        self.refractory_steps = np.maximum(
            np.ceil(np.round(p['tau_refrac'] / dt, 9)), 0).astype(np.int32)
        if self.arithmetic is None:
            xp = self.xp
            self.exp_tc = xp.exp(-dt / p['tau_m'])
            self.r_membrane = p['tau_m'] / p['cm']
            with np.errstate(divide="ignore"):   # tau_syn = 0: decay and init 0
                self.exc_decay = xp.exp(-dt / p['tau_syn_E'])
                self.inh_decay = xp.exp(-dt / p['tau_syn_I'])
            self.exc_init = p['tau_syn_E'] / dt * (1.0 - self.exc_decay)
            self.inh_init = p['tau_syn_I'] / dt * (1.0 - self.inh_decay)
            self.refractory_steps = xp.asarray(self.refractory_steps)
            return
        a = self.arithmetic
        self.r_bits, self.exp_tc_bits = a.membrane_constants(p['tau_m'], p['cm'], dt)
        self.exc_decay_u32, self.exc_init_u32 = a.synapse_constants(p['tau_syn_E'], dt)
        self.inh_decay_u32, self.inh_init_u32 = a.synapse_constants(p['tau_syn_I'], dt)
        self.bits = {name: a.accum(p[name]) for name in self.accum_parameters}

    accum_parameters = ('v_rest', 'v_reset', 'v_thresh', 'i_offset')

    def reset(self):
        super().reset()
        self.last_fired = (-1, None)
        self.tick_record = {}

    def recordable_value(self, name):
        """What sPyNNaker records for the tick just done (see the module docstring)."""
        return self.tick_record.get(name, self.state[self.synaptic_recordables.get(name, name)])

    def _keep_tick_record(self, v_start):
        s = self.state
        self.tick_record = {'v': v_start}
        for name, variable in self.synaptic_recordables.items():
            self.tick_record[name] = s[variable].copy()
        for variable in (self.exc_state, self.inh_state):
            self.tick_record.setdefault(variable, s[variable].copy())

    def update(self, step, inputs, i_ext):
        one_step = self._update_float if self.arithmetic is None else self._update_fixed
        fired = one_step(inputs, i_ext)
        if self.steps_per_tick > 1:  # the other sub-steps: no new input, no record
            quiet = self.xp.zeros_like(self.xp.asarray(inputs))
            parts = [fired] + [one_step(quiet, i_ext, record=False)
                               for _ in range(self.steps_per_tick - 1)]
            fired = self.xp.unique(self.xp.concatenate(parts))  # one spike per tick
        self.last_fired = (step, fired)
        return fired

    def _update_float(self, inputs, i_ext, record=True):
        xp, p, s = self.xp, self.params, self.state
        self._add_input_float(inputs)
        if record:
            self._keep_tick_record(s['v'].copy())
        current = self.synaptic_current() + p['i_offset']
        if i_ext is not None:
            current = current + i_ext
        alpha = current * self.r_membrane + p['v_rest']
        v_free = alpha - self.exp_tc * (alpha - s['v'])
        refractory = self._count_down_refractory()
        s['v'] = xp.where(refractory, s['v'], v_free)
        fired = self._fire('v', p['v_reset'])
        self._shape_float()
        return fired

    # --- synaptic input (exponential; synapse_types_exponential_impl.h) ----------
    def _add_input_float(self, inputs):
        s = self.state
        s[self.exc_state] += inputs[0] * self.exc_init
        s[self.inh_state] += inputs[1] * self.inh_init

    def _shape_float(self):
        s = self.state
        s[self.exc_state] *= self.exc_decay
        s[self.inh_state] *= self.inh_decay

    def _add_input_fixed(self, inputs):
        """The tick's input taken up; returns the (exc, inh) input bits."""
        a, s = self.arithmetic, self.state
        exc = fx.to_bits(s[self.exc_state]) + fx.decay_s1615(
            a.accum(inputs[0]), self.exc_init_u32)
        inh = fx.to_bits(s[self.inh_state]) + fx.decay_s1615(
            a.accum(inputs[1]), self.inh_init_u32)
        s[self.exc_state], s[self.inh_state] = fx.from_bits(exc), fx.from_bits(inh)
        return exc, inh

    def _shape_fixed(self, exc, inh):
        s = self.state
        s[self.exc_state] = fx.from_bits(fx.decay_s1615(exc, self.exc_decay_u32))
        s[self.inh_state] = fx.from_bits(fx.decay_s1615(inh, self.inh_decay_u32))

    def _update_fixed(self, inputs, i_ext, record=True):
        a, s, b = self.arithmetic, self.state, self.bits
        exc, inh = self._add_input_fixed(inputs)
        if record:
            self._keep_tick_record(s['v'].copy())
        v = fx.to_bits(s['v'])
        current = self.synaptic_current_bits(exc, inh, v) + b['i_offset']
        if i_ext is not None:
            current = current + a.accum(i_ext)
        alpha = a.multiply(current, self.r_bits) + b['v_rest']
        v_free = alpha - a.multiply(self.exp_tc_bits, alpha - v)
        refractory = self._count_down_refractory()
        v = np.where(refractory, v, v_free)
        fired = np.flatnonzero(v >= b['v_thresh'])
        if fired.size:
            v[fired] = b['v_reset'][fired]
            self.refractory_steps_left[fired] = self.refractory_steps[fired]
        s['v'] = fx.from_bits(v)
        self._shape_fixed(exc, inh)
        return fired

    def synaptic_current(self):
        raise NotImplementedError

    def synaptic_current_bits(self, exc, inh, v):
        raise NotImplementedError


def _spinnaker_ranges(ranges):
    """sPyNNaker takes any tau_refrac (ceil(tau_refrac/dt) <= 0 is no period) and
    tau_syn = 0 (decay and init 0: no synaptic input)."""
    kept = {name: r for name, r in ranges.items() if name != 'tau_refrac'}
    for name in ('tau_syn_E', 'tau_syn_I'):
        if name in kept:
            kept[name] = (0.0, None, True)
    return kept


class SpiNNakerIFCurrExp(SpiNNakerLIF):
    """IF_curr_exp as sPyNNaker runs it; gsyn_exc/gsyn_inh record the synaptic
    input current (nA), as sPyNNaker names it for every model."""

    defaults = IFCurrExp.defaults
    initial_defaults = IFCurrExp.initial_defaults
    ranges = _spinnaker_ranges(IFCurrExp.ranges)
    exc_state, inh_state = 'isyn_exc', 'isyn_inh'
    synaptic_recordables = {'gsyn_exc': 'isyn_exc', 'gsyn_inh': 'isyn_inh'}

    def synaptic_current(self):
        return self.state['isyn_exc'] - self.state['isyn_inh']

    def synaptic_current_bits(self, exc, inh, v):
        return exc - inh


class SpiNNakerIFCondExp(SpiNNakerLIF):
    """IF_cond_exp as sPyNNaker runs it: conductances times the driving force
    at the start of the tick (input_type_conductance.h: g_exc (E_exc - v) and
    g_inh (v - E_inh), the latter subtracted)."""

    defaults = IFCondExp.defaults
    initial_defaults = IFCondExp.initial_defaults
    ranges = _spinnaker_ranges(IFCondExp.ranges)
    exc_state, inh_state = 'gsyn_exc', 'gsyn_inh'
    accum_parameters = SpiNNakerLIF.accum_parameters + ('e_rev_E', 'e_rev_I')

    def synaptic_current(self):
        p, s = self.params, self.state
        return (s['gsyn_exc'] * (p['e_rev_E'] - s['v'])
                + s['gsyn_inh'] * (p['e_rev_I'] - s['v']))

    def synaptic_current_bits(self, exc, inh, v):
        a, b = self.arithmetic, self.bits
        return a.multiply(exc, b['e_rev_E'] - v) - a.multiply(inh, v - b['e_rev_I'])


#: PyNN cell type name -> SpiNNaker-ordered engine group
SPINNAKER_MODELS = {
    'IF_curr_exp': SpiNNakerIFCurrExp,
    'IF_cond_exp': SpiNNakerIFCondExp,
}

__all__ = ["SpiNNakerLIF", "SpiNNakerIFCurrExp", "SpiNNakerIFCondExp", "SPINNAKER_MODELS"]
