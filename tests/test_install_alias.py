"""Both install modes give `import pyNN.pycarl` (issue 12): a regular and an
editable (`pip install -e`) install of a copy of this tree into a fresh venv
each put pycarl_pynn_alias.pth into the venv's own site-packages, and there
`import pyNN.pycarl` is pycarl_backend from that install.

The venv gets the dependencies (pyNN, numpy, ...) from this interpreter's
site-packages through a folder of links to everything there except pycarl
itself (an installed pycarl, its .pth included, would hide the one under
test), installs with --no-deps --no-build-isolation, and gets setuptools'
`wheel` from PyPI (or pip's cache) when it has none; without it the test is
skipped."""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: what an installed pycarl puts into site-packages
OWN = ("pycarl", "hardware_models", "__editable__")
IGNORE = shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", ".pytest_cache",
                                "Results", "results", "*.png", "*.pkl")


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    has_wheel = subprocess.run([str(python), "-c", "import wheel"],
                               capture_output=True).returncode == 0
    if not has_wheel and subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "wheel"],
            capture_output=True).returncode != 0:
        pytest.skip("setuptools needs the 'wheel' package, which could not be installed")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    site = Path(site.stdout.strip())
    deps = where / "deps"
    deps.mkdir()
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        for entry in Path(folder).iterdir():
            own = entry.name.startswith(OWN) or entry.suffix == ".pth"
            if not own and not (deps / entry.name).exists():
                (deps / entry.name).symlink_to(entry)
    (site / "zz_dependencies.pth").write_text(f"{deps}\n")
    return python, site


@pytest.mark.parametrize("editable", [False, True], ids=["regular", "editable"])
def test_install_gives_pynn_pycarl(venv, editable, tmp_path):
    python, site = venv
    source = tmp_path / "pycarl"
    shutil.copytree(ROOT, source, ignore=IGNORE)
    # cwd: pip would take a pycarl.egg-info in the source tree for the installation
    subprocess.run([str(python), "-m", "pip", "uninstall", "-q", "-y", "pycarl"],
                   capture_output=True, cwd=tmp_path)
    install = [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
    result = subprocess.run(install + (["-e", str(source)] if editable else [str(source)]),
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (site / "pycarl_pynn_alias.pth").exists()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    probe = subprocess.run(
        [str(python), "-c", "import pyNN.pycarl as sim, pycarl_backend; "
         "assert sim is pycarl_backend; print(pycarl_backend.__file__)"],
        capture_output=True, text=True, cwd=tmp_path, env=env)
    assert probe.returncode == 0, probe.stderr[-3000:]
    location = Path(probe.stdout.strip()).resolve()
    expected = source if editable else site
    assert expected.resolve() in location.parents, (location, expected)
