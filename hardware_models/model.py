"""The runtime model of one chip (HardwareModel) and `load_hardware`.

The backend calls

    hw = load_hardware("loihi")
    hw.attach(graph)                    # map, check limits, quantize
    extra = hw.step(i, spike_ids)       # (len(spike_ids), n_cores_used) int32
    hw.summary()

A step's spikes become packets (one per neuron and destination core, plus
splitter legs), are routed cycle by cycle on the interconnect, and the chip's
time model (timing.py) turns delivery times into extra delay steps.
``latency: false`` leaves the interconnect out of a co-simulation: every spike
arrives at its programmed delay, as in software, and no traffic, latency or
network energy is recorded (``summary()["latency_modelled"]`` is false). It
is the switch by which ``pycarl compare`` isolates the other effects
(``attribution`` in the chip YAML, see hardware_models.effects).

Off-chip spike sources enter at the host port (``topology.host_router`` on a
mesh, ``topology.host_chip``'s R3 on DYNAP-SE), all at the start of the tick,
in index order.
"""
import math
from dataclasses import dataclass

import numpy as np

from . import batch_compiled
from .backpressure_compiled import _drain_kernel, drain_bound_compiled
from .energy import EnergyModel
from .errors import HardwareConstraintError
from .fcfs_schedule import (_LOCAL_BITS, buffer_overflow_compiled, fcfs_kernel,
                            overflow_kernel, schedule_compiled)
from .graph import NetworkGraph
from .event_schedule import schedule_groups
from .interconnect import Hierarchical, Mesh
from .arithmetic import synapse_bits_by_projection
from .mapping import Limits, map_network
from .quantize import quantize_weights
from .routing_worker import RoutingWorker, worth_a_thread
from .spec import SCHEMA, ChipSpec, load_spec
from .timing import Deliveries, busy_time, time_model_for


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



@dataclass
class _Packets:
    """Spike packets of one batch, one entry each."""
    src: np.ndarray      # source core (-1: host port)
    dst: np.ndarray      # destination core
    syn: np.ndarray      # synapses (or splitter neurons) reached there
    group: np.ndarray    # 2 * step, + 1 for splitter legs (routed one tick later)
    t0: np.ndarray       # injection time (ns from the tick start)
    row: np.ndarray      # the batch row of the spike that sent it
    leg: np.ndarray      # int8: 0 from the neuron, 1 from its splitter neuron

    FIELDS = ("src", "dst", "syn", "group", "t0", "row", "leg")

    def extend(self, other):
        return _Packets(*(np.concatenate([getattr(self, f), getattr(other, f)])
                          for f in self.FIELDS))

    def take(self, order):
        return _Packets(*(getattr(self, f)[order] for f in self.FIELDS))


def _lexsort_ints(keys):
    """np.lexsort(keys) of integer arrays (last key primary), as one stable argsort
    of a combined int64 key where the value ranges allow it (the same permutation:
    the combined key orders as the tuples do and equal tuples keep their order)."""
    if keys[0].size == 0:
        return np.zeros(0, np.int64)
    combined, span = np.zeros(keys[0].size, np.int64), 1
    for k in keys:
        low = int(k.min())
        width = int(k.max()) - low + 1
        if span * width >= 2 ** 62:
            return np.lexsort(keys)
        combined += (k.astype(np.int64) - low) * span
        span *= width
    return np.argsort(combined, kind="stable")


