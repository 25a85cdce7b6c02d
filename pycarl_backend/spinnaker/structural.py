"""Structural plasticity (synaptic rewiring) as sPyNNaker runs it.

sPyNNaker's StructuralMechanismStatic / StructuralMechanismSTDP
(spynnaker/pyNN/models/neuron/synapse_dynamics/synapse_dynamics_structural_*.py,
C: neural_modelling/src/neuron/structural_plasticity/synaptogenesis/
topographic_map_impl.c and the partner_selection, formation and elimination
rules beside it) rewire the synapses onto a postsynaptic population while it
runs. What is reproduced here, per postsynaptic population (one rewiring
for all its structural projections, as one core runs them):

* each postsynaptic cell has `s_max` synapse slots (the post-to-pre table);
  the initial connections fill them, more than s_max onto one cell is an error;
* rewiring attempts: with the rewiring period p = 1/f_rew, if p is shorter
  than the tick, int(dt/p) attempts every tick ("fast"), otherwise one every
  int(p/dt) ticks (synapse_dynamics_structural_common.py,
  __write_common_rewiring_data; c_main's background_callback);
* an attempt at tick t happens before the spikes of tick t are delivered: it
  draws a postsynaptic cell and one of its slots; an occupied slot tries the
  elimination rule on that synapse, an empty one asks the partner selection
  for a presynaptic cell and tries the formation rule (the pre cell's row
  must hold fewer than s_max synapses; with_replacement=False also refuses
  a pair that is already connected);
* RandomSelection: a uniformly drawn cell of a uniformly drawn structural
  presynaptic population. LastNeuronSelection: a uniformly drawn one of the
  spikes kept from tick t-1, in two buffers by tick parity that are emptied
  only when a spike arrives in a new tick of that parity, so after the input
  stops the last spikes stay available (last_neuron_selection_impl.h);
* DistanceDependentFormation: the squared distance between pre and post on a
  grid (x = id // grid_x, y = id % grid_y, periodic), looked up in sPyNNaker's
  uint16 table p * exp(-d^2 / (2 sigma^2)) * 65535 (zeros cut off:
  distance_dependent_formation.py), lateral table when the population
  projects onto itself; formed when int(u * 65535) <= table[d]
  (formation_distance_dependent_impl.h);
* RandomByWeightElimination: a synapse whose weight is below `threshold` is
  removed with prob_elim_depressed, otherwise with prob_elim_potentiated,
  drawn as a 32-bit integer <= int(p * 0xFFFFFFFF)
  (elimination_random_by_weight_impl.h, random_by_weight_elimination.py);
* new synapses get initial_weight and initial_delay (a (low, high) tuple:
  uniform integer ticks in it); the count of successful formations and
  eliminations is the "Number_of_rewires" provenance item (reports.py).

Random numbers come from NumPy (seeded by the mechanism's `seed`), not
SpiNNaker's mars_kiss64, so which synapses change is not the machine's draw
for draw; the rules and rates are. The partner buffer of LastNeuronSelection
holds the spikes of the structural presynaptic populations only (the
machine's holds every spike reaching the core; a spike from a non-structural
source there gives no partner).
"""
import numpy as np
from pyNN import errors

from ..engine.backend import to_numpy
from ..engine.csr import host_csr
from .plasticity import SpiNNakerSTDPBlock
from .synapses import STDPMechanism, StaticSynapse
from .weights import StaticMagnitudeBlock

DEFAULT_F_REW = 10 ** 4.0      # Hz, sPyNNaker's default rewiring frequency
DEFAULT_S_MAX = 32
MAX_SHORT = 65535
MAX_UINT32 = 0xFFFFFFFF


# --- rules -------------------------------------------------------------------
class RandomSelection:
    """Partner: a uniformly drawn cell of a uniformly drawn presynaptic population."""

    def choose(self, rewiring, tick):
        sources = rewiring.sources()
        block = sources[int(rewiring.rng.random() * len(sources))]
        return block, int(rewiring.rng.random() * block.n_pre)

    def spikes_received(self, rewiring, tick, block, cells):
        pass


