"""Pure formatting of result tables into the rows of the pages' tables: the comparison
(`model.experiments.compare`) of the overview, the posterior's moments of the backtest."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from dashboard.catalogue import articles_text
from dashboard.components import titles
from dashboard.formats import (
    fiscal_scale,
    format_gain,
    format_money,
    format_month,
    format_number,
    format_percent,
    format_range,
    format_ratio,
    money_scale,
)
from dashboard.i18n import label, pick, t

COST_PER_ADDITIONAL = ("cost_per_additional_registered", "cost_per_additional_operating")
ASSUMPTION_SHARE = ("assumption_share_registered", "assumption_share_operating")
P_DOUBLED_INTERVAL = ("p_doubled_p05", "p_doubled_p95")  # its 90 % Jeffreys interval (compare)
OVERVIEW_COLUMNS = (  # the columns of a `compare` row (the live what-if's payload holds them)
    "scenario",
    "p_doubled",
    "median_month",
    "end_registered",
    "end_operating",
    "ratio",
    "fiscal_cost",
    *COST_PER_ADDITIONAL,
    *ASSUMPTION_SHARE,
)


CHANGE_COLUMNS = ("vs_no_policy", "vs_as_enacted")  # paired by run (`stats.paired_changes`)
_AFTER = OVERVIEW_COLUMNS.index("end_registered") + 1
TABLE_COLUMNS = (*OVERVIEW_COLUMNS[:_AFTER], *CHANGE_COLUMNS, *OVERVIEW_COLUMNS[_AFTER:])


def overview_headers(lang: str, columns: tuple[str, ...] = TABLE_COLUMNS) -> dict[str, str]:
    """Column → header in the language."""
    return {column: t(f"overview.col.{column}", lang) for column in columns}


def likelihood(p: float) -> str:
    """The colour class of a probability of doubling: 'high' ≥ 80 %, 'mid' ≥ 50 %, else 'low'."""
    return "high" if p >= 0.8 else "mid" if p >= 0.5 else "low"


def _with_range(row: pd.Series, prefix: str, fmt, lang: str) -> tuple[str, str]:
    """The median and, apart, its 5–95 % range."""
    low, high = row[f"{prefix}_p05"], row[f"{prefix}_p95"]
    return fmt(row[f"{prefix}_p50"], lang), format_range(low, high, fmt, lang)


def _share(share: float, lang: str) -> str:
    return format_percent(share)


def _share_with_range(row: pd.Series, prefix: str, lang: str) -> str | tuple[str, str]:
    """A share resting on assumptions: the median and its range, or '–' alone without a median."""
    if pd.isna(row[f"{prefix}_p50"]):
        return _share(row[f"{prefix}_p50"], lang)
    return _with_range(row, prefix, _share, lang)


def overview_rows(table: pd.DataFrame, titles: Mapping[str, str], lang: str) -> list[dict]:
    """One dict per scenario (in the order of `titles`): column → text, plus `likelihood`.

    Values with a band are a pair (median, range); P(doubled) a pair (share, 90 % interval).
    """
    rows = []
    indexed = table.set_index("scenario")
    fiscal = fiscal_scale(lang)  # one unit per column
    per_entity = {c: money_scale(indexed[f"{c}_p50"], lang) for c in COST_PER_ADDITIONAL}
    for name in [n for n in titles if n in indexed.index]:
        row = indexed.loc[name]
        month = row["median_month"]
        rows.append(
            {
                "name": name,
                "scenario": titles[name],
                "p_doubled": (
                    format_percent(row["p_doubled"]),
                    format_range(*row[list(P_DOUBLED_INTERVAL)], _share, lang),
                ),
                "likelihood": likelihood(row["p_doubled"]),
                "median_month": (
                    format_month(month, lang)
                    if pd.notna(month)
                    else t("overview.not_reached", lang)
                ),
                "end_registered": _with_range(row, "end_registered", format_number, lang),
                "end_operating": _with_range(row, "end_operating", format_number, lang),
                "ratio": format_ratio(row["ratio_p50"], lang),
                "fiscal_cost": format_money(row["fiscal_cost_p50"], lang, fiscal),
            }
            | {
                column: format_money(row[f"{column}_p50"], lang, per_entity[column])
                for column in COST_PER_ADDITIONAL
            }
            | {column: _share_with_range(row, column, lang) for column in ASSUMPTION_SHARE}
        )
    return rows


def change_cells(changes: pd.DataFrame, lang: str) -> dict[str, dict[str, str | tuple]]:
    """Scenario → the cells of CHANGE_COLUMNS (`changes`: `stats.paired_changes`): the signed
    median change and, apart, its 5–95 % range; '–' where there is none (the baseline itself)."""
    cells: dict[str, dict[str, str | tuple]] = {}
    for row in changes.to_dict("records"):
        band = format_range(row["p05"], row["p95"], format_gain, lang)
        cells.setdefault(row["scenario"], {})[row["versus"]] = (format_gain(row["p50"], lang), band)
    return {name: {c: found.get(c, "–") for c in CHANGE_COLUMNS} for name, found in cells.items()}


MOMENT_COLUMNS = ("name", "target", "range", "median", "band", "within")
BOUND_PREFIX = {"=": "", ">=": "≥ ", "<=": "≤ "}


def moment_headers(lang: str) -> dict[str, str]:
    """Column of the moment table → header in the language."""
    return {column: t(f"backtest.col.{column}", lang) for column in MOMENT_COLUMNS}


def quantity_label(quantity: str, lang: str) -> str:
    """A model stock (`n_registered`, `n_individual`, …) in words."""
    return label(quantity, lang, "quantity", "kind")


def within_range(median: float, low: float, high: float, bound: str) -> bool:
    """Whether the fitted median meets its target: inside [low, high], or for a published bound
    on its side only (at least `low` for '>=', at most `high` for '<=')."""
    if bound == ">=":
        return bool(median >= low)
    if bound == "<=":
        return bool(median <= high)
    return bool(low <= median <= high)


def _moment_number(value: float, lang: str) -> str:
    """A moment (a share, a ratio, persons): three significant digits."""
    return f"{value:.3g}" if math.isfinite(value) else "–"


def _moment_name(kind: str, name: str, lang: str) -> str:
    """A calibration moment in words; a fitted observation (`quantity@date`) as its quantity and
    month."""
    if kind != "observation":
        return label(name, lang, "moment")
    quantity, _, day = name.partition("@")
    month = format_month(pd.Timestamp(day), lang)
    return t(
        "backtest.observation_name", lang, quantity=quantity_label(quantity, lang), month=month
    )


def moment_rows(moments: pd.DataFrame, lang: str) -> list[dict]:
    """One dict per row of the posterior's moments (`model.experiments.backtest_of`): column →
    text, plus `id` and `within` (a bool: the median meets the target)."""
    rows = []
    for row in moments.to_dict("records"):
        fmt = format_number if row["kind"] == "observation" else _moment_number
        bound = row["bound"] if row["bound"] in BOUND_PREFIX else "="
        rows.append(
            {
                "id": row["name"],
                "name": _moment_name(row["kind"], row["name"], lang),
                "target": BOUND_PREFIX[bound] + fmt(row["target"], lang),
                "range": f"{fmt(row['low'], lang)}–{fmt(row['high'], lang)}",
                "median": fmt(row["p50"], lang),
                "band": f"{fmt(row['p05'], lang)}–{fmt(row['p95'], lang)}",
                "within": within_range(row["p50"], row["low"], row["high"], bound),
            }
        )
    return rows


# --- attribution (贡献分解): the levers' table --------------------------------------------------

LEVER_COLUMNS = (
    "rank",
    "lever",
    "family",
    "articles",
    "department",
    "gain",
    "interval",
    "cost",
    "per_entity",
)
COST_UNIT = {"zh": 1e4, "en": 1e6}  # the cost column: 万元 / million yuan


def lever_headers(outcome: str, lang: str) -> dict[str, str]:
    """Column → header in the language; the gain and the yuan per entity of `outcome`."""
    return {
        c: t(f"attribution.col.{c}", lang, entities=t(f"attribution.entities.{outcome}", lang))
        for c in LEVER_COLUMNS
    }


def lever_rows(
    costs: pd.DataFrame,
    summary: pd.DataFrame,
    about: Mapping[str, Mapping[str, str]],
    outcome: str,
    lang: str,
) -> list[dict]:
    """A row per lever of a lever-level attribution (`costs`: its cost-effectiveness table,
    `summary`: its summary; `about`: lever → lever, family, articles, department, in the
    language). A gain not distinct from zero has no value (≈0), no rank and no yuan per entity."""
    gains = summary[summary["outcome"] == outcome].set_index("player")
    prefix = f"additional_{outcome}"
    rows = []
    for _, row in costs[costs["by"] == "lever"].iterrows():
        lever, distinct = row["key"], bool(row[f"{prefix}_distinct"])
        rank = gains["rank"].get(lever)
        interval = (row[f"{prefix}_low"], row[f"{prefix}_high"])
        rows.append(
            {
                "id": lever,
                "rank": None if rank is None or pd.isna(rank) else int(rank),
                **{
                    key: about.get(lever, {}).get(key, lever if key == "lever" else "")
                    for key in ("lever", "family", "articles", "department")
                },
                "gain": float(row[f"{prefix}_mean"]) if distinct else None,
                "interval": t("attribution.to", lang).join(
                    format_number(v, lang) for v in interval
                ),
                "cost": float(row["fiscal_cost_mean"]) / COST_UNIT[lang],
                "per_entity": _finite(row[f"cost_per_{prefix}_p50"]) if distinct else None,
            }
        )
    return rows


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


# --- the path to the target (实现路径): verified mixes and a mix's levers --------------------

VERIFIED_COLUMNS = (
    "scenario",
    "runs",
    "p_doubled",
    "fiscal_cost",
    "operating_share",
    "ratio",
    "yuan_per_additional_operating",
    "meets_target",
)
MIX_COLUMNS = ("lever", "family", "intensity", "start", "articles", "departments")


def optimise_headers(columns: tuple[str, ...], lang: str) -> dict[str, str]:
    """Column of a table of the 实现路径 page → header in the language."""
    return {column: t(f"optimise.col.{column}", lang) for column in columns}


def p_with_interval(row: Mapping, lang: str) -> tuple[str, str]:
    """A verified P(doubled) and, apart, its 90 % interval: ('0%', '(0%–44%)')."""
    interval = format_range(row["p_doubled_p05"], row["p_doubled_p95"], _share, lang)
    return format_percent(row["p_doubled"]), interval


def verified_rows(verified: pd.DataFrame, lang: str) -> list[dict]:
    """One dict of texts per verified mix (`model.experiments.read_optimisation`'s `verified`),
    cheapest first, plus `name` and `likelihood`."""
    rows = []
    fiscal = fiscal_scale(lang)  # one unit per column
    per_entity = money_scale(verified["yuan_per_additional_operating"], lang)
    for row in verified.sort_values("fiscal_cost").to_dict("records"):
        rows.append(
            {
                "name": row["scenario"],
                "scenario": row["scenario"],
                "runs": str(int(row["runs"])),
                "p_doubled": " ".join(p_with_interval(row, lang)),
                "likelihood": likelihood(row["p_doubled"]),
                "fiscal_cost": format_money(row["fiscal_cost"], lang, fiscal),
                "operating_share": f"{row['operating_share']:.1%}",
                "ratio": format_ratio(row["ratio"], lang),
                "yuan_per_additional_operating": format_money(
                    row["yuan_per_additional_operating"], lang, per_entity
                ),
                "meets_target": t("optimise.yes" if row["meets_target"] else "optimise.no", lang),
            }
        )
    return rows


def mix_rows(mix: Mapping[str, tuple[float, str]], catalogue, lang: str) -> list[dict]:
    """One dict of texts per lever of a mix (lever → (intensity, start 'YYYY-MM')), in the
    catalogue's order: title, family, intensity, start, articles and responsible departments
    (责任单位). `catalogue`: `dashboard.catalogue.CatalogueView`."""
    families = titles(catalogue.families, lang, key="id")
    rows = []
    for lever in (lv for lv in catalogue.levers if lv.id in mix):
        intensity, start = mix[lever.id]
        rows.append(
            {
                "id": lever.id,
                "lever": pick(lever.title_zh, lever.title_en, lang),
                "family": families.get(lever.family, lever.family),
                "intensity": f"{intensity:g}",
                "start": format_month(pd.Period(start, "M").to_timestamp("M"), lang),
                "articles": articles_text(lever, lang),
                "departments": catalogue.departments_text(lever.departments, lang),
            }
        )
    return rows


# --- the cities' targets and annual milestones (各市分解目标, 年度进度) -------------------------


def city_target_headers(years: list[int], year: int, lang: str) -> dict[str, str]:
    """Column of the cities' targets → header: the city, its end-2020 count, each year's
    milestone, the scenario at `year` and the share of runs on track then."""
    return {
        "city": t("milestones.col.city", lang),
        "start": t("milestones.col.start", lang),
        **{f"milestone_{y}": t("milestones.col.milestone", lang, year=y) for y in years},
        "model": t("milestones.col.model", lang, year=year),
        "on_track": t("milestones.col.on_track", lang, year=year),
    }


def city_target_rows(table: pd.DataFrame, names: Mapping[str, str], lang: str) -> list[dict]:
    """One dict of texts per city (`stats.city_targets`), in the order of `names` (city → name);
    the model's count as (median, 5–95 % range)."""
    indexed = table.set_index("city")
    milestones = [c for c in table.columns if c.startswith("milestone_")]
    rows = []
    for city in [c for c in names if c in indexed.index]:
        row = indexed.loc[city]
        rows.append(
            {
                "id": city,
                "city": names[city],
                "start": format_number(row["start"], lang),
                **{c: format_number(row[c], lang) for c in milestones},
                "model": _with_range(row, "model", format_number, lang),
                "on_track": format_percent(row["on_track"]),
            }
        )
    return rows
