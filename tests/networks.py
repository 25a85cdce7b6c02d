"""Networks shared by several test modules."""
import numpy as np
import pycarl_backend as sim
from pyNN.random import NumpyRNG


def build_recurrent(celltype, n_exc, n_inh, w_exc, w_inh, seed, record_v=True):
    """A random recurrent E/I network driven by Poisson sources."""
    rng = NumpyRNG(seed=seed)
    exc = sim.Population(n_exc, celltype, label="exc")
    inh = sim.Population(n_inh, celltype, label="inh")
    exc.initialize(v=sim.RandomDistribution("uniform", low=-65.0, high=-52.0, rng=rng))
    inh.initialize(v=sim.RandomDistribution("uniform", low=-65.0, high=-52.0, rng=rng))
    noise = sim.Population(100, sim.SpikeSourcePoisson(rate=40.0), label="noise")
    conn = sim.FixedProbabilityConnector(0.1, rng=rng)
    for pre, w, rec in ((exc, w_exc, "excitatory"), (inh, w_inh, "inhibitory"),
                        (noise, w_exc * 2, "excitatory")):
        for post in (exc, inh):
            delay = sim.RandomDistribution("uniform", low=0.1, high=2.0, rng=rng) \
                if pre is exc else 0.5
            sim.Projection(pre, post, conn, sim.StaticSynapse(weight=w, delay=delay),
                           receptor_type=rec)
    exc.record("spikes")
    inh.record("spikes")
    if record_v:
        exc[:5].record("v")
    return exc, inh


def gpu_path_cell(cond):
    """The cell of the GPU-path test networks: IF_cond_exp when `cond`, else
    IF_curr_exp."""
    if cond:
        return sim.IF_cond_exp(tau_refrac=2.0, v_rest=-60.0, v_reset=-60.0, cm=0.2,
                               e_rev_I=-80.0, tau_syn_I=10.0)
    return sim.IF_curr_exp(tau_refrac=2.0, tau_syn_I=10.0)


def small_cells(cond):
    """(cell type, excitatory weight, inhibitory weight) of the small GPU-path test
    networks."""
    return (gpu_path_cell(cond),) + ((0.006, 0.05) if cond else (0.4, -1.2))


def small_ei_network(cond, rng, array_times, delay_low, array_delay, host_work,
                     extra_cells=None):
    """The small GPU-path E/I network: 160 excitatory and 40 inhibitory cells (v uniform
    in -65..-51 mV), 50 Poisson sources at 60 Hz and a SpikeSourceArray of `array_times`,
    each onto both cell populations with p = 0.15 (excitatory delays uniform from
    `delay_low` to 3 ms, the array's `array_delay`). `extra_cells`: a cell type for 30
    more cells (created right after inh). With host_work, a DC current into 20 cells
    and v of 3 recorded. Returns (exc, inh, the extra cells or None)."""
    cell, w_exc, w_inh = small_cells(cond)
    exc = sim.Population(160, cell, label="exc")
    inh = sim.Population(40, cell, label="inh")
    extra = sim.Population(30, extra_cells, label="other model") if extra_cells else None
    for p in (exc, inh):
        p.initialize(v=sim.RandomDistribution("uniform", low=-65.0, high=-51.0, rng=rng))
    noise = sim.Population(50, sim.SpikeSourcePoisson(rate=60.0), label="noise")
    array = sim.Population(3, sim.SpikeSourceArray(spike_times=array_times), label="array")
    conn = sim.FixedProbabilityConnector(0.15, rng=rng)
    delays = sim.RandomDistribution("uniform", low=delay_low, high=3.0, rng=rng)
    for pre, w, receptor, delay in ((exc, w_exc, "excitatory", delays),
                                    (inh, w_inh, "inhibitory", 0.5),
                                    (noise, 2 * w_exc, "excitatory", 1.0),
                                    (array, 10 * w_exc, "excitatory", array_delay)):
        for post in (exc, inh):
            sim.Projection(pre, post, conn, sim.StaticSynapse(weight=w, delay=delay),
                           receptor_type=receptor)
    if host_work:  # current injection and state recording keep the loop on the host
        sim.DCSource(amplitude=0.5 if not cond else 0.2, start=20.0,
                     stop=60.0).inject_into(exc[:20])
        inh[:3].record("v")
    return exc, inh, extra


def run_and_collect(durations, populations, v_of=None):
    """sim.run() for each of `durations`, then sim.end(). Returns the spike trains
    (arrays, ms) of each of `populations`, the recorded v of `v_of` (None without),
    and whether the last run took the fused path."""
    for duration in durations:
        sim.run(duration)
    fused = sim.simulator.state.engine.last_run_fused
    trains = [[np.asarray(st.magnitude) for st in p.get_data("spikes").segments[0].spiketrains]
              for p in populations]
    v = v_of.get_data("v").segments[0].analogsignals[0].magnitude if v_of is not None else None
    sim.end()
    return trains, v, fused


def pipelined_network(device, cond, host_work, gpu_options=None):
    """One neuron model, every delay 2 steps or more (heterogeneous and
    uniform), sources with spikes in the last step of the first window, two
    windows. Returns the spike trains and, with host_work, v of 3 cells."""
    sim.setup(timestep=0.1, min_delay=0.2, max_delay=4.0, device=device, rng_seed=5,
              gpu_options=gpu_options)
    last_step = [[69.9, 70.0], [5.0, 69.9], []]  # 69.9 ms: the first window's last step
    exc, inh, _ = small_ei_network(cond, NumpyRNG(seed=5), last_step, delay_low=0.2,
                                   array_delay=0.2, host_work=host_work)
    for p in (exc, inh):
        p.record("spikes")
    trains, v, _ = run_and_collect([70.0, 80.0], (exc, inh), inh if host_work else None)
    return [t for pop in trains for t in pop], v


def high_rate_background(device, cond, host_work=True, split=True):
    """One Poisson source per cell at 12 kHz (1.2 spikes per cell and step at
    dt = 0.1 ms, so most steps repeat cells: multiplicity) into a recurrent
    network. Weights are binary fractions, so sums are exact in any order.
    Returns the cells' trains, v of 3 cells (with host_work), whether the fused
    path ran, and how many source spikes repeated a cell within a step."""
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=4.0, device=device, rng_seed=21,
              cpu_fused=False)  # the reference is the NumPy loop
    rng = NumpyRNG(seed=21)
    cell = gpu_path_cell(cond)
    w_bg, w_exc = (2.0 ** -9, 2.0 ** -8) if cond else (2.0 ** -3, 2.0 ** -2)
    background = sim.Population(120, sim.SpikeSourcePoisson(rate=12000.0), label="bg")
    cells = sim.Population(120, cell, label="cells")
    cells.initialize(v=-60.0 if cond else -65.0)
    sim.Projection(background, cells, sim.OneToOneConnector(),
                   sim.StaticSynapse(weight=w_bg, delay=0.5), receptor_type="excitatory")
    sim.Projection(cells, cells, sim.FixedProbabilityConnector(0.1, rng=rng),
                   sim.StaticSynapse(weight=w_exc, delay=1.0), receptor_type="excitatory")
    background.record("spikes")
    cells.record("spikes")
    if host_work:
        cells[:3].record("v")
    (trains, background_trains), v, fused = run_and_collect(
        [40.0, 40.0] if split else [80.0], (cells, background), cells if host_work else None)
    repeats = sum(int(np.sum(np.diff(t) == 0)) for t in background_trains)
    return trains, v, fused, repeats
