"""Doubling (倍增) summaries: one row per scenario × run, and the comparison of scenarios.

Definitions (the target of 晋发〔2021〕67号: the count of market entities doubles by end-2025):
- start = the end-2020 row of a run; end = the last month simulated on or before the deadline
  (2025-12), so a horizon ending earlier reports its last month.
- `doubled`: some month on or before the deadline has n_registered ≥ 2 × start.
- `month_doubled`: the first month *within the whole horizon* with n_registered ≥ 2 × start, NaT if
  none. With a horizon past 2025 a run may double later: then `doubled` is False while
  `month_doubled` records the (late) month, so the comparison can say when doubling comes.
- `cum_fiscal_cost` is taken at the end month; `cost_per_net_new` = cost / (end − start registered),
  NaN when there is no net growth.
- The comparison's median month of doubling is the first month by which at least half of the runs
  had doubled within the horizon ("not within horizon" if fewer than half ever do).
"""

from __future__ import annotations

import json
import unicodedata

import numpy as np
import pandas as pd

from model.columns import SUMMARY_COLUMNS
from model.world.clock import month_end, month_index

DEADLINE = month_end(month_index("2025-12"))  # end of the 14th Five-Year Plan: the doubling target
NOT_WITHIN_HORIZON = "not within horizon"
TABLE_NOTE = (
    "P(doubled): share of runs with registered entities at least twice end-2020 by 2025-12; "
    "median month: by when half the runs had doubled.\n"
    "Registered and operating at {end}: median (5-95 % of runs), million entities. "
    "Fiscal cost to {end} (median, 亿元 = 100 M yuan); yuan per net new registered entity."
)
QUANTILES = {"p05": 0.05, "p50": 0.5, "p95": 0.95}


def summarize(timeseries: pd.DataFrame) -> pd.DataFrame:
    """The summary table: one row per scenario × run of a timeseries table (sorted by date)."""
    rows = [_summarize_run(key, run) for key, run in timeseries.groupby(["scenario", "run"])]
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _summarize_run(key: tuple[str, int], run: pd.DataFrame) -> tuple:
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


def comparison(summary: pd.DataFrame, timeseries: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per scenario (in `order`): P(doubled), median month, end registered/operating, cost."""
    upto = timeseries[timeseries["date"] <= DEADLINE]
    end = upto[upto["date"] == upto["date"].max()]
    rows = []
    for name in order:
        own = summary[summary["scenario"] == name]
        at_end = end[end["scenario"] == name]
        row = {
            "scenario": name,
            "runs": len(own),
            "end_month": end["date"].max().strftime("%Y-%m"),
            "p_doubled": float(own["doubled"].mean()),
            "median_month_doubled": _median_month(own["month_doubled"]),
        }
        for column, values in (
            ("end_registered", at_end["n_registered"]),
            ("end_operating", at_end["n_operating"]),
            ("cum_fiscal_cost", own["cum_fiscal_cost"]),
        ):
            row.update({f"{column}_{k}": float(values.quantile(q)) for k, q in QUANTILES.items()})
        row["cost_per_net_new_p50"] = float(own["cost_per_net_new"].median())
        rows.append(row)
    return pd.DataFrame(rows)


def _median_month(months: pd.Series) -> str | None:
    """First month by which half of the runs had doubled, as YYYY-MM; None if half never did."""
    reached = months.dropna().sort_values()
    needed = int(np.ceil(len(months) / 2))
    if len(months) == 0 or len(reached) < needed:
        return None
    return reached.iloc[needed - 1].strftime("%Y-%m")


def render(table: pd.DataFrame, fmt: str) -> str:
    """The comparison as `table` (for people), `csv` or `json` (numbers in entities and yuan)."""
    if fmt == "csv":
        return table.to_csv(index=False, lineterminator="\n").rstrip("\n")
    if fmt == "json":
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        return json.dumps(records, indent=2, ensure_ascii=False)
    if fmt == "table":
        return _text_table(table)
    raise ValueError(f"unknown format {fmt!r}")


def _text_table(table: pd.DataFrame) -> str:
    end = table["end_month"].iloc[0] if len(table) else DEADLINE.strftime("%Y-%m")
    header = (
        "scenario", "runs", "P(doubled)", "median month",
        f"registered {end}", f"operating {end}", "fiscal cost 亿元", "yuan/net new",
    )  # fmt: skip
    lines = [
        (
            row.scenario,
            str(row.runs),
            f"{row.p_doubled:.0%}",
            NOT_WITHIN_HORIZON if pd.isna(row.median_month_doubled) else row.median_month_doubled,
            _band(row, "end_registered"),
            _band(row, "end_operating"),
            f"{row.cum_fiscal_cost_p50 / 1e8:,.1f}",
            "-" if np.isnan(row.cost_per_net_new_p50) else f"{row.cost_per_net_new_p50:,.0f}",
        )
        for row in table.itertuples()
    ]
    widths = [max(_width(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def line(cells):
        padded = [
            _pad(c, w, left=i == 0) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    rule = line(["-" * w for w in widths])
    return "\n".join([line(header), rule, *map(line, lines), rule, TABLE_NOTE.format(end=end)])


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


def _band(row, column: str) -> str:
    """'3.10 M (2.95-3.30)': the median and the 5-95 % range, in millions."""
    p05, p50, p95 = (getattr(row, f"{column}_{k}") / 1e6 for k in QUANTILES)
    return f"{p50:.2f} M ({p05:.2f}-{p95:.2f})"
