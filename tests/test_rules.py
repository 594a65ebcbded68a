"""Rule tests on tiny hand-built populations: each event of a month does what it says."""

from __future__ import annotations

import numpy as np
import pytest

from model.world.kinds import (
    ABOVE_SCALE,
    DORMANT,
    GONE,
    INDIVIDUAL,
    MEDIUM,
    MICRO,
    NEVER_OPENS,
    OPERATING,
    REGISTERED,
    SHELL,
)
from model.world.model import employees_at_median_new_revenue
from tests.core_fixtures import empty_model, place


def test_an_entity_past_its_hazard_stops_operating_then_leaves_the_register():
    model = empty_model(scale=10)
    row = place(model, kind=MICRO, status=OPERATING, fail=1e-9, dormant=1e-9)
    keeper = place(model, kind=MICRO, status=OPERATING)
    model.step()
    assert model.pop.status[row] == GONE
    assert model.pop.status[keeper] == OPERATING
    assert model.report["new_exited"] == 10
    assert model.report["n_registered"] == 10 and model.report["n_operating"] == 10


def test_a_dormant_entity_still_counts_as_registered_but_not_as_operating():
    model = empty_model(scale=10)
    row = place(model, kind=INDIVIDUAL, status=DORMANT, dormant=50.0)
    for _ in range(12):
        model.step()
    assert model.pop.status[row] == DORMANT
    assert model.report["n_registered"] == 10
    assert model.report["n_dormant"] == 10
    assert model.report["n_operating"] == 0


def test_a_firm_crossing_20_million_yuan_becomes_above_scale():
    model = empty_model(scale=1)
    # 19.9 M yuan growing 10 %/yr crosses 20 M in its first month: 12 ln(20/19.9)/0.1 = 0.6
    row = place(model, kind=MEDIUM, status=OPERATING, revenue_yuan=19.9e6, growth=0.10)
    model.step()
    assert model.pop.kind[row] == MEDIUM
    model.step()
    assert model.pop.kind[row] == ABOVE_SCALE
    assert model.report["new_above_scale"] == 1
    assert model.report["n_above_scale"] == 1 and model.report["n_medium"] == 0


def test_a_shrinking_firm_falls_back_below_the_line_without_counting_as_an_upgrade():
    model = empty_model(scale=1)
    row = place(model, kind=ABOVE_SCALE, status=OPERATING, revenue_yuan=20.1e6, growth=-0.2)
    model.step()  # 2021-01: still 20.1 M
    assert model.pop.kind[row] == ABOVE_SCALE
    model.step()  # 2021-02: 20.1 M x exp(-0.2 / 12) = 19.8 M
    assert model.pop.kind[row] == MEDIUM
    assert model.report["new_above_scale"] == 0


def test_individual_to_enterprise_conversion_keeps_the_count():
    model = empty_model(scale=5)
    row = place(model, kind=INDIVIDUAL, status=OPERATING, revenue_yuan=5e5, convert=1e-9)
    model.step()
    assert model.pop.kind[row] == MICRO
    assert model.report["new_individual_to_enterprise"] == 5
    assert model.report["n_individual"] == 0 and model.report["n_micro"] == 5
    assert model.report["n_registered"] == 5


def test_a_registered_entity_opens_when_its_opening_falls_due():
    model = empty_model(scale=1)
    row = place(model, kind=MICRO, status=REGISTERED, born=-1, open_draw=1e-9)
    model.step()
    assert model.pop.status[row] == OPERATING
    assert model.report["new_opened"] == 1


def test_shell_registrations_never_operate():
    model = empty_model(scale=1, until="2025-12")
    model.pending_referrals.clear()
    row = place(model, kind=INDIVIDUAL, status=DORMANT, flags=SHELL | NEVER_OPENS)
    model.run()
    assert model.pop.status[row] in (DORMANT, GONE)
    assert model.datacollector.get_model_vars_dataframe()["new_opened"].sum() == 0


def test_employment_counts_operating_entities_only():
    model = empty_model(scale=10)
    place(model, kind=INDIVIDUAL, status=OPERATING)
    place(model, kind=INDIVIDUAL, status=DORMANT)
    median = model.rates.revenue_median_new_enterprise_yuan
    place(model, kind=MICRO, status=OPERATING, revenue_yuan=median)
    model.step()
    v = model.rates
    expected = 10 * (v.employees_individual + employees_at_median_new_revenue(v))
    assert model.report["n_employed"] == pytest.approx(expected)


def test_employment_sums_match_a_direct_count_of_every_enterprise():
    """The running sums of model.world.employment against the sum over each operating enterprise,
    every month of a policy scenario to 2030 (growth changes, 个转企, size moves, exits)."""
    from model.defaults import scenario_file
    from model.policy.monthly_rates import build_policy
    from model.policy.scenario import load_scenario
    from model.world import events
    from model.world.kinds import is_enterprise
    from model.world.model import DoublingModel

    policy, _ = build_policy(load_scenario(scenario_file("as_enacted")), seed=5)
    model = DoublingModel(seed=5, scale=200.0, policy=policy, until="2030-12")
    log_median = np.log(model.rates.revenue_median_new_enterprise_yuan)
    while model.running:
        model.step()
        pop = model.pop
        operating = (pop.status[: pop.n] == OPERATING) & is_enterprise(pop.kind[: pop.n])
        log_revenue = events.log_revenue(model, np.flatnonzero(operating), model.t)
        direct = np.exp(model.rates.employment_revenue_elasticity * (log_revenue - log_median))
        assert model.employment.total(model.t) == pytest.approx(direct.sum(), rel=1e-6)
