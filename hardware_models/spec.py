"""Chip descriptions: the YAML schema, its validation, and loading (ChipSpec).

A chip is a YAML file (see chips/*.yaml, documented in docs/chip_yaml.rst);
`load_spec` takes a built-in name, a path, a dict or a ChipSpec. Every key a
YAML may hold is in SCHEMA, with the default used when a YAML omits it.
"""
import copy
import os

import numpy as np
import yaml

from .errors import ChipSpecError, UnknownParameterError

CHIP_DIR = os.path.join(os.path.dirname(__file__), "chips")
BUILTIN = {"truenorth": "truenorth.yaml", "loihi": "loihi.yaml", "dynapse": "dynapse.yaml"}
_ALIASES = {"dynap-se": "dynapse", "dynap_se": "dynapse", "true-north": "truenorth"}

# Every key a chip YAML may hold, with the default used when a user's YAML omits it.
_MISSING = object()
SCHEMA = {
    "name": _MISSING,
    "time_model": _MISSING,
    "mapping": "sequential",
    "quantize": True,
    # the chip's own arithmetic (hardware_models/arithmetic.py)
    "cells": "software", "neuron_model": None, "chip_step_ms": None,
    # 'chip': the engine runs at chip_step_ms even with software cells (the time base alone)
    "time_base": "script",
    # TrueNorth's PyNN translation (truenorth/pynn_cells.py); modelling choices
    "truenorth": {"threshold_units": 256, "floor_units": 65536, "weight_rounding": True},
    # analog chips: per-neuron variation of every bias (quantization.mismatch_cv)
    "mismatch": True,
    # vth_mant: Loihi's threshold mantissa; integrator: DYNAP-SE's membrane scheme
    "arithmetic": {"vth_mant": None, "integrator": "heun"},
    "latency": True,
    "attribution": [],
    "cores": _MISSING,
    "neurons_per_core": _MISSING,
    "fan_out_policy": "refuse",
    "limits": {
        "fan_in_axons_per_core": None, "fan_out_axons_per_core": None,
        "synaptic_memory_bits_per_core": None, "synapse_bits": 1,
        "fan_in_per_neuron": None, "fan_out_cores_per_neuron": None,
        "fan_out_chips_per_neuron": None, "tag_bits": None,
    },
    "topology": {
        "kind": _MISSING, "width": 1, "height": 1, "cores_per_router": 1,
        "host_router": [0, 0], "chips_x": 1, "chips_y": 1, "cores_per_chip": 1, "host_chip": 0,
    },
    "interconnect": {
        "cycle_ns": _MISSING, "router_latency_cycles": _MISSING, "wire_cycles_x": 0,
        "wire_cycles_y": 0, "r1_latency_cycles": 1, "r3_latency_cycles": 1,
        "flits_per_packet": 1, "buffer_flits": 1,
    },
    "timing": {
        "tick_ns": None, "tick_budget_ns": None, "neuron_update_ns": 0.0, "neuron_idle_ns": None,
        "spike_out_ns": 0.0,
        "message_out_ns": 0.0, "message_in_ns": 0.0, "synop_ns": 0.0, "barrier_ns": 0.0,
        "barrier_table_ns": {}, "max_late_ticks": 64, "async_rounding": "ceil",
        "receive_backpressure": False,
    },
    "energy": {
        "neuron_update_pj": 0.0, "neuron_idle_pj": None, "spike_out_pj": 0.0, "message_out_pj": 0.0,
        "message_in_pj": 0.0, "synop_pj": 0.0, "hop_local_pj": 0.0, "hop_x_pj": 0.0,
        "hop_y_pj": 0.0, "hop_chip_pj": 0.0,
    },
    "quantization": {
        "scheme": "none", "mantissa_bits": 8, "exponent_min": -64, "exponent_max": 64,
        "axon_types": 4, "weight_bits": 9, "mismatch_cv": 0.0, "seed": 0,
        "synapse_types": 4, "shared_weights": True,
    },
}
_LEAF_DICTS = {"timing.barrier_table_ns"}
_CHOICES = {"time_model": ("tick", "barrier", "async"), "cells": ("chip", "software"),
            "time_base": ("script", "chip"), "mapping": ("sequential", "min-comm"),
            "fan_out_policy": ("split", "refuse"), "topology.kind": ("mesh", "hierarchical"),
            "timing.async_rounding": ("ceil", "nearest", "exact"),
            "quantization.scheme": ("truenorth", "loihi", "dynapse", "none")}


def _leaves(d, prefix=""):
    out = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and key not in _LEAF_DICTS:
            out += _leaves(v, key + ".")
        else:
            out.append(key)
    return out


VALID_KEYS = sorted(_leaves(SCHEMA))


def _merge(schema, raw, where, prefix=""):
    out = {}
    for k, v in raw.items():
        key = f"{prefix}{k}"
        if k not in schema:
            raise UnknownParameterError(
                f"{where}: unknown chip key '{key}'; valid keys: {', '.join(VALID_KEYS)}")
        if isinstance(schema[k], dict) and key not in _LEAF_DICTS:
            if not isinstance(v, dict):
                raise ChipSpecError(f"{where}: '{key}' must be a mapping, got {v!r}")
            out[k] = _merge(schema[k], v, where, key + ".")
        else:
            out[k] = v
    for k, v in schema.items():
        key = f"{prefix}{k}"
        if k in out:
            continue
        if isinstance(v, dict) and key not in _LEAF_DICTS:
            out[k] = _merge(v, {}, where, key + ".")
        elif v is _MISSING:
            raise ChipSpecError(f"{where}: required chip key '{key}' is missing")
        else:
            out[k] = copy.deepcopy(v)
    return out


