"""The search of the cheapest mix that doubles (run.py optimise, model/experiments/optimisation.py):
the catalogue's bounds, the search on a toy objective with a known optimum, resuming, the command
end to end with real runs (every reported mix verified by its own batch, the scenarios written,
validated and run), and bad options."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from scipy.stats import norm

from model.defaults import DEFAULT_POSTERIOR, NO_POSTERIOR
from model.errors import InputError
from model.experiments.optimisation import (
    JOURNAL,
    Choice,
    Effort,
    Evaluation,
    Goal,
    Space,
    answer,
    open_study,
    pareto_front,
    parse_bound,
    points_of,
    search,
    space_of,
    to_verify,
)
from model.experiments.store import read_manifest
from model.policy.catalogue import load_catalogue
from tests.batch_fixtures import run_cli

# --- the catalogue's bounds ------------------------------------------------------------------


def test_every_lever_declares_reasoned_bounds_that_contain_the_document():
    for lever in load_catalogue().levers.values():
        bounds = lever.bounds
        assert bounds.low <= 1 <= bounds.high <= 3, lever.id
        assert "2022-01" <= bounds.earliest_start <= lever.start, lever.id
        assert bounds.source.startswith(("derived:", "assumption:")), lever.id


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("      high: 2\n", "      high: 3.5\n", r"bounds\.high: 3\.5 is outside \[1, 3\]"),
        (
            "      high: 2\n",
            "      high: 2\n      earliest_start: 2021-06\n",
            r"bounds\.earliest_start: 2021-06 is before the document took effect",
        ),
        (
            "      high: 2\n",
            "      high: 2\n      earliest_start: 2023-01\n",
            r"bounds\.earliest_start: 2023-01 is after the lever's start 2022-01",
        ),
        ("      high: 2\n", "      low: -1\n      high: 2\n", r"bounds\.low: -1 is outside"),
        ("      high: 2\n", "", r"bounds\.high: missing"),
    ],
)
def test_bad_bounds_are_named(catalogue_copy, old, new, expected):
    path = catalogue_copy / "finance.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError, match=expected) as error:
        load_catalogue(catalogue_copy)
    assert "finance.yaml" in str(error.value)


def test_bounds_keep_every_effect_in_its_hooks_range(catalogue_copy):
    """assessment_pressure's shells (a share of the gap, at most 1) at 0.5 could not be tripled."""
    path = catalogue_copy / "implementation.yaml"
    text = path.read_text(encoding="utf-8")
    old = "value: {central: 0.01, low: 0.0, high: 0.04}"
    path.write_text(text.replace(old, "value: {central: 0.5, low: 0.0, high: 0.6}"), "utf-8")
    with pytest.raises(InputError, match=r"bounds\.high: at intensity 3 the shell_registrations"):
        load_catalogue(catalogue_copy)


# --- the search on a toy objective ------------------------------------------------------------

TOY = Space(
    (
        Choice("cheap_strong", "one", 0.0, 2.0, ("2022-01",)),
        Choice("dear_strong", "one", 0.0, 2.0, ("2022-01",)),
        Choice("useless", "two", 0.0, 2.0, ("2022-01", "2022-07")),
    )
)


def toy_evaluate(mixes):
    """A known optimum: P = Φ((a + b/2 - 1.5) / 0.1), cost 100 a + 300 b + 50 c (亿元); b above
    1 brings entities that do not operate. The cheapest mix with P >= 0.8 is a = 1.6 (0.1 steps),
    b = c = 0: cost 160 亿元."""
    evaluations = []
    for mix in mixes:
        a, b, c = (
            mix.levers.get(k, (0.0, ""))[0] for k in ("cheap_strong", "dear_strong", "useless")
        )
        p = float(norm.cdf((a + b / 2 - 1.5) / 0.1))
        share = 0.8 - 0.1 * max(0.0, b - 1.0) * 2
        evaluations.append(Evaluation((100 * a + 300 * b + 50 * c) * 1e8, p, p, share))
    return evaluations


