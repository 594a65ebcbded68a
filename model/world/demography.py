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
    ROW_KINDS,
    STATUS_NAMES,
)
from model.world.parameters import RunRates, hazard_curves

# The enterprise curve is scaled in three age bands (years 0, 1-2, 3+) fitted by run.py calibrate.
PEAK_ENTERPRISE_YEARS = (1, 2)

# Failure curve of each row kind: 0 individual-business curve, 1 enterprise curve, 2 cooperative.
CURVE_NAMES = ("individual", "enterprise", "cooperative")
CURVE_INDIVIDUAL, CURVE_ENTERPRISE, CURVE_COOPERATIVE = range(len(CURVE_NAMES))
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

    @property
    def tables(self) -> list[HazardTable]:
        """The status processes' tables, in the order of TABLE_OF: opening, the failure curves,
        dormant exit."""
        return [self.opening, *self.failure, self.dormant_exit]


# The table of each [status, kind]'s process among Demography.tables (GONE: no process).
TABLE_OF = np.zeros((len(STATUS_NAMES), ROW_KINDS), dtype=np.intp)
TABLE_OF[OPERATING] = 1 + FAILURE_CURVE_OF_KIND
TABLE_OF[DORMANT] = 1 + len(CURVE_NAMES)


class DemographyStack:
    """The demographies of the runs of a stack, solved together: every row's process on its run's
    tables (`run`: one per row, or one for all rows)."""

    def __init__(self, runs: list[Demography], last_month: int):
        self.runs = runs
        self.last_month = last_month  # events after it are not solved (NEVER)
        self._tables_per_run = len(runs[0].tables)
        self._tables = HazardTables([table for run in runs for table in run.tables])
        self._conversion = HazardTables([run.conversion for run in runs])
        self._kind_multiplier = np.stack([run.failure_kind_multiplier for run in runs])

    def failure_kind_multiplier(self, kind: np.ndarray, run) -> np.ndarray:
        """The failure multiplier of each row's kind (micro firms fail faster) in its run."""
        return self._kind_multiplier[run if len(self.runs) > 1 else 0, kind]

    def event_month(self, status, kind, origin, start, left, mult, run) -> np.ndarray:
        """Month of the pending event of entities in `status` (one for all, or one each: opening,
        failure on the curve of the entity's kind, dormant exit)."""
        table = self._table(status, kind, run)
        return self._tables.event_month(table, origin, start, left, mult, self.last_month)

    def used(self, status, kind, origin, start, now: int, mult, run) -> np.ndarray:
        """Hazard of the status's process used from `start` to `now`."""
        return self._tables.used(self._table(status, kind, run), origin, start, now, mult)

    def conversion_month(self, start, left, mult, run) -> np.ndarray:
        """Month of 个转企 of individual businesses exposed from `start` (its clock's origin)."""
        return self._conversion.event_month(
            self._run(run), start, start, left, mult, self.last_month
        )

    def conversion_used(self, start, now: int, mult, run) -> np.ndarray:
        return self._conversion.used(self._run(run), start, start, now, mult)

    def _run(self, run):
        return run if len(self.runs) > 1 else 0

    def _table(self, status, kind, run):
        """The table of each entity's process: one for all if the runs are one, the status is one
        and its process does not depend on the kind (every process but failure)."""
        if np.ndim(status) == 0 and status != OPERATING:
            table = TABLE_OF[status, 0]
        else:
            table = TABLE_OF[status, kind]
        if len(self.runs) == 1:
            return table
        return table + np.asarray(run, dtype=np.intp) * self._tables_per_run
