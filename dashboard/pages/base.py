"""What every page shares: the `Page` type, the view it renders from, controls, chart updates.

Each page module exposes one `PAGE`. Its `render(view)` returns the figures and data tables of
its charts and its other blocks; its `layout(view, rendered)` shows them at once (a page switch is
one round trip); its controls re-render them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard import components
from dashboard.data import Results, ResultsError, ResultsSource
from dashboard.i18n import t

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


def _within(value: Any, allowed: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(v in allowed for v in value)
    return value in allowed


@dataclass
class Rendered:
    """A page's charts (id → figure and data table) and other blocks (id → children)."""

    charts: dict[str, tuple[go.Figure, Any]]
    blocks: dict[str, Any] = field(default_factory=dict)


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
    (children); `register(app, source)` adds callbacks of the page's own; `whatif_input` says its
    charts follow the live what-if run.
    """

    name: str  # the navigation link is `nav-<name>`, its text the i18n key `nav.<name>`
    path: str
    render: Callable[[View], Rendered]
    layout: Callable[[View, Rendered], html.Div]
    controls: tuple[str, ...] = ()
    chart_ids: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    register: Callable[[Dash, ResultsSource], None] | None = None
    whatif_input: bool = False

    @property
    def nav(self) -> str:
        """The i18n key of the page's navigation link."""
        return f"nav.{self.name}"


def render_page(page: Page, view: View) -> Rendered:
    """`page.render(view)`, kept per language and control values (a live run is never kept).

    Figures of stored results are built once; a later visit only sends them again.
    """
    if page.whatif_input and view.whatif is not None:
        return page.render(view)
    values = json.dumps([view.selections.get(name) for name in page.controls], default=str)
    return view.results.memo(("render", page.name, view.lang, values), lambda: page.render(view))


def register_updates(app: Dash, source: ResultsSource, page: Page) -> None:
    """Re-render a page's charts (and blocks) when one of its controls (or the live run) changes."""
    outputs = [Output(c, "figure") for c in page.chart_ids]
    outputs += [Output(b, "children") for b in page.blocks]
    inputs = [Input(control_id(name), "value") for name in page.controls]
    live = Input if page.whatif_input else State
    states = [State("lang", "data"), State("selections", "data"), live("whatif-result", "data")]
    count = len(page.controls)

    def update(*args):
        values, (lang, selections, whatif) = args[:count], args[count:]
        try:
            results = source.get()
        except ResultsError as error:
            raise PreventUpdate from error
        chosen = {**(selections or {}), **dict(zip(page.controls, values, strict=True))}
        rendered = render_page(page, View(results, lang or "zh", chosen, whatif))
        return [rendered.charts[c][0] for c in page.chart_ids] + [
            rendered.blocks[b] for b in page.blocks
        ]

    app.callback(outputs, inputs + states, prevent_initial_call=True)(update)


def main_scenario(results: Results) -> str:
    """The scenario a single-scenario page opens on: `as_enacted` if stored, else the first one."""
    names = results.scenario_names
    return "as_enacted" if "as_enacted" in names else names[0]


def scenario_control(
    view: View, name: str, default: Any, label_key: str, *, multi: bool
) -> html.Div:
    """A labelled dropdown of stored scenarios for control `name` (`default` if unset or stale)."""
    value = view.choice(name, default, allowed=view.results.scenario_names)
    picker = components.scenario_picker(
        control_id(name), view.results.scenarios, view.lang, value, multi=multi
    )
    return components.control(t(label_key, view.lang), picker)


def single_picker(view: View, name: str, label_key: str) -> html.Div:
    """The control with one stored-scenario dropdown (a page about one scenario)."""
    return scenario_control(view, name, main_scenario(view.results), label_key, multi=False)
