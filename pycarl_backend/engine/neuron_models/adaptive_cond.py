"""Conductance-based LIF models with spike-triggered adaptation, as NEST's:

- IFCondExpGsfaGrr: PyNN's IF_cond_exp_gsfa_grr, NEST's iaf_cond_exp_sfa_rr
  (Muller et al. 2007, Neural Comput 19:2958): IF_cond_exp plus a
  spike-frequency-adaptation conductance g_s and a relative-refractory
  conductance g_r, each decaying exponentially (tau_sfa, tau_rr), pulling v
  to e_rev_sfa / e_rev_rr, and growing by q_sfa / q_rr (nS) at each spike.
- GIFCondExp: PyNN's GIF_cond_exp, NEST's gif_cond_exp (Mensi et al. 2012,
  J Neurophysiol 107:1756; Pozzorini et al. 2015, PLoS Comput Biol
  11:e1004275): a spike-triggered current eta(t) = sum of exponentials
  (tau_eta, a_eta in nA), a moving threshold v_t = v_t_star + gamma(t)
  (tau_gamma, a_gamma in mV) and stochastic firing with intensity
  lambda0 exp((v - v_t) / delta_v).

Equations and step order from NEST's models/iaf_cond_exp_sfa_rr.cpp and
models/gif_cond_exp.cpp (NEST 3.x). NEST integrates them with adaptive RKF45;
here the membrane equation, linear in v for conductances held fixed, is
solved exactly with every conductance averaged over the step (the scheme of
IFCondExp), and the conductances and kernels decay exactly.
"""
import numpy as np
from pyNN import errors
from pyNN.parameters import ArrayParameter

from ..neurons import IFCondExp, NeuronGroup, NON_NEGATIVE, POSITIVE

NS_TO_US = 1e-3  # g_s, g_r, q_sfa, q_rr are in nS (PyNN's units); the membrane uses uS


def step_mean(xp, tau, dt):
    """Mean over one step of exp(-t / tau), as a fraction of its start value."""
    return tau / dt * -xp.expm1(-dt / tau)


def exponential_step(xp, v, g_total, drive, cm, dt):
    """v after one step of cm dv/dt = drive - g_total v with both held fixed."""
    v_inf = drive / g_total
    return v_inf + (v - v_inf) * xp.exp(-dt * g_total / cm)


class IFCondExpGsfaGrr(IFCondExp):
    defaults = dict(IFCondExp.defaults, tau_sfa=100.0, e_rev_sfa=-75.0, q_sfa=15.0,
                    tau_rr=2.0, e_rev_rr=-75.0, q_rr=3000.0)
    initial_defaults = dict(IFCondExp.initial_defaults, g_r=0.0, g_s=0.0)
    ranges = dict(IFCondExp.ranges, tau_sfa=POSITIVE, tau_rr=POSITIVE)

    def prepare(self):
        super().prepare()
        xp, p, dt = self.xp, self.params, self.dt
        self.p_sfa_decay = xp.exp(-dt / p['tau_sfa'])
        self.p_rr_decay = xp.exp(-dt / p['tau_rr'])
        self.sfa_step_mean = step_mean(xp, p['tau_sfa'], dt) * NS_TO_US
        self.rr_step_mean = step_mean(xp, p['tau_rr'], dt) * NS_TO_US

    def update(self, step, inputs, i_ext):
        xp, p, s = self.xp, self.params, self.state
        g_exc = s['gsyn_exc'] * self.exc_step_mean
        g_inh = s['gsyn_inh'] * self.inh_step_mean
        g_sfa = s['g_s'] * self.sfa_step_mean
        g_rr = s['g_r'] * self.rr_step_mean
        current = p['i_offset'] if i_ext is None else p['i_offset'] + i_ext
        drive = (self.g_leak * p['v_rest'] + g_exc * p['e_rev_E'] + g_inh * p['e_rev_I']
                 + g_sfa * p['e_rev_sfa'] + g_rr * p['e_rev_rr'] + current)
        g_total = self.g_leak + g_exc + g_inh + g_sfa + g_rr
        s['v'][...] = exponential_step(xp, s['v'], g_total, drive, p['cm'], self.dt)
        refractory = self._count_down_refractory()
        xp.copyto(s['v'], p['v_reset'], where=refractory)
        s['gsyn_exc'] *= self.p_exc_decay
        s['gsyn_exc'] += inputs[0]
        s['gsyn_inh'] *= self.p_inh_decay
        s['gsyn_inh'] += inputs[1]
        s['g_s'] *= self.p_sfa_decay
        s['g_r'] *= self.p_rr_decay
        fired = self._fire('v', p['v_reset'])
        if fired.size:
            s['g_s'][fired] += p['q_sfa'][fired]
            s['g_r'][fired] += p['q_rr'][fired]
        return fired


