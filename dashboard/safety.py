"""What the server accepts: the request size, the Host header, the shape of callback inputs.

A request larger than `MAX_REQUEST_BYTES` is answered 413; a Host header that does not name the
bound address is answered 400 (DNS rebinding: a page of another site resolving its own name to
this machine); a callback request that is not of the app's shape, or a callback input the app
never sends, is ignored (no update, a warning in the log).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import socket
import sys
from collections.abc import Callable
from typing import Any, Literal, NotRequired, TypedDict

import psutil
from dash import Dash
from dash.exceptions import PreventUpdate
from flask import abort, request
from pydantic import StrictBool, StrictFloat, StrictInt, StrictStr, TypeAdapter, ValidationError

from dashboard.i18n import LANGS

log = logging.getLogger("dashboard")

MAX_REQUEST_BYTES = 1_000_000  # a what-if result, the largest input a callback gets, is ≈ 20 kB
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
WILDCARDS = ("0.0.0.0", "::", "")

Scalar = StrictStr | StrictInt | StrictFloat | StrictBool | None
CONTROL = TypeAdapter(Scalar | list[Scalar])  # the value of a page control
SELECTIONS = TypeAdapter(dict[str, Scalar | list[Scalar]] | None)
TEXT = TypeAdapter(StrictStr | None)
LANG = TypeAdapter(Literal[LANGS] | None)  # type: ignore[valid-type]


class Dependency(TypedDict):
    id: StrictStr | dict[str, Any]
    property: StrictStr
    value: NotRequired[Any]


class CallbackRequest(TypedDict):
    """The body of a callback request, as Dash's renderer sends it."""

    output: StrictStr
    outputs: Dependency | list[Dependency]
    inputs: list[Dependency | list[Dependency]]
    state: NotRequired[list[Dependency | list[Dependency]]]
    changedPropIds: list[StrictStr]


CALLBACK_REQUEST = TypeAdapter(CallbackRequest)


class BadInput(ValueError):
    """A callback input of a shape the app never sends."""


def checked(adapter: TypeAdapter, value: Any, what: str) -> Any:
    """`value` validated by `adapter` (and normalised to JSON types), or BadInput naming `what`."""
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except ValidationError as error:
        first = error.errors(include_input=False)[0]
        where = ".".join(map(str, first["loc"]))
        raise BadInput(f"{what}{'.' + where if where else ''}: {first['msg']}") from None


def guarded(callback: Callable) -> Callable:
    """The callback, ignoring a call with bad input (BadInput): no update, a warning in the log."""

    @functools.wraps(callback)
    def guarded_callback(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except BadInput as error:
            log.warning("ignored %s: %s", callback.__name__, error)
            raise PreventUpdate from None

    return guarded_callback


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or an address) is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _addresses() -> set[str]:
    """This machine's names and the addresses of its interfaces, as a Host header writes them."""
    names = {socket.gethostname(), socket.getfqdn()}
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family in (socket.AF_INET, socket.AF_INET6):
                names.add(_bracketed(address.address.split("%")[0]))
    return names


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host headers the server answers: the bound `host:port`, with localhost and 127.0.0.1
    when bound to loopback, every name and address of the machine when bound to all of them."""
    names = {_bracketed(host.strip("[]"))}
    if is_loopback(host):
        names |= set(LOOPBACK_NAMES)
    if host in WILDCARDS:
        names |= set(LOOPBACK_NAMES) | _addresses()
    names = {name.lower() for name in names}
    return frozenset({f"{name}:{port}" for name in names} | (names if port == 80 else set()))


def callback_problem(app: Dash, body: Any) -> str | None:
    """What is wrong with a callback request's body, None if it has the shape of one of `app`'s
    callbacks (its output, as many inputs and states)."""
    try:
        checked(CALLBACK_REQUEST, body, "request")
    except BadInput as error:
        return str(error)
    callback = app.callback_map.get(body["output"])
    if callback is None:
        return "no callback of this output"
    for part in ("inputs", "state"):
        if len(body.get(part, [])) != len(callback.get(part, [])):
            return f"{part}: not as many as the callback's"
    return None


def protect(app: Dash, host: str, port: int) -> None:
    """Answer 413 to requests above `MAX_REQUEST_BYTES`, 400 to a Host not in
    `allowed_hosts(host, port)`, 204 (no update) to a callback request of another shape."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    allowed = allowed_hosts(host, port)
    callback_path = app.config.routes_pathname_prefix + "_dash-update-component"

    @server.before_request
    def check_request():
        if request.host.lower() not in allowed:
            log.warning("refused a request for Host %r", request.host[:100])
            abort(400)
        if request.path == callback_path and request.method == "POST":
            problem = callback_problem(app, request.get_json(silent=True))
            if problem:
                log.warning("ignored a callback request: %s", problem)
                return "", 204
        return None


def warn_if_exposed(host: str) -> None:
    """Say on the terminal that the app has no login when it listens beyond loopback."""
    if not is_loopback(host):
        print(
            f"Warning: the dashboard has no login, and on {host} anyone who can reach this machine "
            "can use it and start what-if runs. Keep it on 127.0.0.1 behind a reverse proxy with "
            "authentication instead (dashboard/README.md, 'Serving to others').",
            file=sys.stderr,
            flush=True,
        )
