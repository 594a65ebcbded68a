"""The comparison of scenarios (model/experiments/comparison.py): one definition, used by
`run.py compare` and the dashboard alike."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dashboard.data import load_results
from dashboard.pages.overview import overview_table
from model.defaults import DEADLINE
from model.experiments.comparison import at_deadline, compare, median_month, quantile_bands
from tests.batch_fixtures import run_cli, settings_args

MONTHS = pd.to_datetime(["2020-12-31", "2021-01-31", "2021-02-28", "2021-03-31"])


def _timeseries(runs: int = 3) -> pd.DataFrame:
    """Two scenarios × runs × 2020-12…2021-03; the policy adds 100 k a month."""
    rows = [
        {
            "scenario": name,
            "run": run,
            "date": date,
            "n_registered": 1.0e6 * (1 + run / 10) + (1.0e5 + boost) * i,
            "n_operating": 0.8 * (1.0e6 * (1 + run / 10) + (1.0e5 + boost) * i),
        }
        for name, boost in (("no_policy", 0.0), ("policy", 1.0e5))
        for run in range(runs)
        for i, date in enumerate(MONTHS)
    ]
    return pd.DataFrame(rows)


def test_quantile_bands_per_group():
    table = pd.DataFrame({"g": ["x"] * 101, "v": np.arange(101.0)})
    bands = quantile_bands(table, "v", ["g"])
    assert bands.loc[0, ["p05", "p50", "p95"]].tolist() == [5.0, 50.0, 95.0]


def test_median_month_is_the_month_half_the_runs_have_doubled_by():
    months = pd.Series(pd.to_datetime(["2024-03-31", "2025-01-31", None, "2023-06-30"]))
    assert median_month(months) == pd.Timestamp("2024-03-31")
    late = pd.Series(pd.to_datetime(["2026-03-31", None, None, "2023-06-30"]))
    assert median_month(late) == pd.Timestamp("2026-03-31")  # the whole horizon counts
    assert median_month(late.iloc[1:]) is pd.NaT  # fewer than half ever double


def _summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "scenario": ["no_policy"] * 3 + ["policy"] * 3,
            "run": [0, 1, 2] * 2,
            "start_registered": [1.0e6, 1.1e6, 1.2e6] * 2,
            "doubled": [False, False, False, True, True, False],
            "month_doubled": pd.to_datetime(
                [None, None, None, "2024-01-31", "2025-12-31", "2026-06-30"]
            ),
            "cum_fiscal_cost": [0.0, 0.0, 0.0, 1e9, 2e9, 3e9],
            "cost_per_net_new": [np.nan, np.nan, np.nan, 1000.0, 2000.0, np.inf],
        }
    )


def test_p_doubled_counts_only_the_deadline_and_bands_skip_infinite_costs():
    table = compare(_summary(), _timeseries(), ["policy", "no_policy"]).set_index("scenario")
    assert list(table.index) == ["policy", "no_policy"]
    assert table.loc["policy", "p_doubled"] == pytest.approx(2 / 3)
    assert table.loc["no_policy", "p_doubled"] == 0
    assert table.loc["policy", "median_month"] == pd.Timestamp("2025-12-31")
    assert pd.isna(table.loc["no_policy", "median_month"])
    assert table.loc["policy", "fiscal_cost_p50"] == 2e9
    assert table.loc["policy", "cost_per_net_new_p50"] == 1500.0  # inf is not a cost
    assert table.loc["policy", "target"] == 2 * 1.1e6
    assert table.loc["policy", "end_registered_p50"] == 1.1e6 + 3 * 2e5


def test_the_rows_at_the_deadline_are_all_the_comparison_needs():
    """What `run.py compare` and the dashboard read (`store.deadline_rows`) gives the same table."""
    timeseries = _timeseries()
    end = at_deadline(timeseries)
    assert len(end) == 6 and (end["date"] == MONTHS[-1]).all()
    pd.testing.assert_frame_equal(compare(_summary(), end), compare(_summary(), timeseries))


@pytest.mark.slow
@pytest.mark.parametrize("until", ["2025-12", "2027-12"])
def test_command_line_and_dashboard_give_the_same_comparison(tmp_path, until):
    """`run.py compare --format json` and the dashboard's overview agree on one folder, also with a
    horizon past the deadline (where they once used different rules for the median month)."""
    out = tmp_path / "results"
    options = settings_args(runs=4, scale=400.0, until=until)
    done = run_cli("run", "scenarios/no_policy.yaml", "scenarios/as_enacted.yaml", *options,
                   f"--out={out}", "--quiet")  # fmt: skip
    assert done.returncode == 0, done.stderr
    cli = json.loads(run_cli("compare", str(out), "--format", "json").stdout)
    shown = overview_table(load_results(out)).set_index("scenario")
    assert sorted(r["scenario"] for r in cli) == sorted(shown.index)
    late = [r["median_month"] for r in cli if (r["median_month"] or "") > DEADLINE]
    assert bool(late) == (until > DEADLINE)  # past 2025 the median month comes after the deadline
    for row in cli:
        mine = shown.loc[row["scenario"]]
        month = mine["median_month"]
        assert row.pop("median_month") == (None if pd.isna(month) else month.strftime("%Y-%m"))
        for key, value in row.items():
            if isinstance(value, float):
                assert mine[key] == pytest.approx(value, rel=1e-12), key
            elif value is None:
                assert pd.isna(mine[key]), key
            elif key != "scenario":
                assert mine[key] == value, key
