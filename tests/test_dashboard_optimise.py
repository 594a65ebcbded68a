"""The path-to-the-target page (实现路径, issue 14 item 3): the frontier figure and the tables as
pure functions of hand-built tables; the page from a real tiny `run.py optimise` (its
verification batch is the results folder shown: no other batch to run); a clicked point's levers;
a verified mix opened on the trajectories page; a missing search named with its command; the page
in real headless Chromium in both languages.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from dashboard import exports, figures
from dashboard.catalogue import load_view
from dashboard.data import ResultsSource, load_results
from dashboard.i18n import LANGS, t
from dashboard.pages import optimise, trajectories
from dashboard.pages.base import View
from dashboard.tables import mix_rows, verified_rows
from model.experiments import InputError, read_optimisation
from tests.batch_fixtures import run_cli
from tests.dashboard_fixtures import dashboard_server

# --- hand-built tables ---------------------------------------------------------------------


def front_rows() -> pd.DataFrame:
    """Three front points, cheapest first; trials 7 and 3 verified."""
    return pd.DataFrame(
        {
            "trial": [7, 1, 3],
            "search_cost": [2e8, 9e8, 4e9],
            "search_p_doubled": [0.1, 0.5, 0.9],
            "search_operating_share": [0.82, 0.78, 0.71],
        }
    )


def verified_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "trial": [3, 7],
            "scenario": ["mix_2", "mix_1"],
            "runs": [100, 100],
            "p_doubled": [0.85, 0.05],
            "p_doubled_p05": [0.78, 0.02],
            "p_doubled_p95": [0.9, 0.1],
            "fiscal_cost": [3.8e9, 2.1e8],
            "ratio": [2.05, 1.7],
            "operating_share": [0.72, 0.83],
            "yuan_per_additional_operating": [5e4, float("nan")],
            "meets_target": [True, False],
        }
    )


def test_frontier_chart_draws_cost_against_p_coloured_by_operating_share():
    figure = figures.frontier_chart(front_rows(), verified_table(), 0.8, "en", "Frontier")
    front, verified = figure.data
    axis = figures.value_axis("money", 4e9, "en")
    assert list(front.x) == pytest.approx([2e8 / axis.divisor, 9e8 / axis.divisor, 4.0])
    assert list(front.y) == [0.1, 0.5, 0.9]
    assert list(front.marker.color) == [0.82, 0.78, 0.71]
    assert [row[0] for row in front.customdata] == [7, 1, 3]  # a click gives the trial
    assert [row[0] for row in verified.customdata] == [3, 7]
    assert verified.marker.symbol == "diamond"
    assert list(verified.error_y.array) == pytest.approx([0.05, 0.05])
    assert list(verified.error_y.arrayminus) == pytest.approx([0.07, 0.03])
    assert front.marker.coloraxis == verified.marker.coloraxis == "coloraxis"
    assert figure.layout.coloraxis.colorbar.title.text == t("optimise.share", "en")
    target = [s for s in figure.layout.shapes if s.y0 == s.y1]
    assert [s.y0 for s in target] == [0.8]


def test_frontier_chart_without_verified_points_draws_the_front_only():
    figure = figures.frontier_chart(front_rows(), verified_table().iloc[:0], 0.5, "zh", "前沿")
    assert len(figure.data) == 1
    assert figure.data[0].name == t("optimise.front", "zh")


def test_verified_rows_are_cheapest_first_with_the_interval_and_whether_they_meet_the_target():
    rows = verified_rows(verified_table(), "en")
    assert [r["name"] for r in rows] == ["mix_1", "mix_2"]
    assert rows[1]["p_doubled"] == "85% (78%–90%)"
    assert rows[1]["meets_target"] == t("optimise.yes", "en")
    assert rows[0]["meets_target"] == t("optimise.no", "en")
    assert rows[0]["yuan_per_additional_operating"] == "–"
    assert verified_rows(verified_table(), "zh")[1]["fiscal_cost"] == "38.0亿元"


def test_mix_rows_give_each_levers_intensity_start_articles_and_departments():
    catalogue = load_view()
    first, last = catalogue.levers[0], catalogue.levers[-1]
    mix = {last.id: (2.5, "2023-07"), first.id: (0.4, "2022-01")}
    rows = mix_rows(mix, catalogue, "zh")
    assert [r["id"] for r in rows] == [first.id, last.id]  # the catalogue's order
    assert rows[0]["lever"] == first.title_zh
    assert (rows[0]["intensity"], rows[0]["start"]) == ("0.4", "2022年1月")
    assert rows[1]["start"] == "2023年7月"
    assert rows[0]["articles"] == "、".join(f"第{a}条" for a in first.articles)
    assert rows[0]["departments"] == "、".join(
        catalogue.department_name(d, "zh") for d in first.departments
    )
    english = mix_rows(mix, catalogue, "en")
    assert english[1]["start"] == "Jul 2023"
    assert english[0]["lever"] == first.title_en


# --- a real search -------------------------------------------------------------------------

TINY = ["--trials", "4", "--runs-per-trial", "2", "--verify-runs", "3", "--scale", "5000"]


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> Path:
    """A tiny real `run.py optimise` (about 30 s here): its front, scenarios, verification."""
    out = tmp_path_factory.mktemp("page-optimise") / "search"
    done = run_cli("optimise", *TINY, "--workers", "1", "--out", str(out), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def page_view(searched: Path, lang: str, selections: dict | None = None) -> View:
    """The view of the search's own verification batch, the search shown beside it."""
    results = load_results(searched / "verification", searched)
    return View(results, lang, selections or {})


