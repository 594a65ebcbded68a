"""`run.py run --scheduler`: a batch on an existing Dask cluster (scheduler and workers as processes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from model.experiments import ensemble
from model.experiments.ensemble import run_ensemble
from model.policy.scenario import load_scenario
from tests.batch_fixtures import (
    ROOT,
    SCENARIOS,
    SETTINGS,
    assert_nothing_written,
    assert_same_tables,
    project_env,
    run_cli,
    settings_args,
    stop_process,
)

RUNS = 4


def _wait_for_file(path, process, timeout: float = 40) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the Dask scheduler stopped"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            time.sleep(0.1)
    raise AssertionError(f"no {path} after {timeout} s")


def _uv() -> str:
    """The uv that runs these tests (uv sets UV for its children), else the one on PATH."""
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "uv is not installed (README: python -m pip install uv)"
    return found


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """The address of a Dask scheduler on 127.0.0.1 with two single-thread workers, each a process.

    Started as the README's "Running on a cluster" says (`uv run --project PROJECT dask ...`), from
    a folder other than the project, with the user's environment (no PYTHONPATH); only the port is
    0 (any free one) and the dashboards are off, so that tests never clash with a running cluster.
    """
    from dask.distributed import Client

    tmp_path = tmp_path_factory.mktemp("dask")
    processes = []

    def start(name: str, *args: str) -> subprocess.Popen:
        log = (tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [_uv(), "run", "--project", str(ROOT), "dask", *args], cwd=tmp_path,
            env=project_env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.append(process)
        return process

    scheduler_file = tmp_path / "scheduler.json"
    try:
        scheduler = start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
                          "--no-dashboard", "--scheduler-file", str(scheduler_file))  # fmt: skip
        address = _wait_for_file(scheduler_file, scheduler)["address"]
        for i in range(2):
            start(f"worker{i}", "worker", address, "--nworkers", "1", "--nthreads", "1",
                  "--no-dashboard", f"--name=worker{i}")  # fmt: skip
        with Client(address, timeout="10s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(processes):  # workers first, then the scheduler
            stop_process(process, timeout=15)


def _workers_ran_the_model(address: str) -> dict[str, bool]:
    from dask.distributed import Client

    with Client(address, timeout="10s") as client:
        return client.run(lambda: "model.experiments.simulation" in sys.modules)


@pytest.mark.slow
def test_a_batch_on_an_existing_cluster_equals_the_local_run(dask_cluster, tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        "run", *SCENARIOS, *settings_args(runs=RUNS), f"--scheduler={dask_cluster}",
        f"--out={out}", "--quiet",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert all(_workers_ran_the_model(dask_cluster).values())  # the runs went to the workers

    settings = SETTINGS | {"runs": RUNS}
    local = run_ensemble([load_scenario(ROOT / p) for p in SCENARIOS], **settings)
    assert_same_tables(out, local)


@pytest.mark.slow
def test_workers_running_other_model_code_are_refused(dask_cluster, tmp_path, monkeypatch):
    real_identity = ensemble.batch_identity
    monkeypatch.setattr(  # as if model/ had changed here but not on the workers
        ensemble, "batch_identity", lambda *a: real_identity(*a) | {"code_fingerprint": "other"}
    )
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="other model code"):
        ensemble.run_batch([ROOT / p for p in SCENARIOS], **SETTINGS, out=out,
                           scheduler=dask_cluster, quiet=True)  # fmt: skip
    assert_nothing_written(out)
