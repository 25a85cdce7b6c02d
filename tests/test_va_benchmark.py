"""Smoke test of the Vogels-Abbott benchmark script (benchmarks/), on pycarl only and
on a small network: the script must keep working; no timing is checked."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import va_benchmark  # noqa: E402
import va_network  # noqa: E402


def test_published_parameters():
    assert va_network.CM_NF == pytest.approx(0.2)
    assert va_network.weights("COBA") == pytest.approx((0.004, 0.051))
    w_exc, w_inh = va_network.weights("CUBA")
    assert w_exc == pytest.approx(0.0162) and w_inh == pytest.approx(-0.09)


@pytest.mark.parametrize("model", ["COBA", "CUBA"])
def test_worker_and_table(model):
    result = va_benchmark.worker("pycarl", model, 500, 100.0)
    assert result["spikes_exc"] > 0 and result["rate_exc_hz"] > 0
    engine = result["engine"]
    # 2% of 500 would be 10; the in-degree is held at 80 instead
    assert engine["synapses"] == pytest.approx(500 * 80 + (100 if model == "COBA" else 0),
                                               rel=0.05)
    assert engine["bytes_per_synapse"] <= 12
    assert engine["synaptic_events"] > 0
    fake_nest = dict(result, simulator="nest")
    table = va_benchmark.format_table([result, fake_nest])
    assert "pycarl/nest" in table and "1.000" in table
    assert "B/synapse" in va_benchmark.format_memory([result])


def test_spike_counts_match_the_spike_trains():
    import pycarl_backend as sim
    from spike_counts import spikes_after
    sim.setup(timestep=0.1, min_delay=0.2, max_delay=1.0, rng_seed=1)
    net = va_network.build(sim, "COBA", 500, seed=1)
    sim.run(100.0)
    for pop in (net.exc, net.inh):
        trains = pop.get_data("spikes").segments[0].spiketrains
        for t in (0.0, 30.0, 60.0):
            naive = sum(int((st.magnitude > t).sum()) for st in trains)
            assert spikes_after(pop, t) == naive
        assert spikes_after(pop, 30.0) > 0
    sim.end()


def test_cpu_peers_table_ratios():
    import cpu_peers
    mine = {"run_s": 0.1, "build_s": 1.0, "fetch_s": 0.05, "rate_exc_hz": 5.0,
            "rate_inh_hz": 6.0, "peak_rss_mb": 100.0, "synaptic_events": 10**6}
    peer = dict(mine, run_s=0.4, rate_exc_hz=5.5)
    cold = dict(mine, run_s=0.15, build_s=1.15)
    rows = {name: cpu_peers.with_event_cost(dict(r)) for name, r in
            (("pycarl", mine), ("pycarl cold cache", cold), ("brian2 standalone", peer),
             ("nest 1 thread", {"error": "not installed"}))}
    text = cpu_peers.table({("COBA", 4000): rows})
    assert "pycarl/brian2 standalone" in text and "run 0.250x" in text
    assert "rate exc 0.909x" in text and "compilation 0.20 s" in text
    assert "ERROR not installed" in text
    assert rows["pycarl"]["ns_per_event"] == pytest.approx(100.0)


def test_synapse_storage_benchmark_table(capsys):
    """benchmarks/synapse_storage.py on a small network: each case's storage form,
    bytes per synapse, and identical spikes against float64 storage."""
    import synapse_storage
    synapse_storage.main(["--n", "500", "--tstop", "50", "--repeats", "1"])
    rows = {line[:24].strip(): line for line in capsys.readouterr().out.splitlines()}
    assert "codes16/scalar" in rows["discrete"] and "codes16/uint8" in rows["discrete+delays"]
    assert "float32/scalar" in rows["normal f32 opt-in"]
    assert "float64/scalar" in rows["normal"] and "float32" not in rows["normal"]
    for case in ("discrete", "discrete+delays", "normal", "normal f32 opt-in"):
        assert rows[case].rstrip().endswith("True"), rows[case]
    # in-degree 80 onto 400 + 100 cells: 2 B targets, 2 B codes, 1 B delays (+ row pointers)
    assert float(rows["discrete"][58:64]) < 4.5
    assert float(rows["discrete (f64)"][58:64]) > 10.0
