"""Posteriors (issue 12): reading one, drawing a run's parameters from it, the draws shared by the
scenarios of a batch and recorded in its manifest, and the common responsiveness to policy."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model.errors import InputError
from model.experiments import ensemble
from model.experiments.simulation import simulate
from model.policy.scenario import load_scenario
from model.world.posterior import PARTICLES, PROVENANCE, load_posterior
from model.world.priors import UNCERTAIN
from tests.batch_fixtures import ROOT, SCENARIOS, run_cli, settings_args
from tests.posterior_fixtures import make_posterior


def test_a_run_draws_the_same_particle_whatever_else_and_by_the_weights(tmp_path):
    posterior = load_posterior(make_posterior(tmp_path / "p", particles=4, weights=[0, 1, 0, 3]))
    draws = [posterior.draw(seed) for seed in range(400)]
    assert posterior.draw(7) == draws[7]
    chosen = [int(np.flatnonzero(posterior.values[:, 0] == d[UNCERTAIN[0]])[0]) for d in draws]
    assert set(chosen) == {1, 3}  # weight 0: never drawn
    assert 0.65 < chosen.count(3) / len(chosen) < 0.85  # weight 3 of 4


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("weight", "wieght", 1), "no weight column"),
        (lambda text: text.replace("entry_rate", "entry_rat", 1), "unknown parameter.*entry_rat_"),
        (lambda text: text.replace("\n", "\nx", 1), r"particles.csv:2: entry_rate_per_year: .*'x"),
        (lambda text: text.splitlines()[0] + "\n", "no particles"),
        (lambda text: text.rsplit(",", 1)[0] + ",-1\n", r"particles.csv:6: weight: .*'-1'"),
    ],
)
def test_a_bad_posterior_names_its_file_line_and_field(tmp_path, edit, message):
    folder = make_posterior(tmp_path / "p")
    particles = folder / PARTICLES
    particles.write_text(edit(particles.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_posterior(folder)


def test_a_folder_without_a_posterior_is_refused_by_the_batch(tmp_path):
    result = run_cli("run", *SCENARIOS, *settings_args(runs=1), f"--out={tmp_path / 'r'}",
                     f"--posterior={tmp_path}")  # fmt: skip
    assert result.returncode == 2
    assert f"{tmp_path / PARTICLES}: missing" in result.stderr
    assert not (tmp_path / "r").exists()


@pytest.fixture(scope="module")
def drawn_batch(tmp_path_factory):
    """A batch of 2 scenarios x 3 runs drawing from a small posterior, run by the command line."""
    folder = tmp_path_factory.mktemp("posterior")
    make_posterior(folder / "p", particles=6)
    out = folder / "results"
    result = run_cli("run", *SCENARIOS, *settings_args(runs=3, until="2021-06"),
                     f"--out={out}", f"--posterior={folder / 'p'}", "--workers=1")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return folder / "p", json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_every_scenario_of_a_run_uses_its_draw_and_the_manifest_records_it(drawn_batch):
    folder, manifest = drawn_batch
    posterior = load_posterior(folder)
    assert manifest["posterior"]["path"] == str(folder.resolve())
    assert manifest["posterior"]["sha256"] == posterior.sha256
    assert manifest["parameter_draws"] == [posterior.draw(s) for s in manifest["run_seeds"]]
    stocks = [d["start_stock_total"] for d in manifest["parameter_draws"]]
    assert manifest["start_stock"]["per_run"] == stocks  # the run's starting stock is its draw's


def test_without_a_posterior_the_manifest_says_so(tmp_path):
    out = tmp_path / "r"
    result = run_cli("run", SCENARIOS[0], *settings_args(runs=1, until="2021-03"),
                     f"--out={out}", "--posterior=none", "--workers=1")  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["posterior"] is None and manifest["parameter_draws"] == [None]


@pytest.fixture(scope="module")
def as_enacted():
    return load_scenario(ROOT / SCENARIOS[1])


def _registered(scenario, responsiveness: float) -> np.ndarray:
    run = simulate(scenario, seed=3, scale=400.0, until="2023-12",
                   parameters={"policy_responsiveness": responsiveness})  # fmt: skip
    return run.timeseries["n_registered"].to_numpy()


def test_with_no_responsiveness_the_levers_change_nothing(as_enacted):
    assert np.array_equal(_registered(as_enacted, 0.0), _registered(None, 1.0))


def test_a_stronger_response_to_policy_adds_more_entities(as_enacted):
    baseline = _registered(None, 1.0)[-1]
    gains = [_registered(as_enacted, r)[-1] - baseline for r in (0.5, 1.0, 1.5)]
    assert 0 < gains[0] < gains[1] < gains[2]


def test_settings_refuse_an_unreadable_posterior_before_anything_runs(tmp_path):
    with pytest.raises(InputError, match=PROVENANCE):
        (tmp_path / PARTICLES).write_text("weight\n1\n", encoding="utf-8")
        ensemble.Settings(1, 200.0, "2021-03", 1, str(tmp_path))
