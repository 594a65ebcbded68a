"""The results folder (结果目录) of a batch: the file contract, atomic writes, lazy reads, resuming.

A finished folder holds `manifest.json`, `summary.parquet` (one row per run) and the tables
`timeseries`, `by_city` and `fiscal` as Parquet datasets: folders `timeseries.parquet/` etc. of
one file per block of runs (`<scenario>-<first run:06d>.parquet`, each with every column of its
table, `scenario` included: no hive partitioning). `pd.read_parquet(folder / "timeseries.parquet")`
reads a whole table; `open_table`, `read_rows` and `deadline_rows` read only the columns and rows
asked for (`run.py compare`, the dashboard). The folder is assembled in a hidden temporary folder
and renamed into place, so a folder without `manifest.json` is never a finished batch.

A batch is written by blocks: a block is runs r0 … r0 + BLOCK_RUNS - 1 of one scenario. Each block
is written as soon as its last run finishes, into a hidden work folder next to the target
(`.NAME.partial/blocks/<block>/`: its tables, its summary rows, and the seed, starting stock and
lever draws of its runs; `batch.json` names the batch's identity), so memory holds a few blocks at
most. Rerunning the same batch into the same folder reuses the finished blocks, so an interrupted
batch resumes where it stopped. The finished folder hard-links the block files (nothing is loaded
again) and joins the blocks' summaries.

Tables are written with fixed dtypes (`run` int32, `date` datetime64[ms], names as strings), sorted
rows, no index and pinned compression, so the same batch gives the same Parquet files whatever order
its runs finished in.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from model.columns import COLUMNS, EVIDENCE_ONLY, FORMAT_VERSION, KEYS, MANIFEST
from model.errors import InputError
from model.experiments.comparison import (
    DEADLINE,
    compare,
    cost_by,
    render,
    render_cost_by,
    summarize,
)

BLOCK_RUNS = 200  # runs of one scenario per block: the unit of writing and of resuming
SORT = {
    "timeseries": [*KEYS, "date"],
    "by_city": [*KEYS, "date", "city"],
    "summary": [*KEYS],
    "fiscal": [*KEYS, "lever", "department"],
}
RUN_TABLES = ("timeseries", "by_city", "fiscal")  # the tables kept as one file per block
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


@dataclass
class RunRecord:
    """One finished scenario × run: its tables as the simulation made them (without `scenario`
    and `run`; conformed by `assemble`, once per block) and its draws."""

    scenario: str
    run: int
    seed: int
    timeseries: pd.DataFrame
    by_city: pd.DataFrame
    fiscal: pd.DataFrame
    start_stock: float
    lever_draws: dict[str, float]
    evidence_only: dict[str, float]  # the evidence-only variant at the end month (EVIDENCE_ONLY)
    code_fingerprint: str  # of the model code that made it (ensemble.code_fingerprint)


def conform(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """`table` with the columns of file `name`, in order, with fixed dtypes and sorted rows."""
    columns = COLUMNS[name]
    dtypes = {c: _DTYPES.get(c, "float64") for c in columns}
    table = table.loc[:, list(columns)].astype(dtypes)
    return table.sort_values(SORT[name], kind="stable", ignore_index=True)


def assemble(records: Sequence[RunRecord]) -> BatchTables:
    """The tables of some runs, in a fixed order whatever order the runs finished in."""
    tables = {name: conform(name, _stack(name, records)) for name in RUN_TABLES}
    variants = pd.DataFrame(
        [{"scenario": r.scenario, "run": r.run, **r.evidence_only} for r in records],
        columns=[*KEYS, *EVIDENCE_ONLY.values()],
    )
    tables["summary"] = conform("summary", summarize(tables["timeseries"], variants))
    return BatchTables(**tables)


def _stack(name: str, records: Sequence[RunRecord]) -> pd.DataFrame:
    """The runs' tables `name` one below the other, each row with its `scenario` and `run`."""
    parts = [(record, getattr(record, name)) for record in records]
    parts = [(record, table) for record, table in parts if len(table)]
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS[name]))
    stacked = pd.concat([table for _, table in parts], ignore_index=True)
    lengths = [len(table) for _, table in parts]
    stacked["scenario"] = np.repeat([record.scenario for record, _ in parts], lengths)
    stacked["run"] = np.repeat([record.run for record, _ in parts], lengths)
    return stacked