def test_the_reader_gives_the_front_and_the_verified_mixes_as_written(searched):
    found = read_optimisation(searched)
    summary = json.loads((searched / "optimisation.json").read_text(encoding="utf-8"))
    assert list(found.verified["scenario"]) == [v["scenario"] for v in summary["verified"]]
    assert found.verification == searched / "verification"
    assert set(found.front.dropna(subset=["scenario"])["scenario"]) == set(
        found.verified["scenario"]
    )
    assert all(isinstance(mix, dict) and mix for mix in found.front["mix"])
    assert found.best is not None and found.best["scenario"] in summary["answer"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_shows_the_frontier_the_answer_and_the_verified_mixes(searched, lang):
    view = page_view(searched, lang)
    rendered = optimise.render(view)
    found = read_optimisation(searched)
    figure, table = rendered.charts[optimise.FRONTIER]
    assert len(figure.data[0].x) == len(found.front)
    assert len(figure.data[1].x) == len(found.verified)
    assert list(table["trial"]) == list(found.front["trial"])
    summary = rendered.blocks[optimise.SUMMARY]
    answer = summary[1].children
    assert found.best["scenario"] in answer
    key = "optimise.answer_met" if found.best["meets_target"] else "optimise.answer_not_met"
    assert answer.startswith(t(key, lang, name="", cost="", p="", interval="", runs="")[:6])
    rows = summary[3].children.children[1].children
    assert len(rows) == len(found.verified)
    optimise.layout(view, rendered)  # the page's layout builds


def test_the_frontier_downloads_in_chinese_without_ids(searched, tmp_path):
    """Beside its own verification batch and beside another batch (`run.py dashboard --results
    OTHER --optimisation SEARCH`): Chinese headers, a verified mix by its title, no True/False,
    the footer naming the verification batch (3 runs; the other batch has 1)."""
    other = tmp_path / "other"
    done = run_cli("run", "scenarios/no_policy.yaml", "--runs=1", "--scale=5000",
                   "--posterior=none", "--quiet", f"--out={other}")  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    found = read_optimisation(searched)
    titles = {s.name: s.title_zh for s in load_results(searched / "verification").scenarios}
    for folder in (searched / "verification", other):
        results = load_results(folder, searched)
        rendered = optimise.render(View(results, "zh", {}))
        table, runs = rendered.charts[optimise.FRONTIER][1], rendered.runs[optimise.FRONTIER]
        payload = exports.download(table, optimise.FRONTIER, results, "zh", "csv", runs)
        text = payload["content"].removeprefix("\ufeff")
        footer = [line for line in text.splitlines() if line.startswith("# ")]
        assert "verification" in footer[0] and "每个情景 3 次模拟" in footer[1]  # its runs
        read = pd.read_csv(io.StringIO(text), comment="#")
        assert all(re.search(r"[\u4e00-\u9fff]", header) for header in read.columns), folder
        shown = set(read[t("download.col.scenario", "zh")].dropna())
        assert shown == {titles[name] for name in found.verified["scenario"]}, folder
        assert not set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) & {"True", "False", *titles}, (
            folder
        )
        verdicts = set(read[t("download.col.meets_target", "zh")].dropna())
        assert verdicts <= {t("download.yes", "zh"), t("download.no", "zh")}


