"""Neuron groups that update in sPyNNaker's order.

sPyNNaker's neuron loop, per 1-tick time step k and neuron (neuron_impl_standard.h):

1. the ring-buffer input due in tick k is added to the synaptic state, each
   weight scaled by init = tau_syn/dt * (1 - exp(-dt/tau_syn)) (so that the
   step-wise constant current carries the charge of the exponential PSC);
2. unless the refractory timer is running, the membrane takes one exact step
   with that current held constant over the tick:
   alpha = I * tau_m/cm + v_rest;  v = alpha - exp(-dt/tau_m) * (alpha - v);
   a running timer is counted down instead and v stays where it is;
3. v >= v_thresh fires: v = v_reset, timer = ceil(tau_refrac/dt);
4. the synaptic state decays by exp(-dt/tau_syn).

Input therefore reaches the membrane in the tick it arrives, so a neuron can
fire in the step its input arrives (NEST, and the standard pycarl engine,
take it up after the membrane update, one step later). Synaptic time
constants below the time step are fine: the PSC is a one-tick pulse scaled
by init.

Inhibitory input arrives as magnitudes (sPyNNaker stores |w|) and is
subtracted: I = I_exc - I_inh + i_offset.
"""
from ..engine.neurons import IFCondExp, IFCurrExp, NeuronGroup


class SpiNNakerLIF(NeuronGroup):
    """The LIF loop above; subclasses say how synaptic state becomes current."""

    exc_state = inh_state = None  # names of the synaptic state variables

    def prepare(self):
        xp, p, dt = self.xp, self.params, self.dt
        self.exp_tc = xp.exp(-dt / p['tau_m'])
        self.r_membrane = p['tau_m'] / p['cm']
        self.exc_decay = xp.exp(-dt / p['tau_syn_E'])
        self.inh_decay = xp.exp(-dt / p['tau_syn_I'])
        self.exc_init = p['tau_syn_E'] / dt * (1.0 - self.exc_decay)
        self.inh_init = p['tau_syn_I'] / dt * (1.0 - self.inh_decay)
        # sPyNNaker counts the refractory period in whole ticks, rounded up
        self.refractory_steps = xp.ceil(
            xp.round(p['tau_refrac'] / dt, 9)).astype(xp.int32)

    def synaptic_current(self):
        raise NotImplementedError

    def update(self, step, inputs, i_ext):
        xp, p, s = self.xp, self.params, self.state
        s[self.exc_state] += inputs[0] * self.exc_init
        s[self.inh_state] += inputs[1] * self.inh_init
        current = self.synaptic_current() + p['i_offset']
        if i_ext is not None:
            current = current + i_ext
        alpha = current * self.r_membrane + p['v_rest']
        v_free = alpha - self.exp_tc * (alpha - s['v'])
        refractory = self._count_down_refractory()
        s['v'] = xp.where(refractory, s['v'], v_free)
        fired = self._fire('v', p['v_reset'])
        s[self.exc_state] *= self.exc_decay
        s[self.inh_state] *= self.inh_decay
        self.last_fired = (step, fired)
        return fired

    def reset(self):
        super().reset()
        self.last_fired = (-1, None)


class SpiNNakerIFCurrExp(SpiNNakerLIF):
    """IF_curr_exp as sPyNNaker runs it."""

    defaults = IFCurrExp.defaults
    initial_defaults = IFCurrExp.initial_defaults
    ranges = IFCurrExp.ranges
    exc_state, inh_state = 'isyn_exc', 'isyn_inh'

    def synaptic_current(self):
        return self.state['isyn_exc'] - self.state['isyn_inh']


class SpiNNakerIFCondExp(SpiNNakerLIF):
    """IF_cond_exp as sPyNNaker runs it: conductances times the driving force
    at the start of the tick (input_type_conductance.h)."""

    defaults = IFCondExp.defaults
    initial_defaults = IFCondExp.initial_defaults
    ranges = IFCondExp.ranges
    exc_state, inh_state = 'gsyn_exc', 'gsyn_inh'

    def synaptic_current(self):
        p, s = self.params, self.state
        return (s['gsyn_exc'] * (p['e_rev_E'] - s['v'])
                + s['gsyn_inh'] * (p['e_rev_I'] - s['v']))


#: PyNN cell type name -> SpiNNaker-ordered engine group
SPINNAKER_MODELS = {
    'IF_curr_exp': SpiNNakerIFCurrExp,
    'IF_cond_exp': SpiNNakerIFCondExp,
}

__all__ = ["SpiNNakerLIF", "SpiNNakerIFCurrExp", "SpiNNakerIFCondExp", "SPINNAKER_MODELS"]
