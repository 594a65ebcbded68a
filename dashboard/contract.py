"""The results-folder contract as the dashboard reads it: file names, columns, the deadline.

Written by `model/store.py` (see the shared design, "Results folder"); `data.py` checks it on load,
`stats.py` and `figures.py` use the column names.
"""

from __future__ import annotations

import pandas as pd

FORMAT_VERSION = 1  # the manifest's `format_version` this dashboard reads

MANIFEST = "manifest.json"
TIMESERIES = "timeseries.parquet"
BY_CITY = "by_city.parquet"
SUMMARY = "summary.parquet"
FISCAL = "fiscal.parquet"  # optional: fiscal cost by lever and department

KIND_COLUMNS = (  # stocks by kind, stacked in this order (they do not overlap)
    "n_individual",
    "n_micro",
    "n_small",
    "n_medium",
    "n_above_scale",
    "n_chain_leader",
    "n_cooperative",
)
ENTRY_EXIT_FLOWS = ("new_registered", "new_opened", "new_exited")
CONVERSION_FLOWS = ("new_individual_to_enterprise", "new_above_scale")  # 个转企, 小升规

TIMESERIES_COLUMNS = (
    "scenario",
    "run",
    "date",
    "n_registered",
    "n_operating",
    "n_dormant",
    *KIND_COLUMNS,
    "n_enterprise",
    *ENTRY_EXIT_FLOWS,
    *CONVERSION_FLOWS,
    "n_employed",
    "cum_fiscal_cost",
)
BY_CITY_COLUMNS = ("scenario", "run", "date", "city", "n_registered", "n_operating")
SUMMARY_COLUMNS = (
    "scenario",
    "run",
    "start_registered",
    "end_registered",
    "ratio",
    "doubled",
    "month_doubled",
    "cum_fiscal_cost",
    "cost_per_net_new",
)
FISCAL_COLUMNS = ("scenario", "run", "lever", "department", "cum_fiscal_cost")

REQUIRED_TABLES = {
    TIMESERIES: TIMESERIES_COLUMNS,
    BY_CITY: BY_CITY_COLUMNS,
    SUMMARY: SUMMARY_COLUMNS,
}

BASELINE = "no_policy"  # the scenario every gain is measured against
DEADLINE = pd.Timestamp("2025-12-31")  # end of the 14th Five-Year Plan: the doubling deadline
START = pd.Timestamp("2020-12-31")  # the starting stock (end-2020)
QUANTILES = (0.05, 0.5, 0.95)  # the bands shown everywhere: 5 %, median, 95 %