def write_table(table: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), path, **PARQUET_OPTIONS)
    _fsync(path)


# --- finished results folders ----------------------------------------------------------------


def check_target(out: Path, markers: tuple[str, ...] = (MANIFEST,)) -> Path:
    """`out` with its symbolic links resolved (a link to a results folder: the batch replaces the
    folder it points to, and the link stays); InputError unless that can take a results folder
    (absent, empty, or a results folder: one holding one of `markers`) in a folder this process
    can write in.

    A non-empty folder without a marker is someone else's: it is never replaced.
    """
    try:
        out = Path(out).resolve()
    except (OSError, RuntimeError) as error:  # RuntimeError: a symbolic link loop
        raise InputError(f"output folder {out}: {error}") from None
    if out.exists() and not out.is_dir():
        raise InputError(f"output folder {out} is a file")
    if out.is_dir() and any(out.iterdir()) and not any((out / m).exists() for m in markers):
        raise InputError(
            f"output folder {out} holds other files and no {' or '.join(markers)}: not replaced"
        )
    existing = next(p for p in out.parents if p.exists())
    if not existing.is_dir():
        raise InputError(f"output folder {out}: {existing} is a file")
    for folder in (existing, out) if out.is_dir() else (existing,):
        _check_writable(folder, out)
    return out


