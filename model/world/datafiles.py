"""The model's data files: where they are (`DATA_DIR`, model/world/data/) and how a CSV table of
them, or of the policy document's tables, is read (UTF-8, one dict per row)."""

from __future__ import annotations

import csv
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header line, as dicts of text."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
