"""What-if (情景推演): pick levers and intensities, run a small ensemble live, compare it.

The run is a Dash background callback (a child process, with progress and cancel) that runs the
stored batch's first runs again with the levers changed (`live`: like for like). Its result is
copied to the app-level `whatif-result` store (session storage: it survives page and language
switches and a reload of the tab); a cancel clears it. The result lists the settings that produced
it and its paired changes (`whatif_view`). A name and a button save the what-if as a scenario file
in the folder of `run.py dashboard --saved-scenarios` (`model.experiments.save_scenario`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import pandas as pd
from dash import ALL, Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from pydantic import StrictStr, TypeAdapter

from dashboard import background, components, figures, live, safety, whatif_view
from dashboard.catalogue import (
    CatalogueUnavailable,
    CatalogueView,
    articles_text,
    knob_text,
    load_view,
)
from dashboard.contract import BASELINE
from dashboard.data import ResultsSource
from dashboard.i18n import DEFAULT_LANG, LANGS, pick, t
from dashboard.pages import overview, trajectories
from dashboard.pages.base import (
    CONTROL,
    Many,
    Page,
    Rendered,
    Span,
    View,
    chart_cards,
    control_id,
    current_results,
    scenario_control,
    view_of,
)
from dashboard.tables import overview_rows
from model.experiments import (
    DEFAULT_SAVED_SCENARIOS,
    SCENARIO_DIR,
    InputError,
    compare,
    save_scenario,
    scenario_file,
)

BASE = "whatif-base"
LEVERS = "whatif-levers"
RUNS = "whatif-runs"
COMPARE = "whatif-compare"
INTENSITY = "intensity:"  # control name prefix of a lever's intensity slider
CHARTS = {"whatif-registered": "n_registered", "whatif-operating": "n_operating"}
TABLE = "whatif-table"
STATUS = "whatif-status"
RUN_OUTPUT = "whatif-run-output"
SETTINGS = "whatif-settings"  # the settings that produced the result shown
CHANGES = "whatif-changes-block"
TEXTS = "whatif-texts"  # texts the browser shows at once (a run starting, cancelled)
SAVE_NAME, SAVE, SAVED = "whatif-save-name", "whatif-save", "whatif-saved"
SAVED_FOLDER = "SAVED_SCENARIOS"  # the server's config key of the folder of saved what-ifs


class ControlId(TypedDict):
    type: StrictStr
    name: StrictStr


CONTROL_IDS = TypeAdapter(list[ControlId])
CONTROL_VALUES = TypeAdapter(list[safety.Scalar | list[safety.Scalar]])
LEVER_IDS = TypeAdapter(list[StrictStr] | None)


def bases(view: View) -> list:
    """Stored scenarios a what-if can start from: those with a file in scenarios/."""
    return [s for s in view.results.scenarios if scenario_file(s.name) is not None]


def default_base(view: View) -> str | None:
    names = [s.name for s in bases(view)]
    return BASELINE if BASELINE in names else (names[0] if names else None)


def default_compare(view: View) -> list[str]:
    names = view.results.scenario_names
    return [n for n in (BASELINE, "as_enacted") if n in names] or names[:1]


def base_intensity(view: View, lever: str) -> float:
    """The lever's intensity in the chosen base scenario (1, the document's, if not in it)."""
    base = view.choice(BASE, default_base(view))
    levers = next((s.levers for s in view.results.scenarios if s.name == base), {})
    return float((levers.get(lever) or {}).get("intensity", 1.0))


def slider(lever, view: View) -> html.Div:
    """An intensity slider for one lever, the document's value (1) marked."""
    name = INTENSITY + lever.id
    knobs = knob_text(lever, view.lang)
    document = t("whatif.document", view.lang) + (f" ({knobs})" if knobs else "")
    low, high = live.INTENSITY_RANGE
    return html.Div(
        className="slider-row",
        children=[
            html.Label(
                f"{pick(lever.title_zh, lever.title_en, view.lang)} · "
                f"{t('whatif.intensity', view.lang)}"
            ),
            dcc.Slider(
                id=control_id(name),
                min=low,
                max=high,
                step=0.05,
                value=view.choice(name, base_intensity(view, lever.id)),
                marks={low: "0", 1: document, high: f"{high:g}"},
                tooltip={"placement": "bottom", "always_visible": False},
            ),
        ],
    )


