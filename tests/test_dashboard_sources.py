"""Issue 15, the sources helper's part: the 假设与来源 page, the languages of the levers page and
the error page (defect 8), the levers page by lead department (defect 4), Excel-ready downloads
(defect 5, build 6).

The pure parts on hand-built tables; the rest on the real results of `run.py run`
(tests/dashboard_fixtures.py) and in real headless Chromium against `run.py dashboard`.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from dashboard import exports
from dashboard.app import create_app
from dashboard.catalogue import load_view
from dashboard.data import load_results
from dashboard.i18n import TEXT, label, t
from dashboard.pages import PAGES, sources
from dashboard.pages.base import View
from dashboard.pages.levers import GROUP_BODY, GROUP_TITLE, lever_groups
from model.experiments import (
    base_rate_entries,
    cost_entries,
    effect_entries,
    load_catalogue,
    take_up_entries,
)
from tests.dashboard_fixtures import copy_results, dashboard_server

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Latin words a Chinese page may show: acronyms planners use, and the dashboard's own buttons
ALLOWED_LATIN = {"SME", "SMEs", "GDP", "CSV", "Excel", "PNG", "HQ", "PPP", "AI", "5G", "IT"}
SWITCH_LIMIT_S = 1.0  # the design's target: a page renders in under a second


# --- downloads on hand-built tables -------------------------------------------------------------


def test_a_download_has_names_units_and_rounding_in_the_language():
    raw = pd.DataFrame(
        {
            "scenario": ["as_enacted"],
            "fiscal_cost_p50": [12258279876.118555],
            "end_registered_p50": [5217245.0],
            "cost_per_additional_operating_p50": [42742.507681302784],
            "p_doubled": [0.4440671],
            "ratio_p50": [1.86490176507398],
            "date": pd.to_datetime(["2025-12-31"]),
        }
    )
    names = {"scenario": {"as_enacted": "按文件实施"}}
    zh = exports.excel_table(raw, "overview-end", names, "zh").iloc[0].to_dict()
    assert zh == {
        "情景": "按文件实施",
        "财政成本·中位数（亿元）": 122.58,
        "期末登记主体·中位数（万户）": 521.72,
        "每增加一户实际经营主体的财政成本·中位数（元）": 42743.0,
        "倍增概率（%）": 44.4,
        "相对2020年底的倍数·中位数（倍）": 1.865,
        "月份": "2025-12",
    }
    en = exports.excel_table(raw, "overview-end", {}, "en").iloc[0].to_dict()
    assert en["Fiscal cost, median (million yuan)"] == 12258.3
    assert en["Registered at the end, median (thousand entities)"] == 5217.2
    assert en["Scenario"] == "as_enacted"  # an id without a name stays as it is


def test_generic_columns_take_the_charts_unit():
    raw = pd.DataFrame({"p50": [0.7326], "value": ["n_operating"]})
    share = exports.excel_table(raw, "comp-share", {}, "zh")
    assert list(share.columns) == ["中位数（%）", "指标"]
    assert share.iloc[0].tolist() == [73.3, "实际经营的市场主体数"]
    count = exports.excel_table(pd.DataFrame({"p50": [2743645.0]}), "traj-registered", {}, "zh")
    assert count.iloc[0, 0] == 274.36 and count.columns[0] == "中位数（万户）"


def test_yes_no_columns_are_words_in_the_language_with_their_gaps():
    raw = pd.DataFrame({"used": [True, None, False], "distinct": [True, False, True]})
    zh = exports.excel_table(raw, "bt-bands", {}, "zh")
    assert list(zh.columns) == ["用于拟合", "区间不含0"]
    assert zh["用于拟合"][0] == "是" and pd.isna(zh["用于拟合"][1]) and zh["用于拟合"][2] == "否"
    assert exports.excel_table(raw, "bt-bands", {}, "en").iloc[:, 1].tolist() == [
        "yes",
        "no",
        "yes",
    ]


# --- downloads and pages from real results ------------------------------------------------------


@pytest.fixture(scope="module")
def results(results_dir):
    return load_results(results_dir)


def test_every_chart_downloads_with_headers_in_the_language(results):
    """No raw column id in a downloaded header, in either language; a CSV reads back whole and
    an .xlsx opens, both with the footer."""
    checked = 0
    for page in PAGES:
        for lang in ("zh", "en"):
            for chart_id, (_, table) in page.render(View(results, lang, {})).charts.items():
                if not isinstance(table, pd.DataFrame) or table.empty:
                    continue
                payload = exports.download(table, chart_id, results, lang, "csv")
                text = payload["content"].removeprefix("\ufeff")
                read = pd.read_csv(io.StringIO(text), comment="#")
                assert len(read) == len(table), chart_id
                for header, column in zip(read.columns, table.columns, strict=True):
                    assert header != column, (chart_id, lang, column)
                    if lang == "zh":
                        assert CJK.search(header), (chart_id, header)
                footer = [line for line in text.splitlines() if line.startswith("# ")]
                assert len(footer) == 2 and str(results.manifest["runs"]) in footer[1]
                book = exports.download(table, chart_id, results, lang, "xlsx")
                sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(book["content"]))).active
                assert [c.value for c in sheet[1]] == list(read.columns)
                assert sheet.cell(sheet.max_row, 1).value == footer[1].removeprefix("# ")
                checked += 1
    assert checked >= 30  # every chart with data of the batch, twice


def test_the_sources_page_holds_every_row_of_the_register(results):
    catalogue = load_catalogue()
    rates = sources.rate_rows("zh")
    assert [row["id"] for row in rates] == [e.name for e in base_rate_entries()]
    for row in rates:  # each base rate named in Chinese, not by its id
        assert CJK.search(row["parameter"]), row["id"]
    levers = sources.lever_rows(load_view(), "zh")
    expected = sum(len(f(catalogue)) for f in (effect_entries, take_up_entries, cost_entries))
    assert len(levers) == expected
    assumed = [row for row in levers if row["basis"] == "assumption"]
    assert assumed and all(row["source"].startswith("assumption:") for row in assumed)
    for key in TEXT:  # every hook has a name
        if key.startswith("sources.hook."):
            assert CJK.search(t(key, "zh"))
    rendered = sources.render(View(results, "zh", {}))
    assert set(rendered.blocks) == set(sources.PAGE.blocks)


def _open_group(key: str) -> dict:
    """The callback body of a click on the title of the catalogue's group `key`."""
    body, title = {"type": GROUP_BODY, "key": key}, {"type": GROUP_TITLE, "key": key}
    return {
        "output": json.dumps({"key": ["MATCH"], "type": GROUP_BODY}, separators=(",", ":"))
        + ".children",
        "outputs": {"id": body, "property": "children"},
        "inputs": [{"id": title, "property": "n_clicks", "value": 1}],
        "state": [{"id": "lang", "property": "data", "value": "zh"}],
        "changedPropIds": [json.dumps(title, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
    }


def test_a_lever_group_is_drawn_when_opened_and_a_crafted_key_is_ignored(results_dir):
    client = create_app(results_dir).server.test_client()
    answer = client.post("/_dash-update-component", json=_open_group("department:finance"))
    assert answer.status_code == 200
    drawn = set(re.findall(r"lever-([a-z_]+)", answer.get_data(as_text=True)))
    catalogue = load_view()
    leads = {lv.id for lv in catalogue.levers if catalogue.lead_department(lv) == "finance"}
    assert leads and leads <= drawn
    for crafted in ("family:nowhere", "colour:finance", "finance"):
        answer = client.post("/_dash-update-component", json=_open_group(crafted))
        assert answer.status_code == 204, crafted


# --- in Chromium --------------------------------------------------------------------------------


def _english_of(catalogue) -> set[str]:
    """Every Latin word of the catalogue's English texts, ids and units."""
    texts = [d[1] for d in catalogue.departments.values()]
    texts += [f.title_en for f in catalogue.families]
    for lever in catalogue.levers:
        texts += [lever.title_en, lever.id.replace("_", " ")]
        texts += [x for k in lever.knobs for x in (k.label_en, k.unit, k.id.replace("_", " "))]
    return set(LATIN_WORD.findall(" ".join(texts)))


def _latin_of_the_document(catalogue) -> set[str]:
    """Latin words the Chinese texts themselves use (the document's own 'UKey')."""
    texts = [x for lv in catalogue.levers for x in (lv.text_zh, lv.title_zh)]
    texts += [k.label_zh for lv in catalogue.levers for k in lv.knobs]
    return set(LATIN_WORD.findall(" ".join(texts)))


def _open(tab, url: str, path: str, lang: str = "zh") -> None:
    tab.goto(url + path)
    tab.wait_for_selector("#page .page", timeout=60_000)
    if lang == "en":
        tab.click("#lang-en")
        tab.wait_for_function(
            "title => document.querySelector('#app-title').innerText === title",
            arg=t("app.title", "en"),
        )
        tab.wait_for_selector("#page .page")


def _wait_levers(tab, group: str, count: int) -> None:
    """Until the catalogue shows its `count` groups (folded) by `group`, and the three charts."""
    tab.wait_for_function(
        """([group, count]) => {
            const radio = document.querySelector(`#page input[value=${group}]`);
            return radio && radio.checked
                && document.querySelectorAll('#lever-catalogue .lever-group').length === count
                && document.querySelectorAll('#page .js-plotly-plot .gtitle').length === 3;
        }""",
        arg=[group, count],
        timeout=30_000,
    )


def _show_levers(tab, group: str) -> None:
    """Group the catalogue by `group`, open every group and wait for every lever drawn."""
    catalogue = load_view()
    tab.click(f"#page input[value={group}]")
    _wait_levers(tab, group, len(lever_groups(catalogue, group, "zh")))
    for summary in tab.locator("#lever-catalogue summary").all():
        summary.click()
    tab.wait_for_function(
        "n => document.querySelectorAll('#lever-catalogue .lever').length === n",
        arg=len(catalogue.levers),
        timeout=30_000,
    )


@pytest.mark.browser
def test_the_chinese_levers_page_shows_no_english_of_the_catalogue(page, dashboard_url):
    catalogue = load_view()
    ids = {lever.id for lever in catalogue.levers}
    knob_ids = {k.id for lever in catalogue.levers for k in lever.knobs}
    _open(page, dashboard_url, "/levers")
    for group in ("family", "department"):
        _show_levers(page, group)
        text = page.inner_text("#page")
        words = set(LATIN_WORD.findall(text))
        assert not words & _english_of(catalogue) - ALLOWED_LATIN
        allowed = ALLOWED_LATIN | _latin_of_the_document(catalogue) | {"Shapley"}  # a name
        assert words <= allowed, sorted(words - allowed)
        assert not (ids | knob_ids) & set(re.findall(r"[a-z_]+", text))
        assert "：" in page.inner_text("#lever-ecological_restoration")  # the knob, by its label

    _open(page, dashboard_url, "/levers", "en")  # English names, joined by ', '
    _show_levers(page, "family")
    facts = page.locator("#lever-catalogue dd").all_inner_texts()  # the quotes stay Chinese
    assert facts and not any("、" in fact for fact in facts)
    assert any(", " in fact for fact in facts)
    assert "Size of the provincial angel fund (yuan): 1 bn" in page.inner_text(
        "#lever-equity_finance"
    )
    assert page.console_errors == []


@pytest.mark.browser
def test_the_levers_page_by_lead_department_renders_in_under_a_second(page, dashboard_url):
    """Each lever once, under its lead department (牵头单位); the page, grouped so (the choice is
    remembered; groups folded, drawn when opened), drawn in under a second after a click: best of
    three, as the machine is shared."""
    catalogue = load_view()
    _open(page, dashboard_url, "/levers")
    _show_levers(page, "department")
    for lever in catalogue.levers:  # under its lead department's group
        group = page.locator(".lever-group", has=page.locator(f"#lever-{lever.id}"))
        lead = catalogue.department_name(catalogue.lead_department(lever), "zh")
        assert group.locator("summary").inner_text().startswith(lead)
    times = []
    for _ in range(3):
        page.click("#nav-overview")
        page.wait_for_selector("#overview-table")
        start = time.perf_counter()
        page.click("#nav-levers")
        _wait_levers(page, "department", len(lever_groups(catalogue, "department", "zh")))
        times.append(time.perf_counter() - start)
    print(
        f"\nlevers by department: {', '.join(f'{s:.2f}' for s in times)} s "
        f"(load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    assert min(times) < SWITCH_LIMIT_S
    assert page.console_errors == []


@pytest.mark.browser
def test_the_sources_page_filters_in_both_languages(page, dashboard_url):
    for lang, word in (("zh", "担保"), ("en", "guarantee")):
        _open(page, dashboard_url, "/sources", lang)
        page.wait_for_function(
            "heading => document.querySelector('#page h2').innerText === heading",
            arg=t("sources.heading", lang),
        )
        rows = page.locator(".sources-block table tbody tr")
        total = rows.count()
        assert total > 150
        page.fill("#sources-filter", word)
        page.wait_for_function("() => document.querySelector('#sources-count').innerText !== ''")
        shown = [r for r in rows.all() if r.is_visible()]
        assert 0 < len(shown) < total
        assert all(word in r.inner_text().lower() for r in shown)
        assert page.inner_text("#sources-count") == f"{len(shown)} / {total}"
        page.fill("#sources-filter", "")
        page.wait_for_function("() => document.querySelector('#sources-count').innerText === ''")
        assert sum(r.is_visible() for r in rows.all()) == total
    assert page.console_errors == []


def test_a_unit_without_a_translation_shows_as_the_register_writes_it():
    units = [row["unit"] for row in sources.rate_rows("en")]
    assert units == [e.unit for e in base_rate_entries()]  # English: as written
    assert label("furlongs a fortnight", "zh", "sources.unit") == "furlongs a fortnight"


@pytest.mark.browser
def test_the_chinese_sources_page_gives_units_and_basis_in_chinese(page, dashboard_url):
    """The base rates' unit and basis columns on the Chinese page: no English word but acronyms;
    the sources stay as written, and the page says so."""
    _open(page, dashboard_url, "/sources")
    page.wait_for_selector("#sources-rates-table tbody tr")
    cells = {
        column: page.locator(
            f"#sources-rates-table tbody td:nth-child({sources.RATE_COLUMNS.index(column) + 1})"
        ).all_inner_texts()
        for column in ("unit", "basis")
    }
    entries = base_rate_entries()
    assert len(cells["unit"]) == len(cells["basis"]) == len(entries)
    print(f"\nbase rates checked: {len(entries)} rows")
    for column, texts in cells.items():
        assert all(CJK.search(text) for text in texts), column
        words = set(LATIN_WORD.findall(" ".join(texts)))
        allowed = ALLOWED_LATIN | {"CES"}  # constant elasticity of substitution
        assert words <= allowed, (column, sorted(words - allowed))
    assert "来源原文为英文" in page.inner_text("#page .note")
    assert page.console_errors == []


@pytest.mark.browser
def test_downloads_are_excel_ready(page, dashboard_url, manifest, tmp_path):
    def download(selector: str) -> Path:
        with page.expect_download() as caught:
            page.click(selector)
        path = tmp_path / caught.value.suggested_filename
        caught.value.save_as(path)
        return path

    card = ".chart-card:has(#traj-registered)"
    titles = {name: s["title"] for name, s in manifest["scenarios"].items()}
    for lang, median, units in (
        ("zh", "中位数（万户）", 1e4),
        ("en", "Median (thousand entities)", 1e3),
    ):
        _open(page, dashboard_url, "/trajectories", lang)
        page.wait_for_selector("#traj-registered .gtitle", timeout=60_000)
        table = pd.read_csv(download(f"{card} .csv-button"), encoding="utf-8-sig", comment="#")
        assert t("download.col.scenario", lang) in table.columns and median in table.columns
        assert titles["as_enacted"][lang] in set(table[t("download.col.scenario", lang)])
        assert table[median].between(2e6 / units, 8e6 / units).all()  # 万户 (thousands)
        sheet = openpyxl.load_workbook(download(f"{card} .xlsx-button")).active
        assert [c.value for c in sheet[1]] == list(table.columns)
        assert str(manifest["runs"]) in sheet.cell(sheet.max_row, 1).value
    png = download(f"{card} .png-button").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    height = int.from_bytes(png[20:24], "big")  # the image's, at scale 2: the chart's and the note
    drawn = page.evaluate(
        "() => document.querySelector('#traj-registered .main-svg').height.baseVal.value"
    )
    assert height > 2 * drawn
    note = page.get_attribute(f"{card} .png-button", "title")  # what the image's note says
    assert f"{manifest['runs']} runs per scenario" in note and manifest["created"] in note
    assert page.console_errors == []


@pytest.mark.browser
def test_the_chinese_error_page_keeps_the_library_text_collapsed(page, results_dir, tmp_path):
    folder = copy_results(results_dir, tmp_path / "results")
    block = sorted((folder / "timeseries.parquet").iterdir())[0]
    block.write_bytes(b"not parquet")
    with dashboard_server(folder, tmp_path) as url:
        _open(page, url, "/trajectories")
        page.wait_for_selector("#results-error")
        shown = page.inner_text("#results-error").replace(str(folder), "")
        assert t("error.title", "zh") in shown
        commands = set(LATIN_WORD.findall(t("error.hint", "zh")))  # the commands to run
        assert set(LATIN_WORD.findall(shown)) <= commands | ALLOWED_LATIN
        assert page.locator("#page .technical-detail pre").is_hidden()
        page.click("#page .technical-detail summary")
        assert "timeseries.parquet" in page.inner_text("#page .technical-detail pre")
        _open(page, url, "/trajectories", "en")
        page.wait_for_selector("#results-error")
        assert "timeseries.parquet" in page.inner_text("#results-error")
