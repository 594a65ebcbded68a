"""Sectors and cities: ids, names and the shares that place entities (model/world/data/*.csv)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from model.world.datafiles import DATA_DIR, csv_rows


@dataclass(frozen=True)
class Places:
    sectors: tuple[str, ...]
    cities: tuple[str, ...]
    city_names_zh: tuple[str, ...]
    city_names_en: tuple[str, ...]
    # share of each entry kind (individual, enterprise, cooperative) by sector and by city
    sector_shares: np.ndarray  # [3, sectors]
    city_shares: np.ndarray  # [3, cities]


@cache
def places() -> Places:
    sectors = csv_rows(DATA_DIR / "sectors.csv")
    cities = csv_rows(DATA_DIR / "cities.csv")
    sector_shares = np.array(
        [
            [float(r[f"share_{k}"]) for r in sectors]
            for k in ("individual", "enterprise", "cooperative")
        ]
    )
    population = np.array([float(r["share_population"]) for r in cities])
    enterprise = np.array([float(r["share_enterprise"]) for r in cities])
    city_shares = np.array([population, enterprise, population])
    return Places(
        sectors=tuple(r["sector"] for r in sectors),
        cities=tuple(r["city"] for r in cities),
        city_names_zh=tuple(r["name_zh"] for r in cities),
        city_names_en=tuple(r["name_en"] for r in cities),
        sector_shares=sector_shares / sector_shares.sum(axis=1, keepdims=True),
        city_shares=city_shares / city_shares.sum(axis=1, keepdims=True),
    )