def lever_ids(catalogue: CatalogueView) -> list[str]:
    return [lever.id for lever in catalogue.levers]


def sliders(view: View, catalogue: CatalogueView) -> list[html.Div]:
    chosen = view.choice(LEVERS, [], allowed=Many(lever_ids(catalogue)))
    return [slider(catalogue.lever(lever_id), view) for lever_id in chosen]


def status(view: View) -> str:
    result = view.whatif
    if not result:
        return t("whatif.idle", view.lang)
    if "cancelled" in result:
        return t("whatif.cancelled", view.lang)
    if "error" in result:
        return t("whatif.failed", view.lang, detail=result["error"])
    request = result["request"]
    return t("whatif.done", view.lang, runs=request["runs"], scale=f"{request['scale']:g}")


def result_blocks(view: View, whatif: dict | None) -> tuple[str, list]:
    """The settings that produced the result and its paired-change table (empty without one)."""
    if not whatif:
        return "", []
    try:
        levers = whatif_view.lever_titles(load_view(), view.lang)
    except CatalogueUnavailable:
        levers = {}
    titles = components.titles(view.results.scenarios, view.lang)
    text = whatif_view.settings_text(whatif, titles, levers, view.lang)
    table = whatif_view.changes_table(whatif, titles, view.lang)
    return text, [html.H3(t("whatif.changes", view.lang)), table]


def first_runs_overview(results, runs: int) -> pd.DataFrame:
    """The overview statistics of the batch's first `runs` runs: the runs a what-if of `runs`
    runs pairs with, so an unchanged what-if shows its base's numbers (computed once)."""

    def compute() -> pd.DataFrame:
        end = results.at_deadline()
        summary = results.summary
        return compare(summary[summary["run"] < runs], end[end["run"] < runs])

    return results.memo(("whatif_overview", runs), compute)


def overview_block(view: View, chosen: list[str], titles: dict, whatif: dict | None):
    """The overview table of the compared scenarios and the live run; with a run, the stored
    scenarios over the runs it pairs with (the batch's first runs)."""
    results, lang = view.results, view.lang
    if whatif:
        rows = first_runs_overview(results, whatif["request"]["runs"])
        rows = rows[rows["scenario"].isin(chosen)]
        rows = pd.concat(
            [rows, live.overview_of(whatif).assign(scenario=live.NAME)], ignore_index=True
        )
    else:
        rows = overview.overview_table(results)
        rows = rows[rows["scenario"].isin(chosen)]
    return overview.table_component(overview_rows(rows, titles, lang), lang, "whatif-overview")


def render(view: View) -> Rendered:
    results, lang = view.results, view.lang
    names = results.scenario_names
    chosen = view.choice(COMPARE, default_compare(view), allowed=Many(names))
    titles = {k: v for k, v in components.titles(results.scenarios, lang).items() if k in chosen}
    colors = figures.scenario_colors(names)
    whatif = view.whatif if view.whatif and "bands" in view.whatif else None
    extra = None
    if whatif:
        titles[live.NAME] = t("whatif.label", lang)
        colors[live.NAME] = figures.WHATIF_COLOR
        extra = {
            value: live.bands_of(whatif, value).assign(scenario=live.NAME)
            for value in CHARTS.values()
        }
    charts = trajectories.fan_charts(
        view, CHARTS, chosen, titles, colors, extra=extra, dashed=[live.NAME]
    )
    table = overview_block(view, chosen, titles, whatif)
    settings, changes = result_blocks(view, whatif)
    blocks = {TABLE: table, STATUS: status(view), SETTINGS: settings, CHANGES: changes}
    return Rendered(charts, blocks)


def _lever_options(catalogue: CatalogueView, lang: str) -> list[dict]:
    families = components.titles(catalogue.families, lang, key="id")

    def label(lever) -> str:
        title = pick(lever.title_zh, lever.title_en, lang)
        family = families.get(lever.family, lever.family)
        return f"{family} · {title} ({articles_text(lever, lang)})"

    return [{"label": label(lv), "value": lv.id} for lv in catalogue.levers]


def _dropdown_control(view: View, label_key: str, name: str, value, options, **props):
    """A labelled dropdown for control `name`."""
    dropdown = components.dropdown(
        view.lang, id=control_id(name), options=options, value=value, **props
    )
    return components.control(t(label_key, view.lang), dropdown)


