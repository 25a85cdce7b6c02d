"""Cycle-level models of neuromorphic chips (TrueNorth, Loihi, DYNAP-SE).

Never imports pycarl_backend or pyNN: a simulator hands a NetworkGraph to a
HardwareModel (``attach``), then each step's spikes (``step``), and reads
``summary()``. ``replay`` routes recorded spike trains offline.
"""
from .errors import ChipSpecError, HardwareConstraintError, UnknownParameterError
from .graph import NetworkGraph, PopulationSpec, ProjectionSpec
from .spec import ChipSpec, list_chips, load_spec
from .model import HardwareModel, load_hardware

__all__ = ["HardwareConstraintError", "UnknownParameterError", "ChipSpecError",
           "NetworkGraph", "PopulationSpec", "ProjectionSpec", "ChipSpec", "HardwareModel",
           "list_chips", "load_hardware", "load_spec"]
