"""The backtest page (回测): its figures and table rows as pure functions of hand-built tables, the
page rendered from real batches (one drawn from a tiny posterior written here, one without a
posterior), and the page in real headless Chromium in both languages.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import figures
from dashboard.data import load_results
from dashboard.i18n import LANGS, t
from dashboard.pages import backtest
from dashboard.pages.base import View
from dashboard.tables import moment_rows, within_range
from model.world.priors import UNCERTAIN
from tests.batch_fixtures import run_cli
from tests.dashboard_fixtures import ROOT, dashboard_server
from tests.posterior_fixtures import make_posterior

MONTHS = pd.date_range("2020-12-31", periods=4, freq="ME")
FITTED = "2021-02-28,n_registered,>=,2500000,,test publication,a lower bound the fit used\n"
PARTICLES = 8


# --- hand-built tables ---------------------------------------------------------------------


def band_rows(quantities=("n_registered", "n_individual"), scenarios=("no_policy", "as_enacted")):
    """Bands of two quantities and two scenarios over four months."""
    rows = []
    for q, quantity in enumerate(quantities):
        for k, scenario in enumerate(scenarios):
            for i, date in enumerate(MONTHS):
                mid = (2.0e6 + 1.0e5 * i + 2.0e5 * k) / (q + 1)
                rows.append(
                    {
                        "quantity": quantity,
                        "scenario": scenario,
                        "date": date,
                        "p05": mid - 5e4,
                        "p50": mid,
                        "p95": mid + 5e4,
                    }
                )
    return pd.DataFrame(rows)


def observation_rows() -> pd.DataFrame:
    """Three published counts: a used count, an unused lower bound, an unused upper bound."""
    rows = [
        ("2021-01-31", "n_registered", "=", 2.1e6, True),
        ("2021-03-31", "n_registered", ">=", 2.2e6, False),
        ("2021-02-28", "n_individual", "<=", 1.1e6, False),
    ]
    return pd.DataFrame(
        [
            {
                "date": pd.Timestamp(date),
                "quantity": quantity,
                "bound": bound,
                "value": value,
                "low": 0.97 * value,
                "high": 1.03 * value,
                "source": "a publication, http://example.org/" + "x" * 100,
                "file": "test.csv",
                "used": used,
            }
            for date, quantity, bound, value, used in rows
        ]
    )


def observed_traces(figure) -> list:
    return [trace for trace in figure.data if trace.mode == "markers"]


def test_backtest_chart_draws_a_panel_per_quantity_with_bands_and_marked_points():
    bands, points = band_rows(), observation_rows()
    quantities = {"n_registered": "Registered", "n_individual": "Individual"}
    titles = {"no_policy": "No policy", "as_enacted": "As enacted"}
    colors = figures.scenario_colors(list(titles))
    figure = figures.backtest_chart(bands, points, quantities, titles, colors, "en", "Backtest")

    assert [a.text for a in figure.layout.annotations] == ["Registered", "Individual"]
    bands_drawn = [trace for trace in figure.data if trace.fill == "toself"]
    medians = [trace for trace in figure.data if trace.mode == "lines"]
    assert len(bands_drawn) == len(medians) == 4  # two scenarios in each of two panels
    assert [m.showlegend for m in medians] == [True, True, False, False]  # each scenario once

    observed = observed_traces(figure)
    assert sum(len(trace.x) for trace in observed) == len(points)
    symbols = {trace.name: trace.marker.symbol for trace in observed}
    used = figures.observed_label("=", True, "en")
    assert symbols == {
        used: "circle",  # filled: used in the fit
        figures.observed_label(">=", False, "en"): "triangle-up-open",  # hollow, one-sided
        figures.observed_label("<=", False, "en"): "triangle-down-open",
    }
    assert "used in the fit" in used and "not used" in figures.observed_label("=", False, "en")
    registered = next(trace for trace in observed if trace.name == used)
    divisor = 1e6  # 'M' in English
    np.testing.assert_allclose(registered.y, [2.1])
    np.testing.assert_allclose(registered.error_y.array, [0.03 * 2.1e6 / divisor])
    np.testing.assert_allclose(registered.error_y.arrayminus, [0.03 * 2.1e6 / divisor])
    assert len(registered.customdata[0][2]) == figures.SOURCE_CHARACTERS


def test_backtest_chart_keeps_each_legend_entry_once_across_panels():
    points = pd.concat([observation_rows()] * 2, ignore_index=True)
    points["quantity"] = ["n_registered"] * 3 + ["n_individual"] * 3
    figure = figures.backtest_chart(
        band_rows(),
        points,
        {"n_registered": "R", "n_individual": "I"},
        {"no_policy": "No policy"},
        {},
        "zh",
        "回测",
    )
    shown = [trace.name for trace in figure.data if trace.showlegend is not False]
    assert sorted(shown) == sorted(set(shown))
    assert "No policy" in shown and len(shown) == 4  # the scenario and three kinds of points
    assert "万" in figure.layout.yaxis.ticksuffix and "万" in figure.layout.yaxis2.ticksuffix


def test_marginals_chart_draws_the_prior_against_the_posterior_per_parameter():
    grid = np.linspace(0.1, 0.3, 10)
    marginals = pd.concat(
        [
            pd.DataFrame({"parameter": name, "x": grid, "prior": 5.0, "posterior": np.arange(10.0)})
            for name in ("a", "b", "c")
        ],
        ignore_index=True,
    )
    labels = {"c": "C", "a": "A"}  # the order of the panels; b is not asked for
    figure = figures.marginals_chart(marginals, labels, "en", "Marginals")
    assert [a.text for a in figure.layout.annotations] == ["C", "A"]
    bars = [trace for trace in figure.data if trace.type == "bar"]
    lines = [trace for trace in figure.data if trace.type == "scatter"]
    assert len(bars) == len(lines) == 2
    assert {trace.name for trace in bars} == {t("backtest.posterior_density", "en")}
    assert {trace.name for trace in lines} == {t("backtest.prior", "en")}
    np.testing.assert_allclose(bars[0].y, np.arange(10.0))
    assert bars[0].width == pytest.approx(grid[1] - grid[0])
    assert [trace.showlegend for trace in figure.data] == [True, True, False, False]


def moments_table() -> pd.DataFrame:
    columns = ["kind", "name", "target", "low", "high", "bound", "p05", "p50", "p95"]
    rows = [
        ("moment", "registered_growth_per_year", 0.115, 0.09, 0.14, None, 0.08, 0.112, 0.13),
        ("moment", "net_to_new_ratio", 0.68, 0.60, 0.76, None, 0.46, 0.518, 0.60),
        ("moment", "a_new_moment", 1.0, 0.5, 1.5, None, 0.9, 1.0, 1.1),
        ("observation", "n_registered@2022-07-31", 3.64e6, 3.52e6, 3.76e6, ">=", 3.5e6, 3.9e6, 4e6),
        ("observation", "n_individual@2022-07-31", 2.55e6, 2.47e6, 2.63e6, "=", 2e6, 2.4e6, 2.5e6),
    ]
    return pd.DataFrame(rows, columns=columns)


def test_moment_rows_flag_a_median_outside_its_range():
    rows = moment_rows(moments_table(), "en")
    assert [row["within"] for row in rows] == [True, False, True, True, False]
    growth, ratio, new, bound, count = rows
    assert growth["name"] == t("moment.registered_growth_per_year", "en")
    assert (growth["target"], growth["range"], growth["median"], growth["band"]) == (
        "0.115",
        "0.09–0.14",
        "0.112",
        "0.08–0.13",
    )
    assert new["name"] == "a_new_moment"  # a moment without a label still shows, by its id
    assert (
        bound["target"] == "≥ 3.64 M"
        and bound["name"] == "Registered market entities, Jul 2022 (published)"
    )
    assert count["median"] == "2.40 M"
    zh = moment_rows(moments_table(), "zh")
    assert zh[0]["name"] == "登记市场主体年增长率"
    assert zh[4]["name"] == "个体工商户（2022年7月，公布数据）" and zh[4]["target"] == "255.0万"


@pytest.mark.parametrize(
    ("median", "bound", "within"),
    [(1.0, "=", True), (0.4, "=", False), (1.6, "=", False), (0.4, None, False)]
    + [(9.0, ">=", True), (0.4, ">=", False), (0.1, "<=", True), (1.6, "<=", False)]
    + [(np.nan, "=", False)],
)
def test_within_range_is_one_sided_for_a_bound(median, bound, within):
    assert within_range(median, 0.5, 1.5, bound) is within


# --- real batches --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def posterior_dir(tmp_path_factory) -> Path:
    """A tiny posterior: particles drawn from the priors, fitted (by its provenance) to one
    observation file of its own, with a moments table of one moment outside its range."""
    folder = tmp_path_factory.mktemp("posterior")
    fitted = folder / "fitted.csv"
    fitted.write_text("date,quantity,bound,value,sd,source,note\n" + FITTED, encoding="utf-8")
    sha256 = hashlib.sha256(fitted.read_bytes()).hexdigest()
    make_posterior(folder, PARTICLES, seed=7, observations={"path": str(fitted), "sha256": sha256})
    moments_table().iloc[[0, 1]].to_csv(folder / "moments.csv", index=False)
    return folder


def run_batch(out: Path, posterior: str) -> Path:
    done = run_cli(
        "run",
        "scenarios/no_policy.yaml",
        "scenarios/as_enacted.yaml",
        "--runs",
        "2",
        "--scale",
        "200",
        "--out",
        str(out),
        "--posterior",
        posterior,
        "--workers",
        "1",
        "--quiet",
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def fitted_results(tmp_path_factory, posterior_dir) -> Path:
    """A batch whose runs drew from the tiny posterior."""
    return run_batch(tmp_path_factory.mktemp("backtest") / "results", str(posterior_dir))


@pytest.fixture(scope="module")
def plain_results(tmp_path_factory) -> Path:
    """A batch run without a posterior."""
    return run_batch(tmp_path_factory.mktemp("backtest-plain") / "results", "none")


def published() -> int:
    """The rows of the observation files of observations/."""
    return sum(len(pd.read_csv(path)) for path in (ROOT / "observations").glob("*.csv"))


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_shows_bands_points_moments_and_marginals_of_a_posterior_batch(
    fitted_results, lang
):
    results = load_results(fitted_results)
    rendered = backtest.PAGE.render(View(results, lang))
    assert set(rendered.charts) == {backtest.BANDS, backtest.MARGINALS}

    figure, table = rendered.charts[backtest.BANDS]
    bands, points = table[table["value"].isna()], table[table["value"].notna()]
    assert list(table.columns[:6]) == ["quantity", "scenario", "date", "p05", "p50", "p95"]
    assert set(bands["scenario"]) == {"no_policy", "as_enacted"}
    assert bands["date"].min() == pd.Timestamp("2020-12-31")
    assert set(bands["quantity"]) == set(points["quantity"])
    assert len(points) == published() + 1 and points["used"].sum() == 1
    assert sum(len(trace.x) for trace in observed_traces(figure)) == len(points)
    filled = [trace for trace in observed_traces(figure) if "open" not in trace.marker.symbol]
    assert [trace.marker.symbol for trace in filled] == ["triangle-up"]  # the fitted bound

    figure, marginals = rendered.charts[backtest.MARGINALS]
    assert set(marginals["parameter"]) == set(UNCERTAIN)
    assert len(figure.layout.annotations) == len(UNCERTAIN)

    text = str(rendered.blocks[backtest.MOMENTS])
    assert "out-of-range" in text and "in-range" in text
    assert t("moment.net_to_new_ratio", lang) in text
    assert t("backtest.no_posterior", lang) not in text


def test_the_backtest_is_read_once_per_results_folder(fitted_results):
    results = load_results(fitted_results)
    assert results.backtest() is results.backtest()
    assert results.backtest().posterior is not None


@pytest.mark.parametrize("lang", LANGS)
def test_without_a_posterior_the_page_says_so_and_still_shows_bands_and_points(plain_results, lang):
    results = load_results(plain_results)
    view = View(results, lang)
    rendered = backtest.PAGE.render(view)
    figure, table = rendered.charts[backtest.BANDS]
    assert len(table[table["value"].notna()]) == published()
    assert sum(len(trace.x) for trace in observed_traces(figure)) == published()
    assert len([trace for trace in figure.data if trace.fill == "toself"]) > 0

    marginals, _ = rendered.charts[backtest.MARGINALS]
    assert marginals.layout.annotations[0].text == t("backtest.no_marginals", lang)
    text = str(backtest.PAGE.layout(view, rendered))
    assert t("backtest.no_posterior", lang) in text and "moment-table" not in text


# --- in the browser ------------------------------------------------------------------------

PARTS = """([heading]) => {
    const h2 = document.querySelector('#page .page h2');
    const titles = [...document.querySelectorAll('#page .chart-card .gtitle')];
    return h2 && h2.innerText.trim() === heading && titles.length === 2
        && document.querySelectorAll('#bt-moments-table tbody tr').length > 0;
}"""


@pytest.mark.browser
def test_the_page_in_chromium_in_both_languages(page, fitted_results, tmp_path):
    with dashboard_server(fitted_results, tmp_path) as url:
        page.goto(url + "/backtest")
        page.wait_for_function(PARTS, arg=[t("backtest.heading", "zh")], timeout=60_000)
        assert page.get_attribute("#nav-backtest", "class") == "nav-link active"
        assert page.locator("#bt-moments-table tbody tr").count() == 2
        assert page.locator("#bt-moments-table td.out-of-range").count() == 1
        assert t("backtest.moments", "zh") in page.inner_text("#bt-moments")
        legend = page.locator("#bt-bands .legendtext").all_text_contents()
        assert figures.observed_label(">=", True, "zh") in legend
        assert figures.observed_label(">=", False, "zh") in legend
        panels = page.locator("#bt-marginals .annotation-text").count()
        assert panels == len(UNCERTAIN)

        page.click("#lang-en")
        page.wait_for_function(PARTS, arg=[t("backtest.heading", "en")], timeout=15_000)
        assert t("backtest.col.within", "en") in page.inner_text("#bt-moments-table")
        assert t("backtest.marginals", "en") in page.text_content("#bt-marginals .gtitle")
        page.screenshot(path=str(tmp_path / "backtest.png"), full_page=True)
        assert page.console_errors == []