def controls(view: View, base_options: list[dict], catalogue: CatalogueView | None) -> list:
    """The base scenario, the number of runs and the levers."""
    base_values = [o["value"] for o in base_options]
    base = view.choice(BASE, default_base(view), allowed=base_values)
    manifest = view.results.manifest
    return [
        _dropdown_control(
            view, "whatif.base", BASE, base, base_options, clearable=False, className="picker"
        ),
        _dropdown_control(
            view,
            "whatif.runs",
            RUNS,
            view.choice(RUNS, live.default_runs(manifest), allowed=run_choices(manifest)),
            run_choices(manifest),
            clearable=False,
            className="picker picker-narrow",
        ),
        _dropdown_control(
            view,
            "whatif.levers",
            LEVERS,
            view.choice(LEVERS, [], allowed=Many(lever_ids(catalogue) if catalogue else [])),
            _lever_options(catalogue, view.lang) if catalogue else [],
            multi=True,
            className="picker picker-wide",
        ),
    ]


def link_choices() -> dict:
    """The levers and intensities a share link may set (`share`): lever ids, and each lever's
    intensity as a `Span`; none if the catalogue cannot be read."""
    try:
        ids = lever_ids(load_view())
    except CatalogueUnavailable:
        return {}
    intensity = Span(*live.INTENSITY_RANGE)
    return {LEVERS: Many(ids)} | {INTENSITY + lever: intensity for lever in ids}


def run_choices(manifest: dict) -> list[int]:
    """The numbers of live runs offered: 1 to `live.max_runs`."""
    return list(range(1, live.max_runs(manifest) + 1))


def texts(lang: str) -> dict[str, str]:
    """The texts the browser writes itself (`register_feedback`)."""
    return {"progress": t("whatif.progress", lang), "running": t("whatif.running", lang)}


def saver(lang: str, disabled: bool) -> html.Div:
    """The name field and the button that save the what-if as a scenario file, and the answer."""
    return html.Div(
        className="runner",
        children=[
            components.control(
                t("whatif.save_name", lang),
                dcc.Input(id=SAVE_NAME, type="text", maxLength=60, debounce=False),
            ),
            html.Button(t("whatif.save", lang), id=SAVE, n_clicks=0, disabled=disabled),
            html.Span(id=SAVED, className="status"),
        ],
    )


def runner(lang: str, disabled: bool) -> html.Div:
    """Run and cancel buttons, the progress bar and the page's store of the run's result."""
    return html.Div(
        className="runner",
        children=[
            html.Button(
                t("whatif.run", lang),
                id="whatif-run",
                n_clicks=0,
                className="button-primary",
                disabled=disabled,
            ),
            html.Button(t("whatif.cancel", lang), id="whatif-cancel", disabled=True, n_clicks=0),
            html.Div(
                id="whatif-progress-box",
                style={"visibility": "hidden"},
                children=[
                    html.Progress(id="whatif-progress", value="0", max="1"),
                    html.Span(id="whatif-progress-text"),
                ],
            ),
            dcc.Store(id=RUN_OUTPUT),
            dcc.Store(id=TEXTS, data=texts(lang)),
        ],
    )


def layout(view: View, rendered: Rendered) -> html.Div:
    lang = view.lang
    reason = live.unavailable_reason()
    try:
        catalogue = load_view()
    except CatalogueUnavailable as error:
        catalogue, reason = None, reason or str(error)
    base_options = components.scenario_options(bases(view), lang)
    compare = scenario_control(view, COMPARE, default_compare(view), "whatif.compare", multi=True)
    return components.page(
        t("whatif.heading", lang),
        components.message(t("whatif.unavailable", lang, detail=reason), kind="error")
        if reason
        else None,
        html.Div(controls(view, base_options, catalogue), className="controls"),
        html.Div(
            sliders(view, catalogue) if catalogue else [], id="whatif-sliders", className="sliders"
        ),
        runner(lang, reason is not None or not base_options),
        html.P(rendered.blocks[STATUS], id=STATUS, className="status"),
        html.P(rendered.blocks[SETTINGS], id=SETTINGS, className="settings"),
        html.Div(rendered.blocks[CHANGES], id=CHANGES, className="table-wrap"),
        html.Div(compare, className="controls"),
        html.Div(rendered.blocks[TABLE], id=TABLE, className="table-wrap"),
        html.Div(chart_cards(rendered, lang), className="grid-2"),
        saver(lang, reason is not None or not base_options),
        note=t(
            "whatif.note",
            lang,
            budget=f"{live.BUDGET_S:g}",
            default=live.default_runs(view.results.manifest),
            most=live.max_runs(view.results.manifest),
        ),
    )


