"""Make `pyNN.pycarl` an alias of `pycarl_backend`, without touching PyNN.

Scripts that choose their backend with `pyNN.utility.get_simulator` import
`pyNN.<name>`; this finder, installed through a .pth file, answers the
import of `pyNN.pycarl` (and `pyNN.pycarl.<sub>`) with pycarl_backend. It
imports nothing until such an import happens.
"""
import importlib
import importlib.abc
import importlib.util
import sys

TARGET = "pycarl_backend"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


#: backends whose pyNN.<name> is served by a module other than pycarl_backend
SPECIAL_TARGETS = {"spiNNaker": "pycarl_backend.spinnaker"}


class PyNNAliasFinder(importlib.abc.MetaPathFinder):
    """Answers `pyNN.<name>` for each name in `aliases` with pycarl_backend
    (`pyNN.spiNNaker` with pycarl_backend.spinnaker)."""

    def __init__(self, aliases=("pycarl",)):
        self.targets = {f"pyNN.{name}": SPECIAL_TARGETS.get(name, TARGET) for name in aliases}

    def find_spec(self, fullname, path=None, target=None):
        for prefix, target_module in self.targets.items():
            if fullname == prefix or fullname.startswith(prefix + "."):
                real = target_module + fullname[len(prefix):]
                if importlib.util.find_spec(real) is None:
                    return None
                return importlib.util.spec_from_loader(fullname, _AliasLoader(real))
        return None


def install(aliases=("pycarl",)):
    """Install the finder; `aliases` other than 'pycarl' (e.g. 'nest') make a
    script's `import pyNN.nest` run on pycarl too (used by `pycarl run`)."""
    for finder in [f for f in sys.meta_path if isinstance(f, PyNNAliasFinder)]:
        sys.meta_path.remove(finder)
    # first, so that it wins over the real pyNN.nest when asked to stand in for it
    sys.meta_path.insert(0, PyNNAliasFinder(aliases))
