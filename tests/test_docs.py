"""The Sphinx documentation builds with warnings as errors and covers every chip key."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hardware_models.spec import VALID_KEYS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def documented_keys():
    """Chip keys named in the 'Meaning of the keys' part of chip_yaml.rst."""
    text = (DOCS / "chip_yaml.rst").read_text()
    meaning = text.split("Meaning of the keys", 1)[1]
    lines = meaning.splitlines()
    # definition-list terms: a ``key`` line followed by its indented description
    terms = [line for line, nxt in zip(lines, lines[1:])
             if line.startswith("``") and nxt.startswith("    ")]
    return {key for line in terms for key in re.findall(r"``([a-z_.0-9]+)``", line)}


def test_chip_yaml_reference_matches_schema():
    keys = documented_keys()
    assert sorted(set(VALID_KEYS) - keys) == [], "chip keys missing from docs/chip_yaml.rst"
    assert sorted(keys - set(VALID_KEYS)) == [], "docs/chip_yaml.rst documents unknown keys"


def test_plain_text_docstrings_are_shown_verbatim():
    sys.path.insert(0, str(DOCS))
    try:
        import conf
    finally:
        sys.path.remove(str(DOCS))
    rst = ["A function.", "", "Returns a value in ``ms``."]
    lines = list(rst)
    conf._literal_if_not_rst(None, "function", "f", None, {}, lines)
    assert lines == rst
    plain = ["Formula:", "  a = b", "+ c |w|"]
    lines = list(plain)
    conf._literal_if_not_rst(None, "module", "m", None, {}, lines)
    assert lines[:2] == ["::", ""] and lines[2:5] == ["    " + p for p in plain]


@pytest.mark.slow
def test_docs_build_with_warnings_as_errors(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-5000:]
    html = tmp_path / "html"
    for page in ("quickstart", "architecture", "backend_swap", "cosim", "chip_yaml", "dse",
                 "cli", "api"):
        assert (html / f"{page}.html").exists(), page
    index = (html / "index.html").read_text()
    if (DOCS / "spinnaker.rst").exists():
        assert 'href="spinnaker.html"' in index
    chip_page = (html / "chip_yaml.html").read_text()
    # the generated table holds every key with the built-in chips' values
    for key in VALID_KEYS:
        assert f"<p>{key}</p>" in chip_page, key
    assert (html / "generated" / "pycarl.sweep.html").exists()
    assert (html / "generated" / "pycarl.explore.html").exists()
