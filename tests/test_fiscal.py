"""Fiscal accounting: every yuan a lever pays is counted by lever and lead department, and each
total is traceable to the unit costs in the lever data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from model.experiments.simulation import simulate
from model.policy.catalogue import load_catalogue
from model.policy.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _only(lever_id: str):
    enacted = load_scenario(SCENARIOS / "as_enacted.yaml")
    return dataclasses.replace(enacted, name=lever_id, levers={lever_id: enacted.levers[lever_id]})


def test_a_lump_sum_is_paid_at_the_levers_strength_month_by_month():
    """equity_finance: 250 M yuan a year, ramped over 12 months in quarterly steps from 2022-01."""
    out = simulate(_only("equity_finance"), seed=1, scale=500, until="2025-12", uncertainty=False)
    yearly = load_catalogue().levers["equity_finance"].costs[0].yuan.value
    ramp = 3 * (0.25 + 0.5 + 0.75 + 1.0)  # 2022: four quarters at a quarter more each
    expected = (ramp + 36) * yearly / 12
    assert out.timeseries["cum_fiscal_cost"].iloc[-1] == pytest.approx(expected, rel=1e-9)
    assert out.fiscal.set_index("lever").loc["equity_finance", "cum_fiscal_cost"] == pytest.approx(
        expected, rel=1e-9
    )


def test_a_reward_per_event_is_paid_for_each_event_from_the_start():
    """个转企 reward (art. 25): yuan per conversion x strength, conversions from 2022-01 on."""
    out = simulate(
        _only("individual_to_enterprise"), seed=2, scale=100, until="2023-12", uncertainty=False
    )
    reward = load_catalogue().levers["individual_to_enterprise"].costs[0].yuan.value
    ts = out.timeseries.iloc[1:].reset_index(drop=True)  # months 2021-01 .. 2023-12
    month = np.arange(len(ts))
    strength = np.where(month < 12, 0, np.minimum(1.0, ((month - 12) // 3 + 1) * 3 / 12))
    expected = (ts["new_individual_to_enterprise"] * reward * strength).cumsum()
    assert ts["new_individual_to_enterprise"].iloc[12:].sum() > 0
    np.testing.assert_allclose(ts["cum_fiscal_cost"], expected, rtol=1e-9)


def test_as_enacted_reports_cost_by_lever_and_lead_department():
    scenario = load_scenario(SCENARIOS / "as_enacted.yaml")
    out = simulate(scenario, seed=3, scale=200, until="2025-12")
    catalogue = load_catalogue()
    paying = {lid for lid in scenario.levers if catalogue.levers[lid].costs}
    assert set(out.fiscal["lever"]) == paying
    for row in out.fiscal.itertuples():
        assert row.department == catalogue.levers[row.lever].departments[0]
        assert row.cum_fiscal_cost >= 0
    total = out.timeseries["cum_fiscal_cost"].iloc[-1]
    assert out.fiscal["cum_fiscal_cost"].sum() == pytest.approx(total, rel=1e-9)
    assert out.timeseries.set_index("date").loc[:"2021-12-31", "cum_fiscal_cost"].max() == 0
