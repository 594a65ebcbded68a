"""`run.py run`, `run.py compare` and `run.py` with no arguments, through the real command line."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from model.columns import COLUMNS
from model.experiments.store import PartialBatch
from tests.batch_fixtures import (
    ROOT,
    SCENARIOS,
    SETTINGS,
    assert_nothing_written,
    assert_same_tables,
    project_env,
    run_cli,
    settings_args,
)
from tests.test_cli_core import one_line_error

FILES = ("manifest.json", "timeseries.parquet", "by_city.parquet", "summary.parquet",
         "fiscal.parquet")  # fmt: skip
TOTAL_RUNS = len(SCENARIOS) * SETTINGS["runs"]
BLOCKS = [f"{name}-000000" for name in ("no_policy", "as_enacted")]  # one per scenario: 8 runs


def _files(folder) -> dict[str, bytes]:
    """Every Parquet file of a results folder (in its table folders too) by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.parquet")
            if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The standard batch, uninterrupted, on the default local Dask cluster."""
    out = tmp_path_factory.mktemp("reference") / "out"
    result = run_cli("run", *SCENARIOS, *settings_args(), f"--out={out}")
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
def test_a_batch_writes_the_contract_files(reference):
    assert sorted(p.name for p in reference.iterdir()) == sorted(FILES)
    for name, columns in COLUMNS.items():
        table = pd.read_parquet(reference / f"{name}.parquet")
        assert tuple(table.columns) == columns
        assert table["scenario"].dtype == "str"
    for name in ("timeseries", "by_city", "fiscal"):  # a folder of one file per block of runs
        blocks = sorted(p.name for p in (reference / f"{name}.parquet").iterdir())
        assert blocks == sorted(f"{block}.parquet" for block in BLOCKS)
    summary = pd.read_parquet(reference / "summary.parquet")
    assert len(summary) == TOTAL_RUNS
    manifest = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runs"] == SETTINGS["runs"] and manifest["seed"] == SETTINGS["seed"]
    assert manifest["command"][:2] == ["run.py", "run"]
    assert list(manifest["scenarios"]) == ["no_policy", "as_enacted"]
    assert not list(reference.parent.glob(".*"))  # no work folder left behind


@pytest.mark.slow
def test_the_same_batch_again_gives_identical_parquet_files(reference, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(reference, again)  # and the rerun replaces a finished folder
    result = run_cli("run", *SCENARIOS, *settings_args(), f"--out={again}", "--quiet")
    assert result.returncode == 0, result.stderr
    assert_same_tables(again, reference)
    assert _files(again) == _files(reference) and len(_files(reference)) == 3 * 2 + 1


def _start(command: list[str]) -> subprocess.Popen:
    """`python run.py COMMAND` in a session of its own (its Dask workers in its process group)."""
    return subprocess.Popen(
        [sys.executable, "run.py", *command], cwd=ROOT, env=project_env(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _finished_blocks(out) -> list[str]:
    blocks = PartialBatch(out).blocks
    return sorted(p.name for p in blocks.glob("[!.]*")) if blocks.is_dir() else []


def _group_ends(group: int, timeout: float) -> bool:
    """Whether every process of a process group has ended within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_a_killed_batch_resumes_to_the_same_results(reference, tmp_path):
    """Killed after its first block, on one worker (in process): on resume only the other block
    runs, and the files equal those of the reference batch (2 Dask workers, never stopped)."""
    out = tmp_path / "out"
    command = ["run", *SCENARIOS, *settings_args(), f"--out={out}", "--workers=1", "--quiet"]
    batch = _start(command)
    try:
        deadline = time.monotonic() + 50
        while not _finished_blocks(out):
            assert batch.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no block finished in time"
            time.sleep(0.02)
        os.kill(batch.pid, signal.SIGKILL)  # kill -9 the batch halfway
        batch.wait(timeout=10)
        assert _group_ends(batch.pid, timeout=20), "Dask workers outlived the killed batch"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(batch.pid, signal.SIGKILL)  # anything it started that outlived it
    assert _finished_blocks(out) == BLOCKS[:1]
    kept = (PartialBatch(out).path(BLOCKS[0]) / "timeseries.parquet").stat().st_mtime_ns
    assert not out.exists()
    unfinished = run_cli("compare", str(out))
    assert unfinished.returncode == 2 and "does not exist" in unfinished.stderr

    resumed = run_cli(*command)
    assert resumed.returncode == 0, resumed.stderr
    assert_same_tables(out, reference)
    assert _files(out) == _files(reference)  # 1 worker, stopped, or 2: the same bytes
    published = out / "timeseries.parquet" / f"{BLOCKS[0]}.parquet"
    assert published.stat().st_mtime_ns == kept  # the finished block was not run again
    assert not PartialBatch(out).folder.exists()


