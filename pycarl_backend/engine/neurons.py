"""Neuron groups: structure-of-arrays state and the per-step update of each model.

A group holds every cell of one Population. Parameters and state variables
use PyNN's names and units (mV, ms, nA, nF, uS), so the PyNN layer needs no
translation. `update()` advances one time step and returns the indices of the
cells that fired; it is written against `xp` (NumPy or CuPy) only.

Update order within a step (as NEST's iaf_psc_exp and iaf_cond_exp): the
membrane is advanced with the synaptic state at the start of the step, then
the synaptic state decays and takes up the input arriving in this step, then
the threshold is checked. A spike emitted in step k has time stamp (k+1)*dt.
"""
import numpy as np

from pyNN import errors


class ParameterRangeError(errors.InvalidParameterValueError):
    """A parameter value outside the range its model allows."""


class NeuronGroup:
    """Base class; subclasses set the class attributes and implement update()."""

    receptors = ("excitatory", "inhibitory")
    #: PyNN parameter name -> default value
    defaults = {}
    #: state variable name -> default initial value
    initial_defaults = {}
    #: parameter name -> (low, high, low_inclusive); None means unbounded
    ranges = {}
    is_source = False

    def __init__(self, xp, dt, size, parameters, label="", rng=None):
        self.xp = xp
        self.dt = float(dt)
        self.size = int(size)
        self.label = label
        self.rng = rng
        self.params = {}
        for name, default in self.defaults.items():
            value = parameters.get(name, default)
            self._check_range(name, value, np.arange(self.size))
            self.params[name] = xp.asarray(np.broadcast_to(np.asarray(value, dtype=float),
                                                           (self.size,)).copy())
        self.initial = {name: np.full(self.size, float(value))
                        for name, value in self.initial_defaults.items()}
        self.state = {}
        self.refractory_steps_left = xp.zeros(self.size, dtype=xp.int32)
        self.reset()

    # --- parameters -------------------------------------------------------
    def _check_range(self, name, value, index):
        if name not in self.ranges:
            return
        low, high, low_inclusive = self.ranges[name]
        value = np.asarray(value, dtype=float)
        bad = np.zeros(value.shape, dtype=bool)
        if low is not None:
            bad |= (value < low) if low_inclusive else (value <= low)
        if high is not None:
            bad |= value > high
        if bad.any():
            where = np.flatnonzero(np.broadcast_to(bad, np.shape(index)))
            first = int(where[0]) if where.size else 0
            cell = int(np.asarray(index)[first]) if np.ndim(index) else int(index)
            bad_value = float(np.broadcast_to(value, np.shape(index))[first])
            bound = (f"{'>=' if low_inclusive else '>'} {low}" if low is not None else "")
            if high is not None:
                bound = f"{bound}{' and ' if bound else ''}<= {high}"
            raise ParameterRangeError(
                f"Population '{self.label}'[{cell}]: {name} = {bad_value:g} "
                f"is out of range; {name} must be {bound}")

    def set_parameter(self, name, index, values):
        """Set parameter `name` of cells `index` (host int array)."""
        if name not in self.params:
            raise errors.NonExistentParameterError(name, type(self).__name__,
                                                   list(self.params))
        self._check_range(name, values, index)
        self.params[name][self.xp.asarray(index)] = self.xp.asarray(values, dtype=float)
        self.prepare()

    def get_parameter(self, name):
        from .backend import to_numpy
        return to_numpy(self.params[name])

    # --- state ------------------------------------------------------------
    def set_initial(self, name, index, values):
        if name not in self.initial:
            raise errors.NonExistentParameterError(name, type(self).__name__,
                                                   list(self.initial))
        self.initial[name][index] = values
        self.state[name][self.xp.asarray(index)] = self.xp.asarray(values, dtype=float)

    def reset(self):
        xp = self.xp
        self.state = {name: xp.asarray(value.copy()) for name, value in self.initial.items()}
        self.refractory_steps_left[...] = 0
        self.prepare()

    def recordable_value(self, name):
        return self.state[name]

    def prepare(self):
        """Recompute derived constants (propagators) after a parameter change."""

    def update(self, step, inputs, i_ext):
        """Advance one step. `inputs`: one array per receptor; `i_ext`: nA or None."""
        raise NotImplementedError

    # --- helpers for subclasses -------------------------------------------
    def steps(self, duration_ms):
        """Durations in whole time steps, rounded as NEST does."""
        return self.xp.rint(duration_ms / self.dt).astype(self.xp.int32)

    def _fire(self, v_name, reset_value):
        """Threshold, reset and refractory bookkeeping shared by the IF models."""
        xp = self.xp
        v = self.state[v_name]
        fired = xp.flatnonzero(v >= self.params["v_thresh"])
        if fired.size:
            v[fired] = reset_value[fired]
            self.refractory_steps_left[fired] = self.refractory_steps[fired]
        return fired

    def _count_down_refractory(self):
        """Mask of cells refractory in this step, and decrement their counters."""
        refractory = self.refractory_steps_left > 0
        self.refractory_steps_left -= refractory
        return refractory

    def _uniform(self, values):
        """A per-cell constant as one float when all cells share it: scalar operands
        halve the memory traffic of the per-step array operations."""
        from .backend import to_numpy
        host = np.asarray(to_numpy(values))
        if host.size and np.all(host == host.flat[0]):
            return float(host.flat[0])
        return values

    def _work_arrays(self, k):
        """k float64 scratch arrays of the group's size, allocated once per group."""
        work = getattr(self, "_work", None)
        if work is None or len(work) < k:
            self._work = work = [self.xp.empty(self.size) for _ in range(k)]
        return work


