"""Observation files (issue 12): the shipped Shanxi counts load, and every bad file is refused with
exit 2 and one line a problem naming the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

import run
from model.columns import STOCKS
from model.errors import InputError
from model.policy.observations import load_observations
from model.policy.yamlfile import MAX_BYTES
from tests.batch_fixtures import run_cli

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "observations" / "shanxi.csv"
HEADER = "date,quantity,bound,value,sd,source,note\n"
GOOD = "2022-07-31,n_registered,>=,3640000,,China Daily Shanxi 2022-09-08,\n"


def _file(folder: Path, *rows: str, header: str = HEADER) -> Path:
    path = folder / "observed.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def _validate(capsys, path: Path | str) -> tuple[int, list[str]]:
    code = run.main(["validate", str(path)])
    return code, capsys.readouterr().err.splitlines()


def test_the_shipped_file_loads():
    observations = load_observations(SHIPPED)
    assert [(o.quantity, o.bound, o.value) for o in observations] == [
        ("n_registered", ">=", 3_640_000),
        ("n_enterprise", ">=", 906_000),
        ("n_individual", "=", 2_550_000),
    ]
    assert all(o.date == "2022-07-31" and "chinadaily.com.cn" in o.source for o in observations)
    assert {o.quantity for o in observations} <= set(STOCKS)
    assert observations[0].spread == pytest.approx(0.02 * 3_640_000)  # the default sd


def test_the_cli_validates_and_shows_the_shipped_file():
    result = run_cli("validate", str(SHIPPED), "scenarios/no_policy.yaml", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1 scenario file(s) valid", "1 observation file(s) valid"]
    shown = run_cli("observations", str(SHIPPED), timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "3,640,000" in shown.stdout and "72,800" in shown.stdout


def test_optional_columns_and_a_byte_order_mark(tmp_path):
    path = _file(
        tmp_path, "2021-02-28,n_operating,5,s\n", header="\ufeffdate,quantity,value,source\n"
    )
    (observation,) = load_observations(path)
    assert (observation.bound, observation.sd, observation.note) == ("=", None, "")


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("2022-07-31,n_registred,=,1,,s,", "quantity: unknown quantity 'n_registred'; expected"),
        ("2020-12-31,n_registered,=,1,,s,", "date: 2020-12-31 is outside 2021-01..2035-12"),
        ("2036-01-31,n_registered,=,1,,s,", "date: 2036-01-31 is outside 2021-01..2035-12"),
        (
            "2022-07-30,n_registered,=,1,,s,",
            "date: 2022-07-30 is not a month end (expected 2022-07-31)",
        ),
        ("2022-07,n_registered,=,1,,s,", "date: expected a date YYYY-MM-DD, got '2022-07'"),
        ("2022-07-31,n_registered,=,-5,,s,", "value: expected a count of 0 or more, got -5"),
        ("2022-07-31,n_registered,=,nan,,s,", "value: expected a finite number, got nan"),
        ("2022-07-31,n_registered,=,many,,s,", "value: expected a number, got 'many'"),
        ("2022-07-31,n_registered,>,1,,s,", "bound: unknown bound '>'; expected one of: =, >=, <="),
        ("2022-07-31,n_registered,=,1,-1,s,", "sd: expected a count of 0 or more, got -1"),
        ("2022-07-31,n_registered,=,1,,,", "source: missing (required)"),
        ("2022-07-31,n_registered,=,1,,s", "(top level): expected 7 cells (the header's), got 6"),
    ],
)
def test_a_bad_row_is_one_line_naming_file_line_and_column(tmp_path, capsys, row, says):
    path = _file(tmp_path, GOOD, row + "\n")
    code, err = _validate(capsys, path)
    assert code == 2 and len(err) == 1 and err[0].startswith(f"{path}:3: {says}"), err


def test_duplicate_rows_are_named_at_the_second(tmp_path, capsys):
    path = _file(tmp_path, GOOD, "\n", GOOD.replace("3640000", "3700000"))
    expected = f"{path}:4: quantity: n_registered at 2022-07-31 is already given at line 2"
    assert _validate(capsys, path) == (2, [expected])


def test_missing_and_unknown_columns_are_named_at_the_header(tmp_path, capsys):
    path = _file(tmp_path, "2022-07-31,1,s,x\n", header="date,value,source,city\n")
    assert _validate(capsys, path) == (
        2,
        [
            f"{path}:1: quantity: missing column (required)",
            f"{path}:1: city: unknown column; expected each of: date, quantity, bound, value, sd, "
            "source, note",
        ],
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", ":1: (top level): no header line; expected the columns date, quantity, bound, value"),
        (HEADER, ":1: (top level): no observations (a header line only)"),
        (HEADER + GOOD + '2022-08-31,n_registered,=,1,,"s\n', ":3: (CSV syntax): unexpected end"),
    ],
)
def test_an_empty_or_broken_file_is_one_line(tmp_path, capsys, text, says):
    path = tmp_path / "observed.csv"
    path.write_text(text, encoding="utf-8")
    code, err = _validate(capsys, path)
    assert code == 2 and len(err) == 1 and err[0].startswith(f"{path}{says}"), err


def test_a_device_or_a_large_file_is_refused_unread(tmp_path, capsys):
    result = run_cli("validate", "/dev/zero.csv", "/dev/zero", timeout=60)
    assert result.returncode == 2
    assert "/dev/zero: not a regular file" in result.stderr.splitlines()
    large = _file(tmp_path, GOOD * (MAX_BYTES // len(GOOD) + 1))
    code, err = _validate(capsys, large)
    assert code == 2 and err == [f"{large}: cannot be read (larger than 256 kB)"]


def test_the_cli_refuses_a_bad_file_with_exit_2_and_one_line_a_problem(tmp_path):
    path = _file(tmp_path, "2020-12-31,n_registered,=,1,,s,\n", "2022-07-31,n_shells,=,1,,s,\n")
    result = run_cli("validate", str(path), timeout=60)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{path}:2: date: 2020-12-31 is outside 2021-01..2035-12",
        f"{path}:3: quantity: unknown quantity 'n_shells'; expected one of: {', '.join(STOCKS)}",
    ]
    shown = run_cli("observations", str(path), timeout=60)
    assert shown.returncode == 2 and shown.stderr.startswith(f"error: {path}:2: date:")


def test_load_observations_raises_every_problem(tmp_path):
    path = _file(
        tmp_path, "2022-07-31,n_registered,=,-1,,s,\n", "2022-06-15,n_registered,=,1,,s,\n"
    )
    with pytest.raises(InputError) as error:
        load_observations(path)
    assert str(error.value).splitlines() == [
        f"{path}:2: value: expected a count of 0 or more, got -1",
        f"{path}:3: date: 2022-06-15 is not a month end (expected 2022-06-30)",
    ]
