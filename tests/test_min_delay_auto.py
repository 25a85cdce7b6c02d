"""setup(min_delay='auto'): min_delay becomes the shortest connection delay once run."""
import pycarl_backend as sim


def test_auto_min_delay_is_the_shortest_delay():
    sim.setup(timestep=0.1, min_delay="auto")
    a = sim.Population(3, sim.IF_cond_exp())
    b = sim.Population(4, sim.IF_cond_exp())
    sim.Projection(a, b, sim.AllToAllConnector(), sim.StaticSynapse(delay=0.7))
    sim.Projection(b, a, sim.OneToOneConnector(), sim.StaticSynapse(delay=1.2))
    sim.run(1.0)
    assert abs(sim.get_min_delay() - 0.7) < 1e-12
    sim.end()


def test_explicit_min_delay_is_kept():
    sim.setup(timestep=0.1, min_delay=0.2)
    a = sim.Population(3, sim.IF_cond_exp())
    sim.Projection(a, a, sim.AllToAllConnector(), sim.StaticSynapse(delay=0.7))
    sim.run(1.0)
    assert sim.get_min_delay() == 0.2
    sim.end()
