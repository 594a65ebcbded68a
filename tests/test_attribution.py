"""Shapley attribution and cost-effectiveness (`run.py attribute`): the maths on games with known
values, real runs at a coarse scale through the command line and in this process, resuming."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.columns import ATTRIBUTION_COLUMNS, OUTCOMES
from model.defaults import DEADLINE, NO_POSTERIOR
from model.errors import InputError
from model.experiments import shapley
from model.experiments.attribution import (
    WORK,
    Players,
    attribute,
    attribution_tables,
    coalition_stacks,
    coalition_tasks,
    end_values,
    players_of,
    simulate_coalitions,
)
from model.experiments.cost_effectiveness import lead_departments
from model.experiments.ensemble import Settings
from model.experiments.executor import Cluster
from model.experiments.simulation import simulate
from model.policy.scenario import LeverSetting, load_scenario
from tests.batch_fixtures import ROOT, assert_nothing_written, project_env, run_cli, stop_process
from tests.test_cli_core import one_line_error

# Four levers in three families: 8 coalitions of families, 16 of levers. Scale 5000: about 0.1 s a
# simulation here, 520 simulated entities at the start at least (MIN_START_ROWS: 500).
SCENARIO = """\
name: four_levers
title: {zh: 四项措施, en: Four levers}
levers:
  registration_ease: {intensity: 1}
  first_time_founders: {intensity: 1}
  credit_guarantee: {intensity: 1}
  bank_credit: {intensity: 1}
