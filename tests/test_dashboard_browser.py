"""The dashboard in real headless Chromium, serving REAL results made by `run.py run`.

Each page loads without console errors and renders in under a second after a click; the overview
lists every scenario; the language switch changes the titles; a live what-if run completes and its
line appears; charts download as CSV and PNG; a bad results folder gives a message, not a trace.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pandas as pd
import pytest

from dashboard.i18n import t
from tests.dashboard_fixtures import dashboard_server

pytestmark = pytest.mark.browser

# nav id → (the page's heading key, how many charts it shows)
PAGES = {
    "overview": ("overview.heading", 1),
    "trajectories": ("trajectories.heading", 2),
    "composition": ("composition.heading", 4),
    "cities": ("cities.heading", 3),
    "levers": ("levers.heading", 3),
    "whatif": ("whatif.heading", 2),
    "backtest": ("backtest.heading", 2),
    "attribution": ("attribution.heading", 3),
}
SWITCH_LIMIT_S = 1.0  # the design's target: a page change renders in under a second

RENDERED = """([heading, charts]) => {
    const h2 = document.querySelector('#page .page h2');
    if (!h2 || h2.innerText.trim() !== heading) return false;
    const graphs = document.querySelectorAll('#page .chart-card .js-plotly-plot');
    return graphs.length === charts && [...graphs].every(g => {
        const title = g.querySelector('.gtitle');
        return title && title.textContent.trim().length > 0;
    });
}"""


def wait_rendered(tab, name: str, lang: str = "zh", timeout: float = 15_000) -> None:
    """Wait until page `name` shows its heading and every chart is drawn with its title."""
    heading, charts = PAGES[name]
    tab.wait_for_function(RENDERED, arg=[t(heading, lang), charts], timeout=timeout)


def switch_to(tab, name: str, lang: str = "zh") -> float:
    """Click a navigation tab; seconds from the click to the page's charts drawn."""
    start = time.perf_counter()
    tab.click(f"#nav-{name}")
    wait_rendered(tab, name, lang)
    return time.perf_counter() - start


def open_dashboard(tab, url: str, path: str = "/") -> None:
    tab.goto(url + path)
    tab.wait_for_selector("#app-title")


def test_every_page_loads_without_console_errors_and_switches_in_under_a_second(
    page,
    dashboard_url,
):
    """Click through every page three times; each page's best switch must take under a second.

    The best of three, since the machine is shared: other work only ever adds time.
    """
    open_dashboard(page, dashboard_url)
    wait_rendered(page, "overview", timeout=60_000)
    order = [*list(PAGES)[1:], "overview"]
    rounds = [{name: switch_to(page, name) for name in order} for _ in range(3)]
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for number, times in enumerate(rounds, 1):
        print(
            f"page switch, round {number}: "
            + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in times.items())
        )
    best = {name: min(times[name] for times in rounds) for name in order}
    print("best: " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in best.items()))
    assert page.console_errors == []
    slow = {name: round(seconds, 2) for name, seconds in best.items() if seconds >= SWITCH_LIMIT_S}
    assert not slow, f"page switches of {SWITCH_LIMIT_S} s or more: {slow}"


def test_overview_shows_every_scenario_of_the_results(page, dashboard_url, manifest):
    open_dashboard(page, dashboard_url)
    wait_rendered(page, "overview", timeout=60_000)
    rows = page.eval_on_selector_all(
        "#overview-table tbody tr", "rows => rows.map(r => r.dataset.scenario)"
    )
    assert sorted(rows) == sorted(manifest["scenarios"])
    title = manifest["scenarios"]["as_enacted"]["title_zh"]
    assert title in page.inner_text("#overview-table")
    assert page.console_errors == []


def test_switching_language_changes_the_titles(page, dashboard_url):
    open_dashboard(page, dashboard_url, "/trajectories")
    wait_rendered(page, "trajectories", timeout=60_000)
    assert page.inner_text("#app-title") == t("app.title", "zh")
    assert t("trajectories.registered", "zh") in page.text_content("#traj-registered .gtitle")

    start = time.perf_counter()
    page.click("#lang-en")
    wait_rendered(page, "trajectories", "en")
    print(f"\nlanguage switch: {(time.perf_counter() - start) * 1000:.0f} ms")
    assert page.inner_text("#app-title") == t("app.title", "en")
    assert page.inner_text("#nav-cities") == t("nav.cities", "en")
    assert t("trajectories.registered", "en") in page.text_content("#traj-registered .gtitle")
    assert " M" in page.text_content("#traj-registered .ytick")  # English number format

    switch_to(page, "overview", "en")  # the language holds across pages
    assert t("overview.col.p_doubled", "en") in page.inner_text("#overview-table")
    page.click("#lang-zh")
    wait_rendered(page, "overview", "zh")
    assert page.inner_text("#app-title") == t("app.title", "zh")
    assert page.console_errors == []


