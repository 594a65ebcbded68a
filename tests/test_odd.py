"""The ODD protocol (docs/ODD.md), the parameter register (docs/parameters.md) and the validation
notes (docs/validation.md) describe the code as it is: the documented schedule is the model's step,
call by call; every code name, file and test they cite exists; the register covers every base rate
and lever effect and is what `run.py register` writes now."""

from __future__ import annotations

import ast
import builtins
import csv
import importlib
import inspect
import re
import textwrap
from pathlib import Path

import pytest

from model.defaults import PROJECT_ROOT
from model.policy.catalogue import HOOKS, load_catalogue
from model.policy.monthly_rates import FIELD_OF_HOOK, WINDOWS
from model.policy.register import (
    base_rate_entries,
    effect_entries,
    hook_users,
    register_markdown,
)
from model.world.moments import fitted_targets
from model.world.parameters import BASE_RATES_FILE, calibrated_values
from run import main
from tests.batch_fixtures import assert_nothing_written, run_cli
from tests.test_cli_core import one_line_error

DOCS = PROJECT_ROOT / "docs"
ODD, REGISTER, VALIDATION = DOCS / "ODD.md", DOCS / "parameters.md", DOCS / "validation.md"
CALLS = re.compile(r"<!-- calls: ([\w.]+) -->\n(.*?)<!-- end calls -->", re.S)
CODE_NAME = re.compile(r"`((?:world|policy|experiments)\.[A-Za-z_][\w.]*)`")
FILE_NAME = re.compile(r"`((?:model|tests|scenarios|observations|docs|benchmarks)/[\w./*-]+)`")
TEST_NAME = re.compile(r"(tests/test_\w+\.py)::(\w+)")


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def documented_calls(table: str) -> list[str]:
    """The call of each row of a documented schedule: the first code span of its second column."""
    calls = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) > 1 and cells[0].isdigit():
            calls.append(re.match(r"`([^`]+)`", cells[1]).group(1))
    return calls


def calls_in(source: str) -> list[str]:
    """Every call a function's source makes, builtins aside, in the order they are written (an
    outer call before the calls in its arguments)."""
    tree = ast.parse(textwrap.dedent(source))
    found = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and not (isinstance(node.func, ast.Name) and hasattr(builtins, node.func.id))
    ]
    found.sort(key=lambda node: (node.lineno, node.col_offset))
    return [ast.unparse(node.func) for node in found]


def resolve(name: str):
    """The object a code name of the documents (`world.events.register`) refers to in `model`."""
    parts = f"model.{name}".split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            found = getattr(found, attribute)
        return found
    raise ModuleNotFoundError(name)


def schedules() -> dict[str, str]:
    """Documented schedules of ODD.md: the function's code name -> its table."""
    return dict(CALLS.findall(_text(ODD)))


def test_the_odd_documents_the_schedule_of_the_models_step():
    assert "world.model.DoublingModel.step" in schedules()


@pytest.mark.parametrize("function", sorted(schedules()))
def test_every_documented_phase_is_a_call_of_the_function_in_order(function):
    documented = documented_calls(schedules()[function])
    in_code = calls_in(inspect.getsource(resolve(function)))
    assert documented == in_code, (
        f"docs/ODD.md's schedule of {function} differs from the code: update the table to {in_code}"
    )


def test_the_schedule_comparison_sees_a_moved_phase_on_either_side():
    step = inspect.getsource(resolve("world.model.DoublingModel.step"))
    in_code = calls_in(step)
    lines = step.splitlines()
    register = next(i for i, line in enumerate(lines) if "events.register(" in line)
    lines[register], lines[register + 1] = lines[register + 1], lines[register]
    assert calls_in("\n".join(lines)) != in_code
    table = schedules()["world.model.DoublingModel.step"]
    assert documented_calls(table.replace("events.register", "events.enrol")) != in_code


def test_every_code_name_the_documents_cite_exists():
    for path in (ODD, REGISTER, VALIDATION):
        names = set(CODE_NAME.findall(_text(path)))
        assert names or path == VALIDATION
        for name in sorted(names):
            resolve(name)  # raises if the module or an attribute is gone


def test_every_file_the_documents_cite_exists():
    for path in (ODD, REGISTER, VALIDATION):
        for name in sorted(set(FILE_NAME.findall(_text(path)))):
            assert list(PROJECT_ROOT.glob(name)), f"{path.name} cites {name}, which is not there"


def test_every_test_the_validation_notes_cite_exists():
    cited = TEST_NAME.findall(_text(VALIDATION))
    assert len(cited) >= 20
    for file, name in cited:
        tree = ast.parse(_text(PROJECT_ROOT / file))
        tests = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in tests, f"docs/validation.md cites {file}::{name}, which is not there"


