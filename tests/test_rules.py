"""Rule tests on tiny hand-built populations: each event of a month does what it says."""

from __future__ import annotations

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


def test_a_converted_business_keeps_its_age_and_the_hazard_it_has_survived():
    """个转企 keeps the history (an assumption, model.world.events.convert): a five-year-old
    business does not restart at age 0 on the young-firm failure curve."""
    model = empty_model(scale=1)
    row = place(model, kind=INDIVIDUAL, status=OPERATING, born=-60, revenue_yuan=5e5, convert=1e-9)
    left = model.pop.hazard_left[row]
    model.step()
    model.step()
    assert model.pop.kind[row] == MICRO
    assert model.pop.born[row] == -60 and model.pop.clock_origin[row] == -60
    assert left - 1 < model.pop.hazard_left[row] <= left  # its own draw, less what it used


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
    assert sum(model.values(0)["new_opened"]) == 0
