"""The one executor of many independent runs (see the design, "Scale-out").

Three places to run, one code path: in this process (a single task), a local Dask cluster of worker
processes (the default for many tasks), or an existing Dask cluster given by the address of its
scheduler (`--scheduler tcp://HOST:PORT`). The work function must be a module-level function of
the project, so that workers can import it; remote workers must run this project's code (started
from a checkout of it, with the project importable).
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

CONNECT_TIMEOUT_S = 5  # how long to wait for an existing scheduler to answer
WORKERS_TIMEOUT_S = 30  # how long to wait for at least one worker to join that scheduler
IN_FLIGHT_PER_THREAD = 4  # tasks handed to a cluster per worker thread, to keep every one busy
MIN_IN_FLIGHT = 256  # ... and at least this many (room for workers that join later)


class SchedulerUnreachable(RuntimeError):
    """The Dask scheduler given by address did not answer, or has no workers."""


class Executor:
    """Runs `fn(*args)` for every args tuple; yields the results in the order they finish."""

    def __init__(self, client=None):
        self.client = client  # None: in this process

    def on_workers(self, fn: Callable[[], Any]) -> list:
        """`fn()` on every Dask worker (none in-process), e.g. to check what code they run."""
        return [] if self.client is None else list(self.client.run(fn).values())

    def map_unordered(self, fn: Callable, tasks: Iterable[tuple]) -> Iterator[Any]:
        """On a cluster, tasks are handed over in order as others finish, a few per worker thread
        at a time: the memory of this process does not grow with the number of tasks."""
        if self.client is None:
            for args in tasks:
                yield fn(*args)
            return
        from dask.distributed import as_completed

        waiting = iter(tasks)
        threads = sum(self.client.nthreads().values())
        limit = max(MIN_IN_FLIGHT, IN_FLIGHT_PER_THREAD * threads)
        running = {self.client.submit(fn, *args, pure=False) for args in islice(waiting, limit)}
        finished = as_completed(running)
        try:
            for future in finished:
                running.discard(future)
                result = future.result()  # re-raises the task's exception here
                future.release()
                for args in islice(waiting, 1):  # the next task takes its place
                    following = self.client.submit(fn, *args, pure=False)
                    running.add(following)
                    finished.add(following)
                yield result
        finally:
            self.client.cancel(list(running))


@contextmanager
def open_executor(
    *, tasks: int, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor]:
    """The executor for `tasks` tasks: the given scheduler, else local Dask worker processes, or
    this process when one would do (a single task, or a single worker: no cluster to start).

    `workers` sets the number of local worker processes (default: up to 2, one thread each).
    Raises SchedulerUnreachable (before anything runs) if the scheduler does not answer.
    """
    local_workers = min(workers or min(2, os.cpu_count() or 1), tasks)
    if scheduler:
        with _remote_client(scheduler) as client:
            yield Executor(client)
    elif local_workers <= 1:
        yield Executor()
    else:
        with _local_client(local_workers) as client:
            yield Executor(client)


# Settings of the local workers:
# - Dask sets MALLOC_TRIM_THRESHOLD_ for its workers; that switches off glibc's adaptive mmap
#   threshold, so every large numpy array of a run is mapped and unmapped afresh: measured here,
#   +0.4 s of system time per run at the default scale. The runs free their memory when they end.
# - Dask's statistical profiler samples every worker's stack every 10 ms and keeps the call tree:
#   measured here, it grew a worker by about 0.2 MB per run (580 MB after 5,000 runs).
_WORKER_ENVIRONMENT = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
}


@contextmanager
def _local_client(n_workers: int):
    import dask
    from dask.distributed import Client, LocalCluster

    with (
        _quiet_dask(),
        dask.config.set(_WORKER_ENVIRONMENT),
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",  # loopback only
            dashboard_address="127.0.0.1:0",  # any free port: never clashes with another cluster
            silence_logs=logging.ERROR,
            preload=[__name__],  # runs dask_setup below in every worker
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def dask_setup(worker) -> None:
    """Set-up of each local worker: Ctrl-C is for the batch, which then stops its workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def _remote_client(address: str):
    from dask.distributed import Client

    with _quiet_dask():
        try:
            client = Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
        except Exception as error:  # noqa: BLE001 - OSError, TimeoutError, ValueError on bad addresses
            detail = " ".join(str(error).split()) or type(error).__name__
            raise SchedulerUnreachable(
                f"cannot reach the Dask scheduler at {address}: {detail}"
            ) from None
        with client:
            try:
                client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
            except TimeoutError:
                raise SchedulerUnreachable(
                    f"the Dask scheduler at {address} has no workers "
                    f"(none joined within {WORKERS_TIMEOUT_S} s)"
                ) from None
            yield client


@contextmanager
def _quiet_dask(loggers: Iterable[str] = ("distributed", "tornado")):
    """Keep Dask's connection chatter off the terminal: errors reach the user as one line."""
    saved = {name: logging.getLogger(name).level for name in loggers}
    for name in saved:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
