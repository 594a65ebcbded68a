"""Shared pytest set-up: fixture modules registered once, so test files use fixtures by name."""

pytest_plugins = ["tests.dashboard_fixtures", "tests.catalogue_fixtures"]
