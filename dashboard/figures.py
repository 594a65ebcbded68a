"""Pure figure builders: result tables (from `stats`) in, plotly figures out.

No file, no Dash, no global state: the same table and language give the same figure. Labels come
in as arguments (already translated) so every builder serves both languages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import palette
from dashboard.contract import DEADLINE
from dashboard.formats import date_hover, format_number, pick_scale
from dashboard.i18n import t
from dashboard.palette import KINDS, TARGET
from dashboard.palette import scenario_colors as scenario_colors  # the pages' way to colours

FONT = (
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',"
    "'WenQuanYi Micro Hei','Helvetica Neue',Arial,sans-serif"
)
COUNT_TICKS = ",.4~g"  # 0.6 not 0.6000000000000001; shown values stay below 10,000
WHATIF_COLOR = palette.WHATIF  # the live what-if beside stored scenarios


def with_subtitle(title: str, subtitle: str) -> str:
    """A chart title with a smaller second line (the scenario it shows)."""
    return f"{title}<br><span style='font-size:14px;color:#5d6d7e'>{subtitle}</span>"


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


@dataclass(frozen=True)
class Axis:
    """How a value axis shows its numbers: scaled by `divisor`, with tick and hover formats."""

    divisor: float
    tickformat: str
    ticksuffix: str
    hover: str
    title: str


def value_axis(kind: str, magnitude: float, lang: str) -> Axis:
    """The value axis for `kind` ('count', 'money', 'ratio' or 'share') up to `magnitude`.

    A ratio's ticks carry two decimals and their unit ('1.95倍', '1.95×'): ticks 0.05 apart stay
    distinct, and no axis title sits under the legend. A count's unit (户, entities) is the axis
    title in both languages, its scale on the ticks ('500万', '5 M'): '0' at the origin, not
    '0万户' beside the first year.
    """
    if kind == "share":
        return Axis(1.0, ".1%", "", ".1%", "")
    if kind == "ratio":
        return Axis(1.0, ".2f", "×" if lang == "en" else "倍", ".2f", "")
    scale = pick_scale(magnitude, lang)
    unit = t("chart.yuan" if kind == "money" else "chart.entities", lang)
    decimals = 0 if scale.divisor == 1 else 2
    return Axis(scale.divisor, COUNT_TICKS, scale.suffix, f",.{decimals}f", unit)


def _hover(name: str, x: str, y: str, axis: Axis, detail: str = "") -> str:
    return f"{name}<br>{x}: %{{{y}:{axis.hover}}}{axis.ticksuffix}{detail}<extra></extra>"


def legend_height(entries: int, base: int = 460) -> int:
    """A chart's height with room for a legend of `entries` below it (two to a row)."""
    return base + 26 * max(0, (entries + 1) // 2 - 1)


def _style(fig: go.Figure, title: str, height: int = 460) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 19}},
        font={"family": FONT, "size": 14, "color": "#1b2631"},
        hoverlabel={"font": {"family": FONT}},
        height=height,
        margin={"l": 70, "r": 40, "t": 80 if "<br>" in title else 64, "b": 50},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0},
        modebar={"orientation": "v"},
        separators=".,",
    )
    return fig


def _apply_axis(fig: go.Figure, axis: Axis, which: str = "y", zero: bool = True, **where) -> None:
    """Set the value axis (every x or y axis, or the subplot's of `where`: row, col)."""
    settings = {
        "tickformat": axis.tickformat,
        "ticksuffix": axis.ticksuffix,
        "title": {"text": axis.title},
        "rangemode": "tozero" if zero and axis.tickformat == COUNT_TICKS else None,
    }
    if which == "y":
        fig.update_yaxes(**settings, **where)
        if settings["rangemode"] == "tozero":  # a year's label mid-year, not under '0万'
            fig.update_xaxes(ticklabelmode="period", **where)
    else:
        fig.update_xaxes(**settings, **where)


def _clear_of_legend(fig: go.Figure) -> None:
    """No title on a horizontal value axis (x) when the legend, below the plot, is shown: the
    title would sit on the legend. The ticks keep the unit ('500万', '1.95倍', '5 M')."""
    if fig.layout.showlegend is not False:
        fig.update_xaxes(title={"text": ""})


def message_figure(text: str, title: str = "") -> go.Figure:
    """An empty chart that says why it is empty."""
    fig = go.Figure()
    fig.add_annotation(
        text=text,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 16, "color": "#7f8c8d"},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _style(fig, title, height=320)


