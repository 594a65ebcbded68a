"""The command line of the simulation core: a full-scale run writes the results folder; bad
arguments give one line on stderr and exit code 2, with nothing written."""

from __future__ import annotations

import pandas as pd
import pytest

from model.columns import COLUMNS, MANIFEST
from tests.batch_fixtures import assert_nothing_written, run_cli


def _one_line(result) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.slow
def test_one_full_scale_run_of_no_policy_writes_the_results_folder(tmp_path):
    out = tmp_path / "full"
    result = run_cli(
        "run", "scenarios/no_policy.yaml", "--runs", "1", "--scale", "1", "--out", str(out),
        "--quiet", timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (out / MANIFEST).is_file()
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert tuple(timeseries.columns) == COLUMNS["timeseries"]
    assert len(timeseries) == 61  # end-2020 and the 60 months of 2021-2025
    start = timeseries["n_registered"].iloc[0]
    assert 2.6e6 <= start <= 3.0e6  # the end-2020 estimate's range, at full scale
    assert timeseries["n_registered"].iloc[-1] > start


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--scale", "-1"], "--scale: must be positive"),
        (["--scale", "0"], "--scale: must be positive"),
        (["--until", "2020-06"], "until: 2020-06 is outside 2021-01..2035-12"),
        (["--until", "2025-13"], "until: expected YYYY-MM"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, arguments, says):
    out = tmp_path / "out"
    result = run_cli("run", "scenarios/no_policy.yaml", "--out", str(out), "--quiet", *arguments)
    assert says in _one_line(result)
    assert_nothing_written(out)


def test_an_unknown_scenario_file_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", "scenarios/no_such_scenario.yaml", "--out", str(out), "--quiet")
    assert "no_such_scenario.yaml" in _one_line(result)
    assert_nothing_written(out)
