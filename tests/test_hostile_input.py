"""Hostile and careless input (issue 11): every scenario file, however made, is read within bounds
and either resolves or is refused with exit 2 and one line a problem, never a crash or a hang."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import run
from model.errors import InputError
from model.policy.catalogue import load_catalogue
from model.policy.scenario import MAX_EXTENDS, load_scenario, validate_files
from model.policy.yamlfile import MAX_BYTES, MAX_DEPTH

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
HEADER = "title: {zh: 测试, en: Test}\n"
# Nine levels of aliases, nine times each: 9**9 'lol's (billions) from about 500 bytes.
BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
        for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "levers: *i\n"
)


CATALOGUE = load_catalogue()  # not a fixture: the fuzz test would show it with every example


def _write(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"name: {name}\n{HEADER}{body}", encoding="utf-8")
    return path


def _validate(capsys, path: Path | str) -> tuple[int, list[str]]:
    code = run.main(["validate", str(path)])
    return code, capsys.readouterr().err.splitlines()


def _cli_validate(path: Path | str) -> subprocess.CompletedProcess[str]:
    """`run.py validate PATH` in a process of at most 2 GB that must end within 60 s."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "run.py", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
    )


def _refused(result: subprocess.CompletedProcess[str], path: Path | str, message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [f"{path}{message}"], result.stderr


# -- item 1: `lever: off` is the lever off; other non-mappings are errors --------------------


@pytest.mark.parametrize("value", ["off", "false", "no", "Off", "FALSE"])
def test_off_is_intensity_0(tmp_path, value):
    path = _write(tmp_path, "offed", f"levers:\n  credit_guarantee: {value}\n  negative_list:\n")
    assert set(load_scenario(path, CATALOGUE).levers) == {"negative_list"}


def test_off_removes_an_inherited_lever(tmp_path):
    _write(tmp_path, "parent", "levers:\n  credit_guarantee: {intensity: 2}\n  street_life: {}\n")
    child = _write(tmp_path, "child", "extends: parent\nlevers:\n  credit_guarantee: off\n")
    assert set(load_scenario(child, CATALOGUE).levers) == {"street_life"}


@pytest.mark.parametrize(
    ("value", "shown"),
    [("0", "0"), ("''", "''"), ("[]", "[]"), ("on", "True"), ("yes", "True"), ("1", "1")],
)
def test_other_values_than_a_mapping_or_off_are_errors(tmp_path, capsys, value, shown):
    path = _write(tmp_path, "bad", f"levers:\n  credit_guarantee: {value}\n")
    code, err = _validate(capsys, path)
    assert code == 2
    assert err == [f"{path}:4: levers.credit_guarantee: expected a mapping, or `off`, got {shown}"]


# -- item 3: anchors and aliases are refused before they expand -------------------------------


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    path = _write(tmp_path, "bomb", BOMB)
    assert len(BOMB) < 600
    message = ":3: (YAML syntax): anchors and aliases are not supported (&a, *a)"
    _refused(_cli_validate(path), path, message)


@pytest.mark.parametrize(
    "body",
    ["levers: &a [*a]\n", "levers: &a {x: *a}\n", "implementation: &i {fidelity: 0.5}\n"],
    ids=["recursive list", "recursive mapping", "anchor alone"],
)
def test_anchors_and_aliases_are_refused(tmp_path, capsys, body):
    path = _write(tmp_path, "aliased", body)
    code, err = _validate(capsys, path)
    assert code == 2
    assert len(err) == 1 and err[0].startswith(f"{path}:3: (YAML syntax): anchors and aliases")


def test_deep_nesting_is_refused(tmp_path, capsys):
    path = _write(tmp_path, "deep", "levers: " + "{a: " * MAX_DEPTH + "1" + "}" * MAX_DEPTH)
    code, err = _validate(capsys, path)
    assert code == 2
    assert err == [f"{path}:3: (YAML syntax): nested deeper than {MAX_DEPTH} levels"]


# -- item 8: numbers, scalars YAML cannot construct, long chains, files that are not files ----


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("{intensity: 1" + "0" * 400 + "}", ".intensity: expected a number, got 1000"),
        ("{ramp_months: 1" + "0" * 400 + "}", ".ramp_months: 1000000"),
        ("{intensity: 1" + "0" * 5000 + "}", ": (YAML syntax): cannot read '1000"),
        ("{start: 2022-13-01}", ": (YAML syntax): cannot read '2022-13-01' as timestamp"),
        ("{intensity: !!float abc}", ": (YAML syntax): cannot read 'abc' as float"),
    ],
    ids=["10**400", "whole 10**400", "5000 digits", "no such date", "bad float"],
)
def test_values_that_break_numbers_are_one_line(tmp_path, capsys, setting, message):
    path = _write(tmp_path, "huge", f"levers:\n  credit_guarantee: {setting}\n")
    code, err = _validate(capsys, path)
    assert code == 2
    assert len(err) == 1 and err[0].startswith(f"{path}:4: "), err
    assert message in err[0] and len(err[0]) < 400, err


