"""The only module that reads result files: check a results folder, then read what a chart needs.

`load_results` checks the manifest and every table file and reads the summary (one row per run);
the large tables are read later, only the columns (and the scenario) a chart asks for, through
the store's lazy reader (`model.experiments.read_rows`). A folder that is missing, empty,
unreadable or from another format version raises `ResultsError`, which the pages turn into a
readable message. `ResultsSource` reloads when the files change.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import contract
from dashboard.memo import Memo
from model.experiments import (
    DEFAULT_OPTIMISE_OUT,
    SHOWN_FIRST,
    Attribution,
    Backtest,
    InputError,
    Optimisation,
    Sensitivity,
    backtest_of,
    deadline_rows,
    open_table,
    places,
    published_sensitivities,
    read_attribution,
    read_optimisation,
    read_rows,
    read_sensitivity,
)


class ResultsError(Exception):
    """A results folder the dashboard cannot show; `kind` picks the message (`error.<kind>`)."""

    def __init__(self, kind: str, folder: Path, detail: str = "") -> None:
        super().__init__(f"{kind}: {folder}: {detail}")
        self.kind = kind
        self.folder = folder
        self.detail = detail


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario of the batch, as the manifest resolved it."""

    name: str
    title_zh: str
    title_en: str
    levers: dict[str, dict[str, Any]]


@dataclass
class Results:
    """One results folder: its manifest and summary in memory, its other tables read on demand
    (`timeseries`, `by_city`, `fiscal`, `at_deadline`, `backtest`), plus a memo of tables derived
    from them."""

    folder: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    scenarios: list[ScenarioInfo]
    tables: dict[str, Any]  # file name → its checked pyarrow dataset (fiscal: if written)
    optimisation_folder: Path = DEFAULT_OPTIMISE_OUT  # `run.py optimise`'s output shown beside
    _memo: Memo = field(default_factory=Memo, repr=False)

    @property
    def scenario_names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def scenario(self, name: str) -> ScenarioInfo:
        return next(s for s in self.scenarios if s.name == name)

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """`compute()` once per key: derived tables are computed on first use, then reused (the
        least recently used are dropped beyond the memo's bounds, `dashboard.memo`)."""
        return self._memo.get(key, compute)

    def timeseries(self, *columns: str, scenario: str | None = None) -> pd.DataFrame:
        """These columns (all if none named) of the timeseries, every row or one scenario's."""
        return self._read(contract.TIMESERIES, columns, scenario)

    def by_city(self, *columns: str, scenario: str | None = None) -> pd.DataFrame:
        """These columns (all if none named) of the city table, every row or one scenario's."""
        return self._read(contract.BY_CITY, columns, scenario)

    @property
    def has_fiscal(self) -> bool:
        return contract.FISCAL in self.tables

    def fiscal(self, scenario: str) -> pd.DataFrame:
        """The fiscal table's rows of one scenario (see `has_fiscal`)."""
        return self._read(contract.FISCAL, contract.FISCAL_COLUMNS, scenario)

    def at_deadline(self) -> pd.DataFrame:
        """`scenario, run, date, n_registered, n_operating` of every run at the deadline (read once)."""
        timeseries = self.tables[contract.TIMESERIES]
        return self.memo(("at_deadline",), lambda: _checked(self.folder, deadline_rows, timeseries))

    def backtest(self) -> Backtest:
        """The batch's backtest (`model.experiments.backtest_of` of its manifest): the published
        counts, and the moments and marginals of the posterior its runs drew from (read once)."""
        return self.memo(("backtest",), lambda: _checked(self.folder, backtest_of, self.manifest))

    def attributions(self) -> Attributions:
        """The attributions found beside and in the folder (`find_attributions`, read once)."""
        return self.memo(("attributions",), lambda: find_attributions(self.folder))

    def sensitivities(self) -> list[str]:
        """The scenarios with a sensitivity analysis in the folder (`run.py sensitivity`)."""
        return self.memo(("sensitivities",), lambda: published_sensitivities(self.folder))

    def sensitivity(self, scenario: str) -> Sensitivity:
        """The sensitivity analysis of `scenario` (read once); ResultsError if unreadable."""
        read = functools.partial(read_sensitivity, self.folder, scenario)
        return self.memo(("sensitivity", scenario), lambda: _checked(self.folder, read))

    def search(self) -> Search:
        """The search of `run.py optimise` in `optimisation_folder` and its verification batch
        (read once); `InputError` naming the command when there is none (`model.experiments.
        read_optimisation`), or when its verification batch cannot be read."""
        return self.memo(("search",), lambda: _search(self.optimisation_folder))

    def _read(self, name: str, columns, scenario: str | None) -> pd.DataFrame:
        rows = {} if scenario is None else {"scenario": scenario}
        return _checked(self.folder, read_rows, self.tables[name], columns or None, **rows)