def _coerce(key, value, current):
    """Overrides may come from a command line as strings."""
    if isinstance(value, str):
        low = value.strip().lower()
        if isinstance(current, bool) or low in ("true", "false"):
            if low in ("true", "yes", "1", "on"):
                return True
            if low in ("false", "no", "0", "off"):
                return False
        if low in ("null", "none"):
            return None
        if isinstance(current, int) and not isinstance(current, bool):
            try:
                return int(value)
            except ValueError:
                return float(value)
        if isinstance(current, float) or current is None:
            try:
                return int(value) if value.strip().lstrip("-").isdigit() else float(value)
            except ValueError:
                return value
    return value


class ChipSpec:
    """A validated chip description: ``.name``, ``.raw`` (nested dict), ``.get(dotted)``."""

    def __init__(self, raw, source="<dict>"):
        if not isinstance(raw, dict):
            raise ChipSpecError(f"{source}: a chip YAML must be a mapping, "
                                f"got {type(raw).__name__}")
        self.source = source
        self.raw = _merge(SCHEMA, raw, source)
        self._validate()

    @property
    def name(self):
        return str(self.raw["name"])

    def get(self, dotted, default=_MISSING):
        node = self.raw
        for part in dotted.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif default is not _MISSING:
                return default
            else:
                raise UnknownParameterError(
                    f"{self.name}: unknown chip key '{dotted}'; "
                    f"valid keys: {', '.join(VALID_KEYS)}")
        return node

    def keys(self):
        return list(VALID_KEYS)

    def with_overrides(self, overrides):
        raw = copy.deepcopy(self.raw)
        for key, value in (overrides or {}).items():
            if key not in VALID_KEYS:
                raise UnknownParameterError(
                    f"unknown hardware parameter '{key}' for {self.name}; valid keys: "
                    f"{', '.join(VALID_KEYS)}")
            parts = key.split(".")
            node = raw
            for p in parts[:-1]:
                node = node[p]
            node[parts[-1]] = _coerce(key, value, node[parts[-1]])
        return ChipSpec(raw, self.source + " (with overrides)")

    def _validate(self):
        for key, choices in _CHOICES.items():
            v = self.get(key)
            if v not in choices:
                raise ChipSpecError(f"{self.source}: '{key}' is {v!r}; valid: {', '.join(choices)}")
        if not isinstance(self.get("timing.receive_backpressure"), bool):
            raise ChipSpecError(f"{self.source}: 'timing.receive_backpressure' must be true or "
                                f"false, got {self.get('timing.receive_backpressure')!r}")
        for key in ("quantize", "latency", "quantization.shared_weights"):
            if not isinstance(self.get(key), bool):
                raise ChipSpecError(f"{self.source}: '{key}' must be true or false, "
                                    f"got {self.get(key)!r}")
        for key in ("cores", "neurons_per_core", "interconnect.flits_per_packet",
                    "interconnect.buffer_flits", "interconnect.router_latency_cycles"):
            v = self.get(key)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ChipSpecError(f"{self.source}: '{key}' must be an integer >= 1, got {v!r}")
        for key in ("interconnect.cycle_ns",):
            v = self.get(key)
            if not isinstance(v, (int, float)) or v <= 0:
                raise ChipSpecError(f"{self.source}: '{key}' must be a number > 0, got {v!r}")
        tm = self.get("time_model")
        if tm == "tick" and not self.get("timing.tick_ns"):
            raise ChipSpecError(f"{self.source}: time_model 'tick' needs timing.tick_ns")

    def __repr__(self):
        return f"ChipSpec({self.name!r} from {self.source})"


def list_chips():
    return sorted(BUILTIN)


def load_spec(spec):
    if isinstance(spec, ChipSpec):
        return spec
    if isinstance(spec, dict):
        return ChipSpec(spec)
    if not isinstance(spec, (str, os.PathLike)):
        raise TypeError(f"hardware spec must be a chip name, a YAML path or a HardwareModel, "
                        f"got {type(spec).__name__}")
    s = str(spec)
    key = _ALIASES.get(s.lower(), s.lower())
    if key in BUILTIN:
        path = os.path.join(CHIP_DIR, BUILTIN[key])
    elif os.path.exists(s):
        path = s
    else:
        raise UnknownParameterError(
            f"unknown hardware '{s}': not a built-in chip ({', '.join(list_chips())}) "
            f"and no such YAML file")
    return ChipSpec(copy.deepcopy(_parsed_yaml(path)), path)


#: path -> ((mtime_ns, size), parsed YAML): `pycarl compare` asks for each chip's spec
#: once per run it plans, and parsing a chip YAML takes ~0.1 s
_YAML_CACHE = {}


def _parsed_yaml(path):
    st = os.stat(path)
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _YAML_CACHE.get(path)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    with open(path) as f:
        try:
            raw = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise ChipSpecError(f"{path}: invalid YAML: {exc}") from None
    _YAML_CACHE[path] = (stamp, raw)
    return raw


