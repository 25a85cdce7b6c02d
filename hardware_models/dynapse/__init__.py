"""DYNAP-SE's analog circuits: bias sets per core, mismatch, DPI neurons/synapses."""
from .biases import SYNAPSE_TYPES, CoreBiases, default_biases
from .circuits import DPICircuits, substeps_for
from .mismatch import DEFAULT_CV, per_neuron

__all__ = ["SYNAPSE_TYPES", "CoreBiases", "default_biases", "DPICircuits", "substeps_for",
           "DEFAULT_CV", "per_neuron"]
