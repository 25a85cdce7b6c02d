"""Step-current runs of IF_cond_exp_gsfa_grr and GIF_cond_exp, written against
any PyNN simulator module (tests/test_adaptive_models_vs_nest.py runs them on
pycarl and on pyNN.nest)."""
import numpy as np

DT = 0.1
T_SIM = 400.0
STEP_TIMES = [50.0, 150.0, 250.0]
STEP_AMPLITUDES = [1.2, 0.4, 2.0]  # nA

GSFA_GRR = [dict(), dict(q_sfa=30.0, tau_sfa=50.0, q_rr=1500.0, tau_rr=3.0, tau_refrac=1.0)]
# GIF with a threshold so sharp (delta_v = 1e-3 mV) that its escape noise is a hard
# threshold: firing probability rises from ~0 to ~1 within 0.05 mV of v_t
GIF = [dict(delta_v=1e-3, lambda0=1000.0, v_t_star=-50.0, tau_refrac=2.0,
            tau_eta=(2.0, 20.0, 100.0), a_eta=(0.2, 0.1, 0.05),
            tau_gamma=(5.0, 50.0, 200.0), a_gamma=(2.0, 1.0, 0.5))]


def run_cells(sim, cell_type_name, parameter_sets, record=("v",), **setup_args):
    """Spike times (one array per cell) and recorded signals {name: (steps, cells)}."""
    from pyNN.parameters import ArrayParameter
    sim.setup(timestep=DT, min_delay=DT, **setup_args)
    celltype = getattr(sim, cell_type_name)
    pops = []
    for params in parameter_sets:
        params = {k: ArrayParameter(v) if isinstance(v, tuple) else v for k, v in params.items()}
        pops.append(sim.Population(1, celltype(**params)))
    for p in pops:
        sim.StepCurrentSource(times=STEP_TIMES, amplitudes=STEP_AMPLITUDES).inject_into(p)
        p.record(["spikes"] + list(record))
    sim.run(T_SIM)
    spikes, signals = [], {name: [] for name in record}
    for p in pops:
        segment = p.get_data().segments[0]
        spikes.append(np.asarray(segment.spiketrains[0].magnitude))
        for name in record:
            signal = segment.filter(name=name)[0]
            signals[name].append(np.asarray(signal.magnitude)[:, 0])
    sim.end()
    return spikes, {k: np.array(v).T for k, v in signals.items()}


def patch_pynn_nest_gsfa_grr():
    """pyNN.nest 0.13.0's IF_cond_exp_gsfa_grr maps its state variables g_r, g_s
    under the names g_rr, g_sfa (NEST's), so creating a population raises
    KeyError: 'g_r'. Add the two PyNN names (both nS on either side)."""
    import pyNN.nest
    cls = pyNN.nest.IF_cond_exp_gsfa_grr
    cls.variable_map = dict(cls.variable_map, g_r="g_rr", g_s="g_sfa")
    cls.scale_factors = dict(cls.scale_factors, g_r=1, g_s=1)


# GIF with its escape noise on (delta_v = 0.5 mV as PyNN's default): compared in
# distribution, since NEST and pycarl draw different random numbers
GIF_NOISY = dict(delta_v=0.5, lambda0=5.0, v_t_star=-50.0, tau_refrac=2.0,
                 tau_eta=(2.0, 20.0, 100.0), a_eta=(0.2, 0.1, 0.05),
                 tau_gamma=(5.0, 50.0, 200.0), a_gamma=(2.0, 1.0, 0.5))


def gif_spike_counts(sim, n=200, **setup_args):
    """Spike count of each of n GIF cells driven by the step current."""
    from pyNN.parameters import ArrayParameter
    sim.setup(timestep=DT, min_delay=DT, **setup_args)
    params = {k: ArrayParameter(v) if isinstance(v, tuple) else v
              for k, v in GIF_NOISY.items()}
    cells = sim.Population(n, sim.GIF_cond_exp(**params))
    sim.StepCurrentSource(times=STEP_TIMES, amplitudes=STEP_AMPLITUDES).inject_into(cells)
    cells.record("spikes")
    sim.run(T_SIM)
    counts = np.array([len(t) for t in cells.get_data().segments[0].spiketrains])
    sim.end()
    return counts
