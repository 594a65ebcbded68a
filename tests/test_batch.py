"""Ensembles in this process: seeds, common random numbers, the tables, resuming a stopped batch."""

from __future__ import annotations

import io
import operator
import os
import sys
from contextlib import contextmanager

import pandas as pd
import pytest

from model.columns import COLUMNS
from model.errors import InputError
from model.experiments import ensemble, executor, simulation, store
from model.experiments.executor import Cluster, Executor
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


def test_stacks_hold_the_same_runs_of_every_scenario_fewer_with_their_variants(scenarios):
    """At scale 200: 50 runs a stack, 33 with their evidence-only variants (a third model held at
    once), within a block of runs; every task in one stack."""
    tasks = ensemble.Settings(120, 200.0, "2025-12", seed=1, evidence_runs=40).tasks(scenarios)
    stacks = ensemble.stacks_of(tasks)
    assert sorted((t.scenario.name, t.run) for s in stacks for t in s) == sorted(
        (t.scenario.name, t.run) for t in tasks
    )
    sizes = []
    for stack in stacks:
        runs = [tuple(t.run for t in stack if t.scenario == s) for s in scenarios]
        assert len(set(runs)) == 1  # the same runs of every scenario
        sizes.append((stack[0].evidence_variant, len(runs[0])))
    assert sorted(sizes) == [(False, 10), (False, 20), (False, 50), (True, 7), (True, 33)]


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
    end = small.summary.pivot(index="run", columns="scenario", values="end_registered")
    assert end["no_policy"].nunique() == 2  # but runs differ
    no_policy = small.timeseries[small.timeseries["scenario"] == "no_policy"]
    assert (no_policy["cum_fiscal_cost"] == 0).all()


def test_each_run_carries_its_evidence_only_variant(small):
    """A run of a scenario with levers simulates, in its own task, its evidence-only variant (the
    same seed, effects sourced `assumption:` neutral): two summary columns, no rows or runs of
    its own. A run without levers is its own variant."""
    summary = small.summary.set_index(["scenario", "run"])
    none = summary.loc["no_policy"]
    assert none["evidence_only_registered"].equals(none["end_registered"])
    enacted = summary.loc["as_enacted"]
    assert (enacted["evidence_only_registered"] < enacted["end_registered"]).all()
    assert (enacted["evidence_only_operating"] > 0).all()
    assert sorted(small.timeseries["scenario"].unique()) == ["as_enacted", "no_policy"]


def test_a_run_and_its_variant_build_one_starting_stock(monkeypatch, scenarios):
    """The variant is the run's model copied when the policies part (2022-01), not a new model."""
    built = []

    class Counted(simulation.DoublingModel):
        def __init__(self, **settings):
            built.append([run.seed for run in settings["runs"]])
            super().__init__(**settings)

    monkeypatch.setattr(simulation, "DoublingModel", Counted)
    task = ensemble.Task(scenarios[1], 0, 5, SMALL["scale"], SMALL["until"], None, True)
    [record] = ensemble.simulate_stack([task])
    assert built == [[5]]
    end = record.timeseries["n_registered"].iloc[-1]
    assert 0 < record.evidence_only["evidence_only_registered"] < end


