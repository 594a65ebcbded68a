"""Doubling (倍增) summaries: one row per scenario × run, and THE comparison of scenarios.

`compare` is the one definition of the comparison: `run.py compare` and the dashboard both use it.

Definitions (the target of 晋发〔2021〕67号: the count of market entities doubles by end-2025):
- start = the end-2020 row of a run; end = the last month simulated on or before the deadline
  (2025-12, `model.defaults.DEADLINE`), so a horizon ending earlier reports its last month.
- `doubled`: some month on or before the deadline has n_registered ≥ 2 × start (the run's own
  start). P(doubled) is the share of runs that doubled.
- `month_doubled`: the first month *within the whole horizon* with n_registered ≥ 2 × start, NaT if
  none. With a horizon past 2025 a run may double later: then `doubled` is False while
  `month_doubled` records the (late) month, so the comparison can say when doubling comes.
- The median month of doubling is the first month by which at least half of the runs had doubled,
  within the whole horizon (NaT, "not within horizon", if fewer than half ever do).
- `cum_fiscal_cost` is taken at the end month; `cost_per_net_new` = cost / (end − start registered),
  NaN when there is no net growth.
- Bands are the 5 %, 50 % and 95 % quantiles over runs (`model.defaults.QUANTILES`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from pandas.api.typing import NaTType

from model.columns import SUMMARY_COLUMNS
from model.defaults import DEADLINE as DEADLINE_MONTH
from model.defaults import QUANTILES
from model.texttable import text_table, width
from model.world.clock import month_end, month_index

DEADLINE = month_end(month_index(DEADLINE_MONTH))  # the date the doubling is judged at
START = month_end(-1)  # the starting stock: end-2020
BAND_COLUMNS = ("p05", "p50", "p95")  # names of the QUANTILES in band tables
NOT_WITHIN_HORIZON = "not within horizon"
TABLE_NOTE = (
    "P(doubled): share of runs with registered entities at least twice their end-2020 count by "
    f"{DEADLINE_MONTH}; median month: by when half the runs had doubled (whole horizon).\n"
    "Registered and operating at {end}: median (5-95 % of runs), million entities. "
    "Fiscal cost to {end} (median, 亿元 = 100 M yuan); yuan per net new registered entity."
)


def summarize(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The summary table: one row per scenario × run of a timeseries table (sorted by date)."""
    rows = [_summarize_run(key, run) for key, run in timeseries.groupby(["scenario", "run"])]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _summarize_run(key: tuple, run: pd.DataFrame) -> tuple:
    start = float(run["n_registered"].iloc[0])
    upto = run[run["date"] <= DEADLINE]
    end = float(upto["n_registered"].iloc[-1])
    cost = float(upto["cum_fiscal_cost"].iloc[-1])
    reached = run["date"][run["n_registered"] >= 2 * start]
    month = reached.iloc[0] if len(reached) else pd.NaT
    net_new = end - start
    return (
        *key,
        start,
        end,
        end / start,
        bool(len(reached) and month <= DEADLINE),
        month,
        cost,
        cost / net_new if net_new > 0 else np.nan,
    )


def quantile_bands(table: pd.DataFrame, value: str, by: Iterable[str]) -> pd.DataFrame:
    """The 5, 50 and 95 % quantiles of `value` over runs, per group: `*by, p05, p50, p95`."""
    by = list(by)
    values = table[value].replace([np.inf, -np.inf], np.nan)
    grouped = values.groupby([table[c] for c in by]).quantile(np.array(QUANTILES)).unstack()
    grouped.columns = list(BAND_COLUMNS)
    return grouped.reset_index()


