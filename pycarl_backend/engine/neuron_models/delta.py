"""LIF with delta synapses (as NEST iaf_psc_delta): a weight in mV jumps the membrane."""
from ..neurons import NeuronGroup
from .composed import LIF_DEFAULTS, LIF_RANGES


class IFCurrDelta(NeuronGroup):
    """Exact LIF step, then the step's synaptic input (mV) is added to v.

    Input arriving while a cell is refractory is discarded, as NEST does by
    default (refractory_input = False).
    """

    defaults = LIF_DEFAULTS
    initial_defaults = {'v': -65.0}
    ranges = LIF_RANGES

    def prepare(self):
        xp, p, dt = self.xp, self.params, self.dt
        self.p_mem = xp.exp(-dt / p['tau_m'])
        self.p_current = -p['tau_m'] / p['cm'] * xp.expm1(-dt / p['tau_m'])
        self.refractory_steps = self.steps(p['tau_refrac'])

    def update(self, step, inputs, i_ext):
        xp, p, s = self.xp, self.params, self.state
        current = p['i_offset'] if i_ext is None else p['i_offset'] + i_ext
        v_free = (p['v_rest'] + self.p_mem * (s['v'] - p['v_rest'])
                  + self.p_current * current + inputs[0] + inputs[1])
        refractory = self._count_down_refractory()
        s['v'] = xp.where(refractory, s['v'], v_free)
        return self._fire('v', p['v_reset'])
