"""The lever catalogue: it loads, it encodes the document faithfully, and bad files fail by name."""

from __future__ import annotations

import csv
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from model.errors import InputError
from model.policy.catalogue import CATALOGUE_DIR, FAMILIES, HOOKS, format_catalogue, load_catalogue
from model.policy.document import (
    DOCUMENT_FILE,
    POLICY_DIR,
    article_texts,
    excerpt_fragments,
    normalise,
)
from model.policy.schedule import value_at

ROOT = Path(__file__).resolve().parent.parent
SHARED_POLICY = ROOT.parent / "shared" / "policy"

# The levers of shared/policy/levers.md, family by family, in the document's order.
LEVERS_MD = {
    "market_access": [
        "negative_list",
        "infrastructure_opening",
        "public_services_opening",
        "ecological_restoration",
        "soe_outsourcing",
        "procurement_set_aside",
        "concessions",
    ],
    "easier_opening": [
        "registration_ease",
        "simple_deregistration",
        "address_reform",
        "licence_commitment",
        "e_licence",
    ],
    "platforms": [
        "development_zones",
        "innovation_platforms",
        "chain_leaders",
        "rural_e_towns_tourism",
        "traffic_platforms",
        "building_economy",
        "street_life",
    ],
    "industry": [
        "agriculture",
        "manufacturing_upgrade",
        "energy_supply",
        "construction",
        "services",
        "new_economy",
        "individual_to_enterprise",
    ],
    "land_environment_energy": [
        "land_supply",
        "property_registration",
        "energy_quota",
        "environment_quota",
        "logistics_cost",
    ],
    "fiscal_tax": ["hq_attraction", "innovation_tax", "talent", "first_time_founders"],
    "finance": ["credit_guarantee", "bank_credit", "equity_finance"],
    "serving_firms": [
        "service_mechanism",
        "policy_delivery",
        "legacy_arrears",
        "flexible_enforcement",
        "associations",
    ],
    "implementation": ["implementation", "assessment_pressure"],
}
PRIOR_ROWS = {"1a", "1b", "2a", "2b", "3", "4", "5", "6", "7", "8", "9", "10"}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _distributions(lever):
    """(what, Estimate) for every uncertain number of a lever."""
    if lever.take_up is not None:
        yield "take_up", lever.take_up
    for i, effect in enumerate(lever.effects):
        yield f"effects[{i}] {effect.hook}", effect.value
    for i, cost in enumerate(lever.costs):
        yield f"costs[{i}] {cost.basis}", cost.yuan


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


# -- the catalogue loads and covers the document ---------------------------------------------


def test_nine_family_files_one_per_family(catalogue):
    assert sorted(p.stem for p in CATALOGUE_DIR.glob("*.yaml")) == sorted(FAMILIES)
    assert [f.id for f in catalogue.families] == list(FAMILIES)
    for family in catalogue.families:
        assert family.title_zh and family.title_en
        assert all(lever.family == family.id for lever in family.levers)


def test_levers_are_those_of_levers_md(catalogue):
    """The document's levers are those of levers.md; counter-measures are marked as not in it."""
    enacted = {f.id: [x.id for x in f.levers if x.in_document] for f in catalogue.families}
    assert enacted == LEVERS_MD
    assert len(catalogue.levers) == 46
    assert [x.id for x in catalogue.levers.values() if not x.in_document] == ["shell_cleanup"]


def test_every_article_is_covered(catalogue):
    covered = {a for lever in catalogue.levers.values() for a in lever.articles}
    assert covered == set(range(1, 49))


def test_departments_are_the_union_of_article_departments(catalogue):
    with (POLICY_DIR / "article_departments.csv").open(encoding="utf-8") as handle:
        table = {int(r["article"]): set(r["departments"].split()) for r in csv.DictReader(handle)}
    assert sorted(table) == list(range(1, 49))
    for lever in catalogue.levers.values():
        expected = set().union(*(table[a] for a in lever.articles))
        assert set(lever.departments) == expected, lever.id
        assert len(lever.departments) == len(set(lever.departments)), lever.id
        assert set(lever.departments) <= set(catalogue.departments), lever.id


def test_departments_table_has_names(catalogue):
    assert catalogue.departments["market_regulation"] == (
        "省市场监管局",
        "Provincial Administration for Market Regulation",
    )
    assert len(catalogue.departments) == 44


