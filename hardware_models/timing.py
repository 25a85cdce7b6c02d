"""Time models: how a chip's clock turns routed traffic into late spikes and hardware time.

One class per ``time_model`` of the chip YAML (``time_model_for`` picks it):

- ``tick`` (TrueNorth, `TickTime`): each simulation step is one chip tick. A
  spike of tick t reaches its targets at t+1 (identified with the programmed
  delay, which PyNN makes >= one step) when its packet is delivered within
  ``timing.tick_budget_ns``; otherwise it is ``ceil(overrun / tick_ns)``
  ticks late. Late ticks become ``ceil(late_ticks * tick_ms / dt_ms)`` extra
  steps (exact when dt equals the tick; with a finer dt each step's traffic
  is still routed as one tick's, a documented approximation).
- ``barrier`` (Loihi, `BarrierTime`): the tick stretches until all traffic is
  delivered, so no spike is late: the model returns no extra delay and the
  interconnect of many steps is evaluated in one vectorised batch (exact:
  ticks are independent). With a real-time tick period (``timing.tick_ns``
  set, `RealTimeBarrierTime`) spikes are late as with ``tick``, and a tick
  lasts at least tick_ns.
- ``async`` (DYNAP-SE, `AsyncTime`): a delivery's latency (ns, from the
  spike) becomes ``ceil(latency / dt)`` extra steps
  (``timing.async_rounding: nearest`` rounds to the nearest step instead;
  ``exact`` keeps the fractional steps: chip cells with arrival offsets
  receive the spike at its sub-step time, software cells at the nearest
  step, whose rounding error has zero mean for latencies spread over a step).
  Spikes with sub-step times (``Deliveries.emit_ns``) count their latency
  from the spike, not from the step's start.

Each tick's (step's) traffic is routed on an initially empty network.
"""
import math
from dataclasses import dataclass

import numpy as np

from .errors import HardwareConstraintError


def ceil_steps(x):
    """ceil for non-negative floats, robust to rounding noise."""
    return np.ceil(np.asarray(x, dtype=np.float64) - 1e-9).astype(np.int64)


def busy_time(busy, idle_ticks, idle_busy, n_ticks):
    """(mean, max) busy time per tick (ns) over all n_ticks ticks."""
    busy_total = float(busy.sum()) + idle_ticks * idle_busy
    mean = busy_total / n_ticks if n_ticks else 0.0
    peak = float(max(busy.max() if busy.size else 0.0, idle_busy if idle_ticks else 0))
    return mean, peak


@dataclass
class Deliveries:
    """Routed packets of one batch, as the time model needs them (one entry per packet)."""
    arrive_ns: np.ndarray      # delivery time from the tick start
    gen_ns: np.ndarray         # generation time of the spike (0 for off-chip sources)
    group: np.ndarray          # 2 * step (+1 for splitter legs)
    row: np.ndarray            # the spike (row of the batch) that sent the packet
    leg: np.ndarray            # 0: from the neuron, 1: from its splitter neuron
    split_row: np.ndarray      # per spike: does it go through splitter neurons?
    emit_ns: np.ndarray = None  # spike time from the tick start (sub-step spikes), or None: 0


class TimeModel:
    """Common interface; subclasses are one time model each."""
    name = None
    #: delays() returns fractional steps (float) instead of whole steps
    fractional = False
    #: route many steps in one batch: no spike can be late, so the engine needs
    #: no answer per step
    defers_routing = False

    def __init__(self, chip, timing, dt_ms):
        self.chip = chip
        self.dt_ms = float(dt_ms)

    def extra_bound(self, worst_ns, splitters):
        """Upper bound of the extra delay steps for a tick whose traffic ends by worst_ns."""
        raise NotImplementedError

    def delays(self, d):
        """(extra steps, latency ns, generation ns) per packet of Deliveries d."""
        raise NotImplementedError

    def hardware_time(self, busy, idle_ticks, idle_busy, n_ticks):
        """(mean, max) hardware time per tick (ns) from the busy time of ticks with
        traffic (busy), the number of idle ticks and an idle tick's busy time."""
        raise NotImplementedError