def test_the_validation_notes_follow_the_trace_elements():
    headings = re.findall(r"^## (.+)$", _text(VALIDATION), re.M)
    for element in (
        "Data evaluation",
        "Conceptual model evaluation",
        "Implementation verification",
        "Model output verification",
        "Model analysis",
        "Model output corroboration",
    ):
        assert any(h.startswith(element) for h in headings), element


def test_the_readme_links_the_odd_from_its_first_screen():
    first_screen = _text(PROJECT_ROOT / "README.md").splitlines()[:20]
    assert any("(docs/ODD.md)" in line for line in first_screen)


# --- the parameter register --------------------------------------------------------------------


def test_the_register_covers_every_base_rate_and_every_lever_effect():
    with BASE_RATES_FILE.open(encoding="utf-8", newline="") as handle:
        parameters = [row["parameter"] for row in csv.DictReader(handle)]
    rates = base_rate_entries()
    assert [entry.name for entry in rates] == parameters
    catalogue = load_catalogue()
    effects = effect_entries(catalogue)
    assert len(effects) == sum(len(lever.effects) for lever in catalogue.levers.values())
    text = _text(REGISTER)
    for entry in rates + effects:
        assert entry.used_by, f"{entry.name}: no function of the model uses it"
        assert f"| `{entry.name}` |" in text


def test_every_hook_acts_through_a_function_of_the_model():
    users = hook_users()
    fields = {*FIELD_OF_HOOK.values(), WINDOWS}
    fields |= {hook for hook, spec in HOOKS.items() if spec.scope == "global"}
    for field in sorted(fields):
        assert users.get(field), f"nothing in model/world or monthly_rates reads {field}"


def test_the_committed_register_is_what_the_command_writes(tmp_path, capsys):
    out = tmp_path / "parameters.md"
    result = run_cli("register", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert _text(out) == _text(REGISTER), (
        "docs/parameters.md disagrees with the data: run "
        "`uv run python run.py register --out docs/parameters.md`"
    )
    assert main(["register"]) == 0
    assert capsys.readouterr().out == _text(REGISTER)


def test_a_change_of_the_data_shows_in_the_register(tmp_path, catalogue_copy):
    rates = tmp_path / "base_rates.csv"
    rates.write_text(
        _text(BASE_RATES_FILE).replace("reentry_share,0.10,", "reentry_share,0.12,"),
        encoding="utf-8",
    )
    assert "| `reentry_share` | 0.12 |" in register_markdown(base_rates=rates)
    finance = catalogue_copy / "finance.yaml"
    finance.write_text(
        _text(finance).replace("central: 0.90, low: 0.80", "central: 0.91, low: 0.80"),
        encoding="utf-8",
    )
    assert register_markdown(load_catalogue(catalogue_copy)) != _text(REGISTER)


@pytest.mark.parametrize("where", ["missing/parameters.md", "."])
def test_a_register_that_cannot_be_written_there_is_bad_input(tmp_path, where):
    out = tmp_path / where
    result = run_cli("register", "--out", str(out))
    assert "--out" in one_line_error(result)
    if where != ".":
        assert_nothing_written(out)


def test_the_patterns_of_the_odd_are_the_fitted_calibration_targets():
    table = re.search(r"<!-- patterns -->\n(.*?)<!-- end patterns -->", _text(ODD), re.S)
    rows = re.findall(r"^\| `(\w+)` \|.*\| ([\d.]+) \(([\d.]+)–([\d.]+)\) \|$", table[1], re.M)
    documented = {name: tuple(map(float, numbers)) for name, *numbers in rows}
    fitted = {
        name: (target.value, target.low, target.high) for name, target in fitted_targets().items()
    }
    assert documented == fitted


def test_the_constants_of_the_odd_are_those_of_the_code():
    table = re.search(r"<!-- constants -->\n(.*?)<!-- end constants -->", _text(ODD), re.S)
    rows = re.findall(r"^\| `([\w.]+)` \| `([^`]+)` \|", table[1], re.M)
    assert len(rows) >= 5
    for name, value in rows:
        in_code = resolve(name)
        in_code = in_code.tolist() if hasattr(in_code, "tolist") else in_code
        assert in_code == ast.literal_eval(value), name


def test_every_base_rate_has_a_unit_a_source_and_its_values_within_its_range():
    calibrated = calibrated_values()
    for entry in base_rate_entries():
        assert entry.unit.strip() and entry.source.strip(), entry.name
        assert entry.low <= entry.value <= entry.high, entry.name
        if entry.name in calibrated:
            assert entry.low <= calibrated[entry.name] <= entry.high, entry.name