def _values(values: list, ids: list[dict]) -> dict:
    """Control name → value, from the values and ids of every control (BadInput if ill-formed)."""
    ids = safety.checked(CONTROL_IDS, ids, "ids")
    values = safety.checked(CONTROL_VALUES, values, "values")
    if len(ids) != len(values):
        raise safety.BadInput(f"{len(values)} values for {len(ids)} controls")
    return {i["name"]: v for i, v in zip(ids, values, strict=True)}


def _lang(value) -> str:
    """The language the browser sent, the default if it is none of ours."""
    return value if value in LANGS else DEFAULT_LANG


def queued_progress(args, position: int) -> list:
    """The progress of a run waiting in line: its place (`args`: `run_whatif`'s, the language
    last)."""
    text = t("whatif.queued", _lang(args[-1]), position=position, slots=background.SLOTS)
    return ["0", "1", text]


def refused_result(args) -> dict:
    """The result of a run refused because the line is full."""
    return {"error": t("whatif.busy", _lang(args[-1]))}


def request_of(results, chosen: dict) -> live.Request:
    """The checked what-if request that `chosen` (control name → value) describes."""
    if scenario_file(chosen.get(BASE)) is None:
        raise ValueError(f"no scenario file for {chosen.get(BASE)!r}")
    levers = chosen.get(LEVERS) or []
    return live.make_request(
        chosen.get(BASE),
        {lv: chosen.get(INTENSITY + lv, 1.0) for lv in levers},
        chosen.get(RUNS),
        results.manifest,
        lever_ids(load_view()),
    )


def stored_runs(results):
    """The batch's runs at the deadline with their ratio (`live.with_ratio`), read once."""
    return results.memo(
        ("whatif_stored",), lambda: live.with_ratio(results.at_deadline(), results.summary)
    )


def run_request(source: ResultsSource, chosen: dict, lang: str, set_progress) -> dict:
    """Run the what-if that `chosen` (control name → value) describes.

    Returns the run's payload, or `{"error": ...}` when it cannot run.
    """
    try:
        results = source.get()
        request = request_of(results, chosen)

        def progress(done: int, total: int) -> None:
            text = t("whatif.progress", lang, done=done, total=total)
            set_progress((str(done), str(total), text))

        progress(0, request.runs)
        return live.run(request, results.manifest, stored_runs(results), progress)
    except Exception as error:  # noqa: BLE001 - a failed run is reported in the page
        return {"error": f"{type(error).__name__}: {error}"}


def save_request(source: ResultsSource, chosen: dict, name, folder: Path, lang: str) -> str:
    """Save the what-if that `chosen` describes as the scenario file `folder/NAME.yaml`; the
    answer shown (the path, or why not: a bad or taken name, a file that exists)."""
    try:
        results = source.get()
        request = request_of(results, chosen)
        scenario = live.build_scenario(request)
        taken = {path.stem for path in SCENARIO_DIR.glob("*.yaml")}
        titles = (f"推演方案：{name}", f"What-if: {name}")
        path = save_scenario(scenario, folder, name, titles, taken=taken)
    except (InputError, ValueError) as error:
        return t("whatif.save_refused", lang, detail=str(error))
    return t("whatif.saved", lang, path=str(path))


def register_sliders(app: Dash, source: ResultsSource) -> None:
    """A slider per chosen lever, set to its intensity in the base scenario."""

    @app.callback(
        Output("whatif-sliders", "children"),
        Input(control_id(LEVERS), "value"),
        State(control_id(BASE), "value"),
        State("lang", "data"),
        State("selections", "data"),
        prevent_initial_call=True,
    )
    @safety.guarded
    def update_sliders(levers, base, lang, selections):
        view = view_of(current_results(source), lang, selections, None)
        view.selections[LEVERS] = safety.checked(LEVER_IDS, levers, LEVERS)
        view.selections[BASE] = safety.checked(safety.TEXT, base, BASE)
        return sliders(view, load_view())


def register_result_copy(app: Dash) -> None:
    """Copy the run's result from the page's own store to the app-level `whatif-result`.

    A callback whose inputs come with a new page but whose output lies outside it would fire on
    every visit (Dash's rule for inserted layout), so the run writes inside the page first.
    """
    app.clientside_callback(
        """(result) => {
            if (!result) { throw window.dash_clientside.PreventUpdate; }
            return result;
        }""",
        Output("whatif-result", "data"),
        Input(RUN_OUTPUT, "data"),
        prevent_initial_call=True,
    )


