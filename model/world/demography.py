"""The no-policy demography as hazard tables: opening, failure (stopping to operate), dormant exit
(deregistration and revocation) and 个转企 conversion, built from one run's base rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from model.world.hazards import HazardTable
from model.world.kinds import COOPERATIVE, INDIVIDUAL, MICRO, OPERATING, REGISTERED, ROW_KINDS
from model.world.parameters import RunRates, hazard_curves

# The enterprise curve is scaled in three age bands (years 0, 1-2, 3+) fitted by run.py calibrate.
PEAK_ENTERPRISE_YEARS = (1, 2)

# Failure curve of each row kind: 0 individual-business curve, 1 enterprise curve, 2 cooperative.
CURVE_INDIVIDUAL, CURVE_ENTERPRISE, CURVE_COOPERATIVE = range(3)
FAILURE_CURVE_OF_KIND = np.array([CURVE_ENTERPRISE] * ROW_KINDS, dtype=np.int8)
FAILURE_CURVE_OF_KIND[INDIVIDUAL] = CURVE_INDIVIDUAL
FAILURE_CURVE_OF_KIND[COOPERATIVE] = CURVE_COOPERATIVE


@dataclass
class Demography:
    failure: tuple[HazardTable, HazardTable, HazardTable]
    failure_kind_multiplier: np.ndarray  # by row kind (micro firms fail faster)
    opening: HazardTable
    never_open_share: float
    dormant_exit: HazardTable
    conversion: HazardTable

    @classmethod
    def from_rates(cls, v: RunRates) -> Demography:
        curves = hazard_curves()
        age = np.arange(len(curves["enterprise"]))
        failure = (
            HazardTable.from_annual_by_year(curves["individual"], v.failure_scale_individual),
            HazardTable.from_annual_by_year(
                curves["enterprise"],
                np.select(
                    [age < PEAK_ENTERPRISE_YEARS[0], age <= PEAK_ENTERPRISE_YEARS[1]],
                    [v.failure_scale_enterprise, v.failure_scale_enterprise_peak],
                    v.failure_scale_enterprise_old,
                ),
            ),
            HazardTable.from_annual_by_year(curves["individual"], v.failure_scale_cooperative),
        )
        kind_multiplier = np.ones(ROW_KINDS)
        kind_multiplier[MICRO] = v.failure_multiplier_micro
        first_month = -np.log1p(-v.open_first_month_share)
        return cls(
            failure=failure,
            failure_kind_multiplier=kind_multiplier,
            opening=HazardTable.constant(v.open_hazard_per_month, first_month=first_month),
            never_open_share=v.never_open_share,
            dormant_exit=HazardTable.piecewise(
                [
                    v.dormant_exit_first_year_per_month,
                    v.dormant_exit_per_month,
                    v.dormant_exit_per_month + v.revocation_hazard_per_month,
                ],
                [0, 12, int(v.revocation_after_months)],
            ),
            conversion=HazardTable.constant(-np.log1p(-v.conversion_per_year) / 12.0),
        )

    def event_month(self, status: int, kind, origin, start, left, mult) -> np.ndarray:
        """Month of the pending event of entities in `status` (opening, failure, dormant exit)."""
        tables = self._tables(status, kind)
        if len(tables) == 1:
            return tables[0][0].event_month(origin, start, left, mult)
        out = np.empty(len(kind), dtype=np.int32)
        for table, r in tables:
            out[r] = table.event_month(origin[r], start[r], left[r], mult[r])
        return out

    def used(self, status: int, kind, origin, start, now: int, mult) -> np.ndarray:
        """Hazard of the status's process used from `start` to `now`."""
        out = np.empty(len(kind), dtype=np.float64)
        for table, r in self._tables(status, kind):
            out[r] = table.used(origin[r], start[r], now, mult[r])
        return out

    def _tables(self, status: int, kind: np.ndarray) -> list[tuple[HazardTable, Any]]:
        """(hazard table, rows it applies to) covering every row: the status's table, or for
        failure the curve of each row's kind."""
        if status != OPERATING:
            return [(self.opening if status == REGISTERED else self.dormant_exit, slice(None))]
        curve = FAILURE_CURVE_OF_KIND[kind]
        if len(curve) == 0 or (curve == curve[0]).all():
            return [(self.failure[curve[0] if len(curve) else 0], slice(None))]
        return [(table, (curve == i).nonzero()[0]) for i, table in enumerate(self.failure)]
