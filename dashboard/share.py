"""Share links (分享链接): the address holds the view, so a link restores it elsewhere.

The query string holds the language and the value of every page control in the `selections`
store (chosen scenarios, city, year, the what-if's base, levers, intensities and runs); the path
is the page. The browser writes it (`register`: on every change, `history.pushState` through
`dcc.Location`); opening a link reads it back here, checked: each value must be one the control
offers (an intensity a number in its range), anything else is ignored and named in a visible note,
never evaluated. A copy button puts the address on the clipboard.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from dash import Dash, Input, Output, State, dcc, html, no_update

from dashboard import safety
from dashboard.data import ResultsSource
from dashboard.i18n import LANGS, t
from dashboard.pages import PAGES, whatif
from dashboard.pages.base import Many, Span, current_results

LANG = "lang"
MAX_QUERY = 8_000  # characters: a link of every page's controls and 45 levers is about 3,000
MAX_FIELDS = 200
MAX_NOTED = 8  # ignored settings named in the note, at most
NOTE = "share-note"
READY = "share-ready"  # true once the opened link is read: the address is written from then on


@dataclass
class Link:
    """What a link's query string says: its language, control values, and what was ignored."""

    lang: str | None = None
    selections: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _shown(name: str, value: str) -> str:
    text = f"{name}={value}"
    return text if len(text) <= 40 else text[:39] + "…"


def _one_of(text: str, allowed: Collection) -> Any:
    """The allowed value written `text` (values are written with str()), or None."""
    return next((value for value in allowed if str(value) == text), None)


def _number_in(text: str, low: float, high: float) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def _value(texts: list[str], allowed: Any) -> Any:
    """The control value that `texts` (its values in the link) write, None if not offered."""
    if isinstance(allowed, Many):
        values = [_one_of(text, allowed.values) for text in texts]
        ok = None not in values and len(set(texts)) == len(texts)
        return values if ok else None
    if isinstance(allowed, Span):
        return _number_in(texts[0], allowed.low, allowed.high) if len(texts) == 1 else None
    return _one_of(texts[0], allowed) if len(texts) == 1 else None


def read_link(query: str, allowed: Mapping[str, Any]) -> Link:
    """The link's settings: `query` (`?a=1&b=2`, a list as the name repeated) checked against
    `allowed` (control name → its choices, `Many` for a list, `Span` for a number)."""
    link = Link()
    if len(query) > MAX_QUERY:
        link.ignored.append(_shown("?", query))
        return link
    fields: dict[str, list[str]] = {}
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        link.ignored.append(_shown("?", query))
        return link
    for name, text in pairs:
        fields.setdefault(name, []).append(text)
    for name, texts in fields.items():
        if name == LANG:
            link.lang = texts[0] if texts[0] in LANGS and len(texts) == 1 else None
            if link.lang is None:
                link.ignored.append(_shown(name, ",".join(texts)))
            continue
        value = _value(texts, allowed[name]) if name in allowed else None
        if value is None:
            link.ignored.append(_shown(name, ",".join(texts)))
        else:
            link.selections[name] = value
    return link


def link_choices(results) -> dict[str, Any]:
    """Every control a link may set and its choices: the pages' (`Page.choices`) and the
    what-if's levers and intensities (`whatif.link_choices`)."""
    allowed: dict[str, Any] = {}
    for page in PAGES:
        allowed.update(page.choices(results))
    return allowed | whatif.link_choices()


def note(link: Link, lang: str) -> list:
    """The visible note of what the link set that was ignored (nothing if all was valid)."""
    if not link.ignored:
        return []
    items = link.ignored[:MAX_NOTED] + (["…"] if len(link.ignored) > MAX_NOTED else [])
    text = t("whatif.share_ignored", lang, items=", ".join(items))
    return [html.Div(text, className="message message-error", id=f"{NOTE}-text")]


def block() -> html.Div:
    """The copy-link button and the note of ignored settings, in the shell."""
    return html.Div(
        className="share",
        children=[
            dcc.Clipboard(id="share-copy", className="share-copy"),
            html.Span(id="share-label", className="share-label"),
            html.Div(id=NOTE),
            dcc.Store(id=READY, storage_type="memory", data=False),
        ],
    )


# In the browser: the page's address from the view (language, then every control value, sorted;
# an intensity only for a lever that is chosen), unchanged if it already reads so.
WRITE_ADDRESS = """(selections, lang, path, ready) => {
    if (!ready) { return window.dash_clientside.no_update; }
    const params = new URLSearchParams();
    params.append("lang", lang || "zh");
    const chosen = selections || {};
    const levers = chosen["whatif-levers"] || [];
    Object.keys(chosen).sort().forEach((name) => {
        const value = chosen[name];
        if (name.startsWith("intensity:") && !levers.includes(name.slice(10))) { return; }
        (Array.isArray(value) ? value : [value]).forEach((one) => {
            if (one !== null && one !== undefined) { params.append(name, String(one)); }
        });
    });
    const search = "?" + params.toString();
    return search === window.location.search ? window.dash_clientside.no_update : search;
}"""


def register(app: Dash, source: ResultsSource) -> None:
    """Write the address from the view, restore the view from an opened link, copy the link."""
    app.clientside_callback(
        WRITE_ADDRESS,
        Output("url", "search"),
        Input("selections", "data"),
        Input("lang", "data"),
        Input("url", "pathname"),
        State(READY, "data"),  # an opened link is read first (restore)
        prevent_initial_call=True,
    )

    @app.callback(
        Output("lang", "data", allow_duplicate=True),
        Output("selections", "data", allow_duplicate=True),
        Output(NOTE, "children"),
        Output(READY, "data"),
        Input("url", "search"),
        State("lang", "data"),
        State("selections", "data"),
        prevent_initial_call="initial_duplicate",
    )
    @safety.guarded
    def restore(search, lang, selections):
        search = safety.checked(safety.TEXT, search, "search") or ""
        lang = safety.checked(safety.LANG, lang, "lang") or LANGS[0]
        selections = safety.checked(safety.SELECTIONS, selections, "selections") or {}
        if not search.strip("?"):
            return no_update, no_update, no_update, True
        link = read_link(search, link_choices(current_results(source)))
        merged = selections | link.selections
        shown = note(link, link.lang or lang) if link.ignored else no_update  # kept till next
        if merged == selections and link.lang in (None, lang):
            return no_update, no_update, shown, True
        return link.lang or lang, merged, shown, True

    app.clientside_callback(
        """(clicks) => window.location.href""",
        Output("share-copy", "content"),
        Input("share-copy", "n_clicks"),
        prevent_initial_call=True,
    )

    @app.callback(Output("share-label", "children"), Input("lang", "data"))
    def label(lang):
        return t("whatif.share_copy", lang if lang in LANGS else LANGS[0])