def _reference_line(
    fig: go.Figure,
    at,
    *,
    vertical: bool,
    color: str,
    dash: str,
    label: str = "",
    width: float | None = 2,
    xanchor: str | None = None,
) -> None:
    """A line across the plot at x = `at` (`vertical`) or y = `at`, its label at its top or left."""
    if vertical:
        span = {"yref": "paper", "y0": 0, "y1": 1, "x0": at, "x1": at}
        place = {"yref": "paper", "y": 1, "x": at}
    else:
        span = {"xref": "paper", "x0": 0, "x1": 1, "y0": at, "y1": at}
        place = {"xref": "paper", "x": 0.01, "y": at}
    fig.add_shape(type="line", **span, line={"color": color, "width": width, "dash": dash})
    if label:
        fig.add_annotation(
            **place,
            yanchor="bottom",
            xanchor=xanchor,
            text=label,
            showarrow=False,
            font={"color": color},
        )


def _reference_lines(fig: go.Figure, lang: str, level: float | None, deadline: pd.Timestamp | None):
    """The doubling line (horizontal) and the deadline (vertical), each labelled."""
    if level is not None:
        label = t("chart.doubling_line", lang)
        _reference_line(
            fig, level, vertical=False, color=TARGET, dash="dash", label=label, xanchor="left"
        )
    if deadline is not None:
        label = t("chart.deadline", lang)
        _reference_line(
            fig,
            deadline,
            vertical=True,
            color=palette.MUTED,
            dash="dot",
            label=label,
            xanchor="right",
        )


def _whiskers(rows: pd.DataFrame, centre: str, axis: Axis, **style) -> dict:
    """Error bars from the `centre` column down to p05 and up to p95, in axis units."""
    return {
        "type": "data",
        "symmetric": False,
        **style,
        "array": (rows["p95"] - rows[centre]) / axis.divisor,
        "arrayminus": (rows[centre] - rows["p05"]) / axis.divisor,
    }


def _band_trace(rows: pd.DataFrame, name: str, label: str, color: str, axis: Axis) -> go.Scatter:
    """The shaded 5–95 % band of one scenario over time."""
    x = list(rows["date"]) + list(rows["date"][::-1])
    y = list(rows["p95"] / axis.divisor) + list(rows["p05"][::-1] / axis.divisor)
    return go.Scatter(
        x=x,
        y=y,
        fill="toself",
        fillcolor=_rgba(color, 0.16),
        mode="none",  # the fill alone (plotly would mark fewer than 20 points)
        line={"width": 0},
        hoverinfo="skip",
        legendgroup=name,
        showlegend=False,
        name=f"{label} 5–95%",
    )


def _median_trace(
    rows: pd.DataFrame, name: str, label: str, line: dict, axis: Axis, lang: str
) -> go.Scatter:
    """The median line of one scenario over time."""
    return go.Scatter(
        x=rows["date"],
        y=rows["p50"] / axis.divisor,
        mode="lines",
        name=label,
        legendgroup=name,
        line=line,
        hovertemplate=_hover(label, f"%{{x|{date_hover(lang)}}}", "y", axis),
    )


def fan_chart(
    bands: pd.DataFrame,
    titles: Mapping[str, str],
    colors: Mapping[str, str],
    lang: str,
    title: str,
    *,
    doubling: float | None = None,
    deadline: pd.Timestamp | None = DEADLINE,
    dashed: Sequence[str] = (),
    kind: str = "count",
) -> go.Figure:
    """Median line and 5–95 % band per scenario over time (`bands`: scenario, date, p05, p50, p95).

    Scenarios are drawn in the order of `titles`; `doubling` adds the doubling line.
    """
    magnitude = max(bands["p95"].max() if len(bands) else 0, doubling or 0)
    axis = value_axis(kind, magnitude, lang)
    fig = go.Figure()
    for name in [n for n in titles if n in set(bands["scenario"])]:
        rows = bands[bands["scenario"] == name].sort_values("date")
        color = colors.get(name, palette.AS_ENACTED)
        line = {"color": color, "width": 3, "dash": "dash" if name in dashed else "solid"}
        fig.add_trace(_band_trace(rows, name, titles[name], color, axis))
        fig.add_trace(_median_trace(rows, name, titles[name], line, axis, lang))
    _apply_axis(fig, axis, zero=False)
    _reference_lines(fig, lang, None if doubling is None else doubling / axis.divisor, deadline)
    shown = sum(1 for trace in fig.data if trace.showlegend is not False)
    return _style(fig, title, height=legend_height(shown))


