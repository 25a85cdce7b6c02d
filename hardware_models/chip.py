"""The HardwareModel interface and chip descriptions (ChipSpec).

A chip is a YAML file (see chips/*.yaml); `load_hardware` takes a built-in
name, a path or a HardwareModel, plus dotted overrides. The backend calls

    hw = load_hardware("loihi")
    hw.attach(graph)                    # map, check limits, quantize
    extra = hw.step(i, spike_ids)       # (len(spike_ids), n_cores_used) int32
    hw.summary()

Time models (``time_model``)
----------------------------
- ``tick`` (TrueNorth): each simulation step is one chip tick. A spike of
  tick t reaches its targets at t+1 (identified with the programmed delay,
  which PyNN makes >= one step) when its packet is delivered within
  ``timing.tick_budget_ns``; otherwise it is ``ceil(overrun / tick_ns)``
  ticks late. Late ticks become ``ceil(late_ticks * tick_ms / dt_ms)`` extra
  steps (exact when dt equals the tick; with a finer dt each step's traffic
  is still routed as one tick's, a documented approximation).
- ``barrier`` (Loihi): the tick stretches until all traffic is delivered, so
  no spike is late: step() returns zeros and the interconnect of many steps
  is evaluated in one vectorised batch (exact: ticks are independent). With
  a real-time tick period (``timing.tick_ns`` set) it behaves as ``tick``.
- ``async`` (DYNAP-SE): a delivery's latency (ns, from the spike) becomes
  ``ceil(latency / dt)`` extra steps (``timing.async_rounding: nearest``
  rounds to the nearest step instead).
Each tick's (step's) traffic is routed on an initially empty network.

Off-chip spike sources enter at the host port (``topology.host_router`` on a
mesh, ``topology.host_chip``'s R3 on DYNAP-SE), all at the start of the tick,
in index order.
"""
import copy
import math
import os

import numpy as np
import yaml

from .backpressure import drain_bound
from .energy import EnergyModel
from .errors import ChipSpecError, HardwareConstraintError, UnknownParameterError
from .graph import NetworkGraph
from .interconnect import (HOST, Hierarchical, Mesh, buffer_overflow_groups, schedule_events,
                           schedule_vectorised)
from .mapping import Limits, map_network
from .quantize import quantize_weights

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
    "cores": _MISSING,
    "neurons_per_core": _MISSING,
    "fan_out_policy": "refuse",
    "limits": {
        "fan_in_axons_per_core": None, "fan_out_axons_per_core": None,
        "synaptic_memory_bits_per_core": None, "synapse_bits": 1,
        "fan_in_per_neuron": None, "fan_out_cores_per_neuron": None,
        "fan_out_chips_per_neuron": None,
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
        "tick_ns": None, "tick_budget_ns": None, "neuron_update_ns": 0.0, "spike_out_ns": 0.0,
        "message_out_ns": 0.0, "message_in_ns": 0.0, "synop_ns": 0.0, "barrier_ns": 0.0,
        "barrier_table_ns": {}, "max_late_ticks": 64, "async_rounding": "ceil",
        "receive_backpressure": False,
    },
    "energy": {
        "neuron_update_pj": 0.0, "spike_out_pj": 0.0, "message_out_pj": 0.0,
        "message_in_pj": 0.0, "synop_pj": 0.0, "hop_local_pj": 0.0, "hop_x_pj": 0.0,
        "hop_y_pj": 0.0, "hop_chip_pj": 0.0,
    },
    "quantization": {
        "scheme": "none", "mantissa_bits": 8, "exponent_min": -64, "exponent_max": 64,
        "axon_types": 4, "weight_bits": 9, "mismatch_cv": 0.0, "seed": 0,
        "synapse_types": 4,
    },
}
_LEAF_DICTS = {"timing.barrier_table_ns"}
_CHOICES = {"time_model": ("tick", "barrier", "async"), "cells": ("chip", "software"), "mapping": ("sequential", "min-comm"),
            "fan_out_policy": ("split", "refuse"), "topology.kind": ("mesh", "hierarchical"),
            "timing.async_rounding": ("ceil", "nearest"),
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
            raise ChipSpecError(f"{source}: a chip YAML must be a mapping, got {type(raw).__name__}")
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
                    f"{self.name}: unknown chip key '{dotted}'; valid keys: {', '.join(VALID_KEYS)}")
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
        if not isinstance(self.get("quantize"), bool):
            raise ChipSpecError(f"{self.source}: 'quantize' must be true or false, "
                                f"got {self.get('quantize')!r}")
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
    with open(path) as f:
        try:
            raw = yaml.safe_load(f)
        except yaml.YAMLError as exc:
            raise ChipSpecError(f"{path}: invalid YAML: {exc}") from None
    return ChipSpec(raw, path)


