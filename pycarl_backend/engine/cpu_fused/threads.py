"""How many threads the compiled CPU loop uses, and for which groups.

setup(cpu_threads=...):
- None (default): all of numba's threads (the machine's cores), for the neuron
  groups of at least AUTO_PARALLEL_CELLS cells, when the machine has a core
  to spare at the run's start (1-minute load average at most cores - 1);
  smaller groups update on one thread, where starting the threads each step
  costs more than it saves, and so does everything on a busy machine, where
  threads that wait for a core at every step made runs several times slower
  (benchmarks/cpu_threads.py). The numbers are the same either way;
- 1: one thread for everything;
- k >= 2: k threads for every group, whatever its size.
Spike propagation and the compaction of fired cells stay on one thread: they
keep the NumPy path's order of additions into each ring cell.
"""
import os

#: group size from which the default setting updates a group's cells in parallel.
#: Measured on an idle 2-core machine (load 0.0; benchmarks/cpu_threads.py,
#: Vogels-Abbott 200 ms, speed-up of 2 threads over 1, the exc group is 0.8 n):
#: COBA 4000 0.36x, 16000 0.46x, 64000 0.94x; CUBA 4000 0.12x, 16000 0.20x,
#: 64000 0.52x. Threads did not pay up to 64 000 cells; COBA's trend crosses 1
#: near 80 000 cells, CUBA's (cheaper cells) well above, so the default starts at
#: groups of 100 000 cells (on a loaded machine, never: see idle_core).
AUTO_PARALLEL_CELLS = 100_000
#: parallel_min that never parallelises
NEVER = 1 << 62


def available_threads():
    """numba's thread count (NUMBA_NUM_THREADS, the core count by default); 1 without numba."""
    try:
        import numba
    except ImportError:
        return 1
    return int(numba.config.NUMBA_NUM_THREADS)


def check_cpu_threads(value):
    """The validated setup(cpu_threads=...) value (None or an int 1..available_threads())."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"setup(cpu_threads={value!r}): must be None (automatic) or an "
                         f"integer >= 1")
    most = available_threads()
    if value > most:
        raise ValueError(f"setup(cpu_threads={value}): numba has {most} threads here "
                         f"(NUMBA_NUM_THREADS); allowed 1..{most} or None")
    return value


def idle_core():
    """True when the machine's 1-minute load average leaves a core unused."""
    try:
        return os.getloadavg()[0] <= (os.cpu_count() or 1) - 1
    except OSError:  # no load average on this platform
        return True


def plan(cpu_threads):
    """(threads, parallel_min) for a run: the thread count to set in numba and
    the group size from which a group updates in parallel."""
    most = available_threads()
    if cpu_threads is None:
        return most, (AUTO_PARALLEL_CELLS if most > 1 and idle_core() else NEVER)
    if cpu_threads == 1:
        return 1, NEVER
    return cpu_threads, 0


def use_workqueue_layer():
    """Choose numba's own 'workqueue' threading layer before its pool starts.

    numba's default picks its OpenMP layer where libgomp is loaded; sharing that
    runtime with NEST (also OpenMP) made NEST's ResetKernel segfault later in the
    same process (pyNN.nest comparisons after a threaded run). The workqueue
    layer has no such runtime; a layer already launched stays as it is."""
    import numba
    from numba.np.ufunc import parallel
    if not getattr(parallel, "_is_initialized", False):
        numba.config.THREADING_LAYER = "workqueue"
