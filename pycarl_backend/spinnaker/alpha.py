"""IF_curr_alpha as sPyNNaker runs it (synapse_types_alpha_impl.h).

The membrane is the LIF of neurons.py; each receptor keeps three buffers, a
linear one `lin`, an exponential one `exp` and the last input `q`:

* input x > 0 arriving in a tick (ring buffer, in nA):
  q = x;  exp = exp * decay + 1;  lin = (lin + x * dt/tau^2) * (1 - 1/exp);
* the current the membrane takes in the tick: lin * exp;
* after the membrane update ("shaping"): lin += q * dt/tau^2;
  exp *= decay;  decay = exp(-dt/tau).

One input alone gives lin * exp = x dt/tau^2 (k dt) e^(-k dt/tau) k ticks
later: the alpha function. The constants are written by the host in the
spynnaker8 era (ts/tau^2 as accum, decay truncated to u0.32) and derived on
the chip from 7 on (init = kdivk(ts, tau * tau), decay = expulr(-ts/tau)), as
the chosen release's arithmetic says (fixed_point.py); products are accum
products (truncated or rounded per release), 1/exp is kdivk(1, exp). With
setup(fixed_point=False) the same steps run in float64. gsyn_exc/gsyn_inh
and isyn_exc/isyn_inh record lin * exp.
"""
import numpy as np
from . import fixed_point as fx
from .neurons import SpiNNakerIFCurrExp

ONE = fx.ACCUM_ONE
RECEPTORS = ("exc", "inh")


class SpiNNakerIFCurrAlpha(SpiNNakerIFCurrExp):
    """IF_curr_alpha in sPyNNaker's update order and arithmetic (module docstring);
    the membrane and recordables are IF_curr_exp's, the synaptic buffers alpha."""

    def prepare(self):
        super().prepare()
        p, dt = self.params, self.dt / self.steps_per_tick
        taus = {"exc": p['tau_syn_E'], "inh": p['tau_syn_I']}
        a = self.arithmetic
        self.alpha_constants = {}
        for name, tau in taus.items():
            if a is None:
                self.alpha_constants[name] = (np.exp(-dt / tau), dt / (tau * tau))
            elif a.chip_constants:
                tau_bits, dt_bits = a.accum(tau), a.accum(dt)
                decay = np.rint(np.exp(-fx.from_bits(a.divide(dt_bits, tau_bits)))
                                * fx.DECAY_ONE)
                decay = np.minimum(decay, fx.DECAY_ONE - 1).astype(np.int64)
                init = a.divide(dt_bits, a.multiply(tau_bits, tau_bits))
                self.alpha_constants[name] = (decay, init)
            else:
                decay = np.trunc(np.exp(-dt / tau) * fx.DECAY_ONE).astype(np.int64)
                self.alpha_constants[name] = (decay, a.accum(dt / (tau * tau)))

    def reset(self):
        super().reset()
        self.buffers = {name: {k: np.zeros(self.size, dtype=np.float64) for k in
                               ("lin", "exp", "q")} for name in RECEPTORS}

    def _buffers_of(self, name):
        """This receptor's buffers (bits in fixed point)."""
        if not hasattr(self, "buffers"):
            self.reset()
        return self.buffers[name]

    # --- float -------------------------------------------------------------------
    def _add_input_float(self, inputs):
        for k, name in enumerate(RECEPTORS):
            buf, (decay, init) = self._buffers_of(name), self.alpha_constants[name]
            x = np.asarray(inputs[k], dtype=float)
            on = x > 0
            exp = np.where(on, buf["exp"] * decay + 1.0, buf["exp"])
            with np.errstate(divide="ignore", invalid="ignore"):
                lin = np.where(on, (buf["lin"] + x * init) * (1.0 - 1.0 / exp), buf["lin"])
            buf["q"], buf["exp"], buf["lin"] = np.where(on, x, buf["q"]), exp, lin
            self.state[self.exc_state if k == 0 else self.inh_state] = lin * exp

    def _shape_float(self):
        for name in RECEPTORS:
            buf, (decay, init) = self._buffers_of(name), self.alpha_constants[name]
            buf["lin"] = buf["lin"] + buf["q"] * init
            buf["exp"] = buf["exp"] * decay
        self._store_response_float()

    def _store_response_float(self):
        for k, name in enumerate(RECEPTORS):
            buf = self.buffers[name]
            self.state[self.exc_state if k == 0 else self.inh_state] = buf["lin"] * buf["exp"]

    # --- fixed point -------------------------------------------------------------
    def _add_input_fixed(self, inputs):
        a = self.arithmetic
        responses = []
        for k, name in enumerate(RECEPTORS):
            buf, (decay, init) = self._buffers_of(name), self.alpha_constants[name]
            lin, exp, q = (fx.to_bits(buf[key]) for key in ("lin", "exp", "q"))
            x = a.accum(inputs[k])
            on = x > 0
            exp_on = fx.decay_s1615(exp, decay) + ONE
            exp_safe = np.where(on, exp_on, ONE)
            factor = ONE - a.divide(np.full_like(exp_safe, ONE), exp_safe)
            lin_on = a.multiply(lin + a.multiply(x, init), factor)
            lin, exp, q = np.where(on, lin_on, lin), np.where(on, exp_on, exp), np.where(on, x, q)
            buf["lin"], buf["exp"], buf["q"] = (fx.from_bits(v) for v in (lin, exp, q))
            response = a.multiply(lin, exp)
            self.state[self.exc_state if k == 0 else self.inh_state] = fx.from_bits(response)
            responses.append(response)
        return responses[0], responses[1]

    def _shape_fixed(self, exc, inh):
        a = self.arithmetic
        for k, name in enumerate(RECEPTORS):
            buf, (decay, init) = self.buffers[name], self.alpha_constants[name]
            lin, exp, q = (fx.to_bits(buf[key]) for key in ("lin", "exp", "q"))
            lin = lin + a.multiply(q, init)
            exp = fx.decay_s1615(exp, decay)
            buf["lin"], buf["exp"] = fx.from_bits(lin), fx.from_bits(exp)
            self.state[self.exc_state if k == 0 else self.inh_state] = fx.from_bits(
                a.multiply(lin, exp))


#: sPyNNaker's argument order (spynnaker/pyNN/models/neuron/builds/if_curr_alpha.py)
ALPHA_ORDER = ("tau_m", "cm", "v_rest", "v_reset", "v_thresh", "tau_syn_E", "tau_syn_I",
               "tau_refrac", "i_offset", "v", "isyn_exc", "isyn_inh")
