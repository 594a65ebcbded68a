"""The overview's briefing parts on small hand-built tables: colours, number rules, paired
changes, the cities' milestones (issue 15: defects 2, 3, 7, 9; build 5). The same on real results
in Chromium: test_overview_browser.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard import figures, palette, stats
from dashboard.formats import (
    fiscal_scale,
    format_gain,
    format_money,
    format_number,
    money_scale,
)
from dashboard.i18n import t
from dashboard.pages.cities import milestone_label
from dashboard.tables import change_cells, city_target_rows

ROOT = Path(__file__).resolve().parent.parent
YEAR_ENDS = pd.to_datetime([f"{y}-12-31" for y in range(2020, 2026)])


# --- colours (defect 7) ----------------------------------------------------------------------


def test_every_shipped_scenario_has_a_colour_of_its_own_and_none_is_red():
    names = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    assert len(names) >= 15
    colors = palette.scenario_colors(names)
    assert len(set(colors.values())) == len(names)
    reserved = {palette.TARGET, palette.WHATIF, palette.OPTIMISED, palette.OPERATING}
    assert not reserved & set(colors.values())
    assert colors["no_policy"] == palette.NO_POLICY and colors["as_enacted"] == palette.AS_ENACTED
    assert colors["as_enacted_with_quota_pressure"] != palette.WHATIF
    assert (
        palette.scenario_colors(["no_policy", "finance_only"])["finance_only"]
        == (palette.QUALITATIVE[0])
    )


def test_operating_has_one_colour_and_red_marks_only_the_target():
    bars = figures.bar_chart(
        pd.DataFrame(
            {"city": ["a", "a"], "series": ["n_registered", "n_operating"], "value": [2e5, 1e5]}
        ),
        "city",
        {"a": "A"},
        {"n_registered": "登记", "n_operating": "经营"},
        "zh",
        "t",
        horizontal=True,
        colors=list(palette.measure_colors().values()),
    )
    assert [bar.marker.color for bar in bars.data] == [palette.REGISTERED, palette.OPERATING]
    assert bars.layout.xaxis.title.text in ("", None)  # no axis title on the legend
    red = [c for c in vars(palette).values() if c == palette.TARGET]
    assert len(red) == 1  # one name for red in the palette


# --- number rules (defect 9) -------------------------------------------------------------------


def test_counts_gains_and_money_follow_one_rule_each():
    assert format_number(5.03e6, "zh") == "503.0万" and format_number(4.834e6, "zh") == "483.4万"
    assert format_gain(2.27e5, "zh") == "+22.7万" and format_gain(2600, "zh") == "+0.3万"
    assert format_gain(-1.2e4, "en") == "−12 k" and format_gain(0.0, "zh") == "±0.0万"
    column = [1.27e10, 3.5e8, 0.0]
    assert {format_money(v, "zh", fiscal_scale("zh"))[-2:] for v in column} == {"亿元"}
    assert format_money(0.0, "zh", fiscal_scale("zh")) == "0.0亿元"
    per_entity = money_scale([4.8e4, 3.8e3, float("nan")], "zh")
    assert [format_money(v, "zh", per_entity) for v in (4.8e4, 3.8e3)] == ["4.8万元", "0.4万元"]


# --- paired changes (defect 3) -----------------------------------------------------------------


def deadline_rows() -> pd.DataFrame:
    """Three scenarios × three runs at 2025-12; run r of every scenario shares its start."""
    rows = []
    for name, gain in (("no_policy", 0.0), ("as_enacted", 2e4), ("x", 3e4)):
        for run in range(3):
            rows.append(
                {
                    "scenario": name,
                    "run": run,
                    "date": YEAR_ENDS[-1],
                    "n_registered": 1e6 * (1 + run) + gain * (1 + run),
                    "n_operating": 0.0,
                }
            )
    return pd.DataFrame(rows)


def test_changes_are_paired_run_by_run_against_each_baseline():
    baselines = {"vs_no_policy": "no_policy", "vs_as_enacted": "as_enacted"}
    changes = stats.paired_changes(deadline_rows(), baselines).set_index(["scenario", "versus"])
    # run r gains gain × (1 + r): 3e4, 6e4, 9e4 over no policy, although the runs differ by 1e6
    assert changes.loc[("x", "vs_no_policy"), "p50"] == pytest.approx(6e4)
    assert changes.loc[("x", "vs_as_enacted"), "p50"] == pytest.approx(2e4)
    assert changes.loc[("x", "vs_as_enacted"), "p05"] == pytest.approx(1.1e4)
    assert ("as_enacted", "vs_as_enacted") not in changes.index  # not against itself
    cells = change_cells(changes.reset_index(), "zh")
    assert cells["x"]["vs_no_policy"] == ("+6.0万", "(+3.3万–+8.7万)")
    assert cells["as_enacted"]["vs_as_enacted"] == "–"
    assert cells["no_policy"]["vs_no_policy"] == "–"


# --- the cities' milestones (build 5) and ticks (defect 2) ------------------------------------


def by_city() -> pd.DataFrame:
    """One scenario, two runs, two cities; city a doubles on the milestone path in run 0 only."""
    rows = []
    for run, pace in ((0, 2 ** (1 / 5)), (1, 1.10)):
        for city, start in (("a", 1e5 * (1 + run)), ("b", 4e4)):
            for i, date in enumerate(YEAR_ENDS):
                rows.append(
                    {
                        "scenario": "s",
                        "run": run,
                        "date": date,
                        "city": city,
                        "n_registered": start * pace**i,
                        "n_operating": 0.0,
                    }
                )
    return pd.DataFrame(rows)


def test_milestones_grow_at_a_steady_rate_to_double_by_2025():
    assert stats.milestone_ratio(2020) == 1.0 and stats.milestone_ratio(2025) == 2.0
    assert stats.milestone_ratio(2023) == pytest.approx(2**0.6)
    assert milestone_label(2025, "zh") == t("overview.target", "zh")
    assert milestone_label(2023, "zh") == "2023年进度目标（1.52倍）"


def test_city_targets_give_each_years_milestone_and_the_runs_on_track():
    table = stats.city_targets(by_city(), "s", 2023).set_index("city")
    assert table.loc["a", "start"] == pytest.approx(1.5e5)  # the median of 1e5 and 2e5
    assert table.loc["a", "milestone_2023"] == pytest.approx(1.5e5 * 2**0.6)
    assert table.loc["a", "milestone_2025"] == pytest.approx(3e5)
    assert table.loc["a", "on_track"] == pytest.approx(0.5)  # run 0 only, each on its own start
    rows = city_target_rows(table.reset_index(), {"a": "甲", "b": "乙"}, "zh")
    assert [r["city"] for r in rows] == ["甲", "乙"]
    assert rows[0]["milestone_2025"] == "30.0万" and rows[0]["on_track"] == "50%"


def test_the_milestone_chart_draws_each_citys_band_against_the_red_path():
    paths = stats.city_paths(by_city())
    milestones = {y: stats.milestone_ratio(y) for y in range(2020, 2026)}
    fig = figures.milestone_chart(
        paths, milestones, {"a": "甲", "b": "乙"}, {"s": "情景"}, {"s": "#1f4e79"}, "zh", "标题"
    )
    path = [trace for trace in fig.data if trace.name == t("milestones.path", "zh")]
    assert len(path) == 2  # one per city panel
    assert list(path[0].y) == pytest.approx(list(milestones.values()))
    assert path[0].line.color == palette.TARGET
    assert all(trace.mode in ("lines", "none") for trace in fig.data if trace not in path)


def test_ratio_ticks_have_two_decimals_and_their_unit():
    axis = figures.value_axis("ratio", 2.0, "zh")
    assert (axis.tickformat, axis.ticksuffix, axis.title) == (".2f", "倍", "")
    labels = [f"{v:{axis.tickformat[1:]}}{axis.ticksuffix}" for v in (1.90, 1.95, 2.0)]
    assert len(set(labels)) == 3  # '.1f' gave '1.9 2.0 2.0'


def test_a_count_axis_from_zero_keeps_its_origin_clear():
    long = pd.DataFrame(
        {"date": YEAR_ENDS, "series": "n_individual", "value": [1e6 * (1 + i) for i in range(6)]}
    )
    fig = figures.stacked_area(long, {"n_individual": "个体"}, "zh", "t")
    assert fig.layout.yaxis.rangemode == "tozero"
    assert (fig.layout.yaxis.ticksuffix, fig.layout.yaxis.title.text) == ("万", "户")  # not 0万户
    assert fig.layout.xaxis.ticklabelmode == "period"  # '2021' mid-year, not under '0万'
