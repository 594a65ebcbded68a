"""Scenario files: the shipped ones resolve as intended; bad ones fail naming file and key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import run
from model.errors import InputError
from model.policy.catalogue import FAMILIES, load_catalogue
from model.policy.scenario import LeverSetting, Scenario, load_scenario, validate_files

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
EXPECTED = {
    "no_policy",
    "as_enacted",
    "as_enacted_low_fidelity",
    "as_enacted_with_quota_pressure",
    "as_enacted_with_cleanup",
    "finance_first",
    "registration_only",
    *(f"{family}_only" for family in FAMILIES),
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def shipped(catalogue) -> dict[str, Scenario]:
    return {p.stem: load_scenario(p, catalogue) for p in sorted(SCENARIOS.glob("*.yaml"))}


def _family_levers(catalogue, *families: str) -> set[str]:
    """The family's levers that are measures of the document."""
    return {lever.id for f in families for lever in catalogue.family(f).levers if lever.in_document}


# -- the shipped scenarios -------------------------------------------------------------------


def test_cli_validates_every_shipped_scenario():
    files = sorted(str(p.relative_to(ROOT)) for p in SCENARIOS.glob("*.yaml"))
    result = subprocess.run(
        [sys.executable, "run.py", "validate", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(files)} scenario file(s) valid" in result.stdout


def test_the_expected_scenarios_are_shipped(shipped):
    assert set(shipped) == EXPECTED
    assert (SCENARIOS / "README.md").is_file()


def test_every_scenario_has_titles_in_both_languages(shipped):
    for scenario in shipped.values():
        assert any("\u4e00" <= c <= "\u9fff" for c in scenario.title_zh), scenario.name
        assert scenario.title_en.isascii(), scenario.name


def test_no_policy_switches_nothing_on(shipped):
    assert shipped["no_policy"].levers == {}
    assert shipped["no_policy"].fidelity == 1.0


def test_as_enacted_is_every_lever_at_the_documents_values(shipped, catalogue):
    scenario = shipped["as_enacted"]
    enacted = [lever.id for lever in catalogue.levers.values() if lever.in_document]
    assert list(scenario.levers) == enacted
    assert "shell_cleanup" not in enacted  # a counter-measure, not in the document
    assert "assessment_pressure" in scenario.levers
    for lever_id, setting in scenario.levers.items():
        lever = catalogue.levers[lever_id]
        assert setting.intensity == 1.0
        assert (setting.start, setting.end, setting.ramp_months) == (
            lever.start,
            lever.end,  # the document's horizon, 2025-12
            lever.ramp_months,
        )
        assert setting.knobs == {k.id: k.schedule or k.document_value for k in lever.knobs}
    guarantee = scenario.levers["credit_guarantee"]
    assert guarantee.knob_at("risk_compensation_permille", "2023-06") == 2.0
    assert guarantee.knob_at("risk_compensation_permille", "2025-06") == 5.0


def test_low_fidelity_extends_as_enacted(shipped):
    low = shipped["as_enacted_low_fidelity"]
    assert low.fidelity == 0.5
    assert low.extends == "as_enacted"
    assert low.levers == shipped["as_enacted"].levers


def test_quota_pressure_doubles_assessment_pressure_only(shipped):
    pressure = shipped["as_enacted_with_quota_pressure"].levers
    enacted = shipped["as_enacted"].levers
    assert pressure["assessment_pressure"].intensity == 2.0
    assert {k: v for k, v in pressure.items() if k != "assessment_pressure"} == {
        k: v for k, v in enacted.items() if k != "assessment_pressure"
    }


@pytest.mark.parametrize("family", FAMILIES)
def test_family_only_scenarios_hold_their_family(shipped, catalogue, family):
    scenario = shipped[f"{family}_only"]
    assert set(scenario.levers) == _family_levers(catalogue, family)
    assert all(s.intensity == 1.0 for s in scenario.levers.values())


def test_implementation_only_is_fidelity_and_assessment_pressure(shipped):
    assert set(shipped["implementation_only"].levers) == {"implementation", "assessment_pressure"}


def test_finance_first_doubles_money_and_switches_the_rest_off(shipped, catalogue):
    levers = shipped["finance_first"].levers
    assert set(levers) == _family_levers(catalogue, "finance", "fiscal_tax")
    assert all(s.intensity == 2.0 for s in levers.values())
    assert levers["credit_guarantee"].knobs["risk_compensation_permille"] == 5.0


def test_registration_only_is_the_easier_opening_family_without_clean_up(shipped, catalogue):
    expected = _family_levers(catalogue, "easier_opening") - {"simple_deregistration"}
    assert set(shipped["registration_only"].levers) == expected


def test_to_dict_is_json_for_the_manifest(shipped):
    data = json.loads(json.dumps(shipped["as_enacted_low_fidelity"].to_dict()))
    assert data["name"] == "as_enacted_low_fidelity"
    assert data["title"]["zh"] and data["title"]["en"]
    assert data["path"] == "scenarios/as_enacted_low_fidelity.yaml"
    assert data["fidelity"] == 0.5
    assert data["levers"]["credit_guarantee"]["knobs"]["risk_compensation_permille"] == [
        {"from": "2022-01", "value": 2.0},
        {"from": "2025-01", "value": 5.0},
    ]


def test_knob_at_follows_a_schedule():
    setting = LeverSetting(knobs={"k": (("2022-01", 2.0), ("2024-01", 4.0)), "flat": 3.0})
    assert [setting.knob_at("k", m) for m in ("2021-01", "2023-12", "2024-01")] == [2.0, 2.0, 4.0]
    assert setting.knob_at("flat", "2030-01") == 3.0


# -- extends ---------------------------------------------------------------------------------


def _write(folder: Path, name: str, body: str, title: bool = True) -> Path:
    header = f"name: {name}\ntitle: {{zh: 测试, en: Test}}\n" if title else ""
    path = folder / f"{name}.yaml"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_child_overrides_parent_key_by_key(tmp_path, catalogue):
    _write(
        tmp_path,
        "parent",
        "levers:\n"
        "  credit_guarantee: {start: 2023-01, knobs: {risk_compensation_permille: 3}}\n"
        "  street_life: {intensity: 1}\n"
        "  negative_list: {}\n"
        "implementation: {fidelity: 0.7}\n",
    )
    child = _write(
        tmp_path,
        "child",
        "extends: parent\n"
        "levers:\n"
        "  credit_guarantee: {intensity: 2}\n"
        "  street_life: {intensity: 0}\n"
        "  negative_list: {end: 2024-12}\n",
    )
    scenario = load_scenario(child, catalogue)
    assert set(scenario.levers) == {"credit_guarantee", "negative_list"}
    guarantee = scenario.levers["credit_guarantee"]
    assert (guarantee.intensity, guarantee.start) == (2.0, "2023-01")
    assert guarantee.knobs == {"risk_compensation_permille": 3.0}
    assert scenario.levers["negative_list"].end == "2024-12"
    assert scenario.fidelity == 0.7
    assert scenario.extends == "parent"


# -- bad files: exit 2, stderr names the file and the key ------------------------------------


def _validate(capsys, *paths: Path) -> tuple[int, str]:
    code = run.main(["validate", *map(str, paths)])
    return code, capsys.readouterr().err


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("body", "key", "at", "message"),
    [
        (
            "levers:\n  not_a_lever: {intensity: 1}\n",
            "levers.not_a_lever",
            "not_a_lever",
            "unknown lever",
        ),
        ("colour: red\n", "colour", "colour", "unknown key"),
        (
            "levers:\n  credit_guarantee:\n    speed: 2\n",
            "levers.credit_guarantee.speed",
            "speed",
            "unknown key",
        ),
        (
            "levers:\n  credit_guarantee: {intensity: 4}\n",
            "levers.credit_guarantee.intensity",
            "intensity",
            "4 is outside [0, 3]",
        ),
        (
            "levers:\n  credit_guarantee: {intensity: -1}\n",
            "levers.credit_guarantee.intensity",
            "intensity",
            "-1 is outside [0, 3]",
        ),
        (
            "levers:\n  credit_guarantee:\n    knobs: {risk_compensation_permille: 12}\n",
            "levers.credit_guarantee.knobs.risk_compensation_permille",
            "permille: 12",
            "12 is outside [0, 10]",
        ),
        (
            "levers:\n  credit_guarantee:\n    knobs:\n      risk_compensation_permille:\n"
            "        - {from: 2022-01, value: 2}\n        - {from: 2023-01, value: 11}\n",
            "levers.credit_guarantee.knobs.risk_compensation_permille[1].value",
            "value: 11",
            "11 is outside [0, 10]",
        ),
        (
            "levers:\n  credit_guarantee:\n    knobs: {no_such_knob: 1}\n",
            "levers.credit_guarantee.knobs.no_such_knob",
            "no_such_knob",
            "unknown knob",
        ),
        (
            "implementation:\n  fidelity: 1.5\n",
            "implementation.fidelity",
            "fidelity",
            "1.5 is outside [0, 1]",
        ),
        (
            "levers:\n  credit_guarantee: {start: 2022-13}\n",
            "levers.credit_guarantee.start",
            "start",
            "expected a month YYYY-MM",
        ),
        (
            "levers:\n  credit_guarantee: {start: 2020-06}\n",
            "levers.credit_guarantee.start",
            "start",
            "outside 2021-01..2035-12",
        ),
        (
            "levers:\n  credit_guarantee:\n    start: 2024-01\n    end: 2023-01\n",
            "levers.credit_guarantee.end",
            "end:",
            "before the start",
        ),
        ("extends: nowhere\n", "extends", "extends", "no scenario 'nowhere'"),
        (
            "levers:\n  credit_guarantee: {intensity: '2'}\n",
            "levers.credit_guarantee.intensity",
            "intensity",
            "expected a number, got '2'",
        ),
        (
            "levers:\n  credit_guarantee:\n    ramp_months: 2.5\n",
            "levers.credit_guarantee.ramp_months",
            "ramp_months",
            "expected a whole number, got 2.5",
        ),
        (
            "levers:\n  bank_credit:\n    knobs: {anything: 1}\n",
            "levers.bank_credit.knobs",
            "knobs",
            "lever bank_credit has no knobs",
        ),
        (
            "levers:\n  credit_guarantee:\n    knobs:\n      risk_compensation_permille:\n"
            "        - {from: 2023-01, value: 2}\n        - {from: 2022-01, value: 5}\n",
            "levers.credit_guarantee.knobs.risk_compensation_permille",
            "permille:",
            "expected months in increasing order",
        ),
    ],
)
def test_bad_scenario_exits_2_naming_file_and_key(tmp_path, capsys, body, key, at, message):
    path = _write(tmp_path, "bad", body)
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}:{_line_of(path, at)}: {key}: " in err, err
    assert message in err, err
    assert "Traceback" not in err


