"""The neutral description of a network that a simulator hands to a chip model.

Nothing here knows PyNN: a simulator (pycarl_backend, or a converter from any
other simulator's output) fills these arrays, and a chip model maps, quantizes
and routes them.
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class PopulationSpec:
    """A group of neurons with consecutive global indices."""
    label: str
    size: int
    celltype: str
    first_index: int
    #: spike sources (Poisson, arrays) live off-chip on most chips: they
    #: inject spikes but occupy no neuron compartments.
    is_source: bool = False
    #: PyNN parameter name -> per-cell values (PyNN units), for chips that
    #: compute the cells in their own arithmetic (arithmetic.py)
    parameters: dict = field(default_factory=dict)
    #: state variable name -> per-cell initial values (PyNN units)
    initial_values: dict = field(default_factory=dict)


@dataclass
class ProjectionSpec:
    """All synapses of one projection, as flat arrays of equal length.

    `source` and `target` are *global* neuron indices (see
    PopulationSpec.first_index). Weights are in PyNN units (nA or uS, float64), signed
    (negative for inhibitory receptors). Delays are in simulation time steps.
    """
    label: str
    pre: str
    post: str
    receptor: str
    source: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    delay_steps: np.ndarray

    def __post_init__(self):
        self.source = np.asarray(self.source, dtype=np.int32)
        self.target = np.asarray(self.target, dtype=np.int32)
        # exact PyNN weights (chips encode them)
        self.weight = np.asarray(self.weight, dtype=np.float64)
        self.delay_steps = np.asarray(self.delay_steps, dtype=np.int32)
        n = self.source.size
        for name in ("target", "weight", "delay_steps"):
            if getattr(self, name).size != n:
                raise ValueError(f"projection '{self.label}': '{name}' has "
                                 f"{getattr(self, name).size} entries, source has {n}")

    @property
    def size(self):
        return int(self.source.size)


@dataclass
class NetworkGraph:
    dt_ms: float
    populations: list = field(default_factory=list)
    projections: list = field(default_factory=list)

    @property
    def n_neurons(self):
        return sum(p.size for p in self.populations)

    def population(self, label):
        for p in self.populations:
            if p.label == label:
                return p
        raise KeyError(label)

    def population_of(self, global_index):
        """The population holding a global neuron index, and the index within it."""
        for p in self.populations:
            if p.first_index <= global_index < p.first_index + p.size:
                return p, global_index - p.first_index
        raise IndexError(f"no population holds neuron {global_index}")

    def is_source_mask(self):
        mask = np.zeros(self.n_neurons, dtype=bool)
        for p in self.populations:
            if p.is_source:
                mask[p.first_index:p.first_index + p.size] = True
        return mask
