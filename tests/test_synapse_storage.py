"""Compact storage of static weights and delays (engine/weight_storage.py):
each form is chosen when it keeps every value bit for bit and not otherwise,
runs give bit-identical spikes and gsyn with the compact and the float64
forms (compiled and NumPy loops), get/set round-trip and re-choose the form,
and synapse_bytes() counts what is stored. setup(weight_dtype="float32") is
the opt-in that rounds.
"""
import numpy as np
import pytest

import pycarl_backend as sim
from pycarl_backend.engine.weight_storage import (MAX_CODES, narrow_delays, narrow_weights,
                                                  weight_values)

# --- the choice -------------------------------------------------------------


def kind(stored, table):
    if table is not None:
        return "codes16"
    if stored.size and stored.strides == (0,):
        return "shared"
    return str(stored.dtype)


def assert_bitwise(stored, table, w):
    back = weight_values(stored, table)
    assert back.dtype == np.float64
    np.testing.assert_array_equal(back.view(np.int64), np.asarray(w).view(np.int64))


@pytest.mark.parametrize("name, w, expected", [
    ("equal", np.full(50, 0.1), "shared"),
    ("few values, not float32", np.resize([0.1, 0.2, 0.3], 1000), "codes16"),
    ("few float32 values", np.resize([0.5, 0.25, 2.0], 1000), "codes16"),
    ("many distinct float32 values", np.arange(1000) / 8.0, "float32"),
    ("random doubles", np.random.default_rng(1).normal(0.004, 0.001, 1000), "float64"),
    ("float32 values but one", np.r_[np.arange(999) / 8.0, 0.1], "float64"),
    ("table dearer than float64", np.array([0.1, 0.2, 0.3]), "float64"),
])
def test_form_chosen_only_where_lossless(name, w, expected):
    stored, table = narrow_weights(w)
    assert kind(stored, table) == expected, name
    assert_bitwise(stored, table, w)


def test_not_float32_never_float32():
    rng = np.random.default_rng(2)
    for _ in range(20):
        w = rng.uniform(-1, 1, 400).astype(np.float32).astype(np.float64)
        w[rng.integers(400)] = 0.1          # the one weight that is not a float32 number
        stored, table = narrow_weights(w)
        assert kind(stored, table) == "float64"


def test_codes_keep_signed_zero_and_nan_bits():
    w = np.resize([0.0, -0.0, np.nan, 0.1], 400)
    stored, table = narrow_weights(w)
    assert kind(stored, table) == "codes16" and table.size == 4
    assert_bitwise(stored, table, w)


def test_more_distinct_values_than_codes_stay_float64():
    values = 0.1 + np.arange(MAX_CODES + 1) * 1e-9           # none a float32 number
    w = np.resize(values[:MAX_CODES], 4 * MAX_CODES + 10)
    w[-1] = values[MAX_CODES]          # the 65537th value, after the weights probed first
    stored, table = narrow_weights(w)
    assert kind(stored, table) == "float64"
    w[-1] = w[0]                       # now exactly MAX_CODES values
    stored, table = narrow_weights(w)
    assert kind(stored, table) == "codes16" and table.size == MAX_CODES
    assert_bitwise(stored, table, w)


def test_delay_width():
    assert narrow_delays(np.array([1, 255, 3])).dtype == np.uint8
    assert narrow_delays(np.array([1, 256, 3])).dtype == np.int16


# --- through PyNN -----------------------------------------------------------

N_PRE, N_POST = 30, 20


def matrix(values, seed):
    return np.random.default_rng(seed).choice(values, size=(N_PRE, N_POST))


# one projection per form; weights in uS (IF_cond_exp)
WEIGHTS = {
    "codes16": lambda: matrix([0.001, 0.002, 0.003, 0.0045], 1),
    # a second table, at an offset in the compiled loop's table pool
    "codes16b": lambda: matrix([0.0011, 0.0033], 4),
    "float32": lambda: (np.random.default_rng(2).integers(1, 4000, (N_PRE, N_POST))
                        * 2.0 ** -20),
    "float64": lambda: np.random.default_rng(3).uniform(0.0005, 0.004, (N_PRE, N_POST)),
}


def build(fused, weight_dtype="float64", delays_ms=(0.1, 0.2, 0.5, 1.3)):
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=30.0, rng_seed=5, cpu_fused=fused,
              weight_dtype=weight_dtype)
    src = sim.Population(N_PRE, sim.SpikeSourcePoisson(rate=80.0), label="src")
    cells = sim.Population(N_POST, sim.IF_cond_exp(tau_m=15.0), label="cells")
    prjs = {}
    for k, (name, make) in enumerate(WEIGHTS.items()):
        prj = sim.Projection(src, cells, sim.AllToAllConnector(),
                             sim.StaticSynapse(weight=0.001, delay=0.1),
                             receptor_type="excitatory", label=name)
        prj.set(weight=make(), delay=matrix(delays_ms, 10 + k))
        prjs[name] = prj
    cells.record(["spikes", "gsyn_exc", "v"])
    return src, cells, prjs


def block_of(prj):
    (block,) = [b for _, b in prj._finalized_blocks()]
    return block


def widen_all():
    for block in sim.simulator.state.engine.blocks:
        block.finalize()
        block.writable_weights()
        if not isinstance(block.delay, int):
            block.delay = block.delay.astype(np.int16)