def test_only_the_first_evidence_runs_simulate_the_variant(tmp_path, monkeypatch, scenarios):
    """`evidence_runs`: the first runs carry the variant, the others NaN in its columns; the runs
    themselves are the same bit for bit, and the share of the gain resting on assumptions is taken
    over the runs with a variant only."""
    settings = SMALL | {"runs": 3, "until": "2025-12"}  # gains of 0.1-0.4 M in every run
    every = ensemble.run_ensemble(scenarios, **settings)  # every run with its variant
    monkeypatch.setattr(ensemble, "open_executor", _in_process)
    paths = [ROOT / p for p in SCENARIOS]
    out = ensemble.run_batch(paths, **settings, evidence_runs=2, out=tmp_path / "two", quiet=True)
    manifest, tables = read_results(out)
    assert manifest["evidence_runs"] == 2
    for name in ("timeseries", "by_city", "fiscal"):  # the runs are the same, bit for bit
        pd.testing.assert_frame_equal(getattr(tables, name), getattr(every, name))
    summary, reference = (t.summary.set_index(["scenario", "run"]) for t in (tables, every))
    variant = "evidence_only_registered"
    first = [("as_enacted", 0), ("as_enacted", 1)]
    assert summary.loc[first, variant].equals(reference.loc[first, variant])
    assert summary.loc[[("as_enacted", 2), ("no_policy", 2)], variant].isna().all()
    end = reference["end_registered"]
    shares = [
        (end[("as_enacted", r)] - reference.loc[("as_enacted", r), variant])
        / (end[("as_enacted", r)] - end[("no_policy", r)])
        for r in (0, 1)
    ]
    comparison = store.comparison_of(out)[0].set_index("scenario")
    shown = comparison.loc["as_enacted", "assumption_share_registered_p50"]
    assert shown == pytest.approx(sum(shares) / 2)  # the median of runs 0 and 1, not of all 3


def test_same_seed_same_tables_and_progress_is_reported(scenarios, small):
    calls = []
    again = ensemble.run_ensemble(scenarios, **SMALL, progress=lambda d, n: calls.append((d, n)))
    assert_same_tables(small, again)
    done = [d for d, n in calls if n == 4]  # runs done, as the months of their stack are simulated
    assert len(done) == len(calls) == 4 and done == sorted(set(done)) and done[-1] == 4


def test_bad_settings_are_input_errors(scenarios):
    for bad in ({"runs": 0}, {"scale": 0.0}, {"until": "2020-05"}, {"until": "abc"}, {"seed": -1}):
        with pytest.raises(InputError):
            ensemble.run_ensemble(scenarios, **(SMALL | bad))


@contextmanager
def _in_process(**_):
    yield Executor()


class _Reversed(Executor):
    """Runs in this process, but hands the results back last first (as a cluster might)."""

    def map_unordered(self, fn, tasks):
        yield from reversed([fn(*args) for args in tasks])


@contextmanager
def _reversed(**_):
    yield _Reversed()


def _files(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.parquet")
            if p.is_file()}  # fmt: skip


def test_a_stopped_batch_resumes_to_the_same_results(tmp_path, monkeypatch, small):
    out = tmp_path / "out"
    paths = [ROOT / p for p in SCENARIOS]
    monkeypatch.setattr(ensemble, "open_executor", _in_process)
    real_run, real_save, saved = ensemble.simulate_stack, PartialBatch.save, []

    def stopping_save(self, name, records):  # stops before the second block is saved
        if saved:
            raise KeyboardInterrupt
        saved.append(name)
        return real_save(self, name, records)

    monkeypatch.setattr(PartialBatch, "save", stopping_save)
    with pytest.raises(KeyboardInterrupt):
        ensemble.run_batch(paths, **SMALL, out=out, quiet=True)
    assert not out.exists()  # never a half-written batch that looks finished
    partial = PartialBatch(out)
    assert [p.name for p in partial.blocks.iterdir()] == ["no_policy-000000"]  # its 2 runs
    kept = os.stat(partial.path("no_policy-000000") / "timeseries.parquet").st_mtime_ns

    monkeypatch.setattr(PartialBatch, "save", real_save)
    calls = []
    monkeypatch.setattr(
        ensemble, "simulate_stack", lambda tasks: calls.extend(tasks) or real_run(tasks)
    )
    ensemble.run_batch(paths, **SMALL, out=out, quiet=True, command=["test"])
    assert [(task.scenario.name, task.run) for task in calls] == [
        ("as_enacted", 0),
        ("as_enacted", 1),
    ]
    published = out / "timeseries.parquet" / "no_policy-000000.parquet"
    assert os.stat(published).st_mtime_ns == kept  # the finished block was not written again
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


