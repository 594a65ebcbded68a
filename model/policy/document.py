"""The document the catalogue encodes (晋发〔2021〕67号, in document/) and the reference tables the
catalogue is checked against: its 48 articles, the departments (责任单位) each article names,
and the sectors and cities of the model.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from model.errors import InputError
from model.world.datafiles import csv_rows
from model.world.geography import places

POLICY_DIR = Path(__file__).resolve().parent / "document"
DOCUMENT_FILE = POLICY_DIR / "jinfa-2021-67.zh.txt"
N_ARTICLES = 48

# The document's scan mixes full-width and ASCII punctuation; excerpts match either.
_PUNCTUATION = str.maketrans("，：；（）！？", ",:;()!?")


@dataclass(frozen=True)
class References:
    sectors: tuple[str, ...]
    cities: tuple[str, ...]
    departments: dict[str, tuple[str, str]]  # id -> (name_zh, name_en)
    article_departments: dict[int, tuple[str, ...]]
    article_texts: dict[int, str]  # normalised


def normalise(text: str) -> str:
    """Text without whitespace and with ASCII punctuation, so excerpts match across line breaks."""
    return re.sub(r"\s+", "", text).translate(_PUNCTUATION)


def article_texts(document: str) -> dict[int, str]:
    """The document's 48 articles (条), normalised: article number -> text."""
    articles: dict[int, list[str]] = {}
    current = 0
    for line in document.splitlines():
        match = re.match(r"^(\d{1,2})\.\s", line)
        if match and int(match.group(1)) == current + 1:
            current += 1
            articles[current] = []
        if current:
            articles[current].append(line)
    texts = {n: normalise("".join(lines)) for n, lines in articles.items()}
    if sorted(texts) != list(range(1, N_ARTICLES + 1)):
        raise InputError(f"{DOCUMENT_FILE}: expected articles 1-{N_ARTICLES}, found {len(texts)}")
    return texts


def excerpt_fragments(text_zh: str) -> list[str]:
    """The pieces of an excerpt between elisions (……), normalised."""
    return [f for f in (normalise(p) for p in re.split(r"…+", text_zh)) if f]


@functools.cache
def references() -> References:
    """The reference tables, read once."""
    return References(
        sectors=places().sectors,
        cities=places().cities,
        departments={
            row["id"]: (row["name_zh"], row["name_en"])
            for row in csv_rows(POLICY_DIR / "departments.csv")
        },
        article_departments={
            int(row["article"]): tuple(row["departments"].split())
            for row in csv_rows(POLICY_DIR / "article_departments.csv")
        },
        article_texts=article_texts(DOCUMENT_FILE.read_text(encoding="utf-8")),
    )


def departments_of(articles: Iterable[int]) -> tuple[str, ...]:
    """The union of the departments (责任单位) the document names for these articles, in order."""
    table = references().article_departments
    union: dict[str, None] = {}
    for article in articles:
        union.update(dict.fromkeys(table.get(article, ())))
    return tuple(union)


def excerpt_problems(text_zh: str, articles: tuple[int, ...]) -> list[str]:
    """Fragments of an excerpt (between ……) that are not the words of any of its articles."""
    sources = [references().article_texts[a] for a in articles]
    problems = []
    for fragment in excerpt_fragments(text_zh):
        if not any(fragment in source for source in sources):
            shown = fragment if len(fragment) <= 30 else fragment[:30] + "…"
            problems.append(
                f"'{shown}' is not in the text of articles {list(articles)} of the document"
            )
    return problems