class LastNeuronSelection:
    """Partner: one of the spikes received in the previous tick (see the module doc)."""

    def __init__(self, spike_buffer_size=64):
        if int(spike_buffer_size) != spike_buffer_size or spike_buffer_size < 1:
            raise errors.InvalidParameterValueError(
                f"LastNeuronSelection(spike_buffer_size={spike_buffer_size!r}): "
                f"must be an integer >= 1")
        self.spike_buffer_size = int(spike_buffer_size)

    def choose(self, rewiring, tick):
        buffer = rewiring.partner_state.setdefault("buffers", [[], []])[(tick - 1) & 1]
        if not buffer:
            return None
        return buffer[int(rewiring.rng.random() * len(buffer))]

    def spikes_received(self, rewiring, tick, block, cells):
        state = rewiring.partner_state
        buffers = state.setdefault("buffers", [[], []])
        last = state.setdefault("last_time", [None, None])
        parity = tick & 1
        if last[parity] != tick:
            last[parity] = tick
            buffers[parity] = []
        room = self.spike_buffer_size - len(buffers[parity])
        buffers[parity].extend((block, int(c)) for c in cells[:max(room, 0)])


class DistanceDependentFormation:
    """Formation with sPyNNaker's distance-dependent probability tables."""

    def __init__(self, grid=(16, 16), p_form_forward=0.16, sigma_form_forward=2.5,
                 p_form_lateral=1.0, sigma_form_lateral=1.0):
        self.grid = np.asarray(grid, dtype=int).ravel()
        if self.grid.size != 2 or np.any(self.grid < 1):
            raise errors.InvalidParameterValueError(
                f"DistanceDependentFormation(grid={grid!r}): needs two sizes >= 1")
        for name, p in (("p_form_forward", p_form_forward), ("p_form_lateral", p_form_lateral)):
            if not 0.0 <= p <= 1.0:
                raise errors.InvalidParameterValueError(
                    f"DistanceDependentFormation({name}={p!r}): a probability in [0, 1]")
        self.p_form_forward, self.sigma_form_forward = p_form_forward, sigma_form_forward
        self.p_form_lateral, self.sigma_form_lateral = p_form_lateral, sigma_form_lateral
        self.forward_table = self._table(p_form_forward, sigma_form_forward)
        self.lateral_table = self._table(p_form_lateral, sigma_form_lateral)

    def _position(self, index):
        gx, gy = self.grid
        return (index // gx if gx > 1 else 0), (index % gy if gy > 1 else 0)

    def squared_distance(self, pre, post):
        gx, gy = (int(g) for g in self.grid)
        (px, py), (qx, qy) = self._position(pre), self._position(post)
        dx, dy = abs(px - qx), abs(py - qy)
        if gx > 1 and dx > gx >> 1:
            dx -= gx
        if gy > 1 and dy > gy >> 1:
            dy -= gy
        return dx * dx + dy * dy

    def _table(self, probability, sigma):
        # the largest squared distance between two cells of the grid, as
        # distance_dependent_formation.py finds it (periodic, rows of grid[0]**2)
        gx, gy = (int(g) for g in self.grid)
        rows, columns = np.arange(gx * gx), np.arange(gy * gy)
        if gx > 1:
            pre = np.stack([rows // gx, rows % gy], axis=1)
            post = np.stack([columns // gx, columns % gy], axis=1)
        else:
            pre = np.stack([np.zeros_like(rows), rows % gy], axis=1)
            post = np.stack([np.zeros_like(columns), columns % gy], axis=1)
        delta = np.abs(pre[:, None, :] - post[None, :, :]).astype(float)
        for axis, size in enumerate((gx, gy)):
            over = delta[..., axis] > size * 0.5
            delta[..., axis] = np.where(over, delta[..., axis] - size, delta[..., axis])
        # sPyNNaker squares the Euclidean distance again: sqrt(2) ** 2 is a
        # little over 2, so its table runs one squared distance further
        largest = np.max(np.sqrt((delta ** 2).sum(axis=-1)) ** 2)
        squared = np.arange(largest + 1)
        table = (probability * np.exp(-squared / (2.0 * sigma ** 2)) * MAX_SHORT).astype(np.uint16)
        return table[table > 0]

    def forms(self, rewiring, pre_block, pre, post):
        lateral = pre_block.pre_group is pre_block.post_group
        table = self.lateral_table if lateral else self.forward_table
        distance = self.squared_distance(pre, post)
        r = int(rewiring.rng.random() * MAX_SHORT)
        return distance < table.size and r <= int(table[distance])


class RandomByWeightElimination:
    """Elimination with one probability below `threshold` (depressed), another above."""

    def __init__(self, threshold, prob_elim_depressed=0.0245, prob_elim_potentiated=1.36e-4):
        for name, p in (("prob_elim_depressed", prob_elim_depressed),
                        ("prob_elim_potentiated", prob_elim_potentiated)):
            if not 0.0 <= p <= 1.0:
                raise errors.InvalidParameterValueError(
                    f"RandomByWeightElimination({name}={p!r}): a probability in [0, 1]")
        self.threshold = float(threshold)
        self.prob_elim_depressed = float(prob_elim_depressed)
        self.prob_elim_potentiated = float(prob_elim_potentiated)

    def eliminates(self, rewiring, weight):
        r = int(rewiring.rng.integers(0, MAX_UINT32 + 1))
        p = self.prob_elim_depressed if weight < self.threshold else self.prob_elim_potentiated
        return r <= int(p * MAX_UINT32)


# --- the rewiring of one postsynaptic population ----------------------------
class Rewiring:
    """Slots, attempts and rules for the structural blocks onto one population."""

    def __init__(self, post_group, mechanism, dt, rng):
        self.post_group = post_group
        self.mechanism = mechanism
        self.dt = float(dt)
        self.seed_rng = rng
        self.blocks = []
        period_ms = 1000.0 / mechanism.f_rew
        self.fast = period_ms < self.dt
        self.per_step = int(self.dt / period_ms) if self.fast else 1
        self.every = 1 if self.fast else int(period_ms / self.dt)
        self._reset_state()

    def _reset_state(self):
        seed = self.mechanism.seed
        self.rng = np.random.default_rng(seed if seed is not None
                                         else int(self.seed_rng.integers(2 ** 63)))
        self.partner_state = {}
        self.slots = None          # (n_post, s_max) block number, -1 empty
        self.slot_pre = None       # (n_post, s_max) presynaptic cell
        self.done_through = -1     # last tick whose attempts were made
        self.since_last = 0
        self.n_rewires = 0
        self.n_attempts = 0

    def sources(self):
        return self.blocks

    def add_block(self, block):
        self.blocks.append(block)

    # --- slots ------------------------------------------------------------
    def _build_slots(self):
        s_max = self.mechanism.s_max
        n_post = self.post_group.size
        self.slots = np.full((n_post, s_max), -1, dtype=np.int64)
        self.slot_pre = np.zeros((n_post, s_max), dtype=np.int64)
        filled = np.zeros(n_post, dtype=np.int64)
        for number, block in enumerate(self.blocks):
            block.finalize()
            block.snapshot_structure()
            pre, post = block.host_arrays()[:2]
            for p, q in zip(pre, post):
                if filled[q] >= s_max:
                    raise errors.ConnectionError(
                        f"structural projection '{block.label}': more than s_max={s_max} "
                        f"initial connections onto cell {int(q)} of "
                        f"'{self.post_group.label}'; sPyNNaker's post-to-pre table holds "
                        f"s_max per cell")
                # sPyNNaker pads each cell's row at the front: empty slots first
                self.slots[q, s_max - 1 - filled[q]] = number
                self.slot_pre[q, s_max - 1 - filled[q]] = p
                filled[q] += 1

    # --- per tick -----------------------------------------------------------
    def advance(self, tick):
        """Make the attempts of every tick up to `tick` not made yet."""
        if self.slots is None:
            self._build_slots()
        while self.done_through < tick:
            self.done_through += 1
            self.since_last += 1
            if self.since_last >= self.every:
                self.since_last = 0
                for _ in range(self.per_step):
                    self._attempt(self.done_through)

    def after_step(self, step, fired_by_group):
        self.advance(step)
        for block in self.blocks:
            fired = fired_by_group.get(block.pre_group)
            if fired is not None and fired.size:
                self.mechanism.partner_selection.spikes_received(
                    self, step, block, to_numpy(fired))

    def _attempt(self, tick):
        mech = self.mechanism
        self.n_attempts += 1
        post = int(self.rng.random() * self.post_group.size)
        slot = int(self.rng.random() * mech.s_max)
        number = int(self.slots[post, slot])
        if number >= 0:
            block, pre = self.blocks[number], int(self.slot_pre[post, slot])
            found = block.find_synapse(pre, post)
            if found is None:
                return
            rules = block.structural_rules
            if rules.elimination.eliminates(self, block.synapse_weight(found)):
                block.remove_synapse(found)
                self.slots[post, slot] = -1
                self.n_rewires += 1
            return
        choice = mech.partner_selection.choose(self, tick)
        if choice is None:
            return
        block, pre = choice
        if block.row_length(pre) >= mech.s_max:
            return
        if not mech.with_replacement and block.find_synapse(pre, post) is not None:
            return
        if not block.structural_rules.formation.forms(self, block, pre, post):
            return
        block.form_synapse(pre, post, self)
        self.slots[post, slot] = self.blocks.index(block)
        self.slot_pre[post, slot] = pre
        self.n_rewires += 1

    def initial_delay_steps(self, block):
        delay = block.structural_rules.initial_delay
        if isinstance(delay, (tuple, list)):
            low, high = (int(round(d / self.dt)) for d in delay)
            return int(self.rng.integers(low, high + 1))
        return max(int(round(delay / self.dt)), 1)

    def reset(self):
        """Each block calls this from its reset(), after restoring its synapses."""
        self._reset_state()


# --- blocks --------------------------------------------------------------------
class StructuralBlockMixin:
    """A synapse block whose synapses the rewiring of its population adds and removes."""

    rewiring = None
    structural_rules = None
    _structure = None

    def propagate(self, step, spikes, ring, extra_steps=None):
        self.rewiring.advance(step)   # this tick's attempts come before its spikes
        super().propagate(step, spikes, ring, extra_steps)

    def row_length(self, pre):
        self.finalize()
        indptr = to_numpy(self.indptr)
        return int(indptr[pre + 1] - indptr[pre])

    def find_synapse(self, pre, post):
        """Index of the first synapse pre -> post in pre's row, or None."""
        self.finalize()
        indptr = to_numpy(self.indptr)
        row = to_numpy(self.post[int(indptr[pre]):int(indptr[pre + 1])])
        hits = np.flatnonzero(row == post)
        return int(indptr[pre] + hits[0]) if hits.size else None

    def synapse_weight(self, index):
        return float(to_numpy(self.weight[index]))

    def _parts(self):
        pre, post, weight, delay = self.host_arrays()
        columns = {name: to_numpy(c).copy() for name, c in getattr(self, "columns", {}).items()}
        initial = getattr(self, "_initial_weight", None)
        initial = None if initial is None else to_numpy(initial).copy()
        return pre, post, weight.copy(), delay, columns, initial

    def _rebuild(self, pre, post, weight, delay, columns, initial):
        order = np.argsort(pre, kind="stable")
        indptr = host_csr(self.n_pre, pre, post)[0]
        self._store(indptr, post[order], weight[order], delay[order])
        if columns:
            self.columns = {name: self.xp.asarray(values[order])
                            for name, values in columns.items()}
        if initial is not None:
            self._initial_weight = self.xp.asarray(initial[order])
        if hasattr(self, "built"):
            self.built()

    def remove_synapse(self, index):
        pre, post, weight, delay, columns, initial = self._parts()
        keep = np.ones(pre.size, dtype=bool)
        keep[index] = False
        self._rebuild(pre[keep], post[keep], weight[keep], delay[keep],
                      {k: v[keep] for k, v in columns.items()},
                      None if initial is None else initial[keep])

    def form_synapse(self, pre, post, rewiring):
        rules = self.structural_rules
        weight = abs(float(rules.initial_weight))
        delay = rewiring.initial_delay_steps(self)
        self.add(np.array([pre]), np.array([post]), weight, delay, **rules.synapse_parameters)
        self.finalize()

    def reset(self):
        """Back to the connections before the first run (the engine's reset)."""
        self.restore_structure()
        self.rewiring.reset()
        parent = getattr(super(), "reset", None)
        if parent is not None:
            parent()

    def snapshot_structure(self):
        if self._structure is None:
            self._structure = self._parts()

    def restore_structure(self):
        if self._structure is not None:
            pre, post, weight, delay, columns, _ = self._structure
            self._rebuild(pre, post, weight.copy(), delay,
                          {k: v.copy() for k, v in columns.items()}, None)
            if hasattr(self, "_initial_weight"):
                self._initial_weight = None
            self._structure = None


class StructuralStaticBlock(StructuralBlockMixin, StaticMagnitudeBlock):
    """Static synapses under rewiring."""


class StructuralSTDPBlock(StructuralBlockMixin, SpiNNakerSTDPBlock):
    """sPyNNaker STDP synapses under rewiring."""


# --- the synapse types ---------------------------------------------------------
class StructuralRules:
    """What one structural projection forms and eliminates with."""

    def __init__(self, formation, elimination, initial_weight, initial_delay,
                 synapse_parameters):
        self.formation, self.elimination = formation, elimination
        self.initial_weight, self.initial_delay = initial_weight, initial_delay
        self.synapse_parameters = synapse_parameters


class StructuralMixin:
    """sPyNNaker's structural arguments and the block wiring shared by both mechanisms."""

    def _structural_init(self, partner_selection, formation, elimination, f_rew,
                         initial_weight, initial_delay, s_max, with_replacement, seed):
        checks = ((partner_selection, (RandomSelection, LastNeuronSelection), "partner_selection"),
                  (formation, (DistanceDependentFormation,), "formation"),
                  (elimination, (RandomByWeightElimination,), "elimination"))
        for rule, kinds, name in checks:
            if not isinstance(rule, kinds):
                raise errors.InvalidModelError(
                    f"{type(self).__name__}({name}=...): pycarl_backend.spinnaker has "
                    f"{', '.join(k.__name__ for k in kinds)}, not {type(rule).__name__}")
        if not f_rew > 0:
            raise errors.InvalidParameterValueError(
                f"{type(self).__name__}(f_rew={f_rew!r}): the rewiring frequency must be > 0 Hz")
        if int(s_max) != s_max or s_max < 1:
            raise errors.InvalidParameterValueError(
                f"{type(self).__name__}(s_max={s_max!r}): must be an integer >= 1")
        self.partner_selection, self.formation, self.elimination = (
            partner_selection, formation, elimination)
        self.f_rew, self.s_max = float(f_rew), int(s_max)
        self.initial_weight, self.initial_delay = initial_weight, initial_delay
        self.with_replacement, self.seed = bool(with_replacement), seed

    @property
    def p_rew(self):
        return 1.0 / self.f_rew

    def _synapse_parameters(self, block):
        names = getattr(block, "parameter_defaults", {})
        space = self.parameter_space
        return {name: float(space[name].base_value) for name in names
                if name in space.keys()}

    def make_block(self, engine, pre_group, post_group, receptor, label, projection):
        block = super().make_block(engine, pre_group, post_group, receptor, label, projection)
        block.structural_rules = StructuralRules(
            self.formation, self.elimination, self.initial_weight, self.initial_delay,
            self._synapse_parameters(block))
        registry = engine.__dict__.setdefault("spinnaker_rewirings", {})
        rewiring = registry.get(post_group)
        if rewiring is None:
            rewiring = Rewiring(post_group, self, projection._simulator.state.dt, engine.rng)
            registry[post_group] = rewiring
            rewiring.population = projection.post
            engine.step_hooks.append(rewiring.after_step)
        rewiring.add_block(block)
        block.rewiring = rewiring
        return block


class StructuralMechanismStatic(StructuralMixin, StaticSynapse):
    """sPyNNaker's StructuralMechanismStatic: static synapses under rewiring."""

    block_class = StructuralStaticBlock

    def __init__(self, partner_selection, formation, elimination, f_rew=DEFAULT_F_REW,
                 initial_weight=0.0, initial_delay=1.0, s_max=DEFAULT_S_MAX,
                 with_replacement=True, seed=None, weight=0.0, delay=None):
        self._structural_init(partner_selection, formation, elimination, f_rew,
                              initial_weight, initial_delay, s_max, with_replacement, seed)
        super().__init__(weight=weight, delay=delay)


class StructuralMechanismSTDP(StructuralMixin, STDPMechanism):
    """sPyNNaker's StructuralMechanismSTDP: STDP synapses under rewiring."""

    block_class = StructuralSTDPBlock

    def __init__(self, partner_selection, formation, elimination, timing_dependence,
                 weight_dependence, voltage_dependence=None, dendritic_delay_fraction=1.0,
                 f_rew=DEFAULT_F_REW, initial_weight=0.0, initial_delay=1.0,
                 s_max=DEFAULT_S_MAX, with_replacement=True, seed=None, weight=0.0,
                 delay=None, backprop_delay=True):
        self._structural_init(partner_selection, formation, elimination, f_rew,
                              initial_weight, initial_delay, s_max, with_replacement, seed)
        super().__init__(timing_dependence, weight_dependence, voltage_dependence,
                         dendritic_delay_fraction, weight, delay, backprop_delay=backprop_delay)


STRUCTURAL_TYPES = (StructuralMechanismStatic, StructuralMechanismSTDP)
