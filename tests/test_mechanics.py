"""Mechanics of issue 10: each effect acts on its target, size classes follow revenue, nothing is
counted twice. Whole-model property tests at a coarse scale, and small hand-built cases."""

from __future__ import annotations

import numpy as np
import pytest

from model.defaults import scenario_file
from model.errors import InputError
from model.policy.catalogue import Target, load_catalogue
from model.policy.monthly_rates import StateBuilder, build_policy
from model.policy.scenario import load_scenario
from model.world.clock import month_index
from model.world.events import log_revenue
from model.world.geography import places
from model.world.kinds import (
    ABOVE_SCALE,
    COOPERATIVE,
    INDIVIDUAL,
    MEDIUM,
    MICRO,
    OPERATING,
    ROW_KINDS,
    SHELL,
    SMALL,
    enterprise_kind,
    is_enterprise,
)
from model.world.model import DoublingModel
from model.world.parameters import base_rates
from model.world.policy_state import Policy, PolicyState
from tests.batch_fixtures import run_cli


def _model(scenario: str, seed: int, scale: float = 200.0, until: str = "2025-12"):
    policy, _ = build_policy(load_scenario(scenario_file(scenario)), seed=seed)
    return DoublingModel(seed=seed, scale=scale, until=until, policy=policy)


@pytest.mark.parametrize("scenario", ["no_policy", "as_enacted"])
@pytest.mark.parametrize("seed", [3, 11])
def test_every_operating_firm_is_in_the_size_class_of_its_revenue_after_every_month(scenario, seed):
    """小升规 is not lost when a policy changes: after every month each operating enterprise's
    size class (micro, small, medium, 规上) is the band of its revenue in that month."""
    model = _model(scenario, seed)
    while model.running:
        model.step()
        pop, n = model.pop, model.pop.n
        rows = np.flatnonzero((pop.status[:n] == OPERATING) & is_enterprise(pop.kind[:n]))
        banded = enterprise_kind(log_revenue(model, rows, model.t))
        wrong = np.count_nonzero(banded != pop.kind[rows])
        assert wrong == 0, f"{scenario}, seed {seed}, month {model.t}: {wrong} firms misclassified"


# --- each effect acts on its target only ------------------------------------------------------

TARGET_CITY = "taiyuan"
ONE_CITY = Target(cities=(TARGET_CITY,))
EFFECTS_ON_ONE_CITY = {  # a strong effect per hook, so the target city must change
    "entry": 1.5,
    "opening_speed": 3.0,
    "failure_hazard": 0.3,
    "dormant_exit": 3.0,
    "conversion": 8.0,
    "growth": 0.4,
    "upgrade": 5.0,
    "induced_quality": 3.0,
    "reentry": 3.0,
    "shell_registrations": 0.3,
    "shell_cleanup": 5.0,
    "chain_referrals": 120.0,
}


def _stocks_by_month(state: PolicyState, months: int = 24, seed: int = 5) -> np.ndarray:
    """[month, status, kind, sector, city] counts of rows under a policy state held throughout."""
    model = DoublingModel(seed=seed, scale=100.0, policy=Policy(states={0: state}))
    stocks = []
    for _ in range(months):
        model.step()
        stocks.append(model.stock_rows.copy())
    return np.stack(stocks)


def _state(*effects: tuple[str, Target, float]) -> PolicyState:
    builder = StateBuilder()
    for hook, target, value in effects:
        builder.add(hook, target, value)
    [state] = builder.build()
    return state


@pytest.mark.parametrize(("hook", "value"), [*sorted(EFFECTS_ON_ONE_CITY.items()), ("entry", 0.6)])
def test_an_effect_on_one_city_changes_that_city_and_no_other(hook, value):
    """Common random numbers: the other cities' stocks are identical month by month (entry
    lowered as well as raised)."""
    # induced entrants must exist for their quality to matter: raise entry there in both runs
    both = [("entry", ONE_CITY, 1.5)] if hook == "induced_quality" else []
    without = _stocks_by_month(_state(*both))
    with_effect = _stocks_by_month(_state(*both, (hook, ONE_CITY, value)))
    city = places().cities.index(TARGET_CITY)
    others = [c for c in range(len(places().cities)) if c != city]
    assert np.array_equal(with_effect[..., others], without[..., others])
    assert not np.array_equal(with_effect[..., city], without[..., city])