def run_once(fused, widen, weight_dtype="float64"):
    _, cells, prjs = build(fused, weight_dtype)
    forms = {name: (kind(block_of(p).weight, block_of(p).weight_table),
                    block_of(p).delay.dtype) for name, p in prjs.items()}
    if widen:
        widen_all()
    sim.run(150.0)
    seg = cells.get_data().segments[0]
    out = ([np.asarray(st) for st in seg.spiketrains],
           {a.name: np.asarray(a) for a in seg.analogsignals})
    engine = sim.simulator.state.engine
    assert engine.last_run_cpu_fused == fused
    sim.end()
    return out, forms


def test_each_projection_gets_its_form():
    _, forms = run_once(True, False)
    assert forms == {"codes16": ("codes16", np.uint8), "codes16b": ("codes16", np.uint8),
                     "float32": ("float32", np.uint8),
                     "float64": ("float64", np.uint8)}


@pytest.mark.parametrize("fused", [True, False], ids=["compiled", "numpy"])
def test_runs_bit_identical_to_float64_storage(fused):
    (spikes, signals), _ = run_once(fused, widen=False)
    (spikes64, signals64), _ = run_once(fused, widen=True)
    assert sum(t.size for t in spikes) > 20
    for a, b in zip(spikes, spikes64):
        np.testing.assert_array_equal(a, b)
    for name in ("gsyn_exc", "v"):
        np.testing.assert_array_equal(signals[name].view(np.int64),
                                      signals64[name].view(np.int64))


def test_compiled_and_numpy_loops_agree_on_compact_storage():
    (spikes, signals), _ = run_once(True, widen=False)
    (spikes_np, signals_np), _ = run_once(False, widen=False)
    for a, b in zip(spikes, spikes_np):
        np.testing.assert_array_equal(a, b)
    # conductance decay: the compiled exp is within an ulp of NumPy's (test_cpu_fused.py)
    np.testing.assert_allclose(signals["gsyn_exc"], signals_np["gsyn_exc"], rtol=1e-12)


def test_get_set_round_trip_and_set_widens_and_narrows_again():
    _, _, prjs = build(True)
    prj = prjs["float32"]
    w = WEIGHTS["float32"]()
    np.testing.assert_array_equal(prj.get("weight", format="array"), w)
    assert block_of(prj).weight.dtype == np.float32
    prj.set(weight=np.where(np.arange(N_PRE)[:, None] == 3, 0.1, w))    # not float32
    block = block_of(prj)
    assert block.weight.dtype == np.float64 and block.weight_table is None
    got = prj.get("weight", format="array")
    assert got[3, 0] == 0.1 and np.array_equal(got[4:], w[4:])
    prj.set(weight=w)
    assert block_of(prj).weight.dtype == np.float32
    np.testing.assert_array_equal(prj.get("weight", format="array"), w)
    # delays: 30 ms = 300 steps does not fit uint8
    d = prj.get("delay", format="array")
    prj.set(delay=np.where(np.arange(N_POST)[None, :] == 2, 27.0, d))
    assert block_of(prj).delay.dtype == np.int16
    assert prj.get("delay", format="array")[0, 2] == pytest.approx(27.0)
    prj.set(delay=d)
    assert block_of(prj).delay.dtype == np.uint8
    np.testing.assert_allclose(prj.get("delay", format="array"), d)
    sim.end()


def test_synapse_bytes_counts_what_is_stored():
    _, _, prjs = build(True)
    engine = sim.simulator.state.engine
    per_prj = N_PRE * N_POST
    expected = {"codes16": per_prj * (2 + 2 + 1) + 4 * 8,
                "codes16b": per_prj * (2 + 2 + 1) + 2 * 8, "float32": per_prj * (2 + 4 + 1),
                "float64": per_prj * (2 + 8 + 1)}
    for name, prj in prjs.items():
        assert block_of(prj).nbytes() == expected[name] + 4 * (N_PRE + 1), name
    total, count = engine.synapse_bytes()
    assert count == 4 * per_prj
    assert total == sum(expected.values()) + 4 * 4 * (N_PRE + 1)
    sim.end()


def test_float32_opt_in_rounds_and_gets_the_stored_values():
    _, _, prjs = build(True, weight_dtype="float32")
    prj = prjs["float64"]
    w = WEIGHTS["float64"]()
    got = prj.get("weight", format="array")
    np.testing.assert_array_equal(got, w.astype(np.float32).astype(np.float64))
    assert not np.array_equal(got, w)
    assert block_of(prj).weight.dtype == np.float32
    prj.set(weight=0.1)                                # shared, rounded too
    assert prj.get("weight", format="array")[0, 0] == float(np.float32(0.1))
    sim.end()


def test_float32_opt_in_runs_as_the_rounded_weights_do():
    def run(weight_dtype, pre_round):
        _, cells, prjs = build(True, weight_dtype)
        if pre_round:
            for name, prj in prjs.items():
                prj.set(weight=WEIGHTS[name]().astype(np.float32).astype(np.float64))
        sim.run(100.0)
        out = [np.asarray(st) for st in cells.get_data("spikes").segments[0].spiketrains]
        sim.end()
        return out
    for a, b in zip(run("float32", False), run("float64", True)):
        np.testing.assert_array_equal(a, b)


def test_bad_weight_dtype_names_the_choices():
    with pytest.raises(ValueError, match=r"weight_dtype='float16'.*float64.*float32"):
        sim.setup(weight_dtype="float16")
