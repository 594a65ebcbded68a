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
    """The random numbers of every chain leader of the stack in month t, by the leader's
    `position`, keyed by its run and its index among the run's leaders."""

    revenue_change: list[float]  # change of log revenue
    referral_rows: list[int]  # supplier registrations referred, in rows

    @classmethod
    def draw(cls, model: DoublingModel, t: int) -> MonthDraws:
        leaders = model.leaders
        run, index = leaders.run, leaders.index.astype(np.uint64)
        rates, n = model.stacked_rates, len(run)
        shocks = streams.KeyedDraws(model.streams.keys(streams.CHAIN_LEADERS, t)[run], index)
        growth = rates.by_run("chain_leader_growth_per_year")[run]
        sd = rates.by_run("chain_leader_growth_sd_per_month")[run]
        change = growth / 12.0 + sd * shocks.standard_normal(n)
        per_year = model.policy_state.chain_referrals[run, 0, leaders.sector, leaders.city]
        if per_year.any():
            # each leader's count from its own uniform (common random numbers across scenarios)
            keys = model.streams.keys(streams.CHAIN_LEADERS, t, "referral counts")[run]
            u = streams.KeyedDraws(keys, index, block=1).random(n)
            rows = streams.poisson_quantile(u, per_year / 12.0 / model.scale).tolist()
        else:
            rows = [0] * n
        return cls(change.tolist(), rows)


@dataclass(frozen=True)
class Leaders:
    """The chain leaders of a stack as arrays, by their `position` (grouped by run)."""

    run: np.ndarray
    index: np.ndarray  # among the leaders of its run
    sector: np.ndarray
    city: np.ndarray

    def by_run_and_city(self, runs: int, cities: int) -> np.ndarray:
        """How many leaders each [run, city] has."""
        return np.bincount(self.run * cities + self.city, minlength=runs * cities).reshape(runs, -1)


class ChainLeader(mesa.Agent):
    """A chain leader firm of run `run` of the model's stack; counted as one real enterprise,
    operating, in every scale."""

    def __init__(
        self,
        model: DoublingModel,
        position: int,
        run: int,
        sector: int,
        city: int,
        log_revenue: float,
    ):
        super().__init__(model)
        self.position = position  # in the stack's leaders (model.leaders) and the month's draws
        self.run = run
        self.sector = sector
        self.city = city
        self.log_revenue = log_revenue
        self.tier = bisect.bisect_right(LOG_TIERS, log_revenue)

    def step(self) -> None:
        """Grow, reward tier crossings, refer suppliers (this month's draws: model.chain_draws)."""
        draws = self.model.chain_draws
        self.log_revenue += draws.revenue_change[self.position]
        tier = bisect.bisect_right(LOG_TIERS, self.log_revenue)
        if tier > self.tier:
            self.model.count_chain_event("tier_crossing", self, tier - self.tier)
            self.tier = tier
        rows = draws.referral_rows[self.position]
        if rows:
            self.model.pending_referrals.append(
                (
                    np.full(rows, self.run, np.int16),
                    np.full(rows, self.sector, np.int8),
                    np.full(rows, self.city, np.int8),
                )
            )
