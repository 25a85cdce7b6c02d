"""The seam by which a chip computes cells in its own arithmetic
(hardware_models/arithmetic.py, pycarl_backend/engine/chip_neurons.py),
exercised with a small integrate-and-fire chip written here: integer charge,
two receptors chosen per synapse by the weight's sign, weights stored as
integers (x 10), its own step duration, arrival offsets."""
import subprocess
import sys

import numpy as np
import pytest

import pycarl_backend as sim
from hardware_models import HardwareConstraintError, load_hardware
from hardware_models.arithmetic import ChipNeurons, ChipSynapses, register_neuron_model
from pycarl_backend import simulator


class CountingChip(ChipNeurons):
    """v += 10 w per spike (integer), fires at v >= 10 * threshold, resets to 0."""
    receptors = ("plus", "minus")
    recordables = {"v": "mV"}
    chip = "counting chip"

    def __init__(self, *args):
        super().__init__(*args)
        if self.population.celltype != "IF_curr_delta":
            raise HardwareConstraintError(f"counting chip: '{self.label}' is "
                                          f"{self.population.celltype}; supports IF_curr_delta")
        self.threshold = np.rint(10 * (self.parameter("v_thresh") - self.parameter("v_rest")))
        self.seen_offsets = []
        self.reset()

    def synapses(self, projection):
        w = np.rint(np.abs(projection.weight) * 10.0)
        ratio = self.dt_ms / self.step_ms
        delay = np.maximum(np.rint(projection.delay_steps * ratio), 1).astype(np.int32)
        return ChipSynapses(weight=w, delay_steps=delay,
                            receptor=(projection.weight < 0).astype(np.int64))

    def step(self, inputs, i_ext):
        xp = self.xp
        v = self.state["v"]
        v += (inputs["plus"] - inputs["minus"]).astype(np.int64)
        if self.arrival_offsets:
            self.seen_offsets.append(float(inputs["plus@offset"].sum()))
        fired = xp.flatnonzero(v >= self.threshold)
        v[fired] = 0
        return fired

    def value(self, name):
        if name == "v":
            return self.state["v"] / 10.0 + self.parameter("v_rest")
        return super().value(name)

    def reset(self):
        self.state = {"v": self.xp.zeros(self.size, dtype=np.int64)}


class OffsetChip(CountingChip):
    arrival_offsets = True


register_neuron_model("test-counting", CountingChip)
register_neuron_model("test-offset", OffsetChip)


def run_network(options, cell=None, t_stop=30.0, dt=0.1):
    sim.setup(timestep=dt, min_delay=dt, max_delay=10.0, hardware="loihi",
              hardware_options=options)
    times = [1.0, 2.0, 3.0, 4.0, 6.0, 6.5, 7.0]
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=times), label="src")
    cells = sim.Population(3, cell or sim.IF_curr_delta(v_rest=0.0, v_thresh=1.0,
                                                        v_reset=0.0, tau_refrac=0.0),
                           label="cells")
    sim.Projection(src, cells, sim.FromListConnector(
        [(0, 0, 0.4, 1.0), (0, 1, 0.6, 2.0), (0, 2, 0.25, 1.0)]), label="in")
    sim.Projection(src, cells, sim.FromListConnector([(1, 0, -0.2, 1.0)]), label="inh",
                   receptor_type="inhibitory")
    cells.record(["spikes", "v"])
    sim.run(t_stop)
    block = cells.get_data()
    chip = simulator.state.cosim.chip_groups.get("cells")
    sim.end()
    return block, chip


def test_chip_cells_replace_float_cells_and_fire_in_chip_units():
    block, chip = run_network({"cells": "chip", "neuron_model": "test-counting"})
    assert chip is not None and isinstance(chip.chip, CountingChip)
    trains = [np.asarray(t.magnitude) for t in block.segments[0].spiketrains]
    # a spike at t (emitted in step t/dt - 1) with delay d arrives in step t/dt - 1 + d/dt
    # and a cell firing there has time stamp t + d.
    # cell 0: +4 -2 per input time, threshold 10: fires at the 5th (6.0 + 1 ms)
    assert np.allclose(trains[0], [7.0])
    # cell 1: +6 per spike, 2 ms delay: fires at every 2nd arrival
    assert np.allclose(trains[1], [4.0, 6.0, 8.5])
    # cell 2: 0.25 -> rint(2.5) = 2 units per spike: 5 spikes reach 10 at the 5th
    assert np.allclose(trains[2], [7.0])
    v = np.asarray(block.segments[0].filter(name="v")[0].magnitude)
    assert v[19, 0] == 0.0 and v[20, 0] == pytest.approx(0.2)   # 4 - 2 = 2 chip units


def test_software_cells_option_keeps_the_pynn_group():
    block, chip = run_network({"cells": "software", "neuron_model": "test-counting"})
    assert chip is None
    assert len(block.segments[0].spiketrains) == 3


