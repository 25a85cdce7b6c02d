"""Bad input raises the pyNN.errors exception a PyNN user expects, naming
the population or projection, the value and the allowed range."""
import subprocess
import sys
import textwrap

import pytest
from pyNN import errors

import pycarl_backend as sim


@pytest.fixture(autouse=True)
def fresh():
    sim.setup(timestep=0.1, min_delay=0.1, max_delay=10.0)
    yield
    sim.end()


def two_populations():
    return (sim.Population(2, sim.IF_curr_exp(), label="pre"),
            sim.Population(2, sim.IF_curr_exp(), label="post"))


def test_unknown_parameter_name():
    with pytest.raises(errors.NonExistentParameterError, match="tau_mm"):
        sim.IF_curr_exp(tau_mm=10.0)


def test_negative_tau_m_names_population_and_range():
    with pytest.raises(errors.InvalidParameterValueError,
                       match=r"Population 'cells'\[0\]: tau_m = -5 .*must be > 0"):
        sim.Population(3, sim.IF_curr_exp(tau_m=-5.0), label="cells")


def test_negative_tau_m_through_set():
    p = sim.Population(3, sim.IF_curr_exp(), label="cells")
    with pytest.raises(errors.InvalidParameterValueError, match=r"'cells'\[1\]: tau_m = -1"):
        p.set(tau_m=[10.0, -1.0, 10.0])
    assert p.get("tau_m") == 20.0  # the default: nothing was changed


@pytest.mark.parametrize("delay", [0.05, 11.0])
def test_delay_out_of_range(delay):
    pre, post = two_populations()
    with pytest.raises(errors.ConnectionError,
                       match=rf"projection 'p1': delay {delay:g} ms .*\[0.1, 10\]"):
        sim.Projection(pre, post, sim.AllToAllConnector(),
                       sim.StaticSynapse(weight=0.5, delay=delay), label="p1")


def test_delay_out_of_range_from_list():
    pre, post = two_populations()
    with pytest.raises(errors.ConnectionError, match=r"projection 'fl': delay 0.01 ms"):
        sim.Projection(pre, post, sim.FromListConnector([(0, 1, 0.5, 0.01)]), label="fl")


def test_wrong_weight_sign_for_receptor():
    pre, post = two_populations()
    with pytest.raises(errors.ConnectionError,
                       match=r"projection 'inh': weight 0.5 is positive.*must be <= 0"):
        sim.Projection(pre, post, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.5),
                       receptor_type="inhibitory", label="inh")
    cond = sim.Population(2, sim.IF_cond_exp(), label="cond")
    with pytest.raises(errors.ConnectionError, match=r"weight -0.5 is negative"):
        sim.Projection(pre, cond, sim.AllToAllConnector(), sim.StaticSynapse(weight=-0.5),
                       receptor_type="inhibitory", label="cinh")


def test_recording_unknown_variable():
    p = sim.Population(2, sim.IF_curr_exp(), label="cells")
    with pytest.raises(errors.RecordingError, match="gsyn_exc"):
        p.record("gsyn_exc")


def test_invalid_device_and_precision():
    with pytest.raises(ValueError, match="device must be one of"):
        sim.setup(device="tpu")
    with pytest.raises(ValueError, match="spike_precision"):
        sim.setup(spike_precision="exact")


def test_running_before_setup_in_a_fresh_process():
    code = textwrap.dedent("""
        import pycarl_backend as sim
        try:
            sim.run(10.0)
        except sim.SimulationNotSetUpError as err:
            print("raised:", err)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "raised: run(): call setup() first" in out


def test_population_before_setup_after_end():
    sim.end()
    with pytest.raises(sim.SimulationNotSetUpError, match="call setup"):
        sim.run(1.0)
    sim.setup()


@pytest.mark.parametrize("celltype, name, bad, allowed", [
    ("IF_cond_exp", "cm", float("nan"), "> 0"),
    ("IF_cond_exp", "tau_m", float("inf"), "> 0"),
    ("IF_curr_exp", "v_thresh", float("-inf"), "a finite number"),
    ("SpikeSourcePoisson", "rate", float("inf"), ">= 0"),
    ("GIF_cond_exp", "delta_v", float("nan"), "> 0"),
])
def test_non_finite_cell_parameter_refused(celltype, name, bad, allowed):
    with pytest.raises(errors.InvalidParameterValueError,
                       match=rf"Population 'cells'\[0\]: parameter {name} = {bad} .*"
                             rf"{name} must be .*{allowed}"):
        sim.Population(2, getattr(sim, celltype)(**{name: bad}), label="cells")


def test_non_finite_parameter_through_set_and_initialize():
    p = sim.Population(3, sim.IF_cond_exp(), label="cells")
    with pytest.raises(errors.InvalidParameterValueError,
                       match=r"'cells'\[2\]: parameter cm = nan"):
        p.set(cm=[1.0, 1.0, float("nan")])
    with pytest.raises(errors.InvalidParameterValueError,
                       match=r"'cells'\[0\]: initial value of v = inf"):
        p.initialize(v=float("inf"))
    assert p.get("cm") == 1.0


def test_infinite_source_duration_allowed():
    src = sim.Population(2, sim.SpikeSourcePoisson(rate=100.0, duration=float("inf")))
    src.record("spikes")
    sim.run(50.0)
    assert sum(len(t) for t in src.get_data().segments[0].spiketrains) > 0


@pytest.mark.parametrize("call", ["run(nan)", "run(inf)", "run(-1.0)", "run_until(inf)",
                                  "run_until(nan)"])
def test_bad_simulation_time_refused(call):
    function, value = call[:-1].split("(")
    with pytest.raises(errors.InvalidParameterValueError,
                       match=rf"{function}\(.*={value}\): .* must be a finite number of ms"):
        getattr(sim, function)(float(value))
    assert sim.get_current_time() == 0.0


@pytest.mark.parametrize("hardware", ["loihii", "/no/such/chip.yaml"])
def test_unknown_chip_refused_at_setup(hardware):
    with pytest.raises(errors.InvalidParameterValueError,
                       match=rf"setup\(hardware='{hardware}'\).*must be one of dynapse, loihi, "
                             rf"truenorth, a path to a chip YAML file"):
        sim.setup(timestep=0.1, hardware=hardware)


def test_known_chip_accepted_at_setup():
    sim.setup(timestep=0.1, hardware="loihi")
    assert sim.simulator.state.hardware == "loihi"