def _choose_lever(tab, article_label: str) -> None:
    tab.click("button.picker-wide")  # the lever dropdown
    tab.locator('[role="option"]', has_text=article_label).first.click()
    tab.keyboard.press("Escape")
    tab.wait_for_selector(".slider-row")


def test_a_whatif_run_completes_and_its_line_appears(page, dashboard_url):
    open_dashboard(page, dashboard_url, "/whatif")
    wait_rendered(page, "whatif", timeout=60_000)
    assert not page.is_disabled("#whatif-run")
    _choose_lever(page, t("levers.article", "zh", n=8))
    page.click("#whatif-run")
    label = t("whatif.label", "zh")
    page.wait_for_selector(f"#whatif-registered .legendtext:text-is('{label}')", timeout=120_000)
    assert t("whatif.done", "zh", runs=3, scale="200") in page.inner_text("#whatif-status")
    assert label in page.inner_text("#whatif-table")
    assert page.is_disabled("#whatif-cancel")
    # the result is kept when the page is left and opened again
    switch_to(page, "overview")
    switch_to(page, "whatif")
    assert page.locator(f"#whatif-registered .legendtext:text-is('{label}')").count() == 1
    assert page.console_errors == []


def test_a_whatif_run_can_be_cancelled(page, dashboard_url):
    open_dashboard(page, dashboard_url, "/whatif")
    wait_rendered(page, "whatif", timeout=60_000)
    _choose_lever(page, t("levers.article", "zh", n=36))
    page.click("button.picker-narrow")  # runs: at most the stored batch's (3), each paired
    page.locator('[role="option"]', has_text="3").first.click()
    page.click("#whatif-run")
    page.wait_for_function("!document.querySelector('#whatif-cancel').disabled", timeout=10_000)
    page.click("#whatif-cancel")
    page.wait_for_function("!document.querySelector('#whatif-run').disabled", timeout=10_000)
    page.wait_for_timeout(1500)
    assert (
        page.locator(f"#whatif-registered .legendtext:text-is('{t('whatif.label', 'zh')}')").count()
        == 0
    )
    assert page.inner_text("#whatif-status") == t("whatif.cancelled", "zh")


def test_charts_download_as_csv_and_png(page, dashboard_url, manifest, tmp_path):
    open_dashboard(page, dashboard_url, "/trajectories")
    wait_rendered(page, "trajectories", timeout=60_000)
    with page.expect_download() as csv_download:
        page.click(".chart-card:has(#traj-registered) .csv-button")
    csv_path = tmp_path / csv_download.value.suggested_filename
    csv_download.value.save_as(csv_path)
    table = pd.read_csv(csv_path, encoding="utf-8-sig", comment="#")
    assert csv_path.name.endswith("traj-registered.csv")
    assert list(table.columns)[:5] == [
        "情景",
        "月份",
        "5%分位（万户）",
        "中位数（万户）",
        "95%分位（万户）",
    ]
    titles = {name: s["title"]["zh"] for name, s in manifest["scenarios"].items()}
    shown = set(table["情景"])
    assert {titles["no_policy"], titles["as_enacted"]} <= shown and len(shown) == 4  # on the chart

    with page.expect_download() as png_download:
        page.click(".chart-card:has(#traj-registered) .png-button")
    png_path = tmp_path / png_download.value.suggested_filename
    png_download.value.save_as(png_path)
    assert png_path.name.endswith("traj-registered.png")
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.console_errors == []


def test_a_bad_results_folder_gives_a_readable_message(
    page,
    results_dir,
    tmp_path,
):
    folder = tmp_path / "results"
    with dashboard_server(folder, tmp_path) as url:
        cases = [  # (what is wrong, a phrase of its message)
            (lambda: None, "不存在"),
            (folder.mkdir, "没有完整的结果"),
            (lambda: _older_copy(results_dir, folder), "旧版本"),
        ]
        for make, phrase in cases:
            make()
            open_dashboard(page, url, "/trajectories")
            page.wait_for_selector("#results-error")
            text = page.inner_text("#results-error")
            assert t("error.title", "zh") in text and phrase in text and str(folder) in text
            assert t("error.hint", "zh") in text
            assert "Traceback" not in page.content()
        assert page.console_errors == []


def _older_copy(results_dir, folder):
    shutil.rmtree(folder)
    shutil.copytree(results_dir, folder)
    path = folder / "manifest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | {"format_version": 0}))
