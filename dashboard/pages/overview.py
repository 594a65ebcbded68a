"""Overview (总览): per scenario, will the count double by end-2025, when, and at what cost."""

from __future__ import annotations

from dash import html

from dashboard import components, figures, stats
from dashboard.contract import BASELINE
from dashboard.data import Results
from dashboard.headline import HEADLINE_SCENARIO, headline, overview_table
from dashboard.i18n import t
from dashboard.pages.base import Page, Rendered, View, chart_cards
from dashboard.tables import TABLE_COLUMNS, change_cells, overview_headers, overview_rows

CHART = "overview-end"
TABLE = "overview-table"
HEADLINE = "overview-headline"


def value_notes(results: Results, lang: str) -> str:
    """What the cost per additional entity and the share resting on assumptions mean, or why the
    results cannot give them."""
    paired = BASELINE in results.scenario_names
    notes = ("overview.note_cost", "overview.note_assumption")
    if not paired:
        notes = ("error.no_baseline_cost", "error.no_baseline_assumption")
    return " ".join(t(note, lang) for note in notes)


def _cell_class(row: dict, column: str) -> str | None:
    return f"p-{row['likelihood']}" if column == "p_doubled" else None


def table_component(rows: list[dict], lang: str, table_id: str) -> html.Table:
    """The overview as an HTML table; the doubling probability coloured by likelihood. Columns
    of TABLE_COLUMNS that the rows hold (the paired changes only where computed)."""
    columns = tuple(c for c in TABLE_COLUMNS if any(c in row for row in rows))
    headers = overview_headers(lang, columns)
    head = html.Thead(html.Tr([html.Th(headers[c], className=f"col-{c}") for c in columns]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(
                        components.cell(row.get(c, "–")),  # a change without its baseline run
                        className=_cell_class(row, c) or f"col-{c}",
                    )
                    for c in columns
                ],
                **{"data-scenario": row["name"]},
            )
            for row in rows
        ]
    )
    return html.Table([head, body], id=table_id, className="overview-table")


def paired_changes(results: Results):
    """Each scenario's change in registered entities at 2025-12 against `no_policy` and against
    `as_enacted`, paired by run (computed once)."""
    baselines = {"vs_no_policy": BASELINE, "vs_as_enacted": HEADLINE_SCENARIO}
    return results.memo(
        ("paired_changes",), lambda: stats.paired_changes(results.at_deadline(), baselines)
    )


def headline_block(results: Results, lang: str) -> list:
    """结论先行: the headline sentence (its target and gap, in entities, as data attributes), and
    how the target line relates to P(doubled)."""
    facts = headline(results, lang)
    numbers = {"data-target": f"{facts.target:.0f}", "data-gap": f"{facts.gap:.0f}"}
    return [
        html.P(facts.sentence, id="headline-sentence", className="headline-sentence", **numbers),
        html.P(facts.explanation, id="headline-explanation", className="headline-note"),
    ]


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    table = overview_table(results)
    titles = components.titles(results.scenarios, lang)
    figure = figures.overview_chart(table, titles, {}, lang)
    changes = change_cells(paired_changes(results), lang)
    rows = [row | changes.get(row["name"], {}) for row in overview_rows(table, titles, lang)]
    return Rendered(
        {CHART: (figure, table)},
        {TABLE: table_component(rows, lang, TABLE), HEADLINE: headline_block(results, lang)},
    )


def layout(view: View, rendered: Rendered) -> html.Div:
    return components.page(
        t("overview.heading", view.lang),
        html.Div(rendered.blocks[HEADLINE], id=HEADLINE, className="headline"),
        html.Div(rendered.blocks[TABLE], className="table-wrap"),
        *chart_cards(rendered, view.lang),
        html.P(  # after the answer and the evidence: how to read them
            " ".join(
                [
                    t("overview.note", view.lang),
                    t("overview.note_probability", view.lang),
                    t("overview.note_changes", view.lang),
                    value_notes(view.results, view.lang),
                ]
            ),
            className="note",
        ),
    )


PAGE = Page("overview", "/", render, layout, chart_ids=(CHART,), blocks=(TABLE, HEADLINE))
