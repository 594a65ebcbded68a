"""The no-policy demography as hazard tables: opening, failure (stopping to operate), dormant exit
(deregistration and revocation) and 个转企 conversion, built from one run's base rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.world.hazards import HazardTable, HazardTables
from model.world.kinds import (
    COOPERATIVE,
    DORMANT,
    INDIVIDUAL,
    MICRO,
    OPERATING,
    REGISTERED,
    ROW_KINDS,
    STATUS_NAMES,
)
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

    def __post_init__(self):
        # Every status process on one stack of tables: opening, the failure curves, dormant exit
        self._tables = HazardTables([self.opening, *self.failure, self.dormant_exit])
        first_failure = 1
        table_of = np.zeros((len(STATUS_NAMES), ROW_KINDS), dtype=np.intp)  # GONE: no process
        table_of[REGISTERED] = 0
        table_of[OPERATING] = first_failure + FAILURE_CURVE_OF_KIND
        table_of[DORMANT] = first_failure + len(self.failure)
        self._table_of = table_of

    def event_month(self, status, kind, origin, start, left, mult) -> np.ndarray:
        """Month of the pending event of entities in `status` (one for all, or one each: opening,
        failure on the curve of the entity's kind, dormant exit)."""
        return self._tables.event_month(self._table(status, kind), origin, start, left, mult)

    def used(self, status, kind, origin, start, now: int, mult) -> np.ndarray:
        """Hazard of the status's process used from `start` to `now`."""
        return self._tables.used(self._table(status, kind), origin, start, now, mult)

    def _table(self, status, kind):
        """The table of each entity's process: one for all if the status is one and its process
        does not depend on the kind (every process but failure)."""
        if np.ndim(status) == 0 and status != OPERATING:
            return self._table_of[status, 0]
        return self._table_of[status, kind]