"""
SETTINGS = ["--runs=3", "--scale=5000", "--seed=11", "--posterior=none"]
IN_PROCESS = "--workers=1"
TABLES = (*ATTRIBUTION_COLUMNS, "cost_effectiveness")


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "four_levers.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def _attribute(scenario: Path, out: Path, *options: str) -> subprocess.CompletedProcess:
    return run_cli("attribute", str(scenario), *SETTINGS, f"--out={out}", "--quiet", *options)


@pytest.fixture(scope="module")
def family_folder(scenario_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("family") / "out"
    result = _attribute(scenario_file, out, IN_PROCESS)
    assert result.returncode == 0, result.stderr
    assert "fiscal_tax" in result.stdout and "yuan/extra operating" in result.stdout
    printed = (out / "attribution.txt").read_text(encoding="utf-8")
    assert printed in result.stdout
    return out


@pytest.fixture(scope="module")
def lever_folder(scenario_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lever") / "out"
    result = _attribute(scenario_file, out, "--level=lever", "--permutations=3", IN_PROCESS)
    assert result.returncode == 0, result.stderr
    return out


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES}


# --- the maths -------------------------------------------------------------------------------


def _game(worth) -> dict[int, np.ndarray]:
    """The values of every coalition of three players, `worth(members)` an array of outcomes."""
    return {
        mask: np.asarray(worth([i for i in range(3) if mask >> i & 1]), dtype=float)
        for mask in range(8)
    }


def _glove_and_majority(members: list[int]) -> list[float]:
    """Two games at once: gloves (players 0 and 1 hold a left glove, 2 a right one: a pair is
    worth 1) and the weighted majority [3; 2, 1, 1]."""
    gloves = min(len({0, 1} & set(members)), int(2 in members))
    weights = {0: 2, 1: 1, 2: 1}
    return [gloves, float(sum(weights[i] for i in members) >= 3)]


def test_exact_shapley_values_of_known_games():
    found = shapley.exact(_game(_glove_and_majority), 3)
    expected = [[1 / 6, 2 / 3], [1 / 6, 1 / 6], [2 / 3, 1 / 6]]  # [player, game]
    np.testing.assert_allclose(found, expected, rtol=0, atol=1e-12)


def test_sampled_values_add_up_in_every_sample_and_equal_the_exact_ones_over_all_orders():
    game = _game(_glove_and_majority)
    every_order = shapley.Orders(np.array(list(itertools.permutations(range(3)))))
    found, errors = every_order.estimate(game)
    np.testing.assert_allclose(found, shapley.exact(game, 3), rtol=0, atol=1e-12)
    assert (errors > 0).all()  # the orders disagree: their spread is the sampling error
    two = shapley.Orders.draw(3, 2, np.random.default_rng(1))
    assert set(two.coalitions()) <= set(range(8)) and {0, 7} <= set(two.coalitions())
    sampled, _ = two.estimate(game)
    np.testing.assert_allclose(sampled.sum(axis=0), game[7] - game[0], rtol=0, atol=1e-12)
    more = shapley.Orders.draw(3, 5, np.random.default_rng(1))
    assert (more.orders[:2] == two.orders).all()  # more orders extend, never redraw, the first


def test_the_summary_over_runs_ranks_only_values_told_apart_from_zero():
    runs = {"a": [1.0, 2.0, 3.0], "b": [-1.0, 0.0, 2.0], "c": [5.0, 6.0, 7.0]}
    long = pd.DataFrame(
        [
            {"level": "lever", "player": p, "outcome": "registered", "run": r, "value": v,
             "permutation_se": 0.1}
            for p, values in runs.items() for r, v in enumerate(values)
        ]
    )  # fmt: skip
    summary = shapley.summarize(long).set_index("player")
    t_2 = 2.919986  # Student's t, 95 % quantile, 2 degrees of freedom
    np.testing.assert_allclose(summary.loc["a", "standard_error"], 1 / np.sqrt(3))
    np.testing.assert_allclose(summary.loc["a", "low"], 2 - t_2 / np.sqrt(3), rtol=1e-6)
    np.testing.assert_allclose(summary.loc["a", "permutation_se"], np.sqrt(3 * 0.01) / 3)
    assert summary["distinct"].to_dict() == {"a": True, "b": False, "c": True}
    assert summary["rank"].fillna(0).to_dict() == {"a": 2, "b": 0, "c": 1}
    assert summary.loc["a", "p50"] == 2.0


# --- real runs in this process ---------------------------------------------------------------


def _in_process(scenario, players: Players, runs: int = 2, permutations: int = 3) -> dict:
    settings = Settings(runs, 5000.0, DEADLINE, 5, NO_POSTERIOR)
    tasks = coalition_tasks(scenario, players, settings, permutations)
    stacks = coalition_stacks(tasks)
    coalitions = pd.concat([r.values for stack in stacks for r in simulate_coalitions(*stack)])
    return attribution_tables(players, settings.seeds, permutations, coalitions)


def _by_player(table: pd.DataFrame) -> pd.DataFrame:
    return table.pivot_table(index=["run", "outcome"], columns="player", values="value")


def test_each_coalition_runs_as_its_own_scenario_would(scenario_file):
    """A task's coalitions of several runs, simulated in one stack from a shared no-policy model,
    give `simulate` of each coalition's scenario in each run bit for bit (same seed: common random
    numbers); the grand coalition's run is the package's."""
    scenario = load_scenario(scenario_file)
    players = players_of(scenario, "family")
    masks = (0, 1, 6, players.grand)
    scenarios = [players.coalition(scenario, mask) for mask in masks]
    runs, seeds, draws = (3, 8), (9, 10), ({"policy_responsiveness": 1.3}, None)
    results = simulate_coalitions(scenario, players, masks, 0, runs, seeds, 5000, DEADLINE, draws)
    assert [result.run for result in results] == list(runs)
    for result, seed, values in zip(results, seeds, draws, strict=True):
        for mask, restricted in zip(masks, scenarios, strict=True):
            alone = simulate(restricted, seed=seed, scale=5000, until=DEADLINE, parameters=values)
            row = result.values.set_index("coalition").loc[mask]
            for outcome, value in end_values(alone.timeseries).items():
                assert row[outcome] == value, (mask, outcome)
            if mask == players.grand:
                pd.testing.assert_frame_equal(result.package.fiscal, alone.fiscal, check_exact=True)
    assert [len(s.levers) for s in scenarios] == [0, 1, 3, 4]  # 1: easier_opening, 6: the rest


def test_runs_with_the_same_coalitions_are_stacked():
    """Family level: every run simulates the same coalitions, so a task holds a chunk of them for
    as many runs as a stack holds; lever level: each run its own orders, a run a task."""
    scenario = load_scenario(ROOT / "scenarios" / "as_enacted.yaml")
    settings = Settings(3, 5000.0, DEADLINE, 5, NO_POSTERIOR)
    for level, runs_per_task in (("family", 3), ("lever", 1)):
        tasks = coalition_tasks(scenario, players_of(scenario, level), settings, 2)
        stacks = coalition_stacks(tasks)
        assert {len(stack.runs) for stack in stacks} == {runs_per_task}, level
        kept = sorted((run, stack.chunk) for stack in stacks for run in stack.runs)
        assert kept == sorted((task.run, task.chunk) for task in tasks)


def test_identical_players_get_identical_values(scenario_file):
    """Players a and b hold the same lever: whatever the others do, either adds what the other
    adds (symmetric players), so their values are equal in every run, and not zero."""
    scenario = load_scenario(scenario_file)
    levers = (("registration_ease",), ("registration_ease",), ("credit_guarantee",))
    players = Players("family", ("a", "b", "c"), levers)
    values = _by_player(_in_process(scenario, players)["attribution"])
    pd.testing.assert_series_equal(values["a"], values["b"], check_names=False, check_exact=True)
    assert (values.xs("registered", level="outcome")["a"] != 0).all()


def test_a_lever_at_intensity_0_gets_exactly_0_and_the_values_add_up(scenario_file):
    scenario = load_scenario(scenario_file)
    off = {"shell_cleanup": LeverSetting(intensity=0.0)}  # a null player
    scenario = dataclasses.replace(scenario, levers=scenario.levers | off)
    tables = _in_process(scenario, players_of(scenario, "lever"))
    values = _by_player(tables["attribution"])
    assert (values["shell_cleanup"] == 0).all()
    assert (values.drop(columns="shell_cleanup").abs().sum(axis=1) > 0).any()
    _assert_efficient(tables["attribution"], tables["coalitions"])


# --- the command line ------------------------------------------------------------------------


def _assert_efficient(attribution: pd.DataFrame, coalitions: pd.DataFrame) -> None:
    """Per run and outcome, the values sum to the grand coalition's gain over the empty one."""
    sums = attribution.groupby(["run", "outcome"])["value"].sum().unstack()[list(OUTCOMES)]
    ends = coalitions.groupby("run")
    gain = ends.apply(lambda r: r.loc[r["coalition"].idxmax(), list(OUTCOMES)]) - ends.apply(
        lambda r: r.loc[r["coalition"].idxmin(), list(OUTCOMES)]
    )
    np.testing.assert_allclose(sums.to_numpy(), gain.to_numpy(), rtol=1e-9, atol=1e-6)