def test_the_document_splits_into_48_articles():
    articles = article_texts(DOCUMENT_FILE.read_text(encoding="utf-8"))
    assert sorted(articles) == list(range(1, 49))
    assert articles[1].startswith("1.坚持“法无禁止即可入”")
    assert "风险补偿标准从1‰提高到在保业务余额的2‰" in articles[36]
    assert articles[48].startswith("48.做好宣传引导")


def test_text_zh_is_the_articles_own_words(catalogue):
    document = normalise(DOCUMENT_FILE.read_text(encoding="utf-8"))
    articles = article_texts(DOCUMENT_FILE.read_text(encoding="utf-8"))
    for lever in catalogue.levers.values():
        fragments = excerpt_fragments(lever.text_zh)
        assert sum(map(len, fragments)) >= 15, lever.id
        for fragment in fragments:
            assert fragment in document, (lever.id, fragment)
            assert any(fragment in articles[a] for a in lever.articles), (lever.id, fragment)


def test_titles_in_both_languages(catalogue):
    for lever in catalogue.levers.values():
        assert re.search(r"[\u4e00-\u9fff]", lever.title_zh), lever.id
        assert re.match(r"^[\"'0-9A-Za-z]", lever.title_en), lever.id


# -- the document's numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lever_id", "knob_id", "value"),
    [
        ("ecological_restoration", "eco_industry_area_percent", 3),
        ("procurement_set_aside", "sme_reserved_percent", 100),
        ("registration_ease", "registration_days", 0.5),
        ("licence_commitment", "commitment_items", 100),
        ("development_zones", "approval_working_days", 24),
        ("development_zones", "housing_land_percent", 15),
        ("innovation_platforms", "smart_innovation_cities", 15),
        ("chain_leaders", "tier_1_revenue_yuan", 1e9),
        ("chain_leaders", "tier_2_revenue_yuan", 5e9),
        ("chain_leaders", "tier_3_revenue_yuan", 10e9),
        ("chain_leaders", "local_sourcing_step_pp", 5),
        ("rural_e_towns_tourism", "rural_e_towns", 100),
        ("rural_e_towns_tourism", "tourism_zones", 50),
        ("manufacturing_upgrade", "upgrade_reward_percent", 130),
        ("energy_supply", "wind_solar_provincial_percent", 30),
        ("construction", "top_grade_reward_yuan", 20e6),
        ("land_supply", "standard_land_percent", 80),
        ("hq_attraction", "referral_reward_max_yuan", 10e6),
        ("innovation_tax", "team_award_percent", 5),
        ("credit_guarantee", "risk_compensation_permille", 5),
        ("equity_finance", "angel_fund_yuan", 1e9),
        ("equity_finance", "government_fund_stake_percent", 50),
        ("implementation", "demonstration_projects_per_year", 100),
        ("implementation", "demonstration_counties_per_year", 20),
    ],
)
def test_knobs_carry_the_documents_values(catalogue, lever_id, knob_id, value):
    knob = catalogue.levers[lever_id].knob(knob_id)
    assert knob.document_value == value
    assert knob.min <= knob.document_value <= knob.max
    assert normalise(knob.quote) in normalise(catalogue.levers[lever_id].text_zh)


def test_guarantee_compensation_rises_on_the_documents_schedule(catalogue):
    knob = catalogue.levers["credit_guarantee"].knob("risk_compensation_permille")
    assert knob.schedule == (("2022-01", 2.0), ("2025-01", 5.0))
    assert set(knob.scales) == {"effects", "cost"}
    assert [value_at(knob.schedule, m) for m in ("2021-06", "2022-01", "2024-12", "2025-01")] == [
        2.0,
        2.0,
        2.0,
        5.0,
    ]
    assert knob.factor(2.0) == pytest.approx(0.4)


def test_knobs_are_consistent(catalogue):
    for lever in catalogue.levers.values():
        for knob in lever.knobs:
            if knob.schedule:
                assert knob.schedule[-1][1] == knob.document_value, (lever.id, knob.id)
                months = [m for m, _ in knob.schedule]
                assert months == sorted(set(months)), (lever.id, knob.id)
            if knob.scales:
                assert knob.factor(knob.document_value) == 1.0


def test_levers_start_when_the_document_took_effect(catalogue):
    for lever in catalogue.levers.values():
        assert lever.start == "2022-01" or not lever.in_document, lever.id
        assert 0 <= lever.ramp_months <= 24, lever.id


# -- effects and costs -----------------------------------------------------------------------


