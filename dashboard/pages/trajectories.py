"""Trajectories (走势): registered and operating entities over time, fan charts per scenario;
beside them, at a pick (or opened from the 实现路径 page), a verified mix of `run.py optimise`
drawn from its verification batch (dashed)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import pandas as pd
from dash import html

from dashboard import components, figures, stats
from dashboard.data import Results
from dashboard.i18n import t
from dashboard.pages.base import (
    Many,
    Page,
    Rendered,
    View,
    chart_cards,
    control_id,
    scenario_control,
)
from model.experiments import InputError

SCENARIOS = "traj-scenarios"
CHARTS = {"traj-registered": "n_registered", "traj-operating": "n_operating"}
DEFAULT_SHOWN = 4
TITLES = {"n_registered": "trajectories.registered", "n_operating": "trajectories.operating"}
MIX = "traj-mix"  # a verified mix of the search (实现路径), its name in the verification batch
MIX_KEY = "optimised:"  # its bands' scenario key: never a stored scenario's name


def bands(results: Results, value: str):
    """Bands of one column per scenario and month (computed once per results folder)."""
    return results.memo(
        ("bands", value),
        lambda: stats.trajectory_bands(results.timeseries("scenario", "date", value), value),
    )


def default_scenarios(results: Results) -> list[str]:
    """The scenarios a comparison opens on: the first few of the batch (no_policy, as_enacted…)."""
    return results.scenario_names[:DEFAULT_SHOWN]


def doubling_level(results: Results) -> float:
    """2 × the end-2020 registered count (median over runs; they share the starting stock)."""
    return 2 * float(results.summary["start_registered"].median())


def fan_charts(
    view: View,
    charts: Mapping[str, str],
    shown: Collection[str],
    titles: Mapping[str, str],
    colors: Mapping[str, str],
    *,
    extra: Mapping[str, pd.DataFrame] | None = None,
    dashed: Sequence[str] = (),
) -> dict:
    """Fan charts (chart id → figure and data table), one per column of `charts` (chart id → column).

    Bands of the stored scenarios in `shown`, drawn in the order of `titles`; `extra` (column →
    bands) adds more, such as the live what-if's; `dashed` names scenarios drawn dashed.
    """
    results, lang = view.results, view.lang
    rendered = {}
    for chart_id, value in charts.items():
        table = bands(results, value)
        table = table[table["scenario"].isin(shown)]
        if extra:
            table = pd.concat([table, extra[value]], ignore_index=True)
        level = doubling_level(results) if value == "n_registered" else None
        figure = figures.fan_chart(
            table, titles, colors, lang, t(TITLES[value], lang), doubling=level, dashed=dashed
        )
        rendered[chart_id] = (figure, table.assign(value=value))
    return rendered


def verified_mixes(results: Results) -> dict[str, int]:
    """The verified mixes of the search shown beside the results: name → runs (none without)."""
    try:
        verified = results.search().found.verified
    except InputError:
        return {}
    return dict(zip(verified["scenario"], verified["runs"], strict=True))


def mix_bands(batch: Results, mix: str, value: str) -> pd.DataFrame:
    """The bands of one column of a verified mix, from the search's verification batch."""
    table = bands(batch, value)
    return table[table["scenario"] == mix]


def mix_label(name: str, runs: int, lang: str) -> str:
    return t("trajectories.mix_label", lang, name=name, runs=runs)


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    names = results.scenario_names
    chosen = view.choice(SCENARIOS, default_scenarios(results), allowed=Many(names))
    titles = components.titles(results.scenarios, lang)
    titles = {k: v for k, v in titles.items() if k in chosen}
    colors = figures.scenario_colors(names)
    mixes = verified_mixes(results)
    mix = view.choice(MIX, None, allowed=list(mixes))
    if mix is None:
        return Rendered(fan_charts(view, CHARTS, chosen, titles, colors))
    key = MIX_KEY + mix
    titles[key], colors[key] = mix_label(mix, mixes[mix], lang), figures.OPTIMISED_COLOR
    batch = results.search().verification
    assert batch is not None  # a verified mix has its batch
    extra = {value: mix_bands(batch, mix, value).assign(scenario=key) for value in CHARTS.values()}
    return Rendered(fan_charts(view, CHARTS, chosen, titles, colors, extra=extra, dashed=[key]))


def mix_control(view: View) -> html.Div:
    """The dropdown of the verified mixes of the search (disabled without any)."""
    mixes = verified_mixes(view.results)
    options = [{"label": mix_label(n, runs, view.lang), "value": n} for n, runs in mixes.items()]
    picker = components.dropdown(
        view.lang,
        id=control_id(MIX),
        options=options,
        value=view.choice(MIX, None, allowed=list(mixes)),
        disabled=not mixes,
        className="picker",
    )
    return components.control(t("trajectories.mix", view.lang), picker)


def layout(view: View, rendered: Rendered) -> html.Div:
    default = default_scenarios(view.results)
    picker = scenario_control(view, SCENARIOS, default, "chart.scenarios", multi=True)
    runs = int(view.results.summary.groupby("scenario").size().max())
    return components.page(
        t("trajectories.heading", view.lang),
        html.Div([picker, mix_control(view)], className="controls"),
        html.Div(chart_cards(rendered, view.lang), className="grid-2"),
        note=t("chart.note_bands", view.lang, runs=runs),
    )


PAGE = Page(
    "trajectories",
    "/trajectories",
    render,
    layout,
    controls=(SCENARIOS, MIX),
    chart_ids=tuple(CHARTS),
    choices=lambda results: {
        SCENARIOS: Many(results.scenario_names),
        MIX: list(verified_mixes(results)),
    },
)
