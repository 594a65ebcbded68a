"""The attribution and sensitivity page (贡献与敏感性): its reductions, figures and lever rows on
hand-built tables; the page from real folders made by the command line (a batch, a family-level
and a lever-level attribution beside it, a sensitivity analysis in it); the message naming the
commands when a results folder has none; the page in real headless Chromium in both languages,
and its levers' table sorted there by a click on a header.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from dash import html

from dashboard import components, exports, figures, stats
from dashboard.app import create_app
from dashboard.data import load_results
from dashboard.i18n import LANGS, t
from dashboard.pages import attribution as ac
from dashboard.pages.base import View
from dashboard.tables import LEVER_COLUMNS, lever_rows
from tests.batch_fixtures import project_env, run_cli
from tests.dashboard_fixtures import ROOT, dashboard_server

# --- hand-built tables ---------------------------------------------------------------------

SUMMARY_COLUMNS = ["level", "player", "outcome", "mean", "low", "high", "distinct", "rank"]


def summary_rows(rows) -> pd.DataFrame:
    return pd.DataFrame([("family", *row) for row in rows], columns=SUMMARY_COLUMNS)


def ends_and_players() -> tuple[pd.DataFrame, pd.DataFrame]:
    """No policy 1,000,000 → scenario 1,050,000 operating: +60,000 (distinct), −10,000 (≈0)."""
    ends = summary_rows(
        [
            ("no_policy", "operating", 1.0e6, 0.98e6, 1.02e6, True, 2),
            ("scenario", "operating", 1.05e6, 1.03e6, 1.07e6, True, 1),
            ("no_policy", "registered", 2.0e6, 1.9e6, 2.1e6, True, 2),
            ("scenario", "registered", 2.1e6, 2.0e6, 2.2e6, True, 1),
        ]
    )
    players = summary_rows(
        [
            ("finance", "operating", 6.0e4, 4.0e4, 8.0e4, True, 1),
            ("platforms", "operating", -1.0e4, -3.0e4, 1.0e4, False, np.nan),
            ("finance", "registered", 1.0e5, 5.0e4, 1.5e5, True, 1),
            ("platforms", "registered", 0.0, -1.0, 1.0, False, np.nan),
        ]
    )
    return ends, players


def test_waterfall_steps_run_from_no_policy_through_each_player_to_the_scenario():
    ends, players = ends_and_players()
    steps = stats.waterfall_steps(ends, players, "operating")
    assert list(steps["player"]) == ["no_policy", "finance", "platforms", "scenario"]
    assert list(steps["measure"]) == ["absolute", "relative", "relative", "total"]
    np.testing.assert_allclose(steps["cumulative"], [1.0e6, 1.06e6, 1.05e6, 1.05e6])
    np.testing.assert_allclose(steps["low"], [0.98e6, 4.0e4, -3.0e4, 1.03e6])


def test_waterfall_chart_marks_a_step_not_distinct_from_zero_and_draws_every_interval():
    ends, players = ends_and_players()
    steps = stats.waterfall_steps(ends, players, "operating")
    labels = {"no_policy": "No policy", "finance": "Finance", "scenario": "All"}
    figure = figures.waterfall_chart(steps, labels, "en", "Waterfall")
    bars, whiskers = figure.data
    assert list(bars.x) == ["No policy", "Finance", "platforms", "All"]  # unlabelled: its id
    assert list(bars.measure) == ["absolute", "relative", "relative", "total"]
    assert bars.text[1] == "60 k" and bars.text[2] == "≈0" and bars.text[0] == "1.00 M"
    divisor = 1e6  # 'M' in English
    np.testing.assert_allclose(whiskers.y, steps["cumulative"] / divisor)
    np.testing.assert_allclose(whiskers.error_y.array, [0.02, 0.02, 0.02, 0.02])
    low, high = figure.layout.yaxis.range
    assert 0.9 < low < 0.97 and 1.07 < high < 1.15  # the steps are visible: not from zero
    zh = figures.waterfall_chart(steps, labels, "zh", "瀑布图")
    assert zh.data[0].text[1] == "6.0万" and "万" in zh.layout.yaxis.ticksuffix


def cost_table() -> pd.DataFrame:
    """Two levers: one with a distinct operating gain, one not distinct from zero."""
    base = {"by": "lever", "fiscal_cost_mean": 2.0e8}
    rows = [
        base | {"key": "credit_guarantee", "additional_operating_mean": 4.0e4,
                "additional_operating_low": 2.0e4, "additional_operating_high": 6.0e4,
                "additional_operating_distinct": True,
                "cost_per_additional_operating_p50": 5000.0},
        base | {"key": "bank_credit", "additional_operating_mean": 1.0e3,
                "additional_operating_low": -2.0e3, "additional_operating_high": 4.0e3,
                "additional_operating_distinct": False,
                "cost_per_additional_operating_p50": 2.0e5},
        base | {"by": "department", "key": "finance", "additional_operating_mean": 4.1e4,
                "additional_operating_low": 2.0e4, "additional_operating_high": 6.0e4,
                "additional_operating_distinct": True,
                "cost_per_additional_operating_p50": 9.0},
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_lever_rows_show_a_gain_not_distinct_from_zero_as_such_unranked_without_a_price():
    summary = pd.DataFrame(
        {
            "player": ["credit_guarantee", "bank_credit"],
            "outcome": "operating",
            "rank": [1.0, np.nan],
        }
    )
    about = {"credit_guarantee": {"lever": "Guarantees", "family": "Finance", "articles": "36"}}
    rows = lever_rows(cost_table(), summary, about, "operating", "en")
    assert [row["id"] for row in rows] == ["credit_guarantee", "bank_credit"]  # no department
    guarantee, credit = rows
    assert (guarantee["rank"], guarantee["gain"], guarantee["per_entity"]) == (1, 4.0e4, 5000.0)
    assert (guarantee["lever"], guarantee["articles"]) == ("Guarantees", "36")
    assert guarantee["cost"] == pytest.approx(200.0)  # million yuan
    assert guarantee["interval"] == "20 k to 60 k"
    assert credit["rank"] is None and credit["gain"] is None and credit["per_entity"] is None
    assert credit["lever"] == "bank_credit"  # a lever the catalogue does not know: its id
    assert credit["interval"] == "-2,000 to 4,000"
    zh = lever_rows(cost_table(), summary, about, "operating", "zh")
    assert zh[0]["cost"] == pytest.approx(2.0e4) and zh[0]["interval"] == "2.0万至6.0万"  # 万元


def morris_rows() -> pd.DataFrame:
    rows = [
        ("entry_rate_per_year", "world", 9.0, 1.0, 1),
        ("bank_credit.entry.0", "lever", 3.0, 0.5, 3),
        ("never_open_share", "world", 5.0, 2.0, 2),
        ("bank_credit.growth.1", "lever", 0.0, 0.0, None),
    ]
    table = pd.DataFrame(rows, columns=["input", "group", "mu_star", "mu_star_conf", "rank"])
    other = table.assign(output="ratio", mu_star=table["mu_star"][::-1].to_numpy())
    return pd.concat([table.assign(output="end_operating"), other], ignore_index=True)


def test_the_tornado_ranks_inputs_by_mu_star_with_intervals_and_the_chance_line():
    rows = stats.top_inputs(morris_rows(), "end_operating", "mu_star", 2)
    assert list(rows["input"]) == ["entry_rate_per_year", "never_open_share"]
    shown = stats.top_inputs(morris_rows(), "end_operating", "mu_star", 10)
    assert "bank_credit.growth.1" not in set(shown["input"])  # no effect: not ranked, not shown
    labels = {"entry_rate_per_year": "Entry rate"}
    axis = figures.plain_axis()
    figure = figures.tornado_chart(shown, labels, "en", "Morris", axis=axis, chance=2.5)
    world, lever = figure.data
    assert list(world.y) == ["Entry rate", "never_open_share"]
    np.testing.assert_allclose(world.x, [9.0, 5.0])
    np.testing.assert_allclose(world.error_x.array, [1.0, 2.0])
    assert list(lever.y) == ["bank_credit.entry.0"]
    assert list(figure.layout.yaxis.categoryarray) == ["Entry rate", "never_open_share",
                                                       "bank_credit.entry.0"]  # fmt: skip
    assert [shape.x0 for shape in figure.layout.shapes] == [2.5]
    assert figure.layout.annotations[0].text == t("sensitivity.chance", "en")
    quiet = figures.tornado_chart(shown, labels, "zh", "Morris", axis=axis, chance=0.0)
    assert not quiet.layout.shapes  # no chance at all (one seed reproduces itself)


def test_sobol_chart_draws_s1_and_st_with_their_intervals():
    rows = pd.DataFrame(
        {
            "input": ["a", "b"],
            "S1": [0.6, 0.1],
            "S1_conf": [0.05, 0.02],
            "ST": [0.7, 0.2],
            "ST_conf": [0.06, 0.03],
        }
    )
    figure = figures.sobol_chart(rows, {"a": "A"}, "zh", "Sobol")
    assert [trace.name for trace in figure.data] == [t("sensitivity.S1", "zh"),
                                                     t("sensitivity.ST", "zh")]  # fmt: skip
    first, total = figure.data
    assert list(first.y) == ["A", "b"]
    np.testing.assert_allclose(first.error_x.array, [0.05, 0.02])
    np.testing.assert_allclose(total.x, [0.7, 0.2])


# --- real folders made by the command line ------------------------------------------------

SCENARIO = """\
name: two_levers
title: {zh: 两项措施, en: Two levers}
levers:
  registration_ease: {intensity: 1}
  first_time_founders: {intensity: 1}
