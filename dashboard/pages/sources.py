"""Assumptions and sources (假设与来源): every number the model rests on, and how much of each
scenario's gain rests on assumptions.

The rows are the parameter register's (`model.policy.register`, which also writes
docs/parameters.md): every base rate, lever effect, take-up and cost with its value, range, unit
and source, or `assumption:` and its reasoning. The calibration table is the backtest page's
(`pages.backtest.moments_block`), the share of the gain resting on assumed effects the
overview's (`model.experiments.compare`, formatted by `tables.overview_rows`).

The tables are plain HTML (`components.table`), searchable with a plain text box that hides the
rows of every table not containing the text, in the browser (a clientside callback: no round
trip; one box searches all tables, in the page's language).
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import Dash, Input, Output, dcc, html

from dashboard import components
from dashboard.catalogue import CatalogueUnavailable, CatalogueView, load_view
from dashboard.data import Results, ResultsSource
from dashboard.i18n import label, t
from dashboard.pages import backtest
from dashboard.pages.base import Page, Rendered, View
from dashboard.pages.overview import overview_table
from dashboard.tables import ASSUMPTION_SHARE, overview_headers, overview_rows
from model.experiments import (
    base_rate_entries,
    cost_entries,
    effect_entries,
    format_value,
    load_catalogue,
    take_up_entries,
)

FILTER, COUNT = "sources-filter", "sources-count"
SHARES, CALIBRATION, RATES, LEVERS = (
    "sources-shares",
    "sources-calibration",
    "sources-rates",
    "sources-levers",
)
TABLE_CLASS = "overview-table sources-table"
RATE_COLUMNS = ("parameter", "value", "range", "unit", "basis", "source")
LEVER_COLUMNS = ("lever", "what", "value", "range", "unit", "basis", "source")

# Hide the rows of the page's tables that do not contain the text (case-insensitive); say how
# many show. A side effect in the browser only: the server never sees what is typed.
FILTER_ROWS = """(text) => {
    const query = (text || "").trim().toLowerCase();
    const rows = [...document.querySelectorAll(".sources-block table tbody tr")];
    let shown = 0;
    rows.forEach((row) => {
        const match = !query || row.textContent.toLowerCase().includes(query);
        row.style.display = match ? "" : "none";
        shown += match;
    });
    return query ? `${shown} / ${rows.length}` : "";
}"""


def rate_rows(lang: str) -> list[dict]:
    """One row per base rate (model/world/data/base_rates.csv), in the file's order; the id
    shown beside the name in English; the unit in the language (`sources.unit.*`; one without a
    translation as the register writes it)."""
    rows = []
    for e in base_rate_entries():
        name = label(e.name, lang, "parameter", "sources.parameter")
        rows.append(
            {
                "id": e.name,
                "parameter": [name, " ", html.Code(e.name)] if lang == "en" else name,
                "value": format_value(e.value),
                "range": e.range_text,
                "unit": label(e.unit, lang, "sources.unit"),
                "basis": e.basis,
                "source": e.source,
            }
        )
    return rows


def lever_rows(catalogue: CatalogueView, lang: str) -> list[dict]:
    """One row per effect, take-up and cost of every lever (the lever files), lever by lever in
    the catalogue's order: what it acts on (the hook) or is, value, range, source."""
    model_catalogue = load_catalogue()
    order = {lv.id: index for index, lv in enumerate(catalogue.levers)}
    titles = components.titles(catalogue.levers, lang, key="id")
    groups = (
        (effect_entries(model_catalogue), lambda e: t(f"sources.hook.{e.hook}", lang), ""),
        (take_up_entries(model_catalogue), lambda e: t("sources.what.take_up", lang), ""),
        (cost_entries(model_catalogue), lambda e: t("sources.what.cost", lang), "yuan"),
    )
    rows = [
        {
            "id": f"{kind}-{e.name}",
            "lever_id": e.lever,
            "lever": titles.get(e.lever, e.lever),
            "what": what(e),
            "value": format_value(e.value),
            "range": e.range_text,
            "unit": t(f"sources.unit.{unit}", lang) if unit else "",
            "basis": e.basis,
            "source": e.source,
        }
        for kind, (entries, what, unit) in zip(("effect", "take_up", "cost"), groups, strict=True)
        for e in entries
    ]
    return sorted(rows, key=lambda row: order.get(row["lever_id"], len(order)))  # stable


