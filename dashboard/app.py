"""The Dash app of the leading group (领导小组): shell, navigation, language, routing, downloads.

`create_app(results, optimisation)` builds the app for one results folder (and the search of
`run.py optimise` beside them); `serve(results, host, port, optimisation)` runs it
(`run.py dashboard`), with the limits of `safety` on what it accepts. Everything is served
locally: no CDN, no web fonts.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

from dash import ALL, MATCH, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import background, components, exports, report, safety, share
from dashboard.contract import FORMAT_VERSION
from dashboard.data import Results, ResultsError, ResultsSource
from dashboard.i18n import DEFAULT_LANG, LANGS, t
from dashboard.pages import PAGES, whatif
from dashboard.pages.base import (
    CONTROL,
    current_results,
    register_updates,
    render_page,
    view_of,
)
from model.experiments import DEFAULT_OPTIMISE_OUT, DEFAULT_SAVED_SCENARIOS

ASSETS = Path(__file__).resolve().parent / "assets"
PAGE_BY_PATH = {page.path: page for page in PAGES}


def shell() -> html.Div:
    """The fixed frame: stores, header with the language switch, navigation, page, footer."""
    return html.Div(
        className="app",
        children=[
            dcc.Location(id="url", refresh=False),
            dcc.Store(id="lang", storage_type="session", data=DEFAULT_LANG),
            dcc.Store(id="selections", storage_type="session", data={}),
            # session: a what-if result survives a reload of the tab, not into other tabs
            dcc.Store(id="whatif-result", storage_type="session"),
            html.Header(
                className="header",
                children=[
                    html.Div(id="header-titles", className="titles"),
                    report.export_button(),
                    html.Div(
                        className="lang-switch",
                        children=[
                            html.Button(t(f"lang.{lang}", lang), id=f"lang-{lang}", n_clicks=0)
                            for lang in LANGS
                        ],
                    ),
                ],
            ),
            html.Nav(id="nav", className="nav"),
            share.block(),
            html.Main(id="page", className="main"),
            html.Footer(id="footer", className="footer"),
        ],
    )


def header(lang: str) -> list:
    return [
        html.H1(t("app.title", lang), id="app-title"),
        html.P(t("app.subtitle", lang), className="subtitle"),
    ]


def nav(lang: str, path: str) -> list:
    return [
        dcc.Link(
            t(page.nav, lang),
            href=page.path,
            id=f"nav-{page.name}",
            className="nav-link active" if path == page.path else "nav-link",
        )
        for page in PAGES
    ]


def footer(results: Results, lang: str) -> str:
    manifest = results.manifest
    return t(
        "footer.results",
        lang,
        folder=results.folder,
        created=manifest.get("created", "–"),
        runs=manifest.get("runs", "–"),
        scale=f"{manifest.get('scale', 0):g}",
        version=manifest.get("program_version", "–"),
    )


def error_page(error: ResultsError, lang: str) -> html.Div:
    """The readable message for a results folder that cannot be shown."""
    text = t(
        f"error.{error.kind}",
        lang,
        folder=error.folder,
        detail=error.detail,
        expected=FORMAT_VERSION,
    )
    return html.Div(
        className="page",
        id="results-error",
        children=[
            components.message(t("error.title", lang), text, t("error.hint", lang), kind="error"),
            components.technical_detail(error.detail, text, lang),
        ],
    )


def register_routing(app: Dash, source: ResultsSource) -> None:
    """The page for the address, with header, navigation and footer in the language."""

    @app.callback(
        Output("header-titles", "children"),
        Output("nav", "children"),
        Output("page", "children"),
        Output("footer", "children"),
        *[Output(f"lang-{lang}", "className") for lang in LANGS],
        Input("url", "pathname"),
        Input("lang", "data"),
        State("selections", "data"),
        State("whatif-result", "data"),
    )
    @safety.guarded
    def route(path, lang, selections, whatif):
        path = safety.checked(safety.TEXT, path, "pathname")
        try:
            results = source.get()
        except ResultsError as error:
            lang = safety.checked(safety.LANG, lang, "lang") or DEFAULT_LANG
            classes = ["active" if option == lang else "" for option in LANGS]
            return header(lang), nav(lang, path), error_page(error, lang), "", *classes
        view = view_of(results, lang, selections, whatif)
        lang = view.lang
        classes = ["active" if option == lang else "" for option in LANGS]
        page = PAGE_BY_PATH.get(path or "/")
        if page is None:
            content = components.message(t("page.not_found", lang, path=path), kind="error")
        else:
            content = page.layout(view, render_page(page, view))
        return header(lang), nav(lang, path), content, footer(results, lang), *classes


def register_language(app: Dash) -> None:
    """The language buttons set the `lang` store."""

    @app.callback(
        Output("lang", "data"),
        *[Input(f"lang-{lang}", "n_clicks") for lang in LANGS],
        prevent_initial_call=True,
    )
    def switch_language(*_clicks):
        return str(ctx.triggered_id).removeprefix("lang-")


def register_selections(app: Dash) -> None:
    """Control values are remembered in the browser, without a round trip to the server."""
    app.clientside_callback(
        """(values, ids, selections) => {
            const merged = Object.assign({}, selections || {});
            ids.forEach((id, i) => { merged[id.name] = values[i]; });
            return merged;
        }""",
        Output("selections", "data"),
        Input({"type": CONTROL, "name": ALL}, "value"),
        State({"type": CONTROL, "name": ALL}, "id"),
        State("selections", "data"),
        prevent_initial_call=True,
    )


def register_downloads(app: Dash, source: ResultsSource) -> None:
    """The CSV and Excel buttons of a chart (or of a table, `Page.tables`) download its data table
    (`dashboard.exports`); the PNG button its image with source, date and runs under it
    (assets/export.js)."""

    @app.callback(
        Output({"type": components.CSV_DOWNLOAD, "chart": MATCH}, "data"),
        Input({"type": components.CSV_BUTTON, "chart": MATCH}, "n_clicks"),
        Input({"type": components.XLSX_BUTTON, "chart": MATCH}, "n_clicks"),
        State("url", "pathname"),
        State("lang", "data"),
        State("selections", "data"),
        State("whatif-result", "data"),
        prevent_initial_call=True,
    )
    @safety.guarded
    def download_data(csv_clicks, xlsx_clicks, path, lang, selections, whatif):
        """The data table of the clicked chart or table, as its page shows it now, Excel-ready."""
        page = PAGE_BY_PATH.get(safety.checked(safety.TEXT, path, "pathname") or "/")
        trigger = ctx.triggered_id
        chart_id = trigger.get("chart") if isinstance(trigger, dict) else None
        if not (csv_clicks or xlsx_clicks) or page is None or chart_id not in page.downloads:
            raise PreventUpdate
        results = current_results(source)
        view = view_of(results, lang, selections, whatif)
        rendered = render_page(page, view)
        table = rendered.download_table(chart_id)
        if table is None:
            raise PreventUpdate  # the table is not shown (no attribution at lever level)
        fmt = "xlsx" if trigger.get("type") == components.XLSX_BUTTON else "csv"
        runs = rendered.runs.get(chart_id)
        return exports.download(table, chart_id, results, view.lang, fmt, runs)

    app.clientside_callback(
        ClientsideFunction(namespace="exports", function_name="downloadPng"),
        Output({"type": components.PNG_BUTTON, "chart": MATCH}, "title"),
        Input({"type": components.PNG_BUTTON, "chart": MATCH}, "n_clicks"),
        State({"type": components.PNG_BUTTON, "chart": MATCH}, "id"),
        prevent_initial_call=True,
    )


def register_shell(app: Dash, source: ResultsSource) -> None:
    """Routing, the language switch, remembered control values, CSV downloads and the sorting of
    sortable tables."""
    register_routing(app, source)
    register_language(app)
    register_selections(app)
    register_downloads(app, source)
    components.register_sorting(app)
    report.register(app, source)
    share.register(app, source)


def warm_up(source: ResultsSource) -> None:
    """Build every page's default figures in both languages, so first visits are fast too."""
    try:
        results = source.get()
    except ResultsError:
        return
    for lang in LANGS:
        for page in PAGES:
            render_page(page, view_of(results, lang, {}, None))


