"""The results folder (结果目录) of a batch: the file contract, atomic writes, reading, resuming.

A finished folder holds `manifest.json` and the tables `timeseries`, `by_city`, `summary`, `fiscal`
as Parquet (columns as in the design's "Results folder"). It is assembled in a hidden temporary
folder and renamed into place, so a folder without `manifest.json` is never a finished batch.

While a batch runs, each finished scenario × run is kept in a hidden work folder next to the target
(`.NAME.partial/`, with `batch.json` naming the batch's identity); rerunning the same batch into the
same folder reuses those runs, so an interrupted batch resumes where it stopped.

Tables are written with fixed dtypes (`run` int32, `date` datetime64[ms], names as strings), sorted
rows, no index and pinned compression, so the same batch gives the same Parquet contents.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import uuid
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.columns import COLUMNS, FORMAT_VERSION, KEYS, MANIFEST
from model.errors import InputError
from model.experiments.comparison import compare, render

SORT = {
    "timeseries": [*KEYS, "date"],
    "by_city": [*KEYS, "date", "city"],
    "summary": [*KEYS],
    "fiscal": [*KEYS, "lever", "department"],
}
_DTYPES = {  # every other column is float64
    **dict.fromkeys(("scenario", "city", "lever", "department"), "str"),
    **dict.fromkeys(("date", "month_doubled"), "datetime64[ms]"),
    "run": "int32",
    "doubled": "bool",
}
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "version": "2.6"}


@dataclass
class BatchTables:
    """The four tables of a batch, each with exactly the columns of its file."""

    timeseries: pd.DataFrame
    by_city: pd.DataFrame
    summary: pd.DataFrame
    fiscal: pd.DataFrame

    def items(self):
        return ((f.name, getattr(self, f.name)) for f in fields(self))


def conform(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """`table` with the columns of file `name`, in order, with fixed dtypes and sorted rows."""
    columns = COLUMNS[name]
    dtypes = {c: _DTYPES.get(c, "float64") for c in columns}
    table = table.loc[:, list(columns)].astype(dtypes)
    return table.sort_values(SORT[name], kind="stable", ignore_index=True)


def write_table(table: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path, **PARQUET_OPTIONS)
    _fsync(path)


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


# --- finished results folders ----------------------------------------------------------------


def check_target(out: Path) -> None:
    """Raise InputError unless `out` can take a results folder (absent, empty, or a results folder).

    A non-empty folder without a manifest is someone else's: it is never replaced.
    """
    if out.exists() and not out.is_dir():
        raise InputError(f"output folder {out} is a file")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise InputError(f"output folder {out} holds other files and no {MANIFEST}: not replaced")
    existing = next(p for p in out.absolute().parents if p.exists())
    if not existing.is_dir():
        raise InputError(f"output folder {out}: {existing} is a file")


def write_results(out: Path, tables: BatchTables, manifest: dict) -> Path:
    """Write a finished batch atomically: into a temporary folder, then renamed into place."""
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = _sibling(out, "tmp")
    temporary.mkdir()
    try:
        for name, table in tables.items():
            write_table(conform(name, table), temporary / f"{name}.parquet")
        _write_json(temporary / MANIFEST, manifest)
        _fsync(temporary)
        if out.exists():  # rename the old folder away, the new one in, then delete the old
            old = _sibling(out, "old")
            out.rename(old)
            temporary.rename(out)
            shutil.rmtree(old)
        else:
            temporary.rename(out)
        _fsync(out.parent)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    for purpose in ("tmp", "old"):  # left by a batch that crashed while writing
        for stale in out.parent.glob(f"{glob.escape(f'.{out.name}.{purpose}-')}*"):
            shutil.rmtree(stale, ignore_errors=True)
    return out


def read_results(folder: Path) -> tuple[dict, BatchTables]:
    """The manifest and tables of a finished batch; InputError for anything else."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"results folder {folder} does not exist")
    if not (folder / MANIFEST).is_file():
        raise InputError(f"{folder} is not a finished batch (no {MANIFEST})")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{folder / MANIFEST}: unreadable: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{folder / MANIFEST}: not a format version {FORMAT_VERSION} manifest")
    tables = {}
    for name in COLUMNS:
        try:
            tables[name] = read_table(folder / f"{name}.parquet")
        except (OSError, pa.ArrowException) as error:
            raise InputError(f"{folder / name}.parquet: unreadable: {error}") from None
    return manifest, BatchTables(**tables)


