"""exp() for the compiled loops that the compiler can vectorise.

numba calls the C library's scalar exp (about 9 ns a call here), which keeps
a loop from being vectorised: for IF_cond_exp it was most of the run time.
`vexp` is branch-free arithmetic instead: x = n ln2 + r with n = rint(x/ln2)
(Cody-Waite: ln2 split in a high part with trailing zero bits and a low part,
so n * LN2_HI is exact), exp(r) by its Taylor series to r^13 (|r| <= ln2/2:
truncation below 1e-17 relative), times 2^n as two factors 2^(n//2) 2^(n-n//2)
(so that subnormal and near-overflow results need no special case), each
made from its exponent bits (a table lookup would be a gather, which keeps
the loop scalar). Accuracy:
within 2 ulp of the correctly rounded value (checked against math.exp in
tests/test_cpu_fused.py); NumPy's own SIMD exp differs from the C library's
by an ulp too, so the NumPy engine has no bit-exact exp to match either.
"""
import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

LN2_HI = 6.93147180369123816490e-01   # fdlibm's split of ln 2 (e_exp.c)
LN2_LO = 1.90821492927058770002e-10
INV_LN2 = 1.0 / math.log(2.0)
#: below LOW exp rounds to 0; above HIGH it overflows
LOW, HIGH = -745.2, 709.782712893384
#: 1/k! for k = 0..13
TAYLOR = tuple(1.0 / math.factorial(k) for k in range(14))
C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13 = TAYLOR[2:]


@intrinsic
def _bits_as_float64(typingctx, bits):
    """The float64 whose IEEE-754 bit pattern is the int64 `bits`."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@njit(cache=True, inline="always", error_model="numpy")
def _pow2(m):
    """2.0 ** m for an integer -1022 <= m <= 1023."""
    return _bits_as_float64((m + 1023) << 52)


@njit(cache=True, inline="always", error_model="numpy")
def vexp(x):
    """exp(x); 0 below LOW, inf above HIGH."""
    xc = LOW if x < LOW else x
    xc = HIGH if xc > HIGH else xc
    n = np.rint(xc * INV_LN2)
    r = (xc - n * LN2_HI) - n * LN2_LO
    p = C13
    p = p * r + C12
    p = p * r + C11
    p = p * r + C10
    p = p * r + C9
    p = p * r + C8
    p = p * r + C7
    p = p * r + C6
    p = p * r + C5
    p = p * r + C4
    p = p * r + C3
    p = p * r + C2
    p = p * r + 1.0
    p = p * r + 1.0
    m = np.int64(n)
    half = m >> 1
    y = (p * _pow2(half)) * _pow2(m - half)
    y = 0.0 if x < LOW else y
    return math.inf if x > HIGH else y
