"""Neuron groups composed of a membrane and one synaptic kernel per receptor.

Membranes:
- `LIFMembrane`: leaky integrate-and-fire. With current kernels the step is
  exact (NEST iaf_psc_* propagators). With conductance kernels the membrane
  equation is solved exactly for the conductances averaged over the step
  (exponential Euler, as IFCondExp), the kernels themselves exactly.
- `AdExMembrane`: adaptive exponential IF (Brette & Gerstner 2005, NEST
  aeif_cond_*): classical RK4 on (v, w) with fixed substeps of at most
  `max_substep` ms, the kernels' exact values at the substep points. As in
  NEST, the exponential term sees min(v, v_spike), a spike is detected after
  each substep at v >= v_spike (v_thresh when delta_T = 0), then v is reset,
  w += b, and v is clamped to v_reset for the rest of the step and
  round(tau_refrac/dt) further steps; w keeps evolving.

The standard types (IF_curr_alpha, IF_cond_alpha, EIF_cond_*_isfa_ista) and
PyNN's PointNeuron compositions are declared from these two.
"""

from ..neurons import NeuronGroup, POSITIVE, NON_NEGATIVE
from .integrate import rk4_substep, substeps
from .psr import BiExpResponse, ExpResponse, synaptic_drive

#: largest argument of the AdEx exponential (NEST's aeif models cap it likewise)
MAX_EXP_ARG = 50.0


class ComposedGroup(NeuronGroup):
    """Base: `kernel_factories` is one (receptor name, kernel factory) per receptor."""

    kernel_factories = ()

    def __init__(self, *args, **kwargs):
        self.kernels = [make() for _, make in self.kernel_factories]
        super().__init__(*args, **kwargs)

    @property
    def receptors(self):
        return tuple(name for name, _ in self.kernel_factories)

    def prepare(self):
        xp, p = self.xp, self.params
        for kernel in self.kernels:
            kernel.prepare(xp, p, self.dt)
        self.refractory_steps = self.steps(p['tau_refrac'])
        self.prepare_membrane()

    def prepare_membrane(self):
        pass

    def current(self, i_ext):
        p = self.params
        return p['i_offset'] if i_ext is None else p['i_offset'] + i_ext

    def advance_kernels(self, inputs):
        for kernel, x in zip(self.kernels, inputs):
            kernel.advance(self.state, x)


LIF_DEFAULTS = {'cm': 1.0, 'tau_refrac': 0.1, 'v_reset': -65.0, 'v_rest': -65.0,
                'tau_m': 20.0, 'i_offset': 0.0, 'v_thresh': -50.0}
LIF_RANGES = {'cm': POSITIVE, 'tau_m': POSITIVE, 'tau_refrac': NON_NEGATIVE}


class LIFMembrane(ComposedGroup):
    defaults = LIF_DEFAULTS
    initial_defaults = {'v': -65.0}
    ranges = LIF_RANGES

    def prepare_membrane(self):
        xp, p = self.xp, self.params
        self.g_leak = p['cm'] / p['tau_m']
        self.p_mem = xp.exp(-self.dt / p['tau_m'])
        for kernel in self.kernels:
            if not kernel.conductance:
                kernel.prepare_lif(xp, p['tau_m'], p['cm'])

    def update(self, step, inputs, i_ext):
        xp, p, s = self.xp, self.params, self.state
        g_total = self.g_leak
        drive = self.g_leak * p['v_rest'] + self.current(i_ext)
        to_v = 0.0
        conductances = False
        for kernel in self.kernels:
            if kernel.conductance:
                g = kernel.step_mean(s)
                g_total = g_total + g
                drive = drive + g * kernel.e_rev_values
                conductances = True
            else:
                to_v = to_v + kernel.to_v(s)
        v_inf = drive / g_total
        decay = xp.exp(-self.dt * g_total / p['cm']) if conductances else self.p_mem
        v_free = v_inf + (s['v'] - v_inf) * decay + to_v
        refractory = self._count_down_refractory()
        s['v'] = xp.where(refractory, s['v'], v_free)
        self.advance_kernels(inputs)
        return self._fire('v', p['v_reset'])


ADEX_DEFAULTS = {'cm': 0.281, 'tau_refrac': 0.1, 'v_spike': -40.0, 'v_reset': -70.6,
                 'v_rest': -70.6, 'tau_m': 9.3667, 'i_offset': 0.0, 'a': 4.0,
                 'b': 0.0805, 'delta_T': 2.0, 'tau_w': 144.0, 'v_thresh': -50.4}
ADEX_RANGES = {'cm': POSITIVE, 'tau_m': POSITIVE, 'tau_w': POSITIVE,
               'tau_refrac': NON_NEGATIVE, 'delta_T': NON_NEGATIVE}


