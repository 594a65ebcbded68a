"""Ensembles in this process: seeds, common random numbers, the tables, resuming a stopped batch."""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager

import pandas as pd
import pytest

from model.columns import COLUMNS
from model.errors import InputError
from model.experiments import ensemble
from model.experiments.executor import Executor
from model.experiments.store import PartialBatch, read_results
from model.policy.scenario import load_scenario
from tests.batch_fixtures import ROOT, SCENARIOS, assert_nothing_written, assert_same_tables

SMALL = {"runs": 2, "scale": 500.0, "until": "2022-12", "seed": 11}


@pytest.fixture(scope="module")
def scenarios():
    return [load_scenario(ROOT / path) for path in SCENARIOS]


@pytest.fixture(scope="module")
def small(scenarios):
    return ensemble.run_ensemble(scenarios, **SMALL)


def test_run_seeds_depend_on_batch_seed_and_run_only():
    seeds = ensemble.run_seeds(5, 6)
    assert seeds == ensemble.run_seeds(5, 6)
    assert ensemble.run_seeds(5, 3) == seeds[:3]  # more runs add runs, they change none
    assert len(set(seeds)) == 6 and ensemble.run_seeds(6, 6) != seeds


def test_ensemble_tables_have_exactly_the_file_columns(small):
    for name, table in small.items():
        assert tuple(table.columns) == COLUMNS[name], name
    ts = small.timeseries
    assert len(ts) == 2 * 2 * (1 + 24)  # scenarios x runs x (end-2020 + months)
    assert set(small.by_city["date"].dt.strftime("%Y-%m")) == {"2020-12", "2021-12", "2022-12"}
    assert len(small.summary) == 4
    assert (small.fiscal["scenario"] == "as_enacted").all()


def test_scenarios_share_seeds_and_draws(small):
    start = small.summary.pivot(index="run", columns="scenario", values="start_registered")
    assert (start["no_policy"] == start["as_enacted"]).all()  # common random numbers
    assert start["no_policy"].nunique() == 2  # but runs differ
    no_policy = small.timeseries[small.timeseries["scenario"] == "no_policy"]
    assert (no_policy["cum_fiscal_cost"] == 0).all()


def test_same_seed_same_tables_and_progress_is_reported(scenarios, small):
    calls = []
    again = ensemble.run_ensemble(scenarios, **SMALL, progress=lambda d, n: calls.append((d, n)))
    assert_same_tables(small, again)
    assert calls == [(k, 4) for k in range(1, 5)]


def test_bad_settings_are_input_errors(scenarios):
    for bad in ({"runs": 0}, {"scale": 0.0}, {"until": "2020-05"}, {"until": "abc"}, {"seed": -1}):
        with pytest.raises(InputError):
            ensemble.run_ensemble(scenarios, **(SMALL | bad))


@contextmanager
def _in_process(**_):
    yield Executor()


def test_a_stopped_batch_resumes_to_the_same_results(tmp_path, monkeypatch, small):
    out = tmp_path / "out"
    paths = [ROOT / p for p in SCENARIOS]
    monkeypatch.setattr(ensemble, "open_executor", _in_process)
    real_run, done = ensemble.simulate_run, []

    def stopping_run(*args):
        if len(done) == 3:
            raise KeyboardInterrupt
        done.append(args[:2])
        return real_run(*args)

    monkeypatch.setattr(ensemble, "simulate_run", stopping_run)
    with pytest.raises(KeyboardInterrupt):
        ensemble.run_batch(paths, **SMALL, out=out, quiet=True)
    assert not out.exists()  # never a half-written batch that looks finished
    assert len(list(PartialBatch(out).runs.iterdir())) == 3

    calls = []
    monkeypatch.setattr(ensemble, "simulate_run", lambda *a: calls.append(a) or real_run(*a))
    ensemble.run_batch(paths, **SMALL, out=out, quiet=True, command=["test"])
    assert len(calls) == 1  # only the run that had not finished
    assert_same_tables(out, small)
    assert not PartialBatch(out).folder.exists()
    manifest = read_results(out)[0]
    assert manifest["run_seeds"] == ensemble.run_seeds(SMALL["seed"], SMALL["runs"])
    assert list(manifest["scenarios"]) == ["no_policy", "as_enacted"]
    assert manifest["scenarios"]["as_enacted"]["title_zh"]
    assert len(manifest["start_stock"]["per_run"]) == 2
    assert manifest["start_stock"]["low"] <= manifest["start_stock"]["per_run"][0]
    assert len(manifest["lever_draws"]["as_enacted"]) == 2
    assert set(manifest["packages"]) >= {"python", "numpy", "pandas", "mesa", "dask", "pyarrow"}


def test_a_partial_batch_with_other_settings_is_refused_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    paths = [ROOT / p for p in SCENARIOS]
    partial = PartialBatch(out)
    partial.start({"seed": "something else"})
    before = sorted(p.name for p in partial.folder.rglob("*"))
    with pytest.raises(InputError, match="unfinished batch with other settings"):
        ensemble.run_batch(paths, **SMALL, out=out, quiet=True)
    assert sorted(p.name for p in partial.folder.rglob("*")) == before and not out.exists()


def test_missing_scenario_files_and_duplicate_names_write_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError, match="not found"):
        ensemble.run_batch([tmp_path / "absent.yaml"], **SMALL, out=out, quiet=True)
    path = ROOT / SCENARIOS[0]
    with pytest.raises(InputError, match="is also"):
        ensemble.run_batch([path, path], **SMALL, out=out, quiet=True)
    assert_nothing_written(out)


def test_the_progress_bar_shows_on_a_terminal_only(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream, quiet, shown in ((Terminal(), False, True), (Terminal(), True, False),
                                 (io.StringIO(), False, False)):  # fmt: skip
        monkeypatch.setattr(sys, "stderr", stream)
        with ensemble._progress_bar(4, 1, quiet) as bar:
            bar.update(3)
        assert ("4/4" in stream.getvalue()) is shown


def test_one_run_goes_in_process_and_matches_the_ensemble(tmp_path, scenarios):
    settings = SMALL | {"runs": 1}
    out = ensemble.run_batch([ROOT / SCENARIOS[0]], **settings, out=tmp_path / "one", quiet=True)
    expected = ensemble.run_ensemble(scenarios[:1], **settings)
    assert_same_tables(out, expected)
    assert pd.api.types.is_bool_dtype(read_results(out)[1].summary["doubled"])
