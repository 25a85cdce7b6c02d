"""The CUDA kernels of the GPU fast path compile with the machine's nvcc
(no GPU needed), and each neuron kernel's parameter list matches the
arguments engine/gpu.py passes it."""
import re
import shutil
import subprocess

import pytest

from pycarl_backend.engine import gpu

NVCC = shutil.which("nvcc")


def test_every_kernel_file_is_used():
    on_disk = {p.name for p in gpu.KERNEL_DIR.glob("*.cu")}
    assert on_disk == set(gpu.KERNEL_FILES) | set(gpu.INCLUDED_SOURCES)


@pytest.mark.skipif(NVCC is None, reason="nvcc not installed")
@pytest.mark.parametrize("filename", gpu.KERNEL_FILES)
def test_kernel_compiles(filename, tmp_path):
    # compile the text NVRTC gets (shared code spliced in), with its options
    source = tmp_path / filename
    source.write_text(gpu.kernel_source(filename))
    cmd = [NVCC, *gpu.COMPILE_OPTIONS, "-arch=sm_80", "-cubin", "-Werror", "all-warnings",
           "-o", str(tmp_path / "out.cubin"), str(source)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def kernel_parameter_names(filename, function):
    text = gpu.kernel_source(filename)
    body = re.search(rf"void {function}\((.*?)\)\s*{{", text, re.S).group(1)
    macros = {name: value.replace("\\\n", " ") for name, value in
              re.findall(r"#define (\w+_PARAMS)((?:.*\\\n)*.*)", text)}
    while any(name in body for name in macros):  # the parameter-list macros, nested
        for name, value in macros.items():
            body = re.sub(rf"\b{name}\b", value, body)
    return [re.split(r"[\s*]+", p.strip())[-1] for p in body.split(",")]


@pytest.mark.parametrize("cls", list(gpu.KERNEL_MODELS), ids=lambda c: c.__name__)
def test_neuron_kernel_signature_matches_spec(cls):
    spec = gpu.KERNEL_MODELS[cls]
    expected = (["n", "clock", "slots", "width", "ring", "col_exc", "col_inh", *spec.state,
                 "refr_left", *spec.params, *spec.derived, "refr_steps", "i_ext"]
                + (["dt"] if spec.takes_dt else []) + ["gid_base"]
                + ["spikes", "spike_count", "group_of", "group_start", "recorded", "rec_steps",
                   "rec_cells", "rec_count", "rec_capacity"])
    assert kernel_parameter_names(spec.filename, spec.function) == expected
    pipelined = kernel_parameter_names(spec.filename, spec.function.replace("_step", "_pipelined"))
    assert pipelined == expected + ["capacity", "src_spikes", "src_bounds", "gid_group",
                                    "group_first_gid", "group_block_start", "b_indptr",
                                    "b_post", "b_weight", "b_delay", "b_delay_scalar",
                                    "b_col_base", "b_format"]
    # every name the kernel takes is a parameter, state variable or derived constant
    group = cls(__import__("numpy"), 0.1, 3, {})
    for name in spec.params:
        assert name in group.params
    for name in spec.state:
        assert name in group.state
    for name in spec.derived:
        assert hasattr(group, name)
