"""The command line of the simulation core: a full-scale run writes the results folder; bad
arguments give one line on stderr starting `error:` and exit code 2, with nothing written."""

from __future__ import annotations

import pandas as pd
import pytest

from model.columns import COLUMNS, MANIFEST
from model.world.parameters import literature_rates
from tests.batch_fixtures import assert_nothing_written, run_cli


def one_line_error(result, code: int = 2) -> str:
    """The one line on stderr of a command that failed with exit code `code`."""
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
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
    estimate = literature_rates().start_stock_total  # the end-2020 estimate, with its range
    assert estimate.low <= start <= estimate.high  # at full scale
    assert timeseries["n_registered"].iloc[-1] > start


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--scale", "-1"], "--scale: must be positive"),
        (["--scale", "0"], "--scale: must be positive"),
        (["--until", "2020-06"], "until: 2020-06 is outside 2021-01..2035-12"),
        (["--until", "2025-13"], "until: expected YYYY-MM"),
        # Issue 11: each of these ran (NaN results, a batch of the 45 chain leaders alone), tried
        # to allocate 57 GiB, or grew memory for seeds of a billion runs
        (["--scale", "inf"], "--scale must be a positive finite number, got inf"),
        (["--scale", "1e7"], "fewer than 500: use --scale 5200 or less"),
        (["--scale", "0.0001"], "GiB are available: use a larger --scale"),
        (["--runs", "1000000000"], "--runs must be 1 to 100,000, got 1000000000"),
        (["--evidence-runs", "-1"], "--evidence-runs must be 0 or more, got -1"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(tmp_path, arguments, says):
    out = tmp_path / "out"
    result = run_cli("run", "scenarios/no_policy.yaml", "--out", str(out), "--quiet", *arguments)
    assert says in one_line_error(result)
    assert_nothing_written(out)


def test_a_port_out_of_range_is_one_line_and_exit_2():
    result = run_cli("dashboard", "--port", "70000", timeout=60)
    assert "--port: must be a TCP port, 1 to 65535, got 70000" in one_line_error(result)


def test_an_unknown_scenario_file_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", "scenarios/no_such_scenario.yaml", "--out", str(out), "--quiet")
    assert "no_such_scenario.yaml" in one_line_error(result)
    assert_nothing_written(out)
