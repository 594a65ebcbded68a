"""Live what-if runs (情景推演): a stored scenario, some levers' intensities changed, run here.

Like for like: a what-if runs the first runs of the stored batch again (`model.experiments.
run_again`), run r with the batch's seed and parameter draw of run r, at its scale and horizon, so
an unchanged what-if reproduces its base scenario exactly and every difference is the levers'.
The request is checked here before anything runs: lever ids must be in the catalogue, numbers are
clipped to their ranges, the base must be a scenario file of `scenarios/`. Nothing the user types
is executed. The result goes to the browser as a small JSON payload: bands, one overview row, the
paired changes against the base scenario and `no_policy`, and the request that produced it.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model

from dashboard import stats
from dashboard.tables import OVERVIEW_COLUMNS, P_DOUBLED_INTERVAL
from model.experiments import (
    BAND_COLUMNS,
    BASELINE,
    DEFAULT_UNTIL,
    additional,
    at_deadline,
    compare,
    quantile_bands,
    scenario_file,
)

NAME = "whatif"
TITLE_ZH, TITLE_EN = "推演方案", "What-if"
INTENSITY_RANGE = (0.0, 3.0)  # 0 = off, 1 = as the document sets it (scenarios/README.md)
MAX_RUNS = 10  # live runs at most (one child process, a run after the other)
# The default number of live runs: as many of the stored runs as fit in BUDGET_S seconds, a run
# (with its evidence-only variant) taking about SECONDS_PER_RUN + SECONDS_PER_ROW_SCALE / scale s:
# measured here (2 shared cores, load average 3.5): 0.5 s at scale 1000, 0.6 s at 200, 1.3 s at 50.
BUDGET_S = 5.0
SECONDS_PER_RUN = 0.45
SECONDS_PER_ROW_SCALE = 35.0
BAND_VALUES = ("n_registered", "n_operating")
CHANGE_VALUES = ("n_registered", "n_operating", "ratio")  # paired changes, at the deadline


def unavailable_reason() -> str | None:
    """None if the model can run live here, else why not (shown in the page)."""
    try:
        from model.experiments import (
            load_scenario,  # noqa: F401
            run_again,  # noqa: F401
        )
    except Exception as error:  # noqa: BLE001 - any import failure means "not available"
        return f"{type(error).__name__}: {error}"
    return None


@dataclass(frozen=True)
class Request:
    """A checked what-if request."""

    base: str
    intensities: dict[str, float]
    runs: int
    scale: float
    until: str
    seed: int


def _clip(value: Any, low: float, high: float, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return default if math.isnan(number) else min(high, max(low, number))


def max_runs(manifest: Mapping[str, Any]) -> int:
    """The live runs offered: the stored batch's runs, at most MAX_RUNS (each pairs with a stored
    run; at least 1, a batch without runs cannot be shown)."""
    return max(1, min(MAX_RUNS, len(manifest.get("run_seeds") or ())))


def default_runs(manifest: Mapping[str, Any]) -> int:
    """As many of the stored runs as fit in about BUDGET_S seconds at the batch's scale."""
    scale = float(manifest.get("scale") or 1.0)
    fit = int(BUDGET_S // (SECONDS_PER_RUN + SECONDS_PER_ROW_SCALE / scale))
    return max(1, min(fit, max_runs(manifest)))


def make_request(
    base: str,
    intensities: Mapping[str, Any],
    runs: Any,
    manifest: Mapping[str, Any],
    lever_ids: Iterable[str],
) -> Request:
    """Check and normalise what the page sent; unknown levers are dropped, numbers clipped."""
    known = set(lever_ids)
    return Request(
        base=base,
        intensities={
            lever: _clip(value, *INTENSITY_RANGE, 1.0)
            for lever, value in intensities.items()
            if lever in known
        },
        runs=int(_clip(runs, 1, max_runs(manifest), default_runs(manifest))),
        scale=float(manifest.get("scale") or 0.0),
        until=str(manifest.get("until") or DEFAULT_UNTIL),
        seed=int(manifest.get("seed") or 0),
    )


def build_scenario(request: Request):
    """The base scenario file with the chosen levers' intensities replaced.

    A lever the base does not hold is added with the catalogue's start, ramp and knob values;
    intensity 0 switches a lever off (a resolved scenario holds only the levers switched on).
    """
    from model.experiments import LeverSetting, load_catalogue, load_scenario

    path = scenario_file(request.base)
    if path is None:
        raise ValueError(f"no scenario file for {request.base!r}")
    catalogue = load_catalogue()
    base = load_scenario(path, catalogue)
    levers = dict(base.levers)
    for lever_id, intensity in request.intensities.items():
        if intensity <= 0:
            levers.pop(lever_id, None)
        elif lever_id in levers:
            levers[lever_id] = dataclasses.replace(levers[lever_id], intensity=intensity)
        else:
            lever = catalogue.levers[lever_id]
            knobs = {knob.id: knob.default() for knob in lever.knobs}
            levers[lever_id] = LeverSetting(
                intensity=intensity,
                start=lever.start,
                end=None,
                ramp_months=lever.ramp_months,
                knobs=knobs,
            )
    return dataclasses.replace(base, name=NAME, title_zh=TITLE_ZH, title_en=TITLE_EN, levers=levers)


def with_ratio(end: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Rows at the deadline (`at_deadline`) with each run's `start_registered` (of `summary`) and
    its `ratio` to it."""
    end = end.merge(summary[["scenario", "run", "start_registered"]], on=["scenario", "run"])
    return end.assign(ratio=end["n_registered"] / end["start_registered"])


def paired_changes(end: pd.DataFrame, stored: pd.DataFrame, against: Iterable[str]) -> list[dict]:
    """The what-if's change against each stored scenario of `against`, run by run (run r minus
    the stored run r: the same seed and parameter draw), as bands over the runs: one row per
    scenario and value of CHANGE_VALUES (`against, value, runs, p05, p50, p95`). `end` and
    `stored` are rows at the deadline `with_ratio`. A run's ratio and count change by the same
    sign, its start being the stored run's."""
    rows = []
    for name in dict.fromkeys(against):
        base = stored[stored["scenario"] == name]
        if base.empty:
            continue
        changes = additional(end, CHANGE_VALUES, baseline=base)
        for value in CHANGE_VALUES:
            (band,) = quantile_bands(changes, value, ["scenario"]).to_dict("records")
            runs = int(changes[value].notna().sum())
            rows.append(
                {"against": name, "value": value, "runs": runs}
                | {column: _number(band[column]) for column in BAND_COLUMNS}
            )
    return rows


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def payload(
    timeseries: pd.DataFrame,
    summary: pd.DataFrame,
    request: Request,
    stored: pd.DataFrame,
    same_code: bool = True,
) -> dict:
    """The JSON the browser keeps: bands of registered and operating, the overview row (its
    additional entities against the stored `no_policy` runs of the same seeds), the paired changes
    against the base scenario and `no_policy` (`paired_changes`; `stored`: the batch's rows at the
    deadline `with_ratio`), the request, and whether the model code is the batch's (`same_code`:
    if not, an unchanged what-if need not reproduce its base)."""
    bands = {
        value: stats.trajectory_bands(timeseries, value)
        .assign(date=lambda d: d["date"].astype(str))
        .to_dict("records")
        for value in BAND_VALUES
    }
    baseline = stored[stored["scenario"] == BASELINE]
    row = compare(summary, timeseries, baseline=baseline).iloc[0].to_dict()
    row = {
        key: (None if pd.isna(value) else str(value) if isinstance(value, pd.Timestamp) else value)
        for key, value in row.items()
    }
    end = with_ratio(at_deadline(timeseries), summary)
    return {
        "bands": bands,
        "overview": row,
        "changes": paired_changes(end, stored, [request.base, BASELINE]),
        "request": dataclasses.asdict(request),
        "same_code": same_code,
    }


class Band(BaseModel):
    """One month of a payload's bands."""

    model_config = ConfigDict(extra="forbid")
    scenario: str
    date: datetime.date
    p05: float | None
    p50: float | None
    p95: float | None


class Bands(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n_registered: list[Band]
    n_operating: list[Band]


Overview = create_model(  # the overview row's fields that the page shows
    "Overview",
    p_doubled=(float, ...),
    **{column: (float, ...) for column in P_DOUBLED_INTERVAL},
    median_month=(datetime.datetime | None, ...),
    **{
        f"{column}_{band}": (float | None, ...)
        for column in OVERVIEW_COLUMNS
        if column not in ("scenario", "p_doubled", "median_month")
        for band in ("p05", "p50", "p95")
    },
)


class Change(BaseModel):
    """One row of a payload's paired changes (`paired_changes`)."""

    model_config = ConfigDict(extra="forbid")
    against: str
    value: Literal[CHANGE_VALUES]  # type: ignore[valid-type]
    runs: int
    p05: float | None
    p50: float | None
    p95: float | None


class Payload(BaseModel):
    """A what-if result as the browser sends it back (`payload`)."""

    bands: Bands
    overview: Overview  # type: ignore[valid-type]
    changes: list[Change]
    request: Request
    same_code: bool


class Failure(BaseModel):
    """A what-if that could not run."""

    model_config = ConfigDict(extra="forbid")
    error: str


class Cancelled(BaseModel):
    """A what-if cancelled: its result, and the one before it, are gone."""

    model_config = ConfigDict(extra="forbid")
    cancelled: Literal[True]


RESULT = TypeAdapter(Payload | Failure | Cancelled | None)  # the `whatif-result` store, checked


def bands_of(result: Mapping, value: str) -> pd.DataFrame:
    """Bands of one value from a payload, with real dates again."""
    table = pd.DataFrame(result["bands"][value])
    return table.assign(date=pd.to_datetime(table["date"]))


def overview_of(result: Mapping) -> pd.DataFrame:
    """The payload's overview row as a one-row `compare` table."""
    table = pd.DataFrame([result["overview"]])
    return table.assign(median_month=pd.to_datetime(table["median_month"]))


def changes_of(result: Mapping) -> pd.DataFrame:
    """The payload's paired changes as a table (`paired_changes`)."""
    return pd.DataFrame(result["changes"], columns=["against", "value", "runs", *BAND_COLUMNS])


def run(
    request: Request,
    manifest: Mapping[str, Any],
    stored: pd.DataFrame,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Run the what-if in this process, the first `request.runs` runs of the stored batch of
    `manifest` again (`run_again`), and reduce it to a payload (`stored`: see `payload`)."""
    from model.experiments import run_again, same_code

    batch = run_again([build_scenario(request)], manifest, request.runs, progress)
    return payload(batch.timeseries, batch.summary, request, stored, same_code(manifest))
