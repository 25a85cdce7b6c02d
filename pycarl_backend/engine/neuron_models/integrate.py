"""Fixed-substep classical Runge-Kutta (RK4) for the nonlinear membranes.

Synaptic kernels are linear and known exactly within a step, so they are not
integrated here: their values at the substep points (offsets k*h/2) are
passed in as `traces`, one list of 2n+1 arrays per kernel.
"""
import math


def substeps(dt, max_substep):
    """Number of equal RK4 substeps so that each is at most `max_substep` ms."""
    return max(1, int(math.ceil(dt / max_substep - 1e-9)))


def rk4_substep(rhs, y, traces, j, h):
    """One RK4 substep of y' = rhs(y, kernel values) from offset 2j (half-substeps)."""
    at = [[t[2 * j] for t in traces], [t[2 * j + 1] for t in traces],
          [t[2 * j + 2] for t in traces]]
    k1 = rhs(y, at[0])
    k2 = rhs([a + 0.5 * h * b for a, b in zip(y, k1)], at[1])
    k3 = rhs([a + 0.5 * h * b for a, b in zip(y, k2)], at[1])
    k4 = rhs([a + h * b for a, b in zip(y, k3)], at[2])
    return [a + h / 6.0 * (b1 + 2.0 * b2 + 2.0 * b3 + b4)
            for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4)]
