"""Chain leaders (链主): few, large, deciding agents (art. 14 链长制), as Mesa agents.

Each one grows its revenue, crosses the reward tiers of 1, 5 and 10 bn yuan (10亿/50亿/100亿), and
refers suppliers (以商招商) who register in its sector and city when the chain-leader lever pays it to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from model.world import streams

if TYPE_CHECKING:
    from model.world.model import DoublingModel

TIERS_YUAN = np.array([1e9, 5e9, 10e9])  # art. 14: rewards when revenue first reaches 10/50/100亿


class ChainLeader(mesa.Agent):
    """A chain leader firm; counted as one real enterprise, operating, in every scale."""

    def __init__(self, model: DoublingModel, sector: int, city: int, log_revenue: float):
        super().__init__(model)
        self.sector = sector
        self.city = city
        self.log_revenue = log_revenue
        self.tier = int(np.searchsorted(np.log(TIERS_YUAN), log_revenue, side="right"))

    @property
    def employees(self) -> float:
        per_million = self.model.rates.chain_leader_employees_per_million_yuan
        return float(np.exp(self.log_revenue) / 1e6 * per_million)

    def step(self) -> None:
        """Grow, reward tier crossings, refer suppliers."""
        v, t = self.model.rates, self.model.t
        rng = self.model.streams.get(streams.CHAIN_LEADERS, t, self.unique_id)
        self.log_revenue += (
            v.chain_leader_growth_per_year / 12.0
            + v.chain_leader_growth_sd_per_month * rng.standard_normal()
        )
        tier = int(np.searchsorted(np.log(TIERS_YUAN), self.log_revenue, side="right"))
        if tier > self.tier:
            self.model.count_chain_event("tier_crossing", self, tier - self.tier)
            self.tier = tier
        referrals = self.model.policy_state.chain_referrals
        if referrals > 0:
            rows = rng.poisson(referrals / 12.0 / self.model.scale)
            if rows:
                self.model.pending_referrals.append(
                    (np.full(rows, self.sector, np.int8), np.full(rows, self.city, np.int8))
                )
