"""SpiNNaker's fixed-point arithmetic (s16.15 accum, u0.32 decays).

The neuron state of sPyNNaker lives in ``accum`` (s16.15: 32 bits, 15
fractional, 2**-15 = 3.05e-5 per step). Here a value in s16.15 is held as a
float64 that is an exact multiple of 2**-15 (|x| < 2**16 needs 31 bits, well
inside float64's 53), so the engine's arrays, recording and PyNN's getters are
unchanged; each operation converts to int64 "bits", computes as the ARM code
does and converts back. Decays and the synaptic ``init`` factor are u0.32
(``decay_t``: an unsigned 32-bit fraction).

Two arithmetics, one per sPyNNaker release line (releases.py):

* spynnaker8 era (<= 6; the machine behind sPyNNaker8's test data,
  p8_integration_tests): the host computes every constant in float; decay
  and init are written truncated (``astype("uint32")`` in
  synapse_type_exponential.py), the accum parameters (exp(-dt/tau_m) and
  R = tau_m/cm included) rounded to nearest; accum products are truncated
  (``(a * b) >> 15``). That reproduces the exact membrane values that
  test_set_and_reset.py asserts (-64.024658203125, ... from v = -65 with
  i_offset = 1 nA: exp_TC = 31170/2**15, floored products) and the recorded
  synfire gsyn traces bit for bit; the synfire v traces (recorded in 2019-04,
  before that test) differ by up to 250 steps of 2**-15 (7.6 uV): they were
  made by a host that truncated the accum parameters (exp_TC = 31169/2**15),
  SPYNNAKER8_TRUNCATING_HOST, which reproduces them bit for bit
  (setup(fixed_point=SPYNNAKER8_TRUNCATING_HOST); tests/test_spinnaker_synfire.py).
* sPyNNaker >= 7: the parameters are written rounded to nearest and the chip
  derives the constants itself (neuron_model_lif_impl.h, exp_synapse_utils.h):
  R = kdivk(tau_m, cm), exp_TC = expk(-kdivk(dt, tau_m)),
  decay = expulr(-kdivk(dt, tau)), init = (tau/dt) x (1 - decay); the
  membrane products use MULT_ROUND_NEAREST_ACCUM. kdivk truncates (integer
  division); expk/expulr are taken as correctly rounded.

Both: ``decay_s1615(x, d) = (x * d) >> 32`` (decay.h); threshold and reset
compare and copy accums.
"""
from dataclasses import dataclass

import numpy as np

ACCUM_ONE = 1 << 15      # s16.15
DECAY_ONE = 1 << 32      # u0.32


def to_bits(x):
    """Exact int64 bits of values that are already on the s16.15 grid."""
    return np.rint(np.asarray(x, dtype=np.float64) * ACCUM_ONE).astype(np.int64)


def from_bits(bits):
    return np.asarray(bits, dtype=np.float64) / ACCUM_ONE


def decay_s1615(bits, decay):
    """(x * d) >> 32 for an s16.15 x and a u0.32 d, exact in int64 (d split in
    16-bit halves so the products stay below 2**63)."""
    bits = np.asarray(bits, dtype=np.int64)
    decay = np.asarray(decay, dtype=np.int64)
    high, low = decay >> 16, decay & 0xFFFF
    return (bits * high + ((bits * low) >> 16)) >> 16


@dataclass(frozen=True)
class Arithmetic:
    """How one release turns parameters into machine constants and multiplies."""
    name: str
    host_rounds: bool       # parameters written rounded (else truncated)
    chip_constants: bool    # R, exp_TC, decay, init derived on the chip
    round_products: bool    # MULT_ROUND_NEAREST_ACCUM (else truncating)

    def accum(self, x):
        """A parameter as the host writes it (s16.15 bits)."""
        scaled = np.asarray(x, dtype=np.float64) * ACCUM_ONE
        return (np.rint(scaled) if self.host_rounds else np.trunc(scaled)).astype(np.int64)

    def multiply(self, a, b):
        product = np.asarray(a, dtype=np.int64) * np.asarray(b, dtype=np.int64)
        if self.round_products:
            product = product + (1 << 14)
        return product >> 15

    def divide(self, a_bits, b_bits):
        """kdivk: (a << 15) / b, truncated toward zero as C's integer division."""
        num = np.asarray(a_bits, dtype=np.int64) << 15
        den = np.asarray(b_bits, dtype=np.int64)
        q = np.abs(num) // np.abs(den)
        return np.where((num < 0) != (den < 0), -q, q)

    def membrane_constants(self, tau_m, cm, dt):
        """(R, exp_TC) in s16.15 bits."""
        if not self.chip_constants:
            return self.accum(tau_m / cm), self.accum(np.exp(-dt / tau_m))
        tau_bits, cm_bits, dt_bits = self.accum(tau_m), self.accum(cm), self.accum(dt)
        r = self.divide(tau_bits, cm_bits)
        exponent = from_bits(self.divide(dt_bits, tau_bits))
        return r, np.rint(np.exp(-exponent) * ACCUM_ONE).astype(np.int64)

    def synapse_constants(self, tau, dt):
        """(decay, init) in u0.32: decay = exp(-dt/tau), init = tau/dt (1 - decay);
        tau = 0 gives 0 and 0 (the input never reaches the neuron)."""
        tau = np.asarray(tau, dtype=np.float64)
        if np.any(tau <= 0):
            safe = np.where(tau > 0, tau, 1.0)
            decay, init = self.synapse_constants(safe, dt)
            return np.where(tau > 0, decay, 0), np.where(tau > 0, init, 0)
        if not self.chip_constants:
            decay = np.exp(-dt / tau)
            init = tau * (1.0 - decay) / dt
            return (np.trunc(decay * DECAY_ONE).astype(np.int64),
                    np.trunc(init * DECAY_ONE).astype(np.int64))
        tau_bits, dt_bits = self.accum(tau), self.accum(dt)
        ts_over_tau = from_bits(self.divide(dt_bits, tau_bits))
        decay = np.minimum(np.rint(np.exp(-ts_over_tau) * DECAY_ONE), DECAY_ONE - 1)
        decay = decay.astype(np.int64)
        tau_over_ts = self.divide(tau_bits, dt_bits)
        init = (tau_over_ts * (DECAY_ONE - decay)) >> 15
        return decay, np.minimum(init, DECAY_ONE - 1)


SPYNNAKER8_ARITHMETIC = Arithmetic("s16.15, spynnaker8 era (host constants, truncated products)",
                                   host_rounds=True, chip_constants=False,
                                   round_products=False)
#: the spynnaker8 arithmetic with the accum parameters written truncated: the
#: machine runs behind sPyNNaker8's synfire recordings of 2019-04
#: (exp_TC = 31169/2**15 for tau_m = 20 ms), reproduced bit for bit
SPYNNAKER8_TRUNCATING_HOST = Arithmetic("s16.15, spynnaker8 era, truncating host",
                                        host_rounds=False, chip_constants=False,
                                        round_products=False)
SPYNNAKER7_ARITHMETIC = Arithmetic("s16.15, sPyNNaker 7 (chip constants, rounded products)",
                                   host_rounds=True, chip_constants=True,
                                   round_products=True)
