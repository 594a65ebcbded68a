"""The lever catalogue as the dashboard shows it: plain rows built from `model.levers.catalogue`.

The model's catalogue (model/levers/SCHEMA.md) is read once; if it cannot be read the pages say so
(`CatalogueUnavailable`) instead of failing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any


class CatalogueUnavailable(Exception):
    """The model's lever catalogue could not be loaded; the message says why."""


@dataclass(frozen=True)
class Knob:
    """A number of the document a lever can be set by (e.g. 5 ‰ risk compensation)."""

    id: str
    unit: str
    document_value: float | None
    min: float | None
    max: float | None


@dataclass(frozen=True)
class LeverRow:
    """One lever: its family, articles, departments (责任单位), titles and the article's text."""

    id: str
    family: str
    articles: tuple[int, ...]
    departments: tuple[str, ...]
    title_zh: str
    title_en: str
    text_zh: str
    knobs: tuple[Knob, ...]
    start: str
    ramp_months: int


@dataclass(frozen=True)
class Family:
    id: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class CatalogueView:
    """Families in the document's order, levers in catalogue order, department names."""

    families: tuple[Family, ...]
    levers: tuple[LeverRow, ...]
    departments: dict[str, tuple[str, str]]

    def lever(self, lever_id: str) -> LeverRow:
        return next(row for row in self.levers if row.id == lever_id)

    @property
    def lever_family(self) -> dict[str, str]:
        return {row.id: row.family for row in self.levers}

    def department_name(self, department: str, lang: str) -> str:
        zh, en = self.departments.get(department, (department, department))
        return en if lang == "en" else zh


def _names(entry: Any) -> tuple[str, str]:
    """A department's (name_zh, name_en), whether the catalogue gives a pair or an object."""
    if isinstance(entry, tuple | list):
        return str(entry[0]), str(entry[1])
    return str(entry.name_zh), str(entry.name_en)


def _knob(knob: Any) -> Knob:
    return Knob(
        id=str(knob.id),
        unit=str(getattr(knob, "unit", "") or ""),
        document_value=getattr(knob, "document_value", None),
        min=getattr(knob, "min", None),
        max=getattr(knob, "max", None),
    )


def _lever(lever: Any) -> LeverRow:
    return LeverRow(
        id=str(lever.id),
        family=str(lever.family),
        articles=tuple(int(a) for a in lever.articles),
        departments=tuple(str(d) for d in lever.departments),
        title_zh=str(lever.title_zh),
        title_en=str(lever.title_en),
        text_zh=str(getattr(lever, "text_zh", "") or ""),
        knobs=tuple(_knob(k) for k in getattr(lever, "knobs", ()) or ()),
        start=str(getattr(lever, "start", "") or ""),
        ramp_months=int(getattr(lever, "ramp_months", 0) or 0),
    )


def view_of(catalogue: Any) -> CatalogueView:
    """The dashboard's view of a `model.levers.catalogue.Catalogue`."""
    return CatalogueView(
        families=tuple(
            Family(str(f.id), str(f.title_zh), str(f.title_en)) for f in catalogue.families
        ),
        levers=tuple(_lever(lever) for lever in catalogue.levers.values()),
        departments={str(k): _names(v) for k, v in catalogue.departments.items()},
    )


@functools.cache
def _load() -> CatalogueView:
    from model.levers.catalogue import load_catalogue

    return view_of(load_catalogue())


def load_view() -> CatalogueView:
    """The catalogue, read once; raises `CatalogueUnavailable` with the reason if unreadable."""
    try:
        return _load()
    except Exception as error:  # noqa: BLE001 - any failure of the model's loader is shown, not raised
        raise CatalogueUnavailable(f"{type(error).__name__}: {error}") from error