class TickTime(TimeModel):
    """Fixed tick with a delivery budget; traffic over budget arrives whole ticks late."""
    name = "tick"

    def __init__(self, chip, timing, dt_ms):
        super().__init__(chip, timing, dt_ms)
        self.tick_ns = float(timing["tick_ns"])
        self.budget_ns = float(timing["tick_budget_ns"] if timing["tick_budget_ns"] is not None
                               else self.tick_ns)
        self.max_late_ticks = int(timing["max_late_ticks"])

    def _ticks_to_steps(self, ticks):
        return ceil_steps(ticks * (self.tick_ns * 1e-6) / self.dt_ms)

    def extra_bound(self, worst_ns, splitters):
        late = max(0, math.ceil((worst_ns - self.budget_ns) / self.tick_ns))
        legs = 2 if splitters else 1
        ticks = late * legs + (1 if splitters else 0)
        ticks = min(ticks, self.max_late_ticks + (1 if splitters else 0))
        return int(self._ticks_to_steps(ticks))

    def delays(self, d):
        late = np.where(d.arrive_ns > self.budget_ns,
                        np.ceil((d.arrive_ns - self.budget_ns) / self.tick_ns - 1e-12), 0
                        ).astype(np.int64)
        ticks = late.copy()
        lat_ns = d.arrive_ns - d.gen_ns
        gen_ns = d.gen_ns
        legs2 = d.leg == 1
        if legs2.any():
            lat_ns, gen_ns = self._splitter_leg_delays(d, late, ticks, lat_ns, gen_ns)
        cap = self.max_late_ticks + (1 if legs2.any() else 0)
        if ticks.max() > cap:
            i = int(np.argmax(ticks))
            raise HardwareConstraintError(
                f"{self.chip}: tick {int(d.group[i] // 2)} traffic overruns the tick budget "
                f"({self.budget_ns:g} ns) by {int(ticks[i])} ticks; timing.max_late_ticks "
                f"allows {cap}")
        return self._ticks_to_steps(ticks), lat_ns, gen_ns

    def _splitter_leg_delays(self, d, late, ticks, lat_ns, gen_ns):
        """Leg 2 leaves the splitter one tick after leg 1 arrived, so leg 1's lateness
        delays it too; fills ticks in place, returns (lat_ns, gen_ns) with leg 2's."""
        S = d.split_row.size
        leg1 = d.leg == 0
        l1 = np.zeros(S, np.int64)
        np.maximum.at(l1, d.row[leg1], np.where(d.split_row[d.row[leg1]], late[leg1], 0))
        g1 = np.zeros(S)
        g1[d.row[leg1]] = d.gen_ns[leg1]
        s2 = d.leg == 1
        ticks[s2] = 1 + l1[d.row[s2]] + late[s2]
        lat_ns = lat_ns.copy()
        lat_ns[s2] = (1 + l1[d.row[s2]]) * self.tick_ns + d.arrive_ns[s2] - g1[d.row[s2]]
        gen_ns = gen_ns.copy()
        gen_ns[s2] = g1[d.row[s2]]
        return lat_ns, gen_ns

    def hardware_time(self, busy, idle_ticks, idle_busy, n_ticks):
        return self.tick_ns, self.tick_ns


class RealTimeBarrierTime(TickTime):
    """Barrier-synchronised chip held to a real-time tick period (``timing.tick_ns``)."""
    name = "barrier"

    def hardware_time(self, busy, idle_ticks, idle_busy, n_ticks):
        per = np.maximum(busy, self.tick_ns)
        idle = max(idle_busy, self.tick_ns)
        total = float(per.sum()) + idle_ticks * idle
        mean = total / n_ticks if n_ticks else 0.0
        peak = float(max(per.max() if per.size else 0.0, idle if idle_ticks else 0))
        return mean, peak


class BarrierTime(TimeModel):
    """The tick stretches until all traffic is delivered: never late."""
    name = "barrier"
    defers_routing = True

    def extra_bound(self, worst_ns, splitters):
        return 0

    def delays(self, d):
        return np.zeros(d.arrive_ns.size, np.int64), d.arrive_ns - d.gen_ns, d.gen_ns

    def hardware_time(self, busy, idle_ticks, idle_busy, n_ticks):
        return busy_time(busy, idle_ticks, idle_busy, n_ticks)


class AsyncTime(TimeModel):
    """Continuous time: the latency itself, in steps, is the extra delay."""
    name = "async"

    def __init__(self, chip, timing, dt_ms):
        super().__init__(chip, timing, dt_ms)
        self.rounding = timing["async_rounding"]

    def extra_bound(self, worst_ns, splitters):
        return int(ceil_steps(worst_ns * 1e-6 / self.dt_ms))

    #: extra delays are fractional steps (the latency itself), not whole steps
    @property
    def fractional(self):
        return self.rounding == "exact"

    def delays(self, d):
        # the latency counts from the spike (sub-step spikes enter the network late)
        arrive_ns = d.arrive_ns if d.emit_ns is None else d.arrive_ns - d.emit_ns
        x = arrive_ns * 1e-6 / self.dt_ms
        if self.rounding == "exact":
            extra = np.asarray(x, dtype=np.float64)
        elif self.rounding == "ceil":
            extra = ceil_steps(x)
        else:
            extra = np.floor(x + 0.5).astype(np.int64)
        return extra, arrive_ns, d.gen_ns

    def hardware_time(self, busy, idle_ticks, idle_busy, n_ticks):
        return self.dt_ms * 1e6, self.dt_ms * 1e6


def time_model_for(spec, dt_ms):
    """The TimeModel of a ChipSpec for simulation step dt_ms."""
    timing = spec.get("timing")
    kind = spec.get("time_model")
    if kind == "tick":
        cls = TickTime
    elif kind == "barrier":
        cls = BarrierTime if timing["tick_ns"] is None else RealTimeBarrierTime
    else:
        cls = AsyncTime
    return cls(spec.name, timing, dt_ms)