def stacked_area(long: pd.DataFrame, labels: Mapping[str, str], lang: str, title: str) -> go.Figure:
    """Stocks stacked over time (`long`: date, series, value), series in the order of `labels`."""
    totals = long.groupby("date")["value"].sum()
    axis = value_axis("count", totals.max() if len(totals) else 0, lang)
    fig = go.Figure()
    for i, (series, label) in enumerate(labels.items()):
        rows = long[long["series"] == series].sort_values("date")
        fig.add_trace(
            go.Scatter(
                x=rows["date"],
                y=rows["value"] / axis.divisor,
                name=label,
                stackgroup="stock",
                mode="lines",
                line={"width": 0.5, "color": KINDS[i % len(KINDS)]},
                hovertemplate=_hover(label, f"%{{x|{date_hover(lang)}}}", "y", axis),
            )
        )
    _apply_axis(fig, axis)
    fig.update_layout(legend={"traceorder": "normal"})
    return _style(fig, title)


def _series_rows(
    table: pd.DataFrame, column: str, name: str, category: str, category_labels: Mapping
) -> pd.DataFrame:
    """The rows of series `name` (in `column`), indexed by category in the order of the labels."""
    rows = table[table[column] == name].set_index(category)
    return rows.reindex([c for c in category_labels if c in rows.index])


def bar_chart(
    long: pd.DataFrame,
    category: str,
    category_labels: Mapping,
    series_labels: Mapping[str, str],
    lang: str,
    title: str,
    *,
    kind: str = "count",
    horizontal: bool = False,
    colors: Sequence[str] = palette.QUALITATIVE,
) -> go.Figure:
    """Grouped bars (`long`: category, series, value[, p05, p95]); error bars when bands are given.

    Categories in the order of `category_labels`, series in the order of `series_labels`.
    """
    high = long["p95"] if "p95" in long else long["value"]
    axis = value_axis(kind, high.max() if len(long) else 0, lang)
    fig = go.Figure()
    for i, (series, label) in enumerate(series_labels.items()):
        rows = _series_rows(long, "series", series, category, category_labels)
        names = [str(category_labels[c]) for c in rows.index]
        values = rows["value"] / axis.divisor
        error = _whiskers(rows, "value", axis, color="#34495e") if "p05" in rows else None
        x, y = (values, names) if horizontal else (names, values)
        fig.add_trace(
            go.Bar(
                x=x,
                y=y,
                name=label,
                orientation="h" if horizontal else "v",
                marker_color=colors[i % len(colors)],
                error_x=error if horizontal else None,
                error_y=None if horizontal else error,
                hovertemplate=_hover(
                    label, "%{x}" if not horizontal else "%{y}", "x" if horizontal else "y", axis
                ),
            )
        )
    _apply_axis(fig, axis, "x" if horizontal else "y")
    fig.update_layout(barmode="group", showlegend=len(series_labels) > 1)
    if horizontal:
        fig.update_yaxes(autorange="reversed", automargin=True)
        _clear_of_legend(fig)
    height = max(460, 140 + 34 * len(category_labels)) if horizontal else 460
    return _style(fig, title, height=height)


def _range_trace(
    rows: pd.DataFrame, name: str, label: str, category_labels: Mapping, color: str, axis: Axis
) -> go.Scatter:
    """One series of a range chart: median dots with 5–95 % whiskers, a row per category."""
    return go.Scatter(
        x=rows["p50"] / axis.divisor,
        y=[str(category_labels[c]) for c in rows.index],
        mode="markers",
        name=label,
        offsetgroup=name,
        orientation="h",
        marker={"size": 13, "color": color},
        error_x=_whiskers(rows, "p50", axis, thickness=2),
        hovertemplate=_hover(label, "%{y}", "x", axis),
    )


def _value_range(table: pd.DataFrame, reference: float | None, axis: Axis) -> list[float]:
    """The value axis's range: every whisker and the reference, padded by 8 %."""
    low = min(table["p05"].min(), reference if reference is not None else np.inf)
    high = max(table["p95"].max(), reference if reference is not None else -np.inf)
    pad = 0.08 * (high - low or abs(high) or 1)
    return [(low - pad) / axis.divisor, (high + pad) / axis.divisor]


def range_chart(
    table: pd.DataFrame,
    category: str,
    category_labels: Mapping,
    series: str,
    series_labels: Mapping[str, str],
    series_colors: Mapping[str, str],
    lang: str,
    title: str,
    *,
    kind: str = "count",
    reference: float | None = None,
    reference_label: str = "",
    magnitude: float = 0.0,
) -> go.Figure:
    """Median dots with 5–95 % whiskers, a row per category (`table`: category, series, p05…p95).

    `reference` draws a vertical line (the doubling ratio, zero gain); `magnitude` is the largest
    value the axis must show if larger than the table's.
    """
    magnitude = max(table["p95"].abs().max() if len(table) else 0, abs(reference or 0), magnitude)
    axis = value_axis(kind, magnitude, lang)
    fig = go.Figure()
    for name, label in series_labels.items():
        rows = _series_rows(table, series, name, category, category_labels)
        color = series_colors.get(name, palette.AS_ENACTED)
        fig.add_trace(_range_trace(rows, name, label, category_labels, color, axis))
    if reference is not None:
        _reference_line(
            fig,
            reference / axis.divisor,
            vertical=True,
            color=TARGET,
            dash="dash",
            label=reference_label,
            width=None,
        )
    _apply_axis(fig, axis, "x", zero=False)
    if len(table):  # scatter groups would otherwise pull the axis to zero
        fig.update_xaxes(range=_value_range(table, reference, axis))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(showlegend=len(series_labels) > 1, scattermode="group", scattergap=0.4)
    _clear_of_legend(fig)
    return _style(fig, title, height=max(400, 150 + 40 * len(category_labels)))