def test_family_values_add_up_to_the_scenario_gain_over_its_paired_no_policy_run(
    family_folder, scenario_file
):
    tables = _tables(family_folder)
    for name, columns in ATTRIBUTION_COLUMNS.items():
        assert tuple(tables[name].columns) == columns
    assert set(tables["attribution"]["player"]) == {"easier_opening", "fiscal_tax", "finance"}
    assert len(tables["coalitions"]) == 3 * 8
    _assert_efficient(tables["attribution"], tables["coalitions"])
    # ... the ends being the scenario's and no policy's own runs with the run's seed
    manifest = json.loads((family_folder / "manifest.json").read_text("utf-8"))
    scenario = load_scenario(scenario_file)
    last = tables["coalitions"][tables["coalitions"]["run"] == 2].set_index("coalition")
    for mask, run_of in ((0, None), (7, scenario)):
        alone = simulate(run_of, seed=manifest["run_seeds"][2], scale=5000, until=DEADLINE)
        assert last.loc[mask, list(OUTCOMES)].to_dict() == end_values(alone.timeseries)
    assert manifest["attribution"]["players"]["finance"] == ["credit_guarantee", "bank_credit"]


def test_lever_values_report_their_sampling_error_and_rank_only_the_distinct(lever_folder):
    tables = _tables(lever_folder)
    _assert_efficient(tables["attribution"], tables["coalitions"])
    summary = tables["attribution_summary"]
    assert (summary["permutation_se"].dropna() >= 0).all()
    assert (summary["permutation_se"] > 0).any()
    distinct = summary["distinct"]
    assert summary.loc[~distinct, "rank"].isna().all()
    assert ((summary["low"] <= 0) & (summary["high"] >= 0) == ~distinct).all()
    for _, ranks in summary[distinct].groupby("outcome")["rank"]:
        assert sorted(ranks) == list(range(1, len(ranks) + 1))
    doubled = summary[summary["outcome"] == "doubled"]  # four levers double nothing
    assert (doubled["mean"] == 0).all() and not doubled["distinct"].any()


def test_cost_effectiveness_by_lever_and_lead_department(lever_folder):
    tables = _tables(lever_folder)
    table = tables["cost_effectiveness"].set_index(["by", "key"])
    fiscal = tables["package_fiscal"]
    paid = fiscal.groupby("lever")["cum_fiscal_cost"].sum() / 3
    assert table.loc[("lever", "registration_ease"), "fiscal_cost_mean"] == paid.get(
        "registration_ease", 0.0
    )
    np.testing.assert_allclose(
        table.loc[("lever", "credit_guarantee"), "fiscal_cost_mean"], paid["credit_guarantee"]
    )
    lead = lead_departments()
    means = tables["attribution_summary"].set_index(["player", "outcome"])["mean"]
    for department in {lead[lever] for lever in ("credit_guarantee", "bank_credit")}:
        mine = [lv for lv in ("credit_guarantee", "bank_credit") if lead[lv] == department]
        expected = sum(means[(lever, "operating")] for lever in mine)
        got = table.loc[("department", department), "additional_operating_mean"]
        np.testing.assert_allclose(got, expected)
    row = table.loc[("lever", "credit_guarantee")]
    runs = tables["attribution"].query("player == 'credit_guarantee' and outcome == 'operating'")
    cost = fiscal.query("lever == 'credit_guarantee'").set_index("run")["cum_fiscal_cost"]
    per_run = cost / runs.set_index("run")["value"]
    if (runs["value"] > 0).all():
        np.testing.assert_allclose(row["cost_per_additional_operating_p50"], per_run.median())


