"""What every page shares: the `Page` type, the view it renders from, controls, chart updates.

Each page module exposes one `PAGE`. Its `render(view)` returns the figures and data tables of
its charts and its other blocks; its `layout(view, rendered)` shows them at once (a page switch is
one round trip); its controls re-render them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from dash import Dash, Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard import components, live, safety
from dashboard.data import Results, ResultsError, ResultsSource
from dashboard.i18n import DEFAULT_LANG, t

CONTROL = "control"


def control_id(name: str) -> dict:
    """The id of a page control; its value is remembered in the `selections` store."""
    return {"type": CONTROL, "name": name}


@dataclass
class View:
    """What a page renders from: the results, the language, the controls' values, a live run."""

    results: Results
    lang: str
    selections: dict[str, Any] = field(default_factory=dict)
    whatif: dict | None = None

    def choice(self, name: str, default: Any, allowed: Any = None) -> Any:
        """The value of control `name`, or `default` if unset or not among `allowed`."""
        value = self.selections.get(name)
        if value is None or (allowed is not None and not _within(value, allowed)):
            return default
        return value


@dataclass(frozen=True)
class Many:
    """The allowed values of a control that holds a list of them (a multi-select)."""

    values: Collection


@dataclass(frozen=True)
class Span:
    """The allowed values of a numeric control: any finite number from `low` to `high`."""

    low: float
    high: float


def _within(value: Any, allowed: Any) -> bool:
    """A value of `allowed`, for `Many` a non-empty list of distinct ones, for `Span` a finite
    number within it."""
    if isinstance(allowed, Span):
        return isinstance(value, int | float) and allowed.low <= value <= allowed.high
    if isinstance(allowed, Many):
        return (
            isinstance(value, list)
            and bool(value)
            and len(set(value)) == len(value)
            and all(v in allowed.values for v in value)
        )
    return not isinstance(value, list) and value in allowed


def view_of(results: Results, lang: Any, selections: Any, whatif: Any) -> View:
    """The view of what a callback got from the browser, checked (BadInput if ill-formed)."""
    return View(
        results,
        safety.checked(safety.LANG, lang, "lang") or DEFAULT_LANG,
        safety.checked(safety.SELECTIONS, selections, "selections") or {},
        safety.checked(live.RESULT, whatif, "whatif-result"),
    )


def runs_of(folder: str, manifest: Mapping[str, Any], runs: int | None = None) -> dict[str, Any]:
    """What a download's footer says of the runs behind a table that are not the batch's (an
    attribution, a sensitivity analysis, a search's verification batch): their folder, program
    version and commit, date, number (`runs` if the manifest has none) and scale."""
    keys = ("program_version", "git_commit", "created", "scale")
    return {"folder": folder, "runs": manifest.get("runs", runs)} | {
        key: manifest.get(key) for key in keys
    }


@dataclass
class Rendered:
    """A page's charts (id → figure and data table), other blocks (id → children), the data
    tables of its other downloads (id → table: a table the page shows, `Page.tables`) and, for
    downloads made from other runs than the batch's, those runs (id → `runs_of`)."""

    charts: dict[str, tuple[go.Figure | dict | str, Any]]
    blocks: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def packed(self) -> Rendered:
        """The figures as JSON text, to keep: a tenth of a plotly figure's memory."""
        charts = {k: (pio.to_json(f, validate=False), t) for k, (f, t) in self.charts.items()}
        return Rendered(charts, self.blocks, self.tables, self.runs)

    def unpacked(self) -> Rendered:
        """The figures of `packed` as dicts again, as Dash sends them."""
        charts = {k: (json.loads(f), t) for k, (f, t) in self.charts.items()}
        return Rendered(charts, self.blocks, self.tables, self.runs)

    def download_table(self, download_id: str) -> Any:
        """The data table a download button of `download_id` (a chart or a table) gives."""
        if download_id in self.charts:
            return self.charts[download_id][1]
        return self.tables.get(download_id)


def chart_cards(rendered: Rendered, lang: str, ids: list[str] | None = None) -> list[html.Div]:
    """Cards for the rendered charts, figures filled in."""
    return [
        components.chart_card(chart_id, lang, rendered.charts[chart_id][0])
        for chart_id in ids or list(rendered.charts)
    ]