def test_unsupported_cell_type_is_refused_by_the_chip():
    with pytest.raises(HardwareConstraintError, match="supports IF_curr_delta"):
        run_network({"cells": "chip", "neuron_model": "test-counting"}, cell=sim.IF_curr_exp())
    sim.end()


def test_chip_step_duration_becomes_the_engine_step():
    block, chip = run_network({"cells": "chip", "neuron_model": "test-counting",
                               "chip_step_ms": 1.0})
    trains = [np.asarray(t.magnitude) for t in block.segments[0].spiketrains]
    for t in trains:
        assert np.allclose(t, np.round(t))    # whole ticks of 1 ms
    # 6.5 and 7.0 fall into the same tick (step 6): 6 + 6 + 6 -> one spike at 9 ms
    assert np.allclose(trains[1], [4.0, 6.0, 9.0])
    assert chip.dt == 1.0
    v = block.segments[0].filter(name="v")[0]
    assert v.shape[0] == 31 and float(v.sampling_period.magnitude) == 1.0


def test_arrival_offsets_reach_the_chip():
    from pycarl_backend.engine.chip_neurons import OffsetDelivery
    from pycarl_backend.engine.delays import InputRing
    from pycarl_backend.engine.synapses import SynapseBlock
    ring = InputRing(np, 2, ["plus", "minus", "plus@offset", "minus@offset"], slots=4)
    block = SynapseBlock(np, 1, 2, ring.column_offset("plus"))
    block.add([0, 0], [0, 1], [3.0, 5.0], [1, 1])
    block.finalize()
    deliver = OffsetDelivery(block, ring.column_offset("plus@offset"))
    deliver(0, np.array([0]), ring, lambda idx, s, post: np.array([0.25, 1.5])[idx])
    plus, minus, plus_off, _ = ring.arriving(1)
    assert list(plus) == [3.0, 0.0] and list(plus_off) == [0.75, 0.0]
    plus, _, plus_off, _ = ring.arriving(2)
    assert list(plus) == [0.0, 5.0] and list(plus_off) == [0.0, 2.5]


def test_sub_step_spike_times_shift_the_arrival():
    """A source spike at 0.3 of its step (a chip with spike_offsets) arrives
    0.7 steps before the on-grid arrival: offset -0.7 in the delay's step;
    with 2 steps of latency on top, +0.3 one step later."""
    from types import SimpleNamespace
    from pycarl_backend.engine.chip_neurons import OffsetDelivery
    from pycarl_backend.engine.delays import InputRing
    from pycarl_backend.engine.synapses import SynapseBlock
    ring = InputRing(np, 2, ["plus", "plus@offset"], slots=4)
    block = SynapseBlock(np, 1, 2, ring.column_offset("plus"))
    block.add([0, 0], [0, 1], [3.0, 5.0], [1, 1])
    block.finalize()
    block.pre_group = SimpleNamespace(spike_fraction=np.array([0.3]))
    deliver = OffsetDelivery(block, ring.column_offset("plus@offset"))
    deliver(0, np.array([0]), ring, lambda idx, s, post: np.array([0.0, 2.0])[idx])
    plus, plus_off = ring.arriving(1)
    assert list(plus) == [3.0, 0.0] and np.allclose(plus_off, [3.0 * -0.7, 0.0])
    plus, plus_off = ring.arriving(2)
    assert list(plus) == [0.0, 5.0] and np.allclose(plus_off, [0.0, 5.0 * 0.3])


def test_offset_chip_gets_its_offset_channels():
    block, chip = run_network({"cells": "chip", "neuron_model": "test-offset"})
    assert chip.receptors == ["plus", "minus", "plus@offset", "minus@offset"]
    assert chip.chip.seen_offsets and max(chip.chip.seen_offsets) == 0.0  # Loihi: no latency


def test_parameters_reach_the_population_spec():
    from pycarl_backend.cosim import build_graph
    sim.setup(timestep=0.1)
    sim.Population(4, sim.IF_curr_exp(tau_m=12.0, v_thresh=[-50, -51, -52, -53]), label="p")
    graph = build_graph(simulator.state)
    sim.end()
    p = graph.population("p")
    assert p.celltype == "IF_curr_exp"
    assert np.allclose(p.parameters["tau_m"], 12.0)
    assert list(p.parameters["v_thresh"]) == [-50, -51, -52, -53]
    assert np.allclose(p.initial_values["v"], -65.0)


def test_software_only_run_never_imports_the_seam():
    code = ("import sys, pycarl_backend as sim; sim.setup(); "
            "p = sim.Population(2, sim.IF_curr_exp()); sim.run(1.0); "
            "print('chip_neurons' in ' '.join(sys.modules), "
            "'hardware_models.arithmetic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_chip_model_without_arithmetic_keeps_software_cells():
    model = load_hardware("truenorth", cells="software")
    assert model.spec.get("cells") == "software"
