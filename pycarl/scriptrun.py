"""Run an unmodified PyNN script on pycarl (used by `pycarl run/compare/explore`).

    python -m pycarl.scriptrun [--settings JSON] [--capture FILE] SCRIPT [ARGS...]

The script's `import pyNN.nest` (or neuron, brian2) and `get_simulator`'s
`pyNN.<name>` all resolve to pycarl_backend; `import pyNN.spiNNaker` resolves
to pycarl_backend.spinnaker (sPyNNaker semantics). Chip, device, seed and
progress become the defaults of the script's setup() call (settings.py): from
--settings (a RunSettings as JSON, what `pycarl compare/explore` pass), else
from the PYCARL_* environment variables, so the script needs no change.
With a seed, PyNN random generators created without a seed get seeds derived
from it, so two runs of a script build the same network.
"""
import itertools
import os
import runpy
import sys
import time

import pycarl_pynn_alias

from .settings import RunSettings, from_environment

BACKEND_NAMES = ("pycarl", "nest", "neuron", "brian2", "spiNNaker")


def seed_unseeded_generators(base_seed):
    import numpy as np
    from pyNN import random as pynn_random
    np.random.seed(base_seed)
    counter = itertools.count(1)
    original = pynn_random.NumpyRNG.__init__

    def seeded_init(self, seed=None, *args, **kwargs):
        if seed is None:
            seed = (int(base_seed) * 1000003 + next(counter)) % (2 ** 32)
        original(self, seed, *args, **kwargs)
    pynn_random.NumpyRNG.__init__ = seeded_init


def run_script(script, args, capture_path=None, settings=None):
    """Run the script in this process; settings: a RunSettings (default: from the
    environment)."""
    settings = from_environment() if settings is None else settings
    pycarl_pynn_alias.install(aliases=BACKEND_NAMES)
    settings.apply()
    if settings.seed is not None:
        seed_unseeded_generators(settings.seed)
    if args and args[0] in BACKEND_NAMES[1:4]:
        args = ["pycarl"] + list(args[1:])
    sys.argv = [script] + list(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    start = time.perf_counter()
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit_:
        if exit_.code not in (None, 0):
            raise
    # capture only after success: capturing a failed run would mask its error
    if capture_path:
        from pycarl_backend import simulator

        from .capture import capture
        capture(simulator.state, capture_path, time.perf_counter() - start)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    capture_path = settings = None
    if argv[:1] == ["--settings"] and len(argv) > 1:
        settings, argv = RunSettings.from_json(argv[1]), argv[2:]
    if argv[:1] == ["--capture"] and len(argv) > 1:
        capture_path, argv = argv[1], argv[2:]
    if not argv:
        sys.exit("usage: python -m pycarl.scriptrun [--settings JSON] [--capture FILE] "
                 "SCRIPT [ARGS...]")
    run_script(argv[0], argv[1:], capture_path, settings)


if __name__ == "__main__":
    main()
