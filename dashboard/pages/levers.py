"""Levers and cost (政策工具与成本): the catalogue by family or department, costs, family gains."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
from dash import MATCH, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import components, figures, palette, safety, stats
from dashboard.catalogue import (
    CatalogueUnavailable,
    CatalogueView,
    articles_text,
    knob_text,
    load_view,
)
from dashboard.contract import BASELINE
from dashboard.data import ResultsSource
from dashboard.i18n import DEFAULT_LANG, pick, t
from dashboard.pages.base import (
    Page,
    Rendered,
    View,
    chart_cards,
    control_id,
    main_scenario,
    single_picker,
)
from model.experiments import Family, Lever, cost_by

GROUP = "lever-group"
SCENARIO = "lever-scenario"
CATALOGUE = "lever-catalogue"
GROUP_TITLE, GROUP_BODY = "lever-group-title", "lever-group-body"  # a group of the catalogue
COST, VALUE, GAINS = "lever-cost", "lever-value", "lever-gains"
GROUPS = ("family", "department")
ZH_NUMERALS = "一二三四五六七八九十"
GAIN_SERIES = {"n_registered": "overview.registered", "n_operating": "overview.operating"}
VALUE_SERIES = {  # columns of `cost_by` → their labels
    "cost_per_additional_registered": "levers.per_registered",
    "cost_per_additional_operating": "levers.per_operating",
}


def lever_entry(lever: Lever, catalogue: CatalogueView, lang: str) -> html.Div:
    """One lever: title, articles, lead and other departments, the document's values and the
    article's text; the lever's id (an English name) in English only."""
    others = catalogue.other_departments(lever)
    facts = [
        (t("levers.articles", lang), articles_text(lever, lang)),
        (
            t("levers.lead_department", lang),
            catalogue.department_name(catalogue.lead_department(lever), lang),
        ),
        (t("levers.other_departments", lang), catalogue.departments_text(others, lang)),
        (t("levers.knobs", lang), knob_text(lever, lang)),
    ]
    title = pick(lever.title_zh, lever.title_en, lang)
    return html.Div(
        className="lever",
        id=f"lever-{lever.id}",
        children=[
            html.H4([title, html.Code(lever.id)] if lang == "en" else title),
            html.Dl(
                [
                    part
                    for label, value in facts
                    if value
                    for part in (html.Dt(label), html.Dd(value))
                ]
            ),
            html.Div(t("levers.text", lang), className="text-label") if lever.text_zh else None,
            html.Blockquote(lever.text_zh, lang="zh") if lever.text_zh else None,
        ],
    )


def family_title(index: int, family: Family, levers: tuple[Lever, ...], lang: str) -> str:
    """'一、大幅放宽市场准入（第1–7条）' / '1. Market access (Art. 1–7)'."""
    articles = sorted({a for lv in levers if lv.family == family.id for a in lv.articles})
    span = f"{articles[0]}–{articles[-1]}" if len(articles) > 1 else "".join(map(str, articles))
    if lang == "en":
        return f"{index + 1}. {family.title_en} (Art. {span})"
    return f"{ZH_NUMERALS[index % len(ZH_NUMERALS)]}、{family.title_zh}（第{span}条）"


def lever_groups(
    catalogue: CatalogueView, group: str, lang: str
) -> list[tuple[str, str, list[Lever]]]:
    """(key, title, levers) of each non-empty group: by family (the document's order) or by lead
    department (牵头单位): each lever once, under the department its cost is booked to."""
    if group == "department":
        groups = [
            (
                d,
                catalogue.department_name(d, lang),
                [lv for lv in catalogue.levers if catalogue.lead_department(lv) == d],
            )
            for d in catalogue.departments
        ]
    else:
        groups = [
            (
                f.id,
                family_title(i, f, catalogue.levers, lang),
                [lv for lv in catalogue.levers if lv.family == f.id],
            )
            for i, f in enumerate(catalogue.families)
        ]
    return [g for g in groups if g[2]]


def catalogue_groups(catalogue: CatalogueView, group: str, lang: str) -> list[html.Details]:
    """The groups, folded: a group's levers are drawn when it is opened (`register`). Drawing
    every entry at once took the browser seconds (46 entries; 212 when each lever was listed
    under each of its departments)."""
    return [
        html.Details(
            className="lever-group",
            children=[
                html.Summary(
                    f"{title} ({len(levers)})",
                    id={"type": GROUP_TITLE, "key": f"{group}:{key}"},
                    n_clicks=0,
                ),
                html.Div(id={"type": GROUP_BODY, "key": f"{group}:{key}"}),
            ],
        )
        for key, title, levers in lever_groups(catalogue, group, lang)
    ]


def register(app: Dash, source: ResultsSource) -> None:
    """Opening a folded group draws its levers."""

    @app.callback(
        Output({"type": GROUP_BODY, "key": MATCH}, "children"),
        Input({"type": GROUP_TITLE, "key": MATCH}, "n_clicks"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    @safety.guarded
    def draw_group(n_clicks, lang):
        lang = safety.checked(safety.LANG, lang, "lang") or DEFAULT_LANG
        trigger = ctx.triggered_id
        group, _, key = str(trigger.get("key") if isinstance(trigger, dict) else "").partition(":")
        found = _catalogue()
        if not n_clicks or not isinstance(found, CatalogueView):
            raise PreventUpdate
        levers = {k: lvs for k, _, lvs in lever_groups(found, group, lang)}.get(key)
        if group not in GROUPS or levers is None:
            raise safety.BadInput("lever group: not an offered value")
        return [lever_entry(lever, found, lang) for lever in levers]


def _catalogue() -> CatalogueView | str:
    try:
        return load_view()
    except CatalogueUnavailable as error:
        return str(error)


def _bars(table: pd.DataFrame, key: str, prefixes: Iterable[str]) -> pd.DataFrame:
    """Bands of `cost_by` as the long table of `figures.bar_chart`, one series per prefix."""
    return pd.concat(
        [
            table[[key]].assign(
                series=prefix,
                value=table[f"{prefix}_p50"],
                p05=table[f"{prefix}_p05"],
                p95=table[f"{prefix}_p95"],
            )
            for prefix in prefixes
        ],
        ignore_index=True,
    )


def category_names(
    catalogue: CatalogueView | None, key: str, ids: Iterable[str], lang: str
) -> dict[str, str]:
    """Lever or department id → its name in the language (the id without a catalogue)."""
    if catalogue is None:
        return {k: k for k in ids}
    if key == "lever":
        titles = components.titles(catalogue.levers, lang, key="id")
        return {k: titles.get(k, k) for k in ids}
    return {k: catalogue.department_name(k, lang) for k in ids}


def cost_charts(view: View, catalogue: CatalogueView | None, scenario: str, group: str) -> dict:
    """Fiscal cost of one scenario by lever or by department, and the cost per additional entity
    (the scenario's additional entities), with 5–95 % whiskers: chart id → (figure, table)."""
    results, lang = view.results, view.lang
    key = "department" if group == "department" else "lever"
    subtitle = components.titles(results.scenarios, lang)[scenario]
    titles = {
        chart: figures.with_subtitle(t(f"levers.{name}_{key}", lang), subtitle)
        for chart, name in ((COST, "cost"), (VALUE, "value"))
    }
    if not results.has_fiscal:
        message = t("error.no_fiscal", lang)
        return {
            chart: (figures.message_figure(message, title), None) for chart, title in titles.items()
        }
    table = results.memo(
        ("fiscal", scenario, key),
        lambda: cost_by(results.fiscal(scenario), results.at_deadline(), key),
    )
    names = category_names(catalogue, key, table[key], lang)

    def bars(series: dict[str, str], title: str) -> go.Figure:
        long = _bars(table, key, series)
        return figures.bar_chart(
            long, key, names, series, lang, title, kind="money", horizontal=True
        )

    cost = bars({"fiscal_cost": t("overview.col.fiscal_cost", lang)}, titles[COST])
    if BASELINE not in results.scenario_names:
        value = figures.message_figure(t("error.no_baseline_cost", lang), titles[VALUE])
    else:
        value = bars({c: t(label, lang) for c, label in VALUE_SERIES.items()}, titles[VALUE])
    return {COST: (cost, table), VALUE: (value, table)}


def gains_chart(view: View, catalogue: CatalogueView | None) -> tuple[go.Figure, object]:
    """What each family-only scenario adds over no_policy at end-2025 (paired by run)."""
    results, lang = view.results, view.lang
    title = t("levers.gains", lang)
    if BASELINE not in results.scenario_names:
        return figures.message_figure(t("error.no_baseline", lang), title), None
    if catalogue is None:
        return figures.message_figure(t("error.no_data", lang), title), None
    family_of = stats.single_family_scenarios(
        {s.name: s.levers for s in results.scenarios if s.name != BASELINE}, catalogue.lever_family
    )
    if not family_of:
        return figures.message_figure(t("error.no_family", lang), title), None
    gains = results.memo(
        ("gains", tuple(family_of)),
        lambda: stats.gains_over(
            results.at_deadline(), list(family_of), BASELINE, list(GAIN_SERIES)
        ),
    )
    order = [f.id for f in catalogue.families]
    titles = components.titles(results.scenarios, lang)
    labels = {  # scenario titles, in the document's order of families
        name: titles[name] for name in sorted(family_of, key=lambda n: order.index(family_of[n]))
    }
    series = {key: t(label, lang) for key, label in GAIN_SERIES.items()}
    figure = figures.range_chart(
        gains,
        "scenario",
        labels,
        "series",
        series,
        palette.measure_colors(),
        lang,
        title,
        reference=0.0,
    )
    return figure, gains.assign(family=gains["scenario"].map(family_of))


def render(view: View) -> Rendered:
    lang = view.lang
    found = _catalogue()
    catalogue = found if isinstance(found, CatalogueView) else None
    group = view.choice(GROUP, "family", allowed=GROUPS)
    scenario = view.choice(
        SCENARIO, main_scenario(view.results), allowed=view.results.scenario_names
    )
    if catalogue is None:
        text = t("error.catalogue", lang, detail=found)
        listing = html.Div(
            [
                components.message(text, kind="error"),
                components.technical_detail(found, text, lang),
            ]
        )
        count = 0
    else:
        listing = html.Div(catalogue_groups(catalogue, group, lang))
        count = len(catalogue.levers)
    charts = {
        **cost_charts(view, catalogue, scenario, group),
        GAINS: gains_chart(view, catalogue),
    }
    charts = {
        k: (fig, table if table is not None else pd.DataFrame())
        for k, (fig, table) in charts.items()
    }
    blocks = {CATALOGUE: [html.H3(t("levers.catalogue", lang, n=count)), listing]}
    return Rendered(charts, blocks)


def layout(view: View, rendered: Rendered) -> html.Div:
    lang = view.lang
    group = dcc.RadioItems(
        id=control_id(GROUP),
        value=view.choice(GROUP, "family", allowed=GROUPS),
        options=[{"label": t(f"levers.by_{g}", lang), "value": g} for g in GROUPS],
        inline=True,
        className="radio",
    )
    return components.page(
        t("levers.heading", lang),
        html.Div(
            [
                components.control(t("levers.group_by", lang), group),
                single_picker(view, SCENARIO, "chart.scenario"),
            ],
            className="controls",
        ),
        html.Div(chart_cards(rendered, lang), className="grid-1"),
        html.Div(rendered.blocks[CATALOGUE], id=CATALOGUE, className="catalogue"),
        note=t("levers.note", lang),
    )


PAGE = Page(
    "levers",
    "/levers",
    render,
    layout,
    controls=(GROUP, SCENARIO),
    chart_ids=(COST, VALUE, GAINS),
    blocks=(CATALOGUE,),
    register=register,
    choices=lambda results: {GROUP: GROUPS, SCENARIO: results.scenario_names},
)