def test_name_must_equal_the_file_stem(tmp_path, capsys):
    path = tmp_path / "stem.yaml"
    path.write_text("name: other\ntitle: {zh: 测试, en: Test}\n", encoding="utf-8")
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}:1: name: 'other' must equal the file name stem 'stem'" in err


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "absent.yaml"
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}: file not found" in err


def test_missing_required_keys(tmp_path, capsys):
    path = tmp_path / "bare.yaml"
    path.write_text("levers: {}\n", encoding="utf-8")
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}:1: name: missing" in err and f"{path}:1: title: missing" in err


def test_extends_cycle_names_the_chain(tmp_path, capsys):
    first = _write(tmp_path, "first", "extends: second\n")
    second = _write(tmp_path, "second", "extends: first\n")
    code, err = _validate(capsys, first)
    assert code == 2
    assert f"{second}:3: extends: cycle: first.yaml -> second.yaml -> first.yaml" in err, err


def test_extends_itself(tmp_path, capsys):
    path = _write(tmp_path, "loop", "extends: loop\n")
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}:3: extends: cycle: loop.yaml -> loop.yaml" in err


@pytest.mark.parametrize("child_problem", ["", "colour: red\n"], ids=["valid child", "bad child"])
def test_problems_of_a_parent_are_reported_with_the_parent(tmp_path, capsys, child_problem):
    parent = _write(tmp_path, "base", "levers:\n  credit_guarantee: {intensity: 9}\n")
    child = _write(tmp_path, "derived", "extends: base\n" + child_problem)
    code, err = _validate(capsys, child)
    assert code == 2
    assert f"{parent}:4: levers.credit_guarantee.intensity: 9 is outside [0, 3]" in err
    assert (f"{child}:4: colour: unknown key" in err) == bool(child_problem)