def toy_study(folder: Path, seed: int = 3) -> optuna.Study:
    return open_study(folder, {"toy": True}, seed)


def test_the_search_finds_the_cheapest_mix_of_a_toy_objective(tmp_path):
    study = toy_study(tmp_path)
    search(study, TOY, toy_evaluate, Goal(), trials=120)
    front = pareto_front(points_of(study))
    chosen = to_verify(front, target_p=0.8)
    cheapest = next(p for p in chosen if p.evaluation.p_doubled >= 0.8)
    assert cheapest.evaluation.cost <= 1.1 * 160e8, cheapest
    assert cheapest.mix.levers["cheap_strong"][0] == pytest.approx(1.6, abs=0.15)
    assert "dear_strong" not in cheapest.mix.levers or cheapest.mix.levers["dear_strong"][0] <= 0.2
    # the front is feasible (operating share >= 0.7) and costs rise with P along it
    assert all(p.evaluation.operating_share >= 0.7 for p in front)
    costs, ps = (np.array([getattr(p.evaluation, k) for p in front]) for k in ("cost", "p_doubled"))
    assert (np.diff(costs) >= 0).all() and (np.diff(ps) > 0).all()
    assert len(chosen) <= 4 and chosen[-1].trial == front[-1].trial  # the highest P verified too


