"""A Dask cluster started exactly as the README's "Running on a cluster" says, for the tests and the
throughput benchmark: a scheduler and single-thread workers, each a process of its own started with
`uv run --project PROJECT dask ...` from a folder other than the project, in the user's environment
without PYTHONPATH, bound to 127.0.0.1. Only the port (0: any free one, read back from the scheduler
file) and the dashboards (off) differ, so that it never clashes with a cluster already running.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StartedCluster:
    address: str  # tcp://127.0.0.1:PORT
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]  # the `uv` processes: each runs a nanny, which runs a worker


def uv() -> str:
    """The uv that runs this process (uv sets UV for its children), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        raise RuntimeError("uv is not installed (README: python -m pip install uv)")
    return found


@contextmanager
def readme_cluster(folder: Path, workers: int = 2, timeout: float = 60) -> Iterator[StartedCluster]:
    """Start the cluster in `folder` (logs there), wait until every worker has joined, and stop
    every process of it (workers first, with their children) afterwards."""
    from dask.distributed import Client

    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    processes: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> subprocess.Popen:
        with (folder / f"{name}.log").open("w") as log:
            processes.append(subprocess.Popen(
                [uv(), "run", "--project", str(ROOT), "dask", *args],
                cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
            ))  # fmt: skip
        return processes[-1]

    scheduler_file = folder / "scheduler.json"
    try:
        scheduler = start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
                          "--no-dashboard", "--scheduler-file", str(scheduler_file))  # fmt: skip
        address = _address(scheduler_file, scheduler, timeout)
        for i in range(workers):
            start(f"worker{i}", "worker", address, "--nworkers", "1", "--nthreads", "1",
                  "--no-dashboard", f"--name=worker{i}")  # fmt: skip
        with Client(address, timeout="10s") as client:
            client.wait_for_workers(workers, timeout=timeout)
        yield StartedCluster(address, scheduler, processes[1:])
    finally:
        for process in reversed(processes):
            stop_tree(process)


def _address(scheduler_file: Path, scheduler: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if scheduler.poll() is not None:
            raise RuntimeError(f"the Dask scheduler stopped (log: {scheduler_file.parent})")
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    raise RuntimeError(f"the Dask scheduler wrote no {scheduler_file} in {timeout} s")


def stop_tree(process: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate a process (uv passes the signal on to what it runs), then kill what is left of
    its tree."""
    tree = _children(process)
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for left in psutil.wait_procs(tree, timeout=timeout)[1]:
        left.kill()


def kill_tree(process: subprocess.Popen) -> None:
    """Kill a process of the cluster and everything it runs (SIGKILL, nothing closes cleanly), as
    when its machine fails: the scheduler itself, or a worker with its nanny."""
    for left in _children(process):
        left.kill()
    process.kill()
    process.wait()


def _children(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        return []
