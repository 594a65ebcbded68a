"""The lever catalogue as the dashboard shows it: the model's catalogue (model/policy/SCHEMA.md),
read once, with the look-ups the pages need; if it cannot be read the pages say so
(`CatalogueUnavailable`) instead of failing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.formats import format_quantity
from dashboard.i18n import join, pick, t
from model.experiments import Catalogue, Family, Lever, lead_departments, load_catalogue


class CatalogueUnavailable(Exception):
    """The model's lever catalogue could not be loaded; the message says why."""


@dataclass(frozen=True)
class CatalogueView:
    """Families in the document's order, levers in catalogue order, department names."""

    families: tuple[Family, ...]
    levers: tuple[Lever, ...]
    departments: dict[str, tuple[str, str]]
    leads: dict[str, str]  # lever id → its lead department (牵头单位)

    def lever(self, lever_id: str) -> Lever:
        return next(row for row in self.levers if row.id == lever_id)

    @property
    def lever_family(self) -> dict[str, str]:
        return {row.id: row.family for row in self.levers}

    def department_name(self, department: str, lang: str) -> str:
        zh, en = self.departments.get(department, (department, department))
        return en if lang == "en" else zh

    def departments_text(self, departments: Iterable[str], lang: str) -> str:
        """Department names as a list in the language."""
        return join((self.department_name(d, lang) for d in departments), lang)

    def lead_department(self, lever: Lever) -> str:
        """The lever's lead department (牵头单位), as the fiscal accounting books its cost."""
        return self.leads[lever.id]

    def other_departments(self, lever: Lever) -> tuple[str, ...]:
        """The departments of the lever's articles other than the lead (配合单位)."""
        return tuple(d for d in lever.departments if d != self.lead_department(lever))


def articles_text(lever: Lever, lang: str) -> str:
    """'第1条、第2条' (zh), 'Art. 1, Art. 2' (en)."""
    return join((t("levers.article", lang, n=a) for a in lever.articles), lang)


def knob_text(lever: Lever, lang: str) -> str:
    """The document's numbers by name: '省级天使投资基金规模（元）：10亿'."""
    colon = ": " if lang == "en" else "："
    return "; ".join(
        pick(k.label_zh, k.label_en, lang) + colon + format_quantity(k.document_value, lang)
        for k in lever.knobs
    )


def view_of(catalogue: Catalogue) -> CatalogueView:
    """The dashboard's view of the model's catalogue."""
    return CatalogueView(
        families=catalogue.families,
        levers=tuple(catalogue.levers.values()),
        departments=dict(catalogue.departments),
        leads=lead_departments(),
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