POSITIVE = (0.0, None, False)
NON_NEGATIVE = (0.0, None, True)


def _exp_psc_to_v(xp, tau_syn, tau_m, cm, dt):
    """Exact propagator from an exponential PSC to the membrane (NEST propagator_32)."""
    p_m = xp.exp(-dt / tau_m)
    p_s = xp.exp(-dt / tau_syn)
    same = xp.abs(tau_m - tau_syn) < 1e-9 * tau_m
    safe_diff = xp.where(same, 1.0, tau_m - tau_syn)
    general = tau_syn * tau_m / (cm * safe_diff) * (p_m - p_s)
    return xp.where(same, dt / cm * p_m, general)


class IFCurrExp(NeuronGroup):
    """LIF with exponential current synapses; exact integration (as iaf_psc_exp)."""

    defaults = {'v_rest': -65.0, 'cm': 1.0, 'tau_m': 20.0, 'tau_refrac': 0.1,
                'tau_syn_E': 5.0, 'tau_syn_I': 5.0, 'i_offset': 0.0,
                'v_reset': -65.0, 'v_thresh': -50.0}
    initial_defaults = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0}
    ranges = {'cm': POSITIVE, 'tau_m': POSITIVE, 'tau_syn_E': POSITIVE,
              'tau_syn_I': POSITIVE, 'tau_refrac': NON_NEGATIVE}

    def prepare(self):
        xp, p, dt = self.xp, self.params, self.dt
        self.p_mem = xp.exp(-dt / p['tau_m'])
        self.p_current = p['tau_m'] / p['cm'] * (1.0 - self.p_mem)
        self.p_exc_decay = xp.exp(-dt / p['tau_syn_E'])
        self.p_inh_decay = xp.exp(-dt / p['tau_syn_I'])
        self.p_exc_to_v = _exp_psc_to_v(xp, p['tau_syn_E'], p['tau_m'], p['cm'], dt)
        self.p_inh_to_v = _exp_psc_to_v(xp, p['tau_syn_I'], p['tau_m'], p['cm'], dt)
        self.refractory_steps = self.steps(p['tau_refrac'])
        u = self._uniform
        self._c = {'v_rest': u(p['v_rest']), 'p_mem': u(self.p_mem),
                   'p_current': u(self.p_current), 'i_offset': u(p['i_offset']),
                   'offset_drive': u(self.p_current * p['i_offset']),
                   'p_exc_to_v': u(self.p_exc_to_v), 'p_inh_to_v': u(self.p_inh_to_v),
                   'p_exc_decay': u(self.p_exc_decay), 'p_inh_decay': u(self.p_inh_decay)}

    def update(self, step, inputs, i_ext):
        # in place, same floating-point operations as
        # v_rest + p_mem (v - v_rest) + p_current I + p_exc_to_v I_exc + p_inh_to_v I_inh
        xp, p, s, c = self.xp, self.params, self.state, self._c
        v = s['v']
        saved, term = self._work_arrays(2)
        xp.copyto(saved, v)  # refractory cells keep their potential
        v -= c['v_rest']
        v *= c['p_mem']
        v += c['v_rest']
        if i_ext is not None:
            xp.add(i_ext, c['i_offset'], out=term)
            term *= c['p_current']
            v += term
        elif not (isinstance(c['offset_drive'], float) and c['offset_drive'] == 0.0):
            v += c['offset_drive']
        xp.multiply(s['isyn_exc'], c['p_exc_to_v'], out=term)
        v += term
        xp.multiply(s['isyn_inh'], c['p_inh_to_v'], out=term)
        v += term
        refractory = self._count_down_refractory()
        xp.copyto(v, saved, where=refractory)
        s['isyn_exc'] *= c['p_exc_decay']
        s['isyn_exc'] += inputs[0]
        s['isyn_inh'] *= c['p_inh_decay']
        s['isyn_inh'] += inputs[1]
        return self._fire('v', p['v_reset'])


