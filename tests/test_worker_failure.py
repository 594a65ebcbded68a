"""A Dask worker killed in the middle of a batch on an existing cluster: the batch still finishes,
with the same results as the batch run in one process (issue 9, "Must show").

The worker process itself is killed (SIGKILL), not its nanny: the scheduler sees the connection
drop, takes back the runs the worker held and gives them to the other worker (or to the new worker
process the nanny starts); the driver's futures simply finish later.

Losing the whole cluster (every worker with its nanny, or the scheduler) ends the batch with one
line and exit code 1 (issue 11: it waited forever, or printed a traceback of 37 lines)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from benchmarks.readme_cluster import kill_tree, readme_cluster
from model.columns import MANIFEST
from tests.batch_fixtures import (
    ROOT,
    SCENARIOS,
    assert_nothing_written,
    assert_same_tables,
    project_env,
    settings_args,
    stop_process,
)
from tests.test_cli_core import one_line_error

RUNS = 20  # per scenario: 40 runs, several seconds on two workers at scale 200


@pytest.fixture
def cluster(tmp_path, request):
    """A scheduler and two workers (or `request.param`) started as the README says
    (benchmarks.readme_cluster). Function-scoped: these tests break their cluster."""
    folder = tmp_path / "dask"
    folder.mkdir()
    with readme_cluster(folder, workers=getattr(request, "param", 2)) as started:
        yield started


def _busy_worker(client, batch: subprocess.Popen, partial, timeout: float = 60) -> str:
    """The address of a worker running a run of the batch, once the batch is under way: its work
    folder exists and the scheduler has given a worker a run to do."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if batch.poll() is not None:
            stderr = batch.stderr.read()
            raise AssertionError(f"the batch ended before a worker was killed: {stderr}")
        if partial.is_dir():
            for address, keys in client.processing().items():
                if any(str(key).startswith("simulate_stack") for key in keys):
                    return address
        time.sleep(0.05)
    raise AssertionError(f"the batch gave no worker a run within {timeout} s")


def _worker_process(client, address: str, workers: list[subprocess.Popen]) -> int:
    """The id of the worker process itself (not its nanny, not uv), checked to be one we started."""
    pid = client.run(os.getpid, workers=[address])[address]
    nannies = set(client.run(os.getpid, nanny=True).values())
    ours = {p.pid for w in workers for p in psutil.Process(w.pid).children(recursive=True)}
    assert pid in ours and pid not in nannies, (pid, ours, nannies)
    return pid


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.05)
    raise AssertionError(f"worker process {pid} still runs after SIGKILL")


def _batch(*args: str) -> subprocess.Popen:
    """`python run.py run` of the standard scenarios with `args`, started from the project root."""
    command = [sys.executable, "run.py", "run", *SCENARIOS, *settings_args(runs=RUNS), "--quiet",
               *args]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=project_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.slow
def test_a_batch_survives_a_worker_killed_in_the_middle(cluster, tmp_path):
    from dask.distributed import Client

    address, workers = cluster.address, cluster.workers
    out, reference = tmp_path / "out", tmp_path / "reference"
    # The same batch in one process, alongside (same model code: others may be editing model/)
    local = _batch("--workers=1", f"--out={reference}")
    batch = _batch(f"--scheduler={address}", f"--out={out}")
    try:
        with Client(address, timeout="10s") as client:
            victim = _busy_worker(client, batch, tmp_path / f".{out.name}.partial")
            pid = _worker_process(client, victim, workers)
            os.kill(pid, signal.SIGKILL)
            _wait_gone(pid)
            _, stderr = batch.communicate(timeout=90)
            assert batch.returncode == 0, stderr
            removed = [
                event for _, event in client.get_events("all")
                if event.get("action") == "remove-worker" and event.get("worker") == victim
            ]  # fmt: skip
        _, stderr = local.communicate(timeout=90)
        assert local.returncode == 0, stderr
    finally:
        stop_process(batch)
        stop_process(local)
    # The scheduler lost the worker unexpectedly while it held runs of the batch, and ran them again
    assert len(removed) == 1 and not removed[0]["expected"], removed
    assert any(str(key).startswith("simulate_stack") for key in removed[0]["processing-tasks"])
    manifests = [json.loads((x / MANIFEST).read_text(encoding="utf-8")) for x in (out, reference)]
    assert manifests[0]["run_seeds"] == manifests[1]["run_seeds"]
    assert_same_tables(out, reference)  # the same model code, then every table


WORKER_TIMEOUT_S = 3  # --worker-timeout of the batches below


def _lost_midway(cluster, tmp_path, victim: subprocess.Popen) -> str:
    """Kill `victim` (with what it runs) once a worker runs a run of the batch; the batch's one
    line on stderr, after checking it ended in time with exit code 1 and kept no work folder
    (no block had finished)."""
    from dask.distributed import Client

    out = tmp_path / "out"
    batch = _batch(f"--scheduler={cluster.address}", f"--out={out}",
                   f"--worker-timeout={WORKER_TIMEOUT_S}")  # fmt: skip
    try:
        with Client(cluster.address, timeout="10s") as client:
            _busy_worker(client, batch, tmp_path / f".{out.name}.partial")
        kill_tree(victim)
        stdout, stderr = batch.communicate(timeout=WORKER_TIMEOUT_S + 30)
    finally:
        stop_process(batch)
    line = one_line_error(
        subprocess.CompletedProcess(batch.args, batch.returncode, stdout, stderr), 1
    )
    assert_nothing_written(out)
    return line


@pytest.mark.slow
@pytest.mark.parametrize("cluster", [1], indirect=True)
def test_losing_every_worker_ends_the_batch_after_the_worker_timeout(cluster, tmp_path):
    line = _lost_midway(cluster, tmp_path, cluster.workers[0])
    assert f"has had no worker for {WORKER_TIMEOUT_S} s" in line


@pytest.mark.slow
@pytest.mark.parametrize("cluster", [1], indirect=True)
def test_losing_the_scheduler_is_one_line(cluster, tmp_path):
    line = _lost_midway(cluster, tmp_path, cluster.scheduler)
    assert f"lost the Dask scheduler at {cluster.address} in the middle of the batch" in line