"""
COARSE = ["--scale=5000", "--posterior=none", "--workers=1", "--quiet"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> Path:
    """A no-policy batch `results/`; beside it the family- and lever-level attributions of a
    two-lever scenario (3 runs); in it the sensitivity of `no_policy` (2 Morris trajectories,
    Sobol on 2 inputs). The three analyses run at once, after the batch."""
    root = tmp_path_factory.mktemp("attribution-page")
    scenario = root / "two_levers.yaml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    results = root / "results"
    done = run_cli("run", "scenarios/no_policy.yaml", "--runs=1", f"--out={results}", *COARSE)
    assert done.returncode == 0, done.stderr[-3000:]
    commands = [
        ["attribute", str(scenario), "--runs=3", f"--out={root / 'attribution-two_levers-family'}"],
        ["attribute", str(scenario), "--runs=3", "--level=lever", "--permutations=2",
         f"--out={root / 'attribution-two_levers-lever'}"],
        ["sensitivity", "no_policy", "--trajectories=2", "--samples=4", "--top=2",
         f"--out={results}"],
    ]  # fmt: skip
    running = [
        subprocess.Popen([sys.executable, "run.py", *c, *COARSE], cwd=ROOT, env=project_env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]  # fmt: skip
    for process in running:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors[-3000:]
    return root


def rendered(results: Path, lang: str, **selections):
    view = View(load_results(results), lang, selections)
    return view, ac.PAGE.render(view)


def lever_table(shown) -> tuple[list[html.Button], list[html.Tr]]:
    """The levers' table as the page renders it: its header buttons and its rows."""
    table = html.Div(shown.blocks[ac.LEVERS])[f"{ac.LEVERS}-table"]
    head, body = table.children
    return [th.children for th in head.children.children], body.children


