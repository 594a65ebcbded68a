"""The monthly clock: month index 0 is 2021-01; the starting state (index -1) is end-2020."""

from __future__ import annotations

import functools
import re

import pandas as pd

from model.defaults import LATEST_UNTIL, START_YEAR
from model.errors import InputError

NEVER = 32_000  # month index meaning "not within any horizon" (fits int16)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(text: str, *, what: str = "month") -> int:
    """'2025-12' -> 59. Raises InputError for anything not YYYY-MM from 2021-01 to 2035-12."""
    match = _MONTH.match(str(text))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError(f"{what}: expected YYYY-MM, got {text!r}")
    index = (int(match.group(1)) - START_YEAR) * 12 + int(match.group(2)) - 1
    if not 0 <= index <= month_index_unchecked(LATEST_UNTIL):
        raise InputError(f"{what}: {text} is outside 2021-01..{LATEST_UNTIL}")
    return index


def month_index_unchecked(text: str) -> int:
    year, month = text.split("-")
    return (int(year) - START_YEAR) * 12 + int(month) - 1


def month_label(index: int) -> str:
    """-1 -> '2020-12', 59 -> '2025-12'."""
    year, month = divmod(index, 12)
    return f"{START_YEAR + year}-{month + 1:02d}"


@functools.cache  # every run reports the same months (a Timestamp is immutable)
def month_end(index: int) -> pd.Timestamp:
    """The last day of month `index`: the date a stock is reported at."""
    return pd.Timestamp(month_label(index)) + pd.offsets.MonthEnd(0)
