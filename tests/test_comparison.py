"""The comparison of scenarios (model/experiments/comparison.py): one definition, used by
`run.py compare` and the dashboard alike."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta

from dashboard.data import load_results
from dashboard.i18n import LANGS, t
from dashboard.pages import levers
from dashboard.pages.base import View
from dashboard.pages.overview import PAGE as OVERVIEW
from dashboard.pages.overview import overview_table
from model.columns import EVIDENCE_ONLY
from model.defaults import DEADLINE, QUANTILES
from model.experiments.comparison import (
    at_deadline,
    compare,
    cost_by,
    end_row,
    jeffreys_interval,
    median_month,
    quantile_bands,
    render,
)
from model.experiments.simulation import simulate
from model.experiments.store import format_comparison
from model.policy.catalogue import load_catalogue
from model.policy.scenario import load_scenario
from tests.batch_fixtures import ROOT, SCENARIOS, run_cli, settings_args

MONTHS = pd.to_datetime(["2020-12-31", "2021-01-31", "2021-02-28", "2021-03-31"])


def _timeseries(runs: int = 3) -> pd.DataFrame:
    """Two scenarios × runs × 2020-12…2021-03; the policy adds 100 k a month."""
    rows = [
        {
            "scenario": name,
            "run": run,
            "date": date,
            "n_registered": 1.0e6 * (1 + run / 10) + (1.0e5 + boost) * i,
            "n_operating": 0.8 * (1.0e6 * (1 + run / 10) + (1.0e5 + boost) * i),
        }
        for name, boost in (("no_policy", 0.0), ("policy", 1.0e5))
        for run in range(runs)
        for i, date in enumerate(MONTHS)
    ]
    return pd.DataFrame(rows)


def test_quantile_bands_per_group():
    table = pd.DataFrame({"g": ["x"] * 101, "v": np.arange(101.0)})
    bands = quantile_bands(table, "v", ["g"])
    assert bands.loc[0, ["p05", "p50", "p95"]].tolist() == [5.0, 50.0, 95.0]


def test_median_month_is_the_month_half_the_runs_have_doubled_by():
    months = pd.Series(pd.to_datetime(["2024-03-31", "2025-01-31", None, "2023-06-30"]))
    assert median_month(months) == pd.Timestamp("2024-03-31")
    late = pd.Series(pd.to_datetime(["2026-03-31", None, None, "2023-06-30"]))
    assert median_month(late) == pd.Timestamp("2026-03-31")  # the whole horizon counts
    assert median_month(late.iloc[1:]) is pd.NaT  # fewer than half ever double


ASSUMED = np.array([1.0e5, 1.5e5, 2.0e5])  # of the policy's 3e5 additional registered, per run


def _summary() -> pd.DataFrame:
    """The summary of `_timeseries()`: the policy's evidence-only variant ends ASSUMED (registered)
    and ASSUMED / 2 (operating) below the policy; no_policy's variant is no_policy."""
    end = at_deadline(_timeseries())
    assumed = np.where(end["scenario"] == "policy", np.tile(ASSUMED, 2), 0.0)
    return pd.DataFrame(
        {
            "scenario": ["no_policy"] * 3 + ["policy"] * 3,
            "run": [0, 1, 2] * 2,
            "start_registered": [1.0e6, 1.1e6, 1.2e6] * 2,
            "doubled": [False, False, False, True, True, False],
            "month_doubled": pd.to_datetime(
                [None, None, None, "2024-01-31", "2025-12-31", "2026-06-30"]
            ),
            "cum_fiscal_cost": [0.0, 0.0, 0.0, 1e9, 2e9, 3e9],
            "evidence_only_registered": end["n_registered"] - assumed,
            "evidence_only_operating": end["n_operating"] - assumed / 2,
        }
    )


def test_p_doubled_counts_only_the_deadline():
    table = compare(_summary(), _timeseries(), ["policy", "no_policy"]).set_index("scenario")
    assert list(table.index) == ["policy", "no_policy"]
    assert table.loc["policy", "p_doubled"] == pytest.approx(2 / 3)
    assert table.loc["no_policy", "p_doubled"] == 0
    assert table.loc["policy", "median_month"] == pd.Timestamp("2025-12-31")
    assert pd.isna(table.loc["no_policy", "median_month"])
    assert table.loc["policy", "fiscal_cost_p50"] == 2e9
    assert table.loc["policy", "target"] == 2 * 1.1e6
    assert table.loc["policy", "end_registered_p50"] == 1.1e6 + 3 * 2e5