def create_app(
    results: Path,
    optimisation: Path = DEFAULT_OPTIMISE_OUT,
    saved_scenarios: Path = DEFAULT_SAVED_SCENARIOS,
) -> Dash:
    """The dashboard for one results folder and the `run.py optimise` folder shown beside it
    (read lazily, reloaded when they change); the what-if page saves named what-ifs as scenario
    files in `saved_scenarios`."""
    source = ResultsSource(Path(results), optimisation)
    app = Dash(
        __name__,
        title=t("app.title", DEFAULT_LANG),
        assets_folder=str(ASSETS),
        serve_locally=True,
        suppress_callback_exceptions=True,
        update_title=None,
    )
    app.server.config[whatif.SAVED_FOLDER] = Path(saved_scenarios)
    app.layout = shell()
    register_shell(app, source)
    for page in PAGES:
        if page.controls:
            register_updates(app, source, page)
        if page.register is not None:
            page.register(app, source)
    threading.Thread(target=warm_up, args=(source,), daemon=True, name="warm-up").start()
    return app


def serve(
    results: Path,
    host: str = "127.0.0.1",
    port: int = 8050,
    optimisation: Path = DEFAULT_OPTIMISE_OUT,
    saved_scenarios: Path = DEFAULT_SAVED_SCENARIOS,
) -> None:
    """Run the dashboard (`run.py dashboard`); loopback only unless `host` says otherwise (with a
    warning: no login). SIGTERM stops it as Ctrl-C does: what-if jobs stopped, cache removed."""
    app = create_app(results, optimisation, saved_scenarios)
    safety.protect(app, host, port)
    safety.warn_if_exposed(host)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    print(f"Dashboard: http://{host}:{port}/  (results: {results})", flush=True)
    try:
        app.run(host=host, port=port, debug=False)
    finally:
        background.stop_all()
