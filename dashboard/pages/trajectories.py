"""Trajectories (走势): registered and operating entities over time, fan charts per scenario."""

from __future__ import annotations

from dash import html

from dashboard import components, figures, stats
from dashboard.data import Results
from dashboard.i18n import t
from dashboard.pages.base import Rendered, View, chart_cards, control_id

PATH = "/trajectories"
NAV = "nav.trajectories"
SCENARIOS = "traj-scenarios"
CHARTS = {"traj-registered": "n_registered", "traj-operating": "n_operating"}
CONTROLS = (SCENARIOS,)
CHART_IDS = tuple(CHARTS)
BLOCKS: tuple[str, ...] = ()
DEFAULT_SHOWN = 4
TITLES = {"n_registered": "trajectories.registered", "n_operating": "trajectories.operating"}


def bands(results: Results, value: str):
    """Bands of one column per scenario and month (computed once per results folder)."""
    return results.memo(("bands", value), lambda: stats.trajectory_bands(results.timeseries, value))


def default_scenarios(results: Results) -> list[str]:
    """The scenarios a comparison opens on: the first few of the batch (no_policy, as_enacted…)."""
    return results.scenario_names[:DEFAULT_SHOWN]


def doubling_level(results: Results) -> float:
    """2 × the end-2020 registered count (median over runs; they share the starting stock)."""
    return 2 * float(results.summary["start_registered"].median())


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    names = results.scenario_names
    chosen = view.choice(SCENARIOS, default_scenarios(results), allowed=names)
    titles = {k: v for k, v in components.titles(results.scenarios, lang).items() if k in chosen}
    colors = figures.scenario_colors(names)
    charts = {}
    for chart_id, value in CHARTS.items():
        table = bands(results, value)
        table = table[table["scenario"].isin(chosen)]
        level = doubling_level(results) if value == "n_registered" else None
        figure = figures.fan_chart(
            table, titles, colors, lang, t(TITLES[value], lang), doubling=level
        )
        charts[chart_id] = (figure, table.assign(value=value))
    return Rendered(charts)


def layout(view: View, rendered: Rendered) -> html.Div:
    names = view.results.scenario_names
    picker = components.scenario_picker(
        control_id(SCENARIOS),
        view.results.scenarios,
        view.lang,
        view.choice(SCENARIOS, default_scenarios(view.results), allowed=names),
        multi=True,
    )
    runs = int(view.results.summary.groupby("scenario").size().max())
    return components.page(
        t("trajectories.heading", view.lang),
        html.Div(components.control(t("chart.scenarios", view.lang), picker), className="controls"),
        html.Div(chart_cards(rendered, view.lang), className="grid-2"),
        note=t("chart.note_bands", view.lang, runs=runs),
    )
