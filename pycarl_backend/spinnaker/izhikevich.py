"""sPyNNaker's Izhikevich neuron (current-based, exponential synapses).

sPyNNaker's ``Izhikevich`` has exponential synaptic currents (tau_syn_E,
tau_syn_I) where PyNN's takes delta currents, and integrates the model
    dv/dt = 0.04 v^2 + 5 v + 140 - u + I,   du/dt = a (b v - u)
with one explicit midpoint (RK2) step per tick, in s16.15
(neuron_model_izh_impl.h, ``_rk2_kinetics_izh``):

    pre_alpha = 140 + I - u
    alpha = pre_alpha + (5 + 0.04 v) v
    eta = v + (h alpha) / 2
    beta = (h (b v - u) a) / 2
    v += h (pre_alpha - beta + (5 + 0.04 eta) eta)
    u += a h (-u - beta + b eta)

v >= 30 mV fires: v = c, u += d, and the next tick only takes the longer step
h = 1.851 dt ("simple threshold correction"); otherwise h = dt. The
spynnaker8-era code (sPyNNaker 5/6, neuron_model_izh_impl.c) computes that
step on the chip as machine_timestep_ms * SIMPLE_TQ_OFFSET with
SIMPLE_TQ_OFFSET = REAL_CONST(1.85), a literal GCC converts to s16.15 by
truncation (60620 / 2**15; its 0.04 is written out as 0.040008544921875 =
1311 / 2**15 for the same reason); with the arithmetic of that era
(Arithmetic.chip_constants False) that is the step taken here, which
reproduces sPyNNaker8's test_set_toffset_izk spike times exactly. The synaptic
input, its recording and the update order are the LIF's (neurons.py).
setup(fixed_point=False) runs the same steps in float64.
"""
import numpy as np
from pyNN.standardmodels import cells, build_translations

from ..engine.neurons import NeuronGroup
from . import fixed_point as fx
from .neurons import chosen_arithmetic

THRESHOLD_MV = 30.0          # sPyNNaker's Izhikevich threshold (threshold_type_static)
STEP_AFTER_SPIKE = 1.851     # h after a spike, in units of dt
#: the spynnaker8-era chip constant REAL_CONST(1.85), truncated to s16.15
SPYNNAKER8_TQ_OFFSET_BITS = int(1.85 * (1 << 15))


