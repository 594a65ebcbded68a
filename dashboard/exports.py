"""Excel-ready downloads of a chart's data (可直接用Excel打开的下载, issue 15 build 6).

A chart's data table as a planner pastes it into a briefing: headers in the page's language
with the unit, names instead of ids (scenario, lever, department, city, family, measure), counts
in 万户 and money in 亿元 (thousands and millions in English) rounded, months as YYYY-MM, and a
footer naming the source, the batch's date, its runs and the day of the download. As CSV (UTF-8
with BOM, so Excel reads 中文; footer lines start with '#': `pd.read_csv(f, comment="#")`) or
as an .xlsx workbook (openpyxl).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from dashboard.catalogue import CatalogueUnavailable, load_view
from dashboard.components import FILE_PREFIX, titles
from dashboard.data import Results
from dashboard.formats import column_unit, in_column_unit
from dashboard.i18n import label, labels_of, t
from dashboard.pages.cities import city_names

BANDS = ("p05", "p50", "p95")
# columns named by their quantity (`end_registered_p50`: the base `end_registered`, band p50)
KIND_OF = {
    "end_registered": "count",
    "end_operating": "count",
    "start_registered": "count",
    "additional_registered": "count",
    "additional_operating": "count",
    "target": "count",
    "fiscal_cost": "money",
    "cost_per_additional_registered": "money_each",
    "cost_per_additional_operating": "money_each",
    "p_doubled": "share",
    "assumption_share_registered": "share",
    "assumption_share_operating": "share",
    "ratio": "ratio",
    "search_cost": "money",
    "search_p_doubled": "share",
    "search_operating_share": "share",
    "operating_share": "share",
    "yuan_per_additional_operating": "money_each",
}
# generic value columns (`p50`, `value`, `low`, `high`) hold the chart's quantity
GENERIC = ("value", "low", "high", "mean", "cumulative")
CHART_KIND = {
    "traj-registered": "count",
    "traj-operating": "count",
    "whatif-registered": "count",
    "whatif-operating": "count",
    "comp-kinds": "count",
    "comp-share": "share",
    "comp-entry-exit": "count",
    "comp-conversions": "count",
    "city-levels": "count",
    "city-growth": "ratio",
    "lever-gains": "count",
    "bt-bands": "count",
    "ac-waterfall": "count",
    "ac-levers": "count",
}
# columns holding ids or column names, shown as names
MEASURE_PREFIXES = ("quantity", "kind", "flow", "parameter")


def split_band(column: str) -> tuple[str, str]:
    """'end_registered_p50' → ('end_registered', 'p50'); 'p50' → ('', 'p50'); else (column, '')."""
    for band in BANDS:
        if column == band:
            return "", band
        if column.endswith("_" + band):
            return column.removesuffix("_" + band), band
    return column, ""


def header(column: str, kind: str | None, lang: str) -> str:
    """'期末登记主体·中位数（万户）' / 'Registered at the end, median (thousand entities)'."""
    base, band = split_band(column)
    parts = [label(base, lang, "download.col")] if base else []
    if band:
        parts.append(t(f"download.band.{band}", lang))
    text = ("·" if lang != "en" else ", ").join(parts)
    text = text[:1].upper() + text[1:]
    unit = column_unit(kind, lang).unit if kind else ""
    if not unit:
        return text
    return f"{text} ({unit})" if lang == "en" else f"{text}（{unit}）"


# id columns whose names are the labels `prefix.id` (a sensitivity's output, group of inputs and
# their distribution)
LABELLED = {
    "output": "sensitivity.output",
    "group": "sensitivity.group",
    "distribution": "sensitivity.distribution",
}


def id_names(results: Results, lang: str) -> dict[str, Mapping[str, str]]:
    """Column → (id → name in the language) for the id columns of the charts' tables."""
    names: dict[str, Mapping[str, str]] = {
        "scenario": titles(results.scenarios, lang),
        "city": city_names(lang),
    }
    names |= {column: labels_of(prefix, lang) for column, prefix in LABELLED.items()}
    try:
        catalogue = load_view()
    except CatalogueUnavailable:
        return names
    names["lever"] = titles(catalogue.levers, lang, key="id")
    names["family"] = titles(catalogue.families, lang, key="id")
    names["department"] = {d: catalogue.department_name(d, lang) for d in catalogue.departments}
    return names