@dataclass(frozen=True)
class Page:
    """One page of the dashboard, as the shell routes, renders and updates it.

    `controls` are the control names whose values re-render `chart_ids` (figures) and `blocks`
    (children), `choices(results)` their allowed values (control → values, `Many` for a
    multi-select); `tables` the ids of the tables in its blocks that download as the charts do
    (`components.download_tools`, their data in `Rendered.tables`); `register(app, source)` adds
    callbacks of the page's own; `whatif_input` says its charts follow the live what-if run.
    """

    name: str  # the navigation link is `nav-<name>`, its text the i18n key `nav.<name>`
    path: str
    render: Callable[[View], Rendered]
    layout: Callable[[View, Rendered], html.Div]
    controls: tuple[str, ...] = ()
    chart_ids: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    register: Callable[[Dash, ResultsSource], None] | None = None
    whatif_input: bool = False
    choices: Callable[[Results], Mapping[str, Collection]] = lambda _results: {}

    @property
    def downloads(self) -> tuple[str, ...]:
        """The ids whose CSV and Excel buttons download a data table: charts, then tables."""
        return self.chart_ids + self.tables

    @property
    def nav(self) -> str:
        """The i18n key of the page's navigation link."""
        return f"nav.{self.name}"

    def chosen(self, view: View) -> list:
        """The view's value of each control, None where unset or not allowed (the default)."""
        allowed = self.choices(view.results)
        values = [view.selections.get(name) for name in self.controls]
        return [
            value if _within(value, allowed[name]) else None
            for name, value in zip(self.controls, values, strict=True)
        ]


def render_page(page: Page, view: View) -> Rendered:
    """`page.render(view)`, kept per language and control values (a live run is never kept).

    Figures of stored results are built once and kept as JSON (`Rendered.packed`); a later visit
    only sends them again. The key holds only allowed values, so no request adds more than the
    pages can show.
    """
    if page.whatif_input and view.whatif is not None:
        return page.render(view)
    key = ("render", page.name, view.lang, json.dumps(page.chosen(view)))
    return view.results.memo(key, lambda: page.render(view).packed()).unpacked()


def current_results(source: ResultsSource) -> Results:
    """The results a callback updates from; none (no update) if they cannot be read."""
    try:
        return source.get()
    except ResultsError as error:
        raise PreventUpdate from error


def register_updates(app: Dash, source: ResultsSource, page: Page) -> None:
    """Re-render a page's charts (and blocks) when one of its controls (or the live run) changes;
    a value the control does not offer is ignored (no update, a warning in the log)."""
    outputs = [Output(c, "figure") for c in page.chart_ids]
    outputs += [Output(b, "children") for b in page.blocks]
    inputs = [Input(control_id(name), "value") for name in page.controls]
    live = Input if page.whatif_input else State
    states = [State("lang", "data"), State("selections", "data"), live("whatif-result", "data")]
    count = len(page.controls)

    def update(*args):
        values, (lang, selections, whatif) = args[:count], args[count:]
        results = current_results(source)
        allowed = page.choices(results)
        for name, value in zip(page.controls, values, strict=True):
            safety.checked(safety.CONTROL, value, name)
            if value not in (None, []) and not _within(value, allowed[name]):
                raise safety.BadInput(f"{name}: not an offered value")
        view = view_of(results, lang, selections, whatif)
        view.selections.update(zip(page.controls, values, strict=True))
        rendered = render_page(page, view)
        return [rendered.charts[c][0] for c in page.chart_ids] + [
            rendered.blocks[b] for b in page.blocks
        ]

    update.__name__ = f"update_{page.name}"
    app.callback(outputs, inputs + states, prevent_initial_call=True)(safety.guarded(update))


def main_scenario(results: Results) -> str:
    """The scenario a single-scenario page opens on: `as_enacted` if stored, else the first one."""
    names = results.scenario_names
    return "as_enacted" if "as_enacted" in names else names[0]


def scenario_control(
    view: View, name: str, default: Any, label_key: str, *, multi: bool
) -> html.Div:
    """A labelled dropdown of stored scenarios for control `name` (`default` if unset or stale)."""
    names = view.results.scenario_names
    value = view.choice(name, default, allowed=Many(names) if multi else names)
    picker = components.scenario_picker(
        control_id(name), view.results.scenarios, view.lang, value, multi=multi
    )
    return components.control(t(label_key, view.lang), picker)


def single_picker(view: View, name: str, label_key: str) -> html.Div:
    """The control with one stored-scenario dropdown (a page about one scenario)."""
    return scenario_control(view, name, main_scenario(view.results), label_key, multi=False)
