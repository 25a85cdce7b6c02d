"""A chip's deferred routing on a second thread.

A barrier-clocked chip (Loihi) returns no extra delays to the engine: its
routing only accounts for the spikes (energy, traffic, time per tick), so it
may run beside the engine's steps rather than after them. The engine's
compiled loop and the routing kernels release the GIL, so on a machine with
two cores the two overlap. Batches run one at a time in the order they were
handed over, on one worker thread: the statistics are those of routing them
on the calling thread, bit for bit (tests/test_hw_routing_worker.py).
"""
import os
from concurrent.futures import ThreadPoolExecutor


def worth_a_thread():
    """A second thread pays only where there is a second core to run it."""
    return (os.cpu_count() or 1) > 1


class RoutingWorker:
    """One worker thread; `submit` queues a call, `wait` finishes every queued one."""

    def __init__(self, name):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{name}-routing")
        self._jobs = []

    def submit(self, fn, *args):
        self._jobs.append(self._pool.submit(fn, *args))

    def wait(self):
        """Block until every queued call has run; raise the first one's error, if any."""
        jobs, self._jobs = self._jobs, []
        errors = [job.exception() for job in jobs]
        for error in errors:
            if error is not None:
                raise error
