"""NetworkGraphs (hardware_models' view of a network) shared by test modules."""
import numpy as np

from hardware_models import NetworkGraph, PopulationSpec, ProjectionSpec


def random_recurrent_graph(rng, n, n_synapses, label, dt_ms=0.1):
    """One IF_curr_exp population `label` of n cells and `n_synapses` excitatory
    synapses between cells drawn by `rng` (sources, then targets), weight and delay 1."""
    src = rng.integers(0, n, n_synapses)
    tgt = rng.integers(0, n, n_synapses)
    return NetworkGraph(dt_ms, [PopulationSpec(label, n, "IF_curr_exp", 0)],
                        [ProjectionSpec("p", label, label, "excitatory", src, tgt,
                                        np.ones(n_synapses), np.ones(n_synapses))])
