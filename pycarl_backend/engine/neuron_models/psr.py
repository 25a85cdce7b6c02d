"""Post-synaptic responses (receptor kernels) shared by the composed neuron models.

A kernel is one receptor's synaptic trace, a current (nA) or a conductance
(uS). It is stateless itself: it names the group's parameters and state
variables it uses, so the same kernel serves `tau_syn_E`/`gsyn_exc` in
IF_cond_alpha and `AMPA.tau_syn`/`AMPA.gsyn` in a PointNeuron.

Every kernel is linear, so it is propagated exactly:
- over a whole step (`advance`), after the membrane update, when the step's
  input is added (NEST order);
- to the mean over a step (`step_mean`), for exponential-Euler membranes;
- to values at the points of a substep grid (`trace`), for RK4 membranes;
- into a LIF membrane exactly (`to_v`), for current kernels.
"""
import math

from ..neurons import _exp_psc_to_v


class ExpResponse:
    """x' = -x / tau; an input of weight w adds w to x."""

    def __init__(self, tau, value, e_rev=None, conductance=True):
        self.tau, self.value, self.e_rev = tau, value, e_rev
        self.conductance = conductance
        self.state_names = (value,)

    def prepare(self, xp, p, dt):
        self.e_rev_values = p[self.e_rev] if self.conductance else None
        tau = p[self.tau]
        self.decay = xp.exp(-dt / tau)
        self.mean_factor = tau / dt * (1.0 - self.decay)
        self._tau = tau
        self._dt = dt

    def prepare_lif(self, xp, tau_m, cm):
        self.p_to_v = _exp_psc_to_v(xp, self._tau, tau_m, cm, self._dt)

    def advance(self, s, x):
        s[self.value] *= self.decay
        s[self.value] += x

    def step_mean(self, s):
        return s[self.value] * self.mean_factor

    def to_v(self, s):
        return self.p_to_v * s[self.value]

    def trace_decay(self, xp, h):
        """The factor of x over h ms (trace's; the compiled AdEx loop's too)."""
        return xp.exp(-h / self._tau)

    def trace(self, xp, s, h, n):
        """Values at offsets 0, h, 2h, ..., n*h into the step."""
        d = self.trace_decay(xp, h)
        out = [s[self.value]]
        for _ in range(n):
            out.append(out[-1] * d)
        return out


class BiExpResponse:
    """Alpha (tau_rise is tau_decay) or beta (difference of exponentials) kernel.

    dx' = -dx / tau_rise, x' = dx - x / tau_decay; an input of weight w adds
    w * g0 to dx, g0 normalising the peak of x to w (e / tau for the alpha
    function, as NEST's iaf_psc_alpha, aeif_cond_alpha and aeif_cond_beta_multisynapse).
    """

    def __init__(self, tau_rise, tau_decay, value, deriv, e_rev=None, conductance=True):
        self.tau_rise, self.tau_decay = tau_rise, tau_decay
        self.value, self.deriv, self.e_rev = value, deriv, e_rev
        self.conductance = conductance
        self.state_names = (value, deriv)

    def _kernel(self, xp, t):
        """(E_decay, E_rise, K) at time t: x(t) = E_d x0 + K dx0, dx(t) = E_r dx0."""
        tr, td = self._tr, self._td
        e_d, e_r = xp.exp(-t / td), xp.exp(-t / tr)
        rate_diff = 1.0 / tr - 1.0 / td
        alpha = xp.abs(rate_diff) * t < 1e-7
        k = xp.where(alpha, t * e_d, (e_d - e_r) / xp.where(alpha, 1.0, rate_diff))
        return e_d, e_r, k

    def prepare(self, xp, p, dt):
        self.e_rev_values = p[self.e_rev] if self.conductance else None
        tr, td = p[self.tau_rise], p[self.tau_decay]
        self._tr, self._td, self._dt = tr, td, dt
        self.e_d, self.e_r, self.k = self._kernel(xp, dt)
        same = xp.abs(td - tr) < 1e-9 * td
        safe = xp.where(same, 2.0 * td, td)
        t_peak = tr * safe * xp.log(safe / tr) / (safe - tr)
        beta_g0 = (1.0 / tr - 1.0 / safe) / (xp.exp(-t_peak / safe) - xp.exp(-t_peak / tr))
        self.g0 = xp.where(same, math.e / td, beta_g0)
        # means over the step of E_d and of K
        self.mean_d = td / dt * (1.0 - self.e_d)
        rate_diff = 1.0 / tr - 1.0 / td
        alpha = xp.abs(rate_diff) * dt < 1e-7
        mean_alpha = td * td * (1.0 - self.e_d * (1.0 + dt / td)) / dt
        mean_beta = (td * (1.0 - self.e_d) - tr * (1.0 - self.e_r)) / (
            xp.where(alpha, 1.0, rate_diff) * dt)
        self.mean_k = xp.where(alpha, mean_alpha, mean_beta)

    def prepare_lif(self, xp, tau_m, cm):
        """Exact propagators of x and dx into a LIF membrane (NEST P32, P31)."""
        dt, tr, td = self._dt, self._tr, self._td
        p32_d = _exp_psc_to_v(xp, td, tau_m, cm, dt)
        self.p_to_v = p32_d
        # P31 of the alpha kernel: int_0^dt exp(-(dt-s)/tau_m) s exp(-s/tau) ds / C
        c = 1.0 / td - 1.0 / tau_m
        ch = c * dt
        small = xp.abs(ch) < 1e-4
        safe_c = xp.where(small, 1.0, c)
        exact = (xp.exp(-dt / tau_m) * -xp.expm1(-ch) - ch * xp.exp(-dt / td)) / (
            cm * safe_c * safe_c)
        series = xp.exp(-dt / tau_m) * dt * dt / (2.0 * cm) * (1.0 - 2.0 * ch / 3.0)
        p31_alpha = xp.where(small, series, exact)
        rate_diff = 1.0 / tr - 1.0 / td
        alpha = xp.abs(rate_diff) * dt < 1e-7
        p31_beta = (p32_d - _exp_psc_to_v(xp, tr, tau_m, cm, dt)) / xp.where(
            alpha, 1.0, rate_diff)
        self.p_deriv_to_v = xp.where(alpha, p31_alpha, p31_beta)

    def advance(self, s, x):
        v, d = s[self.value], s[self.deriv]
        v *= self.e_d
        v += self.k * d
        d *= self.e_r
        d += x * self.g0

    def step_mean(self, s):
        return s[self.value] * self.mean_d + s[self.deriv] * self.mean_k

    def to_v(self, s):
        return self.p_to_v * s[self.value] + self.p_deriv_to_v * s[self.deriv]

    def trace(self, xp, s, h, n):
        e_d, e_r, k = self._kernel(xp, h)
        v, d = s[self.value], s[self.deriv]
        out = [v]
        for _ in range(n):
            v, d = e_d * v + k * d, e_r * d
            out.append(v)
        return out


def synaptic_drive(kernels, values, v):
    """Total synaptic current (nA) into a membrane at v, from kernel values."""
    total = 0.0
    for kernel, value in zip(kernels, values):
        total = total + (value * (kernel.e_rev_values - v) if kernel.conductance else value)
    return total
