"""`run.py sensitivity` (model/experiments/sensitivity.py): SALib's Ishigami function through the
analysis' own code path, a small real Morris screening, resuming, bad options."""

from __future__ import annotations

import json
import math
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from model.experiments.executor import Cluster
from model.experiments.sensitivity import (
    MORRIS_COLUMNS,
    OUTPUTS,
    RESULTS,
    SOBOL_COLUMNS,
    WORK,
    Input,
    Plan,
    analyse,
    top_inputs,
)
from model.world.priors import Prior
from tests.batch_fixtures import ROOT, assert_nothing_written, project_env, run_cli
from tests.test_cli_core import one_line_error

A, B = 7.0, 0.1  # the Ishigami function's usual constants (SALib's defaults)


def _ishigami_indices() -> tuple[list[float], list[float]]:
    """The analytic first-order and total indices (Ishigami & Homma 1990; Sobol' & Levitan 1999)
    of sin x1 + a sin² x2 + b x3⁴ sin x1, every x uniform on [-π, π]."""
    v1 = (1 + B * math.pi**4 / 5) ** 2 / 2
    v2 = A**2 / 8
    v13 = 8 * B**2 * math.pi**8 / 225  # b² π⁸ (1/18 - 1/50)
    total = v1 + v2 + v13
    return [v1 / total, v2 / total, 0.0], [(v1 + v13) / total, v2 / total, v13 / total]


def _ishigami_mu_star() -> list[float]:
    """The expected Morris mu* on SALib's grid of 4 levels (x at -π, -π/3, π/3, π; a step of 2/3
    of the range): every step of x2 changes a sin² x2 by 3a/4; a step of x1 changes sin x1 by
    sin(π/3), times 1 + b x3⁴ averaged over x3's levels; a step of x3 changes b x3⁴ by
    b (π⁴ - (π/3)⁴), times |sin x1| averaged over x1's levels (0 at ±π)."""
    step, levels = 2 / 3, np.array([-np.pi, -np.pi / 3, np.pi / 3, np.pi])
    x1 = np.sin(np.pi / 3) * np.mean(1 + B * levels**4) / step
    x2 = A * 0.75 / step
    x3 = B * (np.pi**4 - (np.pi / 3) ** 4) * np.mean(np.abs(np.sin(levels))) / step
    return [float(x1), x2, float(x3)]


CALLS = {"count": 0, "fail_after": None}


def ishigami(xs: list[list[float]]) -> list[dict]:
    """Evaluations of SALib's Ishigami function (the work function swapped in); raises
    KeyboardInterrupt after CALLS["fail_after"] calls, as a user's Ctrl-C would."""
    if CALLS["fail_after"] is not None and CALLS["count"] >= CALLS["fail_after"]:
        raise KeyboardInterrupt
    CALLS["count"] += 1
    return [{"y": float(y)} for y in Ishigami.evaluate(np.array(xs), A, B)]


class IshigamiSubject:
    """The Ishigami function as the analysis' subject: three inputs uniform on [-π, π]."""

    inputs = tuple(
        Input("x", Prior(f"x{i}", -math.pi, math.pi, None, "Ishigami & Homma 1990"), 0.0)
        for i in (1, 2, 3)
    )
    outputs = ranked_by = ("y",)

    def identity(self) -> dict:
        return {"function": "SALib.test_functions.Ishigami", "a": A, "b": B}

    def runs(self, values: dict[str, float]) -> list[dict]:
        return [{"x": [values[name] for name in ("x1", "x2", "x3")]}]

    def tasks(self, specs: list[dict]):
        """A task each (an interruption after some calls leaves some evaluations done)."""
        return [([i], ishigami, ([spec["x"]],)) for i, spec in enumerate(specs)]

    def combine(self, results: list[dict]) -> list[float]:
        return [results[0]["y"]]

    def reseeded(self, seed: int) -> None:
        return None


def _analyse(folder: Path, **plan):
    return analyse(IshigamiSubject(), Plan(**plan), folder, cluster=Cluster(workers=1), quiet=True)