def test_every_problem_of_every_file_is_reported(tmp_path, capsys):
    first = _write(
        tmp_path,
        "first",
        "colour: red\nlevers:\n  credit_guarantee: {intensity: 5, start: 1999-01}\n",
    )
    second = _write(tmp_path, "second", "implementation: {fidelity: 2}\n")
    good = SCENARIOS / "as_enacted.yaml"
    code, err = _validate(capsys, first, good, second, tmp_path / "gone.yaml")
    lines = err.strip().splitlines()
    assert code == 2
    assert len(lines) == 5, err
    assert [line.split(":")[0] for line in lines] == [str(first)] * 3 + [
        str(second),
        str(tmp_path / "gone.yaml"),
    ]
    assert str(good) not in err


def test_knob_problems_are_reported_beside_the_other_levers_problems(tmp_path, capsys):
    path = _write(
        tmp_path,
        "mixed",
        "levers:\n"
        "  credit_guarantee:\n    knobs: {risk_compensation_permille: 12}\n"
        "  bank_credit: {intensity: 7}\n"
        "  no_such_lever: {}\n",
    )
    code, err = _validate(capsys, path)
    assert code == 2
    assert [line.split(": ")[1] for line in err.strip().splitlines()] == [
        "levers.credit_guarantee.knobs.risk_compensation_permille",
        "levers.bank_credit.intensity",
        "levers.no_such_lever",
    ], err


