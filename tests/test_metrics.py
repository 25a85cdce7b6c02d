"""Metrics: latency, ISI distortion, disorder, rates, van Rossum, compare_runs."""
import json

import numpy as np
import pytest

from chip_graphs import random_recurrent_graph
from hardware_models import load_hardware
from pycarl.metrics import compare_runs, delivery_metrics, van_rossum


def test_latency_isi_distortion_and_disorder_hand_computed():
    # destination core 0 receives three spikes; the third generated overtakes the second
    d = {"step": [0, 0, 0], "core": [0, 0, 0], "source": [1, 2, 3],
         "gen_ns": [0.0, 1e6, 2e6], "latency_ns": [1e6, 3e6, 1e6], "extra_steps": [0, 1, 0]}
    m = delivery_metrics(d, dt_ms=1.0)
    # t_g = 0, 1, 2 ms; t_r = 1, 4, 3 ms; by arrival: (1,0) (3,2) (4,1)
    assert m["latency_ms"]["min"] == pytest.approx(1.0)
    assert m["latency_ms"]["max"] == pytest.approx(3.0)
    assert m["latency_ms"]["mean"] == pytest.approx(5 / 3)
    # D = [(3-1)-(2-0), (4-3)-(1-2)] = [0, 2]
    assert m["isi_distortion_ms"]["min"] == pytest.approx(0.0)
    assert m["isi_distortion_ms"]["max"] == pytest.approx(2.0)
    assert m["disorder"] == 1
    assert m["extra_delay_ms"]["max"] == pytest.approx(1.0)
    assert sum(m["latency_ms"]["histogram"]["counts"]) == 3


def test_van_rossum_uses_elephant_and_grows_with_shift():
    assert van_rossum([10.0, 20.0], [10.0, 20.0], 100.0, 10.0) == pytest.approx(0.0, abs=1e-9)
    d1 = van_rossum([10.0], [11.0], 100.0, 10.0)
    d2 = van_rossum([10.0], [15.0], 100.0, 10.0)
    assert 0 < d1 < d2
    # single spikes shifted by s: D^2 = 2 (1 - exp(-s / tau)) in elephant's normalisation
    assert d2 == pytest.approx(np.sqrt(2 * (1 - np.exp(-5 / 10))), rel=1e-3)


def test_compare_runs_end_to_end():
    rng = np.random.default_rng(0)
    n = 20
    g = random_recurrent_graph(rng, n, 100, "exc")
    sw = {"exc": [np.sort(rng.uniform(0, 100, 5)) for _ in range(n)]}
    hwtrains = {"exc": [x + 0.1 for x in sw["exc"]]}
    hw = load_hardware("loihi", neurons_per_core=5)
    summ = hw.replay(g, {i: sw["exc"][i] for i in range(n)}, t_stop_ms=100.0)
    res = compare_runs(sw, hwtrains, 100.0, summ)
    for k in ("hardware", "latency_ms", "isi_distortion_ms", "disorder", "energy_pj",
              "hardware_time_per_tick_ns", "populations"):
        assert k in res
    p = res["populations"]["exc"]
    assert p["rate_software_hz"] == pytest.approx(50.0)
    assert p["rate_hardware_hz"] == pytest.approx(50.0)
    assert p["van_rossum"] > 0
    assert res["latency_ms"]["min"] > 0          # every delivery takes some time, never earlier
    assert res["hardware"] == "Loihi"
    json.dumps(res)
    same = compare_runs(sw, sw, 100.0, summ)
    assert same["populations"]["exc"]["van_rossum"] == 0.0
    with pytest.raises(KeyError, match="'inh'"):
        compare_runs(sw, {"exc": sw["exc"], "inh": []}, 100.0, summ)


def test_van_rossum_many_equals_elephant_per_pair():
    """van_rossum_many evaluates elephant's van_rossum_distance (its normalisation)
    for every neuron at once: same values on random trains, empty trains included."""
    from pycarl.metrics import van_rossum_many
    rng = np.random.default_rng(3)
    a = [np.sort(rng.uniform(0, 300, rng.integers(0, 15))) for _ in range(40)]
    kept = [t[rng.random(t.size) < 0.7] for t in a]
    b = [np.sort(np.concatenate([np.abs(k + rng.normal(0, 2, k.size)),
                                 rng.uniform(0, 300, rng.integers(0, 4))])) for k in kept]
    b[0] = np.zeros(0)
    a[1] = np.zeros(0)
    expected = [van_rossum(x, y, 310.0, 10.0) for x, y in zip(a, b)]
    np.testing.assert_allclose(van_rossum_many(a, b, 10.0), expected, rtol=1e-9, atol=1e-9)
    # blocks smaller than one row still cover every neuron
    np.testing.assert_allclose(van_rossum_many(a, b, 10.0, max_block=1), expected, rtol=1e-9,
                               atol=1e-9)
    assert np.all(van_rossum_many(a, a, 10.0) == 0.0)