def test_the_dashboard_reads_the_folder_or_learns_which_command_writes_one(family_folder, tmp_path):
    import model.experiments as api  # the dashboard's only way in

    attribution = api.read_attribution(family_folder)
    assert attribution.level == "family"
    assert set(attribution.ends["player"]) == set(api.ENDS)
    players = attribution.manifest["attribution"]["players"]
    assert set(attribution.summary["player"]) == set(players)
    assert set(attribution.cost_effectiveness["key"]) >= set(players)
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")  # a batch's folder, say
    with pytest.raises(
        api.InputError, match=r"no attribution results: `uv run python run.py attribute"
    ):
        api.read_attribution(tmp_path)


@pytest.mark.slow
def test_the_default_local_dask_cluster_gives_the_same_results(
    family_folder, scenario_file, tmp_path
):
    """Two worker processes, tasks finishing in any order: the same tables as in one process."""
    out = tmp_path / "out"
    result = _attribute(scenario_file, out)
    assert result.returncode == 0, result.stderr
    for name, table in _tables(out).items():
        pd.testing.assert_frame_equal(table, _tables(family_folder)[name], check_exact=True)


def test_an_interrupted_attribution_resumes_to_the_same_results(
    lever_folder, scenario_file, tmp_path
):
    out = tmp_path / "out"
    command = [sys.executable, "run.py", "attribute", str(scenario_file), *SETTINGS,
               f"--out={out}", "--quiet", "--level=lever", "--permutations=3", IN_PROCESS]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=project_env())
    values = out / WORK / "values"
    deadline = time.monotonic() + 60
    while not any(values.glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.02)
    stop_process(process, timeout=0)
    kept = sorted(values.glob("*.parquet"))
    assert 1 <= len(kept) < 3, "expected an attribution stopped after one of its three tasks"
    assert not (out / "attribution.parquet").exists()
    assert process.returncode != 0
    result = _attribute(scenario_file, out, "--level=lever", "--permutations=3", IN_PROCESS)
    assert result.returncode == 0, result.stderr
    assert not (out / WORK).exists()
    for name, table in _tables(out).items():
        pd.testing.assert_frame_equal(table, _tables(lever_folder)[name], check_exact=True)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        (["--level=article"], "--level"),
        (["--permutations=0"], "--permutations"),
        (["--scale=99999"], "--scale"),  # the other batch options: tests/test_cli_batch.py
    ],
)
def test_bad_options_exit_2_naming_the_option(scenario_file, tmp_path, options, named):
    out = tmp_path / "out"
    result = run_cli("attribute", str(scenario_file), f"--out={out}", *options)
    assert named in one_line_error(result)
    assert_nothing_written(out)


def test_a_missing_scenario_exits_2_naming_the_file(tmp_path):
    out = tmp_path / "out"
    missing = run_cli("attribute", "scenarios/nonexistent.yaml", f"--out={out}")
    assert "nonexistent.yaml" in one_line_error(missing)
    assert_nothing_written(out)


def _attribute_here(scenario: Path, out: Path) -> Path:
    return attribute(
        scenario, level="family", runs=1, permutations=1, scale=5000, seed=1,
        posterior=NO_POSTERIOR, out=out, cluster=Cluster(workers=1), quiet=True,
    )  # fmt: skip


def test_no_lever_another_folder_or_other_settings_are_refused(scenario_file, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(InputError, match="no_policy.* switches no lever on"):
        _attribute_here(ROOT / "scenarios" / "no_policy.yaml", out)
    assert_nothing_written(out)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="not replaced"):
        _attribute_here(scenario_file, other)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    unfinished = tmp_path / "unfinished"
    (unfinished / WORK).mkdir(parents=True)
    (unfinished / WORK / "identity.json").write_text('{"runs": 99}', encoding="utf-8")
    with pytest.raises(InputError, match=r"other settings \(.*runs"):
        _attribute_here(scenario_file, unfinished)
