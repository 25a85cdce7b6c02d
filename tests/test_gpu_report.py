"""benchmarks/gpu_report.py turns gpu_check.sh's stage logs into the table."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "benchmarks"))

import gpu_report  # noqa: E402


def result(simulator, device, run_s, rate=8.0):
    return {"simulator": simulator, "device": device, "neurons": 4000, "synapses": 320000,
            "tstop_ms": 10000.0, "build_s": 1.0, "run_s": run_s, "rtf": run_s / 10,
            "rate_hz": rate}


def write_logs(folder, stages):
    for name, r in stages.items():
        text = "some output\n" + (f"RESULT {json.dumps(r)}\n" if r else "Traceback: boom\n")
        (folder / f"{name}.log").write_text(text)


def test_speed_up_uses_the_fastest_gpu_stage_and_reports_failures(tmp_path):
    write_logs(tmp_path, {
        "coba4000_gpu": result("pycarl", "gpu", 0.80),
        "coba4000_gpu_graph512": result("pycarl", "gpu", 0.64),
        "coba4000_cpu": result("pycarl", "cpu", 16.0),
        "coba4000_nest": result("nest", "cpu x16", 7.36),
        "coba64000_gpu": None,
    })
    text = gpu_report.table(gpu_report.load(str(tmp_path)), "NVIDIA H100")
    assert "GPU check on: NVIDIA H100" in text
    assert "pycarl GPU (coba4000_gpu_graph512) vs NEST (cpu x16): 11.5x" in text
    assert "GPU speed-up over the CPU engine 25.0x" in text
    assert "coba64000_gpu" in text and "FAILED: some output | Traceback: boom" in text


def test_no_speed_up_line_without_a_gpu_result(tmp_path):
    write_logs(tmp_path, {"coba4000_gpu": None, "coba4000_nest": result("nest", "cpu x16", 7.0)})
    text = gpu_report.table(gpu_report.load(str(tmp_path)), "no GPU")
    assert "speed-up" not in text


def test_tests_summary_when_the_stage_ran_out_of_time(tmp_path):
    (tmp_path / "tests.log").write_text(
        "tests/test_gpu.py::test_if_curr_exp_identical_to_cpu PASSED [  4%]\n"
        "tests/test_gpu.py::test_if_cond_exp_rates_within_2_percent FAILED [  8%]\n"
        "tests/test_gpu.py::test_every_standard_model_runs_on_gpu[HH_cond_exp] PASSED [ 12%]\n"
        "timed out after 200s\n")
    summary = gpu_report.load(str(tmp_path))["tests_summary"]
    assert summary == ("2 passed, 1 failed before: timed out after 200s; "
                       "failed: test_if_cond_exp_rates_within_2_percent")


def test_tests_summary_keeps_pytests_own_last_line(tmp_path):
    (tmp_path / "tests.log").write_text("tests/test_gpu.py::test_a PASSED\n"
                                        "======= 24 passed in 80.1s =======\n")
    assert gpu_report.load(str(tmp_path))["tests_summary"] == "======= 24 passed in 80.1s ======="