def test_blocks_and_the_order_runs_finish_in_change_no_file(tmp_path, monkeypatch, small):
    paths = [ROOT / p for p in SCENARIOS]
    monkeypatch.setattr(ensemble, "open_executor", _in_process)
    whole = ensemble.run_batch(paths, **SMALL, out=tmp_path / "whole", quiet=True)
    monkeypatch.setattr(ensemble, "open_executor", _reversed)
    reversed_order = ensemble.run_batch(paths, **SMALL, out=tmp_path / "reversed", quiet=True)
    assert _files(reversed_order) == _files(whole)

    monkeypatch.setattr(store, "BLOCK_RUNS", 1)  # one file per run, finished last first
    single = ensemble.run_batch(paths, **SMALL, out=tmp_path / "single", quiet=True)
    assert sorted(p.name for p in (single / "fiscal.parquet").iterdir()) == [
        f"{name}-00000{run}.parquet" for name in ("as_enacted", "no_policy") for run in (0, 1)
    ]
    assert_same_tables(single, small)
    assert_same_tables(whole, small)
    manifests = [read_results(folder)[0] for folder in (whole, single)]
    for key in ("start_stock", "lever_draws"):
        assert manifests[0][key] == manifests[1][key]


@pytest.mark.slow
def test_a_cluster_gets_the_tasks_a_few_at_a_time_and_returns_every_result(monkeypatch):
    monkeypatch.setattr(executor, "MIN_IN_FLIGHT", 1)
    monkeypatch.setattr(executor, "IN_FLIGHT_PER_THREAD", 1)  # 2 in flight on 2 workers
    with executor.open_executor(tasks=9, cluster=Cluster(workers=2)) as cluster:
        assert cluster.client is not None
        results = list(cluster.map_unordered(operator.mul, ((k, 3) for k in range(9))))
        assert sorted(results) == [3 * k for k in range(9)]
        with pytest.raises(TypeError):  # a task's error reaches the caller
            list(cluster.map_unordered(operator.mul, [(1, 2), (None, 2), (3, 4)]))


def test_a_partial_batch_with_other_settings_is_refused_untouched(tmp_path, monkeypatch):
    out = tmp_path / "out"
    paths = [ROOT / p for p in SCENARIOS]
    partial = PartialBatch(out)
    partial.start({"seed": "something else"})
    before = sorted(p.name for p in partial.folder.rglob("*"))
    with pytest.raises(InputError, match="unfinished batch with other settings"):
        ensemble.run_batch(paths, **SMALL, out=out, quiet=True)
    assert sorted(p.name for p in partial.folder.rglob("*")) == before and not out.exists()


def test_a_run_of_other_model_code_stops_the_batch(tmp_path, monkeypatch):
    """A worker that loads other model code after the batch began (restarted by its nanny after
    model/ changed) is caught by its first run: nothing of it is kept."""
    monkeypatch.setattr(ensemble, "code_loaded", lambda: "other")
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="ran other model code"):
        ensemble.run_batch(
            [ROOT / p for p in SCENARIOS], **SMALL, out=out, cluster=Cluster(workers=1), quiet=True
        )
    assert not out.exists() and not PartialBatch(out).folder.exists()  # nothing kept, no folder


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
        with ensemble.progress_bar(4, 1, quiet) as bar:
            bar.update(3)
        assert ("4/4" in stream.getvalue()) is shown


def test_one_run_goes_in_process_and_matches_the_ensemble(tmp_path, scenarios):
    settings = SMALL | {"runs": 1}
    out = ensemble.run_batch([ROOT / SCENARIOS[0]], **settings, out=tmp_path / "one", quiet=True)
    expected = ensemble.run_ensemble(scenarios[:1], **settings)
    assert_same_tables(out, expected)
    assert pd.api.types.is_bool_dtype(read_results(out)[1].summary["doubled"])
