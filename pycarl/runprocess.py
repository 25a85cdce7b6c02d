"""Run `python -m pycarl.scriptrun ARGS` in a fresh process; return (exit status, stderr).

Every run gets its own process, so PyNN's global state never leaks between
runs. With ``preload`` the process is forked from a server process that has
imported PyNN, pycarl's backend and the chip models once (multiprocessing's
forkserver): a run then skips the ~2 s of imports (PyNN pulls in matplotlib and
scipy) that a plain subprocess pays, which adds up over the 16 runs of `pycarl
demo`. The server only imports; it never builds or runs a network, so each
forked run starts from the state a new interpreter has after those imports.
Without ``preload``, a plain subprocess.
"""
import os
import subprocess
import sys
import tempfile

#: what the fork server imports once (the modules a script run imports anyway)
PRELOAD = ["pycarl.scriptrun", "pycarl.capture", "pyNN", "pyNN.common", "pyNN.random",
           "pyNN.utility", "pyNN.space", "pycarl_backend", "hardware_models", "numba"]

_context = None


def _forkserver():
    global _context
    if _context is None:
        import multiprocessing
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _context = ctx
    return _context


def _child(argv, stderr_path):
    """In the forked process: the same entry point a subprocess runs, stdout
    dropped and stderr to a file (as subprocess.run(capture_output=True) would)."""
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(devnull, 1)
    os.dup2(err, 2)
    sys.argv = ["pycarl.scriptrun"] + list(argv)
    from .scriptrun import main
    code = 0
    try:
        main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
        if isinstance(code, str):
            print(code, file=sys.stderr)
            code = 1
        code = int(code or 0)
    except BaseException:                    # what an uncaught error does to python itself
        import traceback
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_scriptrun(argv, preload=False):
    """(exit status, stderr text) of `python -m pycarl.scriptrun *argv`."""
    if not preload:
        result = subprocess.run([sys.executable, "-m", "pycarl.scriptrun"] + list(argv),
                                capture_output=True, text=True)
        return result.returncode, result.stderr
    fd, stderr_path = tempfile.mkstemp(prefix="pycarl-run-", suffix=".stderr")
    os.close(fd)
    try:
        process = _forkserver().Process(target=_child, args=(list(argv), stderr_path))
        process.start()
        process.join()
        with open(stderr_path, errors="replace") as f:
            return process.exitcode, f.read()
    finally:
        os.unlink(stderr_path)