def test_every_number_has_a_source(catalogue):
    for lever in catalogue.levers.values():
        for what, value in _distributions(lever):
            source = value.source
            cited = "effect_priors.md" in source or re.search(r"\bart\. \d+", source)
            reasoned = re.match(r"^(assumption|derived): \S.{20,}", source, re.S)
            assert cited or reasoned, (lever.id, what, source)
            if source.startswith("derived:"):
                assert re.search(r"\d", source), (lever.id, what)
            for row in re.findall(r"effect_priors\.md §1 row (\w+)", source):
                assert row in PRIOR_ROWS, (lever.id, what, row)


def test_values_lie_in_their_hooks_range(catalogue):
    for lever in catalogue.levers.values():
        for effect in lever.effects:
            hook, value = HOOKS[effect.hook], effect.value
            assert hook.minimum <= value.low <= value.value <= value.high <= hook.maximum
            if hook.scope == "global":
                assert effect.target.kinds == effect.target.sectors == effect.target.cities == ()
        for cost in lever.costs:
            assert 0 <= cost.yuan.low <= cost.yuan.value <= cost.yuan.high
            assert (cost.event is not None) == (cost.basis == "per_event")
        if lever.take_up is not None:
            assert 0 < lever.take_up.low <= lever.take_up.value <= lever.take_up.high <= 1


def _effect(catalogue, lever_id, hook):
    return next(e for e in catalogue.levers[lever_id].effects if e.hook == hook)


@pytest.mark.parametrize(
    ("lever_id", "hook", "central", "low", "high"),
    [
        ("registration_ease", "entry", 1.10, 1.00, 1.15),  # front-loaded: ×1.10 fading to ×1.03
        ("simple_deregistration", "dormant_exit", 1.5, 1.2, 2.5),
        ("assessment_pressure", "shell_registrations", 0.01, 0.0, 0.04),  # of the gap, a month
        ("implementation", "fidelity", 0.8, 0.6, 1.0),
        ("policy_delivery", "take_up", 1.3, 1.0, 1.6),
        ("chain_leaders", "chain_referrals", 6, 2, 24),
        ("chain_leaders", "entry", 1.06, 1.02, 1.10),
        ("individual_to_enterprise", "conversion", 2.25, 1.5, 3.0),
        ("manufacturing_upgrade", "upgrade", 1.2, 1.0, 1.5),
        ("credit_guarantee", "failure_hazard", 0.90, 0.80, 1.05),
        ("credit_guarantee", "growth", 0.027, 0.0, 0.057),
        ("first_time_founders", "failure_hazard", 0.85, 0.70, 1.10),
        ("first_time_founders", "entry", 1.02, 1.00, 1.05),
        ("first_time_founders", "reentry", 1.5, 1.0, 2.0),
        ("flexible_enforcement", "failure_hazard", 0.98, 0.95, 1.00),
    ],
)
def test_headline_effects(catalogue, lever_id, hook, central, low, high):
    value = _effect(catalogue, lever_id, hook).value
    assert (value.value, value.low, value.high) == pytest.approx((central, low, high))


def test_first_time_founders_act_on_young_entrants(catalogue):
    effect = _effect(catalogue, "first_time_founders", "failure_hazard")
    assert effect.target.max_age_months == 36
    assert set(effect.target.kinds) == {"individual", "micro"}


def test_enterprise_kind_group_is_expanded(catalogue):
    target = _effect(catalogue, "infrastructure_opening", "entry").target
    assert target.kinds == ("micro", "small", "medium", "above_scale")


def test_no_single_entry_effect_is_absurd(catalogue):
    """Each entry effect, as delivered (its value's deviation times its share of an evidence row),
    stays near the procedural-convenience evidence (effect_priors.md §1 row 1a: ×1.05, ≤ ×1.15)."""
    for lever in catalogue.levers.values():
        for effect in lever.effects:
            if effect.hook == "entry":
                assert 1.0 <= 1 + (effect.value.value - 1) * effect.share <= 1.07, lever.id
                assert effect.value.high <= 1.15, lever.id


# -- the shipped copy of the policy files ----------------------------------------------------


@pytest.mark.skipif(not SHARED_POLICY.is_dir(), reason="no shared/policy beside the project")
@pytest.mark.parametrize(
    "name",
    ["jinfa-2021-67.zh.txt", "departments.csv", "article_departments.csv", "glossary.csv"],
)
def test_shipped_policy_files_equal_the_shared_ones(name):
    assert (POLICY_DIR / name).read_bytes() == (SHARED_POLICY / name).read_bytes()


# -- formatting and the command line ---------------------------------------------------------