def test_the_same_seed_gives_the_same_search(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    studies = [toy_study(tmp_path / name) for name in ("a", "b")]
    for study in studies:
        search(study, TOY, toy_evaluate, Goal(), trials=12)
    first, second = ([(t.params, t.values) for t in s.trials] for s in studies)
    assert first == second


def test_an_interrupted_search_resumes_the_same_study(tmp_path):
    calls = []

    def interrupted(mixes):
        calls.append(len(mixes))
        if len(calls) == 3:
            raise KeyboardInterrupt
        return toy_evaluate(mixes)

    study = toy_study(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        search(study, TOY, interrupted, Goal(), trials=20)
    running = study.get_trials(states=[optuna.trial.TrialState.RUNNING])
    assert len(points_of(study)) == 8 and len(running) == 4

    resumed = toy_study(tmp_path)  # a new process would open the journal the same way
    assert resumed._study_id == study._study_id
    search(resumed, TOY, toy_evaluate, Goal(), trials=20)
    complete = resumed.get_trials(states=[optuna.trial.TrialState.COMPLETE])
    assert len(complete) == 20
    assert [t.params for t in complete[8:12]] == [t.params for t in running]  # cut off, rerun
    with pytest.raises(InputError, match=r"--out .*other settings \(other, toy\)"):
        open_study(tmp_path, {"other": 1}, 3)


def test_the_answer_names_the_cheapest_mix_meeting_the_target_or_says_it_is_not_reachable():
    verified = pd.DataFrame(
        {
            "scenario": ["mix_1", "mix_2", "mix_3"],
            "runs": [100] * 3,
            "p_doubled": [0.1, 0.85, 0.9],
            "p_doubled_p05": [0.06, 0.79, 0.85],
            "p_doubled_p95": [0.16, 0.9, 0.94],
            "fiscal_cost": [1e9, 3e9, 5e9],
            "ratio": [1.9, 2.05, 2.1],
            "operating_share": [0.75] * 3,
            "path": ["a.yaml", "b.yaml", "c.yaml"],
        }
    )
    assert answer(Goal(0.8), verified).startswith(
        "Cheapest mix meeting P(doubled) >= 80% (operating share at least 70%): mix_2 (b.yaml), "
        "fiscal cost 30.0 亿元, P(doubled) 85% (90 % interval 79%-90%)"
    )
    below_the_floor = verified.assign(operating_share=[0.75, 0.69, 0.75])
    assert "mix_3 (c.yaml), fiscal cost 50.0 亿元" in answer(Goal(0.8), below_the_floor)
    assert answer(Goal(0.95), verified).startswith(
        "Not reachable: no mix within the catalogue's bounds (operating share at least 70%) "
        "reaches P(doubled) >= 95%. The best verified is mix_3 (c.yaml): P(doubled) 90%"
    )


# --- the command, end to end with real runs ---------------------------------------------------

SMALL = ["--trials", "4", "--runs-per-trial", "2", "--verify-runs", "3", "--scale", "5000"]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """A small search on 2 local Dask workers, then the same command with more trials."""
    out = tmp_path_factory.mktemp("optimise") / "search"
    first = run_cli("optimise", *SMALL, "--out", str(out), timeout=300)
    assert first.returncode == 0, first.stderr
    before = optuna.load_study(study_name="optimise", storage=_storage(out)).trials
    more = [*SMALL[:1], "6", *SMALL[2:]]
    second = run_cli("optimise", *more, "--out", str(out), "--workers", "1", timeout=300)
    assert second.returncode == 0, second.stderr
    return out, first, before, second


def _storage(out: Path):
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    return JournalStorage(JournalFileBackend(str(out / JOURNAL)))


@pytest.mark.slow
def test_nothing_within_bounds_doubles_said_plainly_with_exit_0(searched):
    _, first, _, second = searched
    for done in (first, second):
        assert re.search(
            r"Not reachable: no mix within the catalogue's bounds \(operating share at least "
            r"70%\) reaches P\(doubled\) >= 80%\. The best verified is mix_\d+ \(.*\): "
            r"P\(doubled\) \d+% \(90 % interval \d+%-\d+%\) over 3 runs",
            done.stdout,
        ), done.stdout


@pytest.mark.slow
def test_the_command_resumes_its_study_with_more_trials(searched):
    out, _, before, _ = searched
    after = optuna.load_study(study_name="optimise", storage=_storage(out)).trials
    assert len(before) == 4 and len(after) == 6
    assert [t.params for t in after[:4]] == [t.params for t in before]
    assert [t.values for t in after[:4]] == [t.values for t in before]


@pytest.mark.slow
def test_every_reported_mix_is_verified_by_its_own_batch_of_real_runs(searched):
    out = searched[0]
    report = json.loads((out / "optimisation.json").read_text(encoding="utf-8"))
    verification = Path(report["verification"])
    manifest = read_manifest(verification)
    summary = pd.read_parquet(verification / "summary.parquet")
    front = pd.read_csv(out / "front.csv")
    assert report["verified"], report
    assert set(manifest["scenarios"]) == {"no_policy", *(v["scenario"] for v in report["verified"])}
    for verified in report["verified"]:
        runs = summary[summary["scenario"] == verified["scenario"]]
        assert len(runs) == verified["runs"] == 3
        assert verified["p_doubled"] == runs["doubled"].mean()
        assert verified["fiscal_cost"] == pytest.approx(runs["cum_fiscal_cost"].median())
        # the batch ran the mix the search found: the same levers, intensities and starts
        row = front[front["scenario"] == verified["scenario"]].iloc[0]
        mix = json.loads(row["mix"])
        levers = manifest["scenarios"][verified["scenario"]]["levers"]
        assert {k: [v["intensity"], v["start"]] for k, v in levers.items()} == mix
    assert manifest["seed"] != report["effort"]["seed"]  # fresh runs, not the search's
    # ... drawing their parameters from the search's posterior (--posterior, default: shipped)
    drawn_from = Path(manifest["posterior"]["path"]).resolve()
    assert drawn_from == Path(report["effort"]["posterior"]).resolve() == DEFAULT_POSTERIOR


@pytest.mark.slow
def test_the_written_scenarios_validate_and_run(searched, tmp_path):
    out = searched[0]
    files = sorted(str(p) for p in (out / "scenarios").glob("*.yaml"))
    assert files
    validated = run_cli("validate", *files)
    assert validated.returncode == 0, validated.stderr
    ran = run_cli("run", files[0], "--runs", "1", "--scale", "5000", "--out", str(tmp_path / "r"))
    assert ran.returncode == 0, ran.stderr
    assert len(pd.read_parquet(tmp_path / "r" / "summary.parquet")) == 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--target-p", "1.5"], "--target-p must be a probability in (0, 1], got 1.5"),
        (["--budget", "-1"], "--budget must be 0 or more yuan, got -1"),
        (["--bound", "credit_guarantee=0:5"], "--bound credit_guarantee=0:5: expected low <= high"),
        (["--scale", "9000"], "--scale 9000"),
    ],
)
def test_bad_options_exit_2_naming_the_option_and_write_nothing(tmp_path, args, named):
    out = tmp_path / "out"
    done = run_cli("optimise", *args, "--out", str(out))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], lines
    assert not out.exists()


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: Goal(target_p=0), "--target-p must be a probability in (0, 1], got 0"),
        (lambda: Goal(min_operating_share=1.2), "--min-operating-share must be a share in [0, 1]"),
        (lambda: Goal(budget=float("nan")), "--budget must be 0 or more yuan"),
        (lambda: Effort(trials=0), "--trials must be at least 1, got 0"),
        (lambda: Effort(runs_per_trial=1), "--runs-per-trial must be 2 to"),
        (lambda: Effort(verify_runs=0), "--verify-runs must be 1 to"),
        (lambda: space_of(load_catalogue(), {"no_such_lever": (0, 1)}), "--bound: unknown lever"),
        (lambda: space_of(load_catalogue(), {"street_life": (0.5, 0.2)}), "expected low <= high"),
        (lambda: parse_bound("credit_guarantee=x"), "--bound credit_guarantee=x: expected LEVER="),
        (lambda: parse_bound("credit_guarantee=0:inf"), "expected finite numbers"),
    ],
)
def test_impossible_settings_are_input_errors_naming_the_option(make, named):
    with pytest.raises(InputError) as error:
        make()
    assert named in str(error.value)


