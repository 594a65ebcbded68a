"""The overview and cities pages for a briefing, in real headless Chromium serving REAL results
(`run.py run`, `run.py dashboard`: tests/dashboard_fixtures.py): the summary sentence holds the
target and the gap computed here from the Parquet files; the Chinese city chart's tick labels
are unique; the print layout (A4 landscape) hides the navigation and cuts no column. Screenshots
of the overview in both languages go under the test's temporary folder (paths printed); no table
header wraps a single character onto a line of its own."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dashboard.formats import format_number
from dashboard.i18n import LANGS, t

pytestmark = pytest.mark.browser

A4_LANDSCAPE_PX = 1047  # 297 mm − 2 × 10 mm margins (style.css @page) at 96 px per inch
A4_LANDSCAPE_PT = (841.92, 594.96)


def open_page(tab, url: str, path: str, lang: str, ready: str) -> None:
    """Open a page in a language and wait for `ready` (a selector) to show."""
    tab.goto(url + path)
    tab.wait_for_selector(ready, timeout=60_000)
    if lang == "en":
        tab.click("#lang-en")
        tab.wait_for_function(
            "h => document.querySelector('#page h2').innerText.trim() === h",
            arg=t("overview.heading" if path == "/" else "cities.heading", "en"),
        )
        tab.wait_for_selector(ready)


HEADER_LINES = """() => [...document.querySelectorAll('#overview-table th')].map(th => {
    const node = th.firstChild, text = node.textContent, lines = {};
    for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const top = Math.round(range.getBoundingClientRect().top);
        lines[top] = (lines[top] || 0) + 1;
    }
    return [text, Math.min(...Object.values(lines))];
})"""  # each header's text and the fewest characters on one of its lines


def shortest_header_lines(tab) -> dict[str, int]:
    """Header text → the fewest characters on one of its rendered lines."""
    return {text: fewest for text, fewest in tab.evaluate(HEADER_LINES)}


def target_and_gap(results_dir) -> tuple[float, float]:
    """As enacted's doubling line (2 × the median end-2020 count) and its gap to the median
    end-2025 count, from the Parquet files with pandas alone."""
    summary = pd.read_parquet(results_dir / "summary.parquet")
    runs = summary[summary["scenario"] == "as_enacted"]
    series = pd.read_parquet(
        results_dir / "timeseries.parquet",
        columns=["scenario", "date", "n_registered"],
        filters=[("scenario", "==", "as_enacted"), ("date", "==", pd.Timestamp("2025-12-31"))],
    )
    target = 2 * float(np.median(runs["start_registered"]))
    return target, target - float(np.median(series["n_registered"]))


@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_sentence_holds_the_target_and_the_gap(
    page, dashboard_url, results_dir, tmp_path, lang
):
    open_page(page, dashboard_url, "/", lang, "#headline-sentence")
    sentence = page.inner_text("#headline-sentence")
    target, gap = target_and_gap(results_dir)
    assert format_number(target, lang) in sentence, sentence
    assert format_number(abs(gap), lang) in sentence, sentence
    shown = page.eval_on_selector("#headline-sentence", "p => [p.dataset.target, p.dataset.gap]")
    assert [float(v) for v in shown] == pytest.approx([target, gap], abs=1)
    # the answer comes first: the sentence stands above the table
    above = page.evaluate(
        "() => document.querySelector('#overview-headline').getBoundingClientRect().bottom"
        " <= document.querySelector('#overview-table').getBoundingClientRect().top"
    )
    assert above
    lonely = {text: n for text, n in shortest_header_lines(page).items() if n < 2}
    assert not lonely, f"headers wrapping a single character onto a line: {lonely}"
    page.wait_for_selector("#overview-end .gtitle")
    shot = tmp_path / f"overview-{lang}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the overview ({lang}): {shot}")
    assert page.console_errors == []


def test_the_chinese_city_chart_has_unique_tick_labels(page, dashboard_url, tmp_path):
    open_page(page, dashboard_url, "/cities", "zh", "#city-growth .xtick")
    labels = page.eval_on_selector_all(
        "#city-growth .xtick text", "ticks => ticks.map(t => t.textContent.trim())"
    )
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels
    assert all(re.fullmatch(r"\d\.\d\d倍", label) for label in labels), labels
    page.wait_for_selector("#city-milestones .gtitle")
    rows = page.eval_on_selector_all("#city-targets tbody tr", "rows => rows.length")
    assert rows == 11  # a target row per city
    shot = tmp_path / "cities-zh.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nscreenshot of the cities (zh): {shot}")
    assert page.console_errors == []


def test_the_overview_prints_on_a4_without_navigation_and_cuts_no_column(
    page, dashboard_url, tmp_path
):
    open_page(page, dashboard_url, "/", "zh", "#overview-end .gtitle")
    pdf = tmp_path / "overview.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf.read_bytes())
    assert box and tuple(float(v) for v in box.groups()) == pytest.approx(A4_LANDSCAPE_PT)
    print(f"\nthe overview printed: {pdf}")

    page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 740})
    page.emulate_media(media="print")
    page.wait_for_function(  # the chart follows the printed width
        "w => document.querySelector('#overview-end .main-svg').getAttribute('width') <= w",
        arg=A4_LANDSCAPE_PX,
    )
    layout = page.evaluate(
        """() => {
        const shown = s => getComputedStyle(document.querySelector(s)).display !== 'none';
        const wrap = document.querySelector('.table-wrap');
        const cells = [...document.querySelectorAll('#overview-table th, #overview-table td')];
        return {
            nav: shown('#nav'), languages: shown('.lang-switch'),
            width: document.documentElement.clientWidth,
            overflow: wrap.scrollWidth - wrap.clientWidth,
            right: Math.max(...cells.map(c => c.getBoundingClientRect().right)),
            costs: cells.filter(c => c.className.includes('col-fiscal_cost')).length,
        };
    }"""
    )
    assert not layout["nav"] and not layout["languages"]
    assert layout["overflow"] <= 0 and layout["right"] <= layout["width"], layout
    assert layout["costs"] >= 15  # the cost column is there, a cell per scenario
    assert min(shortest_header_lines(page).values()) >= 2  # no header wraps a lone character
    shot = tmp_path / "overview-print.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot of the print layout: {shot}")
