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
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

CONNECT_TIMEOUT_S = 5  # how long to wait for an existing scheduler to answer
# How long a batch waits for a worker: to join at the start, and to come back after every
# worker was lost. A nanny restarts a killed worker in seconds, and a worker cut off reconnects
# within Dask's connect timeout (30 s); beyond twice that, no worker is coming.
WORKER_TIMEOUT_S = 60.0
WORKER_CHECK_S = 1.0  # while no run finishes, how often to ask the scheduler for its workers
POLL_S = 0.05  # ... and how often to look for a finished run
IN_FLIGHT_PER_THREAD = 4  # tasks handed to a cluster per worker thread, to keep every one busy
MIN_IN_FLIGHT = 256  # ... and at least this many (room for workers that join later)


class SchedulerUnreachable(RuntimeError):
    """The Dask scheduler given by address did not answer, or has no workers."""


class ClusterLost(RuntimeError):
    """The Dask cluster lost its scheduler, or every worker for too long, in the middle of a batch."""


_RESUME = "the finished blocks are kept: run the same command again to resume"


class Executor:
    """Runs `fn(*args)` for every args tuple; yields the results in the order they finish."""

    def __init__(self, client=None, worker_timeout: float = WORKER_TIMEOUT_S):
        self.client = client  # None: in this process
        self.worker_timeout = worker_timeout

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
            for future in self._as_finished(finished):
                running.discard(future)
                try:
                    result = future.result()  # re-raises the task's exception here
                except CancelledError:  # by the client, when the scheduler is gone
                    raise ClusterLost(
                        f"lost the Dask scheduler at {self._address} in the middle of the batch; "
                        f"{_RESUME}"
                    ) from None
                future.release()
                for args in islice(waiting, 1):  # the next task takes its place
                    following = self.client.submit(fn, *args, pure=False)
                    running.add(following)
                    finished.add(following)
                yield result
        finally:
            self.client.cancel(list(running))

    def _as_finished(self, finished) -> Iterator:
        """The futures of `finished` (an `as_completed`) as they finish; ClusterLost once the
        cluster has had no worker for `worker_timeout` seconds."""
        seen = checked = time.monotonic()  # when a worker was last seen, when last looked for
        while not finished.is_empty():
            if finished.has_ready():
                yield next(finished)
                continue
            time.sleep(POLL_S)
            now = time.monotonic()
            if now - checked < WORKER_CHECK_S:
                continue
            checked = now
            if self._has_workers():
                seen = now
            elif now - seen > self.worker_timeout:
                raise ClusterLost(
                    f"the Dask scheduler at {self._address} has had no worker for "
                    f"{self.worker_timeout:g} s (--worker-timeout); {_RESUME}"
                )

    def _has_workers(self) -> bool:
        try:
            return bool(self.client.nthreads())
        except OSError:  # the scheduler is gone too: the runs are then cancelled
            return False

    @property
    def _address(self) -> str:
        return self.client.scheduler.address


@dataclass(frozen=True)
class Cluster:
    """Where the runs go (the commands' --workers, --scheduler and --worker-timeout): `workers`
    local Dask worker processes (default: up to 2, one thread each), or the running Dask cluster
    whose scheduler is at `scheduler`; give up after `worker_timeout` s without a worker."""

    workers: int | None = None
    scheduler: str | None = None
    worker_timeout: float = WORKER_TIMEOUT_S


LOCAL = Cluster()


@contextmanager
def open_executor(*, tasks: int, cluster: Cluster = LOCAL) -> Iterator[Executor]:
    """The executor for `tasks` tasks on `cluster`: its scheduler, else local Dask worker
    processes, or this process when one would do (a single task, or a single worker: no cluster
    to start).

    Raises SchedulerUnreachable (before anything runs) if the scheduler does not answer or no
    worker joins it within `cluster.worker_timeout` seconds; ClusterLost if the cluster is lost
    midway.
    """
    timeout = cluster.worker_timeout
    local_workers = min(cluster.workers or min(2, os.cpu_count() or 1), tasks)
    if cluster.scheduler:
        with _remote_client(cluster.scheduler, timeout) as client:
            yield Executor(client, timeout)
    elif local_workers <= 1:
        yield Executor()
    else:
        with _local_client(local_workers) as client:
            yield Executor(client, timeout)


# Settings of the local workers (their memory allocator: model.world.memory). Dask's statistical
# profiler samples every worker's stack every 10 ms and keeps the call tree: measured here, it grew
# a worker by about 0.2 MB per run (580 MB after 5,000 runs).
_WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


@contextmanager
def _local_client(n_workers: int):
    import dask
    from dask.distributed import Client, LocalCluster

    with (
        _quiet_dask(),
        dask.config.set(_WORKER_CONFIG),
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
def _remote_client(address: str, worker_timeout: float):
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
                client.wait_for_workers(1, timeout=worker_timeout)
            except TimeoutError:
                raise SchedulerUnreachable(
                    f"the Dask scheduler at {address} has no workers "
                    f"(none joined within {worker_timeout:g} s, --worker-timeout)"
                ) from None
            yield client


@contextmanager
def _quiet_dask(loggers: Iterable[str] = ("distributed", "tornado")):
    """Keep Dask's connection chatter off the terminal: errors reach the user as one line.

    Every logger below `loggers` too: Dask gives some their own level (`distributed.client`
    logged a traceback of 37 lines when the scheduler was lost)."""
    known = [logging.getLogger(name) for name in loggers] + [
        logger
        for name, logger in list(logging.root.manager.loggerDict.items())
        if isinstance(logger, logging.Logger) and name.split(".")[0] in loggers
    ]
    saved = {logger: logger.level for logger in known}
    for logger in saved:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in saved.items():
            logger.setLevel(level)