def test_ishigami_through_the_analysis_reproduces_its_known_indices(tmp_path):
    result = _analyse(tmp_path / "work", trajectories=1000, samples=1024, top=3, seed=3)
    morris = result.morris.set_index("input")
    expected = dict(zip(("x1", "x2", "x3"), _ishigami_mu_star(), strict=True))
    assert expected["x2"] == pytest.approx(7.875)  # the grid's arithmetic, checked by hand
    assert morris.loc["x2", "mu_star"] == pytest.approx(expected["x2"], rel=1e-9)
    for name in ("x1", "x3"):  # a sd of about 6.25 / sqrt(1000) = 0.2 around the expectation
        assert morris.loc[name, "mu_star"] == pytest.approx(expected[name], abs=0.8)
    assert morris.loc["x3", "rank"] == 3
    assert (morris["mu_star_conf"] > 0).loc[["x1", "x3"]].all()

    assert result.sobol_inputs == ["x1", "x2", "x3"]
    sobol = result.sobol.set_index("input")
    first, total = _ishigami_indices()
    assert [round(s, 3) for s in first] == [0.314, 0.442, 0.0]
    assert [round(s, 3) for s in total] == [0.558, 0.442, 0.244]
    assert sobol["S1"].to_numpy() == pytest.approx(first, abs=0.05)
    assert sobol["ST"].to_numpy() == pytest.approx(total, abs=0.05)
    assert (sobol["S1_conf"] < 0.1).all() and (sobol["ST_conf"] < 0.1).all()
    # each distinct point once: Morris's 4,000 points lie on the 4³ points of its grid
    assert result.evaluations == {"Morris": 4**3, "Sobol": 1024 * 5}


def test_sobol_varies_only_the_top_inputs_by_mu_star(tmp_path):
    result = _analyse(tmp_path / "work", trajectories=200, samples=64, top=2, seed=3)
    assert result.sobol_inputs == ["x1", "x2"]  # x3 has the smallest mu*
    assert set(result.sobol["input"]) == {"x1", "x2"}
    assert result.evaluations["Sobol"] == 64 * 4


def test_an_interrupted_analysis_resumes_with_identical_results(tmp_path):
    plan = {"trajectories": 50, "samples": 64, "top": 3, "seed": 5}
    reference = _analyse(tmp_path / "reference", **plan)
    work = tmp_path / "work"
    CALLS.update(count=0, fail_after=120)
    try:
        with pytest.raises(KeyboardInterrupt):
            _analyse(work, **plan)
    finally:
        CALLS["fail_after"] = None
    kept = sum(len(json.loads(p.read_text())) for p in work.glob("evaluations-*.json"))
    assert kept == 120  # every evaluation that finished before the interruption
    CALLS["count"] = 0
    resumed = _analyse(work, **plan)
    assert CALLS["count"] == sum(resumed.evaluations.values()) - 120  # only those not yet done
    pd.testing.assert_frame_equal(resumed.morris, reference.morris, check_exact=True)
    pd.testing.assert_frame_equal(resumed.sobol, reference.sobol, check_exact=True)


# --- the real model ----------------------------------------------------------------------------

SMALL = ["--trajectories=2", "--scale=5000", "--quiet"]


def _morris(out: Path, scenario: str, sobol: bool = False) -> pd.DataFrame:
    """The published Morris table, once the files and their columns are checked."""
    folder = out / RESULTS / scenario
    files = ["manifest.json", "morris.parquet", *(["sobol.parquet"] if sobol else [])]
    assert sorted(p.name for p in folder.iterdir()) == files
    assert not (out / WORK).exists()  # the work folder goes once the results are published
    if sobol:
        assert tuple(pd.read_parquet(folder / "sobol.parquet").columns) == SOBOL_COLUMNS
    table = pd.read_parquet(folder / "morris.parquet")
    assert tuple(table.columns) == MORRIS_COLUMNS
    return table


@pytest.mark.slow
def test_a_small_morris_screening_of_as_enacted_writes_its_files(tmp_path):
    out = tmp_path / "out"
    result = run_cli("sensitivity", "as_enacted", "--method=morris", *SMALL, f"--out={out}")
    assert result.returncode == 0, result.stderr
    assert "Morris: additional_operating" in result.stdout
    table = _morris(out, "as_enacted")
    manifest = json.loads((out / RESULTS / "as_enacted" / "manifest.json").read_text())
    inputs = [i["input"] for i in manifest["inputs"]]
    assert len(inputs) == len(set(table["input"])) > 16 + 70  # world inputs + lever effects
    assert set(table["output"]) == set(OUTPUTS)
    assert manifest["simulations"]["Morris"] > 2 * (len(inputs) + 1)  # and the no-policy runs
    responsiveness = table[table["input"] == "policy_responsiveness"].set_index("output")
    for output in ("ratio", "end_operating", "additional_registered", "additional_operating"):
        assert responsiveness.loc[output, "mu_star"] > 0, output
    lever = table[(table["group"] == "lever") & (table["output"] == "additional_registered")]
    assert (lever["mu_star"] > 0).any()