def format_comparison(folder: Path, fmt: str) -> str:
    """The scenarios of a results folder compared (`table`, `csv` or `json`)."""
    manifest, tables = read_results(folder)
    order = [n for n in manifest.get("scenarios", {}) if n in set(tables.summary["scenario"])]
    order += sorted(set(tables.summary["scenario"]) - set(order))
    return render(compare(tables.summary, tables.timeseries, order), fmt)


# --- the work folder of an unfinished batch --------------------------------------------------


@dataclass
class RunRecord:
    """One finished scenario × run: its tables (with `scenario`, `run` columns) and its draws."""

    scenario: str
    run: int
    seed: int
    timeseries: pd.DataFrame
    by_city: pd.DataFrame
    fiscal: pd.DataFrame
    start_stock: float
    lever_draws: dict[str, float]


_RUN_TABLES = ("timeseries", "by_city", "fiscal")
_RUN_INFO = "run.json"
_IDENTITY = "batch.json"
_LOCK = "batch.lock"


class PartialBatch:
    """The hidden work folder `.NAME.partial` beside a results folder: one subfolder per run."""

    def __init__(self, out: Path):
        self.folder = out.parent / f".{out.name}.partial"
        self.runs = self.folder / "runs"
        self._lock: IO[str] | None = None

    def check(self, identity: dict) -> None:
        """Raise InputError if the work folder belongs to a batch with another identity."""
        if not self.folder.exists():
            return
        path = self.folder / _IDENTITY
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found = None
        if found is None and not any(self.runs.glob("[!.]*")):
            return  # created, then stopped before anything was kept
        if found != identity:
            changed = sorted(k for k in identity if (found or {}).get(k) != identity[k])
            raise InputError(
                f"{self.folder} holds an unfinished batch with other settings "
                f"({', '.join(changed) or 'unreadable ' + _IDENTITY}): rerun that batch to "
                f"finish it, or remove the folder"
            )

    def start(self, identity: dict) -> None:
        """Claim the work folder (created if new) for this process; drop half-written runs.

        The claim (a lock held until the process ends) keeps two batches from writing into the
        same results folder at once.
        """
        self.runs.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            lock = (self.folder / _LOCK).open("a")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                raise InputError(f"another batch is writing into {self.folder}") from None
            self._lock = lock
        self.check(identity)  # again, now that no one else can change it
        if not (self.folder / _IDENTITY).is_file():
            _write_json(self.folder / _IDENTITY, identity)
        for stale in self.runs.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def _run_folder(self, scenario: str, run: int) -> Path:
        return self.runs / f"{scenario}.{run:05d}"

    def has(self, scenario: str, run: int) -> bool:
        return self._run_folder(scenario, run).is_dir()

    def save(self, record: RunRecord) -> None:
        """Keep one finished run (written to a temporary folder, then renamed)."""
        temporary = self.runs / f".tmp-{uuid.uuid4().hex}"
        temporary.mkdir()
        for name in _RUN_TABLES:
            write_table(getattr(record, name), temporary / f"{name}.parquet")
        info = {"seed": record.seed, "start_stock": record.start_stock,
                "lever_draws": record.lever_draws}  # fmt: skip
        _write_json(temporary / _RUN_INFO, info)
        temporary.rename(self._run_folder(record.scenario, record.run))

    def load(self, scenario: str, run: int) -> RunRecord:
        folder = self._run_folder(scenario, run)
        info = json.loads((folder / _RUN_INFO).read_text(encoding="utf-8"))
        timeseries, by_city, fiscal = (read_table(folder / f"{n}.parquet") for n in _RUN_TABLES)
        return RunRecord(scenario, run, info["seed"], timeseries, by_city, fiscal,
                         info["start_stock"], info["lever_draws"])  # fmt: skip

    def remove(self) -> None:
        """Delete the work folder (its batch is finished)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def release(self) -> None:
        """Give up the claim of `start` (also done by the end of the process)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None


# --- helpers ---------------------------------------------------------------------------------


def _sibling(out: Path, purpose: str) -> Path:
    return out.parent / f".{out.name}.{purpose}-{uuid.uuid4().hex[:12]}"


def _write_json(path: Path, content: dict) -> None:
    """Write JSON atomically (temporary file, then rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    text = json.dumps(content, indent=2, ensure_ascii=False, default=str) + "\n"
    temporary.write_text(text, encoding="utf-8")
    _fsync(temporary)
    os.replace(temporary, path)


def _fsync(path: Path) -> None:
    """Flush a file or folder to disk, so that a rename after it never exposes half a file."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