class GIFCondExp(NeuronGroup):
    defaults = {'v_rest': -65.0, 'cm': 1.0, 'tau_m': 20.0, 'tau_refrac': 4.0,
                'tau_syn_E': 5.0, 'tau_syn_I': 5.0, 'e_rev_E': 0.0, 'e_rev_I': -70.0,
                'v_reset': -65.0, 'i_offset': 0.0, 'delta_v': 0.5, 'v_t_star': -48.0,
                'lambda0': 1.0}
    #: sums of exponentials: (time constants, increments) -> state kernel name
    kernel_parameters = {'eta': ('tau_eta', 'a_eta'), 'gamma': ('tau_gamma', 'a_gamma')}
    array_defaults = {'tau_eta': (1.0, 10.0, 100.0), 'a_eta': (1.0, 1.0, 1.0),
                      'tau_gamma': (1.0, 10.0, 100.0), 'a_gamma': (1.0, 1.0, 1.0)}
    initial_defaults = {'v': -65.0, 'v_t': -48.0, 'i_eta': 0.0,
                        'gsyn_exc': 0.0, 'gsyn_inh': 0.0}
    ranges = {'cm': POSITIVE, 'tau_m': POSITIVE, 'tau_syn_E': POSITIVE,
              'tau_syn_I': POSITIVE, 'tau_refrac': NON_NEGATIVE, 'delta_v': POSITIVE,
              'lambda0': NON_NEGATIVE}

    def __init__(self, xp, dt, size, parameters, label="", rng=None):
        parameters = dict(parameters)
        self.label, self.size = label, int(size)
        self.arrays = {}
        for name, default in self.array_defaults.items():
            self.arrays[name] = self._as_rows(name, parameters.pop(name, default),
                                              np.arange(self.size))
        super().__init__(xp, dt, size, parameters, label=label, rng=rng)

    # --- the array-valued parameters ------------------------------------------
    def _as_rows(self, name, values, index):
        """(len(index), K) float array from one ArrayParameter or one per cell."""
        n = np.size(index)
        if isinstance(values, (ArrayParameter, tuple, list)):
            values = [values] * n
        rows = [np.asarray(getattr(v, "value", v), dtype=float).ravel() for v in
                np.asarray(values, dtype=object).ravel()]
        if len(rows) == 1:
            rows = rows * n
        if len({r.size for r in rows}) > 1:
            raise errors.InvalidParameterValueError(
                f"Population '{self.label}': {name} must have the same number of "
                f"time scales in every cell")
        rows = np.array(rows, dtype=float).reshape(n, -1)
        if name.startswith("tau") and np.any(~(rows > 0)):
            raise errors.InvalidParameterValueError(
                f"Population '{self.label}': {name} = {rows[~(rows > 0)][0]:g} is out of "
                f"range; {name} must be > 0 (every time constant)")
        if np.any(~np.isfinite(rows)):
            raise errors.InvalidParameterValueError(
                f"Population '{self.label}': {name} must be finite")
        return rows

    def set_parameter(self, name, index, values):
        if name in self.arrays:
            rows = self._as_rows(name, values, index)
            if rows.shape[1] != self.arrays[name].shape[1]:
                raise errors.InvalidParameterValueError(
                    f"Population '{self.label}': {name} must keep its "
                    f"{self.arrays[name].shape[1]} time scales")
            self.arrays[name][np.asarray(index)] = rows
            self.prepare()
            return
        super().set_parameter(name, index, values)

    def get_parameter(self, name):
        if name in self.arrays:
            return np.array([ArrayParameter(row.copy()) for row in self.arrays[name]],
                            dtype=object)
        return super().get_parameter(name)

    # --- dynamics ---------------------------------------------------------------
    def reset(self):
        self.elements = {}
        super().reset()
        for kernel, (tau, amp) in self.kernel_parameters.items():
            if self.arrays[tau].shape != self.arrays[amp].shape:
                raise errors.InvalidParameterValueError(
                    f"Population '{self.label}': {tau} and {amp} need the same number of "
                    f"values (as NEST's gif_cond_exp), got {self.arrays[tau].shape[1]} and "
                    f"{self.arrays[amp].shape[1]}")
            self.elements[kernel] = self.xp.zeros(self.arrays[tau].shape)

    def prepare(self):
        xp, p, dt = self.xp, self.params, self.dt
        self.p_exc_decay = xp.exp(-dt / p['tau_syn_E'])
        self.p_inh_decay = xp.exp(-dt / p['tau_syn_I'])
        self.exc_step_mean = step_mean(xp, p['tau_syn_E'], dt)
        self.inh_step_mean = step_mean(xp, p['tau_syn_I'], dt)
        self.g_leak = p['cm'] / p['tau_m']
        self.refractory_steps = self.steps(p['tau_refrac'])
        self.kernel_decay = {k: xp.asarray(np.exp(-dt / self.arrays[tau]))
                             for k, (tau, _) in self.kernel_parameters.items()}
        self.kernel_jump = {k: xp.asarray(self.arrays[amp])
                            for k, (_, amp) in self.kernel_parameters.items()}

    def update(self, step, inputs, i_ext):
        xp, p, s, e = self.xp, self.params, self.state, self.elements
        # the kernels' values for this step, then their decay (NEST's order)
        s['i_eta'][...] = e['eta'].sum(axis=1)
        e['eta'] *= self.kernel_decay['eta']
        s['v_t'][...] = p['v_t_star'] + e['gamma'].sum(axis=1)
        e['gamma'] *= self.kernel_decay['gamma']
        refractory = self.refractory_steps_left > 0
        g_exc = s['gsyn_exc'] * self.exc_step_mean
        g_inh = s['gsyn_inh'] * self.inh_step_mean
        current = p['i_offset'] - s['i_eta'] if i_ext is None else \
            p['i_offset'] + i_ext - s['i_eta']
        drive = self.g_leak * p['v_rest'] + g_exc * p['e_rev_E'] + g_inh * p['e_rev_I'] + current
        v_free = exponential_step(xp, s['v'], self.g_leak + g_exc + g_inh, drive, p['cm'],
                                  self.dt)
        # refractory: dv/dt = 0 during the step, then v is held at v_reset
        s['v'][...] = xp.where(refractory, p['v_reset'], v_free)
        self.refractory_steps_left -= refractory
        s['gsyn_exc'] *= self.p_exc_decay
        s['gsyn_exc'] += inputs[0]
        s['gsyn_inh'] *= self.p_inh_decay
        s['gsyn_inh'] += inputs[1]
        # escape noise: spike with probability 1 - exp(-lambda dt), lambda in 1/ms
        rate = p['lambda0'] * 1e-3 * xp.exp((s['v'] - s['v_t']) / p['delta_v'])
        chance = xp.asarray(self.rng.random(self.size))
        fired = xp.flatnonzero(~refractory & (chance < -xp.expm1(-rate * self.dt)))
        if fired.size:
            e['eta'][fired] += self.kernel_jump['eta'][fired]
            e['gamma'][fired] += self.kernel_jump['gamma'][fired]
            self.refractory_steps_left[fired] = self.refractory_steps[fired]
        return fired


class IFFacetsHardware1(IFCondExp):
    """PyNN's IF_facets_hardware1: IF_cond_exp with the FACETS Stage 1 chip's
    fixed values cm = 0.2 nF, tau_refrac = 1 ms, e_rev_E = 0 mV (PyNN's
    docstring; pyNN.nest runs it as iaf_cond_exp with these values) and the
    leak given as a conductance g_leak in nS."""

    FIXED = {'cm': 0.2, 'tau_refrac': 1.0, 'e_rev_E': 0.0, 'i_offset': 0.0}
    defaults = {'g_leak': 40.0, 'tau_syn_E': 30.0, 'tau_syn_I': 30.0, 'v_reset': -80.0,
                'e_rev_I': -80.0, 'v_rest': -65.0, 'v_thresh': -55.0}
    initial_defaults = IFCondExp.initial_defaults
    ranges = {'g_leak': POSITIVE, 'tau_syn_E': POSITIVE, 'tau_syn_I': POSITIVE}

    def prepare(self):
        xp, p = self.xp, self.params
        for name, value in self.FIXED.items():
            p[name] = xp.full(self.size, value)
        p['tau_m'] = p['cm'] / (p['g_leak'] * NS_TO_US)
        super().prepare()
