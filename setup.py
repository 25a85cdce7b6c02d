"""Metadata lives in setup.cfg; this file only ships one extra file: the .pth
file that makes `pyNN.pycarl` importable (see pycarl_pynn_alias.py)."""
import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithAlias(build_py):
    def run(self):
        super().run()
        self.copy_file("pycarl_pynn_alias.pth",
                       os.path.join(self.build_lib, "pycarl_pynn_alias.pth"))


setup(cmdclass={"build_py": BuildPyWithAlias})
