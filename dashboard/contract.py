"""The results-folder contract as the dashboard reads it: file names, columns, the deadline.

Written by `model/experiments/store.py` (see the shared design, "Results folder"); `data.py` checks
it on load, `stats.py` and `figures.py` use the column names.
"""

from __future__ import annotations

from model.experiments import (  # noqa: F401 (re-exported: every gain is measured against BASELINE)
    BASELINE,
    COLUMNS,
    DEADLINE,
    FORMAT_VERSION,
    MANIFEST,
)

TIMESERIES, BY_CITY, SUMMARY, FISCAL = (f"{stem}.parquet" for stem in COLUMNS)  # fiscal: optional

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

TIMESERIES_COLUMNS, BY_CITY_COLUMNS, SUMMARY_COLUMNS, FISCAL_COLUMNS = COLUMNS.values()

REQUIRED_TABLES = {
    TIMESERIES: TIMESERIES_COLUMNS,
    BY_CITY: BY_CITY_COLUMNS,
    SUMMARY: SUMMARY_COLUMNS,
}
