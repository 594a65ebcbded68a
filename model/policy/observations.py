"""Observation files (issue 12): published counts of Shanxi's market entities, as CSV rows of a date
(a month end), a model stock (model/columns.py STOCKS), a value, its bound and spread, and a source.
The format: `observations/README.md`. The calibration against them comes later (issue 12).

A file is read as a scenario file is (model/policy/yamlfile.py: a regular file of at most
MAX_BYTES, UTF-8) and each problem reads `FILE:LINE: column: what was expected`.
"""

from __future__ import annotations

import calendar
import csv
import math
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from model.columns import STOCKS
from model.errors import InputError
from model.policy.fields import (
    FIRST_MONTH,
    LAST_MONTH,
    Frozen,
    Number,
    Text,
    custom,
    known,
    shown,
)
from model.policy.yamlfile import YamlFile
from model.texttable import text_table

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# Assumption: a published count is rounded to three significant digits (0.5 % at most) and dated
# by its release rather than its statistics' cut-off; 2 % covers both.
DEFAULT_RELATIVE_SD = 0.02
BOUNDS = ("=", ">=", "<=")
Z_90 = 1.6448536269514722  # the standard normal 95th percentile: a 90 % band is +-Z_90 sd


def _month_end(value: str) -> str:
    """A date YYYY-MM-DD that is the last day of its month, in the model's horizon."""
    try:
        day = date.fromisoformat(value) if re.fullmatch(DATE_PATTERN, value) else None
    except ValueError:
        day = None
    if day is None:
        raise custom(f"expected a date YYYY-MM-DD, got {shown(value)}")
    last = calendar.monthrange(day.year, day.month)[1]
    if day.day != last:
        raise custom(f"{value} is not a month end (expected {value[:8]}{last})")
    if not FIRST_MONTH <= value[:7] <= LAST_MONTH:
        raise custom(f"{value} is outside {FIRST_MONTH}..{LAST_MONTH}")
    return value


def _number(cell: Any) -> Any:
    """A cell's text as a float when it reads as one (the check of a number follows)."""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return cell


def _not_negative(value: float) -> float:
    if value < 0:
        raise custom(f"expected a count of 0 or more, got {value:g}")
    return value


MonthEnd = Annotated[str, Field(strict=True), AfterValidator(_month_end)]
Count = Annotated[Number, BeforeValidator(_number), AfterValidator(_not_negative)]


class Observation(Frozen):
    """One row of an observation file: a published count of a model stock at a month end."""

    date: MonthEnd = Field(description="the month end the count is of, YYYY-MM-DD")
    quantity: Annotated[str, known("quantity", STOCKS)] = Field(
        description="the model stock it observes (model/columns.py STOCKS)"
    )
    bound: Annotated[str, known("bound", BOUNDS)] = Field(
        default="=",
        description="`=` the count; `>=` the true count is at least `value` (`exceeded`); `<=` "
        "at most",
    )
    value: Count = Field(description="real entities")
    sd: Count | None = Field(
        default=None,
        description=f"standard deviation of `value`, real entities; empty: "
        f"{DEFAULT_RELATIVE_SD:.0%} of `value`",
    )
    source: Text = Field(description="title and address of the publication")
    note: str = Field(default="", description="free text")

    @property
    def spread(self) -> float:
        """The standard deviation given, or the default share of the value."""
        return DEFAULT_RELATIVE_SD * self.value if self.sd is None else self.sd

    @property
    def half_band(self) -> float:
        """The half-width of its 90 % band: 1.645 spreads."""
        return Z_90 * self.spread

    @property
    def band(self) -> tuple[float, float]:
        """Its 90 % band: (low, high)."""
        return self.value - self.half_band, self.value + self.half_band

    def miss(self, simulated: float) -> float:
        """How far a simulated count is from this observation, in units of the half-width of its
        90 % band: within the band exactly when at most 1 in absolute value; a bound is missed on
        its one side only."""
        gap = simulated - self.value
        if self.bound == ">=":
            gap = min(gap, 0.0)
        elif self.bound == "<=":
            gap = max(gap, 0.0)
        if self.half_band > 0:
            return gap / self.half_band
        return 0.0 if gap == 0 else math.copysign(math.inf, gap)

    @property
    def key(self) -> str:
        """The name of its simulated value among a run's summaries: `quantity@date`."""
        return f"{self.quantity}@{self.date}"


