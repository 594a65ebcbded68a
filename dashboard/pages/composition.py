"""Composition and quality (结构与质量): stocks by kind, yearly flows, the operating share."""

from __future__ import annotations

from dash import html

from dashboard import components, figures, stats
from dashboard.contract import BASELINE, CONVERSION_FLOWS, ENTRY_EXIT_FLOWS, KIND_COLUMNS
from dashboard.data import Results
from dashboard.i18n import t
from dashboard.pages.base import Page, Rendered, View, chart_cards, main_scenario, single_picker

SCENARIO = "comp-scenario"
CHART_IDS = ("comp-kinds", "comp-share", "comp-entry-exit", "comp-conversions")
FLOW_CHARTS = (
    ("comp-entry-exit", ENTRY_EXIT_FLOWS, "composition.entry_exit"),
    ("comp-conversions", CONVERSION_FLOWS, "composition.conversions"),
)


def kinds_chart(results: Results, scenario: str, lang: str, subtitle: str):
    """Median stocks by kind of one scenario, stacked over time."""
    kinds = results.memo(
        ("kinds", scenario),
        lambda: stats.median_stocks(
            results.timeseries("scenario", "date", *KIND_COLUMNS, scenario=scenario),
            scenario,
            KIND_COLUMNS,
        ),
    )
    figure = figures.stacked_area(
        kinds,
        components.labels(KIND_COLUMNS, "kind", lang),
        lang,
        figures.with_subtitle(t("composition.kinds", lang), subtitle),
    )
    return figure, kinds.assign(scenario=scenario)


def share_chart(results: Results, scenario: str, lang: str, titles: dict[str, str]):
    """The operating share (fan chart) of the scenario beside no policy."""
    share = results.memo(
        ("share",),
        lambda: stats.operating_share_bands(
            results.timeseries("scenario", "date", "n_operating", "n_registered")
        ),
    )
    names = results.scenario_names
    shown = [n for n in names if n in (BASELINE, scenario)]
    share = share[share["scenario"].isin(shown)]
    figure = figures.fan_chart(
        share,
        {n: titles[n] for n in shown},
        figures.scenario_colors(names),
        lang,
        t("composition.share", lang),
        kind="share",
    )
    return figure, share


def flow_chart(results: Results, scenario: str, lang: str, flows, key: str, subtitle: str):
    """Yearly flows (`flows`, columns) of one scenario as grouped bars."""
    table = results.memo(
        ("flows", scenario, flows),
        lambda: stats.annual_flows(
            results.timeseries("scenario", "run", "date", *flows, scenario=scenario),
            scenario,
            flows,
        ),
    )
    years = {y: str(y) for y in sorted(table["year"].unique())}
    figure = figures.bar_chart(
        table,
        "year",
        years,
        components.labels(flows, "flow", lang),
        lang,
        figures.with_subtitle(t(key, lang), subtitle),
    )
    return figure, table.assign(scenario=scenario)


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    scenario = view.choice(SCENARIO, main_scenario(results), allowed=results.scenario_names)
    titles = components.titles(results.scenarios, lang)
    charts = {
        "comp-kinds": kinds_chart(results, scenario, lang, titles[scenario]),
        "comp-share": share_chart(results, scenario, lang, titles),
    }
    for chart_id, flows, key in FLOW_CHARTS:
        charts[chart_id] = flow_chart(results, scenario, lang, flows, key, titles[scenario])
    return Rendered(charts)


def layout(view: View, rendered: Rendered) -> html.Div:
    return components.page(
        t("composition.heading", view.lang),
        html.Div(single_picker(view, SCENARIO, "chart.scenario"), className="controls"),
        html.Div(chart_cards(rendered, view.lang), className="grid-2"),
    )


PAGE = Page(
    "composition",
    "/composition",
    render,
    layout,
    controls=(SCENARIO,),
    chart_ids=CHART_IDS,
    choices=lambda results: {SCENARIO: results.scenario_names},
)
