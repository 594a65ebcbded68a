"""Composition and quality (结构与质量): stocks by kind, yearly flows, the operating share."""

from __future__ import annotations

from dash import html

from dashboard import components, figures, stats
from dashboard.contract import BASELINE, CONVERSION_FLOWS, ENTRY_EXIT_FLOWS, KIND_COLUMNS
from dashboard.i18n import t
from dashboard.pages.base import (
    Rendered,
    View,
    chart_cards,
    main_scenario,
    single_picker,
)

PATH = "/composition"
NAV = "nav.composition"
SCENARIO = "comp-scenario"
CONTROLS = (SCENARIO,)
CHART_IDS = ("comp-kinds", "comp-share", "comp-entry-exit", "comp-conversions")
BLOCKS: tuple[str, ...] = ()


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    names = results.scenario_names
    scenario = view.choice(SCENARIO, main_scenario(results), allowed=names)
    ts = results.timeseries
    kinds = results.memo(
        ("kinds", scenario), lambda: stats.median_stocks(ts, scenario, KIND_COLUMNS)
    )
    share = results.memo(("share",), lambda: stats.operating_share_bands(ts))
    titles = components.titles(results.scenarios, lang)
    shown = [n for n in names if n in (BASELINE, scenario)]  # the scenario beside no policy
    share = share[share["scenario"].isin(shown)]
    charts = {
        "comp-kinds": (
            figures.stacked_area(
                kinds,
                components.labels(KIND_COLUMNS, "kind", lang),
                lang,
                figures.with_subtitle(t("composition.kinds", lang), titles[scenario]),
            ),
            kinds.assign(scenario=scenario),
        ),
        "comp-share": (
            figures.fan_chart(
                share,
                {n: titles[n] for n in shown},
                figures.scenario_colors(names),
                lang,
                t("composition.share", lang),
                kind="share",
            ),
            share,
        ),
    }
    for chart_id, flows, key in (
        ("comp-entry-exit", ENTRY_EXIT_FLOWS, "composition.entry_exit"),
        ("comp-conversions", CONVERSION_FLOWS, "composition.conversions"),
    ):
        table = results.memo(
            ("flows", scenario, flows), lambda flows=flows: stats.annual_flows(ts, scenario, flows)
        )
        years = {y: str(y) for y in sorted(table["year"].unique())}
        figure = figures.bar_chart(
            table,
            "year",
            years,
            components.labels(flows, "flow", lang),
            lang,
            figures.with_subtitle(t(key, lang), titles[scenario]),
        )
        charts[chart_id] = (figure, table.assign(scenario=scenario))
    return Rendered(charts)


def layout(view: View, rendered: Rendered) -> html.Div:
    return components.page(
        t("composition.heading", view.lang),
        html.Div(single_picker(view, SCENARIO, "chart.scenario"), className="controls"),
        html.Div(chart_cards(rendered, view.lang), className="grid-2"),
    )