COLUMNS = tuple(Observation.model_fields)
REQUIRED = tuple(name for name, f in Observation.model_fields.items() if f.is_required())


class CsvFile(YamlFile):
    """A CSV file with a header line, read within the bounds of a YAML file (a regular file of at
    most MAX_BYTES, UTF-8); `data` is its rows as (line, {column: cell}), empty cells left out."""

    def _parse(self, text: str) -> None:
        # Spreadsheets save UTF-8 with a byte order mark; strict: an unclosed quote is an error
        reader = csv.reader(text.removeprefix("\ufeff").splitlines(keepends=True), strict=True)
        header: list[str] | None = None
        rows: list[tuple[int, dict[str, str]]] = []
        end = 0  # the last line read
        try:
            for cells in reader:
                line, end = end + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue
                if header is None:
                    header = [c.strip() for c in cells]
                    self.readable = self._good_header(header, line)
                elif len(cells) != len(header):
                    got = f"expected {len(header)} cells (the header's), got {len(cells)}"
                    self.fail((), got, line)
                else:
                    rows.append(
                        (line, {k: c for k, c in zip(header, cells, strict=True) if c.strip()})
                    )
        except csv.Error as error:
            line = reader.line_num
            self._problems.append((line, f"{self.name}:{line}: (CSV syntax): {error}"))
            self.readable = False
        if header is None:
            self.fail((), f"no header line; expected the columns {', '.join(COLUMNS)}", 1)
        elif not rows and self.readable:
            self.fail((), "no observations (a header line only)", 1)
        self.data = rows

    def _good_header(self, header: list[str], line: int) -> bool:
        """Whether the header has every required column and only known ones, each once."""
        problems = [(c, "missing column (required)") for c in REQUIRED if c not in header]
        expected = f"expected each of: {', '.join(COLUMNS)}"
        for column in dict.fromkeys(header):
            if column not in COLUMNS:
                problems.append((column, f"unknown column; {expected}"))
            elif header.count(column) > 1:
                problems.append((column, "repeated column"))
        for column, problem in problems:
            self.fail((column,), problem, line)
        return not problems


def _check(path: Path) -> tuple[list[Observation], list[str]]:
    """The observations of the file and every problem of it."""
    file = CsvFile(path)
    observations: list[Observation] = []
    first: dict[tuple[str, str], int] = {}
    for line, row in file.data if file.readable else ():
        try:
            observation = Observation.model_validate(row)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                file.fail(tuple(detail["loc"]), detail["msg"], line)
            continue
        key = (observation.date, observation.quantity)
        if key in first:
            again = f"{key[1]} at {key[0]} is already given at line {first[key]}"
            file.fail(("quantity",), again, line)
        first.setdefault(key, line)
        observations.append(observation)
    return observations, file.problems


def load_observations(path: Path) -> list[Observation]:
    """The observations of `path`, in file order; InputError listing every problem otherwise."""
    observations, problems = _check(Path(path))
    if problems:
        raise InputError("\n".join(problems))
    return observations


def validate_observation_files(paths: list[Path]) -> list[str]:
    """Every problem of every observation file (a missing one included), in order."""
    return [problem for path in paths for problem in _check(Path(path))[1]]


def format_observations(observations: list[Observation]) -> str:
    """The observations as a terminal table, the default spreads filled in."""
    header = ["date", "quantity", "source", "bound", "value", "sd"]
    rows = [
        [o.date, o.quantity, o.source, o.bound, f"{o.value:,.0f}", f"{o.spread:,.0f}"]
        for o in observations
    ]
    return text_table(header, rows, left=3)
