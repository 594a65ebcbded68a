"""Trajectories (走势): registered and operating entities over time, fan charts per scenario."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import pandas as pd
from dash import html

from dashboard import components, figures, stats
from dashboard.data import Results
from dashboard.i18n import t
from dashboard.pages.base import Many, Page, Rendered, View, chart_cards, scenario_control

SCENARIOS = "traj-scenarios"
CHARTS = {"traj-registered": "n_registered", "traj-operating": "n_operating"}
DEFAULT_SHOWN = 4
TITLES = {"n_registered": "trajectories.registered", "n_operating": "trajectories.operating"}


def bands(results: Results, value: str):
    """Bands of one column per scenario and month (computed once per results folder)."""
    return results.memo(
        ("bands", value),
        lambda: stats.trajectory_bands(results.timeseries("scenario", "date", value), value),
    )


def default_scenarios(results: Results) -> list[str]:
    """The scenarios a comparison opens on: the first few of the batch (no_policy, as_enacted…)."""
    return results.scenario_names[:DEFAULT_SHOWN]


def doubling_level(results: Results) -> float:
    """2 × the end-2020 registered count (median over runs; they share the starting stock)."""
    return 2 * float(results.summary["start_registered"].median())


def fan_charts(
    view: View,
    charts: Mapping[str, str],
    shown: Collection[str],
    titles: Mapping[str, str],
    colors: Mapping[str, str],
    *,
    extra: Mapping[str, pd.DataFrame] | None = None,
    dashed: Sequence[str] = (),
) -> dict:
    """Fan charts (chart id → figure and data table), one per column of `charts` (chart id → column).

    Bands of the stored scenarios in `shown`, drawn in the order of `titles`; `extra` (column →
    bands) adds more, such as the live what-if's; `dashed` names scenarios drawn dashed.
    """
    results, lang = view.results, view.lang
    rendered = {}
    for chart_id, value in charts.items():
        table = bands(results, value)
        table = table[table["scenario"].isin(shown)]
        if extra:
            table = pd.concat([table, extra[value]], ignore_index=True)
        level = doubling_level(results) if value == "n_registered" else None
        figure = figures.fan_chart(
            table, titles, colors, lang, t(TITLES[value], lang), doubling=level, dashed=dashed
        )
        rendered[chart_id] = (figure, table.assign(value=value))
    return rendered


def render(view: View) -> Rendered:
    results = view.results
    names = results.scenario_names
    chosen = view.choice(SCENARIOS, default_scenarios(results), allowed=Many(names))
    titles = components.titles(results.scenarios, view.lang)
    titles = {k: v for k, v in titles.items() if k in chosen}
    return Rendered(fan_charts(view, CHARTS, chosen, titles, figures.scenario_colors(names)))


def layout(view: View, rendered: Rendered) -> html.Div:
    default = default_scenarios(view.results)
    picker = scenario_control(view, SCENARIOS, default, "chart.scenarios", multi=True)
    runs = int(view.results.summary.groupby("scenario").size().max())
    return components.page(
        t("trajectories.heading", view.lang),
        html.Div(picker, className="controls"),
        html.Div(chart_cards(rendered, view.lang), className="grid-2"),
        note=t("chart.note_bands", view.lang, runs=runs),
    )


PAGE = Page(
    "trajectories",
    "/trajectories",
    render,
    layout,
    controls=(SCENARIOS,),
    chart_ids=tuple(CHARTS),
    choices=lambda results: {SCENARIOS: Many(results.scenario_names)},
)