def _bands_of(table: pd.DataFrame, value: str) -> pd.DataFrame:
    """Columns `<value>_p05`, `_p50`, `_p95` of the comparison as p05, p50, p95, series `value`."""
    columns = ["scenario", f"{value}_p05", f"{value}_p50", f"{value}_p95"]
    return table[columns].set_axis(["scenario", "p05", "p50", "p95"], axis=1).assign(series=value)


def _probability_labels(
    table: pd.DataFrame, titles: Mapping[str, str], x: float, lang: str
) -> go.Scatter:
    """P(doubled) of each scenario written at the right end of its row."""
    rows = table.set_index("scenario").reindex([n for n in titles if n in set(table["scenario"])])
    return go.Scatter(
        x=[x] * len(rows),
        y=[titles[n] for n in rows.index],
        mode="text",
        text=[t("overview.chart_p", lang, p=f"{p:.0%}") for p in rows["p_doubled"]],
        textposition="middle left",
        textfont={"color": palette.INK},
        hoverinfo="skip",
        showlegend=False,
    )


def overview_chart(
    table: pd.DataFrame, titles: Mapping[str, str], colors: Mapping[str, str], lang: str
) -> go.Figure:
    """End-2025 registered entities per scenario (median, 5–95 %) against the doubling target,
    each row's P(doubled) written at its right end.

    `table` is the comparison: scenario, end_registered_p05/p50/p95, start_registered_p05/p50/p95,
    p_doubled, target. The red line is the target (2 × the median end-2020 count), the light red
    band the runs' own targets (2 × each run's end-2020 count, 5–95 %), against which each run's
    doubling is judged (`dashboard.headline`). Operating entities are not drawn: the target is
    about registered ones (the table shows operating).
    """
    long = _bands_of(table, "end_registered")
    low, high = (2 * table[f"start_registered_{q}"].median() for q in ("p05", "p95"))
    target = float(table["target"].median())
    magnitude = max(long["p95"].max(), high)
    fig = range_chart(
        long,
        "scenario",
        titles,
        "series",
        {"end_registered": t("overview.registered", lang)},
        {"end_registered": colors.get("end_registered", palette.REGISTERED)},
        lang,
        with_subtitle(t("overview.chart", lang), t("overview.chart_note", lang)),
        reference=target,
        reference_label=t("overview.target", lang),
        magnitude=magnitude,
    )
    axis = value_axis("count", magnitude, lang)
    start, stop = _value_range(long.assign(p05=min(long["p05"].min(), low), p95=high), None, axis)
    stop += 0.22 * (stop - start)  # room for the probabilities
    fig.add_vrect(
        x0=low / axis.divisor, x1=high / axis.divisor, fillcolor=TARGET, opacity=0.08,
        line_width=0, layer="below",
    )  # fmt: skip
    fig.add_trace(_probability_labels(table, titles, stop, lang))
    fig.update_xaxes(range=[start, stop])
    return fig.update_layout(showlegend=False, margin={"t": 100})


BOUND_SYMBOLS = {"=": "circle", ">=": "triangle-up", "<=": "triangle-down"}
BOUND_KEYS = {"=": "eq", ">=": "at_least", "<=": "at_most"}  # i18n `backtest.point.<key>`
OBSERVED_COLOR = palette.INK
PANEL_COLUMNS = 3  # panels of observed quantities in a row
MARGINAL_COLUMNS = 4  # panels of parameters in a row
SOURCE_CHARACTERS = 80  # of a publication's title and address in a hover


