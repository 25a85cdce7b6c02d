"""The Vogels-Abbott COBA network (4000 IF_cond_exp cells, 2% connectivity,
1 s) on pycarl gives excitatory and inhibitory rates within 20% of NEST's.

Both runs execute the same unmodified script, examples/vogels_abbott.py, with
the same seed (so the same connectivity and initial potentials)."""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "vogels_abbott.py"


def rates(simulator, benchmark, tmp_path):
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    code = ("import sys, runpy, pycarl_pynn_alias; pycarl_pynn_alias.install(); "
            f"sys.argv = [{str(SCRIPT)!r}] + sys.argv[1:]; "
            f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    out = subprocess.run([sys.executable, "-c", code, simulator, "--benchmark", benchmark,
                          "--raster", ""], cwd=tmp_path, env=env, capture_output=True,
                         text=True, check=True).stdout
    match = re.search(r"excitatory rate ([\d.]+) Hz, inhibitory rate ([\d.]+) Hz", out)
    return float(match.group(1)), float(match.group(2))


@pytest.mark.slow
@pytest.mark.parametrize("network", ["COBA", "CUBA"])
def test_vogels_abbott_rates_match_nest(network, tmp_path):
    if importlib.util.find_spec("nest") is None:
        pytest.skip("NEST is not installed (pip install nest-simulator)")
    nest_exc, nest_inh = rates("nest", network, tmp_path)
    pycarl_exc, pycarl_inh = rates("pycarl", network, tmp_path)
    print(f"{network}: NEST {nest_exc:.2f}/{nest_inh:.2f} Hz, "
          f"pycarl {pycarl_exc:.2f}/{pycarl_inh:.2f} Hz")
    assert nest_exc > 1.0 and nest_inh > 1.0
    assert pycarl_exc == pytest.approx(nest_exc, rel=0.2)
    assert pycarl_inh == pytest.approx(nest_inh, rel=0.2)
