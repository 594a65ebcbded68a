"""Unit tests of the dashboard's pure parts: number formats, labels, reductions, figures, tables.

Tiny hand-built tables only (figures are pure functions of result tables); the real-results tests
are in test_dashboard_data.py and test_dashboard_browser.py.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dashboard import figures, stats
from dashboard.formats import (
    format_money,
    format_month,
    format_number,
    format_percent,
    format_quantity,
    format_ratio,
    format_ratio_change,
    pick_scale,
)
from dashboard.i18n import LANGS, TEXT, t
from dashboard.tables import likelihood, overview_rows
from model.experiments import compare

MONTHS = pd.date_range("2020-12-31", periods=4, freq="ME")


def bands_table(scenarios=("a", "b")) -> pd.DataFrame:
    """Bands of two scenarios over four months, b above a."""
    rows = []
    for k, name in enumerate(scenarios):
        for i, date in enumerate(MONTHS):
            mid = 2.0e6 + 1.0e5 * i + 5.0e5 * k
            rows.append(
                {"scenario": name, "date": date, "p05": mid - 1e5, "p50": mid, "p95": mid + 1e5}
            )
    return pd.DataFrame(rows)


def timeseries(runs=3) -> pd.DataFrame:
    """Two scenarios × runs × 2020-12…2021-03; registered grows by 10 % a month in run r × 1."""
    rows = []
    for name, boost in (("no_policy", 0.0), ("policy", 1.0e5)):
        for run in range(runs):
            for i, date in enumerate(MONTHS):
                registered = 1.0e6 * (1 + run / 10) + 1.0e5 * i + boost * i
                rows.append(
                    {
                        "scenario": name,
                        "run": run,
                        "date": date,
                        "n_registered": registered,
                        "n_operating": 0.8 * registered,
                        "new_registered": 0.0 if i == 0 else 1000.0 + run,
                        "n_individual": 0.7 * registered,
                        "n_micro": 0.3 * registered,
                    }
                )
    return pd.DataFrame(rows)


# --- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (2_551_234, "zh", "255.1万"),
        (2_551_234, "en", "2.55 M"),
        (5_030_000, "zh", "503.0万"),  # one decimal always: 503.0万 beside 483.4万
        (5_030_000, "en", "5.03 M"),
        (1.23e9, "zh", "123,000.0万"),  # counts of entities stay in 万
        (950, "zh", "950"),
        (3_500, "en", "3,500"),
        (35_000, "en", "35 k"),
        (0, "en", "0"),
    ],
)
def test_format_number_uses_wan_in_chinese_and_m_in_english(value, lang, expected):
    assert format_number(value, lang) == expected


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1e9, "zh", "10亿"),  # the document's angel fund: a sum, not a count of entities
        (1e9, "en", "1 bn"),
        (3e5, "zh", "30万"),
        (0.5, "zh", "0.5"),  # a share keeps its decimals (a count would show 0)
        (0.0015, "en", "0.0015"),
        (12.5, "en", "12.5"),
    ],
)
def test_format_quantity_keeps_the_significant_digits_of_any_number(value, lang, expected):
    assert format_quantity(value, lang) == expected


def test_signed_changes():
    assert format_ratio_change(0.0131) == "+0.013" and format_ratio_change(-0.002) == "−0.002"
    assert format_ratio_change(float("nan")) == "–"


def test_scale_ladders():
    assert pick_scale(5e6, "zh").suffix == "万"
    assert pick_scale(5e8, "zh").suffix == "亿"
    assert pick_scale(5e6, "en").suffix == " M"
    assert pick_scale(float("nan"), "en").divisor == 1


def test_money_percent_ratio_month_formats():
    assert format_money(3.84e9, "zh") == "38.4亿元"
    assert format_money(3.84e9, "en") == "3.84 bn yuan"
    assert format_money(float("nan"), "zh") == "–"
    assert format_percent(0.857) == "86%"
    assert format_ratio(2.04, "zh") == "2.04倍"
    assert format_ratio(2.04, "en") == "2.04×"
    assert format_month(pd.Timestamp("2024-06-30"), "zh") == "2024年6月"
    assert format_month(pd.Timestamp("2024-06-30"), "en") == "Jun 2024"
    assert format_month(pd.NaT, "en") == "–"


# --- labels --------------------------------------------------------------------------------


FOLDED = {"detail"}  # a library's English message: inline in English, folded in Chinese


def test_every_label_has_chinese_and_english_with_the_same_fields():
    for key, (zh, en) in TEXT.items():
        assert zh and en, key
        fields = [set(re.findall(r"{(\w+)}", text)) for text in (zh, en)]
        assert fields[0] - FOLDED == fields[1] - FOLDED, key
        assert fields[0] <= fields[1], key  # Chinese may leave out only what English shows
    assert t("nav.overview", "zh") == "总览"
    assert t("nav.overview", "en") == "Overview"
    assert t("levers.article", "zh", n=36) == "第36条"
    assert set(LANGS) == {"zh", "en"}


# --- reductions ----------------------------------------------------------------------------


def test_annual_flows_leave_out_the_starting_row_and_take_the_median_over_runs():
    flows = stats.annual_flows(timeseries(), "policy", ["new_registered"])
    assert flows.to_dict("records") == [
        {"year": 2021, "series": "new_registered", "value": 3 * 1001.0}
    ]


def test_city_growth_is_the_ratio_to_end_2020_per_run():
    by_city = pd.DataFrame(
        {
            "scenario": ["s"] * 4,
            "run": [0, 0, 1, 1],
            "city": ["taiyuan"] * 4,
            "date": pd.to_datetime(["2020-12-31", "2025-12-31"] * 2),
            "n_registered": [100.0, 200.0, 100.0, 300.0],
            "n_operating": [1.0] * 4,
        }
    )
    growth = stats.city_growth(by_city, 2025)
    assert growth.loc[0, "p50"] == pytest.approx(2.5)
    assert stats.city_years(by_city) == [2025]
    assert stats.city_growth(by_city[by_city["date"].dt.year == 2025], 2025).empty


def test_gains_are_paired_by_run():
    gains = stats.gains_over(timeseries(), ["policy"], "no_policy", ["n_registered"])
    assert gains.loc[0, ["p05", "p50", "p95"]].tolist() == pytest.approx([3e5] * 3)
    assert stats.gains_over(timeseries(), ["policy"], "absent", ["n_registered"]).empty


def test_single_family_scenarios():
    family = {"a1": "access", "a2": "access", "f1": "finance"}
    found = stats.single_family_scenarios(
        {
            "access_only": {"a1": {"intensity": 1}, "a2": {"intensity": 0.5}},
            "mixed": {"a1": {"intensity": 1}, "f1": {"intensity": 1}},
            "finance_off_access_on": {"a1": {"intensity": 1}, "f1": {"intensity": 0}},
            "nothing": {},
        },
        family,
    )
    assert found == {"access_only": "access", "finance_off_access_on": "access"}


# --- figures -------------------------------------------------------------------------------


def test_fan_chart_draws_a_band_and_a_median_per_scenario_with_the_reference_lines():
    bands = bands_table()
    before = bands.copy()
    titles = {"b": "乙", "a": "甲"}
    fig = figures.fan_chart(
        bands,
        titles,
        figures.scenario_colors(["a", "b"]),
        "zh",
        "标题",
        doubling=3.0e6,
        dashed=["b"],
    )
    pd.testing.assert_frame_equal(bands, before)  # the input is not touched
    assert fig.layout.title.text == "标题"
    medians = [trace for trace in fig.data if trace.mode == "lines"]
    assert [trace.name for trace in medians] == ["乙", "甲"]  # the order of `titles`
    assert len(fig.data) == 4
    assert medians[0].line.dash == "dash" and medians[1].line.dash == "solid"
    assert list(medians[1].y) == pytest.approx(list(bands[bands.scenario == "a"].p50 / 1e4))
    assert fig.layout.yaxis.ticksuffix == "万" and fig.layout.yaxis.title.text == "户"
    levels = [shape.y0 for shape in fig.layout.shapes if shape.y0 == shape.y1]
    assert levels == [pytest.approx(300.0)]  # 3.0e6 in 万
    assert any(a.text == t("chart.deadline", "zh") for a in fig.layout.annotations)


def test_fan_chart_in_english_uses_millions():
    fig = figures.fan_chart(bands_table(), {"a": "A"}, {}, "en", "Title")
    assert fig.layout.yaxis.ticksuffix == " M"
    assert fig.layout.yaxis.title.text == "entities"
    assert [trace.name for trace in fig.data if trace.mode == "lines"] == ["A"]


def test_figures_are_pure_functions():
    one = figures.fan_chart(bands_table(), {"a": "A", "b": "B"}, {}, "en", "T", doubling=3e6)
    two = figures.fan_chart(bands_table(), {"a": "A", "b": "B"}, {}, "en", "T", doubling=3e6)
    assert one.to_json() == two.to_json()


def test_share_fan_chart_uses_percent_ticks():
    share = bands_table().assign(p05=0.7, p50=0.75, p95=0.8)
    fig = figures.fan_chart(share, {"a": "A"}, {}, "zh", "T", kind="share")
    assert fig.layout.yaxis.tickformat.endswith("%")


def test_stacked_area_stacks_kinds_in_the_given_order():
    long = stats.median_stocks(timeseries(), "policy", ["n_individual", "n_micro"])
    fig = figures.stacked_area(long, {"n_individual": "个体", "n_micro": "微型"}, "zh", "构成")
    assert [trace.name for trace in fig.data] == ["个体", "微型"]
    assert all(trace.stackgroup == "stock" for trace in fig.data)


def test_bar_chart_groups_series_and_draws_whiskers_from_bands():
    table = pd.DataFrame(
        {
            "lever": ["x", "y"],
            "series": "cost",
            "value": [2e9, 1e9],
            "p05": [1e9, 0.5e9],
            "p95": [3e9, 2e9],
        }
    )
    fig = figures.bar_chart(
        table,
        "lever",
        {"y": "Y", "x": "X"},
        {"cost": "Cost"},
        "en",
        "Cost",
        kind="money",
        horizontal=True,
    )
    (bar,) = fig.data
    assert list(bar.y) == ["Y", "X"]
    assert list(bar.x) == pytest.approx([1.0, 2.0])  # in bn
    assert list(bar.error_x.array) == pytest.approx([1.0, 1.0])
    assert fig.layout.xaxis.ticksuffix == " bn"


def test_range_chart_and_overview_chart():
    ts = timeseries()
    summary = ts[ts.date == MONTHS[0]][["scenario", "run"]].assign(
        start_registered=1e6,
        end_registered=0.0,
        ratio=0.0,
        doubled=False,
        month_doubled=pd.NaT,
        cum_fiscal_cost=0.0,
        evidence_only_registered=0.0,
        evidence_only_operating=0.0,
    )
    table = compare(summary, ts)
    fig = figures.overview_chart(table, {"no_policy": "无政策", "policy": "政策"}, {}, "zh")
    dots, probabilities = fig.data
    assert dots.name == t("overview.registered", "zh")  # the chart of 登记 draws only registered
    assert t("overview.operating", "zh") not in [trace.name for trace in fig.data]
    assert list(probabilities.text) == [t("overview.chart_p", "zh", p="0%")] * 2
    lines = [shape for shape in fig.layout.shapes if shape.type == "line"]
    assert [line.x0 for line in lines] == pytest.approx([200.0])  # 2 × 1e6 in 万
    (band,) = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert (band.x0, band.x1) == pytest.approx((200.0, 200.0))  # every run starts at 1e6
    assert fig.layout.title.text.startswith(t("overview.chart", "zh"))
    assert t("overview.chart_note", "zh") in fig.layout.title.text  # how P relates to the line


def test_message_figure_says_why_it_is_empty():
    fig = figures.message_figure("没有数据", "标题")
    assert fig.layout.annotations[0].text == "没有数据"
    assert not fig.data


# --- tables --------------------------------------------------------------------------------


def test_overview_rows_format_by_language():
    row = {
        "scenario": "s",
        "p_doubled": 0.9,
        "p_doubled_p05": 0.7,
        "p_doubled_p95": 0.98,
        "median_month": pd.Timestamp("2025-03-31"),
        "runs": 3,
        "target": 5e6,
    }
    for prefix, value in (
        ("end_registered", 5.2e6),
        ("end_operating", 4e6),
        ("ratio", 2.1),
        ("start_registered", 2.5e6),
        ("fiscal_cost", 3e9),
        ("cost_per_additional_registered", 31000.0),
        ("cost_per_additional_operating", np.nan),  # no additional operating entity
        ("assumption_share_registered", 0.6),
        ("assumption_share_operating", np.nan),
    ):
        row |= {f"{prefix}_p05": value * 0.9, f"{prefix}_p50": value, f"{prefix}_p95": value * 1.1}
    (zh,) = overview_rows(pd.DataFrame([row]), {"s": "情景"}, "zh")
    (en,) = overview_rows(pd.DataFrame([row]), {"s": "Scenario"}, "en")
    assert zh["p_doubled"] == en["p_doubled"] == ("90%", "(70%–98%)")
    assert zh["likelihood"] == "high"
    assert zh["median_month"] == "2025年3月" and en["median_month"] == "Mar 2025"
    assert zh["end_registered"] == ("520.0万", "(468.0万–572.0万)")
    assert en["end_registered"][0] == "5.20 M"
    assert zh["fiscal_cost"] == "30.0亿元" and en["fiscal_cost"] == "3.00 bn yuan"
    assert zh["cost_per_additional_registered"] == "3.1万元"
    assert en["cost_per_additional_registered"] == "31 k yuan"
    assert zh["cost_per_additional_operating"] == en["cost_per_additional_operating"] == "–"
    assert zh["assumption_share_registered"] == ("60%", "(54%–66%)")
    assert zh["assumption_share_operating"] == en["assumption_share_operating"] == "–"  # no range
    assert likelihood(0.6) == "mid" and likelihood(0.2) == "low"


def test_dropdowns_speak_the_page_language():
    from dashboard.components import dropdown

    zh = dropdown("zh", id="x", options=[]).labels
    en = dropdown("en", id="x", options=[]).labels
    assert zh["selected_count"] == "已选 {num_selected} 项"
    assert en["selected_count"] == "{num_selected} selected"
    assert set(zh) == set(en) == {
        "select_all", "deselect_all", "selected_count", "search", "clear_search",
        "clear_selection", "no_options_found",
    }  # fmt: skip
