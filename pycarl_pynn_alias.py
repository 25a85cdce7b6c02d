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

ALIAS = "pyNN.pycarl"
TARGET = "pycarl_backend"


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass


class PyNNAliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname == ALIAS or fullname.startswith(ALIAS + "."):
            real = TARGET + fullname[len(ALIAS):]
            if importlib.util.find_spec(real) is None:
                return None
            return importlib.util.spec_from_loader(fullname, _AliasLoader(real))
        return None


def install():
    if not any(isinstance(f, PyNNAliasFinder) for f in sys.meta_path):
        sys.meta_path.append(PyNNAliasFinder())
