"""Errors that sPyNNaker raises where PyNN has no equivalent."""
from pyNN import errors


class SynapticConfigurationException(errors.ConnectionError):
    """Projections onto one population whose plasticity rules differ
    (sPyNNaker builds one neuron binary per population, with one rule)."""


class ConfigurationException(errors.RecordingError):
    """Data asked for a variable the population does not record (sPyNNaker
    raises this where PyNN returns an empty segment)."""

    def __init__(self, message):
        Exception.__init__(self, message)

    def __str__(self):
        return self.args[0]


class SpynnakerException(Exception):
    """sPyNNaker's own error base (spynnaker.pyNN.exceptions.SpynnakerException)."""


class ConnectorException(SpynnakerException, errors.ConnectionError):
    """A connector asked for connections sPyNNaker cannot make (more distinct
    partners than exist without replacement)."""
