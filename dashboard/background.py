"""The background-callback manager of live what-if runs: Dash's DiskcacheManager (jobs in child
processes, with progress and cancel), its cache in a temporary folder removed at exit."""

from __future__ import annotations

import atexit
import shutil
import tempfile

import diskcache
from dash import DiskcacheManager


def make_manager() -> DiskcacheManager:
    """A manager with its own cache folder, removed when the server exits."""
    folder = tempfile.mkdtemp(prefix="shanxi-dashboard-cache-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return DiskcacheManager(diskcache.Cache(folder))
