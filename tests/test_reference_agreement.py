"""The vectorised model and the one-mesa.Agent-per-entity reference (benchmarks/) implement the same
rules: over many seeds their distributions agree within sampling error."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.per_agent_reference import PerAgentModel
from model.world.model import DoublingModel

SEEDS = range(12)
SCALE = 500.0  # about 5,700 entities at the start
UNTIL = "2023-12"
COMPARED = ("n_registered", "n_operating", "n_dormant", "n_individual", "n_micro", "n_small")
FLOWS = ("new_registered", "new_opened", "new_exited")


def _vectorised(seed: int) -> dict[str, float]:
    model = DoublingModel(seed=seed, scale=SCALE, until=UNTIL, uncertainty=False).run()
    series = model.values(0)
    out = {name: series[name][-1] for name in COMPARED}
    out["n_registered"] -= model.report["n_chain_leader"]  # the reference has no chain leaders
    out |= {name: sum(series[name][1:]) for name in FLOWS}
    return out


def _reference(seed: int) -> dict[str, float]:
    model = PerAgentModel(seed=seed, scale=SCALE, until=UNTIL).run()
    out = {name: model.history[-1][name] for name in COMPARED}
    return out | {name: sum(h[name] for h in model.history[1:]) for name in FLOWS}


@pytest.mark.slow
def test_vectorised_and_per_agent_models_agree():
    fast = [_vectorised(seed) for seed in SEEDS]
    slow = [_reference(seed) for seed in SEEDS]
    for name in COMPARED + FLOWS:
        a = np.array([run[name] for run in fast])
        b = np.array([run[name] for run in slow])
        error = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        tolerance = 4 * error + 0.002 * abs(b.mean())
        assert abs(a.mean() - b.mean()) <= tolerance, (name, a.mean(), b.mean(), error)
