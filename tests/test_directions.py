"""Direction tests with common random numbers: a lever (or family) switched on moves its outcome
the right way against no_policy, in every paired run (same seed, same draws)."""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import pytest

from model.experiments.simulation import simulate
from model.policy.catalogue import FAMILIES, load_catalogue
from model.policy.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SEEDS = (1, 2)
SCALE = 200.0

# The outcome each hook moves, and the direction (+1 up, -1 down) for a value above neutral.
OUTCOME_OF_HOOK = {
    "entry": ("new_registered", +1),
    "chain_referrals": ("new_registered", +1),
    "shell_registrations": ("new_registered", +1),
    "failure_hazard": ("n_operating", -1),
    "conversion": ("new_individual_to_enterprise", +1),
    "dormant_exit": ("new_exited", +1),
    "opening_speed": ("new_opened", +1),
}
FLOWS_SUMMED = {"new_registered", "new_individual_to_enterprise", "new_exited", "new_opened"}


@cache
def _run(name: str, seed: int):
    return simulate(
        load_scenario(SCENARIOS / f"{name}.yaml"), seed=seed, scale=SCALE, until="2025-12"
    )


def _outcome(output, column: str) -> float:
    series = output.timeseries[column]
    return series.sum() if column in FLOWS_SUMMED else series.iloc[-1]


def _expected_moves(family: str) -> dict[str, int]:
    """Outcome -> direction, from the central effects of the family's levers on their hooks."""
    moves = {}
    for lever in load_catalogue().levers.values():
        if lever.family != family:
            continue
        for effect in lever.effects:
            if effect.hook in OUTCOME_OF_HOOK:
                column, sign = OUTCOME_OF_HOOK[effect.hook]
                neutral = 0.0 if effect.hook in ("chain_referrals", "shell_registrations") else 1.0
                if effect.value.value != neutral:
                    moves[column] = sign * (1 if effect.value.value > neutral else -1)
    return moves


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("seed", SEEDS)
def test_each_family_alone_moves_its_outcomes_the_right_way(family, seed):
    moves = _expected_moves(family)
    assert moves, f"family {family} acts on no outcome"
    base, policy = _run("no_policy", seed), _run(f"{family}_only", seed)
    for column, sign in moves.items():
        change = _outcome(policy, column) - _outcome(base, column)
        assert sign * change > 0, (family, column, change)


def _single_lever(lever_id: str):
    enacted = load_scenario(SCENARIOS / "as_enacted.yaml")
    return dataclasses.replace(enacted, name=lever_id, levers={lever_id: enacted.levers[lever_id]})


@pytest.mark.parametrize("seed", SEEDS)
def test_simple_deregistration_lowers_registered_not_operating(seed):
    base = _run("no_policy", seed).timeseries.iloc[-1]
    out = simulate(_single_lever("simple_deregistration"), seed=seed, scale=SCALE, until="2025-12")
    end = out.timeseries.iloc[-1]
    assert end.n_registered < base.n_registered
    assert abs(end.n_operating - base.n_operating) <= 0.002 * base.n_operating


@pytest.mark.parametrize("seed", SEEDS)
def test_assessment_pressure_raises_registered_not_operating(seed):
    base = _run("no_policy", seed).timeseries.iloc[-1]
    out = simulate(_single_lever("assessment_pressure"), seed=seed, scale=SCALE, until="2025-12")
    end = out.timeseries.iloc[-1]
    assert end.n_registered > base.n_registered
    assert abs(end.n_operating - base.n_operating) <= 0.002 * base.n_operating


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_as_enacted_ends_2025_above_no_policy_in_every_paired_run(seed):
    base = simulate(None, seed=seed, scale=SCALE, until="2025-12").timeseries.iloc[-1]
    enacted = _run("as_enacted", seed).timeseries.iloc[-1]
    assert enacted.n_registered > base.n_registered