def _cell(row: dict, column: str, lang: str):
    if column == "basis":
        basis = row["basis"]
        return html.Span(t(f"sources.basis.{basis}", lang), className=f"basis basis-{basis}")
    return row[column]


def register_table(
    table_id: str, columns: Sequence[str], rows: list[dict], lang: str
) -> html.Table:
    """A table of register rows: headers `sources.col.<column>`, the basis as a badge."""
    headers = {c: t(f"sources.col.{c}", lang) for c in columns}
    return components.table(
        table_id, columns, rows, headers, lambda row, c: _cell(row, c, lang), class_name=TABLE_CLASS
    )


def shares_table(results: Results, lang: str) -> html.Table:
    """Per scenario, the share of its additional entities resting on assumed effects."""
    titles = components.titles(results.scenarios, lang)
    rows = [
        row | {"id": row["name"]} for row in overview_rows(overview_table(results), titles, lang)
    ]

    def cell(row: dict, column: str):
        value = row[column]
        return f"{value[0]} {value[1]}" if isinstance(value, tuple) else value

    columns = ("scenario", *ASSUMPTION_SHARE)
    headers = overview_headers(lang)
    return components.table(f"{SHARES}-table", columns, rows, headers, cell, class_name=TABLE_CLASS)


def _counts(rows: list[dict], lang: str) -> str:
    assumed = sum(row["basis"] == "assumption" for row in rows)
    return t("sources.count", lang, n=len(rows), assumed=assumed)


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    try:
        catalogue = load_view()
    except CatalogueUnavailable as error:
        text = t("error.catalogue", lang, detail=str(error))
        levers: list = [
            components.message(text, kind="error"),
            components.technical_detail(str(error), text, lang),
        ]
    else:
        rows = lever_rows(catalogue, lang)
        levers = [
            html.P(_counts(rows, lang), className="note"),
            register_table(f"{LEVERS}-table", LEVER_COLUMNS, rows, lang),
        ]
    rates = rate_rows(lang)
    blocks = {
        SHARES: [
            html.H3(t("sources.shares", lang)),
            html.P(t("overview.note_assumption", lang), className="note"),
            html.Div(shares_table(results, lang), className="table-wrap"),
        ],
        CALIBRATION: [
            html.H3(t("sources.calibration", lang)),
            *backtest.moments_block(results, lang),
        ],
        RATES: [
            html.H3(t("sources.rates", lang)),
            html.P(_counts(rates, lang), className="note"),
            html.Div(
                register_table(f"{RATES}-table", RATE_COLUMNS, rates, lang), className="table-wrap"
            ),
        ],
        LEVERS: [html.H3(t("sources.levers", lang)), html.Div(levers, className="table-wrap")],
    }
    return Rendered({}, blocks)


def layout(view: View, rendered: Rendered) -> html.Div:
    lang = view.lang
    search = dcc.Input(
        id=FILTER,
        type="search",
        placeholder=t("sources.filter", lang),
        debounce=False,
        className="sources-filter",
    )
    return components.page(
        t("sources.heading", lang),
        html.Div(
            [components.control(t("sources.search", lang), search), html.Span(id=COUNT)],
            className="controls",
        ),
        *[html.Div(rendered.blocks[b], id=b, className="sources-block") for b in PAGE.blocks],
        note=t("sources.note", lang),
    )


def register(app: Dash, source: ResultsSource) -> None:
    """The search box filters the tables in the browser."""
    app.clientside_callback(FILTER_ROWS, Output(COUNT, "children"), Input(FILTER, "value"))


PAGE = Page(
    "sources",
    "/sources",
    render,
    layout,
    blocks=(SHARES, CALIBRATION, RATES, LEVERS),
    register=register,
)