def load_hardware(spec, **overrides):
    """A HardwareModel from a built-in name, a YAML path, a ChipSpec or a model.

    ``overrides`` are dotted chip keys (pass them as ``**{"interconnect.x": 2}``
    or as a dict in the single keyword ``overrides=``)."""
    if "overrides" in overrides and isinstance(overrides["overrides"], dict):
        extra = overrides.pop("overrides")
        overrides.update(extra)
    if isinstance(spec, HardwareModel):
        if overrides:
            return HardwareModel(spec.spec.with_overrides(overrides))
        return spec
    return HardwareModel(load_spec(spec).with_overrides(overrides))


def _ceil_div_steps(x):
    """ceil for non-negative floats, robust to rounding noise."""
    return np.ceil(np.asarray(x, dtype=np.float64) - 1e-9).astype(np.int64)


class HardwareModel:
    """Cycle-level model of one chip; see the module docstring."""

    #: flush the deferred (barrier) batch once this many spikes are pending
    BATCH_SPIKES = 40000

    def __init__(self, spec):
        self.spec = spec if isinstance(spec, ChipSpec) else load_spec(spec)
        self.name = self.spec.name
        self.graph = None
        self.mapping = None
        self.core_of_neuron = None
        self.n_cores_used = 0
        self.max_extra_delay_steps = 0

    def __repr__(self):
        return f"HardwareModel({self.name!r})"

    # ----------------------------------------------- arithmetic (arithmetic.py)
    def neuron_arithmetic(self, population, xp, rng):
        """The chip's ChipNeurons for a population, None for software cells."""
        from .arithmetic import neuron_arithmetic
        return neuron_arithmetic(self, population, xp, rng)

    def time_step_ms(self, dt_ms):
        from .arithmetic import time_step_ms
        return time_step_ms(self.spec, dt_ms)

    # ------------------------------------------------------------------ attach
    def attach(self, graph):
        if not isinstance(graph, NetworkGraph):
            raise TypeError(f"attach() needs a hardware_models.graph.NetworkGraph, "
                            f"got {type(graph).__name__}")
        if not graph.dt_ms or graph.dt_ms <= 0:
            raise HardwareConstraintError(f"NetworkGraph.dt_ms must be > 0, got {graph.dt_ms}")
        s = self.spec
        expect = 0
        for p in sorted(graph.populations, key=lambda p: p.first_index):
            if p.first_index != expect:
                raise HardwareConstraintError(
                    f"population '{p.label}' starts at global index {p.first_index}; expected "
                    f"{expect} (populations must tile 0..n_neurons-1)")
            expect += p.size
        self.graph = graph
        self.dt_ms = float(graph.dt_ms)
        self.time_model = s.get("time_model")
        topo = s.get("topology")
        cores_per_chip = topo["cores_per_chip"] if topo["kind"] == "hierarchical" else None
        lim = Limits(chip=self.name, cores=int(s.get("cores")),
                     neurons_per_core=int(s.get("neurons_per_core")),
                     fan_out_policy=s.get("fan_out_policy"), cores_per_chip=cores_per_chip,
                     **{k: s.get("limits." + k) for k in SCHEMA["limits"]})
        self.mapping = map_network(graph, lim, s.get("mapping"))
        m = self.mapping
        self.core_of_neuron = m.core_of_neuron
        self.n_cores_used = int(m.n_cores_used)
        ic = s.get("interconnect")
        en = s.get("energy")
        if topo["kind"] == "mesh":
            self.net = Mesh(max(self.n_cores_used, 1), topo["width"], topo["height"],
                            topo["cores_per_router"], topo["host_router"],
                            ic["router_latency_cycles"], ic["wire_cycles_x"], ic["wire_cycles_y"],
                            ic["flits_per_packet"], ic["buffer_flits"], ic["cycle_ns"],
                            en["hop_local_pj"], en["hop_x_pj"], en["hop_y_pj"])
        else:
            self.net = Hierarchical(max(self.n_cores_used, 1), topo["chips_x"], topo["chips_y"],
                                    topo["cores_per_chip"], topo["host_chip"],
                                    ic["r1_latency_cycles"], ic["router_latency_cycles"],
                                    ic["r3_latency_cycles"], ic["flits_per_packet"],
                                    ic["buffer_flits"], ic["cycle_ns"],
                                    en["hop_x_pj"], en["hop_chip_pj"], en["hop_local_pj"])
        self.energy_model = EnergyModel(s, self.net.tiles_used(self.n_cores_used))
        self._build_pairs()
        # quantization
        if s.get("quantize"):
            self._qweights = quantize_weights(s.get("quantization.scheme"), graph,
                                              m.core_of_neuron, s.get("quantization"))
        else:
            self._qweights = None
        # timing
        t = s.get("timing")
        self.tick_ns = t["tick_ns"]
        self.realtime = self.time_model == "tick" or (self.time_model == "barrier"
                                                      and self.tick_ns is not None)
        if self.realtime:
            self.tick_ns = float(self.tick_ns)
            self.budget_ns = float(t["tick_budget_ns"] if t["tick_budget_ns"] is not None
                                   else self.tick_ns)
        self.async_round = t["async_rounding"]
        self.backpressure = bool(t["receive_backpressure"])
        self.max_extra_delay_steps = self._extra_bound()
        self._reset_stats()

    def _build_pairs(self):
        """Route table of (source core, destination core) pairs, filled lazily:
        routes are computed (vectorised) the first time a pair carries traffic."""
        self._pair_keys = np.zeros(0, np.int64)      # sorted keys
        self._pair_slot = np.zeros(0, np.int64)      # key order -> storage slot
        self._pair_len = np.zeros(0, np.int64)
        self._pair_ptr = np.zeros(1, np.int64)
        self._pair_links = np.zeros(0, np.int64)
        self._pair_lats = np.zeros(0, np.int64)
        self._pair_energy = np.zeros(0, np.float64)

    def _add_pairs(self, keys):
        n = max(self.n_cores_used, 1)
        src, dst = keys // n - 1, keys % n
        if hasattr(self.net, "routes"):
            plen, links, lats, energy = self.net.routes(src, dst)
        else:
            rs = [self.net.route(a, b) for a, b in zip(src.tolist(), dst.tolist())]
            plen = np.array([len(r.links) for r in rs], np.int64)
            links = np.array([l for r in rs for l in r.links], np.int64)
            lats = np.array([l for r in rs for l in r.lats], np.int64)
            energy = np.array([r.energy_pj for r in rs], np.float64)
        base = self._pair_len.size
        self._pair_len = np.concatenate([self._pair_len, np.asarray(plen, np.int64)])
        self._pair_ptr = np.zeros(self._pair_len.size + 1, np.int64)
        np.cumsum(self._pair_len, out=self._pair_ptr[1:])
        self._pair_links = np.concatenate([self._pair_links, np.asarray(links, np.int64)])
        self._pair_lats = np.concatenate([self._pair_lats, np.asarray(lats, np.int64)])
        self._pair_energy = np.concatenate([self._pair_energy, np.asarray(energy, np.float64)])
        allkeys = np.concatenate([self._pair_keys, keys])
        slots = np.concatenate([self._pair_slot, base + np.arange(keys.size)])
        o = np.argsort(allkeys, kind="stable")
        self._pair_keys, self._pair_slot = allkeys[o], slots[o]

    def _pair_index(self, src, dst):
        n = max(self.n_cores_used, 1)
        k = (src + 1) * n + dst
        uk = np.unique(k)
        if self._pair_keys.size:
            pos = np.minimum(np.searchsorted(self._pair_keys, uk), self._pair_keys.size - 1)
            missing = uk[self._pair_keys[pos] != uk]
        else:
            missing = uk
        if missing.size:
            self._add_pairs(missing)
        return self._pair_slot[np.searchsorted(self._pair_keys, k)]

    def _extra_bound(self):
        """Upper bound of any extra delay step() can return (all neurons firing at once)."""
        if self.time_model == "barrier" and not self.realtime:
            return 0
        m = self.mapping
        em = self.energy_model
        F = self.net.flits
        n_packets = m.out_core.size + m.split_dst_core.size
        max_len, max_idle = self.net.max_route()
        pk_core = np.bincount(np.repeat(np.maximum(m.core_of_neuron, 0), np.diff(m.out_ptr)),
                              minlength=max(self.n_cores_used, 1))
        t0_max = float(np.max(em.core_times(m.neurons_per_core, m.neurons_per_core,
                                            pk_core[:len(m.neurons_per_core)], 0, 0))) \
            if len(m.neurons_per_core) else 0.0
        worst_ns = (n_packets * F * max_len + max_idle + 1) * self.net.cycle_ns + t0_max
        if self.time_model == "async":
            return int(_ceil_div_steps(worst_ns * 1e-6 / self.dt_ms))
        late = max(0, math.ceil((worst_ns - self.budget_ns) / self.tick_ns))
        legs = 2 if m.splitter_neurons else 1
        ticks = late * legs + (1 if m.splitter_neurons else 0)
        cap = int(self.spec.get("timing.max_late_ticks"))
        ticks = min(ticks, cap + (1 if m.splitter_neurons else 0))
        return int(_ceil_div_steps(ticks * (self.tick_ns * 1e-6) / self.dt_ms))

    def _reset_stats(self):
        n = max(self.n_cores_used, 1)
        self._n_ticks = 0
        self._pending = []
        self._pending_spikes = 0
        self._sent = np.zeros(n + 1, np.int64)      # last entry: host
        self._received = np.zeros(n, np.int64)
        self._counts = dict(spikes=0, packets=0, synops=0, network_pj=0.0)
        self._busy = []                             # busy ns of ticks with traffic
        self._busy_steps = 0
        self._rec = []
        self._fallback_groups = 0
        self._nn_core = np.zeros(n)
        self._nn_core[:len(self.mapping.neurons_per_core)] = self.mapping.neurons_per_core
        idle = self.energy_model.core_times(self._nn_core, 0, 0, 0, 0)
        self._idle_busy = (float(idle.max()) if idle.size else 0.0) + self.energy_model.barrier

    # -------------------------------------------------------------- per step
    def quantized_weight(self, projection_label):
        if self.graph is None:
            raise RuntimeError("attach() a NetworkGraph before asking for quantized weights")
        labels = [p.label for p in self.graph.projections]
        if projection_label not in labels:
            raise KeyError(f"no projection '{projection_label}' in the attached network; "
                           f"known: {', '.join(labels)}")
        if self._qweights is None:
            return None
        return self._qweights[projection_label]

    def step(self, step_index, spike_ids):
        if self.graph is None:
            raise RuntimeError(f"{self.name}: attach() a NetworkGraph before step()")
        ids = np.asarray(spike_ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.graph.n_neurons):
            bad = ids[(ids < 0) | (ids >= self.graph.n_neurons)][0]
            raise IndexError(f"{self.name}.step({step_index}): spike id {int(bad)} outside the "
                             f"attached network's {self.graph.n_neurons} neurons")
        self._n_ticks += 1
        out = np.zeros((ids.size, self.n_cores_used), dtype=np.int32)
        if ids.size == 0:
            return out
        if not self.realtime and self.time_model == "barrier":
            self._pending.append((int(step_index), ids.copy()))
            self._pending_spikes += ids.size
            if self._pending_spikes >= self.BATCH_SPIKES:
                self._flush()
            return out
        self._process(np.full(ids.size, int(step_index), np.int64), ids, out)
        return out

    def _flush(self):
        if not self._pending:
            return
        steps = np.concatenate([np.full(a.size, s, np.int64) for s, a in self._pending])
        ids = np.concatenate([a for _, a in self._pending])
        self._pending = []
        self._pending_spikes = 0
        self._process(steps, ids, None)

    def _emit_times(self, group, core, local, npk):
        """Pipeline time (ns) at which each spiking neuron is processed, and the
        per-spike offset of its first message. Cores process neurons in local
        index order; each spike adds spike_out_ns, each message message_out_ns."""
        em = self.energy_model
        S = group.size
        t = np.zeros(S)
        on = core >= 0
        if not on.any():
            return t
        idx = np.flatnonzero(on)
        o = idx[np.lexsort((local[idx], core[idx], group[idx]))]
        g, c = group[o], core[o]
        newseg = np.ones(o.size, bool)
        newseg[1:] = (g[1:] != g[:-1]) | (c[1:] != c[:-1])
        seg_start = np.maximum.accumulate(np.where(newseg, np.arange(o.size), 0))
        rank = np.arange(o.size) - seg_start
        pk = npk[o].astype(np.float64)
        cpk = np.cumsum(pk) - pk
        before = cpk - cpk[seg_start]
        t[o] = (local[o] + 1) * em.t_upd + (rank + 1) * em.t_spike + before * em.t_out
        return t

    def _process(self, steps, ids, out):
        """Route the packets of spikes (steps, ids) and accumulate statistics;
        fill out[row, core] with extra delay steps when out is given."""
        m = self.mapping
        em = self.energy_model
        net = self.net
        n = max(self.n_cores_used, 1)
        S = ids.size
        core = m.core_of_neuron[ids].astype(np.int64)
        local = m.local_index[ids].astype(np.int64)
        npk = m.out_ptr[ids + 1] - m.out_ptr[ids]
        nsp = m.split_ptr[ids + 1] - m.split_ptr[ids]
        t_spike = self._emit_times(steps * 2, core, local, npk)
        # leg-1 packets
        rows = np.repeat(np.arange(S), npk)
        first = np.repeat(m.out_ptr[ids] , npk)
        within = np.arange(rows.size) - np.repeat(np.cumsum(npk) - npk, npk)
        e = first + within
        P_src = core[rows]
        P_dst = m.out_core[e]
        P_syn = m.out_syn[e]
        P_group = steps[rows] * 2
        P_t0 = np.where(P_src >= 0, t_spike[rows] + (within + 1) * em.t_out, 0.0)
        P_row = rows
        P_leg = np.zeros(rows.size, np.int8)
        # leg-2 packets: splitter neurons one tick later, routed as their own group
        if nsp.any():
            srows = np.repeat(np.arange(S), nsp)
            sfirst = np.repeat(m.split_ptr[ids], nsp)
            swithin = np.arange(srows.size) - np.repeat(np.cumsum(nsp) - nsp, nsp)
            se = sfirst + swithin
            s_core = m.split_src_core[se]
            s_local = m.split_local[se]
            s_group = steps[srows] * 2 + 1
            s_t = self._emit_times(s_group, s_core, s_local, np.ones(se.size, np.int64))
            P_src = np.concatenate([P_src, s_core])
            P_dst = np.concatenate([P_dst, m.split_dst_core[se]])
            P_syn = np.concatenate([P_syn, m.split_syn[se]])
            P_group = np.concatenate([P_group, s_group])
            P_t0 = np.concatenate([P_t0, s_t + em.t_out])
            P_row = np.concatenate([P_row, srows])
            P_leg = np.concatenate([P_leg, np.ones(se.size, np.int8)])
        if P_src.size == 0:
            self._account(steps, ids, core, P_src, P_dst, P_syn, P_group, np.zeros(0), np.zeros(0),
                          np.zeros(0, np.int64))
            return
        cyc = net.cycle_ns
        t0c = np.ceil(P_t0 / cyc - 1e-9).astype(np.int64)
        order = np.lexsort((P_dst, P_src, t0c, P_group))
        P_src, P_dst, P_syn, P_group, t0c, P_row, P_leg, P_t0 = (
            a[order] for a in (P_src, P_dst, P_syn, P_group, t0c, P_row, P_leg, P_t0))
        pair = self._pair_index(P_src, P_dst)
        plen = self._pair_len[pair]
        pstart = np.repeat(self._pair_ptr[pair], plen)
        ewithin = np.arange(pstart.size) - np.repeat(np.cumsum(plen) - plen, plen)
        links = self._pair_links[pstart + ewithin]
        lats = self._pair_lats[pstart + ewithin]
        start, deliver, conv = schedule_vectorised(t0c, P_group, plen, links, lats, net.flits,
                                                   net.n_links, net.terminal)
        redo = buffer_overflow_groups(start, P_group, plen, links, net.n_links, net.terminal,
                                      net.buffer_packets)
        if not conv:
            redo = np.unique(P_group)
        if redo.size:
            deliver = deliver.copy()
            pptr = np.zeros(plen.size + 1, np.int64)
            np.cumsum(plen, out=pptr[1:])
            for g in redo.tolist():
                sel = np.flatnonzero(P_group == g)
                paths = [links[pptr[i]:pptr[i + 1]].tolist() for i in sel]
                lt = [lats[pptr[i]:pptr[i + 1]].tolist() for i in sel]
                _, d = schedule_events(t0c[sel].tolist(), paths, lt, net.flits,
                                       net.buffer_packets, net.terminal)
                deliver[sel] = d
            self._fallback_groups += int(redo.size)
        arrive_ns = deliver * cyc
        gen_ns = np.where(P_leg == 0, np.where(P_src >= 0, t_spike[P_row], 0.0), 0.0)
        # extra delay per packet
        if self.time_model == "async":
            lat_ns = arrive_ns
            x = lat_ns * 1e-6 / self.dt_ms
            extra = (_ceil_div_steps(x) if self.async_round == "ceil"
                     else np.floor(x + 0.5).astype(np.int64))
            ticks = np.zeros(extra.size, np.int64)
        elif self.realtime:
            late = np.where(arrive_ns > self.budget_ns,
                            np.ceil((arrive_ns - self.budget_ns) / self.tick_ns - 1e-12), 0
                            ).astype(np.int64)
            ticks = late.copy()
            lat_ns = arrive_ns - gen_ns
            if (P_leg == 1).any():
                # leg 1 lateness of the spike delays its splitters
                l1 = np.zeros(S, np.int64)
                np.maximum.at(l1, P_row[P_leg == 0], np.where(
                    self._is_split_row(ids)[P_row[P_leg == 0]], late[P_leg == 0], 0))
                g1 = np.zeros(S)
                g1[P_row[P_leg == 0]] = gen_ns[P_leg == 0]
                s2 = P_leg == 1
                ticks[s2] = 1 + l1[P_row[s2]] + late[s2]
                lat_ns = lat_ns.copy()
                lat_ns[s2] = (1 + l1[P_row[s2]]) * self.tick_ns + arrive_ns[s2] - g1[P_row[s2]]
                gen_ns = gen_ns.copy()
                gen_ns[s2] = g1[P_row[s2]]
            cap = int(self.spec.get("timing.max_late_ticks")) + (1 if (P_leg == 1).any() else 0)
            if ticks.max() > cap:
                i = int(np.argmax(ticks))
                raise HardwareConstraintError(
                    f"{self.name}: tick {int(P_group[i] // 2)} traffic overruns the tick budget "
                    f"({self.budget_ns:g} ns) by {int(ticks[i])} ticks; timing.max_late_ticks "
                    f"allows {cap}")
            extra = _ceil_div_steps(ticks * (self.tick_ns * 1e-6) / self.dt_ms)
        else:
            lat_ns = arrive_ns - gen_ns
            extra = np.zeros(arrive_ns.size, np.int64)
            ticks = extra
        if extra.size and extra.max() > self.max_extra_delay_steps:
            i = int(np.argmax(extra))
            raise HardwareConstraintError(
                f"{self.name}: a delivery at step {int(P_group[i] // 2)} needs {int(extra[i])} extra "
                f"steps, above max_extra_delay_steps = {self.max_extra_delay_steps}")
        deliv = P_leg == 1
        final = ~self._is_split_row(ids)[P_row] | deliv   # packets that reach real targets
        if out is not None:
            fr = np.flatnonzero(final)
            np.maximum.at(out, (P_row[fr], P_dst[fr]), extra[fr].astype(np.int32))
        self._account(steps, ids, core, P_src, P_dst, P_syn, P_group, arrive_ns, pair, final,
                      extra=extra, lat_ns=lat_ns, gen_ns=gen_ns, P_row=P_row, P_leg=P_leg,
                      paths=(P_t0, plen, links))

    def _is_split_row(self, ids):
        m = self.mapping
        return (m.split_ptr[ids + 1] - m.split_ptr[ids]) > 0

    def _account(self, steps, ids, core, P_src, P_dst, P_syn, P_group, arrive_ns, pair,
                 final=None, extra=None, lat_ns=None, gen_ns=None, P_row=None, P_leg=None,
                 paths=None):
        em = self.energy_model
        n = max(self.n_cores_used, 1)
        m = self.mapping
        on = core >= 0
        n_split_spikes = int(P_leg.sum()) if P_leg is not None else 0
        self._counts["spikes"] += int(on.sum()) + n_split_spikes
        self._counts["packets"] += int(P_src.size)
        self._counts["synops"] += int(P_syn.sum())
        if P_src.size:
            self._counts["network_pj"] += float(self._pair_energy[pair].sum())
            self._sent += np.bincount(np.where(P_src >= 0, P_src, n), minlength=n + 1)
            self._received += np.bincount(P_dst, minlength=n)
        # busy time per step with traffic
        ustep, sinv = np.unique(steps, return_inverse=True)
        U = ustep.size
        def acc(r, c, w=None):
            return np.bincount(r * n + c, weights=w, minlength=U * n).reshape(U, n)
        spk = acc(sinv[on], core[on])
        pk_out = np.zeros((U, n))
        pk_in = np.zeros((U, n))
        syn_in = np.zeros((U, n))
        net_done = np.zeros(U)
        if P_src.size:
            pstep = np.searchsorted(ustep, P_group // 2)
            sp = P_src >= 0
            pk_out = acc(pstep[sp], P_src[sp])
            if P_leg is not None and P_leg.any():
                l2 = P_leg == 1
                spk = spk + acc(pstep[l2], P_src[l2])
            pk_in = acc(pstep, P_dst)
            syn_in = acc(pstep, P_dst, P_syn.astype(np.float64))
            done = arrive_ns + em.t_in + P_syn * em.t_syn
            if P_leg is not None and P_leg.any():
                done = np.where(P_leg == 1, 0.0, done)   # leg 2 belongs to the next tick
            np.maximum.at(net_done, pstep, done)
            if self.backpressure and paths is not None:
                net_done = np.maximum(net_done, self._drain_bound(pstep, U, P_syn, P_leg, *paths))
        ct = em.core_times(self._nn_core[None, :], spk, pk_out, pk_in, syn_in)
        busy = np.maximum(ct.max(axis=1), net_done) + em.barrier
        self._busy.append(busy)
        self._busy_steps += U
        if extra is not None and P_src.size:
            fr = np.flatnonzero(final)
            rows = P_row[fr]
            self._rec.append(np.stack([
                (P_group[fr] // 2).astype(np.float64), ids[rows].astype(np.float64),
                P_dst[fr].astype(np.float64), gen_ns[fr], lat_ns[fr],
                extra[fr].astype(np.float64)]))

    def _drain_bound(self, pstep, U, P_syn, P_leg, t0_ns, plen, links):
        """Per-step busy-time bound from receive-side back-pressure (backpressure.py);
        leg-2 (splitter) packets belong to the next tick and are left out."""
        em = self.energy_model
        P = plen.size
        entry_pkt = np.repeat(np.arange(P), plen)
        recv = em.t_in + P_syn * em.t_syn
        if P_leg is not None and P_leg.any():
            keep = P_leg == 0
            entry_keep = keep[entry_pkt]
            remap = np.cumsum(keep) - 1
            entry_pkt, links = remap[entry_pkt[entry_keep]], links[entry_keep]
            pstep, t0_ns, plen, recv = pstep[keep], t0_ns[keep], plen[keep], recv[keep]
        return drain_bound(pstep, U, t0_ns, recv.astype(np.float64), plen, entry_pkt, links,
                           self.net.terminal, self.net.n_links)

    # ------------------------------------------------------------- results
    def summary(self):
        if self.graph is None:
            raise RuntimeError(f"{self.name}: attach() a NetworkGraph before summary()")
        self._flush()
        m = self.mapping
        em = self.energy_model
        c = self._counts
        T = self._n_ticks
        n_neurons = float(self._nn_core.sum())
        busy = np.concatenate(self._busy) if self._busy else np.zeros(0)
        idle_ticks = max(T - busy.size, 0)
        busy_total = float(busy.sum()) + idle_ticks * self._idle_busy
        busy_mean = busy_total / T if T else 0.0
        busy_max = float(max(busy.max() if busy.size else 0.0, self._idle_busy if idle_ticks else 0))
        if self.time_model == "tick":
            hw_mean = hw_max = float(self.tick_ns)
        elif self.time_model == "async":
            hw_mean = hw_max = self.dt_ms * 1e6
        elif self.realtime:
            per = np.maximum(busy, self.tick_ns)
            hw_total = float(per.sum()) + idle_ticks * max(self._idle_busy, self.tick_ns)
            hw_mean = hw_total / T if T else 0.0
            hw_max = float(max(per.max() if per.size else 0.0,
                               max(self._idle_busy, self.tick_ns) if idle_ticks else 0))
        else:
            hw_mean, hw_max = busy_mean, busy_max
        breakdown = {
            "neuron_update": T * n_neurons * em.e_upd,
            "spike_out": c["spikes"] * em.e_spike,
            "message": c["packets"] * em.e_msg,
            "network": c["network_pj"],
            "synaptic": c["synops"] * em.e_syn,
        }
        total = float(sum(breakdown.values()))
        rec = np.concatenate(self._rec, axis=1) if self._rec else np.zeros((6, 0))
        o = np.lexsort((rec[3], rec[0]))
        rec = rec[:, o]
        n = self.n_cores_used
        return {
            "hardware": self.name,
            "time_model": self.time_model,
            "dt_ms": self.dt_ms,
            "ticks": int(T),
            "n_cores_used": int(n),
            "max_extra_delay_steps": int(self.max_extra_delay_steps),
            "energy_pj": {"total": total, "per_tick": total / T if T else 0.0,
                          "breakdown": {k: float(v) for k, v in breakdown.items()}},
            "hardware_time_per_tick_ns": {"mean": float(hw_mean), "max": float(hw_max)},
            "busy_time_per_tick_ns": {"mean": float(busy_mean), "max": float(busy_max)},
            "counts": {"spikes": int(c["spikes"]), "packets": int(c["packets"]),
                       "synaptic_events": int(c["synops"]),
                       "event_scheduler_fallbacks": int(self._fallback_groups)},
            "traffic": {"packets_sent": [int(x) for x in self._sent[:n]],
                        "packets_received": [int(x) for x in self._received[:n]],
                        "host_packets_sent": int(self._sent[-1]),
                        "core_xy": [list(map(int, self.net.router_xy(k))) for k in range(n)]},
            "mapping": {"strategy": m.strategy,
                        "neurons_per_core": [int(x) for x in m.neurons_per_core],
                        "neuron_cores": int(m.n_neuron_cores),
                        "splitter_neurons": int(m.splitter_neurons),
                        "splitter_cores": int(m.splitter_cores),
                        "notes": list(m.notes),
                        "quantized": self._qweights is not None},
            "deliveries": {"step": rec[0].astype(np.int64).tolist(),
                           "source": rec[1].astype(np.int64).tolist(),
                           "core": rec[2].astype(np.int64).tolist(),
                           "gen_ns": rec[3].tolist(),
                           "latency_ns": rec[4].tolist(),
                           "extra_steps": rec[5].astype(np.int64).tolist()},
        }

    def replay(self, graph, spike_times_ms, t_stop_ms=None):
        """Trace-driven mode: route recorded spikes (no feedback) and return summary().

        spike_times_ms: {global neuron index: array of spike times in ms}.
        t_stop_ms (optional) sets the number of ticks; default: last spike + 1 step."""
        if graph is not self.graph:
            self.attach(graph)
        else:
            self._reset_stats()
        dt = self.dt_ms
        steps, ids = [], []
        for nid, times in spike_times_ms.items():
            t = np.asarray(times, dtype=np.float64).ravel()
            if not (0 <= int(nid) < graph.n_neurons):
                raise IndexError(f"replay: neuron {nid} outside the network's "
                                 f"{graph.n_neurons} neurons")
            steps.append(np.floor(t / dt + 1e-9).astype(np.int64))
            ids.append(np.full(t.size, int(nid), np.int64))
        steps = np.concatenate(steps) if steps else np.zeros(0, np.int64)
        ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        o = np.lexsort((ids, steps))
        steps, ids = steps[o], ids[o]
        n_steps = int(math.ceil(t_stop_ms / dt - 1e-9)) if t_stop_ms is not None else (
            int(steps.max()) + 1 if steps.size else 0)
        self._n_ticks = max(n_steps, int(steps.max()) + 1 if steps.size else 0)
        if steps.size:
            # ticks are independent: route them all at once, in chunks
            a = 0
            while a < steps.size:
                b = min(a + self.BATCH_SPIKES, steps.size)
                while b < steps.size and steps[b] == steps[b - 1]:
                    b += 1                   # never split one step across chunks
                self._process(steps[a:b], ids[a:b], None)
                a = b
        return self.summary()
