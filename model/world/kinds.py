"""Kinds and statuses of market entities (市场主体), and the revenue ladder between enterprise sizes.

Kinds are integer codes stored in the population's `kind` column. Chain leaders (链主) are Mesa agents
(model/world/agents.py), not rows, but have a kind code so that levers can target them.
"""

from __future__ import annotations

import numpy as np

INDIVIDUAL, MICRO, SMALL, MEDIUM, ABOVE_SCALE, COOPERATIVE, CHAIN_LEADER = range(7)
KIND_NAMES = (
    "individual",
    "micro",
    "small",
    "medium",
    "above_scale",
    "cooperative",
    "chain_leader",
)
ROW_KINDS = 6  # kinds held as population rows (all but chain leaders)
ENTERPRISE_KINDS = (MICRO, SMALL, MEDIUM, ABOVE_SCALE)

# Kinds a registration can be: enterprises get their size from their revenue at registration.
ENTRY_INDIVIDUAL, ENTRY_ENTERPRISE, ENTRY_COOPERATIVE = range(3)
ENTRY_KIND_NAMES = ("individual", "enterprise", "cooperative")

REGISTERED, OPERATING, DORMANT, GONE = range(4)
STATUS_NAMES = ("registered", "operating", "dormant", "gone")

# Flags (bit mask in the `flags` column).
INDUCED = 1  # registered because of a lever (entry above the no-policy count)
SHELL = 2  # registered to meet a count (assessment_pressure); never operates
REENTRANT = 4  # founder whose earlier entity failed, registering again
NEVER_OPENS = 8  # registered but will never operate (never-opening registrations and shells)

# Revenue ladder (yuan a year) between enterprise sizes. The 规上 line of 20 M yuan is sourced
# (national_demography.csv above_scale_industry_revenue_threshold_yuan). Assumption: one revenue
# dimension with disjoint bands, micro below 3 M (the industrial micro line of the 2011 SME
# classification), medium = 10-20 M ("below the line" firms nearest to 小升规).
SIZE_THRESHOLDS_YUAN = np.array([3e6, 10e6, 20e6])
LOG_SIZE_THRESHOLDS = np.log(SIZE_THRESHOLDS_YUAN)
ABOVE_SCALE_YUAN = 20e6


def enterprise_kind(log_revenue: np.ndarray) -> np.ndarray:
    """Enterprise size kind (MICRO..ABOVE_SCALE) from log revenue in yuan."""
    return (MICRO + np.searchsorted(LOG_SIZE_THRESHOLDS, log_revenue, side="right")).astype(np.int8)


def is_enterprise(kind: np.ndarray) -> np.ndarray:
    return (kind >= MICRO) & (kind <= ABOVE_SCALE)
