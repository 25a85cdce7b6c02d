"""Brunel (2000) network with one 10 kHz Poisson source per cell (1 spike
per cell and step at dt = 0.1 ms, so the sources' multiplicity matters):
pycarl's population rates within 5% of pyNN.nest's on the same script
(tests/brunel_network.py). Before sources kept their multiplicity, pycarl
lost ~37% of this drive (issue 12)."""
import importlib.util

import pytest

import brunel_network

T_SIM, T_WARMUP = 400.0, 100.0


@pytest.mark.slow
def test_brunel_population_rates_match_nest():
    if importlib.util.find_spec("nest") is None:
        pytest.skip("NEST is not installed (pip install nest-simulator)")
    import pyNN.nest
    import pycarl_backend
    assert brunel_network.NU_EXT >= 10000.0
    nest_e, nest_i = brunel_network.run(pyNN.nest, T_SIM, T_WARMUP, verbosity="error")
    ours_e, ours_i = brunel_network.run(pycarl_backend, T_SIM, T_WARMUP)
    print(f"Brunel g={brunel_network.G} eta={brunel_network.ETA}: "
          f"NEST E {nest_e:.2f} Hz I {nest_i:.2f} Hz; pycarl E {ours_e:.2f} Hz I {ours_i:.2f} Hz")
    assert nest_e > 5.0 and nest_i > 5.0
    assert ours_e == pytest.approx(nest_e, rel=0.05)
    assert ours_i == pytest.approx(nest_i, rel=0.05)
