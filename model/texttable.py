"""Plain-text tables for the terminal, aligned even where cells hold Chinese (两列宽) characters."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def width(text: str) -> int:
    """Columns `text` takes in a terminal: wide (Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1) -> str:
    """Header, rule, rows; the first `left` columns aligned left, the others right."""
    widths = [max(width(cells[i]) for cells in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = []
        for i, (cell, w) in enumerate(zip(cells, widths, strict=True)):
            fill = " " * (w - width(cell))
            padded.append(cell + fill if i < left else fill + cell)
        return "  ".join(padded).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
