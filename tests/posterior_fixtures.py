"""A small posterior written as a calibration writes one (model.world.posterior.write_posterior)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.world.posterior import write_posterior
from model.world.priors import UNCERTAIN, priors


def make_posterior(
    folder: Path, particles: int = 5, seed: int = 0, weights=None, observations: dict | None = None
) -> Path:
    """A posterior folder of `particles` draws from the priors (equal weights unless given),
    fitted (by its provenance) to `observations` (a file entry: path and sha256) if given."""
    rng = np.random.default_rng(seed)
    values = np.column_stack([priors()[name].draw(rng, particles) for name in UNCERTAIN])
    weights = np.ones(particles) if weights is None else np.asarray(weights, dtype=float)
    folder.mkdir(parents=True, exist_ok=True)
    provenance = {"generations": [], "observations": observations}
    write_posterior(folder, UNCERTAIN, values, weights, provenance)
    return folder