class AdExMembrane(ComposedGroup):
    defaults = ADEX_DEFAULTS
    initial_defaults = {'v': -70.6, 'w': 0.0}
    ranges = ADEX_RANGES
    max_substep = 0.01  # ms

    def prepare_membrane(self):
        xp, p = self.xp, self.params
        self.g_leak = p['cm'] / p['tau_m']
        self.n_sub = substeps(self.dt, self.max_substep)
        self.v_peak = xp.where(p['delta_T'] > 0, p['v_spike'], p['v_thresh'])
        self.safe_delta_t = xp.where(p['delta_T'] > 0, p['delta_T'], 1.0)

    def _rhs(self, clamped, current):
        xp, p = self.xp, self.params

        def rhs(y, kernel_values):
            v, w = y
            v_eff = xp.where(clamped, p['v_reset'], xp.minimum(v, self.v_peak))
            exp_arg = xp.minimum((v_eff - p['v_thresh']) / self.safe_delta_t, MAX_EXP_ARG)
            i_spike = xp.where(p['delta_T'] > 0,
                               self.g_leak * p['delta_T'] * xp.exp(exp_arg), 0.0)
            dv = (self.g_leak * (p['v_rest'] - v_eff) + i_spike
                  + synaptic_drive(self.kernels, kernel_values, v_eff) - w + current) / p['cm']
            dw = (1e-3 * p['a'] * (v_eff - p['v_rest']) - w) / p['tau_w']
            return [xp.where(clamped, 0.0, dv), dw]
        return rhs

    def update(self, step, inputs, i_ext):
        xp, p, s = self.xp, self.params, self.state
        n, h = self.n_sub, self.dt / self.n_sub
        traces = [k.trace(xp, s, 0.5 * h, 2 * n) for k in self.kernels]
        current = self.current(i_ext)
        refractory_at_start = self.refractory_steps_left > 0
        clamped = refractory_at_start
        fired = xp.zeros(self.size, dtype=bool)
        v, w = s['v'], s['w']
        for j in range(n):
            v, w = rk4_substep(self._rhs(clamped, current), [v, w], traces, j, h)
            crossed = ~clamped & (v >= self.v_peak)
            v = xp.where(crossed, p['v_reset'], v)
            w = xp.where(crossed, w + p['b'], w)
            fired |= crossed
            clamped = clamped | (crossed & (self.refractory_steps > 0))
            v = xp.where(clamped, p['v_reset'], v)
        s['v'], s['w'] = v, w
        left = self.refractory_steps_left - refractory_at_start.astype(xp.int32)
        self.refractory_steps_left = xp.where(fired, self.refractory_steps, left).astype(xp.int32)
        self.advance_kernels(inputs)
        return xp.flatnonzero(fired)


# --- the standard two-receptor types ----------------------------------------

def _current_alpha(suffix, tau):
    return lambda: BiExpResponse(tau, tau, f'isyn_{suffix}', f'disyn_{suffix}',
                                 conductance=False)


def _cond_alpha(suffix, tau, e_rev):
    return lambda: BiExpResponse(tau, tau, f'gsyn_{suffix}', f'dgsyn_{suffix}', e_rev)


def _cond_exp(suffix, tau, e_rev):
    return lambda: ExpResponse(tau, f'gsyn_{suffix}', e_rev)


SYN_RANGES = {'tau_syn_E': POSITIVE, 'tau_syn_I': POSITIVE}
COND_INITIAL = {'gsyn_exc': 0.0, 'gsyn_inh': 0.0}
ALPHA_COND_INITIAL = dict(COND_INITIAL, dgsyn_exc=0.0, dgsyn_inh=0.0)


class IFCurrAlpha(LIFMembrane):
    """LIF with alpha-function current synapses; exact integration (as iaf_psc_alpha)."""

    defaults = dict(LIF_DEFAULTS, tau_syn_E=0.5, tau_syn_I=0.5)
    initial_defaults = {'v': -65.0, 'isyn_exc': 0.0, 'isyn_inh': 0.0,
                        'disyn_exc': 0.0, 'disyn_inh': 0.0}
    ranges = dict(LIF_RANGES, **SYN_RANGES)
    kernel_factories = (('excitatory', _current_alpha('exc', 'tau_syn_E')),
                        ('inhibitory', _current_alpha('inh', 'tau_syn_I')))


class IFCondAlpha(LIFMembrane):
    """LIF with alpha-function conductances (as iaf_cond_alpha); exponential Euler."""

    defaults = dict(LIF_DEFAULTS, tau_syn_E=0.3, tau_syn_I=0.5, e_rev_E=0.0, e_rev_I=-70.0)
    initial_defaults = dict(ALPHA_COND_INITIAL, v=-65.0)
    ranges = dict(LIF_RANGES, **SYN_RANGES)
    kernel_factories = (('excitatory', _cond_alpha('exc', 'tau_syn_E', 'e_rev_E')),
                        ('inhibitory', _cond_alpha('inh', 'tau_syn_I', 'e_rev_I')))