@pytest.mark.slow
def test_compare_in_every_format(reference):
    table = run_cli("compare", str(reference))
    assert table.returncode == 0, table.stderr
    assert "P(doubled)" in table.stdout and "as_enacted" in table.stdout
    csv = run_cli("compare", str(reference), "--format", "csv").stdout.splitlines()
    assert len(csv) == 3 and csv[0].startswith("scenario,runs,end_month,p_doubled")
    rows = json.loads(run_cli("compare", str(reference), "--format", "json").stdout)
    assert [r["scenario"] for r in rows] == ["no_policy", "as_enacted"]
    assert all(r["runs"] == SETTINGS["runs"] for r in rows)


def test_compare_by_lever_divides_each_levers_cost_by_the_scenarios_additional_entities(
    reference,
):
    """Cost per additional entity by lever: the lever's cost over the whole scenario's additional
    registered entities against the no-policy run of the same seed (median over runs)."""
    rows = json.loads(
        run_cli("compare", str(reference), "--by", "lever", "--format", "json").stdout
    )
    fiscal = pd.read_parquet(reference / "fiscal.parquet")
    series = pd.read_parquet(reference / "timeseries.parquet")
    end = series[series["date"] == series["date"].max()].set_index(["scenario", "run"])
    added = end.loc["as_enacted", "n_registered"] - end.loc["no_policy", "n_registered"]
    lever = fiscal[fiscal["scenario"] == "as_enacted"].groupby("lever")["cum_fiscal_cost"]
    dearest = lever.median().idxmax()
    costs = fiscal[(fiscal["scenario"] == "as_enacted") & (fiscal["lever"] == dearest)]
    expected = (costs.set_index("run")["cum_fiscal_cost"] / added).median()
    row = next(r for r in rows if r["scenario"] == "as_enacted" and r["lever"] == dearest)
    assert row["cost_per_additional_registered_p50"] == pytest.approx(expected)
    table = run_cli("compare", str(reference), "--by", "department")
    assert table.returncode == 0 and "Shapley" in table.stdout


