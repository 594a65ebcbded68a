"""Building blocks shared by the pages: chart cards with downloads, messages, pickers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import plotly.graph_objects as go
from dash import dcc, html

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
