"""The compiled CPU stepper (numba): the CPU twin of engine/gpu.py's fused kernels.

Engine.run uses it on the CPU when it covers the whole network (`blocker`
says why not, else None); otherwise the NumPy reference loop runs, and the
reason is logged once per reason. Why numba: it compiles plain Python loops
to machine code at the first call and caches the result on disk
(`cache=True`), ships wheels for every platform NumPy does, and needs no
compiler on the user's machine; a C extension would need one at install time.

A chip co-simulation runs in it too when the chip feeds no delays back into
the run (``HardwareModel.feeds_back_delays`` false: Loihi's barrier clock, or
latency off): the loop hands the chip every step's spikes after each call
(``CoSimulation.steps_without_feedback``). Cells computed by the chip's
arithmetic need a compiled twin of it: Loihi's compartments have one
(loihi_kernels.py); other chips' cells keep the NumPy loop.

numba's on-disk cache of loop.py does not notice edits to the kernels it
calls in other modules (neuron_kernels.py, loihi_kernels.py): after editing
them, delete ``__pycache__/loop.*`` here.
"""
import logging

import numpy as np

logger = logging.getLogger("pycarl")
_said = set()


def _numba_missing():
    try:
        import numba  # noqa: F401
    except ImportError:
        return "numba is not installed (pip install numba)"
    return None


def blocker(engine, hardware):
    """Why the compiled CPU loop cannot run this network, or None when it can."""
    from ..synapses import SynapseBlock
    from .models import spec_of
    if engine.xp is not np:
        return "not the CPU engine"
    if not engine.cpu_fused:
        return "turned off by setup(cpu_fused=False)"
    missing = _numba_missing()
    if missing:
        return missing
    if hardware is not None:
        reason = hardware.feedback_reason()
        if reason is not None:
            return reason
    if engine.step_hooks:
        return "step hooks (plasticity)"
    for group in engine.groups:
        if group.is_source:
            continue
        spec = spec_of(group)
        if spec is None:
            kind = type(getattr(group, "chip", group)).__name__
            return f"no compiled kernel for {kind}"
        for variable in engine.state_records[group]:
            if variable not in spec.state:
                return f"recording of {variable!r} of {type(group).__name__}"
    for block in engine.blocks:
        if type(block) is not SynapseBlock:
            return f"synapse block type {type(block).__name__}"
        if "propagate" in vars(block):
            return f"projection '{block.label}' delivers arrival offsets (chip_neurons.py)"
        if block.indptr.dtype != np.int32:
            return f"projection '{block.label}' has more than 2**31 synapses"
    return None


def cpu_fused_stepper(engine, hardware, blocks_by_pre):
    """A CPUFusedStepper for this run, or None (reason logged once) where the
    NumPy loop must run."""
    reason = blocker(engine, hardware)
    if reason is not None:
        if reason not in _said and reason != "not the CPU engine":
            _said.add(reason)
            logger.info("pycarl: NumPy step loop for this run (compiled CPU loop not used: %s)",
                        reason)
        return None
    from .stepper import CPUFusedStepper
    return CPUFusedStepper(engine, blocks_by_pre, hardware)


def warm_up():
    """Import numba and load (or, the first time, compile) the step loop by a call
    of zero steps, so that the first run() does not pay it. False without numba."""
    if _numba_missing():
        return False
    from .stepper import load_compiled_loop
    load_compiled_loop()
    return True