def _is_bool(values: pd.Series) -> bool:
    """A column of yes/no, with gaps where a row has no such value (an object column then)."""
    present = values.dropna()
    return pd.api.types.is_bool_dtype(values) or (
        len(present) > 0 and all(isinstance(v, bool | np.bool_) for v in present)
    )


def _kind(column: str, values: pd.Series, chart_id: str) -> str | None:
    """The unit kind of a numeric column; None for whole numbers that are not quantities
    (runs, years)."""
    base, band = split_band(column)
    if base in KIND_OF:
        return KIND_OF[base]
    if band or base in GENERIC:
        return CHART_KIND.get(chart_id, "number")
    return None if pd.api.types.is_integer_dtype(values) else "number"


def excel_table(
    table: pd.DataFrame, chart_id: str, names: Mapping[str, Mapping[str, str]], lang: str
) -> pd.DataFrame:
    """The chart's table as it is downloaded: names, units, rounding, headers in the language."""
    columns = {}
    for column in table.columns:
        values = table[column]
        kind = None
        if column in names:
            shown = values.map(lambda v, m=names[column]: m.get(v, v))
        elif pd.api.types.is_datetime64_any_dtype(values):
            shown = values.dt.strftime("%Y-%m")
        elif _is_bool(values):
            shown = values.map({True: t("download.yes", lang), False: t("download.no", lang)})
        elif not pd.api.types.is_numeric_dtype(values):
            shown = values.map(
                lambda v: label(v, lang, *MEASURE_PREFIXES) if isinstance(v, str) else v
            )
            column = "series" if column == "value" else column  # names of measures
        else:
            kind = _kind(column, values, chart_id)
            shown = values if kind is None else in_column_unit(values, column_unit(kind, lang))
        columns[header(column, kind, lang)] = shown.reset_index(drop=True)
    return pd.DataFrame(columns)


def footer(
    results: Results,
    lang: str,
    today: dt.date | None = None,
    runs: Mapping[str, Any] | None = None,
) -> list[str]:
    """Source, the date, runs and scale of the runs the table comes from (the batch's, or `runs`:
    `pages.base.runs_of` an attribution, a sensitivity analysis, a search's verification batch),
    the day of the download."""
    made = runs or results.manifest
    folder = runs["folder"] if runs else results.folder.name
    return [
        t(
            "download.source",
            lang,
            version=made.get("program_version") or "–",
            commit=str(made.get("git_commit") or "–")[:7],
            folder=folder,
        ),
        t(
            "download.runs",
            lang,
            created=str(made.get("created", "–"))[:10],
            runs=made.get("runs", "–"),
            scale=f"{made.get('scale', 0):g}",
            today=(today or dt.date.today()).isoformat(),
        ),
    ]


def csv_payload(table: pd.DataFrame, notes: list[str], chart_id: str) -> dict:
    """A `dcc.Download` payload: the table, a blank line, the footer lines starting with '#'
    (no commas in them: a line is one cell)."""
    out = io.StringIO()
    table.to_csv(out, index=False)
    out.write("\n" + "".join(f"# {note}\n" for note in notes))  # unquoted: '#' comes first
    return {
        "content": "\ufeff" + out.getvalue(),
        "filename": f"{FILE_PREFIX}{chart_id}.csv",
        "type": "text/csv",
    }


def xlsx_payload(table: pd.DataFrame, notes: list[str], chart_id: str) -> dict:
    """A `dcc.Download` payload: one sheet, bold frozen header, the footer under the table."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = chart_id[:31]
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.itertuples(index=False):
        sheet.append([None if pd.isna(v) else v for v in row])
    sheet.append([])
    for note in notes:
        sheet.append([note])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        width = max(len(str(column)), *(len(str(v)) for v in table.iloc[:, index - 1][:50]))
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(width + 2, 40)
    buffer = io.BytesIO()
    book.save(buffer)
    return {
        "content": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "filename": f"{FILE_PREFIX}{chart_id}.xlsx",
        "base64": True,
        "type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


def download(
    table: pd.DataFrame,
    chart_id: str,
    results: Results,
    lang: str,
    fmt: str,
    runs: Mapping[str, Any] | None = None,
) -> dict:
    """The chart's data as an Excel-ready CSV (`fmt` 'csv') or workbook ('xlsx'); `runs`: the
    runs it comes from when not the batch's (`Rendered.runs`)."""
    shown = excel_table(table, chart_id, id_names(results, lang), lang)
    payload = xlsx_payload if fmt == "xlsx" else csv_payload
    return payload(shown, footer(results, lang, runs=runs), chart_id)