def _jeffreys(k: int, n: int) -> tuple[float, float]:
    """By hand: the 5 and 95 % quantiles of Beta(k + 1/2, n - k + 1/2), 0 below if k = 0, 1 above
    if k = n (Brown, Cai & DasGupta 2001)."""
    low, high = beta.ppf([0.05, 0.95], k + 0.5, n - k + 0.5)
    return (0.0 if k == 0 else low, 1.0 if k == n else high)


def test_p_doubled_has_its_90_percent_jeffreys_interval():
    """0 of 8 runs doubled is not a probability of 0: up to about 21 %."""
    cases = pd.DataFrame({"k": [0, 8, 3, 1], "n": [8, 8, 8, 3]})
    cases.index = [f"{k}/{n}" for k, n in cases.itertuples(index=False)]
    interval = jeffreys_interval(cases["k"], cases["n"])
    for name, (k, n) in cases.iterrows():
        assert interval.loc[name].tolist() == pytest.approx(_jeffreys(k, n), rel=1e-9), name
    none, every, mid = (interval.loc[name].tolist() for name in ("0/8", "8/8", "3/8"))
    assert none[0] == 0 and 0.2 < none[1] < 0.27
    assert every[1] == 1 and 0.73 < every[0] < 0.8
    assert 0 < mid[0] < 3 / 8 < mid[1] < 1
    table = compare(_summary(), _timeseries()).set_index("scenario")
    for name, k in (("policy", 2), ("no_policy", 0)):
        shown = table.loc[name, ["p_doubled_p05", "p_doubled_p95"]].tolist()
        assert shown == pytest.approx(_jeffreys(k, 3), rel=1e-9)
    assert list(table.columns[:5]) == ["runs", "end_month", "p_doubled", *interval.columns]
    assert "0% (0-44%)" in render(table.reset_index(), "table")  # 0 of 3


def test_cost_per_additional_entity_counts_only_what_no_policy_would_not_have():
    """The policy adds 3e5 registered (2.4e5 operating) over the no-policy run of its seed; the
    2e5 to 2.6e5 the register grows anyway are not bought."""
    table = compare(_summary(), _timeseries()).set_index("scenario")
    assert table.loc["policy", "additional_registered_p50"] == pytest.approx(3e5)
    assert table.loc["policy", "additional_operating_p50"] == pytest.approx(2.4e5)
    assert table.loc["policy", "cost_per_additional_registered_p50"] == pytest.approx(2e9 / 3e5)
    assert table.loc["policy", "cost_per_additional_operating_p50"] == pytest.approx(2e9 / 2.4e5)
    assert table.loc["no_policy", "additional_registered_p50"] == 0
    assert np.isnan(table.loc["no_policy", "cost_per_additional_registered_p50"])


def test_runs_that_paid_for_nothing_rank_as_the_dearest():
    """A run whose cost bought no additional entity is not left out (that would flatter the
    scenario): it ranks above every cost, and a band that reaches it has no number."""
    values = [1.0, 2.0, np.inf, 1.0, 3.0, np.nan]
    bands = quantile_bands(pd.DataFrame({"g": [*"xxxyyy"], "v": values}), "v", ["g"])
    x, y = bands.set_index("g")[["p05", "p50", "p95"]].to_numpy()
    assert x[:2] == pytest.approx([1.1, 2.0]) and np.isnan(x[2])
    assert y == pytest.approx([1.1, 2.0, 2.9])  # NaN (no pair) is left out
    summary = _summary().assign(cum_fiscal_cost=[0.0] * 3 + [1e9] * 3)
    worse = _timeseries().assign(n_registered=lambda t: t["n_registered"].where(
        (t["scenario"] == "no_policy") | (t["run"] < 2), 0.0))  # fmt: skip
    row = compare(summary, worse).set_index("scenario").loc["policy"]
    assert row["cost_per_additional_registered_p50"] == pytest.approx(1e9 / 3e5)
    assert np.isnan(row["cost_per_additional_registered_p95"])  # run 2 bought nothing