def test_a_missing_scenario_file_is_bad_input(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", "scenarios/absent.yaml", f"--out={out}", "--quiet")
    assert "absent.yaml: file not found" in one_line_error(result, 2)
    assert_nothing_written(out)


def test_zero_runs_is_bad_input(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", SCENARIOS[0], "--runs", "0", f"--out={out}")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--runs: must be at least 1" in result.stderr
    assert_nothing_written(out)


def test_an_output_folder_that_is_a_file_is_bad_input(tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder")
    result = run_cli("run", SCENARIOS[0], f"--out={out}", "--runs=2", "--quiet")
    assert "is a file" in one_line_error(result, 2)
    assert out.read_text() == "not a folder" and sorted(tmp_path.iterdir()) == [out]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_clear_line(tmp_path):
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = run_cli("run", *SCENARIOS, "--runs=2", f"--scheduler={address}", f"--out={out}")
    assert f"cannot reach the Dask scheduler at {address}" in one_line_error(result, 1)
    assert_nothing_written(out)


@pytest.mark.slow
def test_no_arguments_runs_every_scenario_and_prints_the_comparison(tmp_path, monkeypatch, capsys):
    import run

    folder = tmp_path / "scenarios"
    folder.mkdir()
    for path in SCENARIOS:
        shutil.copy(ROOT / path, folder)
    results = tmp_path / "results" / "latest"
    for name, value in {"SCENARIO_DIR": folder, "DEFAULT_RESULTS": results, "DEFAULT_RUNS": 2,
                        "DEFAULT_SCALE": 500.0, "DEFAULT_UNTIL": "2022-12"}.items():  # fmt: skip
        monkeypatch.setattr(run, name, value)
    assert run.main(["--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "P(doubled)" in printed and "no_policy" in printed and "as_enacted" in printed
    assert f"run.py dashboard --results {results}" in printed
    assert sorted(p.name for p in results.iterdir()) == sorted(FILES)


QUICK = ("--runs=2", "--scale=500", "--until=2021-06", "--quiet")  # a batch of a few seconds


def _hidden(folder) -> list[str]:
    """The hidden work files and folders left in `folder` (`.NAME.partial`, `.NAME.old-*`...)."""
    return sorted(p.name for p in folder.glob(".*"))


@pytest.mark.slow
def test_a_symlink_to_a_results_folder_is_written_through(reference, tmp_path):
    """`--out link`, link → a results folder: the batch replaces the folder the link points to
    (issue 11: the link was replaced by a folder, exit 1, `.link.old-*` and `.link.partial` left)."""
    real, link = tmp_path / "real", tmp_path / "link"
    shutil.copytree(reference, real)
    link.symlink_to(real.name)
    result = run_cli("run", *SCENARIOS, *QUICK, f"--out={link}")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == real.resolve()
    manifest = json.loads((real / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["runs"] == 2 and manifest["until"] == "2021-06"
    assert _hidden(tmp_path) == []


def test_a_symlink_loop_is_bad_input_before_any_run(tmp_path):
    """Issue 11: the loop passed the start-up check and failed only after the whole batch."""
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    result = run_cli("run", *SCENARIOS, *QUICK, f"--out={tmp_path / 'a'}", timeout=30)
    assert "loop" in one_line_error(result, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def _unwritable(tmp_path, kind: str) -> Path:
    """A folder this process cannot write in: /proc (root neither), or one of mode 555."""
    if kind == "proc":
        return Path("/proc")
    if os.geteuid() == 0:
        pytest.skip("root writes in a folder of any mode")
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o555)
    return folder


@pytest.mark.parametrize("kind", ["proc", "mode-555"])
def test_an_output_folder_that_cannot_be_written_is_bad_input(tmp_path, kind):
    """Checked before anything runs (issue 11: exit 1 after the cluster had started, at times with
    a Dask heartbeat traceback)."""
    parent = _unwritable(tmp_path, kind)
    out = parent / "doubling-results" / "out"
    result = run_cli("run", *SCENARIOS, *QUICK, f"--out={out}", timeout=30)
    assert f"output folder {out}: cannot write in {parent}" in one_line_error(result, 2)
    assert not out.parent.exists()


def test_a_batch_stopped_before_its_first_block_leaves_no_work_folder(tmp_path):
    """Issue 11: a batch that failed before any block finished (`--scale 0.0001`, out of memory)
    left its work folder, and the corrected batch, of other settings, was then refused."""
    out = tmp_path / "out"
    batch = _start(["run", *SCENARIOS, *settings_args(), f"--out={out}", "--workers=1", "--quiet"])
    try:
        deadline = time.monotonic() + 30
        while not PartialBatch(out).folder.is_dir():
            assert batch.poll() is None and time.monotonic() < deadline, "the batch never started"
            time.sleep(0.02)
        os.kill(batch.pid, signal.SIGINT)  # Ctrl-C, long before its first block of 8 runs
        assert batch.wait(timeout=30) == 130
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(batch.pid, signal.SIGKILL)
    assert not _finished_blocks(out) and _hidden(tmp_path) == []
    result = run_cli("run", *SCENARIOS, *QUICK, f"--out={out}")
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("table", "column"), [("summary", "ratio"), ("timeseries", "date")])
def test_compare_on_a_folder_missing_a_column_is_bad_input(reference, tmp_path, table, column):
    folder = tmp_path / "results"
    shutil.copytree(reference, folder)
    path = folder / f"{table}.parquet"
    for file in path.glob("*.parquet") if path.is_dir() else [path]:
        pd.read_parquet(file).drop(columns=[column]).to_parquet(file, index=False)
    assert f"no column {column}" in one_line_error(run_cli("compare", str(folder)), 2)
