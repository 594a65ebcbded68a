"""Employment (n_employed): persons by kind from the data files, entrants net of displacement, the
labour ceiling, and the running sums of model.world.employment."""

from __future__ import annotations

import numpy as np
import pytest

from model.defaults import default_scenario_files, scenario_file
from model.policy.monthly_rates import build_policy
from model.policy.scenario import load_scenario
from model.world import events
from model.world.datafiles import DATA_DIR, csv_rows
from model.world.kinds import (
    ABOVE_SCALE,
    COOPERATIVE,
    DORMANT,
    INDIVIDUAL,
    MEDIUM,
    MICRO,
    OPERATING,
    SMALL,
    is_enterprise,
)
from model.world.model import DoublingModel, employees_at_median_new_revenue
from tests.core_fixtures import empty_model, place

SCALE = 200.0
LABOUR = {row["parameter"]: float(row["value"]) for row in csv_rows(DATA_DIR / "base_rates.csv")}
CEILING = LABOUR["labour_ceiling_persons"]
DISPLACEMENT = LABOUR["entrant_displacement_share"]


def _employed(model: DoublingModel) -> np.ndarray:
    return np.array(model.values(0)["n_employed"])


def test_jobs_per_entity_by_kind_match_the_data_files():
    """An operating incumbent employs the persons of base_rates.csv for its kind (enterprises by
    revenue); an entrant (registered from 2021 on) the same less the displacement share of
    base_rates.csv; dormant entities none. Far below the ceiling, nothing else changes them."""
    model = empty_model(scale=10)
    v = model.rates
    median = v.revenue_median_new_enterprise_yuan
    revenue = {MICRO: median, SMALL: 5e6, MEDIUM: 15e6, ABOVE_SCALE: 50e6}
    persons = {INDIVIDUAL: v.employees_individual, COOPERATIVE: v.employees_cooperative} | {
        kind: employees_at_median_new_revenue(v) * (r / median) ** v.employment_revenue_elasticity
        for kind, r in revenue.items()
    }
    for kind in persons:
        for born in (-24, 0):  # incumbent, entrant
            place(
                model, kind=kind, status=OPERATING, born=born, revenue_yuan=revenue.get(kind, 3e5)
            )
    place(model, kind=INDIVIDUAL, status=DORMANT)
    model.step()
    expected = 10 * sum(persons.values()) * (2 - DISPLACEMENT)
    assert model.report["n_employed"] == pytest.approx(expected, rel=1e-6)  # float32 revenue


def test_employment_stays_below_the_labour_ceiling_in_every_month_of_any_scenario():
    """Every scenario file, and a world with three times the registrations."""
    for path in default_scenario_files():
        policy, _ = build_policy(load_scenario(path), seed=3)
        model = DoublingModel(seed=3, scale=SCALE, policy=policy).run()
        assert _employed(model).max() < CEILING, path.stem
    crowded = DoublingModel(seed=3, scale=SCALE, parameters={"entry_rate_per_year": 0.6}).run()
    assert _employed(crowded).max() < CEILING


def test_doubling_entities_does_not_double_jobs():
    """Twice the real entities per row (the same rows): the ceiling binds. Policy adds fewer jobs
    per operating entity it adds than the no-policy world has (entrants displace incumbents)."""
    single = DoublingModel(seed=4, scale=SCALE, uncertainty=False).run()
    stock = single.rates.start_stock_total
    double = DoublingModel(
        seed=4, scale=2 * SCALE, uncertainty=False, parameters={"start_stock_total": 2 * stock}
    ).run()
    entities = double.report["n_registered"] / single.report["n_registered"]
    assert entities == pytest.approx(2.0, rel=1e-3)
    assert (_employed(double) / _employed(single)).max() < 0.75 * entities

    policy, _ = build_policy(load_scenario(scenario_file("as_enacted")), seed=4)
    enacted = DoublingModel(seed=4, scale=SCALE, uncertainty=False, policy=policy).run()
    added_jobs = enacted.report["n_employed"] - single.report["n_employed"]
    added_entities = enacted.report["n_operating"] - single.report["n_operating"]
    assert added_entities > 0
    assert added_jobs / added_entities < single.report["n_employed"] / single.report["n_operating"]


def test_employment_sums_match_a_direct_count_of_every_entity():
    """The running sums of model.world.employment against the persons of each operating row,
    every month of a policy scenario to 2030 (growth changes, 个转企, size moves, exits): rows
    added after the starting stock count net of displacement."""
    policy, _ = build_policy(load_scenario(scenario_file("as_enacted")), seed=5)
    model = DoublingModel(seed=5, scale=SCALE, policy=policy, until="2030-12")
    v = model.rates
    first_entrant = model.pop.n
    persons_at_median = employees_at_median_new_revenue(v)
    log_median = np.log(v.revenue_median_new_enterprise_yuan)
    while model.running:
        model.step()
        pop = model.pop
        rows = np.flatnonzero(pop.status[: pop.n] == OPERATING)
        kind = pop.kind[rows]
        enterprise = is_enterprise(kind)
        persons = np.zeros(len(rows))
        persons[kind == INDIVIDUAL] = v.employees_individual
        persons[kind == COOPERATIVE] = v.employees_cooperative
        log_revenue = events.log_revenue(model, rows[enterprise], model.t)
        persons[enterprise] = persons_at_median * np.exp(
            v.employment_revenue_elasticity * (log_revenue - log_median)
        )
        weight = np.where(rows >= first_entrant, 1 - DISPLACEMENT, 1.0)
        assert model.employment.demand(model.t)[0] == pytest.approx(weight @ persons, rel=1e-6)
