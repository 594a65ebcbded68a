"""An uncertain number with its provenance: the one definition of "a value with a range and a
source", used by the base rates (model/world/data/base_rates.csv) and the lever catalogue's effects,
take-ups and costs (model/policy/levers/*.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """Central value, the range draws come from, and the source (or `assumption:` and why)."""

    value: float
    low: float
    high: float
    source: str
    unit: str = ""

    def draw(self, rng: np.random.Generator) -> float:
        """One draw, triangular on (low, value, high); the value itself when the range is empty."""
        if self.low == self.high:
            return self.value
        return float(rng.triangular(self.low, self.value, self.high))
