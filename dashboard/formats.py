"""Number, money and date formats by language: the one rule set of every page (issue 15, defect 9).

Rules:
- Counts of entities (户): Chinese in 万 with exactly one decimal from 1万 up ('503.0万' beside
  '483.4万', never '503万'), whole numbers below; English in millions with two decimals
  ('5.03 M'), in thousands from 10,000 ('35 k'), whole numbers below.
- Money: one unit per table column or sentence, picked from the largest amount it shows
  (`money_scale`): 亿元 / 万元 / 元 in Chinese, bn / M / k yuan in English, with the decimals of
  that unit (`Scale.decimals`). Fiscal costs are in 亿元 (`FISCAL_SCALE`).
- Ratios with two decimals (1.86倍, 1.86×), their changes signed with three; probabilities and
  shares as whole percents; signed changes through `signed`.
- A number shown as it is (a rank, a table's column in a unit its header names: `format_fixed`):
  grouped by thousands with fixed decimals ('12,346').
- Any other number (a sum of the document, a rate, a share: `format_quantity`): about four
  significant digits in the ladder's unit (10亿, 0.5), trailing zeros cut.
- Chart axes carry the unit in their title, not on every tick (no '0万户' at the origin:
  `dashboard.figures.value_axis`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Scale:
    """A unit to show numbers in: shown value = value / divisor, written with `suffix` and
    `decimals` decimals."""

    divisor: float
    suffix: str
    decimals: int = 0


# (threshold, scale): the largest scale whose threshold the magnitude reaches is used
_LADDER = {
    "zh": ((1e8, Scale(1e8, "亿", 1)), (1e4, Scale(1e4, "万", 1)), (0.0, Scale(1.0, ""))),
    "en": (
        (1e9, Scale(1e9, " bn", 2)),
        (1e6, Scale(1e6, " M", 2)),
        (1e4, Scale(1e3, " k")),
        (0.0, Scale(1.0, "")),
    ),
}
_COUNT_LADDER = {  # counts of entities: never 亿 (the province has a few million)
    "zh": ((1e4, Scale(1e4, "万", 1)), (0.0, Scale(1.0, ""))),
    "en": _LADDER["en"][1:],
}
_MONEY_UNIT = {"zh": "元", "en": " yuan"}
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _lang(lang: str) -> str:
    return "en" if lang == "en" else "zh"


def _climb(ladder, magnitude: float | None) -> Scale:
    size = abs(magnitude) if magnitude is not None and math.isfinite(magnitude) else 0.0
    for threshold, scale in ladder:
        if size >= threshold:
            return scale
    raise AssertionError("the ladder ends at 0")  # pragma: no cover


def pick_scale(magnitude: float, lang: str) -> Scale:
    """The unit for numbers up to `magnitude` (e.g. 2.6e6 → 万 in Chinese, M in English)."""
    return _climb(_LADDER[_lang(lang)], magnitude)


def count_scale(magnitude: float, lang: str) -> Scale:
    """The unit for counts of entities up to `magnitude`: 万 in Chinese from 1万, never 亿."""
    return _climb(_COUNT_LADDER[_lang(lang)], magnitude)


def money_scale(amounts: float | Iterable[float], lang: str) -> Scale:
    """The one unit of a column (or sentence) of yuan amounts: that of the largest finite one
    (1.2e10 → 亿元, 5.6e4 → 万元 in Chinese; bn / M / k yuan in English)."""
    values = [amounts] if isinstance(amounts, int | float) else list(amounts)
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    return pick_scale(max(finite, default=0.0), lang)


FISCAL_SCALE = {"zh": Scale(1e8, "亿", 1), "en": Scale(1e9, " bn", 2)}  # fiscal costs


def fiscal_scale(lang: str) -> Scale:
    """The unit of fiscal costs (财政成本), whatever their size: 亿元 (bn yuan)."""
    return FISCAL_SCALE[_lang(lang)]


def _in(value: float, scale: Scale) -> str:
    return f"{value / scale.divisor:,.{scale.decimals}f}{scale.suffix}"


def format_number(value: float | None, lang: str) -> str:
    """A count of entities: 5030000 → '503.0万' (zh), '5.03 M' (en); 950 → '950'."""
    if value is None or not math.isfinite(value):
        return "–"
    return _in(value, count_scale(value, lang))


def format_money(yuan: float | None, lang: str, scale: Scale | None = None) -> str:
    """An amount of yuan in `scale` (one unit for a whole column: `money_scale`, `fiscal_scale`),
    by default in its own: 1.23e9 → '12.30亿元' (zh), '1.23 bn yuan' (en)."""
    if yuan is None or not math.isfinite(yuan):
        return "–"
    return _in(yuan, scale or money_scale(yuan, lang)) + _MONEY_UNIT[_lang(lang)]


_GAIN_SCALE = {"zh": Scale(1e4, "万", 1), "en": Scale(1e3, " k")}


def signed(value: float | None, magnitude: Callable[[float], str]) -> str:
    """A signed change written by `magnitude` (which writes its absolute value): '+', '−' or '±'."""
    if value is None or not math.isfinite(value):
        return "–"
    return ("+" if value > 0 else "−" if value < 0 else "±") + magnitude(abs(value))


def format_gain(value: float | None, lang: str) -> str:
    """A signed change of a count (against another scenario), one unit for every size: '+22.7万',
    '+0.3万', '−1.2万' (zh); '+227 k', '+3 k' (en); a million or more in M ('+1.25 M')."""

    def magnitude(size: float) -> str:
        return _in(size, _GAIN_SCALE[_lang(lang)] if size < 1e6 else count_scale(size, lang))

    return signed(value, magnitude)


def format_ratio_change(value: float | None) -> str:
    """A signed change of a growth ratio, three decimals: '+0.013'."""
    return signed(value, lambda size: f"{size:.3f}")


def format_quantity(value: float | None, lang: str) -> str:
    """A number that is not a count of entities (a fund, a rate, a share, as the document and the
    register give it): about four significant digits in the ladder's unit, trailing zeros cut:
    1e9 → '10亿' (zh), '1 bn' (en); 0.5 → '0.5'; 0.0015 → '0.0015'."""
    if value is None or not math.isfinite(value):
        return "–"
    scale = pick_scale(value, lang)
    shown = value / scale.divisor
    decimals = 0 if shown == 0 else max(0, min(4, 3 - math.floor(math.log10(abs(shown)))))
    text = f"{shown:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + scale.suffix


def format_fixed(value: float | None, decimals: int = 0, missing: str = "–") -> str:
    """A number as it is, grouped by thousands with `decimals` decimals: 12345.6 → '12,346';
    `missing` for none."""
    if value is None or not math.isfinite(value):
        return missing
    return _in(value, Scale(1.0, "", decimals))


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