def test_python_tags_are_not_loaded(tmp_path, capsys):
    path = _write(tmp_path, "tagged", "levers: !!python/object/apply:os.system [echo]\n")
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}:3: (YAML syntax): could not determine a constructor" in err


def test_yaml_syntax_error_names_the_line(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\ntitle: {zh: 测试, en: Test\nlevers: {}\n", encoding="utf-8")
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}:" in err and "YAML syntax" in err


def test_duplicate_keys_are_errors(tmp_path, capsys):
    path = _write(tmp_path, "twice", "levers: {}\nlevers: {}\n")
    code, err = _validate(capsys, path)
    assert code == 2
    assert f"{path}:4: levers: duplicate key" in err


def test_load_scenario_raises_input_error(tmp_path, catalogue):
    path = _write(tmp_path, "bad", "levers:\n  nope: {}\n")
    with pytest.raises(InputError, match=r"bad\.yaml:4: levers\.nope: unknown lever"):
        load_scenario(path, catalogue)


def test_validate_files_returns_problems_without_raising(tmp_path, catalogue):
    path = _write(tmp_path, "bad", "levers:\n  nope: {}\n")
    assert validate_files([SCENARIOS / "no_policy.yaml"], catalogue) == []
    assert len(validate_files([path, path], catalogue)) == 1
