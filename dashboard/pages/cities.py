"""Cities (各市): the 11 cities compared, registered and operating, growth since end-2020, and
each city's path to doubling against annual milestones (各市分解目标, 年度进度)."""

from __future__ import annotations

from dash import html

from dashboard import components, figures, palette, stats, tables
from dashboard.contract import BASELINE
from dashboard.data import Results, load_cities
from dashboard.formats import format_ratio
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
from model.experiments import START

SCENARIO = "city-scenario"
YEAR = "city-year"
LEVELS, GROWTH, MILESTONES = "city-levels", "city-growth", "city-milestones"
TARGETS = "city-targets"
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
            reference=stats.milestone_ratio(year),
            reference_label=milestone_label(year, lang),
        )
    return figure, growth.assign(year=year)


def milestone_label(year: int, lang: str) -> str:
    """The doubling target at end-2025, the year's milestone before it."""
    if year >= START.year + stats.DOUBLING_YEARS:
        return t("overview.target", lang)
    ratio = format_ratio(stats.milestone_ratio(year), lang)
    return t("milestones.reference", lang, year=year, ratio=ratio)


def milestones_chart(results: Results, scenario: str, lang: str):
    """Each city's ratio to end-2020 year by year, the scenario beside no policy, against the
    annual milestones of steady doubling."""
    columns = ("scenario", "run", "date", "city", "n_registered")
    paths = results.memo(("city_paths",), lambda: stats.city_paths(results.by_city(*columns)))
    titles = components.titles(results.scenarios, lang)
    shown = {n: title for n, title in titles.items() if n in (BASELINE, scenario)}
    paths = paths[paths["scenario"].isin(shown)]
    title = t("milestones.chart", lang)
    if paths.empty:
        return figures.message_figure(t("cities.no_start", lang), title), paths
    milestones = {int(y): stats.milestone_ratio(int(y)) for y in sorted(paths["year"].unique())}
    figure = figures.milestone_chart(
        paths,
        milestones,
        city_names(lang),
        shown,
        palette.scenario_colors(results.scenario_names),
        lang,
        title,
    )
    return figure, paths


def targets(results: Results, scenario: str, year: int):
    """`stats.city_targets` of the scenario at `year` (computed once)."""
    columns = ("scenario", "run", "date", "city", "n_registered")
    return results.memo(
        ("city_targets", scenario, year),
        lambda: stats.city_targets(results.by_city(*columns, scenario=scenario), scenario, year),
    )


def targets_table(results: Results, scenario: str, year, lang: str) -> html.Table:
    """各市分解目标: each city's end-2020 count, its milestones, the scenario at `year` and the
    share of runs on track."""
    table = targets(results, scenario, year)
    years = [int(c.removeprefix("milestone_")) for c in table.columns if c.startswith("milestone_")]
    headers = tables.city_target_headers(years, year, lang)
    rows = tables.city_target_rows(table, city_names(lang), lang)
    head = html.Thead(html.Tr([html.Th(text) for text in headers.values()]))
    body = html.Tbody(
        [
            html.Tr(
                [html.Td(components.cell(row[c]), className=_year_class(c, year)) for c in headers],
                **{"data-city": row["id"]},
            )
            for row in rows
        ]
    )
    return html.Table([head, body], id=f"{TARGETS}-table", className="overview-table")


def _year_class(column: str, year) -> str | None:
    """The milestone of the chosen year stands out."""
    return "chosen-year" if column in (f"milestone_{year}", "model", "on_track") else None


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
            MILESTONES: milestones_chart(results, scenario, lang),
        },
        {TARGETS: targets_table(results, scenario, year, lang) if year is not None else ""},
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
        html.Div(chart_cards(rendered, view.lang, [LEVELS, GROWTH]), className="grid-2"),
        html.H3(t("milestones.heading", view.lang)),
        html.P(t("milestones.note", view.lang), className="note"),
        html.Div(rendered.blocks[TARGETS], id=TARGETS, className="table-wrap"),
        *chart_cards(rendered, view.lang, [MILESTONES]),
    )


PAGE = Page(
    "cities",
    "/cities",
    render,
    layout,
    controls=(SCENARIO, YEAR),
    chart_ids=(LEVELS, GROWTH, MILESTONES),
    blocks=(TARGETS,),
    choices=lambda results: {SCENARIO: results.scenario_names, YEAR: years(results)},
)
