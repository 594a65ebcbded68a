"""Overview (总览): per scenario, will the count double by end-2025, when, and at what cost."""

from __future__ import annotations

from dash import html

from dashboard import components, figures
from dashboard.contract import BASELINE
from dashboard.data import Results
from dashboard.headline import overview_table
from dashboard.i18n import t
from dashboard.pages.base import Page, Rendered, View, chart_cards
from dashboard.tables import OVERVIEW_COLUMNS, overview_headers, overview_rows

CHART = "overview-end"
TABLE = "overview-table"


def value_notes(results: Results, lang: str) -> str:
    """What the cost per additional entity and the share resting on assumptions mean, or why the
    results cannot give them."""
    paired = BASELINE in results.scenario_names
    notes = ("overview.note_cost", "overview.note_assumption")
    if not paired:
        notes = ("error.no_baseline_cost", "error.no_baseline_assumption")
    return " ".join(t(note, lang) for note in notes)


def _cell(value: str | tuple[str, str]):
    """A cell's text; a (median, range) pair shows the range small under the median."""
    if isinstance(value, tuple):
        return [value[0], html.Div(value[1], className="range")]
    return value


def _cell_class(row: dict, column: str) -> str | None:
    return f"p-{row['likelihood']}" if column == "p_doubled" else None


def table_component(rows: list[dict], lang: str, table_id: str) -> html.Table:
    """The overview as an HTML table; the doubling probability coloured by likelihood."""
    headers = overview_headers(lang)
    head = html.Thead(html.Tr([html.Th(headers[c]) for c in OVERVIEW_COLUMNS]))
    body = html.Tbody(
        [
            html.Tr(
                [html.Td(_cell(row[c]), className=_cell_class(row, c)) for c in OVERVIEW_COLUMNS],
                **{"data-scenario": row["name"]},
            )
            for row in rows
        ]
    )
    return html.Table([head, body], id=table_id, className="overview-table")


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    table = overview_table(results)
    titles = components.titles(results.scenarios, lang)
    figure = figures.overview_chart(table, titles, {}, lang)
    rows = overview_rows(table, titles, lang)
    return Rendered({CHART: (figure, table)}, {TABLE: table_component(rows, lang, TABLE)})


def layout(view: View, rendered: Rendered) -> html.Div:
    return components.page(
        t("overview.heading", view.lang),
        html.Div(rendered.blocks[TABLE], className="table-wrap"),
        *chart_cards(rendered, view.lang),
        note=" ".join(
            [
                t("overview.note", view.lang),
                t("overview.note_probability", view.lang),
                value_notes(view.results, view.lang),
            ]
        ),
    )


PAGE = Page("overview", "/", render, layout, chart_ids=(CHART,), blocks=(TABLE,))
