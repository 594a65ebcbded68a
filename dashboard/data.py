"""The only module that reads result files: load a results folder, check it, keep it in memory.

A folder that is missing, empty, unreadable or from another format version raises `ResultsError`,
which the pages turn into a readable message. `ResultsSource` reloads when the files change.
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
from model.experiments import SHOWN_FIRST, places


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
    """One results folder in memory, plus a memo of tables derived from it."""

    folder: Path
    manifest: dict[str, Any]
    timeseries: pd.DataFrame
    by_city: pd.DataFrame
    summary: pd.DataFrame
    fiscal: pd.DataFrame | None
    scenarios: list[ScenarioInfo]
    _memo: dict[tuple, Any] = field(default_factory=dict, repr=False)

    @property
    def scenario_names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def scenario(self, name: str) -> ScenarioInfo:
        return next(s for s in self.scenarios if s.name == name)

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """`compute()` once per key: derived tables are computed on first use, then reused."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


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


def _read_table(folder: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    try:
        table = pd.read_parquet(folder / name)
    except Exception as error:  # noqa: BLE001 - pyarrow raises many kinds; all mean "unreadable"
        raise ResultsError("corrupt", folder, f"{name}: {error}") from error
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ResultsError("corrupt", folder, f"{name}: no column {', '.join(missing)}")
    table = table.astype({"scenario": str})
    for column in ("date", "month_doubled"):
        if column in table.columns:
            table[column] = pd.to_datetime(table[column])
    return table


def _scenarios(manifest: dict[str, Any], timeseries: pd.DataFrame) -> list[ScenarioInfo]:
    """Scenarios in the manifest's order, the baseline and `as_enacted` first, then any others."""
    listed = manifest.get("scenarios") or {}
    names = [n for n in listed if n in set(timeseries["scenario"])]
    names += [n for n in timeseries["scenario"].unique() if n not in names]
    names.sort(
        key=lambda n: SHOWN_FIRST.index(n) if n in SHOWN_FIRST else len(SHOWN_FIRST)
    )  # stable
    infos = []
    for name in names:
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


def load_results(folder: Path) -> Results:
    """Read and check a results folder; raise `ResultsError` saying what is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError("missing", folder)
    wanted = [contract.MANIFEST, *contract.REQUIRED_TABLES]
    absent = [name for name in wanted if not (folder / name).is_file()]
    if absent:
        raise ResultsError("empty", folder, ", ".join(absent))
    manifest = _read_manifest(folder)
    tables = {
        name: _read_table(folder, name, columns)
        for name, columns in contract.REQUIRED_TABLES.items()
    }
    timeseries = tables[contract.TIMESERIES]
    if timeseries.empty:
        raise ResultsError("empty", folder, f"{contract.TIMESERIES} (0 rows)")
    fiscal = None
    if (folder / contract.FISCAL).is_file():
        fiscal = _read_table(folder, contract.FISCAL, contract.FISCAL_COLUMNS)
    return Results(
        folder=folder,
        manifest=manifest,
        timeseries=timeseries.sort_values(["scenario", "run", "date"], ignore_index=True),
        by_city=tables[contract.BY_CITY],
        summary=tables[contract.SUMMARY],
        fiscal=fiscal,
        scenarios=_scenarios(manifest, timeseries),
    )


def _signature(folder: Path) -> tuple:
    """What changes when the store rewrites the folder: names, sizes and times of its files."""
    names = [contract.MANIFEST, *contract.REQUIRED_TABLES, contract.FISCAL]
    signature: list[tuple] = [("folder", folder.is_dir())]
    for name in names:
        try:
            stat = (folder / name).stat()
            signature.append((name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            signature.append((name, None, None))
    return tuple(signature)


class ResultsSource:
    """The results folder the app shows: loaded once, reloaded when its files change."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._cached: tuple[tuple, Results | ResultsError] | None = None

    def get(self) -> Results:
        """The results, or raise the `ResultsError` that explains why there are none."""
        signature = _signature(self.folder)
        with self._lock:
            if self._cached is None or self._cached[0] != signature:
                try:
                    loaded: Results | ResultsError = load_results(self.folder)
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
