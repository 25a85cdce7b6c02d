"""Hodgkin-Huxley with Traub & Miles (1991) kinetics, as NEST hh_cond_exp_traub.

State (v, m, h, n) is advanced by classical RK4 in fixed substeps of at most
`max_substep` ms; the exponential synaptic conductances are exact. A spike is
emitted at the end of a step when v > 0 mV and v fell during the step (the
peak has passed), and detection then pauses for 2 ms (NEST's t_ref default);
there is no reset.
"""
from ..neurons import NeuronGroup, POSITIVE
from .integrate import rk4_substep, substeps
from .psr import ExpResponse, synaptic_drive

DETECTION_PAUSE = 2.0  # ms


def _vtrap(xp, x, k):
    """x / (exp(x/k) - 1), continuous at x = 0."""
    small = xp.abs(x / k) < 1e-6
    safe = xp.where(small, 1.0, x)
    return xp.where(small, k * (1.0 - 0.5 * x / k), safe / xp.expm1(safe / k))


class HHCondExp(NeuronGroup):

    defaults = {'gbar_Na': 20.0, 'gbar_K': 6.0, 'g_leak': 0.01, 'cm': 0.2, 'v_offset': -63.0,
                'e_rev_Na': 50.0, 'e_rev_K': -90.0, 'e_rev_leak': -65.0, 'e_rev_E': 0.0,
                'e_rev_I': -80.0, 'tau_syn_E': 0.2, 'tau_syn_I': 2.0, 'i_offset': 0.0}
    initial_defaults = {'v': -65.0, 'gsyn_exc': 0.0, 'gsyn_inh': 0.0,
                        'h': 1.0, 'm': 0.0, 'n': 0.0}
    ranges = {'cm': POSITIVE, 'tau_syn_E': POSITIVE, 'tau_syn_I': POSITIVE,
              'gbar_Na': (0.0, None, True), 'gbar_K': (0.0, None, True),
              'g_leak': (0.0, None, True)}
    max_substep = 0.01  # ms

    def __init__(self, *args, **kwargs):
        self.kernels = [ExpResponse('tau_syn_E', 'gsyn_exc', 'e_rev_E'),
                        ExpResponse('tau_syn_I', 'gsyn_inh', 'e_rev_I')]
        super().__init__(*args, **kwargs)

    def prepare(self):
        for kernel in self.kernels:
            kernel.prepare(self.xp, self.params, self.dt)
        self.n_sub = substeps(self.dt, self.max_substep)
        self.pause_steps = int(round(DETECTION_PAUSE / self.dt))

    def _rhs(self, current):
        xp, p = self.xp, self.params

        def rhs(y, g):
            v, m, h, n = y
            i_ion = (p['gbar_Na'] * m ** 3 * h * (v - p['e_rev_Na'])
                     + p['gbar_K'] * n ** 4 * (v - p['e_rev_K'])
                     + p['g_leak'] * (v - p['e_rev_leak']))
            dv = (synaptic_drive(self.kernels, g, v) - i_ion + current) / p['cm']
            vr = v - p['v_offset']
            alpha_n = 0.032 * _vtrap(xp, 15.0 - vr, 5.0)
            beta_n = 0.5 * xp.exp((10.0 - vr) / 40.0)
            alpha_m = 0.32 * _vtrap(xp, 13.0 - vr, 4.0)
            beta_m = 0.28 * _vtrap(xp, vr - 40.0, 5.0)
            alpha_h = 0.128 * xp.exp((17.0 - vr) / 18.0)
            beta_h = 4.0 / (1.0 + xp.exp((40.0 - vr) / 5.0))
            return [dv, alpha_m - (alpha_m + beta_m) * m, alpha_h - (alpha_h + beta_h) * h,
                    alpha_n - (alpha_n + beta_n) * n]
        return rhs

    def update(self, step, inputs, i_ext):
        xp, p, s = self.xp, self.params, self.state
        n, h = self.n_sub, self.dt / self.n_sub
        traces = [k.trace(xp, s, 0.5 * h, 2 * n) for k in self.kernels]
        current = p['i_offset'] if i_ext is None else p['i_offset'] + i_ext
        rhs = self._rhs(current)
        v_old = s['v']
        y = [s['v'], s['m'], s['h'], s['n']]
        for j in range(n):
            y = rk4_substep(rhs, y, traces, j, h)
        s['v'], s['m'], s['h'], s['n'] = y
        pausing = self._count_down_refractory()
        fired = ~pausing & (s['v'] > 0.0) & (v_old > s['v'])
        self.refractory_steps_left = xp.where(fired, self.pause_steps,
                                              self.refractory_steps_left).astype(xp.int32)
        for kernel, x in zip(self.kernels, inputs):
            kernel.advance(s, x)
        return xp.flatnonzero(fired)