class SpiNNakerIzhikevichGroup(NeuronGroup):
    defaults = {'a': 0.02, 'b': 0.2, 'c': -65.0, 'd': 2.0, 'i_offset': 0.0,
                'tau_syn_E': 5.0, 'tau_syn_I': 5.0}
    initial_defaults = {'v': -70.0, 'u': -14.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0}
    ranges = {'tau_syn_E': (0.0, None, False), 'tau_syn_I': (0.0, None, False)}
    exc_state, inh_state = 'isyn_exc', 'isyn_inh'
    synaptic_recordables = {'gsyn_exc': 'isyn_exc', 'gsyn_inh': 'isyn_inh'}

    def prepare(self):
        p, dt = self.params, self.dt
        self.arithmetic = chosen_arithmetic() if self.xp is np else None
        a = self.arithmetic
        if a is None:
            self.exc_decay = np.exp(-dt / p['tau_syn_E'])
            self.inh_decay = np.exp(-dt / p['tau_syn_I'])
            self.exc_init = p['tau_syn_E'] / dt * (1 - self.exc_decay)
            self.inh_init = p['tau_syn_I'] / dt * (1 - self.inh_decay)
            return
        self.exc_decay_u32, self.exc_init_u32 = a.synapse_constants(p['tau_syn_E'], dt)
        self.inh_decay_u32, self.inh_init_u32 = a.synapse_constants(p['tau_syn_I'], dt)
        self.bits = {name: a.accum(p[name]) for name in ('a', 'b', 'c', 'd', 'i_offset')}
        self.k = {name: a.accum(value) for name, value in (
            ('140', 140.0), ('5', 5.0), ('0.04', 0.04), ('threshold', THRESHOLD_MV),
            ('dt', dt), ('h_after_spike', STEP_AFTER_SPIKE * dt))}
        if not a.chip_constants:  # spynnaker8 era: dt * REAL_CONST(1.85) on the chip
            self.k['h_after_spike'] = a.multiply(self.k['dt'], SPYNNAKER8_TQ_OFFSET_BITS)

    def reset(self):
        super().reset()
        self.tick_record = {}
        self.h_long = np.zeros(self.size, dtype=bool)   # the tick after a spike
        self.last_fired = (-1, None)

    def recordable_value(self, name):
        return self.tick_record.get(name, self.state[self.synaptic_recordables.get(name, name)])

    def update(self, step, inputs, i_ext):
        fired = (self._update_float if self.arithmetic is None else self._update_fixed)(
            inputs, i_ext)
        self.h_long[:] = False
        self.h_long[fired] = True
        self.last_fired = (step, fired)
        return fired

    def _record(self, v_start):
        s = self.state
        self.tick_record = {'v': v_start, 'u': s['u'].copy(),
                            'gsyn_exc': s['isyn_exc'].copy(), 'gsyn_inh': s['isyn_inh'].copy(),
                            'isyn_exc': s['isyn_exc'].copy(), 'isyn_inh': s['isyn_inh'].copy()}

    def _update_fixed(self, inputs, i_ext):
        a, s, b, k = self.arithmetic, self.state, self.bits, self.k
        mul = a.multiply
        exc = fx.to_bits(s['isyn_exc']) + fx.decay_s1615(a.accum(inputs[0]), self.exc_init_u32)
        inh = fx.to_bits(s['isyn_inh']) + fx.decay_s1615(a.accum(inputs[1]), self.inh_init_u32)
        s['isyn_exc'], s['isyn_inh'] = fx.from_bits(exc), fx.from_bits(inh)
        self._record(s['v'].copy())
        current = exc - inh + b['i_offset']
        if i_ext is not None:
            current = current + a.accum(i_ext)
        v, u = fx.to_bits(s['v']), fx.to_bits(s['u'])
        h = np.where(self.h_long, k['h_after_spike'], k['dt'])
        pre_alpha = k['140'] + current - u
        alpha = pre_alpha + mul(k['5'] + mul(k['0.04'], v), v)
        eta = v + (mul(h, alpha) >> 1)
        beta = mul(mul(h, mul(b['b'], v) - u), b['a']) >> 1
        v_new = v + mul(h, pre_alpha - beta + mul(k['5'] + mul(k['0.04'], eta), eta))
        u_new = u + mul(mul(b['a'], h), -u - beta + mul(b['b'], eta))
        fired = np.flatnonzero(v_new >= k['threshold'])
        v_new[fired] = b['c'][fired]
        u_new[fired] = u_new[fired] + b['d'][fired]
        s['v'], s['u'] = fx.from_bits(v_new), fx.from_bits(u_new)
        s['isyn_exc'] = fx.from_bits(fx.decay_s1615(exc, self.exc_decay_u32))
        s['isyn_inh'] = fx.from_bits(fx.decay_s1615(inh, self.inh_decay_u32))
        return fired

    def _update_float(self, inputs, i_ext):
        p, s, dt = self.params, self.state, self.dt
        s['isyn_exc'] += inputs[0] * self.exc_init
        s['isyn_inh'] += inputs[1] * self.inh_init
        self._record(s['v'].copy())
        current = s['isyn_exc'] - s['isyn_inh'] + p['i_offset']
        if i_ext is not None:
            current = current + i_ext
        v, u, a, b = s['v'], s['u'], p['a'], p['b']
        h = np.where(self.h_long, STEP_AFTER_SPIKE * dt, dt)
        pre_alpha = 140.0 + current - u
        alpha = pre_alpha + (5.0 + 0.04 * v) * v
        eta = v + 0.5 * h * alpha
        beta = 0.5 * h * (b * v - u) * a
        v_new = v + h * (pre_alpha - beta + (5.0 + 0.04 * eta) * eta)
        u_new = u + a * h * (-u - beta + b * eta)
        fired = np.flatnonzero(v_new >= THRESHOLD_MV)
        v_new[fired] = p['c'][fired]
        u_new[fired] += p['d'][fired]
        s['v'], s['u'] = v_new, u_new
        s['isyn_exc'] *= self.exc_decay
        s['isyn_inh'] *= self.inh_decay
        return fired


class Izhikevich(cells.Izhikevich):
    """sPyNNaker's Izhikevich: PyNN's parameters plus tau_syn_E, tau_syn_I
    (exponential synaptic currents); see the module docstring."""
    default_parameters = {**cells.Izhikevich.default_parameters,
                          'tau_syn_E': 5.0, 'tau_syn_I': 5.0}
    default_initial_values = {**cells.Izhikevich.default_initial_values,
                              'isyn_exc': 0.0, 'isyn_inh': 0.0}
    units = {**cells.Izhikevich.units, 'tau_syn_E': 'ms', 'tau_syn_I': 'ms',
             'isyn_exc': 'nA', 'isyn_inh': 'nA', 'gsyn_exc': 'nA', 'gsyn_inh': 'nA'}
    recordable = ['spikes', 'v', 'u', 'gsyn_exc', 'gsyn_inh', 'isyn_exc', 'isyn_inh']
    receptor_types = ('excitatory', 'inhibitory')
    translations = build_translations(*[(n, n) for n in default_parameters])
    engine_model = SpiNNakerIzhikevichGroup
