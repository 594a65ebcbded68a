"""Fixtures of the dashboard tests: real results from `run.py run`, a running dashboard, Chromium.

Registered for every test module by tests/conftest.py; helpers (not fixtures) are imported.
Nothing is mocked: the results come from the real command line, the server is `run.py dashboard`
in its own process, the browser is Debian's headless Chromium driven by Playwright.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.batch_fixtures import stop_process

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
SCALE = 200  # coarse: the tests check the dashboard, not the model
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real results folder: every scenario of scenarios/, a few coarse runs, via `run.py run`."""
    out = tmp_path_factory.mktemp("dashboard-results") / "results"
    scenarios = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    command = [
        sys.executable,
        "run.py",
        "run",
        *scenarios,
        "--runs",
        str(RUNS),
        "--scale",
        str(SCALE),
        "--out",
        str(out),
        "--quiet",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"run.py run failed:\n{done.stderr[-3000:]}"
    return out


@pytest.fixture(scope="session")
def manifest(results_dir: Path) -> dict:
    return json.loads((results_dir / "manifest.json").read_text(encoding="utf-8"))


def copy_results(results_dir: Path, target: Path) -> Path:
    """A private copy of the real results, to damage in a test."""
    shutil.copytree(results_dir, target)
    return target


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Server:
    """A running `run.py dashboard`: its URL, process and log file."""

    url: str
    process: subprocess.Popen
    log: Path


@contextmanager
def server_process(results: Path, log_dir: Path, *options: str) -> Iterator[Server]:
    """`run.py dashboard --results RESULTS [OPTIONS]` on a free loopback port, stopped (SIGTERM)
    at the end."""
    port = _free_port()
    log = (log_dir / f"dashboard-{port}.log").open("w")
    command = ["run.py", "dashboard", "--results", str(results), "--port", str(port), *options]
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "dashboard did not start:\n" + Path(log.name).read_text()
                    ) from None
                time.sleep(0.25)
        yield Server(url, process, Path(log.name))
    finally:
        stop_process(process)
        log.close()


@contextmanager
def dashboard_server(results: Path, log_dir: Path, *options: str) -> Iterator[str]:
    """`run.py dashboard --results RESULTS [OPTIONS]` on a free loopback port; yields its URL."""
    with server_process(results, log_dir, *options) as server:
        yield server.url


@pytest.fixture(scope="session")
def dashboard_url(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard serving the real results."""
    with dashboard_server(results_dir, tmp_path_factory.mktemp("dashboard-logs")) as url:
        yield url


@pytest.fixture(scope="session")
def playwright():
    """The session's one Playwright driver: its sync API allows one per thread, so every browser
    of the tests is launched from it."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser_context(playwright):
    """Headless Chromium (Debian's, never a downloaded build) with a fresh user-data folder."""
    with tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1500, "height": 1000},
            accept_downloads=True,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser_context):
    """A new tab (its own session storage, so Chinese by default) recording console errors.

    `page.console_errors` lists every console error and uncaught page error.
    """
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    tab.console_errors = errors
    yield tab
    tab.close()


@pytest.fixture(scope="session")
def chromium(playwright):
    """Headless Chromium (Debian's) for tests that need fresh browser contexts: each
    `chromium.new_context()` has its own cookies and storage, as another user's browser has."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()
