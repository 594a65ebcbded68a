"""Live what-if runs (情景推演): a stored scenario, some levers' intensities changed, run here.

The request is checked here before anything runs: lever ids must be in the catalogue, numbers are
clipped to their ranges, the base must be a scenario file of `scenarios/`. Nothing the user types
is executed. The result goes to the browser as a small JSON payload: bands and one overview row.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, TypeAdapter, create_model

from dashboard import stats
from dashboard.tables import OVERVIEW_COLUMNS, P_DOUBLED_INTERVAL
from model.experiments import BASELINE, DEFAULT_UNTIL, compare, scenario_file

NAME = "whatif"
TITLE_ZH, TITLE_EN = "推演方案", "What-if"
INTENSITY_RANGE = (0.0, 3.0)  # 0 = off, 1 = as the document sets it (scenarios/README.md)
MAX_RUNS = 10
MIN_SCALE = 20.0  # a live run is never finer than the default batch scale (about 0.5 s a run)
BAND_VALUES = ("n_registered", "n_operating")


def unavailable_reason() -> str | None:
    """None if the model can run live here, else why not (shown in the page)."""
    try:
        from model.experiments import (
            load_scenario,  # noqa: F401
            run_ensemble,  # noqa: F401
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
        runs=int(_clip(runs, 1, MAX_RUNS, 3)),
        scale=max(float(manifest.get("scale") or MIN_SCALE), MIN_SCALE),
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


def paired_baseline(
    end: pd.DataFrame, manifest: Mapping[str, Any], request: Request
) -> pd.DataFrame | None:
    """The stored no-policy runs at the deadline (of `end`, `Results.at_deadline`) that the
    what-if's runs pair with: the same seeds (the request takes the batch's seed), if the scale is
    the same too; None otherwise."""
    if float(manifest.get("scale") or 0) != request.scale:
        return None
    return end[end["scenario"] == BASELINE]


def payload(
    timeseries: pd.DataFrame,
    summary: pd.DataFrame,
    request: Request,
    baseline: pd.DataFrame | None = None,
) -> dict:
    """The JSON the browser keeps: bands of registered and operating, the overview row (its
    additional entities against `baseline`, see `paired_baseline`)."""
    bands = {
        value: stats.trajectory_bands(timeseries, value)
        .assign(date=lambda d: d["date"].astype(str))
        .to_dict("records")
        for value in BAND_VALUES
    }
    row = compare(summary, timeseries, baseline=baseline).iloc[0].to_dict()
    row = {
        key: (None if pd.isna(value) else str(value) if isinstance(value, pd.Timestamp) else value)
        for key, value in row.items()
    }
    return {"bands": bands, "overview": row, "request": dataclasses.asdict(request)}


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


class Payload(BaseModel):
    """A what-if result as the browser sends it back (`payload`)."""

    bands: Bands
    overview: Overview  # type: ignore[valid-type]
    request: Request


class Failure(BaseModel):
    """A what-if that could not run."""

    model_config = ConfigDict(extra="forbid")
    error: str


RESULT = TypeAdapter(Payload | Failure | None)  # the `whatif-result` store, checked


def bands_of(result: Mapping, value: str) -> pd.DataFrame:
    """Bands of one value from a payload, with real dates again."""
    table = pd.DataFrame(result["bands"][value])
    return table.assign(date=pd.to_datetime(table["date"]))


def overview_of(result: Mapping) -> pd.DataFrame:
    """The payload's overview row as a one-row `compare` table."""
    table = pd.DataFrame([result["overview"]])
    return table.assign(median_month=pd.to_datetime(table["median_month"]))


def run(
    request: Request,
    progress: Callable[[int, int], None] | None = None,
    baseline: pd.DataFrame | None = None,
) -> dict:
    """Run the what-if ensemble in this process and reduce it to a payload (`baseline`: the
    no-policy runs it pairs with, `paired_baseline`)."""
    from model.experiments import run_ensemble

    scenario = build_scenario(request)
    batch = run_ensemble(
        [scenario],
        runs=request.runs,
        scale=request.scale,
        until=request.until,
        seed=request.seed,
        progress=progress,
    )
    return payload(batch.timeseries, batch.summary, request, baseline)
