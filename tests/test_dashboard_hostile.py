"""Hostile and careless input (issue 11, items 2, 4 and 9), against real servers on REAL results.

Control values outside their choices, crafted callback bodies, big requests and foreign Host
headers get no work done; the memo of figures is bounded; what-if jobs are capped, queued with
their place shown, and stopped with the server; a bounded load test keeps the server's memory flat.
"""

from __future__ import annotations

import http.client
import json
import random
import signal
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest

from dashboard import background, safety
from dashboard.data import load_results
from dashboard.i18n import t
from dashboard.memo import Memo
from dashboard.pages import cities
from dashboard.pages.base import View, render_page
from tests.dashboard_fixtures import server_process

PAGE_PATHS = ("/", "/trajectories", "/composition", "/cities", "/levers", "/whatif")
ROUTE_OUTPUTS = (
    ("header-titles", "children"),
    ("nav", "children"),
    ("page", "children"),
    ("footer", "children"),
    ("lang-zh", "className"),
    ("lang-en", "className"),
)
STOP_WITHIN_S = 10  # a stopped server kills its jobs rather than waiting for them (about 0.5 s)


def cache_folders() -> set[Path]:
    """The what-if cache folders in the temporary folder."""
    return set(Path(tempfile.gettempdir()).glob(background.PREFIX + "*"))


# --- callback bodies as Dash's renderer sends them ---------------------------------------------


def _dep(component, prop: str, value=None) -> dict:
    return {"id": component, "property": prop, "value": value}


def _control(name: str) -> dict:
    return {"name": name, "type": "control"}