def test_a_narrowed_bound_is_what_the_search_draws_from():
    space = space_of(load_catalogue(), {"street_life": (0.5, 0.5)})
    choice = next(c for c in space.choices if c.lever == "street_life")
    assert (choice.low, choice.high) == (0.5, 0.5)
    assert choice.starts[0] == "2022-01" and choice.starts[-1] == "2025-01"


@pytest.mark.slow
def test_constraints_no_mix_meets_are_an_answer_with_exit_0(tmp_path):
    out = tmp_path / "out"
    args = ["--trials", "2", "--runs-per-trial", "2", "--scale", "5000", "--workers", "1"]
    args += ["--posterior", NO_POSTERIOR]
    done = run_cli("optimise", *args, "--min-operating-share", "0.99", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (
        "No mix within the catalogue's bounds meets the constraints (operating share at least "
        "99%): none verified." in done.stdout
    )
    report = json.loads((out / "optimisation.json").read_text(encoding="utf-8"))
    assert report["verified"] == [] and report["verification"] is None
    assert report["effort"]["posterior"] == NO_POSTERIOR


def test_a_trials_runs_give_in_one_stack_what_they_give_apart():
    """The runs of a trial are simulated together (`search_runs`): each as in a stack of its own
    (a stack of one is the run alone: tests/test_reproducibility.py), whatever runs it is with."""
    from model.defaults import DEADLINE, scenario_file
    from model.experiments.optimisation import search_runs
    from model.policy.scenario import load_scenario

    scenario = load_scenario(scenario_file("as_enacted"))
    seeds, draws = [41, 42], [{"policy_responsiveness": 0.6}, None]
    together = search_runs(3, [5, 9], scenario, seeds, 5000.0, DEADLINE, draws)
    apart = [
        search_runs(3, [run], scenario, [seed], 5000.0, DEADLINE, [values])[0]
        for run, seed, values in zip([5, 9], seeds, draws, strict=True)
    ]
    assert together == apart
    assert together[0].peak_ratio != together[1].peak_ratio