# --- attributions (贡献分解), beside or in the results folder ---------------------------------

ATTRIBUTION_FOLDERS = (
    "attribution-*"  # `run.py attribute`'s default: results/attribution-SCENARIO-LEVEL
)


@dataclass(frozen=True)
class Attributions:
    """The attributions found: (scenario, level) → the attribution, and the folders that could
    not be read, each with the reason."""

    found: dict[tuple[str, str], Attribution]
    unreadable: list[str]

    @property
    def scenarios(self) -> list[str]:
        return list(dict.fromkeys(scenario for scenario, _level in self.found))


def find_attributions(results: Path) -> Attributions:
    """The folders `attribution-*` beside the results folder (where `run.py attribute` writes by
    default, next to `results/latest`) and in it; the first by name of a scenario and level."""
    places = (results.parent, results)
    folders = sorted(f for place in places for f in place.glob(ATTRIBUTION_FOLDERS) if f.is_dir())
    found: dict[tuple[str, str], Attribution] = {}
    unreadable = []
    for folder in folders:
        try:
            attribution = read_attribution(folder)
        except InputError as error:
            unreadable.append(str(error))
            continue
        found.setdefault((attribution.scenario, attribution.level), attribution)
    return Attributions(found, unreadable)


@dataclass(frozen=True)
class Search:
    """A finished search (实现路径) and its verification batch as results (None if no mix was
    verified)."""

    found: Optimisation
    verification: Results | None


def _search(folder: Path) -> Search:
    found = read_optimisation(folder)
    if found.verification is None:
        return Search(found, None)
    try:
        return Search(found, load_results(found.verification))
    except ResultsError as error:
        raise InputError(f"{found.verification}: {error.kind} {error.detail}".strip()) from None


def _checked(folder: Path, read: Callable[..., Any], *args, **kwargs) -> Any:
    """`read(*args, **kwargs)`; an unreadable table (InputError) becomes ResultsError `corrupt`."""
    try:
        return read(*args, **kwargs)
    except InputError as error:
        raise ResultsError("corrupt", folder, str(error)) from error


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / contract.MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultsError("corrupt", folder, f"{contract.MANIFEST}: {error}") from error
    if not isinstance(manifest, dict):
        raise ResultsError("corrupt", folder, f"{contract.MANIFEST} is not a JSON object")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < contract.FORMAT_VERSION:
        raise ResultsError("old_version", folder, str(version if version is not None else "–"))
    if version > contract.FORMAT_VERSION:
        raise ResultsError("new_version", folder, str(version))
    return manifest


def shown_first(names: list[str]) -> list[str]:
    """Scenario names in their order, the baseline and `as_enacted` first (SHOWN_FIRST)."""
    return sorted(
        names, key=lambda n: SHOWN_FIRST.index(n) if n in SHOWN_FIRST else len(SHOWN_FIRST)
    )