def test_share_of_the_gain_resting_on_assumptions_is_paired_run_by_run():
    """(gain - the evidence-only variant's gain) / gain, run by run, then the bands: the policy's
    3e5 registered (2.4e5 operating) additional entities, of which ASSUMED (ASSUMED / 2) rest on
    assumptions."""
    table = compare(_summary(), _timeseries()).set_index("scenario")
    bands = [f"assumption_share_registered_{band}" for band in ("p05", "p50", "p95")]
    shares = ASSUMED / 3e5
    assert table.loc["policy", bands].tolist() == pytest.approx(np.quantile(shares, QUANTILES))
    assert table.loc["policy", "assumption_share_operating_p50"] == pytest.approx(0.75e5 / 2.4e5)
    assert table.loc["no_policy", bands].isna().all()  # no gain to share
    text = render(table.reset_index(), "table")
    assert "50% / 31%" in text and "n/a / n/a" in text and "evidence-only variant" in text
    rows = {row["scenario"]: row for row in json.loads(render(table.reset_index(), "json"))}
    assert rows["policy"]["assumption_share_registered_p50"] == pytest.approx(0.5)
    assert rows["no_policy"]["assumption_share_registered_p50"] is None


def test_no_share_rests_on_assumptions_where_the_median_run_gains_nothing():
    """Runs 0 and 1 of the policy end below no_policy: the median run has no gain, so there is no
    share, although run 2 has one."""
    worse = _timeseries().assign(n_registered=lambda t: t["n_registered"].where(
        (t["scenario"] == "no_policy") | (t["run"] == 2), 0.0))  # fmt: skip
    row = compare(_summary(), worse).set_index("scenario").loc["policy"]
    assert row["additional_registered_p50"] < 0
    assert row.filter(like="assumption_share_registered").isna().all()
    assert row["assumption_share_operating_p50"] == pytest.approx(0.75e5 / 2.4e5)


def test_without_no_policy_the_cost_per_additional_entity_is_unavailable():
    alone = _timeseries()[lambda t: t["scenario"] == "policy"]
    table = compare(_summary(), alone)
    assert table.filter(like="additional").isna().all().all()
    assert table.filter(like="assumption_share").isna().all().all()
    text = render(table, "table")
    assert "no no_policy scenario" in text and "n/a" in text
    assert "and on assumptions: n/a" in text
    assert json.loads(render(table, "json"))[0]["cost_per_additional_registered_p50"] is None
    assert json.loads(render(table, "json"))[0]["assumption_share_operating_p50"] is None


def test_cost_by_lever_and_department_divides_by_the_scenario_additional_entities():
    """A lever's cost over the mix's additional entities, run by run (not the lever's own)."""
    fiscal = pd.DataFrame(
        {
            "scenario": ["policy"] * 4,
            "run": [0, 0, 1, 1],
            "lever": ["x", "x", "x", "y"],
            "department": ["d1", "d2", "d1", "d1"],
            "cum_fiscal_cost": [1.0, 2.0, 3.0, 4.0],
        }
    )
    end = at_deadline(_timeseries(runs=2))
    by_lever = cost_by(fiscal, end, "lever").set_index("lever")
    assert by_lever.loc["x", "fiscal_cost_p50"] == 3.0
    assert by_lever.loc["x", "cost_per_additional_registered_p50"] == pytest.approx(3.0 / 3e5)
    assert by_lever.loc["y", "cost_per_additional_operating_p95"] == pytest.approx(4.0 / 2.4e5)
    by_department = cost_by(fiscal, end, "department").set_index("department")
    assert by_department.loc["d1", "fiscal_cost_p50"] == 4.0
    assert list(by_department.index) == ["d1", "d2"]  # dearest first
    without = cost_by(fiscal, end[end["scenario"] == "policy"], "lever")
    assert without.filter(like="cost_per_additional").isna().all().all()


