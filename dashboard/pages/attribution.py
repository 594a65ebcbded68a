"""Attribution and sensitivity (贡献与敏感性): what each family and lever adds to a scenario over no
policy (Shapley values, `run.py attribute`) and what it costs per additional entity; which
uncertain inputs decide the result (Morris, Sobol: `run.py sensitivity`).

The attributions are the folders `attribution-*` beside and in the results folder
(`data.find_attributions`), the sensitivity analyses those in its `sensitivity/` folder. Without
them the page says which command makes them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dash import dcc, html

from dashboard import components, figures, stats
from dashboard.catalogue import CatalogueUnavailable, CatalogueView, load_view
from dashboard.data import Results, ResultsError, shown_first
from dashboard.formats import format_fixed
from dashboard.i18n import join, label, pick, t
from dashboard.pages.base import (
    Page,
    Rendered,
    View,
    chart_cards,
    control_id,
    runs_of,
)
from dashboard.tables import LEVER_COLUMNS, lever_headers, lever_rows
from model.experiments import (
    ENDS,
    SENSITIVITY_OUTPUTS,
    Attribution,
    Lever,
    Sensitivity,
    lead_departments,
)

SCENARIO, OUTCOME, OUTPUT = "ac-scenario", "ac-outcome", "ac-output"
WATERFALL, MORRIS, SOBOL = "ac-waterfall", "ac-morris", "ac-sobol"
SOURCE, LEVERS, SENSITIVITY = "ac-source", "ac-levers", "ac-sensitivity"
OUTCOMES = ("operating", "registered")  # the gains the waterfall and the table show
COUNT_OUTPUTS = ("end_operating", "additional_registered", "additional_operating")
SHOWN_INPUTS = 15  # inputs in the tornado (all of them in its CSV)
LEVER_TITLE_CHARACTERS = 30  # a lever's title in an input's name on a chart, cut beyond
TEXT_COLUMNS = ("lever", "family", "department")  # of the levers' table, aligned left
DECIMALS = {"rank": 0, "gain": 0, "cost": 1, "per_entity": 0}  # its numbers' decimals


def scenarios(results: Results) -> list[str]:
    """Scenarios with an attribution, then those with only a sensitivity analysis (each in the
    batches' order, `as_enacted` first); the page opens on the first."""
    attributed = shown_first(results.attributions().scenarios)
    return attributed + [s for s in shown_first(results.sensitivities()) if s not in attributed]


def choices(results: Results) -> dict:
    return {SCENARIO: scenarios(results), OUTCOME: OUTCOMES, OUTPUT: SENSITIVITY_OUTPUTS}


def attribute_command(view: View, scenario: str, level: str) -> str:
    """The command that writes the attribution where the dashboard finds it."""
    out = view.results.folder.parent / f"attribution-{scenario}-{level}"
    return f"uv run python run.py attribute scenarios/{scenario}.yaml --level {level} --out {out}"


def sensitivity_command(view: View, scenario: str) -> str:
    return f"uv run python run.py sensitivity {scenario} --out {view.results.folder}"


def _catalogue() -> CatalogueView | None:
    try:
        return load_view()
    except CatalogueUnavailable:
        return None  # levers and families then show by their ids


def player_labels(attribution: Attribution, lang: str) -> dict[str, str]:
    """The waterfall's bars: no policy, each family (or lever) by its title, the scenario."""
    catalogue = _catalogue()
    titles = {}
    if catalogue is not None:
        titles = components.titles(catalogue.families, lang, key="id")
        titles |= components.titles(catalogue.levers, lang, key="id")
    names = (t("attribution.no_policy", lang), scenario_title(attribution, lang))
    ends = dict(zip(ENDS, names, strict=True))
    return ends | {p: titles.get(p, p) for p in attribution.manifest["attribution"]["players"]}


def scenario_title(attribution: Attribution, lang: str) -> str:
    entry = attribution.manifest["scenarios"][attribution.scenario]
    return pick(entry.get("title_zh") or attribution.scenario, entry.get("title_en") or "", lang)


def lever_facts(lang: str) -> dict[str, dict[str, str]]:
    """Lever → its title, family, articles and lead department (牵头单位) in the language."""
    catalogue = _catalogue()
    if catalogue is None:
        return {}
    families = components.titles(catalogue.families, lang, key="id")
    lead = lead_departments()
    return {
        lv.id: {
            "lever": pick(lv.title_zh, lv.title_en, lang),
            "family": families.get(lv.family, lv.family),
            "articles": join(map(str, lv.articles), lang),
            "department": catalogue.department_name(lead.get(lv.id, ""), lang),
        }
        for lv in catalogue.levers
    }


# --- attribution ------------------------------------------------------------------------------


def waterfall(view: View, attribution: Attribution | None, scenario: str, outcome: str):
    """The waterfall from no policy to the scenario by family (else by lever), or why none."""
    lang = view.lang
    title = t("attribution.waterfall", lang, entities=t(f"attribution.entities.{outcome}", lang))
    if attribution is None:
        text = t("attribution.none_short", lang, scenario=scenario)
        return figures.message_figure(text, title), pd.DataFrame()
    steps = stats.waterfall_steps(attribution.ends, attribution.summary, outcome)
    subtitle = t(
        f"attribution.by_{attribution.level}", lang, scenario=scenario_title(attribution, lang)
    )
    labels = player_labels(attribution, lang)
    figure = figures.waterfall_chart(steps, labels, lang, figures.with_subtitle(title, subtitle))
    download = steps.drop(columns="measure")  # plotly's kind of bar: the rows say it
    return figure, download.assign(player=steps["player"].map(labels))


def source_block(view: View, attribution: Attribution | None, scenario: str) -> list:
    """Where the attribution comes from, or the command that makes it."""
    lang = view.lang
    unreadable = [
        html.P(t("attribution.unreadable", lang, detail=d), className="note")
        for d in view.results.attributions().unreadable
    ]
    if attribution is None:
        command = attribute_command(view, scenario, "family")
        title = t("attribution.none", lang, scenario=scenario)
        return [components.message(title, t("attribution.run", lang, command=command)), *unreadable]
    manifest = attribution.manifest
    line = t(
        "attribution.source",
        lang,
        folder=attribution.folder,
        runs=manifest["runs"],
        scale=f"{manifest['scale']:g}",
        level=t(f"attribution.level.{attribution.level}", lang),
    )
    return [
        html.P(line, className="note"),
        html.P(t("attribution.note", lang), className="note"),
        *unreadable,
    ]


def lever_table(view: View, attribution: Attribution | None, scenario: str, outcome: str) -> list:
    """The levers' sortable table (lever-level attribution), or the command that makes it."""
    lang = view.lang
    heading = html.H3(t("attribution.levers", lang))
    if attribution is None:
        command = attribute_command(view, scenario, "lever")
        text = t("attribution.run", lang, command=command)
        return [
            heading,
            components.message(t("attribution.no_levers", lang, scenario=scenario), text),
        ]
    rows = levers_of(attribution, outcome, lang)
    table = components.table(
        f"{LEVERS}-table",
        LEVER_COLUMNS,
        rows,
        lever_headers(outcome, lang),
        lambda row, column: lever_cell(row, column, lang),
        left=TEXT_COLUMNS,
        row_class=lambda row: "muted" if row["gain"] is None else None,
        sorted_by="rank",
    )
    note = html.P(t("attribution.levers_note", lang), className="note")
    wrapped = html.Div(table, className="table-wrap")
    return [heading, note, wrapped, components.download_tools(LEVERS, lang, image=False)]


def lever_cell(row: Mapping, column: str, lang: str) -> str:
    """A cell of the levers' table: numbers grouped by thousands (the cost with a decimal); no
    rank '–', a gain not distinct from zero '≈0' and its yuan per entity not available."""
    if column not in DECIMALS:
        return row[column]
    missing = {"gain": "≈0", "per_entity": t("attribution.not_available", lang)}
    return format_fixed(row[column], DECIMALS[column], missing.get(column, "–"))


def levers_of(attribution: Attribution, outcome: str, lang: str) -> list[dict]:
    """The rows of the levers' table (`tables.lever_rows`) by rank, the unranked last."""
    costs, summary = attribution.cost_effectiveness, attribution.summary
    rows = lever_rows(costs, summary, lever_facts(lang), outcome, lang)
    return components.sort_rows(rows, "rank")


def levers_download(attribution: Attribution, outcome: str, lang: str) -> pd.DataFrame:
    """The levers' table as its download gives it (`dashboard.exports`: headers, units, footer),
    in the table's order: the Shapley gain as its mean, 90 % interval and whether that excludes
    zero (the page's ≈0 where not), the fiscal cost and the yuan per additional entity (none
    where the page says n/a)."""
    shown = pd.DataFrame(levers_of(attribution, outcome, lang)).set_index("id")
    costs = attribution.cost_effectiveness
    levers = costs[costs["by"] == "lever"].set_index("key").loc[shown.index]
    gain = f"additional_{outcome}"
    return pd.DataFrame(
        {
            "rank": shown["rank"].astype("Int64"),
            **{column: shown[column] for column in ("lever", "family", "articles", "department")},
            gain: levers[f"{gain}_mean"],
            "low": levers[f"{gain}_low"],
            "high": levers[f"{gain}_high"],
            "distinct": levers[f"{gain}_distinct"].astype(bool),
            "fiscal_cost": levers["fiscal_cost_mean"],
            f"cost_per_{gain}": shown["per_entity"].astype(float),
        }
    ).reset_index(drop=True)


# --- sensitivity ------------------------------------------------------------------------------


def effect_label(lever: Lever, effect: str, lang: str) -> str:
    """A lever's uncertain input (`effect_key`'s 'hook.index', or 'take_up') by what it acts on:
    '新登记率（倍数）', numbered where the lever has several effects on that hook."""
    if effect == "take_up":
        return t("sources.what.take_up", lang)
    hook, _, index = effect.partition(".")
    name = label(hook, lang, "sources.hook")
    same = [i for i, e in enumerate(lever.effects) if e.hook == hook]
    if len(same) > 1 and index.isdigit() and int(index) in same:
        return f"{name} {same.index(int(index)) + 1}"
    return name


def input_labels(
    inputs: pd.Series, lang: str, cut: int | None = LEVER_TITLE_CHARACTERS
) -> dict[str, str]:
    """An input's name: a world parameter's label; a lever effect as 'lever title · effect'
    (`effect_label`), the title cut to `cut` characters (the charts'; None: whole, the
    downloads')."""
    catalogue = _catalogue()
    levers = {} if catalogue is None else {lv.id: lv for lv in catalogue.levers}
    named = {}
    for name in inputs:
        lever, _, effect = name.partition(".")
        if effect and lever in levers:
            title = pick(levers[lever].title_zh, levers[lever].title_en, lang)
            if cut is not None and len(title) > cut:
                title = title[: cut - 1] + "…"
            named[name] = f"{title} · {effect_label(levers[lever], effect, lang)}"
        else:
            named[name] = label(name, lang, "parameter")
    return named


def sensitivity_download(view: View, table: pd.DataFrame) -> pd.DataFrame:
    """A Morris or Sobol table as its chart downloads it: inputs and the scenario by the names
    the page gives them (output, group and distribution: `dashboard.exports.id_names`)."""
    titles = scenario_titles(view)
    return table.assign(
        scenario=table["scenario"].map(lambda name: titles.get(name, name)),
        input=table["input"].map(input_labels(table["input"], view.lang, cut=None)),
    )


def sensitivity_charts(view: View, found: Sensitivity | None, scenario: str, output: str) -> dict:
    """The tornado of Morris mu* and the Sobol indices of one output, or why none."""
    lang = view.lang
    name = t(f"sensitivity.output.{output}", lang)
    titles = {
        chart: figures.with_subtitle(t(f"sensitivity.{chart.removeprefix('ac-')}", lang), name)
        for chart in (MORRIS, SOBOL)
    }
    if found is None:
        text = t("sensitivity.none_short", lang, scenario=scenario)
        return {
            c: (figures.message_figure(text, title), pd.DataFrame()) for c, title in titles.items()
        }
    morris = found.morris[found.morris["output"] == output]
    shown = stats.top_inputs(found.morris, output, "mu_star", SHOWN_INPUTS)
    magnitude = float(shown["mu_star"].max()) if len(shown) else 0.0
    counts = output in COUNT_OUTPUTS
    axis = figures.value_axis("count", magnitude, lang) if counts else figures.plain_axis()
    chance = float(morris["chance_mu_star"].iloc[0]) if len(morris) else None
    labels = input_labels(morris["input"], lang)
    if shown.empty:
        tornado = figures.message_figure(t("sensitivity.no_effect", lang), titles[MORRIS])
    else:
        tornado = figures.tornado_chart(
            shown, labels, lang, titles[MORRIS], axis=axis, chance=chance
        )
    ranked_morris = morris.sort_values("mu_star", ascending=False)
    charts = {MORRIS: (tornado, sensitivity_download(view, ranked_morris))}
    sobol = None if found.sobol is None else found.sobol[found.sobol["output"] == output]
    if sobol is None:
        text = t("sensitivity.no_sobol", lang, command=sensitivity_command(view, scenario))
        return charts | {SOBOL: (figures.message_figure(text, titles[SOBOL]), pd.DataFrame())}
    ranked = stats.top_inputs(found.sobol, output, "ST", len(sobol))
    if ranked.empty:
        figure = figures.message_figure(t("sensitivity.no_variance", lang), titles[SOBOL])
    else:
        figure = figures.sobol_chart(ranked, labels, lang, titles[SOBOL])
    return charts | {SOBOL: (figure, sensitivity_download(view, sobol))}


def simulations(found: Sensitivity) -> int:
    """The runs of a sensitivity analysis (Morris, Sobol and the chance runs)."""
    return sum(found.manifest["simulations"].values())


def sensitivity_block(
    view: View, found: Sensitivity | None, scenario: str, problem: str = ""
) -> list:
    """Where the analysis comes from; or the command that makes it (and why the one there cannot
    be read)."""
    lang = view.lang
    if found is None:
        command = t("attribution.run", lang, command=sensitivity_command(view, scenario))
        why = t("sensitivity.unreadable", lang, detail=problem) if problem else ""
        title = t("sensitivity.none", lang, scenario=scenario)
        return [components.message(title, why, command)]
    manifest = found.manifest
    line = t(
        "sensitivity.source",
        lang,
        runs=simulations(found),
        scale=f"{manifest['scale']:g}",
    )
    return [html.P(line, className="note"), html.P(t("sensitivity.note", lang), className="note")]


# --- the page ---------------------------------------------------------------------------------


def chosen(view: View) -> tuple[str, str, str]:
    """The scenario, the attribution's outcome and the sensitivity's output shown."""
    names = scenarios(view.results)
    default = names[0] if names else "as_enacted"  # named in the commands of the messages
    return (
        view.choice(SCENARIO, default, allowed=names),
        view.choice(OUTCOME, OUTCOMES[0], allowed=OUTCOMES),
        view.choice(OUTPUT, SENSITIVITY_OUTPUTS[0], allowed=SENSITIVITY_OUTPUTS),
    )


def render(view: View) -> Rendered:
    results = view.results
    scenario, outcome, output = chosen(view)
    found = results.attributions().found
    family = found.get((scenario, "family")) or found.get((scenario, "lever"))
    levers = found.get((scenario, "lever"))
    analysis, problem = None, ""
    if scenario in results.sensitivities():
        try:
            analysis = results.sensitivity(scenario)
        except ResultsError as error:
            problem = error.detail
    charts = {WATERFALL: waterfall(view, family, scenario, outcome)}
    charts |= sensitivity_charts(view, analysis, scenario, output)
    blocks = {
        SOURCE: source_block(view, family, scenario),
        LEVERS: lever_table(view, levers, scenario, outcome),
        SENSITIVITY: sensitivity_block(view, analysis, scenario, problem),
    }
    tables = {} if levers is None else {LEVERS: levers_download(levers, outcome, view.lang)}
    runs = {
        chart: runs_of(found.folder.name, found.manifest)
        for chart, found in ((WATERFALL, family), (LEVERS, levers))
        if found is not None
    }
    if analysis is not None:
        folder = f"{results.folder.name}/sensitivity/{scenario}"
        made = runs_of(folder, analysis.manifest, simulations(analysis))
        runs |= {MORRIS: made, SOBOL: made}
    return Rendered(charts, blocks, tables, runs)


def _picker(lang: str, name: str, value: str, options: dict[str, str]) -> dcc.Dropdown:
    """A dropdown of control `name` (value → label)."""
    return components.dropdown(
        lang,
        id=control_id(name),
        value=value,
        clearable=False,
        className="picker",
        options=components.options(options),
    )


def scenario_titles(view: View) -> dict[str, str]:
    """Scenario → title in the language: the batch's, then the attributions'."""
    titles = components.titles(view.results.scenarios, view.lang)
    found = view.results.attributions().found
    return titles | {s: scenario_title(a, view.lang) for (s, _level), a in found.items()}


def controls(view: View) -> html.Div:
    lang = view.lang
    scenario, outcome, output = chosen(view)
    titles = scenario_titles(view)
    names = {n: titles.get(n, n) for n in scenarios(view.results)}
    outcomes = dcc.RadioItems(
        id=control_id(OUTCOME),
        value=outcome,
        inline=True,
        className="radio",
        options=[{"label": t(f"attribution.outcome.{o}", lang), "value": o} for o in OUTCOMES],
    )
    outputs = {o: t(f"sensitivity.output.{o}", lang) for o in SENSITIVITY_OUTPUTS}
    return html.Div(
        [
            components.control(t("chart.scenario", lang), _picker(lang, SCENARIO, scenario, names)),
            components.control(t("attribution.outcome", lang), outcomes),
            components.control(
                t("sensitivity.output", lang), _picker(lang, OUTPUT, output, outputs)
            ),
        ],
        className="controls",
    )


def layout(view: View, rendered: Rendered) -> html.Div:
    lang = view.lang
    return components.page(
        t("attribution.heading", lang),
        controls(view),
        html.H3(t("attribution.section", lang)),
        html.Div(rendered.blocks[SOURCE], id=SOURCE),
        *chart_cards(rendered, lang, [WATERFALL]),
        html.Div(rendered.blocks[LEVERS], id=LEVERS, className="lever-table"),
        html.H3(t("sensitivity.section", lang)),
        html.Div(rendered.blocks[SENSITIVITY], id=SENSITIVITY),
        *chart_cards(rendered, lang, [MORRIS, SOBOL]),
        note=t("attribution.page_note", lang),
    )


PAGE = Page(
    "attribution",
    "/attribution",
    render,
    layout,
    controls=(SCENARIO, OUTCOME, OUTPUT),
    chart_ids=(WATERFALL, MORRIS, SOBOL),
    blocks=(SOURCE, LEVERS, SENSITIVITY),
    tables=(LEVERS,),
    choices=choices,
)
