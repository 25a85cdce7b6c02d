"""Fetch PyNN's own backend test suite (test/system/scenarios of the PyNN
0.13.0 source distribution) at test time and expose the scenarios that PyNN
runs on NEST, so that they can be run against pycarl_backend.

Nothing of PyNN's test code is stored in this repository: the sdist is
downloaded with pip into a cache directory ($PYCARL_CACHE, default
~/.cache/pycarl) the first time, during test collection
(test_pynn_scenarios.py's pytest_generate_tests); without a network and
without the cache, `fetch_scenarios` raises ScenariosUnavailable and those
tests skip with its message.
"""
import importlib
import os
import subprocess
import sys
import tarfile
from pathlib import Path

PYNN_VERSION = "0.13.0"


class ScenariosUnavailable(RuntimeError):
    """PyNN's sdist is neither cached nor downloadable (no network, no index)."""


def cache_dir():
    return Path(os.environ.get("PYCARL_CACHE", Path.home() / ".cache" / "pycarl"))


def fetch_scenarios():
    """Path of a directory holding the package `scenarios` (downloaded once)."""
    root = cache_dir() / f"pynn-{PYNN_VERSION}-scenarios"
    package = root / "scenarios"
    if (package / "fixtures.py").exists():
        return root
    download = cache_dir() / "sdist"
    download.mkdir(parents=True, exist_ok=True)
    archive = next(download.glob(f"[pP]y[nN][nN]-{PYNN_VERSION}.tar.gz"), None)
    if archive is None:
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                                 "--no-binary", ":all:", "--retries", "1", "--timeout", "15",
                                 f"pyNN=={PYNN_VERSION}", "-d", str(download)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        archive = next(download.glob(f"[pP]y[nN][nN]-{PYNN_VERSION}.tar.gz"), None)
        if result.returncode != 0 or archive is None:
            errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
            why = (errors or result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ScenariosUnavailable(
                f"PyNN {PYNN_VERSION}'s sdist is not cached in {download} and pip could not "
                f"download it (exit status {result.returncode}: {why.strip()})")
    prefix = f"{archive.name[:-len('.tar.gz')]}/test/system/scenarios/"
    package.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.name.startswith(prefix) and member.isfile():
                target = package / member.name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    return root


def nest_scenarios():
    """[(module name, function)] of every scenario PyNN runs on NEST."""
    root = fetch_scenarios()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    fixtures = importlib.import_module("scenarios.fixtures")

    def run_with_simulators(*names):
        def mark(func):
            func.simulators = names
            return func
        return mark

    fixtures.run_with_simulators = run_with_simulators
    found = []
    for path in sorted((root / "scenarios").glob("test_*.py")):
        module = importlib.import_module(f"scenarios.{path.stem}")
        for name in sorted(dir(module)):
            func = getattr(module, name)
            if name.startswith("test_") and "nest" in getattr(func, "simulators", ()):
                found.append((f"{path.stem}::{name}", func))
    return found