NO_POLICY = ["sensitivity", "scenarios/no_policy.yaml", "--samples=4", "--top=2", *SMALL,
             "--workers=1"]  # fmt: skip


@pytest.fixture(scope="module")
def no_policy_screening(tmp_path_factory):
    """A small Morris screening and Sobol analysis of no_policy, uninterrupted."""
    out = tmp_path_factory.mktemp("no_policy") / "out"
    result = run_cli(*NO_POLICY, f"--out={out}")
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.slow
def test_without_levers_the_policy_inputs_have_exactly_no_effect(no_policy_screening):
    table = _morris(no_policy_screening, "no_policy", sobol=True)
    assert set(table["group"]) == {"world"}  # no lever inputs at all
    policy = table[
        table["input"].isin(["policy_responsiveness", "fidelity_without_implementation"])
    ]
    assert len(policy) == 2 * len(OUTPUTS)
    assert (policy[["mu", "mu_star", "sigma"]] == 0).all().all()
    assert policy["rank"].isna().all()  # shown as without effect, not ranked
    gains = table[table["output"].str.startswith("additional_")]
    assert (gains["mu_star"] == 0).all()  # no levers: the scenario is its own no-policy run
    world = table[(table["output"] == "ratio") & (table["input"] == "entry_rate_per_year")]
    assert world["mu_star"].iloc[0] > 0