def cells(row: html.Tr) -> dict[str, html.Td]:
    return dict(zip(LEVER_COLUMNS, row.children, strict=True))


def raw(cell: html.Td):
    """A sortable cell's raw value (data-value; None: sorted last)."""
    return getattr(cell, "data-value", None)


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_shows_the_waterfall_and_levers_of_real_attributions(folders, lang):
    view, shown = rendered(folders / "results", lang, **{ac.SCENARIO: "two_levers"})
    assert ac.scenarios(view.results) == ["two_levers", "no_policy"]  # attributed ones first
    picker = str(ac.controls(view))
    batch_title = ("No policy: the 2020 trends continue", "无政策基准情景（延续2020年趋势）")
    assert batch_title[lang == "zh"] in picker  # titled as in the batch
    figure, steps = shown.charts[ac.WATERFALL]
    labels = ac.player_labels(view.results.attributions().found[("two_levers", "family")], lang)
    players = ["no_policy", "easier_opening", "fiscal_tax", "scenario"]
    assert list(steps["player"]) == [labels[p] for p in players]  # named, as the bars are
    assert "measure" not in steps  # plotly's kind of bar, not downloaded
    gain = steps["mean"].iloc[-1] - steps["mean"].iloc[0]
    assert steps["mean"].iloc[1:-1].sum() == pytest.approx(gain)  # efficiency
    assert list(figure.data[0].x)[0] == t("attribution.no_policy", lang)
    assert list(figure.data[0].x)[-1] == ("Two levers" if lang == "en" else "两项措施")

    source = str(shown.blocks[ac.SOURCE])
    assert "attribution-two_levers-family" in source and "3" in source
    buttons, rows = lever_table(shown)
    assert [getattr(row, "data-id") for row in rows] == ["registration_ease", "first_time_founders"]
    assert [b.id["column"] for b in buttons] == list(LEVER_COLUMNS)
    assert [b.className for b in buttons].count("sort-button") == len(LEVER_COLUMNS) - 1
    assert buttons[0].className == "sort-button sorted-asc"  # by rank at first
    assert t("attribution.col.department", lang) in [b.children for b in buttons]
    for row in rows:  # ≈0 (no gain value) exactly when unranked, and then no price, greyed
        cell = cells(row)
        assert (raw(cell["gain"]) is None) == (raw(cell["rank"]) is None)
        assert (getattr(row, "className", None) == "muted") == (raw(cell["gain"]) is None)
        if raw(cell["gain"]) is None:
            assert cell["gain"].children == "≈0" and cell["rank"].children == "–"
            assert cell["per_entity"].children == t("attribution.not_available", lang)
        assert cell["cost"].children == f"{raw(cell['cost']):,.1f}"  # grouped, one decimal
        assert [c for c, td in cell.items() if getattr(td, "className", None) == "text"] == [
            "lever",
            "family",
            "department",
        ]  # aligned left
    assert cells(rows[0])["articles"].children == "8"

    # no sensitivity analysis of this scenario: the command that makes one, in the language
    blocks = str(shown.blocks[ac.SENSITIVITY])
    assert "run.py sensitivity two_levers --out" in blocks
    assert t("sensitivity.none", lang, scenario="two_levers") in blocks
    registered = ac.PAGE.render(View(view.results, lang, {ac.OUTCOME: "registered"}))
    assert registered.charts[ac.WATERFALL][1]["mean"].iloc[0] > steps["mean"].iloc[0]