def _registrations_by_kind(state: PolicyState, months: int = 12) -> np.ndarray:
    model = DoublingModel(seed=9, scale=100.0, policy=Policy(states={0: state}))
    total = np.zeros(ROW_KINDS)
    for _ in range(months):
        model.step()
        total += model.event_cells["registration"][0, :ROW_KINDS].sum(axis=(1, 2))
    return total


def test_an_entry_effect_on_medium_firms_brings_medium_firms_only():
    """A lever aimed at medium firms (e.g. building_economy, hq_attraction) does not raise the
    entry of micro firms: induced enterprises register in the classes their levers target."""
    without = _registrations_by_kind(_state())
    with_effect = _registrations_by_kind(_state(("entry", Target(kinds=("medium",)), 3.0)))
    others = [k for k in range(ROW_KINDS) if k != MEDIUM]
    assert np.array_equal(with_effect[others], without[others])
    assert with_effect[MEDIUM] > without[MEDIUM]


def test_reentry_reaches_the_targeted_founders_at_the_levers_take_up(tmp_path):
    """first_time_founders (take-up 0.10) raises re-entry of individual and micro founders only,
    by 1 + (value - 1) x take-up x delivery, not x value for every failed founder."""
    file = tmp_path / "founders.yaml"
    file.write_text(
        "name: founders\ntitle: {zh: 创业者, en: Founders}\n"
        "levers:\n  first_time_founders: {intensity: 1, ramp_months: 0}\n"
    )
    policy, _ = build_policy(load_scenario(file), seed=1, uncertainty=False)
    lever = load_catalogue().levers["first_time_founders"]
    effect = next(e for e in lever.effects if e.hook == "reentry")
    delivery = base_rates().fidelity_without_implementation.value
    expected = 1 + (effect.value.value - 1) * lever.take_up.value * delivery
    reentry = policy.states[month_index(lever.start)].reentry
    assert np.allclose(reentry[[INDIVIDUAL, MICRO]], expected)
    assert np.all(reentry[[SMALL, MEDIUM, ABOVE_SCALE, COOPERATIVE]] == 1.0)


# --- 简易注销, double counts, stacking ----------------------------------------------------------


def _scenario_file(tmp_path, levers: str):
    file = tmp_path / "only.yaml"
    file.write_text(f"name: only\ntitle: {{zh: 单项, en: One lever}}\nlevers:\n{levers}")
    return file


def _exits(scenario, seed: int) -> float:
    """Recorded exits (deregistration and revocation) over 2022-2025, central values."""
    policy, _ = build_policy(scenario, seed=seed, uncertainty=False)
    model = DoublingModel(seed=seed, scale=50.0, policy=policy, uncertainty=False)
    exits = 0.0
    while model.running:
        model.step()
        exits += model.report["new_exited"] if model.t >= 12 else 0.0
    return exits


def test_simplified_deregistration_adds_about_a_tenth_to_recorded_exits(tmp_path):
    """effect_priors.md §1 row 8: recorded exits +10 % (range +5 % to +30 %), drawn from the
    dormant pool of the kinds the new scope reaches (individual businesses, cooperatives)."""
    levers = "  simple_deregistration: {}\n  implementation: {}\n"  # delivered as in as_enacted
    only = load_scenario(_scenario_file(tmp_path, levers))
    added = [_exits(only, seed) / _exits(None, seed) - 1 for seed in (1, 2)]
    assert 0.05 <= np.mean(added) <= 0.15, added