class IFCondExp(NeuronGroup):
    """LIF with exponential conductances.

    The membrane equation is linear in V for conductances held fixed, so each
    step solves it exactly with the conductances averaged over the step
    (exponential integrator); the conductances themselves decay exactly.
    """

    defaults = {'v_rest': -65.0, 'cm': 1.0, 'tau_m': 20.0, 'tau_refrac': 0.1,
                'tau_syn_E': 5.0, 'tau_syn_I': 5.0, 'e_rev_E': 0.0, 'e_rev_I': -70.0,
                'v_thresh': -50.0, 'v_reset': -65.0, 'i_offset': 0.0}
    initial_defaults = {'v': -65.0, 'gsyn_exc': 0.0, 'gsyn_inh': 0.0}
    ranges = IFCurrExp.ranges

    def prepare(self):
        xp, p, dt = self.xp, self.params, self.dt
        self.p_exc_decay = xp.exp(-dt / p['tau_syn_E'])
        self.p_inh_decay = xp.exp(-dt / p['tau_syn_I'])
        # mean of g(t) over the step, as a fraction of g at its start
        self.exc_step_mean = p['tau_syn_E'] / dt * (1.0 - self.p_exc_decay)
        self.inh_step_mean = p['tau_syn_I'] / dt * (1.0 - self.p_inh_decay)
        self.g_leak = p['cm'] / p['tau_m']
        self.refractory_steps = self.steps(p['tau_refrac'])
        u = self._uniform
        self._c = {'exc_step_mean': u(self.exc_step_mean), 'inh_step_mean': u(self.inh_step_mean),
                   'g_leak': u(self.g_leak), 'leak_drive': u(self.g_leak * p['v_rest']),
                   'e_rev_E': u(p['e_rev_E']), 'e_rev_I': u(p['e_rev_I']),
                   'i_offset': u(p['i_offset']), 'cm': u(p['cm']), 'v_reset': u(p['v_reset']),
                   'p_exc_decay': u(self.p_exc_decay), 'p_inh_decay': u(self.p_inh_decay)}

    def membrane_step(self, i_ext):
        """Exact step of cm dV/dt = gL(EL-V) + ge(Ee-V) + gi(Ei-V) + I at fixed g, in place:
        v <- v_inf + (v - v_inf) exp(-dt g_total / cm),
        v_inf = (gL EL + ge Ee + gi Ei + I) / g_total
        (the same floating-point operations as that expression, without temporaries)."""
        xp, s, c = self.xp, self.state, self._c
        g_exc, g_inh, g_total = self._work_arrays(3)
        xp.multiply(s['gsyn_exc'], c['exc_step_mean'], out=g_exc)
        xp.multiply(s['gsyn_inh'], c['inh_step_mean'], out=g_inh)
        xp.add(g_exc, c['g_leak'], out=g_total)
        g_total += g_inh
        v_inf = g_exc
        if isinstance(c['e_rev_E'], float) and c['e_rev_E'] == 0.0:
            xp.multiply(g_inh, c['e_rev_I'], out=v_inf)
            v_inf += c['leak_drive']
        else:
            v_inf *= c['e_rev_E']
            v_inf += c['leak_drive']
            g_inh *= c['e_rev_I']
            v_inf += g_inh
        if i_ext is not None:
            v_inf += xp.add(i_ext, c['i_offset'], out=g_inh)
        elif not (isinstance(c['i_offset'], float) and c['i_offset'] == 0.0):
            v_inf += c['i_offset']
        v_inf /= g_total
        g_total *= -self.dt
        g_total /= c['cm']
        decay = xp.exp(g_total, out=g_total)
        v = s['v']
        v -= v_inf
        v *= decay
        v += v_inf

    def update(self, step, inputs, i_ext):
        xp, p, s, c = self.xp, self.params, self.state, self._c
        self.membrane_step(i_ext)
        refractory = self._count_down_refractory()
        xp.copyto(s['v'], self._c['v_reset'], where=refractory)
        s['gsyn_exc'] *= c['p_exc_decay']
        s['gsyn_exc'] += inputs[0]
        s['gsyn_inh'] *= c['p_inh_decay']
        s['gsyn_inh'] += inputs[1]
        return self._fire('v', p['v_reset'])


#: PyNN cell type name -> engine group class; extended by the other model modules
MODELS = {
    'IF_curr_exp': IFCurrExp,
    'IF_cond_exp': IFCondExp,
}