def _body(outputs, inputs, state, changed: str) -> dict:
    """A callback request: outputs are (id, property) pairs; one output is sent alone."""
    named = [{"id": c, "property": p} for c, p in outputs]
    return {
        "output": "...".join(f"{c}.{p}" for c, p in outputs).join([".."] * 2)
        if len(outputs) > 1
        else "{}.{}".format(*outputs[0]),
        "outputs": named if len(outputs) > 1 else named[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [changed],
    }


def cities_update(year, scenario="as_enacted", lang="zh", selections=None, whatif=None) -> dict:
    """The cities page's update, as when the year dropdown changes."""
    return _body(
        [*((chart, "figure") for chart in cities.PAGE.chart_ids)]
        + [(block, "children") for block in cities.PAGE.blocks],
        [
            _dep(_control(cities.SCENARIO), "value", scenario),
            _dep(_control(cities.YEAR), "value", year),
        ],
        [
            _dep("lang", "data", lang),
            _dep("selections", "data", selections or {}),
            _dep("whatif-result", "data", whatif),
        ],
        json.dumps(_control(cities.YEAR), separators=(",", ":")) + ".value",
    )


def trajectories_update(scenarios, lang="zh") -> dict:
    """The trajectories page's update, as when its scenarios change."""
    return _body(
        [("traj-registered", "figure"), ("traj-operating", "figure")],
        [_dep(_control("traj-scenarios"), "value", scenarios)],
        [_dep("lang", "data", lang), _dep("selections", "data", {}), _dep("whatif-result", "data")],
        "traj-scenarios.value",
    )


def route(path, lang="zh", selections=None, whatif=None) -> dict:
    """The page for an address, as on a page load."""
    return _body(
        ROUTE_OUTPUTS,
        [_dep("url", "pathname", path), _dep("lang", "data", lang)],
        [_dep("selections", "data", selections or {}), _dep("whatif-result", "data", whatif)],
        "url.pathname",
    )


def whatif_run(runs: int, lang="zh") -> dict:
    """A click on the what-if's run button: a stored base, one lever, `runs` runs."""
    controls = {"whatif-base": "no_policy", "whatif-runs": runs, "whatif-levers": ["street_life"]}
    ids = [_control(name) for name in controls]
    return _body(
        [("whatif-run-output", "data")],
        [_dep("whatif-run", "n_clicks", 1)],
        [
            [_dep(i, "value", v) for i, v in zip(ids, controls.values(), strict=True)],
            [_dep(i, "id", i) for i in ids],
            _dep("lang", "data", lang),
        ],
        "whatif-run.n_clicks",
    )


def post(url: str, body, host: str | None = None, query: str = "") -> tuple[int, bytes]:
    """POST a callback body (JSON, or bytes as they are); the status and the response."""
    address = urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} | ({"Host": host} if host else {})
    try:
        connection.request("POST", "/_dash-update-component" + query, body=data, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get(url: str, path: str = "/") -> int:
    address = urlparse(url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server(results_dir, tmp_path_factory):
    """A dashboard of this module's own (its log is read)."""
    with server_process(results_dir, tmp_path_factory.mktemp("hostile-logs")) as running:
        yield running


# --- item 2: memory that any client could grow ---------------------------------------------------


def test_the_render_memo_keeps_only_values_the_controls_offer(results_dir):
    results = load_results(results_dir)
    for year in range(200_000, 200_300):
        render_page(cities.PAGE, View(results, "en", {cities.YEAR: year}))
    assert len(results._memo) < 20  # one render and its tables, not 300


def test_the_memo_drops_the_least_recently_used_beyond_its_count_and_bytes():
    memo = Memo(max_items=3, max_bytes=10_000)
    for key in "abcd":
        memo.get(key, lambda: "x" * 100)
    assert len(memo) == 3
    memo.get("b", lambda: pytest.fail("b is kept"))  # b is now the most recently used
    memo.get("e", lambda: "y" * 100)
    assert memo.get("c", lambda: "recomputed") == "recomputed"  # c was the oldest
    memo.get("big", lambda: "z" * 9_000)
    assert memo.bytes <= 10_000 and len(memo) == 3
    memo.get("bigger", lambda: "w" * 5_000)  # the big one goes too
    assert memo.bytes <= 10_000 and len(memo) == 1
    assert memo.get("huge", lambda: "h" * 20_000) == "h" * 20_000 and memo.bytes <= 10_000


def test_values_outside_the_choices_get_no_update(server):
    status, _ = post(server.url, cities_update(2023))
    assert status == 200
    for year in (200_000, "2023", 50_000_000_000):
        assert post(server.url, cities_update(year))[0] == 204
    assert post(server.url, trajectories_update(["no_policy"] * 100))[0] == 204


def test_big_requests_are_refused_with_413(server):
    status, _ = post(server.url, cities_update("x" * (safety.MAX_REQUEST_BYTES + 1)))
    assert status == 413


def test_a_foreign_host_header_is_refused(server):
    port = urlparse(server.url).port
    body = cities_update(2023)
    assert post(server.url, body, host=f"attacker.example:{port}")[0] == 400
    assert post(server.url, body, host=f"127.0.0.1:{port + 1}")[0] == 400
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        assert post(server.url, body, host=host)[0] == 200


def test_hosts_and_the_warning_beyond_loopback(capsys):
    assert safety.allowed_hosts("127.0.0.1", 8050) == {
        "127.0.0.1:8050",
        "localhost:8050",
        "[::1]:8050",
    }
    assert safety.allowed_hosts("10.1.2.3", 80) == {"10.1.2.3:80", "10.1.2.3"}
    assert "localhost:8050" in safety.allowed_hosts("0.0.0.0", 8050)
    safety.warn_if_exposed("127.0.0.1")
    safety.warn_if_exposed("localhost")
    assert capsys.readouterr().err == ""
    safety.warn_if_exposed("0.0.0.0")
    warning = capsys.readouterr().err
    assert "no login" in warning and "dashboard/README.md" in warning
    readme = (Path(__file__).parent.parent / "dashboard" / "README.md").read_text()
    assert "auth_basic" in readme and "proxy_pass http://127.0.0.1:8050" in readme


# --- item 9: crafted callback bodies ------------------------------------------------------------

CRAFTED = {
    "a string for the scenario list": trajectories_update("no_policy"),
    "a list of lists": trajectories_update([["no_policy"]]),
    "a dict for a year": cities_update({"year": 2023}),
    "an unknown language": cities_update(2023, lang="fr"),
    "selections as a string": cities_update(2023, selections="all"),
    "a what-if result of unknown keys": route("/whatif", whatif={"answer": 42}),
    "a what-if result as a string": route("/whatif", whatif="bands"),
    "a what-if result without its overview": route(
        "/whatif", whatif={"bands": {"n_registered": [], "n_operating": []}, "request": {}}
    ),
    "a path as a list": route(["/"]),
    "inputs as a string": {**route("/"), "inputs": "url"},
    "no inputs": {k: v for k, v in route("/").items() if k != "inputs"},
    "an unknown output": {**route("/"), "output": "..nowhere.children.."},
    "one input too few": {**route("/"), "inputs": route("/")["inputs"][:1]},
    "not JSON": b"{not json",
    "ids of the what-if run as strings": {
        **whatif_run(1),
        "state": [[], ["whatif-base"], _dep("lang", "data", "zh")],
    },
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_callback_bodies_get_no_update_and_a_warning(server, name):
    before = server.log.read_text()
    status, body = post(server.url, CRAFTED[name])
    assert status == 204, (name, body[:300])
    deadline = time.monotonic() + 10
    while "ignored" not in server.log.read_text()[len(before) :]:
        assert time.monotonic() < deadline, f"no warning in the log for {name}"
        time.sleep(0.1)
    assert "Traceback" not in server.log.read_text()


# --- item 4: what-if jobs ----------------------------------------------------------------------


def _job(result_key, progress_key, args, context):
    time.sleep(args)


def test_jobs_beyond_the_slots_wait_in_line_and_beyond_the_line_are_refused():
    queue = background.JobQueue(
        queued=lambda args, position: ["queued", position], refused=lambda args: "busy",
        slots=1, max_waiting=1,
    )  # fmt: skip
    try:
        first = queue.call_job_fn("k1", _job, 30, {})
        second = queue.call_job_fn("k2", _job, 30, {})
        third = queue.call_job_fn("k3", _job, 30, {})
        assert queue.running == 1
        assert queue.job_running(first) and queue.job_running(second)
        assert queue.get_progress("k2") == ["queued", 1]
        assert not queue.job_running(third) and queue.get_result("k3", third) == "busy"
        queue.terminate_job(first)  # cancelled: the next one starts
        assert queue.running == 1 and queue.get_progress("k2") is None
    finally:
        queue.shutdown()
    assert queue.running == 0 and not Path(queue.folder).exists()


def _start_runs(url: str, count: int) -> list[str]:
    """Start `count` what-if runs of 10 runs each; their poll queries."""
    queries = []
    for _ in range(count):
        status, body = post(url, whatif_run(10))
        assert status == 200, body[:300]
        handles = json.loads(body)
        queries.append(f"?cacheKey={handles['cacheKey']}&job={handles['job']}")
    return queries


def _jobs(process: psutil.Process) -> list[psutil.Process]:
    return [child for child in process.children(recursive=True) if child.is_running()]


def test_whatif_jobs_are_capped_and_show_their_place_in_line(results_dir, tmp_path):
    with server_process(results_dir, tmp_path) as running:
        queries = _start_runs(running.url, 3)
        time.sleep(1)
        assert len(_jobs(psutil.Process(running.process.pid))) == background.SLOTS
        status, body = post(running.url, whatif_run(10), query=queries[-1])
        progress = json.loads(body)["progress"]
        place = 3 - background.SLOTS
        assert status == 200
        assert t("whatif.queued", "zh", position=place, slots=background.SLOTS) in progress.values()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_server_stops_its_jobs_and_removes_its_cache(results_dir, tmp_path, stop):
    before = cache_folders()
    with server_process(results_dir, tmp_path) as running:
        _start_runs(running.url, 2)
        server = psutil.Process(running.process.pid)
        deadline = time.monotonic() + 10
        while not (jobs := _jobs(server)):
            assert time.monotonic() < deadline, "no what-if job started"
            time.sleep(0.2)
        folders = cache_folders() - before
        assert folders
        running.process.send_signal(stop)
        running.process.wait(timeout=STOP_WITHIN_S)
    gone, alive = psutil.wait_procs(jobs, timeout=5)
    assert not alive, f"jobs still running after the server stopped: {alive}"
    assert not any(folder.exists() for folder in folders)


# --- a bounded load test ------------------------------------------------------------------------

LOAD_PAGES = 200  # loaded all at once
LOAD_VALUES = 1000
LOAD_THREADS = 8  # callbacks in flight at a time
RSS_LIMIT = 50_000_000


def _load_requests(scenarios: list[str], rng: random.Random) -> tuple[list, list]:
    """200 page loads, and 1,000 distinct callback values: cities at every stored choice,
    scenario lists, years no dropdown offers and garbage, shuffled."""
    pages = [("page", path, lang) for path in PAGE_PATHS for lang in ("zh", "en")]
    pages = (pages * (LOAD_PAGES // len(pages) + 1))[:LOAD_PAGES]
    valid = [
        cities_update(year, scenario, lang)
        for scenario in scenarios
        for year in range(2021, 2026)
        for lang in ("zh", "en")
    ]
    subsets = [rng.sample(scenarios, rng.randint(1, len(scenarios))) for _ in range(50)]
    lists = [trajectories_update(subset) for subset in subsets]
    garbage = list(CRAFTED.values()) + [cities_update(f"{i}" * 1000) for i in range(135)]
    unknown = [
        cities_update(200_000 + i) for i in range(LOAD_VALUES - len(valid + lists + garbage))
    ]
    values = [("callback", body) for body in valid + lists + garbage + unknown]
    rng.shuffle(values)
    return pages, values


def _percentiles(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p50, p95 = statistics.median(ordered), ordered[int(0.95 * len(ordered))]
    return f"latency p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"


def _send(url: str, request) -> float:
    start = time.perf_counter()
    if request[0] == "page":
        _, path, lang = request
        assert get(url, path) == 200
        assert post(url, route(path, lang))[0] == 200
    else:
        assert post(url, request[1])[0] in (200, 204)
    return time.perf_counter() - start


def test_load_keeps_the_server_memory_flat(results_dir, tmp_path):
    """200 concurrent page loads, then 1,000 distinct callback values 8 at a time: the server's
    RSS ends within 50 MB of where it started. It starts after one round of the 200 concurrent
    page loads: 200 pages answered at once set a high-water mark of their own (each answer is
    serialised in its thread; Python keeps the memory for reuse), which is not a leak; what
    this test catches is memory that grows with requests beyond it."""
    scenarios = load_results(results_dir).scenario_names
    pages, values = _load_requests(scenarios, random.Random(11))
    with server_process(results_dir, tmp_path) as running:
        url = running.url
        with ThreadPoolExecutor(LOAD_PAGES) as pool:
            list(pool.map(lambda request: _send(url, request), pages))
        server = psutil.Process(running.process.pid)
        before = server.memory_info().rss
        start = time.perf_counter()
        with ThreadPoolExecutor(LOAD_PAGES) as pool:
            page_latencies = list(pool.map(lambda request: _send(url, request), pages))
        with ThreadPoolExecutor(LOAD_THREADS) as pool:
            value_latencies = list(pool.map(lambda request: _send(url, request), values))
        elapsed = time.perf_counter() - start
        after = server.memory_info().rss
    report = (
        f"{LOAD_PAGES} concurrent page loads ({_percentiles(page_latencies)}) and "
        f"{LOAD_VALUES} callback values {LOAD_THREADS} at a time ({_percentiles(value_latencies)})"
        f" in {elapsed:.1f} s; RSS {before / 1e6:.0f} MB before, {after / 1e6:.0f} MB after"
    )
    print("\n" + report)
    assert after - before < RSS_LIMIT, report
