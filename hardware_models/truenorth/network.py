"""TrueNorth cores and the network between them, stepped one 1 ms tick at a time.

A core (Merolla et al. 2014, Science 345:668, "Merolla 2014") has 256 input
axons, 256 neurons and a binary 256 x 256 crossbar: axon i reaches neuron j
when crossbar[i, j] is 1. Each axon has one of four types G_i; neuron j adds
its own weight s_j^{G_i} for a spike on axon i (Cassidy et al. 2013). Each
neuron sends its spikes to exactly one axon (of any core) with a programmed
axonal delay of 1 to 15 ticks (Merolla 2014): a spike of tick t is
integrated at tick t + delay. External input enters as axon activations.

Array code: ``xp`` is numpy or cupy; state lives on that device.
"""
from dataclasses import dataclass

import numpy as np

from ..errors import HardwareConstraintError
from .neuron import AXON_TYPES, NeuronParams, integrate_synapses, leak, threshold_and_reset

AXONS_PER_CORE = 256     # Merolla 2014
NEURONS_PER_CORE = 256   # Merolla 2014
DELAY_MIN, DELAY_MAX = 1, 15   # Merolla 2014: axonal delay of 1-15 ticks
NO_TARGET = -1


@dataclass
class CoreSpec:
    """One neurosynaptic core: crossbar (axons x neurons, bool), axon types, neurons.

    ``target_core``/``target_axon`` (per neuron; -1: the neuron's spikes leave
    the network, e.g. to be recorded only) and ``delay`` in ticks (1-15).
    """
    crossbar: np.ndarray
    axon_types: np.ndarray
    neurons: NeuronParams
    target_core: np.ndarray = None
    target_axon: np.ndarray = None
    delay: np.ndarray = None
    name: str = ""

    def __post_init__(self):
        self.crossbar = np.asarray(self.crossbar, bool)
        n_axons, n_neurons = self.crossbar.shape
        where = f"core '{self.name}'" if self.name else "a core"
        if n_axons > AXONS_PER_CORE:
            raise HardwareConstraintError(
                f"TrueNorth allows {AXONS_PER_CORE} axons per core (Merolla 2014); "
                f"{where} has {n_axons}")
        if n_neurons > NEURONS_PER_CORE:
            raise HardwareConstraintError(
                f"TrueNorth allows {NEURONS_PER_CORE} neurons per core (Merolla 2014); "
                f"{where} has {n_neurons}")
        if self.neurons.size != n_neurons:
            raise HardwareConstraintError(
                f"{where}: crossbar has {n_neurons} neuron columns but {self.neurons.size} "
                f"neurons' parameters")
        self.axon_types = np.asarray(self.axon_types, np.int64)
        if self.axon_types.shape != (n_axons,):
            raise HardwareConstraintError(
                f"{where}: {self.axon_types.size} axon types for {n_axons} axons")
        if n_axons and (self.axon_types.min() < 0 or self.axon_types.max() >= AXON_TYPES):
            raise HardwareConstraintError(
                f"TrueNorth has {AXON_TYPES} axon types per core, 0..{AXON_TYPES - 1} "
                f"(Merolla 2014); {where} uses type {int(self.axon_types.max())}"
                if self.axon_types.max() >= AXON_TYPES else
                f"{where}: axon type {int(self.axon_types.min())} is negative")
        full = lambda v, d: np.broadcast_to(d if v is None else v, (n_neurons,)).astype(np.int64)
        self.target_core = full(self.target_core, NO_TARGET)
        self.target_axon = full(self.target_axon, NO_TARGET)
        self.delay = full(self.delay, DELAY_MIN)
        has = self.target_core != NO_TARGET
        if has.any():
            d = self.delay[has]
            if d.min() < DELAY_MIN or d.max() > DELAY_MAX:
                bad = int(d.min() if d.min() < DELAY_MIN else d.max())
                raise HardwareConstraintError(
                    f"TrueNorth axonal delays are {DELAY_MIN}-{DELAY_MAX} ticks (Merolla 2014); "
                    f"{where} has a neuron with delay {bad}")

    @property
    def n_axons(self):
        return self.crossbar.shape[0]

    @property
    def n_neurons(self):
        return self.crossbar.shape[1]


