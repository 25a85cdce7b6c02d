"""Without a network (and nothing cached) the PyNN scenario tests skip with a
reason instead of aborting the collection; the other tests still run."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_scenario_tests_skip_with_a_reason_when_pynn_cannot_be_downloaded(tmp_path):
    env = dict(os.environ, PYCARL_CACHE=str(tmp_path / "empty-cache"),
               PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="http://127.0.0.1:9/simple/",
               PIP_FIND_LINKS="", PIP_NO_CACHE_DIR="1", PIP_RETRIES="0", PIP_TIMEOUT="2",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_pynn_scenarios.py"), str(ROOT / "tests" / "test_errors.py")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-2000:]
    assert "2 skipped" in out, out[-3000:]
    assert "could not download it" in out
    assert " passed" in out            # test_errors.py ran