def test_the_loader_rejects_one_evidence_row_feeding_a_hook_twice(catalogue_copy):
    """Registration convenience (row 1a) was counted in arts. 8, 9 and 25 at once."""
    path = catalogue_copy / "easier_opening.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("share: 0.7", "share: 0.8"), encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1a feeds entry in .*shares sum to 1\.1"):
        load_catalogue(catalogue_copy)


@pytest.mark.parametrize("scenario", ["as_enacted", "as_enacted_with_quota_pressure"])
def test_combined_effects_stay_within_the_evidence_and_end_with_the_plan(scenario):
    """Entry ≤ ×1.15, growth ≤ +2.7 pp, failure (young-firm windows included) ≥ ×0.85 in every
    cell and month; from 2026-01 (after the 十四五 horizon) every lever is off."""
    policy, _ = build_policy(load_scenario(scenario_file(scenario)), seed=3)
    for t, state in policy.states.items():
        assert state.entry.max() <= 1.15 + 1e-12, t
        assert state.growth.max() <= 0.027 + 1e-12, t
        failure = state.failure.copy()
        for window, _ in state.failure_windows:
            failure = failure * window
        assert failure.min() >= 0.85 - 1e-12, t
    after = policy.states[max(policy.states)]
    assert max(policy.states) == month_index("2026-01")
    assert not after.changed_cells(PolicyState.neutral()) and not after.entry_differs


def test_levers_combined_prints_what_a_scenario_adds_up_to():
    result = run_cli("levers", "--combined", "scenarios/as_enacted.yaml")
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    micro_entry = next(line for line in lines if line[:2] == ["entry", "micro"])
    assert float(micro_entry[2]) > 1.15 and float(micro_entry[4]) == 1.15  # stacked, bounded
    assert "bounded" in micro_entry


# --- the campaign (art. 47, 目标责任考核) and the clean-up of shells ----------------------------


def test_shells_fill_a_share_of_each_citys_gap_to_its_doubling_path():
    """Padding follows each city's own shortfall: over three years the shells registered in a
    city are the share `shell_registrations` of the gaps it had, month by month."""
    share = 0.05
    model = DoublingModel(
        seed=2,
        scale=50.0,
        policy=Policy(states={0: _state(("shell_registrations", Target(), share))}),
    )
    n_cities = len(places().cities)
    shells, gaps = np.zeros(n_cities), np.zeros(n_cities)
    for t in range(36):
        path = model.city_start[0] * 2.0 ** ((t + 1) / 60)  # the model's one run
        gaps += np.maximum(path - model.registered_by_city()[0], 0.0)
        model.step()
        pop = model.pop
        new = np.flatnonzero((pop.born[: pop.n] == t) & ((pop.flags[: pop.n] & SHELL) > 0))
        shells += np.bincount(pop.city[new], minlength=n_cities) * model.scale
        assert model.report["new_shell"] == len(new) * model.scale
    largest = np.argsort(gaps)[-4:]
    assert np.allclose(shells[largest], share * gaps[largest], rtol=0.2)
    assert model.report["n_shell"] <= shells.sum()


def _shells(name: str, seed: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Shells in the register and registered in the month, by month, for a shipped scenario."""
    policy, _ = build_policy(load_scenario(scenario_file(name)), seed=seed)
    model = DoublingModel(seed=seed, scale=100.0, policy=policy)
    model.run()
    table = model.values(0)
    return np.array(table["n_shell"]), np.array(table["new_shell"])


def test_quota_pressure_pads_more_and_the_clean_up_takes_shells_out_from_its_start():
    enacted, new_enacted = _shells("as_enacted")
    pressed, new_pressed = _shells("as_enacted_with_quota_pressure")
    cleaned, _ = _shells("as_enacted_with_cleanup")
    assert new_pressed.sum() > 1.5 * new_enacted.sum() > 0
    clean_up_starts = month_index("2024-03") + 1  # row 0 is end-2020
    assert np.array_equal(cleaned[:clean_up_starts], enacted[:clean_up_starts])
    assert cleaned[-1] < 0.9 * enacted[-1]  # 0.86 at the posterior's medians (0.8 before them)
