"""Settings of the GPU engine's fused path, passed as ``setup(gpu_options=...)``.

    sim.setup(device="gpu", gpu_options={"graph_steps": 512})
    sim.setup(device="gpu", gpu_options=GpuOptions(pipelined_step=True))

They change how the fused CUDA kernels are launched, never the results (each
launch scheme is tested bit-identical to the NumPy engine); on the CPU they
are accepted and have no effect.
"""
from dataclasses import dataclass, fields

from pyNN import errors


@dataclass(frozen=True)
class GpuOptions:
    #: run the fused CUDA kernels where they cover the network (False: the
    #: xp-generic CuPy loop, as on the CPU)
    fused_kernels: bool = True
    #: steps per CUDA graph replay (0: launch every step from the host)
    graph_steps: int = 64
    #: blocks of the propagate_spikes kernel (0: one per multiprocessor, four
    #: per multiprocessor above 2**24 synapses)
    prop_blocks: int = 0
    #: one launch per step (kernels/pipeline.cu) where the network allows it:
    #: one neuron model and every delay of 2 steps or more
    pipelined_step: bool = False

    def __post_init__(self):
        for name in ("fused_kernels", "pipelined_step"):
            if not isinstance(getattr(self, name), bool):
                raise errors.InvalidParameterValueError(
                    f"gpu_options {name}={getattr(self, name)!r}: must be True or False")
        for name in ("graph_steps", "prop_blocks"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise errors.InvalidParameterValueError(
                    f"gpu_options {name}={value!r}: must be an integer >= 0")

    @classmethod
    def from_value(cls, value):
        """GpuOptions from None (the defaults), a GpuOptions or a dict of its fields."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            names = [f.name for f in fields(cls)]
            unknown = sorted(set(value) - set(names))
            if unknown:
                raise errors.InvalidParameterValueError(
                    f"setup(gpu_options=...): unknown option(s) {', '.join(unknown)}; "
                    f"valid: {', '.join(names)}")
            return cls(**value)
        raise errors.InvalidParameterValueError(
            f"setup(gpu_options={value!r}): give a GpuOptions or a dict, "
            f"got {type(value).__name__}")
