"""The background-callback manager of live what-if runs: Dash's DiskcacheManager (jobs in child
processes, with progress and cancel) with a cap on the jobs running at once and a queue for the
others, its cache in a temporary folder; its jobs stopped and its folder removed when the server
stops (`stop_all`), and at exit whatever happens.

Job handles are tickets of this manager, not process ids: a queued job has no process yet. A
ticket is running while queued or while its process lives; every poll of a browser starts the
queued jobs that have a free slot.
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import secrets
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import diskcache
import psutil
from dash import DiskcacheManager
from multiprocess import Process

PREFIX = "shanxi-dashboard-cache-"
SLOTS = max(1, (os.cpu_count() or 2) - 1)  # jobs running at once: a core stays for the server
MAX_WAITING = 8  # queued jobs; a request beyond them is refused at once
_QUEUES: weakref.WeakSet = weakref.WeakSet()  # every JobQueue of this process, for stop_all


def remove_stale_folders() -> None:
    """Remove the cache folders of dashboards that are no longer running (killed outright)."""
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        owner = re.match(rf"{PREFIX}(\d+)-", folder.name)
        if owner and not psutil.pid_exists(int(owner.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


def kill_tree(pid: int) -> None:
    """Kill a process and all its descendants."""
    try:
        process = psutil.Process(pid)
        for child in process.children(recursive=True):
            child.kill()
        process.kill()
    except psutil.NoSuchProcess:
        pass


class JobQueue(DiskcacheManager):
    """At most `slots` jobs run at once, `max_waiting` more wait in line.

    `queued(args, position)` is the progress a waiting job shows (position 1: next to run),
    `refused(args)` the result of a job refused because the line is full; `args` are the
    callback's.
    """

    def __init__(
        self,
        queued: Callable[[Any, int], list],
        refused: Callable[[Any], Any],
        slots: int = SLOTS,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        remove_stale_folders()
        self.folder = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")
        super().__init__(diskcache.Cache(self.folder))
        self.queued, self.refused = queued, refused
        self.slots, self.max_waiting = slots, max_waiting
        self._lock = threading.Lock()
        self._tickets = itertools.count(1)
        self._running: dict[int, Process] = {}
        self._waiting: dict[int, tuple] = {}  # ticket → (key, job_fn, args, context), in order
        _QUEUES.add(self)
        atexit.register(self.shutdown)

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        """A key of each job's own: Dash's hashes the arguments, so equal requests of two users
        would share one result (and one place in line)."""
        return secrets.token_hex(16)

    def call_job_fn(self, key, job_fn, args, context):
        with self._lock:
            ticket = next(self._tickets)
            if len(self._waiting) >= self.max_waiting:
                self.handle.set(key, self.refused(args))  # the next poll returns it
            else:
                self._waiting[ticket] = (key, job_fn, args, context)
                self._advance()
        return ticket

    def _advance(self) -> None:
        """Forget finished jobs, start waiting ones while slots are free (the lock held)."""
        for ticket, process in list(self._running.items()):
            if not process.is_alive():
                process.join()
                del self._running[ticket]
        while self._waiting and len(self._running) < self.slots:
            ticket = next(iter(self._waiting))
            key, job_fn, args, context = self._waiting.pop(ticket)
            process = Process(
                target=job_fn, args=(key, self._make_progress_key(key), args, context)
            )
            process.start()
            self._running[ticket] = process

    def get_progress(self, key):
        with self._lock:
            self._advance()
            waiting = [(n, e[2]) for n, e in enumerate(self._waiting.values(), 1) if e[0] == key]
        if waiting:
            position, args = waiting[0]
            return self.queued(args, position)
        return super().get_progress(key)

    def job_running(self, job):
        ticket = int(job)
        with self._lock:
            self._advance()
            return ticket in self._waiting or ticket in self._running

    def terminate_job(self, job):
        if job is None:
            return
        ticket = int(job)
        with self._lock:
            self._waiting.pop(ticket, None)
            process = self._running.pop(ticket, None)
        if process is not None:
            kill_tree(process.pid)
            process.join(timeout=5)

    def terminate_unhealthy_job(self, job):
        if self.job_running(job):
            return False
        self.terminate_job(job)
        return True

    @property
    def running(self) -> int:
        """The number of jobs running now."""
        with self._lock:
            self._advance()
            return len(self._running)

    def shutdown(self) -> None:
        """Stop every job, forget the queue, remove the cache folder."""
        with self._lock:
            self._waiting.clear()
            tickets = list(self._running)
        for ticket in tickets:
            self.terminate_job(ticket)
        self.handle.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def stop_all() -> None:
    """Stop the jobs of every queue and remove their folders now: the server has stopped. Left to
    the exit, running jobs competed for the cores with the process's own exit, which then took
    over 10 s on a busy machine."""
    for queue in list(_QUEUES):
        queue.shutdown()
