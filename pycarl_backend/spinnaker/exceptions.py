"""Errors that sPyNNaker raises where PyNN has no equivalent."""
from pyNN import errors


class SynapticConfigurationException(errors.ConnectionError):
    """Projections onto one population whose plasticity rules differ
    (sPyNNaker builds one neuron binary per population, with one rule)."""