def _scenarios(manifest: dict[str, Any], summary: pd.DataFrame) -> list[ScenarioInfo]:
    """Scenarios in the manifest's order, the baseline and `as_enacted` first, then any others."""
    listed = manifest.get("scenarios") or {}
    names = [n for n in listed if n in set(summary["scenario"])]
    names += [n for n in summary["scenario"].unique() if n not in names]
    infos = []
    for name in shown_first(names):
        entry = listed.get(name) or {}
        infos.append(
            ScenarioInfo(
                name=name,
                title_zh=str(entry.get("title_zh") or name),
                title_en=str(entry.get("title_en") or name),
                levers=dict(entry.get("levers") or {}),
            )
        )
    return infos


def load_results(folder: Path, optimisation: Path = DEFAULT_OPTIMISE_OUT) -> Results:
    """Check a results folder and read its manifest and summary; raise `ResultsError` saying what
    is wrong. Every table file is checked (readable, with its columns), none is loaded yet.
    `optimisation`: the folder of `run.py optimise` the dashboard shows beside the results."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError("missing", folder)
    wanted = [contract.MANIFEST, *contract.REQUIRED_TABLES]
    absent = [name for name in wanted if not (folder / name).exists()]
    if absent:
        raise ResultsError("empty", folder, ", ".join(absent))
    manifest = _read_manifest(folder)
    tables = dict(contract.REQUIRED_TABLES)
    if (folder / contract.FISCAL).exists():
        tables[contract.FISCAL] = contract.FISCAL_COLUMNS
    opened = {
        name: _checked(folder, open_table, folder / name, columns)
        for name, columns in tables.items()
    }
    if opened[contract.TIMESERIES].count_rows() == 0:
        raise ResultsError("empty", folder, f"{contract.TIMESERIES} (0 rows)")
    summary = _checked(folder, read_rows, opened[contract.SUMMARY])
    scenarios = _scenarios(manifest, summary)
    return Results(folder, manifest, summary, scenarios, opened, optimisation)


def _signature(folder: Path, names: list[str] | None = None) -> tuple:
    """What changes when the store rewrites the folder: names, inodes, sizes and times of its
    files (and table folders), by default those of a results folder."""
    names = names or [contract.MANIFEST, *contract.REQUIRED_TABLES, contract.FISCAL]
    signature: list[tuple] = [("folder", folder.is_dir())]
    for name in names:
        try:
            stat = (folder / name).stat()
            signature.append((name, stat.st_ino, stat.st_size, stat.st_mtime_ns))
        except OSError:
            signature.append((name, None))
    return tuple(signature)


OPTIMISATION_FILES = ["front.csv", "optimisation.json", f"verification/{contract.MANIFEST}"]


class ResultsSource:
    """The results folder the app shows (and the search of `run.py optimise` beside them): loaded
    once, reloaded when their files change."""

    def __init__(self, folder: Path, optimisation: Path = DEFAULT_OPTIMISE_OUT) -> None:
        self.folder = Path(folder)
        self.optimisation = Path(optimisation)
        self._lock = threading.Lock()
        self._cached: tuple[tuple, Results | ResultsError] | None = None

    def get(self) -> Results:
        """The results, or raise the `ResultsError` that explains why there are none."""
        signature = _signature(self.folder) + _signature(self.optimisation, OPTIMISATION_FILES)
        with self._lock:
            if self._cached is None or self._cached[0] != signature:
                try:
                    loaded: Results | ResultsError = load_results(self.folder, self.optimisation)
                except ResultsError as error:
                    loaded = error
                self._cached = (signature, loaded)
            loaded = self._cached[1]
        if isinstance(loaded, ResultsError):
            raise loaded
        return loaded


@functools.cache
def load_cities() -> pd.DataFrame:
    """The 11 cities in the model's order: `city`, `name_zh`, `name_en`."""
    cities = places()
    return pd.DataFrame(
        {"city": cities.cities, "name_zh": cities.city_names_zh, "name_en": cities.city_names_en}
    )