def test_the_rows_at_the_deadline_are_all_the_comparison_needs():
    """What `run.py compare` and the dashboard read (`store.deadline_rows`) gives the same table."""
    timeseries = _timeseries()
    end = at_deadline(timeseries)
    assert len(end) == 6 and (end["date"] == MONTHS[-1]).all()
    pd.testing.assert_frame_equal(compare(_summary(), end), compare(_summary(), timeseries))


@pytest.mark.slow
@pytest.mark.parametrize("until", ["2025-12", "2027-12"])
def test_command_line_and_dashboard_give_the_same_comparison(tmp_path, until):
    """`run.py compare --format json` and the dashboard's overview agree on one folder, also with a
    horizon past the deadline (where they once used different rules for the median month)."""
    out = tmp_path / "results"
    options = settings_args(runs=4, scale=400.0, until=until)
    done = run_cli("run", "scenarios/no_policy.yaml", "scenarios/as_enacted.yaml", *options,
                   f"--out={out}", "--quiet")  # fmt: skip
    assert done.returncode == 0, done.stderr
    cli = json.loads(run_cli("compare", str(out), "--format", "json").stdout)
    shown = overview_table(load_results(out)).set_index("scenario")
    assert sorted(r["scenario"] for r in cli) == sorted(shown.index)
    late = [r["median_month"] for r in cli if (r["median_month"] or "") > DEADLINE]
    assert bool(late) == (until > DEADLINE)  # past 2025 the median month comes after the deadline
    for row in cli:
        mine = shown.loc[row["scenario"]]
        month = mine["median_month"]
        assert row.pop("median_month") == (None if pd.isna(month) else month.strftime("%Y-%m"))
        for key, value in row.items():
            if isinstance(value, float):
                assert mine[key] == pytest.approx(value, rel=1e-12), key
            elif value is None:
                assert pd.isna(mine[key]), key
            elif key != "scenario":
                assert mine[key] == value, key


# --- on real batches -------------------------------------------------------------------------


def test_p_doubled_of_a_real_batch_comes_with_its_interval_in_every_format(results_dir):
    """The interval from the runs that doubled by hand (summary.parquet), in csv, json and the
    table of `run.py compare`."""
    summary = pd.read_parquet(results_dir / "summary.parquet")
    doubled = summary.groupby("scenario")["doubled"].agg(["sum", "size"])
    rows = json.loads(format_comparison(results_dir, "json"))
    csv = pd.read_csv(io.StringIO(format_comparison(results_dir, "csv"))).set_index("scenario")
    text = format_comparison(results_dir, "table")
    assert list(csv.columns[2:5]) == ["p_doubled", "p_doubled_p05", "p_doubled_p95"]
    for row in rows:
        k, n = doubled.loc[row["scenario"]]
        expected = _jeffreys(k, n)
        assert [row["p_doubled_p05"], row["p_doubled_p95"]] == pytest.approx(expected, rel=1e-9)
        shown = csv.loc[row["scenario"], ["p_doubled_p05", "p_doubled_p95"]].tolist()
        assert shown == pytest.approx(expected, rel=1e-9)
        assert f"{k / n:.0%} ({expected[0] * 100:.0f}-{expected[1]:.0%})" in text
    assert "90 % interval (Jeffreys" in text


def _median_per_entity(cost: pd.Series, gained: pd.Series) -> float:
    """By hand: yuan per additional entity run by run (inf where the cost bought none), then the
    median of the odd number of runs; NaN if it falls on a run that bought nothing."""
    assert len(cost) % 2 == 1 and cost.index.equals(gained.index)
    middle = float(np.median((cost / gained).where(gained > 0, np.inf)))
    return np.nan if np.isinf(middle) else middle


