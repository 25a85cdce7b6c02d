"""The ways a chip changes a run, as its YAML declares them (key ``attribution``).

Each entry names one effect and the chip keys that switch it off::

    attribution:
      - name: weights
        label: weight rounding (8-bit mantissa, shared exponent)
        disable: {quantize: false}

(``disable``, not ``off``: YAML reads a bare ``off`` as false.)
A run with only effect E on applies the ``disable`` overrides of every other
entry; a run with every effect off applies them all and must reproduce the
software-only run (tests/test_attribution.py checks this for the built-in
chips). A new switch (chip arithmetic, time base, ...) is one more entry.
"""
from dataclasses import dataclass, field

from .spec import VALID_KEYS, load_spec
from .errors import ChipSpecError


@dataclass(frozen=True)
class Effect:
    name: str
    label: str
    disable: dict = field(default_factory=dict)


def effects(spec):
    """The chip's declared effects (list of Effect), validated."""
    spec = load_spec(spec)
    entries = spec.get("attribution") or []
    where = f"{spec.source}: 'attribution'"
    if not isinstance(entries, list):
        raise ChipSpecError(f"{where} must be a list of {{name, label, disable}}, got {entries!r}")
    out, seen = [], set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) - {"name", "label", "disable"} \
                or not entry.get("name") or not isinstance(entry.get("disable"), dict) \
                or not entry["disable"]:
            raise ChipSpecError(f"{where}[{i}] must be a mapping with 'name', optional 'label' "
                                f"and a non-empty 'disable' mapping of chip keys, got {entry!r}")
        name = str(entry["name"])
        if name in seen:
            raise ChipSpecError(f"{where}[{i}]: effect '{name}' declared twice")
        seen.add(name)
        for key in entry["disable"]:
            if key not in VALID_KEYS or key == "attribution":
                raise ChipSpecError(f"{where}[{i}] ('{name}'): unknown chip key '{key}' in "
                                    f"'disable'; valid keys: {', '.join(VALID_KEYS)}")
        out.append(Effect(name, str(entry.get("label") or name), dict(entry["disable"])))
    return out


def _union(spec_effects, where):
    merged = {}
    for e in spec_effects:
        for key, value in e.disable.items():
            if key in merged and merged[key] != value:
                raise ChipSpecError(f"{where}: effects set '{key}' to both {merged[key]!r} and "
                                    f"{value!r} to switch themselves off")
            merged[key] = value
    return merged


def only(spec, name, base=None):
    """Chip overrides that leave only effect `name` on (on top of `base` overrides)."""
    spec = load_spec(spec)
    declared = effects(spec)
    if name not in [e.name for e in declared]:
        raise ChipSpecError(f"{spec.source}: no effect '{name}'; declared: "
                            f"{', '.join(e.name for e in declared) or 'none'}")
    overrides = dict(base or {})
    overrides.update(_union([e for e in declared if e.name != name], spec.source))
    return overrides


def all_off(spec, base=None):
    """Chip overrides that switch every declared effect off."""
    spec = load_spec(spec)
    overrides = dict(base or {})
    overrides.update(_union(effects(spec), spec.source))
    return overrides


def isolating_runs(spec, base=None):
    """[(Effect, overrides leaving only it on)] for every declared effect."""
    spec = load_spec(spec)
    return [(e, only(spec, e.name, base)) for e in effects(spec)]
