"""The backtest (回测, issue 12): the published counts since 2020 beside a batch's runs, and how the
posterior its runs drew from was fitted. Tables only; the dashboard's backtest page draws them.

- `observations`: every row of the observation files of `observations/` and of the file the
  posterior was fitted to, each with its 90 % band and whether the fit used it;
- `moments`: the pre-2021 moments (and fitted observations): target, acceptable range, and the
  posterior's runs' 5-95 % band (the posterior's moments.csv);
- `marginals`: prior and posterior of every calibrated parameter, as densities on a common grid.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.defaults import PROJECT_ROOT
from model.errors import InputError
from model.policy.observations import load_observations
from model.world.posterior import MOMENTS, Posterior, load_posterior
from model.world.priors import priors

OBSERVATIONS_DIR = PROJECT_ROOT / "observations"
GRID_POINTS = 30
BAND = ["p05", "p50", "p95"]
OBSERVATION_COLUMNS = [
    "date",
    "quantity",
    "bound",
    "value",
    "low",
    "high",
    "source",
    "file",
    "used",
]


@dataclass(frozen=True)
class Backtest:
    posterior: str | None  # the folder the batch's runs drew from, None without a posterior
    observations: pd.DataFrame  # OBSERVATION_COLUMNS
    moments: pd.DataFrame  # kind, name, target, low, high, bound, p05, p50, p95
    marginals: pd.DataFrame  # parameter, x, prior, posterior (densities)


def backtest_of(manifest: dict, observation_files: list[Path] | None = None) -> Backtest:
    """The backtest of the batch with `manifest` (its `posterior` entry, if any)."""
    entry = manifest.get("posterior")
    posterior = _posterior(entry["path"]) if entry else None
    fitted = (posterior.provenance.get("observations") if posterior else None) or {}
    files = (
        sorted(OBSERVATIONS_DIR.glob("*.csv")) if observation_files is None else observation_files
    )
    if fitted.get("path") and Path(fitted["path"]).is_file():
        files = sorted({*map(Path.resolve, files), Path(fitted["path"]).resolve()})
    return Backtest(
        posterior=None if posterior is None else str(posterior.path),
        observations=_observations(files, fitted.get("sha256")),
        moments=_moments(posterior),
        marginals=_marginals(posterior),
    )


def _posterior(path: str) -> Posterior | None:
    """The posterior a batch drew from, if it is still where the batch found it."""
    try:
        return load_posterior(Path(path))
    except InputError:
        return None


def _observations(files: list[Path], fitted_sha256: str | None) -> pd.DataFrame:
    rows = []
    for path in files:
        used = fitted_sha256 is not None and _sha256(path) == fitted_sha256
        rows += [
            [o.date, o.quantity, o.bound, o.value, *o.band, o.source, path.name, used]
            for o in load_observations(path)
        ]
    return pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _moments(posterior: Posterior | None) -> pd.DataFrame:
    if posterior is None or not (posterior.path / MOMENTS).is_file():
        return pd.DataFrame(columns=["kind", "name", "target", "low", "high", "bound", *BAND])
    return pd.read_csv(posterior.path / MOMENTS, keep_default_na=False, na_values=[""])


def _marginals(posterior: Posterior | None) -> pd.DataFrame:
    """Prior and posterior densities of every parameter of the posterior that has a prior, on a
    grid over the prior's range (the posterior's as a weighted histogram, normalised)."""
    if posterior is None:
        return pd.DataFrame(columns=["parameter", "x", "prior", "posterior"])
    frames = []
    for name in posterior.names:
        prior = priors().get(name)
        if prior is None:
            continue
        edges = np.linspace(prior.low, prior.high, GRID_POINTS + 1)
        column = posterior.values[:, posterior.names.index(name)]
        counts, _ = np.histogram(column, bins=edges, weights=posterior.weights, density=True)
        centres = (edges[:-1] + edges[1:]) / 2
        frames.append(
            pd.DataFrame(
                {
                    "parameter": name,
                    "x": centres,
                    "prior": prior.density(centres),
                    "posterior": counts,
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["parameter", "x", "prior", "posterior"])
    return pd.concat(frames, ignore_index=True)
