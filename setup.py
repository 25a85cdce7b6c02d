"""Metadata lives in setup.cfg; this file only ships two extra files: the .pth
file that makes `pyNN.pycarl` importable (see pycarl_pynn_alias.py), and the
Vogels-Abbott example script that `pycarl demo` runs (examples/ is not a package)."""
import os

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithAlias(build_py):
    def run(self):
        super().run()
        self.copy_file("pycarl_pynn_alias.pth",
                       os.path.join(self.build_lib, "pycarl_pynn_alias.pth"))
        demo_dir = os.path.join(self.build_lib, "pycarl_backend", "demo_scripts")
        self.mkpath(demo_dir)
        self.copy_file(os.path.join("examples", "vogels_abbott.py"),
                       os.path.join(demo_dir, "vogels_abbott.py"))


setup(cmdclass={"build_py": BuildPyWithAlias})
