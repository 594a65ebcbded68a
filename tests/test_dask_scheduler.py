"""`run.py run --scheduler`: a batch on an existing Dask cluster (scheduler and workers as processes)."""

from __future__ import annotations

import sys

import pytest

from benchmarks.readme_cluster import readme_cluster
from model.experiments import ensemble
from model.experiments.executor import Cluster
from tests.batch_fixtures import (
    ROOT,
    SCENARIOS,
    SETTINGS,
    assert_nothing_written,
    assert_same_tables,
    run_cli,
    settings_args,
)

RUNS = 4


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """The address of a scheduler with two workers started as the README says
    (benchmarks.readme_cluster)."""
    with readme_cluster(tmp_path_factory.mktemp("dask")) as cluster:
        yield cluster.address


def _workers_ran_the_model(address: str) -> dict[str, bool]:
    from dask.distributed import Client

    with Client(address, timeout="10s") as client:
        return client.run(lambda: "model.experiments.simulation" in sys.modules)


@pytest.mark.slow
def test_a_batch_on_an_existing_cluster_equals_the_local_run(dask_cluster, tmp_path):
    # runs 0-1 with their evidence-only variant and 2-3 without: two stacks, one per worker
    batch = (*SCENARIOS, *settings_args(runs=RUNS), "--evidence-runs=2", "--quiet")
    out, local = tmp_path / "out", tmp_path / "local"
    result = run_cli("run", *batch, f"--scheduler={dask_cluster}", f"--out={out}")
    assert result.returncode == 0, result.stderr
    assert all(_workers_ran_the_model(dask_cluster).values())  # the runs went to the workers

    result = run_cli("run", *batch, "--workers=1", f"--out={local}")  # in this process
    assert result.returncode == 0, result.stderr
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
                           cluster=Cluster(scheduler=dask_cluster), quiet=True)  # fmt: skip
    assert_nothing_written(out)