class HardwareModel:
    """Cycle-level model of one chip; see the module docstring."""

    #: flush the deferred (barrier) batch once this many spikes are pending (VA CUBA 4000
    #: on Loihi routes in 0.029 s CPU with batches of 5000, 0.046 s with 40 000: a small
    #: batch's arrays stay in cache; only the order of the float energy sums changes;
    #: with the compiled CPU loop, steps + routing on one thread, best of 10: 5000 0.099 s,
    #: 2000 0.089 s, 1000 0.092 s, 500 0.109 s)
    BATCH_SPIKES = 2000
    #: route deferred batches on a worker thread (routing_worker.py) while the engine
    #: steps, where the machine has a second core
    background_routing = True
    #: route batches of many steps (deferred, replay()) without splitter legs by the
    #: compiled twin (batch_compiled.py) of _process's passes; False: the NumPy reference
    compiled_batches = True
    #: largest route table kept as a dense (source, destination) -> slot lookup for it
    DENSE_PAIR_TABLE = 1 << 22

    def __init__(self, spec):
        self.spec = spec if isinstance(spec, ChipSpec) else load_spec(spec)
        self.name = self.spec.name
        self.graph = None
        self.mapping = None
        self.core_of_neuron = None
        self.n_cores_used = 0
        self.max_extra_delay_steps = 0
        self._worker = None

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
        # the engine's step once running: the chip's own (TrueNorth's tick) when it runs at
        # its own step (arithmetic.runs_at_chip_step), so late ticks become steps of chip time
        from .arithmetic import runs_at_chip_step
        self.step_ms = (self.time_step_ms(self.dt_ms) if runs_at_chip_step(s) else self.dt_ms)
        self.clock = time_model_for(s, self.step_ms)
        self.time_model = self.clock.name
        topo = s.get("topology")
        cores_per_chip = topo["cores_per_chip"] if topo["kind"] == "hierarchical" else None
        lim = Limits(chip=self.name, cores=int(s.get("cores")),
                     neurons_per_core=int(s.get("neurons_per_core")),
                     fan_out_policy=s.get("fan_out_policy"), cores_per_chip=cores_per_chip,
                     synapse_bits_by_projection=synapse_bits_by_projection(s, graph),
                     **{k: s.get("limits." + k) for k in SCHEMA["limits"]})
        from .arithmetic import core_groups
        self.mapping = map_network(graph, lim, s.get("mapping"), groups=core_groups(s, graph))
        m = self.mapping
        self.core_of_neuron = m.core_of_neuron
        self.n_cores_used = int(m.n_cores_used)
        self.net = self._build_interconnect(topo)
        self.energy_model = EnergyModel(s, self.net.tiles_used(self.n_cores_used))
        self._build_pairs()
        if s.get("quantize"):
            options = {**s.get("quantization"), "vth_mant": s.get("arithmetic.vth_mant")}
            self._qweights = quantize_weights(s.get("quantization.scheme"), graph,
                                              m.core_of_neuron, options)
        else:
            self._qweights = None
        self.backpressure = bool(s.get("timing.receive_backpressure"))
        self.latency = bool(s.get("latency"))
        self.max_extra_delay_steps = self._extra_bound() if self.latency else 0
        self._reset_stats()

    def _build_interconnect(self, topo):
        ic = self.spec.get("interconnect")
        en = self.spec.get("energy")
        if topo["kind"] == "mesh":
            return Mesh(max(self.n_cores_used, 1), topo["width"], topo["height"],
                        topo["cores_per_router"], topo["host_router"],
                        ic["router_latency_cycles"], ic["wire_cycles_x"], ic["wire_cycles_y"],
                        ic["flits_per_packet"], ic["buffer_flits"], ic["cycle_ns"],
                        en["hop_local_pj"], en["hop_x_pj"], en["hop_y_pj"])
        return Hierarchical(max(self.n_cores_used, 1), topo["chips_x"], topo["chips_y"],
                            topo["cores_per_chip"], topo["host_chip"],
                            ic["r1_latency_cycles"], ic["router_latency_cycles"],
                            ic["r3_latency_cycles"], ic["flits_per_packet"],
                            ic["buffer_flits"], ic["cycle_ns"],
                            en["hop_x_pj"], en["hop_chip_pj"], en["hop_local_pj"])

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
        self._pair_table = None                      # dense key -> slot, when used

    def _add_pairs(self, keys):
        n = max(self.n_cores_used, 1)
        src, dst = keys // n - 1, keys % n
        if hasattr(self.net, "routes"):
            plen, links, lats, energy = self.net.routes(src, dst)
        else:
            rs = [self.net.route(a, b) for a, b in zip(src.tolist(), dst.tolist())]
            plen = np.array([len(r.links) for r in rs], np.int64)
            links = np.array([x for r in rs for x in r.links], np.int64)
            lats = np.array([x for r in rs for x in r.lats], np.int64)
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
        if self._pair_table is not None:
            self._pair_table[keys] = base + np.arange(keys.size)

    def _dense_pair_slots(self, keys):
        """_pair_index's slots for route-table keys, by the dense lookup table (None
        where the table would be too large)."""
        n = max(self.n_cores_used, 1)
        if (n + 1) * n > self.DENSE_PAIR_TABLE:
            return None
        if self._pair_table is None:
            self._pair_table = np.full((n + 1) * n, -1, np.int64)
            self._pair_table[self._pair_keys] = self._pair_slot
        slots = self._pair_table[keys]
        if slots.size and slots.min() < 0:
            self._add_pairs(np.unique(keys[slots < 0]))
            slots = self._pair_table[keys]
        return slots

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
        return self.clock.extra_bound(worst_ns, bool(m.splitter_neurons))

    def _reset_stats(self):
        self.finish_routing()
        n = max(self.n_cores_used, 1)
        self._n_ticks = 0
        self._pending = []
        self._pending_spikes = 0
        self._sent = np.zeros(n + 1, np.int64)      # last entry: host
        self._received = np.zeros(n, np.int64)
        self._counts = dict(spikes=0, packets=0, synops=0, network_pj=0.0, active_updates=0.0)
        self._busy = []                             # busy ns of ticks with traffic
        self._busy_steps = 0
        self._rec = []
        self._fallback_groups = 0
        self._nn_core = np.zeros(n)
        self._nn_core[:len(self.mapping.neurons_per_core)] = self.mapping.neurons_per_core
        idle = self.energy_model.core_times(self._nn_core, 0, 0, 0, 0, 0)
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

    def step(self, step_index, spike_ids, spike_ns=None):
        """Route the spikes of one step; returns the extra delay (steps) per
        (spike, destination core). spike_ns: None or each spike's time from its
        step's start (ns), for spikes between step boundaries: its packets enter
        the network then, and their latency is counted from it (the clocks that
        defer routing, tick-batched, ignore it)."""
        if self.graph is None:
            raise RuntimeError(f"{self.name}: attach() a NetworkGraph before step()")
        ids = np.asarray(spike_ids, dtype=np.int64).ravel()
        if ids.size and (ids.min() < 0 or ids.max() >= self.graph.n_neurons):
            bad = ids[(ids < 0) | (ids >= self.graph.n_neurons)][0]
            raise IndexError(f"{self.name}.step({step_index}): spike id {int(bad)} outside the "
                             f"attached network's {self.graph.n_neurons} neurons")
        self._n_ticks += 1
        out = np.zeros((ids.size, self.n_cores_used),
                       dtype=np.float64 if self.clock.fractional else np.int32)
        if ids.size == 0 or not self.latency:
            return out
        if self.clock.defers_routing:
            self._pending.append((np.full(ids.size, int(step_index), np.int64), ids.copy()))
            self._pending_spikes += ids.size
            if self._pending_spikes >= self.BATCH_SPIKES:
                self._flush()
            return out
        self._process(np.full(ids.size, int(step_index), np.int64), ids, out,
                      None if spike_ns is None else np.asarray(spike_ns, np.float64).ravel())
        return out

    @property
    def feeds_back_delays(self):
        """Can step() return a non-zero extra delay? Not without latency, nor when the
        clock defers routing (the barrier: the tick stretches instead). When it cannot,
        step_many may stand for many step() calls."""
        return bool(self.latency) and not self.clock.defers_routing

    def step_many(self, first_step, n_steps, steps, spike_ids):
        """step() for steps first_step .. first_step+n_steps-1 at once, with the same
        statistics: `steps`, `spike_ids` hold every spike's step and id, sorted by step,
        each step's ids in the order step() would get them. The deferred batches are
        cut where step() would cut them. Only where feeds_back_delays is false."""
        if self.graph is None:
            raise RuntimeError(f"{self.name}: attach() a NetworkGraph before step_many()")
        if self.feeds_back_delays:
            raise RuntimeError(f"{self.name}: step_many() needs a chip whose step() returns "
                               f"no extra delays (latency off or a barrier clock)")
        steps = np.asarray(steps, dtype=np.int64).ravel()
        ids = np.asarray(spike_ids, dtype=np.int64).ravel()
        if steps.size != ids.size or (steps.size and (
                steps.min() < first_step or steps.max() >= first_step + n_steps
                or np.any(np.diff(steps) < 0))):
            raise ValueError(f"{self.name}.step_many: steps must be sorted, one per spike id, "
                             f"within {first_step}..{first_step + n_steps - 1}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.graph.n_neurons):
            bad = ids[(ids < 0) | (ids >= self.graph.n_neurons)][0]
            raise IndexError(f"{self.name}.step_many({first_step}): spike id {int(bad)} "
                             f"outside the attached network's {self.graph.n_neurons} neurons")
        self._n_ticks += int(n_steps)
        if ids.size == 0 or not self.latency:
            return
        # step() flushes after the first step that brings the pending spikes to BATCH_SPIKES
        done = 0
        while done < ids.size:
            need = max(self.BATCH_SPIKES - self._pending_spikes, 1)
            if ids.size - done < need:
                self._pending.append((steps[done:], ids[done:].copy()))
                self._pending_spikes += ids.size - done
                return
            last_step = steps[done + need - 1]
            end = int(np.searchsorted(steps, last_step, side="right"))
            self._pending.append((steps[done:end], ids[done:end].copy()))
            self._pending_spikes += end - done
            self._flush()
            done = end

    def _flush(self):
        if not self._pending:
            return
        steps = np.concatenate([s for s, _ in self._pending])
        ids = np.concatenate([a for _, a in self._pending])
        self._pending = []
        self._pending_spikes = 0
        if self._worker is None and self.background_routing and worth_a_thread():
            self._worker = RoutingWorker(self.name)
        if self._worker is not None:
            self._worker.submit(self._process, steps, ids, None)
        else:
            self._process(steps, ids, None)

    def finish_routing(self):
        """Wait for the batches handed to the routing thread (the statistics are then
        complete up to the pending batch); raises a batch's error here."""
        if self._worker is not None:
            self._worker.wait()

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

    def _process(self, steps, ids, out, spike_ns=None):
        """Route the packets of spikes (steps, ids) and accumulate statistics;
        fill out[row, core] with extra delay steps when out is given."""
        m = self.mapping
        core = m.core_of_neuron[ids].astype(np.int64)
        local = m.local_index[ids].astype(np.int64)
        npk = m.out_ptr[ids + 1] - m.out_ptr[ids]
        nsp = m.split_ptr[ids + 1] - m.split_ptr[ids]
        if (self.compiled_batches and out is None and spike_ns is None and not nsp.any()
                and npk.any() and not np.any(np.diff(steps) < 0)
                and self._process_compiled(steps, ids, core, local, npk)):
            return
        pipeline = self._emit_times(steps * 2, core, local, npk)
        t_spike = pipeline if spike_ns is None else pipeline + spike_ns
        pk = self._neuron_packets(steps, ids, core, npk, t_spike)
        if nsp.any():
            pk = pk.extend(self._splitter_packets(steps, ids, nsp))
        if pk.src.size == 0:
            self._account(steps, ids, core, pk.src, pk.dst, pk.syn, pk.group, np.zeros(0),
                          np.zeros(0), np.zeros(0, np.int64))
            return
        pk, t0_cycles = self._in_injection_order(pk)
        pair, plen, links, deliver = self._route(pk, t0_cycles)
        arrive_ns = deliver * self.net.cycle_ns
        gen_ns = np.where(pk.leg == 0, np.where(pk.src >= 0, pipeline[pk.row], 0.0), 0.0)
        split_row = self._is_split_row(ids)
        emit_ns = (np.where(pk.leg == 0, spike_ns[pk.row], 0.0) if spike_ns is not None
                   else None)
        extra, lat_ns, gen_ns = self.clock.delays(
            Deliveries(arrive_ns, gen_ns, pk.group, pk.row, pk.leg, split_row, emit_ns))
        self._check_extra_bound(extra, pk.group)
        final = ~split_row[pk.row] | (pk.leg == 1)   # packets that reach real targets
        if out is not None:
            fr = np.flatnonzero(final)
            np.maximum.at(out, (pk.row[fr], pk.dst[fr]), extra[fr].astype(out.dtype))
        self._account(steps, ids, core, pk.src, pk.dst, pk.syn, pk.group, arrive_ns, pair, final,
                      extra=extra, lat_ns=lat_ns, gen_ns=gen_ns, P_row=pk.row, P_leg=pk.leg,
                      paths=(pk.t0, plen, links))

    def _process_compiled(self, steps, ids, core, local, npk):
        """_process for a batch sorted by step, without splitter legs, no `out` and no
        sub-step times, by batch_compiled's kernels; the same statistics and
        deliveries. False (no statistics recorded) where the dense route table or the
        compiled schedulers' preconditions do not hold: the NumPy passes take the batch."""
        m = self.mapping
        em = self.energy_model
        net = self.net
        n = max(self.n_cores_used, 1)
        pipeline, sidx, ustep, spk = batch_compiled.spikes_kernel(
            steps, core, local, npk, float(em.t_upd), float(em.t_spike), float(em.t_out), n)
        src, dst, syn, group, t0, row, t0c, key = batch_compiled.neuron_packets_kernel(
            steps, core, npk, m.out_ptr[ids], pipeline, m.out_core, m.out_syn,
            float(em.t_out), float(net.cycle_ns), n)
        pair = self._dense_pair_slots(key)
        if pair is None:
            return False
        plen, first, links, lats, hops_take_time, lat_sum, largest = \
            batch_compiled.paths_kernel(pair, self._pair_len, self._pair_ptr,
                                        self._pair_links, self._pair_lats, group)
        horizon = int(t0c.max()) + int(lat_sum) + int(net.flits) * int(first[-1])
        if not (hops_take_time and largest < 2 ** _LOCAL_BITS and int(t0c.min()) >= 0
                and horizon < 2 ** (62 - _LOCAL_BITS)):
            return False                       # schedule_compiled's NumPy form
        start, deliver = fcfs_kernel(t0c, group, first, links, lats, int(net.flits),
                                     int(net.n_links))
        if (int(net.n_links) + 1) * (int(start.max()) - int(start.min()) + 1) * 2 >= 2 ** 62:
            return False                       # buffer_overflow_compiled's NumPy form
        redo = overflow_kernel(start, group, first, links, int(net.buffer_packets))
        if redo.size:
            deliver = self._reschedule(t0c, group, plen, links, lats, deliver, redo)
        U = ustep.size
        arrive_ns, gen_ns, recv, pstep, pk_out, pk_in, syn_in, net_done, sent, received, \
            synops = batch_compiled.account_kernel(
                sidx, U, src, dst, syn, row, deliver, pipeline, float(net.cycle_ns),
                float(em.t_in), float(em.t_syn), n)
        split_row = np.zeros(ids.size, bool)
        leg = np.zeros(src.size, np.int8)
        extra, lat_ns, gen_ns = self.clock.delays(
            Deliveries(arrive_ns, gen_ns, group, row, leg, split_row, None))
        self._check_extra_bound(extra, group)
        # _account's statistics
        c = self._counts
        c["spikes"] += int(spk.sum())
        c["packets"] += int(src.size)
        c["synops"] += int(synops)
        c["network_pj"] += float(self._pair_energy[pair].sum())
        self._sent += sent
        self._received += received
        if self.backpressure:
            pe, le, n_used = batch_compiled.drain_entries_kernel(plen, links, net.terminal,
                                                                 int(net.n_links))
            if pe.size:
                net_done = np.maximum(net_done, _drain_kernel(
                    pstep, U, t0, recv, plen.astype(np.float64), pe, le, n_used))
        self._account_busy(spk, pk_out, pk_in, syn_in, net_done, U)
        if np.isnan(gen_ns).any():
            self._rec.append(np.stack([
                (group // 2).astype(np.float64), ids[row].astype(np.float64),
                dst.astype(np.float64), gen_ns, lat_ns, extra.astype(np.float64)]))
        else:                                   # already in summary()'s order
            self._rec.append(batch_compiled.deliveries_kernel(
                group, ids[row], dst, gen_ns, lat_ns, extra.astype(np.float64)))
        return True

    def _neuron_packets(self, steps, ids, core, npk, t_spike):
        """Leg-1 packets: one per spiking neuron and destination (or splitter) core."""
        m = self.mapping
        rows = np.repeat(np.arange(ids.size), npk)
        first = np.repeat(m.out_ptr[ids], npk)
        within = np.arange(rows.size) - np.repeat(np.cumsum(npk) - npk, npk)
        e = first + within
        src = core[rows]
        # off-chip spikes enter at the host's R3 when they happen (t_spike: 0 or their time)
        t0 = np.where(src >= 0, t_spike[rows] + (within + 1) * self.energy_model.t_out,
                      t_spike[rows])
        return _Packets(src, m.out_core[e], m.out_syn[e], steps[rows] * 2, t0, rows,
                        np.zeros(rows.size, np.int8))

    def _splitter_packets(self, steps, ids, nsp):
        """Leg-2 packets: splitter neurons one tick later, routed as their own group."""
        m = self.mapping
        srows = np.repeat(np.arange(ids.size), nsp)
        sfirst = np.repeat(m.split_ptr[ids], nsp)
        swithin = np.arange(srows.size) - np.repeat(np.cumsum(nsp) - nsp, nsp)
        se = sfirst + swithin
        s_core = m.split_src_core[se]
        s_group = steps[srows] * 2 + 1
        s_t = self._emit_times(s_group, s_core, m.split_local[se], np.ones(se.size, np.int64))
        return _Packets(s_core, m.split_dst_core[se], m.split_syn[se], s_group,
                        s_t + self.energy_model.t_out, srows, np.ones(se.size, np.int8))

    def _in_injection_order(self, pk):
        """Packets sorted by (group, injection cycle, source, destination), and their
        injection cycle."""
        t0_cycles = np.ceil(pk.t0 / self.net.cycle_ns - 1e-9).astype(np.int64)
        order = _lexsort_ints((pk.dst, pk.src, t0_cycles, pk.group))
        return pk.take(order), t0_cycles[order]

    def _route(self, pk, t0_cycles):
        """Cycle-level schedule of the packets: (route table slot, path length, flat
        links, delivery cycle) per packet. Compiled (numba), the exact event scheduler
        schedules every group: faster than the NumPy fixed point, whose schedule it
        equals where buffers do not overflow. Else the NumPy fixed point, and groups
        whose buffers would overflow (or that did not converge) are scheduled again
        by the event scheduler."""
        net = self.net
        pair = self._pair_index(pk.src, pk.dst)
        plen = self._pair_len[pair]
        pstart = np.repeat(self._pair_ptr[pair], plen)
        ewithin = np.arange(pstart.size) - np.repeat(np.cumsum(plen) - plen, plen)
        links = self._pair_links[pstart + ewithin]
        lats = self._pair_lats[pstart + ewithin]
        start, deliver, conv = schedule_compiled(t0_cycles, pk.group, plen, links, lats,
                                                 net.flits, net.n_links)
        redo = buffer_overflow_compiled(start, pk.group, plen, links, net.n_links,
                                        net.buffer_packets)
        if not conv:
            redo = np.unique(pk.group)
        if redo.size:
            deliver = self._reschedule(t0_cycles, pk.group, plen, links, lats, deliver, redo)
        return pair, plen, links, deliver

    def _reschedule(self, t0_cycles, group, plen, links, lats, deliver, redo):
        """deliver, with the groups `redo` scheduled again by the exact event scheduler."""
        net = self.net
        deliver = deliver.copy()
        # packets are sorted by group: each redone group is a contiguous run
        sel = np.flatnonzero(np.isin(group, redo))
        gptr = np.concatenate([[0], np.flatnonzero(np.diff(group[sel])) + 1, [sel.size]])
        pptr = np.zeros(plen.size + 1, np.int64)
        np.cumsum(plen, out=pptr[1:])
        elen = plen[sel]
        entries = np.repeat(pptr[sel] - (np.cumsum(elen) - elen), elen) \
            + np.arange(int(elen.sum()))
        _, deliver[sel] = schedule_groups(t0_cycles[sel], gptr, elen, links[entries],
                                          lats[entries], net.flits, net.buffer_packets,
                                          net.terminal)
        self._fallback_groups += int(redo.size)
        return deliver

    def _check_extra_bound(self, extra, group):
        # fractional (exact) delays: the whole steps pick the ring slot
        whole = np.floor(extra) if self.clock.fractional else extra
        if whole.size and whole.max() > self.max_extra_delay_steps:
            i = int(np.argmax(whole))
            raise HardwareConstraintError(
                f"{self.name}: a delivery at step {int(group[i] // 2)} needs {int(extra[i])} extra "
                f"steps, above max_extra_delay_steps = {self.max_extra_delay_steps}")

    def _is_split_row(self, ids):
        m = self.mapping
        return (m.split_ptr[ids + 1] - m.split_ptr[ids]) > 0

    def _account(self, steps, ids, core, P_src, P_dst, P_syn, P_group, arrive_ns, pair,
                 final=None, extra=None, lat_ns=None, gen_ns=None, P_row=None, P_leg=None,
                 paths=None):
        em = self.energy_model
        n = max(self.n_cores_used, 1)
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
        self._account_busy(spk, pk_out, pk_in, syn_in, net_done, U)
        if extra is not None and P_src.size:
            fr = np.flatnonzero(final)
            rows = P_row[fr]
            self._rec.append(np.stack([
                (P_group[fr] // 2).astype(np.float64), ids[rows].astype(np.float64),
                P_dst[fr].astype(np.float64), gen_ns[fr], lat_ns[fr],
                extra[fr].astype(np.float64)]))

    def _account_busy(self, spk, pk_out, pk_in, syn_in, net_done, U):
        """Active updates and busy time of the batch's U steps from their (U, cores)
        spikes, packets out and in, synapses in and the last delivery per step."""
        em = self.energy_model
        active = em.active(self._nn_core[None, :], spk, syn_in)
        self._counts["active_updates"] += float(active.sum())
        ct = em.core_times(self._nn_core[None, :], spk, pk_out, pk_in, syn_in, active)
        busy = np.maximum(ct.max(axis=1), net_done) + em.barrier
        self._busy.append(busy)
        self._busy_steps += U

    def _drain_bound(self, pstep, U, P_syn, P_leg, t0_ns, plen, links):
        """Per-step busy-time bound from receive-side back-pressure (backpressure.py, by
        its compiled twin);
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
        return drain_bound_compiled(pstep, U, t0_ns, recv.astype(np.float64), plen, entry_pkt,
                                    links, self.net.terminal, self.net.n_links)

    # ------------------------------------------------------------- results
    def summary(self):
        """The run's energy, hardware time per tick, counts, traffic, mapping and
        deliveries (a dict of NumPy arrays, one row per spike and destination core),
        after the routing of every spike handed over so far."""
        if self.graph is None:
            raise RuntimeError(f"{self.name}: attach() a NetworkGraph before summary()")
        self._flush()
        self.finish_routing()
        m = self.mapping
        em = self.energy_model
        c = self._counts
        T = self._n_ticks
        n_neurons = float(self._nn_core.sum())
        busy = np.concatenate(self._busy) if self._busy else np.zeros(0)
        idle_ticks = max(T - busy.size, 0)
        busy_mean, busy_max = busy_time(busy, idle_ticks, self._idle_busy, T)
        hw_mean, hw_max = self.clock.hardware_time(busy, idle_ticks, self._idle_busy, T)
        breakdown = {
            "neuron_update": (T * n_neurons * em.e_idle
                              + c["active_updates"] * (em.e_upd - em.e_idle)),
            "spike_out": c["spikes"] * em.e_spike,
            "message": c["packets"] * em.e_msg,
            "network": c["network_pj"],
            "synaptic": c["synops"] * em.e_syn,
        }
        total = float(sum(breakdown.values()))
        rec = np.concatenate(self._rec, axis=1) if self._rec else np.zeros((6, 0))
        if not batch_compiled.in_delivery_order(rec[0], rec[3]):
            rec = rec[:, np.lexsort((rec[3], rec[0]))]
        n = self.n_cores_used
        notes = []
        if abs(self.step_ms - self.dt_ms) > 1e-12 * self.dt_ms:
            notes.append(f"{self.name} runs in its own {self.step_ms:g} ms ticks: the script's "
                         f"timestep of {self.dt_ms:g} ms is replaced and spike times are "
                         f"multiples of {self.step_ms:g} ms")
        return {
            "hardware": self.name,
            "notes": notes,
            "time_model": self.time_model,
            "dt_ms": self.step_ms,        # the engine step that 'deliveries' count in
            "script_dt_ms": self.dt_ms,
            "ticks": int(T),
            "n_cores_used": int(n),
            "max_extra_delay_steps": int(self.max_extra_delay_steps),
            "latency_modelled": bool(self.latency),
            "energy_pj": {"total": total, "per_tick": total / T if T else 0.0,
                          "breakdown": {k: float(v) for k, v in breakdown.items()}},
            "hardware_time_per_tick_ns": {"mean": float(hw_mean), "max": float(hw_max)},
            "busy_time_per_tick_ns": {"mean": float(busy_mean), "max": float(busy_max)},
            "counts": {"spikes": int(c["spikes"]), "packets": int(c["packets"]),
                       "synaptic_events": int(c["synops"]),
                       # groups the exact event scheduler scheduled (all of them
                       # when it is compiled)
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
            # one row per (spike, destination core), as NumPy arrays (a run has
            # millions of them: lists of Python numbers cost more than the routing)
            "deliveries": {"step": rec[0].astype(np.int64),
                           "source": rec[1].astype(np.int64),
                           "core": rec[2].astype(np.int64),
                           "gen_ns": rec[3].copy(),
                           "latency_ns": rec[4].copy(),
                           "extra_steps": rec[5].copy() if self.clock.fractional
                           else rec[5].astype(np.int64)},
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
