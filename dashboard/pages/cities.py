"""Cities (各市): the 11 cities compared, registered and operating, growth since end-2020."""

from __future__ import annotations

from dash import html

from dashboard import components, figures, palette, stats
from dashboard.contract import BASELINE
from dashboard.data import Results, load_cities
from dashboard.i18n import pick, t
from dashboard.pages.base import (
    Page,
    Rendered,
    View,
    chart_cards,
    control_id,
    main_scenario,
    single_picker,
)

SCENARIO = "city-scenario"
YEAR = "city-year"
LEVELS, GROWTH = "city-levels", "city-growth"
MEASURES = {"n_registered": "overview.registered", "n_operating": "overview.operating"}


def city_names(lang: str) -> dict[str, str]:
    """City id → name, in the model's order."""
    cities = load_cities()
    return {row.city: pick(row.name_zh, row.name_en, lang) for row in cities.itertuples()}


def years(results: Results) -> list[int]:
    return results.memo(("city_years",), lambda: stats.city_years(results.by_city("date")))


def levels_chart(results: Results, scenario: str, year, lang: str, subtitle: str):
    """Registered and operating entities per city at a year-end, one scenario."""
    columns = ("scenario", "date", "city", *MEASURES)
    levels = results.memo(
        ("city_levels", scenario, year),
        lambda: stats.city_levels(results.by_city(*columns, scenario=scenario), scenario, year),
    )
    figure = figures.bar_chart(
        levels,
        "city",
        city_names(lang),
        {key: t(label, lang) for key, label in MEASURES.items()},
        lang,
        figures.with_subtitle(t("cities.levels", lang, year=year), subtitle),
        horizontal=True,
        colors=list(palette.measure_colors().values()),
    )
    return figure, levels.assign(scenario=scenario, year=year)


def growth_chart(results: Results, scenario: str, year, lang: str):
    """Each city's ratio to end-2020 at a year-end, the scenario beside no policy."""
    columns = ("scenario", "run", "date", "city", "n_registered")
    growth = results.memo(
        ("city_growth", year), lambda: stats.city_growth(results.by_city(*columns), year)
    )
    titles = components.titles(results.scenarios, lang)
    shown = {n: title for n, title in titles.items() if n in (BASELINE, scenario)}
    growth = growth[growth["scenario"].isin(shown)]
    title = t("cities.growth", lang, year=year)
    if growth.empty:
        figure = figures.message_figure(t("cities.no_start", lang), title)
    else:
        figure = figures.range_chart(
            growth,
            "city",
            city_names(lang),
            "scenario",
            shown,
            figures.scenario_colors(results.scenario_names),
            lang,
            title,
            kind="ratio",
            reference=2.0,
            reference_label=t("overview.target", lang),
        )
    return figure, growth.assign(year=year)


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    scenario = view.choice(SCENARIO, main_scenario(results), allowed=results.scenario_names)
    available = years(results)
    year = view.choice(YEAR, available[-1] if available else None, allowed=available)
    subtitle = components.titles(results.scenarios, lang)[scenario]
    return Rendered(
        {
            LEVELS: levels_chart(results, scenario, year, lang, subtitle),
            GROWTH: growth_chart(results, scenario, year, lang),
        }
    )


def layout(view: View, rendered: Rendered) -> html.Div:
    available = years(view.results)
    year_picker = components.dropdown(
        view.lang,
        id=control_id(YEAR),
        options=[{"label": str(y), "value": y} for y in available],
        value=view.choice(YEAR, available[-1] if available else None, allowed=available),
        clearable=False,
        className="picker picker-narrow",
    )
    return components.page(
        t("cities.heading", view.lang),
        html.Div(
            [
                single_picker(view, SCENARIO, "chart.scenario"),
                components.control(t("cities.year", view.lang), year_picker),
            ],
            className="controls",
        ),
        html.Div(chart_cards(rendered, view.lang), className="grid-2"),
    )


PAGE = Page(
    "cities",
    "/cities",
    render,
    layout,
    controls=(SCENARIO, YEAR),
    chart_ids=(LEVELS, GROWTH),
    choices=lambda results: {SCENARIO: results.scenario_names, YEAR: years(results)},
)