def at_deadline(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario and run: the last month on or before the deadline."""
    upto = timeseries[timeseries["date"] <= DEADLINE]
    last = upto.groupby(["scenario", "run"])["date"].transform("max")
    return upto[upto["date"] == last].reset_index(drop=True)


def median_month(months: pd.Series) -> pd.Timestamp | NaTType:
    """The first month by which at least half of the runs had doubled (NaT if half never did)."""
    reached = months.dropna().sort_values()
    needed = int(np.ceil(len(months) / 2))
    if len(months) == 0 or len(reached) < needed:
        return pd.NaT
    return reached.iloc[needed - 1]


def compare(
    summary: pd.DataFrame, timeseries: pd.DataFrame, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per scenario (in `order`, else as first seen): runs, P(doubled), median month of doubling,
    and bands of the start, end registered and operating, ratio, fiscal cost, cost per net new.

    `timeseries` needs `scenario, run, date, n_registered, n_operating`, and of the rows only those
    at the deadline (`at_deadline`; `store.deadline_rows` reads no others)."""
    end = at_deadline(timeseries).merge(
        summary[["scenario", "run", "start_registered"]], on=["scenario", "run"]
    )
    end["ratio"] = end["n_registered"] / end["start_registered"]
    months = summary.groupby("scenario", sort=False)["month_doubled"]
    table = pd.DataFrame(
        {
            "runs": months.size(),
            "end_month": end["date"].max().strftime("%Y-%m"),
            "p_doubled": summary.groupby("scenario", sort=False)["doubled"].mean(),
            "median_month": months.apply(median_month),
        }
    )
    for source, value, prefix in (
        (end, "n_registered", "end_registered"),
        (end, "n_operating", "end_operating"),
        (end, "ratio", "ratio"),
        (summary, "start_registered", "start_registered"),
        (summary, "cum_fiscal_cost", "fiscal_cost"),
        (summary, "cost_per_net_new", "cost_per_net_new"),
    ):
        bands = quantile_bands(source, value, ["scenario"]).set_index("scenario")
        table = table.join(bands.add_prefix(f"{prefix}_"))
    table["target"] = 2 * table["start_registered_p50"]
    table = table.rename_axis("scenario")
    if order is not None:
        table = table.reindex([name for name in order if name in table.index])
    return table.reset_index()


def render(table: pd.DataFrame, fmt: str) -> str:
    """The comparison as `table` (for people), `csv` or `json` (numbers in entities and yuan;
    months as YYYY-MM)."""
    plain = table.assign(
        median_month=table["median_month"].map(
            lambda m: None if pd.isna(m) else m.strftime("%Y-%m")
        )
    )
    if fmt == "csv":
        return plain.to_csv(index=False, lineterminator="\n").rstrip("\n")
    if fmt == "json":
        records = plain.astype(object).where(plain.notna(), None).to_dict("records")
        return json.dumps(records, indent=2, ensure_ascii=False)
    if fmt == "table":
        return _text_table(plain)
    raise ValueError(f"unknown format {fmt!r}")


def _text_table(table: pd.DataFrame) -> str:
    end = table["end_month"].iloc[0] if len(table) else DEADLINE_MONTH
    header = (
        "scenario", "runs", "P(doubled)", "median month",
        f"registered {end}", f"operating {end}", "fiscal cost 亿元", "yuan/net new",
    )  # fmt: skip
    rows = [
        (
            str(row["scenario"]),
            str(row["runs"]),
            f"{row['p_doubled']:.0%}",
            row["median_month"] if isinstance(row["median_month"], str) else NOT_WITHIN_HORIZON,
            _band(row, "end_registered"),
            _band(row, "end_operating"),
            f"{row['fiscal_cost_p50'] / 1e8:,.1f}",
            "-" if np.isnan(row["cost_per_net_new_p50"]) else f"{row['cost_per_net_new_p50']:,.0f}",
        )
        for row in table.to_dict("records")
    ]
    rule = "-" * max(width(line) for line in text_table(header, rows).splitlines())
    return "\n".join([text_table(header, rows), rule, TABLE_NOTE.format(end=end)])


def _band(row: dict, column: str) -> str:
    """'3.10 M (2.95-3.30)': the median and the 5-95 % range, in millions."""
    p05, p50, p95 = (row[f"{column}_{k}"] / 1e6 for k in BAND_COLUMNS)
    return f"{p50:.2f} M ({p05:.2f}-{p95:.2f})"
