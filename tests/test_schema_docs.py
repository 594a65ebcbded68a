"""The documents of the file formats agree with the schema models that check the files."""

from __future__ import annotations

from typing import get_args

import pytest

from model.policy.catalogue import HOOKS, HookName
from model.policy.schema_docs import DOCUMENTS, updated


@pytest.mark.parametrize("path", sorted(DOCUMENTS), ids=lambda p: p.name)
def test_field_tables_are_generated_from_the_models(path):
    text = path.read_text(encoding="utf-8")
    assert "<!-- fields: " in text
    assert updated(text, DOCUMENTS[path]) == text, (
        f"{path} drifted from the models: run `uv run python -m model.policy.schema_docs`"
    )


def test_a_field_change_shows_in_the_generated_table():
    path = next(p for p in DOCUMENTS if p.name == "README.md")
    text = path.read_text(encoding="utf-8")
    drifted = text.replace("| `intensity` | number | 0–3 |", "| `intensity` | number | 0–5 |")
    assert drifted != text
    assert updated(drifted, DOCUMENTS[path]) == text


def test_hook_names_are_the_hook_table():
    assert list(get_args(HookName)) == list(HOOKS)
