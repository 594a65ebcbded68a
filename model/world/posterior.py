"""A posterior sample of the uncertain inputs (issue 12): the weighted particles a calibration
(model/experiments/calibration.py) accepted, with its provenance, and one draw of it per run.

A posterior is a folder:
- `particles.csv`: one row per particle, a column per parameter of `Rates` it sets, then `weight`;
- `provenance.json`: what it was fitted to (files and their hashes, observations), the settings,
  the seed, the command of every session that worked on it, the acceptance of every generation,
  the date;
- `moments.csv`: every calibration moment, its target and range, and the posterior's runs' median
  and 5-95 % band (the backtest's table).

The shipped posterior (model.defaults.DEFAULT_POSTERIOR) is the calibration to the pre-2021 moments and the
history. A run draws one particle with the weights, from a stream of its seed alone, so run r of a
batch uses the same draw in every scenario (common random numbers).

The inputs the calibration left at their prior (provenance `prior_only`: without observed counts,
the starting stock, delivery and responsiveness, which the pre-2021 moments do not inform) are not
taken from the particles: a run draws them from their prior in force (model.world.priors), from
streams of its seed alone. So a prior revised after a calibration takes effect without one.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from model.errors import InputError
from model.world.datafiles import csv_rows
from model.world.parameters import NAMES
from model.world.priors import priors
from model.world.streams import PARAMETER_DRAWS, Streams

PARTICLES = "particles.csv"
PROVENANCE = "provenance.json"
MOMENTS = "moments.csv"
WEIGHT = "weight"


@dataclass(frozen=True)
class Posterior:
    """Particles (rows of `values`, a column per name of `names`) with normalised `weights`."""

    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    provenance: dict
    path: Path

    @property
    def prior_only(self) -> tuple[str, ...]:
        """The inputs the calibration did not inform, which a run draws from their prior."""
        return tuple(self.provenance.get("prior_only", ()))

    def draw(self, seed: int) -> dict[str, float]:
        """The particle of the run with `seed`, drawn with the weights, by parameter; and the
        inputs left at their prior, drawn from it."""
        streams = Streams(seed)
        rng = streams.get(PARAMETER_DRAWS, "posterior")
        row = self.values[rng.choice(len(self.weights), p=self.weights)]
        drawn = {name: float(value) for name, value in zip(self.names, row, strict=True)}
        for name in self.prior_only:
            drawn[name] = float(priors()[name].draw(streams.get(PARAMETER_DRAWS, "prior", name)))
        return drawn

    def quantiles(self, name: str, probabilities: tuple[float, ...]) -> list[float]:
        """Weighted quantiles of one parameter."""
        column = self.values[:, self.names.index(name)]
        return weighted_quantiles(column, self.weights, probabilities)

    @property
    def sha256(self) -> str:
        return hashlib.sha256((self.path / PARTICLES).read_bytes()).hexdigest()

    def describe(self) -> dict:
        """What a batch's manifest records of the posterior it drew from."""
        return {"path": str(self.path), "sha256": self.sha256, "provenance": self.provenance}


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, probabilities: tuple[float, ...]
) -> list[float]:
    """Quantiles of weighted values (normalised weights; the cumulative weights' midpoints,
    interpolated)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) - weights[order] / 2
    return [float(np.interp(p, cumulative, values[order])) for p in probabilities]


def load_posterior(path: Path) -> Posterior:
    """The posterior in folder `path`; InputError naming the file and field of any problem."""
    path = Path(path).resolve()
    particles, provenance = path / PARTICLES, path / PROVENANCE
    for file in (particles, provenance):
        if not file.is_file():
            raise InputError(
                f"{file}: missing (a posterior folder holds {PARTICLES}, {PROVENANCE})"
            )
    return _load(path, particles.stat().st_mtime_ns)


@cache
def _load(path: Path, _modified: int) -> Posterior:
    """Read once per version of the file (its modification time is part of the key)."""
    particles = path / PARTICLES
    rows = csv_rows(particles)
    if not rows:
        raise InputError(f"{particles}: no particles (a header line, then a row per particle)")
    if WEIGHT not in rows[0]:
        raise InputError(f"{particles}: no {WEIGHT} column")
    names = tuple(column for column in rows[0] if column != WEIGHT)
    unknown = sorted(set(names) - set(NAMES))
    if unknown:
        raise InputError(f"{particles}: unknown parameter(s) {', '.join(unknown)}")
    values = np.empty((len(rows), len(names)))
    weights = np.empty(len(rows))
    for line, row in enumerate(rows, start=2):
        for column in (*names, WEIGHT):
            try:
                number = float(row[column])
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number) or (column == WEIGHT and number < 0):
                raise InputError(
                    f"{particles}:{line}: {column}: expected a number, got {row[column]!r}"
                )
            if column == WEIGHT:
                weights[line - 2] = number
            else:
                values[line - 2, names.index(column)] = number
    if not weights.sum() > 0:
        raise InputError(f"{particles}: {WEIGHT}: the weights add up to 0")
    try:
        provenance = json.loads((path / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{path / PROVENANCE}: {error}") from None
    fitted = [i for i, name in enumerate(names) if name not in provenance.get("prior_only", ())]
    names, values = tuple(names[i] for i in fitted), values[:, fitted]  # see the module's doc
    return Posterior(names, values, weights / weights.sum(), provenance, path)


def write_posterior(
    path: Path, names: tuple[str, ...], values: np.ndarray, weights: np.ndarray, provenance: dict
) -> None:
    """Write particles.csv and provenance.json into the folder `path` (which must exist)."""
    with (path / PARTICLES).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*names, WEIGHT])
        for row, weight in zip(values, weights, strict=True):
            writer.writerow([*(f"{value:.8g}" for value in row), f"{weight:.8g}"])
    text = json.dumps(provenance, indent=2, ensure_ascii=False, sort_keys=False)
    (path / PROVENANCE).write_text(text + "\n", encoding="utf-8")
