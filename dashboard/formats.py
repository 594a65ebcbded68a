"""Number, money and date formats by language: 万 and 亿 in Chinese, k / M / bn in English."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scale:
    """A unit to show numbers in: shown value = value / divisor, written with `suffix`."""

    divisor: float
    suffix: str


# (threshold, scale): the largest scale whose threshold the magnitude reaches is used
_LADDER = {
    "zh": ((1e8, Scale(1e8, "亿")), (1e4, Scale(1e4, "万")), (0.0, Scale(1.0, ""))),
    "en": (
        (1e9, Scale(1e9, " bn")),
        (1e6, Scale(1e6, " M")),
        (1e4, Scale(1e3, " k")),
        (0.0, Scale(1.0, "")),
    ),
}
_MONEY_UNIT = {"zh": "元", "en": " yuan"}
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def pick_scale(magnitude: float, lang: str) -> Scale:
    """The unit for numbers up to `magnitude` (e.g. 2.6e6 → 万 in Chinese, M in English)."""
    size = abs(magnitude) if magnitude is not None and math.isfinite(magnitude) else 0.0
    for threshold, scale in _LADDER["en" if lang == "en" else "zh"]:
        if size >= threshold:
            return scale
    raise AssertionError("the ladder ends at 0")  # pragma: no cover


def _decimals(shown: float) -> int:
    """Decimals giving about four significant digits, at most two (trailing zeros are cut)."""
    if shown == 0:
        return 0
    return max(0, min(2, 3 - math.floor(math.log10(abs(shown)))))


def format_number(value: float | None, lang: str) -> str:
    """A count for a card or table: 2551234 → '255.1万' (zh), '2.55 M' (en)."""
    if value is None or not math.isfinite(value):
        return "–"
    scale = pick_scale(value, lang)
    shown = value / scale.divisor
    text = f"{shown:,.{_decimals(shown)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + scale.suffix


def format_money(yuan: float | None, lang: str) -> str:
    """An amount of yuan: 1.23e9 → '12.3亿元' (zh), '1.23 bn yuan' (en)."""
    if yuan is None or not math.isfinite(yuan):
        return "–"
    return format_number(yuan, lang) + _MONEY_UNIT["en" if lang == "en" else "zh"]


def format_percent(share: float | None) -> str:
    """A probability or share: 0.857 → '86%'."""
    if share is None or not math.isfinite(share):
        return "–"
    return f"{share:.0%}"


def format_ratio(ratio: float | None, lang: str) -> str:
    """A growth ratio: 1.93 → '1.93倍' (zh), '1.93×' (en)."""
    if ratio is None or not math.isfinite(ratio):
        return "–"
    return f"{ratio:.2f}" + ("×" if lang == "en" else "倍")


def format_month(date: pd.Timestamp | None, lang: str) -> str:
    """A month: 2024-06-30 → '2024年6月' (zh), 'Jun 2024' (en)."""
    if date is None or pd.isna(date):
        return "–"
    if lang == "en":
        return f"{_MONTHS_EN[date.month - 1]} {date.year}"
    return f"{date.year}年{date.month}月"


def format_range(low: float, high: float, fmt, lang: str) -> str:
    """A 5–95 % range with the same formatter: '(250.1万–262.0万)'."""
    return f"({fmt(low, lang)}–{fmt(high, lang)})"


def date_hover(lang: str) -> str:
    """The plotly hover format of a month-end date."""
    return "%b %Y" if lang == "en" else "%Y年%m月"


@dataclass(frozen=True)
class ColumnUnit:
    """One unit for a whole column of a downloaded table (Excel wants numbers, not text):
    cell = round(value / divisor, decimals), the header naming `unit`; decimals None = four
    significant digits."""

    divisor: float
    decimals: int | None
    unit: str


# kind of quantity → unit by language: 万户 / 亿元 in Chinese, thousands / millions in English
_COLUMN_UNITS = {
    "count": {"zh": ColumnUnit(1e4, 2, "万户"), "en": ColumnUnit(1e3, 1, "thousand entities")},
    "money": {"zh": ColumnUnit(1e8, 2, "亿元"), "en": ColumnUnit(1e6, 1, "million yuan")},
    "money_each": {"zh": ColumnUnit(1.0, 0, "元"), "en": ColumnUnit(1.0, 0, "yuan")},
    "share": {"zh": ColumnUnit(0.01, 1, "%"), "en": ColumnUnit(0.01, 1, "%")},
    "ratio": {"zh": ColumnUnit(1.0, 3, "倍"), "en": ColumnUnit(1.0, 3, "×")},
    "number": {"zh": ColumnUnit(1.0, None, ""), "en": ColumnUnit(1.0, None, "")},
}
COLUMN_KINDS = tuple(_COLUMN_UNITS)


def column_unit(kind: str, lang: str) -> ColumnUnit:
    """The unit of a downloaded column of `kind` (one of COLUMN_KINDS) in the language."""
    return _COLUMN_UNITS[kind]["en" if lang == "en" else "zh"]


def in_column_unit(values: pd.Series, unit: ColumnUnit) -> pd.Series:
    """Numbers in the column's unit, rounded (no float noise such as 12258279876.118555)."""
    shown = values.astype(float) / unit.divisor
    if unit.decimals is not None:
        return shown.round(unit.decimals)
    return shown.map(lambda x: float(f"{x:.4g}") if math.isfinite(x) else x)
