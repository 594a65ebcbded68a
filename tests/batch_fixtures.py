"""Helpers shared by the batch tests: a small standard batch, the CLI as a subprocess, comparisons."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from model.columns import COLUMNS
from model.experiments.store import read_results

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("scenarios/no_policy.yaml", "scenarios/as_enacted.yaml")
# Small enough for a shared 2-core machine: about 0.3 s a run at this scale.
SETTINGS = {"runs": 8, "scale": 200.0, "until": "2025-12", "seed": 7}


def settings_args(**changes) -> list[str]:
    """The standard batch's settings as command-line options."""
    settings = SETTINGS | changes
    return [f"--{key}={value}" for key, value in settings.items()]


def project_env() -> dict[str, str]:
    """The environment of a subprocess: the user's own (the project is installed), unbuffered."""
    return os.environ | {"PYTHONUNBUFFERED": "1"}


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """Terminate a child process, killing it if it does not exit within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python run.py ARGS` from the project root, output captured."""
    return subprocess.run(
        [sys.executable, "run.py", *args],
        cwd=ROOT, env=project_env(), capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def assert_same_tables(left, right) -> None:
    """Two BatchTables (or results folders) hold identical tables, dtypes included.

    Folders made by different model code differ for that reason: said first (others may be
    editing model/ while a test runs).
    """
    if isinstance(left, Path) and isinstance(right, Path):
        codes = [read_results(x)[0]["code_fingerprint"] for x in (left, right)]
        assert codes[0] == codes[1], "model/ changed between the two batches"
    left, right = (read_results(x)[1] if isinstance(x, Path) else x for x in (left, right))
    for name, table in left.items():
        assert tuple(table.columns) == COLUMNS[name]
        pd.testing.assert_frame_equal(table, getattr(right, name), check_exact=True)


def assert_nothing_written(*paths: Path) -> None:
    for path in paths:
        assert not path.exists(), f"{path} was written"
        assert not list(path.parent.glob(f".{path.name}.*")), f"hidden work files of {path}"
