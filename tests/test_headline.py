"""The headline (结论先行) of a REAL results folder (`run.py run`, tests/dashboard_fixtures.py):
its facts recomputed here straight from the Parquet files, and the sentence in both languages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta

from dashboard.data import load_results
from dashboard.formats import fiscal_scale, format_money, format_number, format_percent
from dashboard.headline import (
    Headline,
    above_line_not_doubled,
    headline,
    headline_scenario,
)
from dashboard.i18n import LANGS

QUANTILES = [0.05, 0.5, 0.95]


@pytest.fixture(scope="module")
def parquet(results_dir):
    """The summary and the rows at 2025-12 of the timeseries, read with pandas alone."""
    summary = pd.read_parquet(results_dir / "summary.parquet")
    series = pd.read_parquet(
        results_dir / "timeseries.parquet", columns=["scenario", "run", "date", "n_registered"]
    )
    end = series[series["date"] == pd.Timestamp("2025-12-31")]
    return summary, end


def _as_enacted(parquet):
    summary, end = parquet
    return summary[summary["scenario"] == "as_enacted"], end[end["scenario"] == "as_enacted"]


def test_the_facts_equal_those_computed_from_the_parquet(results_dir, parquet):
    facts = headline(load_results(results_dir), "zh")
    runs, end = _as_enacted(parquet)
    assert facts.scenario == "as_enacted" and facts.runs == len(runs) == 3
    base = np.quantile(runs["start_registered"], QUANTILES)
    assert [facts.base.p05, facts.base.p50, facts.base.p95] == pytest.approx(base)
    assert facts.target == pytest.approx(2 * base[1])
    assert facts.target_band.p95 == pytest.approx(2 * base[2])
    counts = np.quantile(end["n_registered"], QUANTILES)
    assert [facts.end_registered.p05, facts.end_registered.p50, facts.end_registered.p95] == (
        pytest.approx(counts)
    )
    ratios = end.merge(runs, on=["scenario", "run"])
    ratio = np.quantile(ratios["n_registered"] / ratios["start_registered"], QUANTILES)
    assert facts.ratio.p50 == pytest.approx(ratio[1])
    assert facts.gap == pytest.approx(2 * base[1] - counts[1])
    k, n = int(runs["doubled"].sum()), len(runs)
    assert facts.p_doubled == pytest.approx(k / n)
    low = 0.0 if k == 0 else beta.ppf(0.05, k + 0.5, n - k + 0.5)
    high = 1.0 if k == n else beta.ppf(0.95, k + 0.5, n - k + 0.5)
    assert facts.p_doubled_interval == pytest.approx((low, high))


def test_the_nearest_scenario_is_the_likeliest_then_the_highest_ratio(results_dir, parquet):
    facts = headline(load_results(results_dir), "en")
    summary, _end = parquet
    others = summary[summary["scenario"] != "no_policy"].groupby("scenario")
    ranked = pd.DataFrame({"p": others["doubled"].mean(), "ratio": others["ratio"].median()})
    best = ranked.sort_values(["p", "ratio"], ascending=False).index[0]
    assert facts.nearest == best
    cost = summary[summary["scenario"] == best]["cum_fiscal_cost"].median()
    assert facts.nearest_cost == pytest.approx(cost)
    assert facts.nearest_p_doubled == pytest.approx(ranked.loc[best, "p"])


@pytest.mark.parametrize("lang", LANGS)
def test_the_sentence_holds_the_target_the_gap_and_the_cost(results_dir, lang):
    facts = headline(load_results(results_dir), lang)
    sentence = facts.sentence
    for number in (facts.target, abs(facts.gap), facts.end_registered.p50, facts.base.p50):
        assert format_number(number, lang) in sentence
    assert format_money(facts.nearest_cost, lang, fiscal_scale(lang)) in sentence
    assert format_percent(facts.p_doubled_interval[1]) in sentence
    assert facts.nearest_title in sentence and facts.title in sentence
    assert ("短" if lang == "en" else "short") not in sentence  # one language only
    assert format_number(facts.target, lang) in facts.explanation
    assert isinstance(facts, Headline) and facts.lang == lang


def test_runs_above_the_line_that_missed_their_own_target_are_counted(parquet):
    runs, _end = _as_enacted(parquet)
    lowest = float(runs["end_registered"].min())
    missed = int((~runs["doubled"].astype(bool)).sum())
    assert above_line_not_doubled(runs, "as_enacted", lowest) == missed
    assert above_line_not_doubled(runs, "as_enacted", lowest * 10) == 0


def test_the_headline_scenario_falls_back_to_the_first_with_levers():
    assert headline_scenario(["no_policy", "as_enacted", "x"]) == "as_enacted"
    assert headline_scenario(["no_policy", "finance_only"]) == "finance_only"
    assert headline_scenario(["no_policy"]) == "no_policy"