def levers_of(block: list) -> list[str]:
    """The lever ids of the levers table in a point block."""
    table = next(c for c in block if getattr(c, "className", "") == "table-wrap").children
    return [getattr(row, "data-row") for row in table.children[1].children]


def test_a_clicked_point_shows_its_own_levers_and_only_a_verified_one_opens(searched):
    view = page_view(searched, "en")
    search = view.results.search()
    found = search.found
    for point in found.front.to_dict("records"):
        click = {"points": [{"curveNumber": 0, "customdata": [point["trial"], 0.8]}]}
        trial = optimise.clicked_trial(click)
        block = optimise.point_block(search, trial, "en")
        assert block[0].data == point["trial"]
        assert set(levers_of(block)) == set(point["mix"])
        button = next(c for c in block if getattr(c, "id", None) == optimise.OPEN)
        assert button.disabled == (point["scenario"] is None)
    shown = optimise.point_block(search, optimise.default_trial(search), "en")[0].data
    best = found.front.loc[found.front["scenario"] == found.best["scenario"], "trial"]
    assert shown == int(best.iloc[0])  # the page opens on the mix the answer names


def test_an_opened_mix_is_drawn_on_the_trajectories_page_from_its_verified_runs(searched):
    mix = read_optimisation(searched).best["scenario"]
    view = page_view(searched, "zh", {trajectories.MIX: mix})
    assert trajectories.PAGE.chosen(view)[1] == mix
    rendered = trajectories.render(view)
    figure, table = rendered.charts["traj-registered"]
    key = trajectories.MIX_KEY + mix
    drawn = table[table["scenario"] == key]
    verified = trajectories.bands(view.results.search().verification, "n_registered")
    expected = verified[verified["scenario"] == mix]
    assert list(drawn["p50"]) == list(expected["p50"])  # the verification batch's own runs
    label = trajectories.mix_label(mix, 3, "zh")
    assert label in {trace.name for trace in figure.data}
    # not a verified mix: ignored, the default chart
    stale = page_view(searched, "zh", {trajectories.MIX: "no_policy"})
    assert trajectories.PAGE.chosen(stale)[1] is None


@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_search_is_named_with_its_command(searched, tmp_path, lang):
    absent = tmp_path / "nothing-here"
    results = load_results(searched / "verification", absent)
    rendered = optimise.render(View(results, lang))
    assert rendered.charts[optimise.FRONTIER][1].empty
    message = rendered.blocks[optimise.SUMMARY][0]
    text = " ".join(p.children for p in message.children)
    assert f"uv run python run.py optimise --out {absent}" in text
    assert t("optimise.missing", lang) in text
    with pytest.raises(InputError, match="run.py optimise --out"):
        read_optimisation(absent)
    trajectories_view = View(results, lang, {trajectories.MIX: "mix_1"})
    assert trajectories.verified_mixes(results) == {}
    assert trajectories.PAGE.chosen(trajectories_view)[1] is None


def test_a_search_written_later_is_picked_up_and_a_corrupt_one_named(searched, tmp_path):
    folder = tmp_path / "later"
    source = ResultsSource(searched / "verification", folder)
    assert isinstance(optimise.search_of(source.get()), str)
    folder.mkdir()
    for name in ("front.csv", "optimisation.json"):
        (folder / name).write_bytes((searched / name).read_bytes())
    assert not isinstance(optimise.search_of(source.get()), str)  # reloaded, no restart
    (folder / "front.csv").write_text("trial,mix\n1,{not json\n", encoding="utf-8")
    problem = optimise.search_of(source.get())
    assert isinstance(problem, str) and str(folder) in problem and "unreadable" in problem


