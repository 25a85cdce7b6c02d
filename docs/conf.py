"""Sphinx configuration of the pycarl documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html`` (tests/test_docs.py
builds with -W: every warning is an error).
"""
import glob
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(HERE, "_ext"))

project = "pycarl"
author = "the pycarl developers"
copyright = "the pycarl developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "chipschema",
]
autosummary_generate = True
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_member_order = "bysource"
# optional back ends of the engine: documented without importing them
autodoc_mock_imports = ["cupy", "cupyx"]
exclude_patterns = ["_build", "_ext"]
templates_path = []
html_theme = "alabaster"
html_static_path = []


def _drop_empty_globs(app, docname, source):
    """index.rst's toctree globs pages other people add (``spinnaker*``); a glob
    that matches no file yet would be a warning, so it is left out until then."""
    if docname != "index":
        return
    lines = []
    for line in source[0].splitlines():
        entry = line.strip()
        if line.startswith("   ") and "*" in entry and not entry.startswith(":") \
                and not glob.glob(os.path.join(HERE, entry + ".rst")):
            continue
        lines.append(line)
    source[0] = "\n".join(lines) + "\n"


def _literal_if_not_rst(app, what, name, obj, options, lines):
    """Show a docstring that is plain text rather than reStructuredText verbatim.

    Many docstrings are written for ``help()`` (aligned formulas, ``|w|``);
    parsed as reST they would be garbled and warn. A docstring that docutils
    parses without a complaint is kept as reST."""
    if not lines or _parses_cleanly("\n".join(lines)):
        return
    text = list(lines)
    lines[:] = ["::", ""] + ["    " + line if line else "" for line in text] + [""]


def _parses_cleanly(text):
    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document
    settings = get_default_settings(Parser)
    settings.report_level = 5          # collect, do not print
    settings.halt_level = 5
    document = new_document("<docstring>", settings)
    messages = []
    document.reporter.attach_observer(
        lambda msg: messages.append(msg) if msg["level"] >= 2 else None)
    try:
        Parser().parse(text, document)
    except Exception:
        return True     # Sphinx-only markup (needs the build environment): reST
    # substitutions are resolved later in the build; any in a docstring are accidental
    return not messages and not list(document.findall(nodes.substitution_reference))


def setup(app):
    app.connect("source-read", _drop_empty_globs)
    app.connect("autodoc-process-docstring", _literal_if_not_rst)
