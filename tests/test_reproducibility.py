"""Same seed -> bit-identical output; different seeds -> different output."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from model.experiments.simulation import simulate
from model.policy.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _run(scenario, seed: int):
    return simulate(scenario, seed=seed, scale=200, until="2023-06")


@pytest.mark.parametrize("name", ["no_policy", "as_enacted"])
def test_same_seed_gives_identical_tables(name):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    first, second = _run(scenario, 11), _run(scenario, 11)
    pd.testing.assert_frame_equal(first.timeseries, second.timeseries, check_exact=True)
    pd.testing.assert_frame_equal(first.by_city, second.by_city, check_exact=True)
    pd.testing.assert_frame_equal(first.fiscal, second.fiscal, check_exact=True)
    assert first.lever_draws == second.lever_draws


def test_different_seeds_give_different_tables():
    first, second = _run(None, 11), _run(None, 12)
    assert not first.timeseries["n_registered"].equals(second.timeseries["n_registered"])
    assert first.start_stock != second.start_stock


def test_uncertainty_off_uses_central_values():
    scenario = load_scenario(SCENARIOS / "as_enacted.yaml")
    a = simulate(scenario, seed=1, scale=400, until="2021-03", uncertainty=False)
    b = simulate(scenario, seed=2, scale=400, until="2021-03", uncertainty=False)
    assert a.start_stock == b.start_stock == 2_850_000
    assert a.lever_draws == b.lever_draws


def _same_outputs(stacked, alone) -> None:
    for table in ("timeseries", "by_city", "fiscal"):
        pd.testing.assert_frame_equal(
            getattr(stacked, table), getattr(alone, table), check_exact=True
        )
    assert stacked.start_stock == alone.start_stock
    assert stacked.lever_draws == alone.lever_draws


def test_a_run_in_a_stack_is_the_run_alone_bit_for_bit():
    """A stack of runs (model.world.model: one column store) with their own seeds and posterior
    draws, of several scenarios sharing their no-policy months, gives each run of each scenario
    exactly what it gives alone, evidence-only variant included."""
    from model.defaults import DEFAULT_POSTERIOR
    from model.experiments.simulation import simulate_stack, simulate_with_evidence_only
    from model.world.posterior import load_posterior

    scenarios = [load_scenario(SCENARIOS / f"{name}.yaml") for name in ("no_policy", "as_enacted")]
    seeds = [21, 22, 23]
    draws = [load_posterior(DEFAULT_POSTERIOR).draw(seed) for seed in seeds]
    stacked = simulate_stack(
        scenarios, seeds=seeds, parameters=draws, scale=300, until="2023-06", evidence_variant=True
    )
    for scenario, runs in zip(scenarios, stacked, strict=True):
        for seed, values, (output, variant) in zip(seeds, draws, runs, strict=True):
            alone, alone_variant = simulate_with_evidence_only(
                scenario, seed=seed, scale=300, until="2023-06", parameters=values
            )
            _same_outputs(output, alone)
            pd.testing.assert_frame_equal(variant, alone_variant, check_exact=True)
            plain = simulate(scenario, seed=seed, scale=300, until="2023-06", parameters=values)
            _same_outputs(output, plain)
    assert stacked[1][0][0].start_stock != stacked[1][1][0].start_stock


def test_a_run_in_a_stack_with_its_own_lever_values_is_the_run_alone():
    """Runs of a stack may each be given lever values in place of their draws (a sensitivity
    analysis's points): each run gives what it gives alone with those values, and a value given
    to one run changes no other run."""
    from model.experiments.simulation import simulate_stack
    from model.policy.catalogue import load_catalogue
    from model.policy.monthly_rates import effect_key, take_up_key

    scenario = load_scenario(SCENARIOS / "as_enacted.yaml")
    lever_id = next(iter(scenario.levers))
    lever = load_catalogue().levers[lever_id]
    effect = lever.effects[0]
    given = [
        {effect_key(lever_id, effect.hook, 0): effect.value.high},
        None,
        {take_up_key(lever_id): 1.0} if lever.take_up else {},
    ]
    seeds = [31, 31, 32]
    draws = [{"policy_responsiveness": 1.4}, {"policy_responsiveness": 1.4}, None]
    [stacked] = simulate_stack(
        [scenario], seeds=seeds, parameters=draws, effects=given, scale=300, until="2023-06"
    )
    for seed, values, effects, (output, _) in zip(seeds, draws, given, stacked, strict=True):
        alone = simulate(
            scenario, seed=seed, scale=300, until="2023-06", parameters=values, effects=effects
        )
        _same_outputs(output, alone)
    changed, same_world = stacked[0][0], stacked[1][0]
    assert changed.lever_draws != same_world.lever_draws
    assert not changed.timeseries.equals(same_world.timeseries)