def test_a_search_without_a_feasible_mix_says_so(searched, tmp_path):
    out = tmp_path / "none-feasible"
    options = ["--trials", "2", "--runs-per-trial", "2", "--scale", "5000", "--workers", "1"]
    done = run_cli("optimise", *options, "--min-operating-share", "0.99", "--out", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    results = load_results(searched / "verification", out)
    rendered = optimise.render(View(results, "en"))
    assert rendered.blocks[optimise.SUMMARY][1].children == t("optimise.no_front", "en")
    assert len(rendered.charts[optimise.FRONTIER][0].data) == 1  # no point, no verified trace
    assert rendered.blocks[optimise.POINT][0].data is None
    assert trajectories.verified_mixes(results) == {}


# --- in the browser ------------------------------------------------------------------------

DRAWN = """([heading]) => {
    const h2 = document.querySelector('#page .page h2');
    return h2 && h2.innerText.trim() === heading
        && document.querySelectorAll('#opt-frontier .scatterlayer .point').length > 0
        && document.querySelectorAll('#opt-levers tbody tr').length > 0;
}"""


def click_point(page, trace: int, index: int) -> None:
    """Click a point of the frontier as a user does (plotly finds the point under the mouse)."""
    point = page.locator("#opt-frontier .scatterlayer .trace").nth(trace).locator(".point")
    point.nth(index).scroll_into_view_if_needed()  # the chart may start below the fold
    box = point.nth(index).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.click(x, y)


@pytest.mark.browser
def test_the_page_in_chromium_in_both_languages(page, searched, tmp_path):
    found = read_optimisation(searched)
    front = found.front.reset_index(drop=True)
    options = ("--optimisation", str(searched))
    with dashboard_server(searched / "verification", tmp_path, *options) as url:
        page.goto(url + "/optimise")
        page.wait_for_function(DRAWN, arg=[t("optimise.heading", "zh")], timeout=60_000)
        assert page.get_attribute("#nav-optimise", "class") == "nav-link active"
        assert page.locator("#opt-summary-table tbody tr").count() == len(found.verified)
        # click the cheapest point of the front: its levers
        cheapest = front.iloc[0]
        click_point(page, 0, 0)
        heading = t("optimise.point", "zh", trial=int(cheapest["trial"]))
        page.wait_for_selector(f"#opt-point h3:text-is('{heading}')", timeout=15_000)
        shown = page.locator("#opt-levers tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.row)"
        )
        assert set(shown) == set(cheapest["mix"])
        assert page.is_enabled("#opt-open") == (cheapest["scenario"] is not None)
        # a verified point opens on the trajectories page, drawn from its verified runs
        verified = front.dropna(subset=["scenario"]).index[-1]
        click_point(page, 0, int(verified))
        mix, runs = front.loc[verified, "scenario"], int(found.verified["runs"].iloc[0])
        heading = t("optimise.point", "zh", trial=int(front.loc[verified, "trial"]))
        page.wait_for_selector(f"#opt-point h3:text-is('{heading}')", timeout=15_000)
        assert page.is_enabled("#opt-open")
        page.click("#opt-open")
        page.wait_for_function("location.pathname === '/trajectories'", timeout=15_000)
        label = trajectories.mix_label(mix, runs, "zh")
        page.wait_for_selector(f"#traj-registered .legendtext:text-is('{label}')", timeout=15_000)
        # the same in English
        page.click("#lang-en")
        label = trajectories.mix_label(mix, runs, "en")
        page.wait_for_selector(f"#traj-operating .legendtext:text-is('{label}')", timeout=15_000)
        page.click("#nav-optimise")
        page.wait_for_function(DRAWN, arg=[t("optimise.heading", "en")], timeout=15_000)
        assert t("optimise.frontier", "en") in page.text_content("#opt-frontier .gtitle")
        assert t("optimise.verified_heading", "en") in page.inner_text("#opt-summary")
        page.screenshot(path=str(tmp_path / "optimise.png"), full_page=True)
        assert page.console_errors == []