def test_json_has_every_field_and_round_trips(catalogue):
    data = json.loads(format_catalogue(catalogue, None, "json"))
    assert [d["id"] for d in data] == list(catalogue.levers)
    first = data[0]
    assert {
        "id",
        "family",
        "articles",
        "departments",
        "title_zh",
        "title_en",
        "text_zh",
        "start",
        "ramp_months",
        "knobs",
        "take_up",
        "effects",
        "costs",
    } <= set(first)
    guarantee = next(d for d in data if d["id"] == "credit_guarantee")
    assert guarantee["knobs"][0]["schedule"] == [
        {"from": "2022-01", "value": 2.0},
        {"from": "2025-01", "value": 5.0},
    ]
    assert guarantee["take_up"]["central"] == 0.03


def test_table_lists_every_lever_with_its_articles(catalogue):
    table = format_catalogue(catalogue, None, "table")
    lines = table.splitlines()
    assert lines[0].split() == ["id", "family", "articles", "title_en", "departments"]
    implementation = next(line for line in lines if line.startswith("implementation "))
    assert "44-48" in implementation and "discipline_inspection" in implementation
    assert table.rstrip().endswith("46 levers in 9 families")


def test_unknown_family_is_an_input_error(catalogue):
    with pytest.raises(InputError, match="unknown family 'nope'.*market_access"):
        format_catalogue(catalogue, "nope", "table")


def test_cli_levers_json_contract():
    result = _run("levers", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == 46
    for item in data:
        assert isinstance(item["id"], str) and item["family"] in FAMILIES
        assert item["articles"] and all(isinstance(a, int) for a in item["articles"])
        assert item["departments"] and all(isinstance(d, str) for d in item["departments"])
        assert item["title_zh"] and item["title_en"]


def test_cli_levers_one_family():
    result = _run("levers", "--family", "finance", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [d["id"] for d in json.loads(result.stdout)] == LEVERS_MD["finance"]
    table = _run("levers", "--family", "implementation")
    assert table.returncode == 0
    assert "assessment_pressure" in table.stdout and "credit_guarantee" not in table.stdout


def test_cli_unknown_family_exits_2():
    result = _run("levers", "--family", "banking")
    assert result.returncode == 2
    assert "banking" in result.stderr and "serving_firms" in result.stderr
    assert "Traceback" not in result.stderr


# -- bad catalogue files fail with the file and the key --------------------------------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (  # unknown hook
            "finance.yaml",
            "- hook: failure_hazard",
            "- hook: hazard",
            r"finance\.yaml:\d+: levers\[credit_guarantee\]\.effects\[0\]\.hook: unknown hook",
        ),
        (  # unknown key in a lever
            "finance.yaml",
            "    ramp_months: 12\n    knobs:",
            "    ramp_months: 12\n    colour: red\n    knobs:",
            r"finance\.yaml:\d+: levers\[credit_guarantee\]\.colour: unknown key",
        ),
        (  # low above central
            "finance.yaml",
            "{central: 0.90, low: 0.80, high: 1.05}",
            "{central: 0.90, low: 0.95, high: 1.05}",
            r"levers\[credit_guarantee\]\.effects\[0\]\.value: expected low <= central <= high",
        ),
        (  # departments not the union of the article's
            "finance.yaml",
            "departments: [finance, local_finance_regulation, financial_holding]",
            "departments: [finance, local_finance_regulation]",
            r"levers\[credit_guarantee\]\.departments: .*missing: financial_holding",
        ),
        (  # unknown department
            "finance.yaml",
            "departments: [finance, local_finance_regulation, financial_holding]",
            "departments: [finance, local_finance_regulation, financial_holding, treasury]",
            r"levers\[credit_guarantee\]\.departments\[3\]: unknown department 'treasury'",
        ),
        (  # words that are not the document's
            "finance.yaml",
            "到“十四五”末提高到在保业务余额的5‰。",
            "到“十四五”末提高到在保业务余额的8‰。",
            r"levers\[credit_guarantee\]\.text_zh: .* is not in the text of articles \[36\]",
        ),
        (  # a bad month
            "finance.yaml",
            "{from: 2025-01, value: 5}",
            "{from: 2025-13, value: 5}",
            r"knobs\[0\]\.schedule\[1\]\.from: expected a month YYYY-MM",
        ),
        (  # unknown sector
            "industry.yaml",
            "sectors: [manufacturing, energy]}",
            "sectors: [manufacturing, mining]}",
            r"industry\.yaml:\d+: levers\[manufacturing_upgrade\]\.effects\[0\]\.target"
            r"\.sectors\[1\]: unknown sector 'mining'",
        ),
        (  # a duplicate lever id across files
            "serving_firms.yaml",
            "- id: associations",
            "- id: credit_guarantee",
            r"serving_firms\.yaml:\d+: levers\[credit_guarantee\]\.id: "
            r"duplicate lever id 'credit_guarantee'",
        ),
        (  # a value outside its hook's range
            "finance.yaml",
            "{central: 0.027, low: 0.0, high: 0.057}",
            "{central: 0.027, low: 0.0, high: 1.5}",
            r"levers\[credit_guarantee\]\.effects\[1\]\.value\.high: 1\.5 is outside \[-1, 1\]",
        ),
        (  # a take-up above 1
            "finance.yaml",
            "      central: 0.03\n      low: 0.01\n      high: 0.08",
            "      central: 0.03\n      low: 0.01\n      high: 1.2",
            r"levers\[credit_guarantee\]\.take_up\.high: 1\.2 is outside \[0, 1\]",
        ),
        (  # a knob quote that is not in the lever's excerpt
            "finance.yaml",
            "quote: 分期设立10亿元省级天使投资基金",
            "quote: 分期设立20亿元省级天使投资基金",
            r"levers\[equity_finance\]\.knobs\[0\]\.quote: .* is not in the lever's text_zh",
        ),
        (  # a knob's Chinese label in English only (the Chinese page would show it)
            "finance.yaml",
            "label_zh: 省级天使投资基金规模（元）",
            "label_zh: Size of the provincial angel fund (yuan)",
            r"levers\[equity_finance\]\.knobs\[0\]\.label_zh: expected Chinese text",
        ),
        (  # a schedule that does not reach the document's value
            "finance.yaml",
            "{from: 2025-01, value: 5}",
            "{from: 2025-01, value: 4}",
            r"knobs\[0\]\.schedule: expected the last step to reach document_value",
        ),
        (  # a per-event cost without its event
            "finance.yaml",
            "      - basis: per_entity_year\n",
            "      - basis: per_event\n",
            r"levers\[credit_guarantee\]\.costs\[0\]\.event: missing",
        ),
        (  # a string where a number belongs
            "finance.yaml",
            "    ramp_months: 12\n    knobs:",
            "    ramp_months: twelve\n    knobs:",
            r"levers\[credit_guarantee\]\.ramp_months: expected a whole number, got 'twelve'",
        ),
    ],
)
def test_bad_catalogue_fails_naming_file_and_key(catalogue_copy, file, old, new, expected):
    _edit(catalogue_copy / file, old, new)
    with pytest.raises(InputError) as error:
        load_catalogue(catalogue_copy)
    assert re.search(expected, str(error.value)), str(error.value)