@pytest.mark.parametrize("lang", LANGS)
def test_the_lever_table_downloads_as_the_charts_do(folders, lang):
    """Through `exports.download`: names (no lever id), units in the headers, the gain's interval
    and whether it excludes zero (the page's ≈0), the footer; as CSV and as .xlsx."""
    view, shown = rendered(folders / "results", lang, **{ac.SCENARIO: "two_levers"})
    rows = [cells(row) for row in lever_table(shown)[1]]
    runs = shown.runs[ac.LEVERS]  # the attribution's runs, not the batch's
    payload = exports.download(
        shown.download_table(ac.LEVERS), ac.LEVERS, view.results, lang, "csv", runs
    )
    text = payload["content"].removeprefix("\ufeff")
    assert payload["filename"] == "shanxi_doubling_ac-levers.csv"
    assert not {"registration_ease", "first_time_founders", "easier_opening"} & set(
        re.findall(r"[a-z_]+", text)
    )
    table = pd.read_csv(io.StringIO(text), comment="#")
    assert list(table[t("download.col.lever", lang)]) == [row["lever"].children for row in rows]
    departments = [row["department"].children for row in rows]
    assert list(table[t("download.col.department", lang)]) == departments
    unit = "万户" if lang == "zh" else "thousand entities"
    gain = next(
        h for h in table.columns if h.startswith(t("download.col.additional_operating", lang))
    )
    money = "元" if lang == "zh" else "yuan"
    assert unit in gain and money in table.columns[-1]
    distinct = [v == t("download.yes", lang) for v in table[t("download.col.distinct", lang)]]
    assert distinct == [raw(row["gain"]) is not None for row in rows]  # ≈0 on the page where not
    footer = [line for line in text.splitlines() if line.startswith("# ")]
    assert len(footer) == 2 and "attribution-two_levers-lever" in footer[0]
    made = json.loads((folders / "attribution-two_levers-lever" / "manifest.json").read_text())
    assert made["runs"] == 3 != view.results.manifest["runs"]
    today = dt.date.today().isoformat()
    created = made["created"][:10]
    assert footer[1] == "# " + t(
        "download.runs", lang, created=created, runs=3, scale="5000", today=today
    )
    book = exports.download(
        shown.download_table(ac.LEVERS), ac.LEVERS, view.results, lang, "xlsx", runs
    )
    sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(book["content"]))).active
    assert [c.value for c in sheet[1]] == list(table.columns)
    assert sheet.cell(sheet.max_row, 1).value == footer[1].removeprefix("# ")


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_shows_morris_and_sobol_of_a_real_sensitivity_analysis(folders, lang):
    selections = {ac.SCENARIO: "no_policy", ac.OUTPUT: "end_operating"}
    _view, shown = rendered(folders / "results", lang, **selections)
    tornado, morris = shown.charts[ac.MORRIS]
    assert set(morris["output"]) == {"end_operating"} and len(morris) == 16  # the world's inputs
    bars = [trace for trace in tornado.data if trace.type == "bar"]
    assert sum(len(trace.y) for trace in bars) == min(ac.SHOWN_INPUTS, morris["rank"].count())
    sobol, indices = shown.charts[ac.SOBOL]
    assert len(indices) == 2 and [trace.name for trace in sobol.data] == [
        t("sensitivity.S1", lang),
        t("sensitivity.ST", lang),
    ]
    # no attribution of no_policy: the waterfall and the table say which command makes them
    text = str(shown.blocks[ac.SOURCE]) + str(shown.blocks[ac.LEVERS])
    assert "run.py attribute scenarios/no_policy.yaml --level family --out" in text
    assert "--level lever" in text
    waterfall, _ = shown.charts[ac.WATERFALL]
    assert t("attribution.none_short", lang, scenario="no_policy") in str(waterfall.layout)