def test_cost_per_additional_entity_of_a_real_batch_is_paired_with_no_policy_by_seed(results_dir):
    """Run r of a scenario against run r of no_policy (the same seed, hence the same starting
    stock), by hand from the whole timeseries and fiscal tables of a real batch: as `run.py
    compare` and the dashboard's lever chart report it; not the cost per net new entity."""
    whole = pd.read_parquet(results_dir / "timeseries.parquet")
    end = at_deadline(whole).set_index(["scenario", "run"])
    start = whole[whole["date"] == whole["date"].min()].set_index(["scenario", "run"])
    fiscal = pd.read_parquet(results_dir / "fiscal.parquet")
    compared = json.loads(format_comparison(results_dir, "json"))
    rows = {row["scenario"]: pd.Series(row).fillna(np.nan) for row in compared}
    results = load_results(results_dir)
    base = end.loc["no_policy"]
    for scenario in ("as_enacted", "finance_only", "easier_opening_only"):
        own, row = end.loc[scenario], rows[scenario]
        assert (start.loc[scenario, "n_registered"] == start.loc["no_policy", "n_registered"]).all()
        for stock, name in (("n_registered", "registered"), ("n_operating", "operating")):
            gained = own[stock] - base[stock]
            assert row[f"additional_{name}_p50"] == pytest.approx(gained.median())
            expected = _median_per_entity(own["cum_fiscal_cost"], gained)
            assert row[f"cost_per_additional_{name}_p50"] == pytest.approx(expected, nan_ok=True)
        chart = levers.cost_charts(View(results, "en"), None, scenario, "family")[levers.VALUE]
        shown = chart[1].set_index("lever")["cost_per_additional_operating_p50"]
        costs = fiscal[fiscal["scenario"] == scenario].groupby(["lever", "run"])["cum_fiscal_cost"]
        for lever, cost in costs.sum().groupby("lever"):
            expected = _median_per_entity(
                cost.droplevel("lever"), own["n_operating"] - base["n_operating"]
            )
            assert shown[lever] == pytest.approx(expected, nan_ok=True)
    net_new = end.loc["as_enacted", "n_registered"] - start.loc["as_enacted", "n_registered"]
    old = (end.loc["as_enacted", "cum_fiscal_cost"] / net_new).median()
    assert rows["as_enacted"]["cost_per_additional_registered_p50"] > 2 * old


def _variant_is_stored(results, scenario, run: int) -> bool:
    """Whether the evidence-only end values stored for run `run` are those of the scenario run
    again here from the run's seed (manifest) with every effect sourced `assumption:` neutral."""
    manifest = json.loads((results / "manifest.json").read_text(encoding="utf-8"))
    settings = {key: manifest[key] for key in ("scale", "until")}
    output = simulate(
        scenario,
        seed=manifest["run_seeds"][run],
        evidence_only=True,
        parameters=manifest["parameter_draws"][run],
        **settings,
    )
    summary = pd.read_parquet(results / "summary.parquet").set_index(["scenario", "run"])
    stored = summary.loc[(scenario.name, run), list(EVIDENCE_ONLY.values())]
    return end_row(output.timeseries)[list(EVIDENCE_ONLY)].tolist() == stored.tolist()


def test_share_resting_on_assumptions_of_a_real_batch_is_paired_with_no_policy_by_seed(
    results_dir,
):
    """By hand from the stored runs of a real batch (summary.parquet's evidence-only end values,
    the timeseries at the deadline): (gain - the variant's gain) / gain against the no-policy run
    of the same index, over the runs with a gain, then the median; as `run.py compare` and the
    dashboard's overview report it. as_enacted's variant gains less, and is the scenario run
    again from the run's seed with every effect sourced `assumption:` set to no effect."""
    end = at_deadline(pd.read_parquet(results_dir / "timeseries.parquet"))
    end = end.set_index(["scenario", "run"])
    summary = pd.read_parquet(results_dir / "summary.parquet").set_index(["scenario", "run"])
    compared = json.loads(format_comparison(results_dir, "json"))
    rows = {row["scenario"]: pd.Series(row).fillna(np.nan) for row in compared}
    shown = overview_table(load_results(results_dir)).set_index("scenario")
    base = end.loc["no_policy"]
    for scenario, row in rows.items():
        for stock, column in EVIDENCE_ONLY.items():
            gain = end.loc[scenario, stock] - base[stock]
            variant_gain = summary.loc[scenario, column] - base[stock]
            share = ((gain - variant_gain) / gain)[gain > 0]
            expected = share.median() if gain.median() > 0 else np.nan
            name = f"assumption_share_{column.removeprefix('evidence_only_')}_p50"
            assert row[name] == pytest.approx(expected, nan_ok=True), (scenario, name)
            assert shown.loc[scenario, name] == pytest.approx(expected, nan_ok=True)
    assert summary.loc["no_policy", "evidence_only_registered"].equals(
        end.loc["no_policy", "n_registered"]
    )  # no levers: the variant is the run itself
    enacted = end.loc["as_enacted"]
    variant = summary.loc["as_enacted"]
    assert (variant["evidence_only_registered"] < enacted["n_registered"]).all()
    assert rows["as_enacted"]["assumption_share_registered_p50"] > 0
    assert _variant_is_stored(results_dir, load_scenario(ROOT / SCENARIOS[1]), 1)


