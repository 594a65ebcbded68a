"""Building blocks shared by the pages: chart cards with downloads, messages, pickers, tables.

Tables are plain HTML (`table`): dash's DataTable is deprecated and dash-ag-grid is not a
dependency. A sortable one sorts in the browser when a header is clicked (`SORT_ROWS`, a
clientside callback: no round trip).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from dash import ALL, MATCH, Dash, Input, Output, State, dcc, html

from dashboard.i18n import TEXT, pick, t

CSV_BUTTON = "csv-button"
XLSX_BUTTON = "xlsx-button"
PNG_BUTTON = "png-button"
CSV_DOWNLOAD = "csv-download"  # the chart's data, as CSV or .xlsx (`dashboard.exports`)
FILE_PREFIX = "shanxi_doubling_"


# plotly's own words (modebar, notices) in Chinese, given to each graph through its config
PLOTLY_ZH = {
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "Reset axes": "还原",
    "Zoom": "框选放大",
    "Pan": "平移",
    "Download plot as a PNG": "下载PNG图片",
    "Taking snapshot - this may take a few seconds": "正在生成图片……",
    "Snapshot succeeded": "图片已生成",
    "Double-click to zoom back out": "双击还原",
}


def graph_config(chart_id: str, lang: str) -> dict:
    """Modebar settings: PNG download named after the chart, no logo, no cloud upload."""
    config = {
        "displaylogo": False,
        "displayModeBar": True,
        # plotly's own PNG button is replaced by the card's, whose image carries source, date
        # and runs (assets/export.js)
        "modeBarButtonsToRemove": [
            "lasso2d",
            "select2d",
            "autoScale2d",
            "sendChartToCloud",
            "toImage",
        ],
        "toImageButtonOptions": {"format": "png", "filename": FILE_PREFIX + chart_id, "scale": 2},
    }
    if lang != "en":
        config |= {"locale": "zh-CN", "locales": {"zh-CN": {"dictionary": PLOTLY_ZH}}}
    return config


DATA_BUTTONS = (("chart.csv", CSV_BUTTON), ("chart.xlsx", XLSX_BUTTON))
IMAGE_BUTTON = ("chart.png", PNG_BUTTON)


def download_tools(download_id: str, lang: str, *, image: bool) -> html.Div:
    """The download buttons of a chart or table: its data as CSV or Excel (made on click, in the
    page's language: `dashboard.exports`) and, for a chart (`image`), the image as PNG with
    source, date and runs under it."""
    buttons = (*DATA_BUTTONS, IMAGE_BUTTON) if image else DATA_BUTTONS
    return html.Div(
        className="chart-tools",
        children=[
            *[
                html.Button(
                    t(key, lang),
                    id={"type": kind, "chart": download_id},
                    className=kind if kind == CSV_BUTTON else f"download-button {kind}",
                    n_clicks=0,
                )
                for key, kind in buttons
            ],
            dcc.Download(id={"type": CSV_DOWNLOAD, "chart": download_id}),
        ],
    )


def chart_card(chart_id: str, lang: str, figure: go.Figure | None = None) -> html.Div:
    """A graph with its download buttons (`download_tools`)."""
    return html.Div(
        className="chart-card",
        children=[
            dcc.Graph(
                id=chart_id,
                config=graph_config(chart_id, lang),
                className="chart",
                figure=figure if figure is not None else {},
            ),
            download_tools(chart_id, lang, image=True),
        ],
    )


def message(title: str, *lines: str, kind: str = "info") -> html.Div:
    """A boxed message in the page (errors and empty states), never a traceback."""
    return html.Div(
        className=f"message message-{kind}",
        children=[html.H3(title), *[html.P(line) for line in lines if line]],
    )


def technical_detail(detail: str, shown: str, lang: str) -> html.Details | None:
    """A library's (English) message, collapsed under the readable one when that does not
    already show it (the Chinese pages keep such text out of sight)."""
    if not detail or detail in shown:
        return None
    return html.Details(
        className="technical-detail",
        children=[html.Summary(t("error.technical_detail", lang)), html.Pre(detail)],
    )


def page(heading: str, *children, note: str = "") -> html.Div:
    """A page: heading, an optional note under it, then its content."""
    return html.Div(
        className="page",
        children=[html.H2(heading), html.P(note, className="note") if note else None, *children],
    )


def cell(value: str | tuple[str, str]):
    """A table cell's text; a (median, range) pair shows the range small under the median."""
    if isinstance(value, tuple):
        return [value[0], html.Div(value[1], className="range")]
    return value


def control(label: str, component) -> html.Div:
    """A labelled control in the page's control bar."""
    return html.Div(className="control", children=[html.Label(label), component])


def scenario_options(scenarios: Sequence, lang: str) -> list[dict]:
    """Dropdown options of the stored scenarios, titled in the language."""
    return [{"label": pick(s.title_zh, s.title_en, lang), "value": s.name} for s in scenarios]


def dropdown(lang: str, **props) -> dcc.Dropdown:
    """A dropdown whose own texts (select all, N selected, search, ...) are in the language."""
    prefix = "dropdown."
    labels = {key[len(prefix) :]: t(key, lang) for key in TEXT if key.startswith(prefix)}
    return dcc.Dropdown(labels=labels, **props)


def scenario_picker(
    component_id: str, scenarios: Sequence, lang: str, value, *, multi: bool
) -> dcc.Dropdown:
    """A dropdown of stored scenarios; remembers its choice across pages and language switches."""
    return dropdown(
        lang,
        id=component_id,
        options=scenario_options(scenarios, lang),
        value=value,
        multi=multi,
        clearable=False,
        persistence=True,
        persistence_type="session",
        className="picker",
    )


def titles(items: Iterable, lang: str, key: str = "name") -> dict[str, str]:
    """Id → title in the language, in the items' order: a scenario by its name, a lever or
    family of the catalogue by its `id` (`key`)."""
    return {getattr(item, key): pick(item.title_zh, item.title_en, lang) for item in items}


def labels(keys: Sequence[str], prefix: str, lang: str) -> dict[str, str]:
    """Column → translated label, for keys such as `kind.n_micro`."""
    return {key: t(f"{prefix}.{key}", lang) for key in keys}


def options(mapping: Mapping[str, str]) -> list[dict]:
    """Dropdown options from value → label."""
    return [{"label": label, "value": value} for value, label in mapping.items()]


# --- tables -----------------------------------------------------------------------------------

SORT_BUTTON = "sort-button"  # a sortable table's header: its id's type and its class
SORTED_ROWS = "sorted-rows"  # a sortable table's body, whose rows the headers sort

# Sort the body of the table whose header was clicked by that column: ascending, or the other
# way when it is sorted ascending already; numbers (a cell's data-value) numerically, text in
# natural order, cells without a value last either way. Marks the header sorted-asc/-desc.
SORT_ROWS = """(clicks, ids, classes, rows) => {
    const column = dash_clientside.callback_context.triggered_id.column;
    const index = ids.findIndex((id) => id.column === column);
    const sign = classes[index].includes("sorted-asc") ? -1 : 1;
    const value = (row) => row.props.children[index].props["data-value"];
    const missing = (v) => v === undefined || v === null;
    const sorted = [...rows].sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        if (missing(x) || missing(y)) return missing(x) - missing(y);
        if (typeof x === "number") return sign * (x - y);
        return sign * String(x).localeCompare(String(y), undefined, {numeric: true});
    });
    const mark = sign > 0 ? "sorted-asc" : "sorted-desc";
    return [sorted, ids.map((id, i) => (i === index ? `sort-button ${mark}` : "sort-button"))];
}"""


def raw_value(value: Any) -> str | float | None:
    """What a sortable table sorts a cell by: a finite number or a text, else None (last)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and math.isfinite(value):
        return value
    return None


def sort_rows[Row: Mapping](rows: Iterable[Row], column: str) -> list[Row]:
    """The rows by `column`, ascending, those without a value (`raw_value`) last: as the browser
    sorts numbers."""

    def key(row: Row) -> tuple[bool, Any]:
        value = raw_value(row.get(column))
        return value is None, 0 if value is None else value

    return sorted(rows, key=key)


def table(
    table_id: str,
    columns: Sequence[str],
    rows: Sequence[Mapping],
    headers: Mapping[str, str],
    cell: Callable[[Mapping, str], Any],
    *,
    class_name: str = "overview-table",
    left: Collection[str] = (),
    row_class: Callable[[Mapping], str | None] = lambda row: None,
    sorted_by: str | None = None,
) -> html.Table:
    """An HTML table: a row per dict (its `id` the row's data-id, its class `row_class(row)`),
    `cell(row, column)` in each column under `headers[column]`, the `left` columns aligned left.

    With `sorted_by`, sortable in the browser (`SORT_ROWS`): the rows come sorted by that column
    (`sort_rows`), each header is a button sorting by its column, each cell holds the row's raw
    value (`raw_value`) as its data-value."""
    sortable = sorted_by is not None
    if sortable:
        rows = sort_rows(rows, sorted_by)

    def header(column: str):
        if not sortable:
            return headers[column]
        mark = " sorted-asc" if column == sorted_by else ""
        button_id = {"type": SORT_BUTTON, "table": table_id, "column": column}
        return html.Button(headers[column], id=button_id, className=SORT_BUTTON + mark, n_clicks=0)

    def align(column: str) -> dict:
        return _set(className="text" if column in left else None)

    def value(row: Mapping, column: str) -> dict:
        return _set(**{"data-value": raw_value(row.get(column)) if sortable else None})

    head = html.Thead(html.Tr([html.Th(header(c), **align(c)) for c in columns]))
    body = html.Tbody(
        [
            html.Tr(
                [html.Td(cell(row, c), **align(c), **value(row, c)) for c in columns],
                **_set(className=row_class(row), **{"data-id": row["id"]}),
            )
            for row in rows
        ],
        **_set(id={"type": SORTED_ROWS, "table": table_id} if sortable else None),
    )
    return html.Table([head, body], id=table_id, className=class_name)


def _set(**props) -> dict:
    """The props that have a value (a component keeps a None it is given)."""
    return {name: value for name, value in props.items() if value is not None}


def register_sorting(app: Dash) -> None:
    """A click on a sortable table's header sorts its rows in the browser (`table`)."""
    app.clientside_callback(
        SORT_ROWS,
        Output({"type": SORTED_ROWS, "table": MATCH}, "children"),
        Output({"type": SORT_BUTTON, "table": MATCH, "column": ALL}, "className"),
        Input({"type": SORT_BUTTON, "table": MATCH, "column": ALL}, "n_clicks"),
        State({"type": SORT_BUTTON, "table": MATCH, "column": ALL}, "id"),
        State({"type": SORT_BUTTON, "table": MATCH, "column": ALL}, "className"),
        State({"type": SORTED_ROWS, "table": MATCH}, "children"),
        prevent_initial_call=True,
    )
