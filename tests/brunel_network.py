"""A scaled Brunel (2000) network of IF_curr_delta cells (NEST's
iaf_psc_delta), written against any PyNN simulator module.

Parameters from Brunel, J Comput Neurosci 8:183 (2000), section 2 and
figure 8: tau = 20 ms, theta = 20 mV, V_r = 10 mV, tau_rp = 2 ms, D = 1.5 ms,
connection probability eps = 0.1 (fixed in-degree C_E = eps N_E,
C_I = eps N_I), inhibitory weight -g J; the external drive is one Poisson
source per cell at nu_ext = eta * nu_thr * C_E with nu_thr = theta / (J C_E tau).
Scaled here to N_E = 2000, N_I = 500 with J = 0.2 mV (so nu_thr = 25 Hz and the
external source of each cell fires at 2 * 25 * 200 = 10 kHz, 1 spike per
step at dt = 0.1 ms); regime g = 5, eta = 2.
"""
N_E, N_I = 2000, 500
EPSILON = 0.1
J, G, ETA, DELAY = 0.2, 5.0, 2.0, 1.5
TAU_M, THETA, V_RESET, TAU_REFRAC = 20.0, 20.0, 10.0, 2.0
C_E, C_I = int(EPSILON * N_E), int(EPSILON * N_I)
NU_THR = THETA / (J * C_E * TAU_M) * 1000.0  # Hz
NU_EXT = ETA * NU_THR * C_E  # Hz, per cell


def run(sim, t_sim=600.0, t_warmup=100.0, seed=2000, **setup_args):
    """Mean rates (Hz) of the excitatory and inhibitory populations after the warm-up."""
    from pyNN.random import NumpyRNG, RandomDistribution
    sim.setup(timestep=0.1, min_delay=DELAY, max_delay=DELAY, rng_seed=seed, **setup_args)
    rng = NumpyRNG(seed=seed)
    cell = sim.IF_curr_delta(tau_m=TAU_M, v_rest=0.0, v_reset=V_RESET, v_thresh=THETA,
                             tau_refrac=TAU_REFRAC, cm=1.0, i_offset=0.0)
    exc = sim.Population(N_E, cell, label="E")
    inh = sim.Population(N_I, cell, label="I")
    for p in (exc, inh):
        p.initialize(v=RandomDistribution("uniform", low=0.0, high=THETA, rng=rng))
    for post in (exc, inh):
        background = sim.Population(post.size, sim.SpikeSourcePoisson(rate=NU_EXT),
                                    label=f"ext_{post.label}")
        sim.Projection(background, post, sim.OneToOneConnector(),
                       sim.StaticSynapse(weight=J, delay=DELAY), receptor_type="excitatory")
        for pre, n_pre, w, receptor in ((exc, C_E, J, "excitatory"),
                                        (inh, C_I, -G * J, "inhibitory")):
            sim.Projection(pre, post, sim.FixedNumberPreConnector(n_pre, rng=rng),
                           sim.StaticSynapse(weight=w, delay=DELAY), receptor_type=receptor)
    exc.record("spikes")
    inh.record("spikes")
    sim.run(t_sim)
    rates = []
    for p in (exc, inh):
        trains = p.get_data("spikes").segments[0].spiketrains
        count = sum(int((t.magnitude > t_warmup).sum()) for t in trains)
        rates.append(count / p.size / ((t_sim - t_warmup) / 1000.0))
    sim.end()
    return tuple(rates)