def register_run(app: Dash, source: ResultsSource) -> None:
    """The live run: a background callback with progress and cancel, queued behind the runs
    already going (`background.JobQueue`)."""

    @app.callback(
        Output(RUN_OUTPUT, "data"),
        Input("whatif-run", "n_clicks"),
        State({"type": CONTROL, "name": ALL}, "value"),
        State({"type": CONTROL, "name": ALL}, "id"),
        State("lang", "data"),
        background=True,
        progress=[
            Output("whatif-progress", "value"),
            Output("whatif-progress", "max"),
            Output("whatif-progress-text", "children"),
        ],
        running=[
            (Output("whatif-run", "disabled"), True, False),
            (Output("whatif-cancel", "disabled"), False, True),
            (
                Output("whatif-progress-box", "style"),
                {"visibility": "visible"},
                {"visibility": "hidden"},
            ),
        ],
        cancel=[Input("whatif-cancel", "n_clicks")],
        manager=background.JobQueue(queued_progress, refused_result),
        prevent_initial_call=True,
    )
    @safety.guarded
    def run_whatif(set_progress, n_clicks, values, ids, lang):
        if not n_clicks:
            raise PreventUpdate
        return run_request(source, _values(values, ids), _lang(lang), set_progress)


def register_feedback(app: Dash) -> None:
    """What the page says at once: a new run starts at 0 of its runs (not the last run's count)
    and says it is running; a cancel clears the result and says so (the status follows the
    `whatif-result` store)."""
    app.clientside_callback(
        """(clicks, runs, texts) => {
            if (!clicks || !texts) { throw window.dash_clientside.PreventUpdate; }
            const total = String(runs || 1);
            const text = texts.progress.replace("{done}", "0").replace("{total}", total);
            return ["0", total, text, texts.running];
        }""",
        Output("whatif-progress", "value", allow_duplicate=True),
        Output("whatif-progress", "max", allow_duplicate=True),
        Output("whatif-progress-text", "children", allow_duplicate=True),
        Output(STATUS, "children", allow_duplicate=True),
        Input("whatif-run", "n_clicks"),
        State(control_id(RUNS), "value"),
        State(TEXTS, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        """(clicks) => {
            if (!clicks) { throw window.dash_clientside.PreventUpdate; }
            return {cancelled: true};
        }""",
        Output("whatif-result", "data", allow_duplicate=True),
        Input("whatif-cancel", "n_clicks"),
        prevent_initial_call=True,
    )


def register_save(app: Dash, source: ResultsSource) -> None:
    """The save button writes the what-if as a scenario file (`save_request`)."""

    @app.callback(
        Output(SAVED, "children"),
        Input(SAVE, "n_clicks"),
        State(SAVE_NAME, "value"),
        State({"type": CONTROL, "name": ALL}, "value"),
        State({"type": CONTROL, "name": ALL}, "id"),
        State("lang", "data"),
        prevent_initial_call=True,
    )
    @safety.guarded
    def save_whatif(n_clicks, name, values, ids, lang):
        if not n_clicks:
            raise PreventUpdate
        name = safety.checked(safety.TEXT, name, SAVE_NAME) or ""
        folder = Path(app.server.config.get(SAVED_FOLDER, DEFAULT_SAVED_SCENARIOS))
        return save_request(source, _values(values, ids), name.strip(), folder, _lang(lang))


def register(app: Dash, source: ResultsSource) -> None:
    live.unavailable_reason()  # imports the model now, so each forked run starts with it loaded
    register_sliders(app, source)
    register_result_copy(app)
    register_run(app, source)
    register_feedback(app)
    register_save(app, source)


PAGE = Page(
    "whatif",
    "/whatif",
    render,
    layout,
    controls=(COMPARE,),
    chart_ids=tuple(CHARTS),
    blocks=(TABLE, STATUS, SETTINGS, CHANGES),
    register=register,
    whatif_input=True,  # its charts follow the live run
    choices=lambda results: {
        COMPARE: Many(results.scenario_names),
        BASE: [s.name for s in bases(View(results, DEFAULT_LANG))],
        RUNS: run_choices(results.manifest),
    },
)