ADEX_SYN_DEFAULTS = dict(ADEX_DEFAULTS, e_rev_E=0.0, tau_syn_E=5.0, e_rev_I=-80.0,
                         tau_syn_I=5.0)


class EIFCondExpIsfaIsta(AdExMembrane):
    """AdEx with exponential conductances (as NEST aeif_cond_exp)."""

    defaults = ADEX_SYN_DEFAULTS
    initial_defaults = dict(COND_INITIAL, v=-70.6, w=0.0)
    ranges = dict(ADEX_RANGES, **SYN_RANGES)
    kernel_factories = (('excitatory', _cond_exp('exc', 'tau_syn_E', 'e_rev_E')),
                        ('inhibitory', _cond_exp('inh', 'tau_syn_I', 'e_rev_I')))


class EIFCondAlphaIsfaIsta(AdExMembrane):
    """AdEx with alpha-function conductances (as NEST aeif_cond_alpha)."""

    defaults = ADEX_SYN_DEFAULTS
    initial_defaults = dict(ALPHA_COND_INITIAL, v=-70.6, w=0.0)
    ranges = dict(ADEX_RANGES, **SYN_RANGES)
    kernel_factories = (('excitatory', _cond_alpha('exc', 'tau_syn_E', 'e_rev_E')),
                        ('inhibitory', _cond_alpha('inh', 'tau_syn_I', 'e_rev_I')))


# --- PyNN PointNeuron compositions --------------------------------------------

def _psr_spec(name, kind):
    """(defaults, initial values, ranges, kernel factory) of receptor `name`."""
    n = f'{name}.'
    if kind == 'CurrExp':
        return ({n + 'tau_syn': 5.0}, {n + 'isyn': 0.0}, {n + 'tau_syn': POSITIVE},
                lambda: ExpResponse(n + 'tau_syn', n + 'isyn', conductance=False))
    if kind == 'CondExp':
        return ({n + 'tau_syn': 5.0, n + 'e_syn': 0.0}, {n + 'gsyn': 0.0},
                {n + 'tau_syn': POSITIVE},
                lambda: ExpResponse(n + 'tau_syn', n + 'gsyn', n + 'e_syn'))
    if kind == 'CondAlpha':
        return ({n + 'tau_syn': 5.0, n + 'e_syn': 0.0}, {n + 'gsyn': 0.0, n + 'dgsyn': 0.0},
                {n + 'tau_syn': POSITIVE},
                lambda: BiExpResponse(n + 'tau_syn', n + 'tau_syn', n + 'gsyn', n + 'dgsyn',
                                      n + 'e_syn'))
    if kind == 'CondBeta':
        return ({n + 'tau_rise': 0.2, n + 'tau_decay': 1.7, n + 'e_syn': 0.0},
                {n + 'gsyn': 0.0, n + 'dgsyn': 0.0},
                {n + 'tau_rise': POSITIVE, n + 'tau_decay': POSITIVE},
                lambda: BiExpResponse(n + 'tau_rise', n + 'tau_decay', n + 'gsyn',
                                      n + 'dgsyn', n + 'e_syn'))
    raise ValueError(f"unknown post-synaptic response kind {kind!r}")


MEMBRANES = {'LIF': LIFMembrane, 'AdExp': AdExMembrane}
_POINT_NEURON_CLASSES = {}


def point_neuron_class(membrane, receptors):
    """Group class for a membrane ('LIF' or 'AdExp') and ((name, kind), ...) receptors.

    Receptor parameters and state variables are named '<receptor>.<name>',
    as PyNN's PointNeuron names them (e.g. 'AMPA.tau_syn', 'AMPA.gsyn').
    """
    key = (membrane, tuple(receptors))
    if key not in _POINT_NEURON_CLASSES:
        base = MEMBRANES[membrane]
        defaults, initial, ranges = dict(base.defaults), dict(base.initial_defaults), dict(
            base.ranges)
        factories = []
        for name, kind in receptors:
            d, i, r, make = _psr_spec(name, kind)
            defaults.update(d)
            initial.update(i)
            ranges.update(r)
            factories.append((name, make))
        label = "_".join(f"{name}{kind}" for name, kind in receptors)
        _POINT_NEURON_CLASSES[key] = type(
            f"PointNeuron_{membrane}_{label}", (base,),
            {'defaults': defaults, 'initial_defaults': initial, 'ranges': ranges,
             'kernel_factories': tuple(factories)})
    return _POINT_NEURON_CLASSES[key]