@pytest.mark.slow
def test_an_interrupted_sensitivity_command_resumes_to_the_same_files(
    no_policy_screening, tmp_path
):
    """Ctrl-C in the middle of the command, then the same command again."""
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "run.py", *NO_POLICY, f"--out={out}"],
        cwd=ROOT, env=project_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    work = out / WORK / "no_policy"
    deadline = time.monotonic() + 60
    while not list(work.glob("evaluations-*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert list(work.glob("evaluations-*.json")) and not (out / RESULTS).exists()
    result = run_cli(*NO_POLICY, f"--out={out}")
    assert result.returncode == 0, result.stderr
    for name in ("morris.parquet", "sobol.parquet"):
        left, right = (pd.read_parquet(x / RESULTS / "no_policy" / name)
                       for x in (no_policy_screening, out))  # fmt: skip
        pd.testing.assert_frame_equal(left, right, check_exact=True)


@pytest.mark.slow
def test_sobol_alone_ranks_by_the_published_screening(no_policy_screening, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(no_policy_screening, out)
    morris = pd.read_parquet(out / RESULTS / "no_policy" / "morris.parquet")
    result = run_cli(*NO_POLICY, "--method=sobol", "--top=3", f"--out={out}")
    assert result.returncode == 0, result.stderr
    pd.testing.assert_frame_equal(_morris(out, "no_policy", sobol=True), morris, check_exact=True)
    sobol = pd.read_parquet(out / RESULTS / "no_policy" / "sobol.parquet")
    manifest = json.loads((out / RESULTS / "no_policy" / "manifest.json").read_text())
    assert (
        set(sobol["input"])
        == set(manifest["sobol_inputs"])
        == set(top_inputs(morris, 3, [o for o in OUTPUTS if o != "doubled"]))
    )
    assert manifest["simulations"]["Sobol"] == 4 * (3 + 2)  # one run a point: no levers


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--samples", "100", "--samples"),  # not a power of 2
        ("--trajectories", "1", "--trajectories"),
        ("--scale", "100000", "--scale"),  # fewer than 500 simulated entities
        ("--method", "sobol", "--method sobol"),  # no Morris screening to rank by
        ("--posterior", "posteriors/nowhere", "posteriors/nowhere/particles.csv"),
        ("--seed", "1", "nowhere.yaml"),  # the scenario file below
    ],
)
def test_bad_input_exits_2_naming_the_option_or_file(tmp_path, option, value, named):
    out = tmp_path / "out"
    scenario = "scenarios/nowhere.yaml" if named == "nowhere.yaml" else "as_enacted"
    result = run_cli("sensitivity", scenario, f"{option}={value}", f"--out={out}")
    assert named in one_line_error(result)
    assert_nothing_written(out)


def test_a_results_folder_without_an_analysis_says_which_command_makes_it(tmp_path):
    from model.experiments import InputError, read_sensitivity

    with pytest.raises(InputError, match="run.py sensitivity as_enacted --out"):
        read_sensitivity(tmp_path, "as_enacted")


def test_given_lever_values_replace_only_their_own_draws():
    from model.defaults import scenario_file
    from model.policy.monthly_rates import build_policy
    from model.policy.scenario import load_scenario

    scenario = load_scenario(scenario_file("as_enacted"))
    _, drawn = build_policy(scenario, seed=3)
    given = {"e_licence.opening_speed.0": 1.2, "credit_guarantee.take_up": 0.05}
    _, changed = build_policy(scenario, seed=3, effects=given)
    assert changed == drawn | given
    with pytest.raises(ValueError, match="not_a_lever.entry.0"):
        build_policy(scenario, seed=3, effects={"not_a_lever.entry.0": 1.0})


def test_the_world_inputs_follow_the_posterior_or_the_priors():
    from model.defaults import DEFAULT_POSTERIOR, scenario_file
    from model.experiments.sensitivity import scenario_inputs
    from model.policy.scenario import load_scenario
    from model.world.posterior import load_posterior

    scenario = load_scenario(scenario_file("as_enacted"))
    posterior = load_posterior(DEFAULT_POSTERIOR)
    calibrated, before = scenario_inputs(scenario, posterior), scenario_inputs(scenario, None)
    assert [i.name for i in calibrated] == [i.name for i in before]
    for after, prior in zip(calibrated, before, strict=True):
        ends = after.value(np.array([0.0, 0.5, 1.0]))
        if after.group == "lever" or after.name in posterior.prior_only:
            # the catalogue's triangular either way; and the inputs the calibration left at their
            # prior (the starting stock, delivery, responsiveness), which runs draw from it too
            assert after == prior and after.distribution in {"uniform", "triangular"}
            assert ends[[0, 2]] == pytest.approx([after.prior.low, after.prior.high])
            continue
        assert after.distribution == "posterior" and prior.distribution in {"uniform", "triangular"}
        column = posterior.values[:, posterior.names.index(after.name)]
        assert ends == pytest.approx([column.min(), after.central, column.max()])
        assert prior.value(np.array([0.0, 1.0])) == pytest.approx(
            [prior.prior.low, prior.prior.high]
        )


def test_the_scenarios_runs_are_stacked_apart_from_the_no_policy_runs_each_as_alone():
    """Evaluations run in stacks (`ScenarioSubject.tasks`): every run once, the scenario's and the
    no-policy runs in stacks of their own, at least MIN_TASKS of them, and each run's values those
    of the run simulated alone with its world and lever values."""
    from model.defaults import scenario_file
    from model.experiments.comparison import end_row, summarize_one
    from model.experiments.sensitivity import (
        MIN_TASKS,
        ScenarioSubject,
        end_values,
        scenario_inputs,
    )
    from model.experiments.simulation import simulate
    from model.policy.scenario import load_scenario

    scenario = load_scenario(scenario_file("as_enacted"))
    subject = ScenarioSubject(scenario, 7, 5000.0, scenario_inputs(scenario, None))
    specs = []
    for shift in np.linspace(0.1, 0.9, 9):
        point = {i.name: float(i.value(np.array([shift]))[0]) for i in subject.inputs}
        specs.extend(subject.runs(point))
    tasks = subject.tasks(specs)
    assert sorted(i for indices, _, _ in tasks for i in indices) == list(range(len(specs)))
    assert len(tasks) >= MIN_TASKS
    for indices, work, _ in tasks:
        assert work is end_values and len({specs[i]["policy"] for i in indices}) == 1

    checked = [tasks[0], tasks[-1]]  # a stack of the scenario's runs and one of no-policy runs
    for indices, work, arguments in checked:
        for i, stacked in zip(indices, work(*arguments), strict=True):
            spec = specs[i]
            alone = simulate(
                scenario if spec["policy"] else None,
                seed=spec["seed"],
                scale=5000.0,
                until="2025-12",
                parameters=spec["parameters"],
                effects=spec["effects"] or None,
            ).timeseries
            summary = summarize_one(alone)
            assert stacked["start_registered"] == summary["start_registered"]
            assert stacked["end_registered"] == summary["end_registered"]
            assert stacked["end_operating"] == end_row(alone)["n_operating"]
            assert stacked["doubled"] == summary["doubled"]
    assert [specs[i]["policy"] for i in (checked[0][0][0], checked[1][0][0])] == [True, False]
