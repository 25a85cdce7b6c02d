"""pytest plugin: sPyNNaker's integration tests, unmodified, on pycarl_backend.spinnaker.

Loaded by benchmarks/spynnaker_it.py (``pytest -p spynnaker_it_shim``). The
saved upstream tree (sPyNNaker8's ``p8_integration_tests`` as of its last
commit before the merge into sPyNNaker, 1935a29c, spynnaker8 5.1.1) imports
the simulator and a few machine-side modules; this plugin answers those
imports before the tests are collected:

* ``spynnaker8`` and ``pyNN.spiNNaker``: pycarl_backend.spinnaker, whose
  setup() defaults to the release of the saved tests (spynnaker8 era: 6);
  ``spynnaker8.utilities.neo_convertor`` / ``neo_compare`` are the installed
  sPyNNaker's (spynnaker.pyNN.utilities; the 5.1.1 ones need neo < 0.10),
  ``spynnaker8.spynnaker_plotting`` comes from the saved upstream tree, the
  rest of ``spynnaker.*`` from the installed sPyNNaker;
* machine-side modules the test base imports but only the machine can serve:
  ``spalloc.job.JobDestroyedError`` (an exception no run here raises) and
  ``spinn_front_end_common.utilities.globals_variables`` (unset_simulator is
  a no-op; get_simulator gives the report folder of the current setup(), with
  the provenance database run() writes; iobuf and placement reports exist only
  on the machine);
* ``spynnaker.pyNN.exceptions.SpynnakerException`` (connectors asked for
  more partners than exist), ``SynapticConfigurationException`` and the
  ``ConfigurationException`` of sPyNNaker and spinn_front_end_common are
  pycarl_backend.spinnaker's (mismatched plasticity rules; data of an
  unrecorded variable);
* ``spinn_utilities.conf_loader.load_config(filename=...)`` (5.x API) gives an
  empty configuration: no board, so no board version to skip on;
* ``spynnaker.plot_utils`` (absent from sPyNNaker 7): plotting calls that
  draw nothing, since no test asserts on a plot.
"""
import functools
import os
import sys
import types

TREE = os.environ.get("SPYNNAKER_IT_TREE", "/tmp/spynnaker_it")
RELEASE = os.environ.get("SPYNNAKER_IT_RELEASE", "6")


def _module(module_name, path=None, **attributes):
    module = types.ModuleType(module_name)
    if path is not None:
        module.__path__ = [path]
    module.__dict__.update(attributes)
    sys.modules[module_name] = module
    return module


class _JobDestroyedError(Exception):
    """spalloc's error for a machine job destroyed under a run; never raised here."""


class _SoftwareRun:
    """What globals_variables.get_simulator() gives here: the report folder of
    the current setup(), where run() writes the provenance database of what
    the engine counts (pycarl_backend.spinnaker.reports); placement and iobuf
    reports come only from a machine run (tests reading them fail)."""

    @property
    def _report_default_directory(self):
        from pycarl_backend.spinnaker import report_directory
        return report_directory()


def _software_run():
    return _SoftwareRun()


def _draw_nothing(*args, **kwargs):
    return None


def install(tree=TREE, release=RELEASE):
    import pycarl_backend.spinnaker as spinnaker
    namespace = {k: v for k, v in vars(spinnaker).items() if not k.startswith("__")}
    namespace["setup"] = functools.wraps(spinnaker.setup)(
        functools.partial(spinnaker.setup, spynnaker_version=release))
    spynnaker8 = _module("spynnaker8", os.path.join(tree, "spynnaker8"), **namespace)
    _module("spynnaker8.utilities", os.path.join(tree, "spynnaker8", "utilities"))
    # the installed sPyNNaker's converters: they read neo's current API
    # (annotations["channel_names"]); the saved 5.1.1 ones need neo < 0.10
    from spynnaker.pyNN.utilities import neo_compare, neo_convertor
    for name, helper in (("neo_convertor", neo_convertor), ("neo_compare", neo_compare)):
        sys.modules[f"spynnaker8.utilities.{name}"] = helper
        setattr(sys.modules["spynnaker8.utilities"], name, helper)
    for package in ("models", "models.populations"):
        _module(f"spynnaker8.{package}", os.path.join(tree, "spynnaker8", *package.split(".")))
    _module("spynnaker8.models.populations.population_view",
            PopulationView=spinnaker.PopulationView)
    sys.modules["pyNN.spiNNaker"] = spynnaker8
    import pyNN
    pyNN.spiNNaker = spynnaker8
    if "spalloc" not in sys.modules:
        _module("spalloc", path=tree)
        _module("spalloc.job", JobDestroyedError=_JobDestroyedError)
    globals_variables = _module(
        "spinn_front_end_common.utilities.globals_variables",
        unset_simulator=lambda *a, **k: None, get_simulator=_software_run)
    spynnaker8.globals_variables = globals_variables
    import spinn_front_end_common.utilities as fec_utilities
    fec_utilities.globals_variables = sys.modules[
        "spinn_front_end_common.utilities.globals_variables"]
    _module("spynnaker.plot_utils", plot_spikes=_draw_nothing, line_plot=_draw_nothing,
            heat_plot=_draw_nothing, plot_spiketrains=_draw_nothing)
    import spynnaker
    spynnaker.plot_utils = sys.modules["spynnaker.plot_utils"]
    # sPyNNaker's exception for mismatched plasticity rules is pycarl's here
    import spynnaker.pyNN.exceptions as spynnaker_exceptions
    from pycarl_backend.spinnaker.exceptions import SynapticConfigurationException
    spynnaker_exceptions.SynapticConfigurationException = SynapticConfigurationException
    from pycarl_backend.spinnaker.exceptions import SpynnakerException
    spynnaker_exceptions.SpynnakerException = SpynnakerException
    from pycarl_backend.spinnaker.exceptions import ConfigurationException
    import spinn_front_end_common.utilities.exceptions as fec_exceptions
    spynnaker_exceptions.ConfigurationException = ConfigurationException
    fec_exceptions.ConfigurationException = ConfigurationException
    # the test base reads the board version from spynnaker.cfg (5.x API)
    import configparser
    import spinn_utilities.conf_loader as conf_loader
    installed = conf_loader.load_config

    def load_config(*args, filename=None, defaults=None, **kwargs):
        if filename is None:
            return installed(*args, **kwargs)
        return configparser.ConfigParser()  # no board: no [Machine] version
    conf_loader.load_config = load_config
    if tree not in sys.path:
        sys.path.insert(0, tree)
    import matplotlib
    matplotlib.use("Agg")


def pytest_configure(config):
    install()
