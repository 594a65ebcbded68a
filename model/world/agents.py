"""Chain leaders (链主): few, large, deciding agents (art. 14 链长制), as Mesa agents.

Each one grows its revenue, crosses the reward tiers of 1, 5 and 10 bn yuan (10亿/50亿/100亿), and
refers suppliers (以商招商) who register in its sector and city when the chain-leader lever pays it to.
The month's random numbers of all leaders are drawn at once (`MonthDraws`), one stream per month and
purpose, so every scenario gives a leader the same revenue path (common random numbers).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa
import numpy as np

from model.world import streams

if TYPE_CHECKING:
    from model.world.model import DoublingModel

TIERS_YUAN = (1e9, 5e9, 10e9)  # art. 14: rewards when revenue first reaches 10/50/100亿
LOG_TIERS = tuple(math.log(x) for x in TIERS_YUAN)


@dataclass(frozen=True)
class MonthDraws:
    """The random numbers of every chain leader of a run in month t, indexed by the leader's
    `index`."""

    revenue_change: list[float]  # change of log revenue
    referral_rows: list[int]  # supplier registrations referred, in rows

    @classmethod
    def draw(cls, model: DoublingModel, t: int, run: int) -> MonthDraws:
        rates, run_streams = model.stacked_rates, model.streams.runs[run]
        leaders = len(model.leader_city[run])
        shocks = run_streams.get(streams.CHAIN_LEADERS, t).standard_normal(leaders)
        growth = rates.by_run("chain_leader_growth_per_year")[run]
        sd = rates.by_run("chain_leader_growth_sd_per_month")[run]
        change = growth / 12.0 + sd * shocks
        per_year = model.policy_state.chain_referrals[run, 0]  # [sectors, cities]
        if per_year.any():
            # each leader's count from its own uniform (common random numbers across scenarios)
            u = run_streams.get(streams.CHAIN_LEADERS, t, "referral counts").random(leaders)
            mean = per_year[model.leader_sector[run], model.leader_city[run]] / 12.0 / model.scale
            rows = streams.poisson_quantile(u, mean).tolist()
        else:
            rows = [0] * leaders
        return cls(change.tolist(), rows)


class ChainLeader(mesa.Agent):
    """A chain leader firm of run `run` of the model's stack; counted as one real enterprise,
    operating, in every scale."""

    def __init__(
        self,
        model: DoublingModel,
        run: int,
        index: int,
        sector: int,
        city: int,
        log_revenue: float,
    ):
        super().__init__(model)
        self.run = run
        self.index = index  # position in the month's draws
        self.sector = sector
        self.city = city
        self.log_revenue = log_revenue
        self.tier = bisect.bisect_right(LOG_TIERS, log_revenue)

    @property
    def employees(self) -> float:
        per_million = self.model.stacked_rates.by_run("chain_leader_employees_per_million_yuan")
        return math.exp(self.log_revenue) / 1e6 * float(per_million[self.run])

    def step(self) -> None:
        """Grow, reward tier crossings, refer suppliers (this month's draws: model.chain_draws)."""
        draws = self.model.chain_draws[self.run]
        self.log_revenue += draws.revenue_change[self.index]
        tier = bisect.bisect_right(LOG_TIERS, self.log_revenue)
        if tier > self.tier:
            self.model.count_chain_event("tier_crossing", self, tier - self.tier)
            self.tier = tier
        rows = draws.referral_rows[self.index]
        if rows:
            self.model.pending_referrals.append(
                (
                    np.full(rows, self.run, np.int16),
                    np.full(rows, self.sector, np.int8),
                    np.full(rows, self.city, np.int8),
                )
            )
