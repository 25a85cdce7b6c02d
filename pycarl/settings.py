"""Settings of a `pycarl run/compare/explore` run, and the one place where
environment variables are read.

The `pycarl` command runs an unmodified PyNN script; the script's setup()
call gets the chip, device, seed, ... as defaults
(pycarl_backend.set_setup_defaults), so keywords the script passes itself
win. The command's options set them; what an option leaves unset comes from
these environment variables (read by `from_environment` only):

=========================== ==================================================
PYCARL_HARDWARE             setup(hardware=...): a chip name or chip YAML path
PYCARL_HARDWARE_OPTIONS     setup(hardware_options=...): a JSON object of
                            dotted chip-YAML keys
PYCARL_DEVICE               setup(device=...): cpu, gpu or auto
PYCARL_SEED                 setup(rng_seed=...); PyNN random generators the
                            script creates without a seed get seeds derived
                            from it
PYCARL_PROGRESS             setup(progress=True) when not empty
PYCARL_GPU_OPTIONS          setup(gpu_options=...): a JSON object of GpuOptions
                            fields (graph_steps, prop_blocks, pipelined_step,
                            fused_kernels)
PYCARL_SPYNNAKER_VERSION    pycarl_backend.spinnaker's setup(spynnaker_version=...)
=========================== ==================================================
"""
import json
import os
from dataclasses import asdict, dataclass, field, replace

ENVIRONMENT = {
    "hardware": "PYCARL_HARDWARE",
    "hardware_options": "PYCARL_HARDWARE_OPTIONS",
    "device": "PYCARL_DEVICE",
    "seed": "PYCARL_SEED",
    "progress": "PYCARL_PROGRESS",
    "gpu_options": "PYCARL_GPU_OPTIONS",
    "spynnaker_version": "PYCARL_SPYNNAKER_VERSION",
}


class SettingsError(ValueError):
    """An environment variable or option that cannot become a setup() argument."""


@dataclass(frozen=True)
class RunSettings:
    """What the `pycarl` command hands to the script's setup() (None: not set)."""
    hardware: object = None
    hardware_options: dict = field(default_factory=dict)
    device: str = None
    seed: int = None
    progress: bool = False
    gpu_options: dict = None
    spynnaker_version: object = None

    def with_(self, **changes):
        """A copy with the given fields changed (None values leave a field as it is)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def setup_defaults(self):
        """The keywords for pycarl_backend.set_setup_defaults."""
        out = {"hardware": self.hardware, "hardware_options": dict(self.hardware_options),
               "device": self.device, "rng_seed": self.seed, "gpu_options": self.gpu_options,
               "spynnaker_version": self.spynnaker_version}
        out = {k: v for k, v in out.items() if v is not None}
        if self.progress:
            out["progress"] = True
        return out

    def apply(self):
        """Make these the defaults of the next setup() calls in this process."""
        from pycarl_backend.control import set_setup_defaults
        set_setup_defaults(**self.setup_defaults())

    def to_json(self):
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text):
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as err:
            raise SettingsError(f"run settings {text!r}: {err}") from None


def _json_object(name, text):
    try:
        value = json.loads(text)
    except ValueError as err:
        raise SettingsError(f"${name}={text!r} is not JSON: {err}") from None
    if not isinstance(value, dict):
        raise SettingsError(f"${name}={text!r} must be a JSON object ({{\"key\": value}})")
    return value


def from_environment(environ=None):
    """RunSettings from the PYCARL_* environment variables (see the module docstring)."""
    env = os.environ if environ is None else environ
    get = {k: env.get(name) or None for k, name in ENVIRONMENT.items()}
    seed = get["seed"]
    if seed is not None:
        try:
            seed = int(seed)
        except ValueError:
            raise SettingsError(f"$PYCARL_SEED={seed!r} is not an integer") from None
    return RunSettings(
        hardware=get["hardware"],
        hardware_options=(_json_object("PYCARL_HARDWARE_OPTIONS", get["hardware_options"])
                          if get["hardware_options"] else {}),
        device=get["device"], seed=seed, progress=bool(get["progress"]),
        gpu_options=(_json_object("PYCARL_GPU_OPTIONS", get["gpu_options"])
                     if get["gpu_options"] else None),
        spynnaker_version=get["spynnaker_version"])