def _chain(folder: Path, length: int) -> Path:
    """Scenarios s0 ... s{length-1}, each extending the next: s0 is the child of them all."""
    for index in range(length):
        parent = f"extends: s{index + 1}\n" if index + 1 < length else ""
        _write(folder, f"s{index}", parent)
    return folder / "s0.yaml"


def test_an_extends_chain_of_max_extends_files_resolves(tmp_path):
    assert load_scenario(_chain(tmp_path, MAX_EXTENDS), CATALOGUE).name == "s0"


def test_a_longer_extends_chain_is_one_line(tmp_path):
    _chain(tmp_path, 1200)
    last = tmp_path / f"s{MAX_EXTENDS - 1}.yaml"
    message = f":3: extends: a chain of more than {MAX_EXTENDS} files, from s0.yaml"
    _refused(_cli_validate(tmp_path / "s0.yaml"), last, message)


def test_a_device_is_not_read():
    _refused(_cli_validate("/dev/zero"), "/dev/zero", ": not a regular file")


def test_a_fifo_is_not_opened(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _refused(_cli_validate(fifo), fifo, ": not a regular file")


def test_a_folder_is_not_a_file(tmp_path, capsys):
    assert _validate(capsys, tmp_path) == (2, [f"{tmp_path}: not a regular file"])


def test_a_large_file_is_not_read(tmp_path, capsys):
    path = _write(tmp_path, "large", "#" * MAX_BYTES + "\n")
    assert _validate(capsys, path) == (
        2,
        [f"{path}: cannot be read (larger than {MAX_BYTES // 1024} kB)"],
    )


# -- fuzz: generated YAML and mutations of the shipped scenarios ------------------------------

KEYS = ["name", "title", "zh", "en", "extends", "levers", "implementation", "fidelity"]
KEYS += ["intensity", "start", "end", "ramp_months", "knobs", "from", "value"]
KEYS += ["credit_guarantee", "street_life", "risk_compensation_permille", "as_enacted", "fuzzed"]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**500)
    | st.floats()
    | st.sampled_from(["2022-01", "2035-12", "2020-13", "2022-13-01", "off", "~", "1e400"])
    | st.text(max_size=20)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=8) | st.integers(), inner, max_size=5
        )
    ),
    max_leaves=25,
)
SHIPPED = {path.name: path.read_text(encoding="utf-8") for path in SCENARIOS.glob("*.yaml")}
YAML_BITS = ["&a ", "*a", "!!python/object ", "!!int ", "<<: ", "{", "}", "[", "]", ": ", "- "]
YAML_BITS += ["\n", "\n  ", "'", '"', "#", "? ", "|", ">", "%YAML 1.1\n", "---\n", "\t", "\\"]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped scenario file with a few slices deleted, replaced or inserted."""
    name = draw(st.sampled_from(sorted(SHIPPED)))
    text = SHIPPED[name]
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        insert = draw(st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=6), max_size=3))
        text = text[:start] + "".join(insert) + text[end:]
    return name, text


def _dumped(value: object) -> tuple[str, str]:
    return "fuzzed.yaml", yaml.safe_dump(value, allow_unicode=True)


FILES = VALUES.map(_dumped) | mutated()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A copy of scenarios/, so that a mutated file's `extends` still finds its parent."""
    copy = tmp_path_factory.mktemp("scenarios")
    for name, text in SHIPPED.items():
        (copy / name).write_text(text, encoding="utf-8")
    return copy


@settings(
    max_examples=200,
    database=None,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=FILES)
def test_any_file_resolves_or_is_refused_in_one_line_a_problem(folder, file):
    name, text = file
    path = folder / name
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        problems = validate_files([path], CATALOGUE)
        try:
            load_scenario(path, CATALOGUE)
            assert problems == []
        except InputError as error:
            assert str(error).splitlines() == problems != []
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        if name in SHIPPED:
            shutil.copyfile(SCENARIOS / name, path)
    assert peak < 64 << 20
    assert all(p.startswith(str(folder)) and "\n" not in p for p in problems)
