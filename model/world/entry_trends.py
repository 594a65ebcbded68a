"""The growth of registrations before and from 2021, fitted to the registered stocks of the past
(model/world/data/stock_history.csv): the centres of the entry trends' priors (model/world/priors.py).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from scipy.optimize import brentq

from model.defaults import DEFAULT_UNTIL, START_YEAR
from model.world.clock import month_index
from model.world.datafiles import DATA_DIR, csv_rows

STOCK_HISTORY = DATA_DIR / "stock_history.csv"
SHANXI_STOCK = ("private_enterprises", "individual_businesses")  # summed at each of their dates


def _decimal_year(text: str) -> float:
    """'2020-09-30' -> 2020.75: the end of that day, in years."""
    day = date.fromisoformat(text)
    first, next_first = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    return day.year + ((day - first).days + 1) / (next_first - first).days


def _stock_series(region: str, measures: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Dates (in years) and the registered stock of `region`, summed over `measures`, by date."""
    totals: dict[float, float] = {}
    for row in csv_rows(STOCK_HISTORY):
        if row["region"] == region and row["measure"] in measures:
            when = _decimal_year(row["date"])
            totals[when] = totals.get(when, 0.0) + float(row["value"])
    dates = np.array(sorted(totals))
    return dates, np.array([totals[when] for when in dates])


def _log_trend(dates: np.ndarray, stock: np.ndarray) -> float:
    """Slope of the least-squares line of log stock on the date: log growth per year."""
    return float(np.polyfit(dates, np.log(stock), 1)[0])


def entry_trends() -> dict[str, float]:
    """Growth of registrations per year before 2021 and from 2021 on (assumption: registrations
    grow with the registered stock, as in balanced growth; the national series counts stocks).

    Before 2021: the log-linear trend of Shanxi's registered private enterprises + individual
    businesses. From 2021: Shanxi keeps that trend relative to the national trend before 2021,
    while the national stock slows as observed (log growth between successive observations, the
    last held on); as one constant rate, the one giving the same registrations from 2021-01 to
    DEFAULT_UNTIL (events.register applies a constant trend).
    """
    shanxi = _log_trend(*_stock_series("shanxi", SHANXI_STOCK))
    dates, stock = _stock_series("china", ("market_entities_total",))
    before = dates < START_YEAR
    national = _log_trend(dates[before], stock[before])
    pace = np.diff(np.log(stock)) / np.diff(dates)
    months = np.arange(month_index(DEFAULT_UNTIL) + 1)
    interval = np.searchsorted(dates, START_YEAR + (months + 0.5) / 12, side="right") - 1
    growth = shanxi * pace[np.minimum(interval, len(pace) - 1)] / national  # by month
    level = np.concatenate([[0.0], np.cumsum(growth[:-1]) / 12])  # log registrations vs 2021-01
    same_total = np.exp(level).sum()
    constant = brentq(
        lambda rate: np.exp(rate * months / 12).sum() - same_total, growth.min(), growth.max()
    )
    return {
        "entry_trend_per_year": float(np.expm1(constant)),
        "entry_trend_pre_2021_per_year": float(np.expm1(shanxi)),
    }