class TrueNorthNetwork:
    """Cores connected neuron -> axon, stepped tick by tick.

    Neurons and axons are numbered globally core after core. ``leak_first``
    applies the leak before the synaptic input (SANA-FE's order; the chip's,
    Cassidy 2013, is input first). ``seed`` seeds every core's generator.
    """

    def __init__(self, cores, seed=0, leak_first=False, xp=np):
        self.xp = xp
        self.cores = list(cores)
        self.seed = int(seed)
        self.leak_first = bool(leak_first)
        n_ax = np.array([c.n_axons for c in self.cores], np.int64)
        n_nr = np.array([c.n_neurons for c in self.cores], np.int64)
        self.axon_offset = np.concatenate([[0], np.cumsum(n_ax)])
        self.neuron_offset = np.concatenate([[0], np.cumsum(n_nr)])
        self.n_axons = int(self.axon_offset[-1])
        self.n_neurons = int(self.neuron_offset[-1])
        for k, c in enumerate(self.cores):
            has = c.target_core != NO_TARGET
            if has.any():
                tc = c.target_core[has]
                if tc.min() < 0 or tc.max() >= len(self.cores):
                    raise HardwareConstraintError(
                        f"core {k}: target core {int(tc.max())} does not exist "
                        f"({len(self.cores)} cores)")
                ta, lim = c.target_axon[has], n_ax[tc]
                if (ta < 0).any() or (ta >= lim).any():
                    i = int(np.flatnonzero((ta < 0) | (ta >= lim))[0])
                    raise HardwareConstraintError(
                        f"core {k}: target axon {int(ta[i])} of core {int(tc[i])} does not exist "
                        f"(it has {int(lim[i])} axons)")
        self._build(xp)
        self.reset()

    def _build(self, xp):
        core_of_neuron, core_of_axon, target, delay = [], [], [], []
        rows, cols, types, event_id = [], [], [], []
        for k, c in enumerate(self.cores):
            a, j = np.nonzero(c.crossbar)
            rows.append(a + self.axon_offset[k])
            cols.append(j + self.neuron_offset[k])
            types.append(c.axon_types[a])
            event_id.append(a * NEURONS_PER_CORE + j)
            core_of_neuron.append(np.full(c.n_neurons, k))
            core_of_axon.append(np.full(c.n_axons, k))
            has = c.target_core != NO_TARGET
            t = np.full(c.n_neurons, NO_TARGET)
            t[has] = self.axon_offset[c.target_core[has]] + c.target_axon[has]
            target.append(t)
            delay.append(c.delay)
        rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=self.n_axons)
        self.indptr = xp.asarray(np.concatenate([[0], np.cumsum(counts)]))
        self.syn_neuron = xp.asarray(np.concatenate(cols)[order])
        self.syn_type = xp.asarray(np.concatenate(types)[order])
        self.syn_event = xp.asarray(np.concatenate(event_id)[order])
        self.core_of_neuron = xp.asarray(np.concatenate(core_of_neuron).astype(np.int64))
        self.core_of_axon = xp.asarray(np.concatenate(core_of_axon).astype(np.int64))
        self.target_axon = xp.asarray(np.concatenate(target).astype(np.int64))
        self.delay = xp.asarray(np.concatenate(delay).astype(np.int64))
        self.local_neuron = xp.asarray(np.concatenate(
            [np.arange(c.n_neurons) for c in self.cores]).astype(np.int64))
        self.params = NeuronParams.concatenate([c.neurons for c in self.cores]).to(xp)

    def reset(self):
        xp = self.xp
        self.V = xp.zeros(self.n_neurons, xp.int64)
        self.tick = 0
        self._pending = xp.zeros((DELAY_MAX + 1, self.n_axons), bool)   # ring by tick % 16

    def _events(self, active_axons):
        """Synapse positions of the active axons' crossbar rows."""
        xp = self.xp
        start, stop = self.indptr[active_axons], self.indptr[active_axons + 1]
        count = stop - start
        total = int(count.sum()) if active_axons.size else 0
        if total == 0:
            return xp.zeros(0, xp.int64)
        # synapse k of the concatenated rows: row r = the first with cumsum(count) > k
        # (searchsorted, not repeat with an array of counts, which CuPy lacks)
        ends = xp.cumsum(count)
        k = xp.arange(total)
        row = xp.searchsorted(ends, k, side="right")
        return start[row] + k - (ends - count)[row]

    def step(self, external_axons=None):
        """Advance one tick; ``external_axons``: global axon ids active this tick.

        Returns the bool array of neurons that fired.
        """
        xp, p, t = self.xp, self.params, self.tick
        slot = t % (DELAY_MAX + 1)
        active = self._pending[slot].copy()
        self._pending[slot] = False
        if external_axons is not None and len(external_axons):
            active[xp.asarray(external_axons)] = True
        syn = self._events(xp.flatnonzero(active))
        neuron = self.syn_neuron[syn]
        core = self.core_of_neuron
        V = self.V
        if self.leak_first:
            V = leak(xp, V, p, core, self.seed, t, self.local_neuron)
        V = integrate_synapses(xp, V, p, neuron, self.syn_type[syn], core[neuron], self.seed, t,
                               self.syn_event[syn])
        if not self.leak_first:
            V = leak(xp, V, p, core, self.seed, t, self.local_neuron)
        res = threshold_and_reset(xp, V, p, core, self.seed, t, self.local_neuron)
        self.V = res.V
        out = xp.flatnonzero(res.fired & (self.target_axon != NO_TARGET))
        if out.size:
            when = (t + self.delay[out]) % (DELAY_MAX + 1)
            self._pending[when, self.target_axon[out]] = True
        self.tick = t + 1
        return res.fired

    def run(self, ticks, external=None):
        """Run ``ticks`` ticks; ``external``: (ticks, n_axons) bool array or None.

        Returns (spikes (ticks, n_neurons) bool, potentials (ticks, n_neurons)
        int64 after each tick), as numpy arrays.
        """
        xp = self.xp
        spikes = xp.zeros((ticks, self.n_neurons), bool)
        V = xp.zeros((ticks, self.n_neurons), xp.int64)
        ext = None if external is None else xp.asarray(external, bool)
        for k in range(ticks):
            spikes[k] = self.step(None if ext is None else xp.flatnonzero(ext[k]))
            V[k] = self.V
        to_np = (lambda a: a.get()) if hasattr(spikes, "get") else (lambda a: a)
        return to_np(spikes), to_np(V)
