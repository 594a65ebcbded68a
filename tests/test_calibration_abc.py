"""Calibration with a posterior (issue 12, model/experiments/calibration.py): recovery of known
parameter values from the moments they produce, the command line (bad input, observations, an
interrupted calibration resumed)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from model.experiments.calibration import WORK, Budget, calibrate, plan_fit
from model.experiments.executor import Cluster
from model.world.moments import fitted_targets, mean_moments
from model.world.parameters import base_rates
from model.world.posterior import MOMENTS, PROVENANCE, load_posterior
from model.world.priors import UNCERTAIN, priors
from tests.batch_fixtures import ROOT, project_env, run_cli, stop_process

# Recovery: four rates the moments identify are calibrated, the others held at the truth.
RECOVERED = (
    "entry_rate_per_year",
    "never_open_share",
    "open_first_month_share",
    "failure_scale_individual",
)
RECOVERY_SEEDS = (1, 2, 3)
RECOVERY_BUDGET = Budget(population=60, generations=4, minutes=5, scale=200.0)
MIN_COVERED = 10  # of 12 intervals (3 seeds x 4 parameters) at a nominal 90 %
NARROWER = 0.6  # the posterior's 90 % interval of the entry rate, as a share of the prior range


def _truth() -> dict[str, float]:
    """Known values: the point values of base_rates (calibrated.csv), every uncertain input."""
    return {name: getattr(base_rates(), name).value for name in UNCERTAIN}


def _synthetic_targets(truth: dict[str, float]):
    """The moments the model produces at `truth`, each with the width its real target allows."""
    produced = mean_moments(truth, seeds=(7, 8), scale=RECOVERY_BUDGET.scale)
    return {
        name: replace(
            t,
            value=produced[name],
            low=produced[name] - (t.value - t.low),
            high=produced[name] + (t.high - t.value),
        )
        for name, t in fitted_targets().items()
    }


def assert_epsilon_falls(generations: list[dict]) -> None:
    """Every generation's ε below the last one's: each is the EPSILON_QUANTILE of the last
    generation's distances, so it falls while the distances do (a ε set from the prior sample
    every time stayed where it started)."""
    epsilons = [g["epsilon"] for g in generations]
    assert all(b < a for a, b in pairwise(epsilons)), epsilons


@pytest.mark.slow
def test_calibration_recovers_known_values_within_its_90_percent_intervals(tmp_path):
    truth = _truth()
    goal = _synthetic_targets(truth)
    fixed = {name: value for name, value in truth.items() if name not in RECOVERED}
    covered, widths = 0, []
    for seed in RECOVERY_SEEDS:
        budget = replace(RECOVERY_BUDGET, seed=seed)
        fit = plan_fit(budget, target_moments=goal, fixed=fixed)
        posterior = calibrate(
            tmp_path / f"seed{seed}", fit, budget=budget, cluster=Cluster(workers=1), quiet=True
        )
        assert_epsilon_falls(posterior.provenance["generations"])
        for name in RECOVERED:
            low, high = posterior.quantiles(name, (0.05, 0.95))
            covered += low <= truth[name] <= high
            if name == "entry_rate_per_year":
                widths.append((high - low) / (priors()[name].high - priors()[name].low))
    assert covered >= MIN_COVERED, f"{covered} of {3 * len(RECOVERED)} intervals cover the truth"
    assert max(widths) < NARROWER, f"entry rate intervals {widths} of the prior range"


def test_a_bad_budget_or_observation_file_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "posterior"
    result = run_cli("calibrate", f"--out={out}", "--population=5")
    assert result.returncode == 2 and "--population must be 10" in result.stderr
    bad = tmp_path / "counts.csv"
    bad.write_text("date,quantity,value,source\n2020-12-31,n_registered,-1,x\n", encoding="utf-8")
    result = run_cli("calibrate", f"--out={out}", f"--observations={bad}")
    assert result.returncode == 2
    assert f"{bad}:2: date: 2020-12-31 is outside" in result.stderr
    assert f"{bad}:2: value: expected a count of 0 or more" in result.stderr
    assert not out.exists()


def _populations_done(database: Path) -> int:
    """Generations pyabc has finished in its database (the calibration sample, t = -1, aside)."""
    if not database.is_file():
        return 0
    try:
        with sqlite3.connect(database) as connection:
            rows = connection.execute("select count(*) from populations where t >= 0").fetchone()
    except sqlite3.Error:  # created but not yet written
        return 0
    return int(rows[0])


@pytest.mark.slow
def test_a_calibration_on_observations_is_resumed_after_an_interruption(tmp_path):
    """Interrupted (Ctrl-C) after its first generation, the same command resumes it; the posterior
    records the observations it was fitted to and the command of both sessions, and its moment
    table has the observations."""
    out = tmp_path / "nowcast"
    observations = ROOT / "observations" / "shanxi.csv"
    command = [sys.executable, "run.py", "calibrate", f"--observations={observations}",
               f"--out={out}", "--population=20", "--generations=3", "--scale=400",
               "--workers=1"]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=project_env(), stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 240
        while _populations_done(out / WORK / "abc.db") < 1 and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        process.wait(timeout=180)  # generous: the machine may be shared
    finally:
        if process.poll() is None:
            stop_process(process)
    assert process.returncode == 130
    assert (out / WORK).is_dir() and not (out / PROVENANCE).exists()

    result = run_cli(*command[2:], timeout=400)
    assert result.returncode == 0, result.stderr
    assert "resuming" in result.stderr
    posterior = load_posterior(out)
    provenance = posterior.provenance
    assert [g["t"] for g in provenance["generations"]] == [0, 1, 2]
    assert_epsilon_falls(provenance["generations"])  # across the two sessions too
    assert provenance["observations"]["path"] == str(observations)
    assert provenance["commands"] == [command[1:], command[1:]]  # both sessions
    assert not (out / WORK).exists()
    moments = (out / MOMENTS).read_text(encoding="utf-8")
    assert "observation,n_registered@2022-07-31" in moments
    assert json.loads((out / PROVENANCE).read_text(encoding="utf-8"))["total_simulations"] > 40
