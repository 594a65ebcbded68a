"""The field tables of model/policy/SCHEMA.md and scenarios/README.md, generated from the schema
models' JSON schemas so that the documents cannot drift from the code (tests/test_schema_docs.py).

In a document, `<!-- fields: Name -->` ... `<!-- end fields -->` holds the table of model `Name`.
Rewrite the tables after changing a model: `uv run python -m model.policy.schema_docs`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from model.defaults import SCENARIO_DIR
from model.policy.catalogue import Family
from model.policy.fields import FIRST_MONTH, ID_PATTERN, LAST_MONTH, MONTH_PATTERN
from model.policy.scenario import ScenarioFile

# Each document and the model whose JSON schema (with its $defs) its tables come from.
DOCUMENTS: dict[Path, type[BaseModel]] = {
    Path(__file__).resolve().parent / "SCHEMA.md": Family,
    SCENARIO_DIR / "README.md": ScenarioFile,
}
_TABLE = re.compile(r"(<!-- fields: (\w+) -->\n).*?(<!-- end fields -->)", re.S)
_STRINGS = {MONTH_PATTERN: "month YYYY-MM", ID_PATTERN: "snake_case id"}


def _type(schema: dict[str, Any]) -> str:
    """A property's type in words."""
    if "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[-1]}`"
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_type(s) for s in schema[key])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_type(schema['items'])}"
    if kind == "object":
        return f"mapping: id → {_type(schema['additionalProperties'])}"
    if kind == "string":
        return _STRINGS.get(schema.get("pattern", ""), "text")
    return {
        "number": "number",
        "integer": "whole number",
        "null": "null",
        "boolean": "true or false",
    }[str(kind)]


def _range(schema: dict[str, Any]) -> str:
    """The bounds of a number (of a list's items, or of a union's members), or of a month."""
    if "minimum" in schema or "maximum" in schema:
        low, high = (schema.get(bound) for bound in ("minimum", "maximum"))
        return f"{'' if low is None else f'{low:g}'}–{'' if high is None else f'{high:g}'}"
    if schema.get("pattern") == MONTH_PATTERN:
        return f"{FIRST_MONTH}–{LAST_MONTH}"
    inner = [schema["items"]] if "items" in schema else schema.get("anyOf", [])
    return next((r for r in map(_range, inner) if r), "")


def _default(name: str, schema: dict[str, Any], required: list[str]) -> str:
    if name in required:
        return "required"
    value = schema.get("default")
    return f"`{value:g}`" if isinstance(value, int | float) else "—"


def field_table(schema: dict[str, Any]) -> str:
    """A model's fields as a Markdown table: key, type, range, default, meaning."""
    required = schema.get("required", [])
    rows = ["| key | type | range | default | meaning |", "|---|---|---|---|---|"]
    for name, field in schema["properties"].items():
        cells = (
            f"`{name}`",
            _type(field),
            _range(field),
            _default(name, field, required),
            field.get("description", ""),
        )
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def updated(text: str, model: type[BaseModel]) -> str:
    """The document with every field table regenerated from `model` and its sub-models."""
    schema = model.model_json_schema()
    schemas = {model.__name__: schema, **schema.get("$defs", {})}
    return _TABLE.sub(lambda m: m[1] + field_table(schemas[m[2]]) + m[3], text)


def main() -> None:
    """Rewrite the field tables of the documents."""
    for path, model in DOCUMENTS.items():
        path.write_text(updated(path.read_text(encoding="utf-8"), model), encoding="utf-8")


if __name__ == "__main__":
    main()
