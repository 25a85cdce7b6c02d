"""TrueNorth's own arithmetic: the integer neuron and the binary crossbar core.

- ``neuron``: the neuron's parameters and one tick of its update (Cassidy et
  al. 2013), as array code (``xp`` is numpy or cupy).
- ``prng``: the seeded per-core pseudo-random numbers the stochastic modes use.
- ``network``: cores (256 axons x 256 neurons binary crossbar, 4 axon types),
  neuron -> axon targets with axonal delays of 1-15 ticks, stepped tick by tick.
"""
from .neuron import (RESET_LINEAR, RESET_NONE, RESET_NORMAL, NeuronParams, ThresholdResult,
                     integrate_synapses, leak, threshold_and_reset)
from .network import CoreSpec, TrueNorthNetwork

__all__ = ["NeuronParams", "ThresholdResult", "RESET_NORMAL", "RESET_LINEAR", "RESET_NONE",
           "integrate_synapses", "leak", "threshold_and_reset", "CoreSpec", "TrueNorthNetwork"]