def _click_csv(chart: str, selections: dict) -> dict:
    """The body of the download callback for a click on the CSV button of `chart` (a chart or a
    table) on the attribution page, in Chinese."""
    button = {"chart": chart, "type": components.CSV_BUTTON}
    keys = {"separators": (",", ":"), "sort_keys": True}
    return {
        "output": json.dumps({"chart": ["MATCH"], "type": components.CSV_DOWNLOAD}, **keys)
        + ".data",
        "outputs": {"id": {"chart": chart, "type": components.CSV_DOWNLOAD}, "property": "data"},
        "inputs": [
            {"id": button, "property": "n_clicks", "value": 1},
            {"id": button | {"type": components.XLSX_BUTTON}, "property": "n_clicks", "value": 0},
        ],
        "state": [
            {"id": "url", "property": "pathname", "value": ac.PAGE.path},
            {"id": "lang", "property": "data", "value": "zh"},
            {"id": "selections", "property": "data", "value": selections},
            {"id": "whatif-result", "property": "data", "value": None},
        ],
        "changedPropIds": [json.dumps(button, **keys) + ".n_clicks"],
    }


def test_the_app_downloads_the_lever_table_only_where_the_page_shows_it(folders):
    """Through the one download callback: the table of a scenario with a lever-level
    attribution; nothing for one without, nor for a block that is not a table."""
    client = create_app(folders / "results").server.test_client()
    answer = client.post(
        "/_dash-update-component", json=_click_csv(ac.LEVERS, {ac.SCENARIO: "two_levers"})
    )
    assert answer.status_code == 200
    text = answer.get_json()["response"][json.dumps(
        {"chart": ac.LEVERS, "type": components.CSV_DOWNLOAD}, separators=(",", ":"),
        sort_keys=True)]["data"]["content"]  # fmt: skip
    assert t("download.col.department", "zh") in text and "attribution-two_levers-lever" in text
    for chart, scenario in ((ac.LEVERS, "no_policy"), (ac.SOURCE, "two_levers")):
        answer = client.post(
            "/_dash-update-component", json=_click_csv(chart, {ac.SCENARIO: scenario})
        )
        assert answer.status_code == 204, chart


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_sensitivity_downloads_in_chinese_name_what_the_page_names(folders):
    """Morris and Sobol tables in 中文: no input, output, group, distribution or scenario id; the
    inputs named as on the tornado; Chinese headers."""
    selections = {ac.SCENARIO: "no_policy", ac.OUTPUT: "end_operating"}
    view, shown = rendered(folders / "results", "zh", **selections)
    found = view.results.sensitivity("no_policy")
    ids = set()
    for raw in (found.morris, found.sobol):
        for column in ("scenario", "output", "input", "group", "distribution"):
            ids |= set(raw[column])
    tornado = shown.charts[ac.MORRIS][0]
    checked = 0
    for chart in (ac.MORRIS, ac.SOBOL):
        table = shown.charts[chart][1]
        payload = exports.download(table, chart, view.results, "zh", "csv", shown.runs[chart])
        text = payload["content"].removeprefix("\ufeff")
        body = text.split("\n# ")[0]  # the table; the footer names the analysis' folder
        assert not set(re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", body)) & ids, chart
        read = pd.read_csv(io.StringIO(text), comment="#")
        assert all(CJK.search(header) for header in read.columns), chart
        assert len(read) == len(table)
        footer = [line for line in text.splitlines() if line.startswith("# ")]
        assert "results/sensitivity/no_policy" in footer[0]  # the analysis, not the batch
        simulations = sum(found.manifest["simulations"].values())
        assert f"每个情景 {simulations} 次模拟" in footer[1]
        checked += len(read)
    named = set(exports.excel_table(shown.charts[ac.MORRIS][1], ac.MORRIS, {}, "zh")["输入"])
    bars = {y for trace in tornado.data if trace.type == "bar" for y in trace.y}
    assert bars and bars <= named  # as the tornado names them
    assert checked == 16 + 2


def test_a_lever_effect_input_is_named_by_its_lever_and_hook():
    """`input_labels` of lever inputs (`effect_key`, `take_up_key` of real levers): Chinese, no
    id, two effects on one hook told apart."""
    inputs = pd.Series(
        [
            "registration_ease.entry.0",
            "first_time_founders.take_up",
            "public_services_opening.entry.0",
            "public_services_opening.entry.1",
        ]
    )
    named = ac.input_labels(inputs, "zh", cut=None)
    assert len(set(named.values())) == 4
    for name in named.values():
        assert CJK.search(name) and not re.search(r"[A-Za-z_]{2,}", name), name
    assert named["registration_ease.entry.0"].endswith(t("sources.hook.entry", "zh"))
    assert named["first_time_founders.take_up"].endswith(t("sources.what.take_up", "zh"))


@pytest.mark.parametrize("lang", LANGS)
def test_results_without_attribution_or_sensitivity_name_the_commands(folders, tmp_path, lang):
    results = tmp_path / "results"
    shutil.copytree(folders / "results", results, ignore=shutil.ignore_patterns("sensitivity"))
    (tmp_path / "attribution-broken-family").mkdir()  # an attribution never finished
    view, shown = rendered(results, lang)
    assert ac.scenarios(view.results) == []
    text = str(ac.PAGE.layout(view, shown))
    assert t("attribution.none", lang, scenario="as_enacted") in text
    assert f"run.py attribute scenarios/as_enacted.yaml --level family --out {tmp_path}" in text
    assert f"run.py sensitivity as_enacted --out {results}" in text
    assert t("sensitivity.none", lang, scenario="as_enacted") in text
    assert "attribution-broken-family" in text  # the unreadable folder, named
    for chart in ac.PAGE.chart_ids:
        assert shown.charts[chart][0].layout.annotations  # a message, not an empty chart


def test_an_unreadable_sensitivity_analysis_is_named_with_the_command(folders, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(folders / "results", results)
    (results / "sensitivity" / "no_policy" / "morris.parquet").write_bytes(b"not parquet")
    _view, shown = rendered(results, "en", **{ac.SCENARIO: "no_policy"})
    text = str(shown.blocks[ac.SENSITIVITY])
    assert t("sensitivity.unreadable", "en", detail="") in text and "morris.parquet" in text
    assert f"run.py sensitivity no_policy --out {results}" in text
    assert shown.charts[ac.MORRIS][0].layout.annotations  # a message instead of the tornado


# --- in the browser ------------------------------------------------------------------------

PARTS = """([heading]) => {
    const h2 = document.querySelector('#page .page h2');
    return h2 && h2.innerText.trim() === heading
        && document.querySelectorAll('#page .chart-card .gtitle').length === 3
        && document.querySelectorAll('#ac-levers-table tbody tr').length > 1;
}"""


def column_cells(column: str) -> str:
    """The selector of the levers' table's cells in `column`."""
    return f"#ac-levers-table tbody td:nth-child({LEVER_COLUMNS.index(column) + 1})"


def sort_button(column: str) -> str:
    """The selector of the header button that sorts the levers' table by `column`."""
    return f"#ac-levers-table th:nth-child({LEVER_COLUMNS.index(column) + 1}) .sort-button"


ROWS = "(cells) => cells.map((td) => [td.parentElement.dataset.id, td.dataset.value, td.innerText])"


def shown(page, column: str) -> list[tuple[str, float | None, str]]:
    """The levers' rows in the order the browser shows them: the lever, the raw value of
    `column` (None where the cell has none) and its text."""
    rows = page.eval_on_selector_all(column_cells(column), ROWS)
    return [(lever, None if value is None else float(value), text) for lever, value, text in rows]


def click_sort(page, column: str, direction: str) -> None:
    """Click the header of `column`; wait until it is marked sorted in `direction`."""
    page.click(sort_button(column))
    page.wait_for_selector(f"{sort_button(column)}.sorted-{direction}", timeout=5_000)


@pytest.mark.browser
def test_the_page_in_chromium_in_both_languages(page, folders, tmp_path):
    with dashboard_server(folders / "results", tmp_path) as url:
        page.goto(url + "/attribution")
        page.wait_for_function(PARTS, arg=[t("attribution.heading", "zh")], timeout=60_000)
        assert page.get_attribute("#nav-attribution", "class") == "nav-link active"
        page.screenshot(path=str(tmp_path / "attribution-zh.png"), full_page=True)
        assert page.locator("#ac-waterfall .waterfalllayer .point").count() == 4
        assert page.locator("#ac-levers-table tbody tr").count() == 2  # the two levers
        assert t("attribution.col.department", "zh") in page.inner_text("#ac-levers-table")
        assert t("sensitivity.none", "zh", scenario="two_levers") in page.inner_text("#page")
        assert page.locator(".chart-card .csv-button").count() == 3
        for button in ("csv", "xlsx"):  # the levers' table as the charts download, in Chinese
            with page.expect_download() as download:
                page.click(f".lever-table .{button}-button")
            path = tmp_path / download.value.suggested_filename
            download.value.save_as(path)
            assert path.name == f"shanxi_doubling_ac-levers.{button}"
        sheet = openpyxl.load_workbook(path).active
        levers = [row[1] for row in sheet.iter_rows(min_row=2, max_row=3, values_only=True)]
        assert levers == page.locator(column_cells("lever")).all_inner_texts()
        assert t("download.col.department", "zh") == sheet.cell(1, 5).value
        assert "attribution-two_levers-lever" in sheet.cell(sheet.max_row - 1, 1).value  # footer

        page.click("#nav-overview")
        page.wait_for_selector("#overview-end .gtitle", timeout=15_000)
        start = time.perf_counter()  # a switch back: the page's figures come from the memo
        page.click("#nav-attribution")
        page.wait_for_function(PARTS, arg=[t("attribution.heading", "zh")], timeout=15_000)
        print(f"\nswitch to the attribution page: {1000 * (time.perf_counter() - start):.0f} ms")

        page.click("#lang-en")
        page.wait_for_function(PARTS, arg=[t("attribution.heading", "en")], timeout=15_000)
        assert t("attribution.col.rank", "en") in page.inner_text("#ac-levers-table")
        title = page.text_content("#ac-waterfall .gtitle")
        assert "From no policy to the scenario" in title
        page.screenshot(path=str(tmp_path / "attribution-en.png"), full_page=True)
        assert page.console_errors == []


@pytest.mark.browser
def test_the_levers_table_sorts_by_a_clicked_header_in_chromium(page, folders, tmp_path):
    """A click on a numeric header sorts the levers by the numbers (not by their texts), a
    second click the other way round; a lever without a value stays last both ways. In the
    browser: no request reaches the server. Text columns aligned left, ≈0 rows greyed."""
    with dashboard_server(folders / "results", tmp_path) as url:
        page.goto(url + "/attribution")
        page.wait_for_function(PARTS, arg=[t("attribution.heading", "zh")], timeout=60_000)
        assert page.get_attribute(sort_button("rank"), "class") == "sort-button sorted-asc"
        style = "(td) => getComputedStyle(td).textAlign"
        assert page.eval_on_selector(column_cells("lever"), style) == "left"
        assert page.eval_on_selector(column_cells("cost"), style) == "right"
        color = "(td) => getComputedStyle(td).color"
        grey = "rgb(127, 140, 141)"  # #7f8c8d: a lever whose gain is ≈0
        assert page.eval_on_selector("#ac-levers-table tr.muted td", color) == grey

        costs = shown(page, "cost")
        by_number = [lever for lever, _, _ in sorted(costs, key=lambda row: row[1])]
        by_text = [lever for lever, _, _ in sorted(costs, key=lambda row: row[2])]
        assert by_number != by_text  # as text '183,424.6' < '40,588.2': the click sorts numbers
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url) if "_dash-update" in r.url else None)
        click_sort(page, "cost", "asc")
        assert [lever for lever, _, _ in shown(page, "cost")] == by_number
        click_sort(page, "cost", "desc")
        assert [lever for lever, _, _ in shown(page, "cost")] == by_number[::-1]
        assert page.get_attribute(sort_button("rank"), "class") == "sort-button"
        assert requests == []  # sorted in the browser

        page.check(f"input[type=radio][value={ac.OUTCOMES[1]}]")  # registered: a gain ranked
        page.wait_for_selector(f"{column_cells('gain')}[data-value]", timeout=15_000)
        assert page.get_attribute(sort_button("rank"), "class") == "sort-button sorted-asc"
        gains = shown(page, "gain")
        present = [lever for lever, value, _ in gains if value is not None]
        missing = [lever for lever, value, _ in gains if value is None]
        assert present and missing  # one told apart from zero, one not (≈0)
        assert page.eval_on_selector("#ac-levers-table tbody tr:not(.muted) td", color) != grey
        for direction in ("asc", "desc"):
            click_sort(page, "gain", direction)
            order = [lever for lever, _, _ in shown(page, "gain")]
            assert order[len(present) :] == missing, direction  # last either way
        assert page.console_errors == []
