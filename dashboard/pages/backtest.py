"""Backtest (回测): the runs from end-2020 against the counts published since, and how the posterior
the runs drew from was fitted (its pre-2021 moments, each parameter's prior against posterior)."""

from __future__ import annotations

import pandas as pd
from dash import html

from dashboard import components, figures
from dashboard.contract import BASELINE
from dashboard.data import Results
from dashboard.i18n import label, t
from dashboard.pages.base import Many, Page, Rendered, View, chart_cards, scenario_control
from dashboard.pages.trajectories import bands
from dashboard.tables import MOMENT_COLUMNS, moment_headers, moment_rows, quantity_label

SCENARIOS = "bt-scenarios"
BANDS, MARGINALS = "bt-bands", "bt-marginals"
MOMENTS = "bt-moments"
ENACTED = "as_enacted"  # the document as enacted: what actually happened after 2020


def default_scenarios(results: Results) -> list[str]:
    """No policy and the document as enacted, those stored (else the batch's first scenario)."""
    names = results.scenario_names
    return [n for n in (BASELINE, ENACTED) if n in names] or names[:1]


def observations(results: Results) -> pd.DataFrame:
    """The published counts of the backtest, dated as timestamps (computed once)."""
    return results.memo(
        ("backtest_observations",),
        lambda: results.backtest().observations.assign(
            date=lambda rows: pd.to_datetime(rows["date"])
        ),
    )


def bands_chart(view: View, shown: list[str]):
    """A panel per observed quantity: the shown scenarios' bands and the published counts."""
    results, lang = view.results, view.lang
    points = observations(results)
    title = t("backtest.bands", lang)
    if points.empty:
        return figures.message_figure(t("backtest.no_observations", lang), title), points
    quantities = {q: quantity_label(q, lang) for q in points["quantity"].unique()}
    table = pd.concat([bands(results, q).assign(quantity=q) for q in quantities], ignore_index=True)
    table = table[table["scenario"].isin(shown)]
    titles = {n: s for n, s in components.titles(results.scenarios, lang).items() if n in shown}
    colors = figures.scenario_colors(results.scenario_names)
    figure = figures.backtest_chart(table, points, quantities, titles, colors, lang, title)
    data = pd.concat([table, points], ignore_index=True)  # the bands, then the published counts
    return figure, data[["quantity", *data.columns.drop("quantity")]]


def marginals_chart(view: View):
    """Each parameter's prior against its posterior, or why there is none."""
    marginals, lang = view.results.backtest().marginals, view.lang
    title = t("backtest.marginals", lang)
    if marginals.empty:
        return figures.message_figure(t("backtest.no_marginals", lang), title), marginals
    parameters = {p: label(p, lang, "parameter") for p in marginals["parameter"].unique()}
    return figures.marginals_chart(marginals, parameters, lang, title), marginals


def moment_table(rows: list[dict], lang: str) -> html.Table:
    """The moments as an HTML table; a median outside its range marked."""
    headers = moment_headers(lang)
    head = html.Thead(html.Tr([html.Th(headers[c]) for c in MOMENT_COLUMNS]))
    body = html.Tbody(
        [
            html.Tr(
                [html.Td(row[c]) for c in MOMENT_COLUMNS[:-1]]
                + [
                    html.Td(
                        t("backtest.within" if row["within"] else "backtest.outside", lang),
                        className="in-range" if row["within"] else "out-of-range",
                    )
                ],
                **{"data-moment": row["id"]},
            )
            for row in rows
        ]
    )
    return html.Table([head, body], id=f"{MOMENTS}-table", className="overview-table moment-table")


def moments_block(results: Results, lang: str) -> list:
    """The pre-2021 moments: fitted against target; or why the batch has none."""
    backtest = results.backtest()
    if backtest.posterior is None:
        return [
            components.message(
                t("backtest.no_posterior", lang), t("backtest.no_posterior_detail", lang)
            )
        ]
    source = html.P(t("backtest.posterior", lang, path=backtest.posterior), className="note")
    if backtest.moments.empty:
        return [source, components.message(t("backtest.no_moments", lang))]
    return [
        source,
        html.H3(t("backtest.moments", lang)),
        html.P(t("backtest.moments_note", lang), className="note"),
        html.Div(moment_table(moment_rows(backtest.moments, lang), lang), className="table-wrap"),
    ]


def render(view: View) -> Rendered:
    results = view.results
    shown = view.choice(SCENARIOS, default_scenarios(results), allowed=Many(results.scenario_names))
    charts = {BANDS: bands_chart(view, shown), MARGINALS: marginals_chart(view)}
    return Rendered(charts, {MOMENTS: moments_block(results, view.lang)})


def layout(view: View, rendered: Rendered) -> html.Div:
    default = default_scenarios(view.results)
    picker = scenario_control(view, SCENARIOS, default, "chart.scenarios", multi=True)
    runs = int(view.results.summary.groupby("scenario").size().max())
    return components.page(
        t("backtest.heading", view.lang),
        html.Div(picker, className="controls"),
        *chart_cards(rendered, view.lang, [BANDS]),
        html.Div(rendered.blocks[MOMENTS], id=MOMENTS, className="moments"),
        *chart_cards(rendered, view.lang, [MARGINALS]),
        note=t("backtest.note", view.lang, runs=runs),
    )


PAGE = Page(
    "backtest",
    "/backtest",
    render,
    layout,
    controls=(SCENARIOS,),
    chart_ids=(BANDS, MARGINALS),
    blocks=(MOMENTS,),
    choices=lambda results: {SCENARIOS: Many(results.scenario_names)},
)