def _check_writable(folder: Path, out: Path) -> None:
    """InputError unless a folder can be created in `folder` (tried: permissions, read-only
    mounts and pseudo file systems all say no their own way)."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=folder))
    except OSError as error:
        raise InputError(
            f"output folder {out}: cannot write in {folder}: {error.strerror}"
        ) from None


def write_results(out: Path, blocks: Sequence[Path], manifest: dict) -> Path:
    """Publish the blocks (folders written by `PartialBatch.save`, in order) as the finished folder
    `out`, atomically (`publishing`)."""
    out = check_target(out)
    with publishing(out) as temporary:
        for name in RUN_TABLES:
            dataset = temporary / f"{name}.parquet"
            dataset.mkdir()
            for block in blocks:
                _link(block / f"{name}.parquet", dataset / f"{block.name}.parquet")
            _fsync(dataset)
        summaries = [pd.read_parquet(block / "summary.parquet") for block in blocks]
        summary = conform("summary", pd.concat(summaries, ignore_index=True))
        write_table(summary, temporary / "summary.parquet")
        write_json(temporary / MANIFEST, manifest)
    return out


@contextmanager
def publishing(out: Path) -> Iterator[Path]:
    """A hidden temporary folder beside `out` to write a finished folder into: renamed into place
    (replacing an older `out`) when the block ends without error, removed whatever happens.
    Check `out` first (`check_target`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = _sibling(out, "tmp")
    temporary.mkdir()
    try:
        yield temporary
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
    for purpose in ("tmp", "old"):  # left by a process that crashed while writing
        for stale in out.parent.glob(f"{glob.escape(f'.{out.name}.{purpose}-')}*"):
            shutil.rmtree(stale, ignore_errors=True)


def read_manifest(folder: Path) -> dict:
    """The manifest of a finished batch; InputError for anything else."""
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
    return manifest


def open_table(path: Path, columns: Iterable[str]) -> ds.Dataset:
    """A results table (one Parquet file or a folder of them) to read from, nothing loaded yet.

    Raises InputError if a file is unreadable or lacks one of `columns` (checked in every file).
    """
    try:
        table = ds.dataset(path, format="parquet")
        for fragment in table.get_fragments():
            missing = [c for c in columns if c not in fragment.physical_schema.names]
            if missing:
                raise InputError(f"{fragment.path}: no column {', '.join(missing)}")
    except (OSError, pa.ArrowException) as error:
        raise InputError(f"{path}: unreadable: {error}") from None
    return table


def read_rows(
    table: ds.Dataset, columns: Iterable[str] | None = None, **equal: Any
) -> pd.DataFrame:
    """`columns` (every column if None) of the rows whose columns hold the values `equal` gives,
    e.g. `read_rows(table, ["date", "n_registered"], scenario="as_enacted")`."""
    where = None
    for column, value in equal.items():
        condition = pc.field(column) == value
        where = condition if where is None else where & condition
    try:
        found = table.to_table(columns=None if columns is None else list(columns), filter=where)
    except (OSError, pa.ArrowException) as error:
        raise InputError(f"a results table is unreadable: {error}") from None
    return found.to_pandas()


def deadline_rows(
    timeseries: ds.Dataset, values: Iterable[str] = ("n_registered", "n_operating")
) -> pd.DataFrame:
    """`scenario, run, date` and `values` of every run at the last month on or before the deadline,
    the rows `comparison.at_deadline` picks (the runs of a batch share their months)."""
    dates = read_rows(timeseries, ["date"])["date"]
    last = dates[dates <= DEADLINE].max()
    return read_rows(timeseries, [*KEYS, "date", *values], date=last)


def read_results(folder: Path) -> tuple[dict, BatchTables]:
    """The manifest and every table of a finished batch, whole (InputError if it is none)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    tables = {
        name: conform(name, read_rows(open_table(folder / f"{name}.parquet", columns)))
        for name, columns in COLUMNS.items()
    }
    return manifest, BatchTables(**tables)


def format_comparison(folder: Path, fmt: str, by: str | None = None) -> str:
    """The scenarios of a results folder compared (`table`, `csv` or `json`), reading only the
    summary and the timeseries' rows at the deadline; `by` (`lever` or `department`): instead,
    the fiscal cost of each and the yuan per additional entity it accounts for."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    end = deadline_rows(open_table(folder / "timeseries.parquet", COLUMNS["timeseries"]))
    if by is not None:
        fiscal = read_rows(open_table(folder / "fiscal.parquet", COLUMNS["fiscal"]))
        return render_cost_by(cost_by(fiscal, end, by), by, fmt)
    return render(comparison_of(folder, manifest, end)[0], fmt)


def comparison_of(
    folder: Path, manifest: dict | None = None, end: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparison of the scenarios of a results folder (in the manifest's order), and the
    timeseries' rows at the deadline it was computed from."""
    folder = Path(folder)
    manifest = read_manifest(folder) if manifest is None else manifest
    if end is None:
        end = deadline_rows(open_table(folder / "timeseries.parquet", COLUMNS["timeseries"]))
    summary = read_rows(open_table(folder / "summary.parquet", COLUMNS["summary"]))
    order = [n for n in manifest.get("scenarios", {}) if n in set(summary["scenario"])]
    order += sorted(set(summary["scenario"]) - set(order))
    return compare(summary, end, order), end


# --- the work folder of an unfinished batch --------------------------------------------------


def block_of(scenario: str, run: int) -> str:
    """The name of the block holding a run, e.g. `as_enacted-000200`."""
    return f"{scenario}-{block_start(run):06d}"


def block_start(run: int) -> int:
    """The first run of the block holding `run`."""
    return run - run % BLOCK_RUNS


_RUNS_INFO = "runs.json"
_IDENTITY = "batch.json"
_LOCK = "batch.lock"


class PartialBatch:
    """The hidden work folder `.NAME.partial` beside a results folder: one subfolder per block."""

    def __init__(self, out: Path):
        self.folder = out.parent / f".{out.name}.partial"
        self.blocks = self.folder / "blocks"
        self._lock: IO[str] | None = None

    def check(self, identity: dict) -> None:
        """Raise InputError if the work folder belongs to a batch with another identity."""
        if not self.folder.exists():
            return
        path = self.folder / _IDENTITY
        if read_identity(path) is None and not self._finished():
            return  # created, then stopped before anything was kept
        check_identity(path, identity, "batch")

    def start(self, identity: dict) -> None:
        """Claim the work folder (created if new) for this process; drop half-written blocks.

        The claim (a lock held until the process ends) keeps two batches from writing into the
        same results folder at once.
        """
        self.blocks.mkdir(parents=True, exist_ok=True)
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
            write_json(self.folder / _IDENTITY, identity)
        for stale in self.blocks.glob(".tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)

    def path(self, block: str) -> Path:
        return self.blocks / block

    def has(self, block: str) -> bool:
        return self.path(block).is_dir()

    def save(self, block: str, records: Sequence[RunRecord]) -> None:
        """Keep a finished block: its runs' tables assembled and the seed, starting stock and
        lever draws of each run (written to a temporary folder, then renamed)."""
        temporary = self.blocks / f".tmp-{uuid.uuid4().hex}"
        temporary.mkdir()
        for name, table in assemble(records).items():
            write_table(table, temporary / f"{name}.parquet")
        runs = [
            {"scenario": r.scenario, "run": r.run, "seed": r.seed,
             "start_stock": r.start_stock, "lever_draws": r.lever_draws}
            for r in sorted(records, key=lambda r: r.run)
        ]  # fmt: skip
        write_json(temporary / _RUNS_INFO, {"runs": runs})
        _fsync(temporary)
        temporary.rename(self.path(block))

    def runs(self, blocks: Iterable[str]) -> list[dict]:
        """The runs of the saved `blocks`, in order: scenario, run, seed, start_stock, lever_draws."""
        return [
            run
            for block in blocks
            for run in json.loads((self.path(block) / _RUNS_INFO).read_text("utf-8"))["runs"]
        ]

    def remove(self) -> None:
        """Delete the work folder (its batch is finished)."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def remove_if_empty(self) -> None:
        """Delete the work folder this process claimed if no block of it finished: nothing to
        resume, and a rerun with other settings is not refused."""
        if self._lock is not None and not self._finished():
            self.remove()

    def _finished(self) -> bool:
        """Whether a block of the work folder has finished."""
        return any(self.blocks.glob("[!.]*"))

    def release(self) -> None:
        """Give up the claim of `start` (also done by the end of the process)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def read_identity(path: Path) -> dict | None:
    """The identity a work folder keeps in the JSON file `path`; None if missing or unreadable."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def check_identity(path: Path, identity: dict, what: str) -> None:
    """InputError unless the identity file `path` of the work folder of an unfinished `what`
    (batch, attribution) holds `identity`, naming the settings that differ."""
    found = read_identity(path)
    if found != identity:
        changed = sorted(k for k in identity if (found or {}).get(k) != identity[k])
        raise InputError(
            f"{path.parent} holds an unfinished {what} with other settings "
            f"({', '.join(changed) or 'unreadable ' + path.name}): rerun that {what} to "
            f"finish it, or remove the folder"
        )


# --- helpers ---------------------------------------------------------------------------------


def _sibling(out: Path, purpose: str) -> Path:
    return out.parent / f".{out.name}.{purpose}-{uuid.uuid4().hex[:12]}"


def _link(source: Path, target: Path) -> None:
    """`target` as a hard link of `source` (a copy on a file system without hard links)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
        _fsync(target)


def write_json(path: Path, content: dict) -> None:
    """Write JSON atomically (temporary file, then rename), streamed: a manifest of many runs is
    never one string in memory."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as file:
        json.dump(content, file, indent=2, ensure_ascii=False, default=str)
        file.write("\n")
    _fsync(temporary)
    os.replace(temporary, path)


def _fsync(path: Path) -> None:
    """Flush a file or folder to disk, so that a rename after it never exposes half a file."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
