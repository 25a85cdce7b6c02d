"""Metadata lives in setup.cfg; this file only ships one extra file: the .pth
file that makes `pyNN.pycarl` importable (see pycarl_pynn_alias.py).

The .pth file must land in site-packages in both install modes: a regular
build copies it into the wheel through build_py; an editable install
(`pip install -e .`, PEP 660) builds its wheel with setuptools' editable_wheel
command, whose build_py output is not installed, so the file is added to the
unpacked editable wheel, whose files go to site-packages as they are.
"""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

ALIAS_PTH = "pycarl_pynn_alias.pth"


class BuildPyWithAlias(build_py):
    def run(self):
        super().run()
        self.copy_file(ALIAS_PTH, os.path.join(self.build_lib, ALIAS_PTH))


commands = {"build_py": BuildPyWithAlias}

try:
    from setuptools.command.editable_wheel import editable_wheel
except ImportError:  # setuptools < 64 has no PEP 660 editable installs
    editable_wheel = None

if editable_wheel is not None:
    if not hasattr(editable_wheel, "_run_build_commands"):
        raise RuntimeError("this setuptools' editable_wheel has no _run_build_commands: "
                           "pycarl cannot add pycarl_pynn_alias.pth to an editable install")

    class EditableWheelWithAlias(editable_wheel):
        def _run_build_commands(self, dist_name, unpacked_wheel, build_lib, tmp_dir):
            result = super()._run_build_commands(dist_name, unpacked_wheel, build_lib, tmp_dir)
            shutil.copy(ALIAS_PTH, os.path.join(unpacked_wheel, ALIAS_PTH))
            return result

    commands["editable_wheel"] = EditableWheelWithAlias

setup(cmdclass=commands)
