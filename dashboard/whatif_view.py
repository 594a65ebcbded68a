"""What a what-if result shows besides its charts: the settings that produced it and its paired
changes against the base scenario and `no_policy` (pure: a payload of `live` in, text and an HTML
table out)."""

from __future__ import annotations

from collections.abc import Mapping

from dash import html

from dashboard import live
from dashboard.components import titles
from dashboard.formats import format_gain, format_ratio_change
from dashboard.i18n import t


def _intensity(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def settings_text(
    result: Mapping, scenario_titles: Mapping[str, str], lever_titles: Mapping[str, str], lang: str
) -> str:
    """The base, the levers and intensities, the runs and scale that produced `result`."""
    request = result["request"]
    levers = [
        t("whatif.lever_off", lang, lever=lever_titles.get(lever, lever))
        if value <= 0
        else t(
            "whatif.lever_at",
            lang,
            lever=lever_titles.get(lever, lever),
            intensity=_intensity(value),
        )
        for lever, value in request["intensities"].items()
    ]
    changed = (
        t("whatif.settings_levers", lang, levers=("、" if lang == "zh" else "; ").join(levers))
        if levers
        else t("whatif.settings_none", lang)
    )
    text = t(
        "whatif.settings",
        lang,
        base=scenario_titles.get(request["base"], request["base"]),
        levers=changed,
        runs=request["runs"],
        scale=f"{request['scale']:g}",
    )
    return text if result.get("same_code", True) else f"{text} {t('whatif.other_code', lang)}"


def change_cell(row: Mapping, lang: str) -> list:
    """A change's median and, small under it, its 5–95 % band, signed."""

    def fmt(value: float) -> str:
        return format_ratio_change(value) if row["value"] == "ratio" else format_gain(value, lang)

    band = f"({fmt(row['p05'])} – {fmt(row['p95'])})"
    return [fmt(row["p50"]), html.Div(band, className="range")]


def changes_table(result: Mapping, scenario_titles: Mapping[str, str], lang: str) -> html.Table:
    """One row per scenario the what-if is paired with: its change in registered, operating and
    the ratio to end-2020 at the deadline (median, 5–95 % over the paired runs)."""
    changes = live.changes_of(result)
    head = html.Thead(
        html.Tr(
            [html.Th(t("whatif.changes_against", lang))]
            + [html.Th(t(f"whatif.change.{value}", lang)) for value in live.CHANGE_VALUES]
            + [html.Th(t("whatif.changes_runs", lang))]
        )
    )
    rows = []
    for against, group in changes.groupby("against", sort=False):
        by_value = {row["value"]: row for row in group.to_dict("records")}
        rows.append(
            html.Tr(
                [html.Td(scenario_titles.get(str(against), str(against)))]
                + [html.Td(change_cell(by_value[v], lang)) for v in live.CHANGE_VALUES]
                + [html.Td(str(group["runs"].min()))],
                **{"data-against": str(against)},
            )
        )
    return html.Table([head, html.Tbody(rows)], id="whatif-changes", className="overview-table")


def lever_titles(catalogue, lang: str) -> dict[str, str]:
    """Lever id → its title in the language (`catalogue`: a CatalogueView)."""
    return titles(catalogue.levers, lang, key="id")