EVIDENCE_SOURCED = ("credit_guarantee", "address_reform")  # art. 36, art. 9


@pytest.fixture(scope="module")
def evidence_sourced(tmp_path_factory):
    """A real batch of no_policy and a scenario whose levers (credit guarantees, the address
    reform) have effects that all cite studies (effect_priors rows), none sourced `assumption:`."""
    folder = tmp_path_factory.mktemp("evidence")
    path = folder / "evidence_sourced.yaml"
    levers = "".join(f"  {lever}: {{intensity: 1}}\n" for lever in EVIDENCE_SOURCED)
    path.write_text(
        f"name: evidence_sourced\ntitle: {{zh: 有依据, en: Evidence-sourced}}\nlevers:\n{levers}",
        encoding="utf-8",
    )
    out = folder / "results"
    options = settings_args(runs=3, scale=400.0)
    done = run_cli("run", SCENARIOS[0], str(path), *options, f"--out={out}", "--quiet")
    assert done.returncode == 0, done.stderr
    return out, load_scenario(path)


def test_a_gain_from_evidence_sourced_effects_only_rests_on_no_assumption(evidence_sourced):
    out, scenario = evidence_sourced
    effects = [e for lever in EVIDENCE_SOURCED for e in load_catalogue().levers[lever].effects]
    assert not any(effect.is_assumption for effect in effects)
    summary = pd.read_parquet(out / "summary.parquet").set_index(["scenario", "run"])
    own = summary.loc["evidence_sourced"]
    assert own["evidence_only_registered"].equals(own["end_registered"])  # the same run
    assert _variant_is_stored(out, scenario, 2)
    (row,) = [r for r in json.loads(format_comparison(out, "json")) if r["scenario"] != "no_policy"]
    assert row["additional_registered_p50"] > 0 and row["additional_operating_p50"] > 0
    for share in ("assumption_share_registered", "assumption_share_operating"):
        assert [row[f"{share}_{band}"] for band in ("p05", "p50", "p95")] == [0.0, 0.0, 0.0]
    assert "0% / 0%" in format_comparison(out, "table")


@pytest.fixture(scope="module")
def without_no_policy(tmp_path_factory):
    """A real batch without no_policy: as_enacted alone, one run (run in-process: no cluster)."""
    out = tmp_path_factory.mktemp("alone") / "results"
    options = settings_args(runs=1, scale=400.0)
    done = run_cli("run", SCENARIOS[1], *options, f"--out={out}", "--quiet")
    assert done.returncode == 0, done.stderr
    return out


def test_without_no_policy_a_real_batch_says_why_there_is_no_cost_per_additional_entity(
    without_no_policy,
):
    text = format_comparison(without_no_policy, "table")
    assert "the batch has no no_policy scenario" in text and "n/a" in text
    (row,) = json.loads(format_comparison(without_no_policy, "json"))
    assert row["fiscal_cost_p50"] > 0
    assert row["additional_registered_p50"] is None
    assert row["cost_per_additional_operating_p50"] is None
    assert row["assumption_share_registered_p50"] is None
    results = load_results(without_no_policy)
    for lang in LANGS:
        view = View(results, lang)
        page = str(OVERVIEW.layout(view, OVERVIEW.render(view)))
        assert t("error.no_baseline_cost", lang) in page
        assert t("error.no_baseline_assumption", lang) in page
        chart = levers.cost_charts(view, None, "as_enacted", "lever")[levers.VALUE][0]
        assert chart.layout.annotations[0].text == t("error.no_baseline_cost", lang)
