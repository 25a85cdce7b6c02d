"""Izhikevich (2003) neuron, as NEST's izhikevich with PyNN's delta-current synapses.

    dv/dt = 0.04 v^2 + 5 v + 140 - u + I,    du/dt = a (b v - u)
    v >= 30 mV: v <- c, u <- u + d

Integration is NEST's default (consistent_integration = True): one forward
Euler step of length dt from the state at the start of the step, then the
step's synaptic input (weights in mV) is added to v. As in NEST, where the
model's current is I_e in pA read as mV/ms, I = 1000 * (i_offset + injected
current in nA).
"""
from ..neurons import NeuronGroup

V_PEAK = 30.0  # mV, NEST's V_th for izhikevich


class Izhikevich(NeuronGroup):

    defaults = {'a': 0.02, 'b': 0.2, 'c': -65.0, 'd': 2.0, 'i_offset': 0.0}
    initial_defaults = {'v': -70.0, 'u': -14.0}
    ranges = {}

    def update(self, step, inputs, i_ext):
        xp, p, s = self.xp, self.params, self.state
        current = 1000.0 * (p['i_offset'] if i_ext is None else p['i_offset'] + i_ext)
        v, u, dt = s['v'], s['u'], self.dt
        v_new = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + current) + inputs[0] + inputs[1]
        u_new = u + dt * p['a'] * (p['b'] * v - u)
        fired = v_new >= V_PEAK
        s['v'] = xp.where(fired, p['c'], v_new)
        s['u'] = xp.where(fired, u_new + p['d'], u_new)
        return xp.flatnonzero(fired)
