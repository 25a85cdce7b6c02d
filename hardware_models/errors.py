"""Exceptions a user of hardware_models can cause."""


class HardwareConstraintError(Exception):
    """A network does not fit a chip, or a chip description is unusable.

    The message names the limit, the population or projection and the numbers,
    e.g. "DYNAP-SE allows 64 inputs per neuron; 'exc'[17] has 812 via
    projection 'e2e'".
    """


class UnknownParameterError(HardwareConstraintError, KeyError):
    """An override or a chip YAML names a key the chip description lacks."""

    def __str__(self):  # KeyError would repr() the message otherwise
        return str(self.args[0]) if self.args else ""


class ChipSpecError(HardwareConstraintError, ValueError):
    """A chip YAML is malformed (missing key, wrong type, bad value)."""