def _small_multiples(titles: Sequence[str], columns: int) -> tuple[go.Figure, list[dict]]:
    """An empty grid of panels, up to `columns` to a row, titled in order: the figure and the
    place (row, col) of each panel."""
    columns = max(1, min(columns, len(titles)))
    rows = max(1, -(-len(titles) // columns))
    fig = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=list(titles),
        horizontal_spacing=0.06 if columns > 3 else 0.08,
        vertical_spacing=min(0.12, 0.5 / rows),
    )
    fig.update_annotations(font={"size": 15})
    places = [{"row": i // columns + 1, "col": i % columns + 1} for i in range(len(titles))]
    return fig, places


def _rows(places: list[dict]) -> int:
    """The rows of a grid of panels."""
    return max((place["row"] for place in places), default=1)


def observed_label(bound: str, used: bool, lang: str) -> str:
    """The legend of published counts: the kind of value (count or bound) and whether the
    posterior was fitted to it."""
    point = t(f"backtest.point.{BOUND_KEYS[bound]}", lang)
    use = t("backtest.used" if used else "backtest.unused", lang)
    return t("backtest.legend", lang, point=point, use=use)


def _observed_trace(points: pd.DataFrame, bound: str, used: bool, axis: Axis, lang: str):
    """Published counts of one bound and use: a marker (one-sided for a bound; filled when used
    in the fit, hollow when not) with its 90 % band as whiskers."""
    label = observed_label(bound, used, lang)
    shown = f"%{{customdata[0]:{axis.hover}}}{axis.ticksuffix}"
    detail = (
        f"<br>{t('backtest.band_90', lang)}: {shown}–{shown.replace('[0]', '[1]')}"
        "<br>%{customdata[2]}"
    )
    sources = points["source"].str.slice(0, SOURCE_CHARACTERS)
    return go.Scatter(
        x=points["date"],
        y=points["value"] / axis.divisor,
        mode="markers",
        name=label,
        legendgroup=label,
        marker={
            "symbol": BOUND_SYMBOLS[bound] + ("" if used else "-open"),
            "size": 14,
            "color": OBSERVED_COLOR,
            "line": {"width": 2, "color": OBSERVED_COLOR},
        },
        error_y=_whiskers(
            points.rename(columns={"low": "p05", "high": "p95"}),
            "value",
            axis,
            color=OBSERVED_COLOR,
            thickness=1.5,
            width=7,
        ),
        customdata=list(
            zip(points["low"] / axis.divisor, points["high"] / axis.divisor, sources, strict=True)
        ),
        hovertemplate=_hover(label, f"%{{x|{date_hover(lang)}}}", "y", axis, detail),
    )


def _add_band(
    fig: go.Figure,
    rows: pd.DataFrame,
    name: str,
    label: str,
    color: str,
    axis: Axis,
    lang: str,
    in_legend: bool,
    where: dict,
) -> go.Scatter:
    """One scenario's band and median line in the panel `where` (row, col); the median's trace."""
    median = _median_trace(rows, name, label, {"color": color, "width": 3}, axis, lang)
    fig.add_trace(_band_trace(rows, name, label, color, axis), **where)
    fig.add_trace(median.update(showlegend=in_legend), **where)
    return fig.data[-1]


def _add_bands(
    fig: go.Figure,
    panel: pd.DataFrame,
    titles: Mapping[str, str],
    colors: Mapping[str, str],
    axis,
    lang: str,
    legend: set[str],
    where: dict,
) -> dict[str, go.Scatter]:
    """`_add_band` for every scenario of `panel` (in the order of `titles`), by date, in the
    legend unless `legend` (the names it holds, which this adds to) has it; the median traces by
    scenario."""
    medians = {}
    for name in [n for n in titles if n in set(panel["scenario"])]:
        series = panel[panel["scenario"] == name].sort_values("date")
        color = colors.get(name, palette.AS_ENACTED)
        medians[name] = _add_band(
            fig, series, name, titles[name], color, axis, lang, name not in legend, where
        )
        legend.add(name)
    return medians


def backtest_chart(
    bands: pd.DataFrame,
    observations: pd.DataFrame,
    quantities: Mapping[str, str],
    titles: Mapping[str, str],
    colors: Mapping[str, str],
    lang: str,
    title: str,
) -> go.Figure:
    """A panel per observed quantity (in the order of `quantities`, quantity → label): median and
    5–95 % band per scenario (in the order of `titles`), and the published counts over them.

    `bands`: quantity, scenario, date, p05, p50, p95; `observations`: quantity, date (a
    timestamp), bound, value, low, high (its 90 % band), source, used (the posterior was fitted
    to it).
    """
    fig, places = _small_multiples(list(quantities.values()), PANEL_COLUMNS)
    legend: set[str] = set()
    for quantity, where in zip(quantities, places, strict=True):
        panel = bands[bands["quantity"] == quantity]
        points = observations[observations["quantity"] == quantity]
        axis = value_axis("count", pd.concat([panel["p95"], points["high"]]).max(), lang)
        _add_bands(fig, panel, titles, colors, axis, lang, legend, where)
        for (bound, used), group in points.groupby(["bound", "used"], sort=False):
            trace = _observed_trace(group, bound, bool(used), axis, lang)
            fig.add_trace(trace.update(showlegend=trace.name not in legend), **where)
            legend.add(trace.name)
        _apply_axis(fig, axis, zero=False, **where)
    return _style(fig, title, height=legend_height(len(legend), base=460 * _rows(places)))


MILESTONE_COLUMNS = 4  # city panels in a row


def milestone_chart(
    paths: pd.DataFrame,
    milestones: Mapping[int, float],
    cities: Mapping[str, str],
    titles: Mapping[str, str],
    colors: Mapping[str, str],
    lang: str,
    title: str,
) -> go.Figure:
    """A panel per city (in the order of `cities`, city → name): the ratio to end-2020 at each
    year-end, median and 5–95 % band per scenario (in the order of `titles`), against the path of
    annual milestones (`milestones`: year → ratio), red, dashed, with its markers.

    `paths`: scenario, city, year, p05, p50, p95 (`stats.city_paths`)."""
    fig, places = _small_multiples(list(cities.values()), MILESTONE_COLUMNS)
    axis = value_axis("ratio", 2.0, lang)
    years = sorted(milestones)
    label = t("milestones.path", lang)
    legend: set[str] = set()  # each scenario in the legend once
    for index, (city, where) in enumerate(zip(cities, places, strict=True)):
        panel = paths[paths["city"] == city].rename(columns={"year": "date"})
        medians = _add_bands(fig, panel, titles, colors, axis, lang, legend, where)
        for name, median in medians.items():
            median.update(hovertemplate=_hover(titles[name], "%{x}", "y", axis))
        fig.add_trace(
            go.Scatter(
                x=years,
                y=[milestones[y] for y in years],
                mode="lines+markers",
                name=label,
                legendgroup="milestones",
                showlegend=index == 0,
                line={"color": TARGET, "dash": "dash", "width": 2},
                marker={"color": TARGET, "size": 6},
                hovertemplate=_hover(label, "%{x}", "y", axis),
            ),
            **where,
        )
    fig.update_yaxes(tickformat=axis.tickformat, ticksuffix=axis.ticksuffix, nticks=5)
    fig.update_xaxes(dtick=1, tickformat="d")
    return _style(fig, title, height=legend_height(len(titles) + 1, base=150 + 250 * _rows(places)))


def marginals_chart(
    marginals: pd.DataFrame, parameters: Mapping[str, str], lang: str, title: str
) -> go.Figure:
    """A small panel per parameter (in the order of `parameters`, parameter → label): its prior
    density (line) against its posterior density (bars) over the prior's range.

    `marginals`: parameter, x (an evenly spaced grid), prior, posterior.
    """
    fig, places = _small_multiples(list(parameters.values()), MARGINAL_COLUMNS)
    prior, posterior = t("backtest.prior", lang), t("backtest.posterior_density", lang)
    for index, (parameter, where) in enumerate(zip(parameters, places, strict=True)):
        grid = marginals[marginals["parameter"] == parameter].sort_values("x")
        label = parameters[parameter]
        hover = f"{label}<br>%{{x:.4~g}}: %{{y:.3~g}}<extra>%{{fullData.name}}</extra>"
        bars = go.Bar(
            x=grid["x"],
            y=grid["posterior"],
            width=float(grid["x"].diff().median()) if len(grid) > 1 else None,
            name=posterior,
            legendgroup="posterior",
            showlegend=index == 0,
            marker={"color": _rgba(palette.SERIES[0], 0.55), "line": {"width": 0}},
            hovertemplate=hover,
        )
        line = go.Scatter(
            x=grid["x"],
            y=grid["prior"],
            mode="lines",
            name=prior,
            legendgroup="prior",
            showlegend=index == 0,
            line={"color": palette.SERIES[1], "width": 2.5},
            hovertemplate=hover,
        )
        fig.add_trace(bars, **where)
        fig.add_trace(line, **where)
    fig.update_yaxes(showticklabels=False, rangemode="tozero")  # a density's shape, not its unit
    fig.update_xaxes(nticks=4)
    fig.update_layout(bargap=0)
    return _style(fig, title, height=140 + 210 * _rows(places))


# --- attribution and sensitivity (贡献与敏感性) ----------------------------------------------

GROUP_COLORS = palette.GROUPS  # the sensitivity's input groups
INTERVAL_COLOR = palette.INK


def plain_axis(title: str = "") -> Axis:
    """An axis of plain numbers (a ratio, a probability, an index), three significant digits."""
    return Axis(1.0, ".3~g", "", ".3~g", title)


def waterfall_chart(
    steps: pd.DataFrame, labels: Mapping[str, str], lang: str, title: str, *, kind: str = "count"
) -> go.Figure:
    """From no policy to the scenario (`steps`: `stats.waterfall_steps`): the ends as bars, each
    player's gain as a step, a step not distinct from zero written ≈0; the 90 % interval of every
    mean as a whisker at the end of its bar."""
    magnitude = float(steps["mean"].abs().max()) if len(steps) else 0.0
    axis = value_axis(kind, magnitude, lang)
    shown = [format_number(v, lang) for v in steps["mean"]]
    relative = steps["measure"] == "relative"
    text = [
        "≈0" if is_step and not distinct else value
        for value, is_step, distinct in zip(shown, relative, steps["distinct"], strict=True)
    ]
    names = [labels.get(p, p) for p in steps["player"]]
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=steps["mean"].where(steps["measure"] != "total", 0.0) / axis.divisor,
            measure=list(steps["measure"]),
            text=text,
            textposition="outside",
            connector={"line": {"color": "#95a5a6", "dash": "dot"}},
            increasing={"marker": {"color": palette.GAIN}},
            decreasing={"marker": {"color": palette.LOSS}},
            totals={"marker": {"color": palette.TOTAL}},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.add_trace(_interval_whiskers(steps, names, text, axis, lang))
    _apply_axis(fig, axis, zero=False)
    if len(steps):  # the ends dwarf the steps: the axis spans the tops of the bars, not from 0
        bottom, top = _span_of_bars(steps)
        pad = 0.15 * (top - bottom or abs(top) or 1)
        fig.update_yaxes(range=[(bottom - pad) / axis.divisor, (top + pad) / axis.divisor])
    fig.update_layout(showlegend=True)
    return _style(fig, title, height=520)


def _interval_whiskers(
    steps: pd.DataFrame, names: list[str], text: list[str], axis: Axis, lang: str
) -> go.Scatter:
    """The 90 % interval of each waterfall bar's mean, as a whisker at the end of the bar."""
    return go.Scatter(
        x=names,
        y=steps["cumulative"] / axis.divisor,
        mode="markers",
        marker={"color": INTERVAL_COLOR, "size": 6},
        name=t("attribution.interval", lang),
        customdata=np.column_stack(
            [text, steps["low"] / axis.divisor, steps["high"] / axis.divisor]
        ),
        error_y={
            "type": "data",
            "symmetric": False,
            "array": (steps["high"] - steps["mean"]) / axis.divisor,
            "arrayminus": (steps["mean"] - steps["low"]) / axis.divisor,
            "color": INTERVAL_COLOR,
            "thickness": 2,
        },
        hovertemplate="%{x}<br>%{customdata[0]} "
        + f"({t('attribution.interval', lang)}: %{{customdata[1]:{axis.hover}}}–"
        + f"%{{customdata[2]:{axis.hover}}}{axis.ticksuffix})<extra></extra>",
    )


def _span_of_bars(steps: pd.DataFrame) -> tuple[float, float]:
    """The lowest and highest point a waterfall's bars and whiskers reach (not from 0)."""
    end, mean = steps["cumulative"], steps["mean"]
    top = np.concatenate([end + steps["high"] - mean, end])
    low = np.concatenate([end - mean + steps["low"], end])
    bottom = np.concatenate([low, (end - mean)[steps["measure"] == "relative"]])
    return float(bottom.min()), float(top.max())


def tornado_chart(
    rows: pd.DataFrame,
    labels: Mapping[str, str],
    lang: str,
    title: str,
    *,
    axis: Axis,
    chance: float | None = None,
) -> go.Figure:
    """Morris mu* per input, the largest on top, whiskers its 95 % interval (`mu_star_conf`),
    coloured by group (world or lever); `chance`: the mu* chance alone would give, a line."""
    fig = go.Figure()
    for group, color in GROUP_COLORS.items():
        mine = rows[rows["group"] == group]
        fig.add_trace(
            go.Bar(
                x=mine["mu_star"] / axis.divisor,
                y=[labels.get(i, i) for i in mine["input"]],
                orientation="h",
                name=t(f"sensitivity.group.{group}", lang),
                marker_color=color,
                error_x={
                    "type": "data",
                    "array": mine["mu_star_conf"] / axis.divisor,
                    "color": INTERVAL_COLOR,
                    "thickness": 1.5,
                },
                hovertemplate=_hover("%{y}", "mu*", "x", axis),
            )
        )
    if chance is not None and np.isfinite(chance) and chance > 0:
        label = t("sensitivity.chance", lang)
        _reference_line(
            fig,
            chance / axis.divisor,
            vertical=True,
            color="#7f8c8d",
            dash="dash",
            label=label,
            width=None,
            xanchor="left",
        )
    _apply_axis(fig, axis, "x")
    order = [labels.get(i, i) for i in rows["input"]]
    fig.update_yaxes(
        categoryorder="array", categoryarray=order, autorange="reversed", automargin=True
    )
    fig.update_layout(barmode="overlay")
    return _style(fig, title, height=max(400, 140 + 30 * len(rows)))


def sobol_chart(rows: pd.DataFrame, labels: Mapping[str, str], lang: str, title: str) -> go.Figure:
    """Sobol first-order (S1) and total (ST) indices per input, whiskers their 95 % intervals."""
    fig = go.Figure()
    names = [labels.get(i, i) for i in rows["input"]]
    for i, index in enumerate(("S1", "ST")):
        fig.add_trace(
            go.Bar(
                x=rows[index],
                y=names,
                orientation="h",
                name=t(f"sensitivity.{index}", lang),
                marker_color=palette.SERIES[i],
                error_x={
                    "type": "data",
                    "array": rows[f"{index}_conf"],
                    "color": INTERVAL_COLOR,
                    "thickness": 1.5,
                },
                hovertemplate=_hover("%{y}", index, "x", plain_axis()),
            )
        )
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(barmode="group")
    return _style(fig, title, height=max(400, 160 + 56 * len(rows)))


# --- the path to the target (实现路径): the search's frontier --------------------------------

OPTIMISED_COLOR = palette.OPTIMISED  # a verified mix of the search beside stored scenarios
SHARE_COLORSCALE = "Viridis"


def _frontier_trace(
    points: pd.DataFrame, cost: str, p: str, share: str, name: str, axis: Axis, **style
) -> go.Scatter:
    """Points of the frontier: cost (x) against P (y), coloured by operating share; the trial in
    `customdata` (what a click on the point gives)."""
    x_hover = f"%{{x:{axis.hover}}}{axis.ticksuffix}"
    return go.Scatter(
        x=points[cost] / axis.divisor,
        y=points[p],
        mode="markers",
        name=name,
        customdata=points[["trial", share]].to_numpy(dtype=object).tolist(),  # lists: in clickData
        marker={"color": points[share], "coloraxis": "coloraxis", **style.pop("marker", {})},
        hovertemplate=f"{name} · %{{customdata[0]}}<br>{x_hover}<br>P %{{y:.0%}}<br>"
        "%{customdata[1]:.1%}<extra></extra>",
        **style,
    )


def frontier_chart(
    front: pd.DataFrame, verified: pd.DataFrame, target_p: float, lang: str, title: str
) -> go.Figure:
    """The cost-probability frontier of a search (`model.experiments.read_optimisation`):
    fiscal cost against P(doubled), the operating share at the deadline as colour.

    `front`: trial, search_cost, search_p_doubled, search_operating_share (the search's
    estimates); `verified`: trial, fiscal_cost, p_doubled, p_doubled_p05, p_doubled_p95,
    operating_share (the verification batch), drawn as diamonds with their 90 % interval. A
    dashed line marks the target P.
    """
    fig = go.Figure()
    largest = max([0.0, *front["search_cost"], *verified["fiscal_cost"]])
    axis = value_axis("money", largest, lang)
    fig.add_trace(
        _frontier_trace(
            front, "search_cost", "search_p_doubled", "search_operating_share",
            t("optimise.front", lang), axis, marker={"size": 11, "line": {"width": 1}},
        )
    )  # fmt: skip
    if len(verified):
        interval = {
            "type": "data",
            "symmetric": False,
            "array": verified["p_doubled_p95"] - verified["p_doubled"],
            "arrayminus": verified["p_doubled"] - verified["p_doubled_p05"],
            "color": "#566573",
        }
        fig.add_trace(
            _frontier_trace(
                verified, "fiscal_cost", "p_doubled", "operating_share",
                t("optimise.verified", lang), axis, error_y=interval,
                marker={"size": 15, "symbol": "diamond", "line": {"width": 1.5, "color": "#1b2631"}},
            )
        )  # fmt: skip
    _reference_line(
        fig, target_p, vertical=False, color=TARGET, dash="dash",
        label=t("optimise.target", lang, p=f"{target_p:.0%}"), xanchor="left",
    )  # fmt: skip
    _apply_axis(fig, axis, which="x", zero=False)
    fig.update_xaxes(title={"text": t("optimise.cost_axis", lang)}, rangemode="tozero")
    fig.update_yaxes(
        title={"text": t("optimise.p_axis", lang)}, tickformat=".0%", range=[-0.03, 1.05]
    )
    colorbar = {"title": {"text": t("optimise.share", lang)}, "tickformat": ".0%"}
    fig.update_layout(coloraxis={"colorscale": SHARE_COLORSCALE, "colorbar": colorbar})
    fig.update_layout(clickmode="event")
    return _style(fig, title, height=520)
