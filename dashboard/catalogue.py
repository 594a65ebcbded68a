"""The lever catalogue as the dashboard shows it: the model's catalogue (model/policy/SCHEMA.md),
read once, with the look-ups the pages need; if it cannot be read the pages say so
(`CatalogueUnavailable`) instead of failing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from model.experiments import Catalogue, Family, Lever, load_catalogue


class CatalogueUnavailable(Exception):
    """The model's lever catalogue could not be loaded; the message says why."""


@dataclass(frozen=True)
class CatalogueView:
    """Families in the document's order, levers in catalogue order, department names."""

    families: tuple[Family, ...]
    levers: tuple[Lever, ...]
    departments: dict[str, tuple[str, str]]

    def lever(self, lever_id: str) -> Lever:
        return next(row for row in self.levers if row.id == lever_id)

    @property
    def lever_family(self) -> dict[str, str]:
        return {row.id: row.family for row in self.levers}

    def department_name(self, department: str, lang: str) -> str:
        zh, en = self.departments.get(department, (department, department))
        return en if lang == "en" else zh


def view_of(catalogue: Catalogue) -> CatalogueView:
    """The dashboard's view of the model's catalogue."""
    return CatalogueView(
        families=catalogue.families,
        levers=tuple(catalogue.levers.values()),
        departments=dict(catalogue.departments),
    )


@functools.cache
def _load() -> CatalogueView:
    return view_of(load_catalogue())


def load_view() -> CatalogueView:
    """The catalogue, read once; raises `CatalogueUnavailable` with the reason if unreadable."""
    try:
        return _load()
    except Exception as error:  # noqa: BLE001 - any failure of the model's loader is shown, not raised
        raise CatalogueUnavailable(f"{type(error).__name__}: {error}") from error