def test_an_uncovered_article_fails(catalogue_copy):
    path = catalogue_copy / "serving_firms.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: associations")], encoding="utf-8")
    with pytest.raises(InputError, match=r"articles: no lever covers articles \[43\]"):
        load_catalogue(catalogue_copy)


def test_every_problem_of_a_catalogue_file_is_reported(catalogue_copy):
    path = catalogue_copy / "finance.yaml"
    _edit(path, "- hook: failure_hazard", "- hook: hazard")
    _edit(
        path, "    ramp_months: 12\n    knobs:", "    ramp_months: 12\n    colour: red\n    knobs:"
    )
    _edit(path, "quote: 分期设立10亿元省级天使投资基金", "quote: 分期设立20亿元省级天使投资基金")
    with pytest.raises(InputError) as error:
        load_catalogue(catalogue_copy)
    lines = str(error.value).splitlines()
    assert len(lines) == 3, lines
    assert all(line.startswith(f"{path}:") for line in lines)


def test_bad_catalogue_reports_the_right_line(catalogue_copy):
    path = catalogue_copy / "finance.yaml"
    _edit(path, "- hook: failure_hazard", "- hook: hazard")
    line = 1 + path.read_text(encoding="utf-8").splitlines().index("      - hook: hazard")
    with pytest.raises(InputError, match=rf"finance\.yaml:{line}: "):
        load_catalogue(catalogue_copy)


def test_missing_family_file(catalogue_copy):
    (catalogue_copy / "finance.yaml").unlink()
    with pytest.raises(InputError, match=r"finance\.yaml: file not found"):
        load_catalogue(catalogue_copy)


def test_knob_factor_scales_proportionally(catalogue):
    knob = catalogue.levers["equity_finance"].knob("angel_fund_yuan")
    assert knob.factor(500_000_000) == pytest.approx(0.5)
    assert math.isclose(knob.factor(knob.document_value), 1.0)
