"""The per-agent reference: one plain `mesa.Agent` per market entity, the same no-policy rules as
model/ in discrete time (each agent draws each month whether its next event happens, with the
probability 1 - exp(-hazard of the month) from the same hazard tables).

It exists to check the vectorised model (tests/test_reference_agreement.py: same rates, same
distributions) and to measure how much faster the column store is (benchmarks/benchmark.py).
It is not part of the product.
"""

from __future__ import annotations

import mesa
import numpy as np
from scipy.stats import poisson

from model.defaults import DEFAULT_UNTIL
from model.world.events import ENTRY_KIND_OF_ROW_KIND, draw_entities
from model.world.kinds import (
    ABOVE_SCALE,
    COOPERATIVE,
    DORMANT,
    ENTRY_ENTERPRISE,
    GONE,
    INDIVIDUAL,
    MEDIUM,
    MICRO,
    NEVER_OPENS,
    OPERATING,
    REGISTERED,
    SMALL,
    enterprise_kind,
)
from model.world.model import DoublingModel


class Entity(mesa.Agent):
    """One market entity; `step` is one month of its life."""

    def __init__(self, model, *, kind, status, sector, city, born, opened, dormant_since,
                 log_rev0, growth, never_opens):  # fmt: skip
        super().__init__(model)
        self.kind, self.status, self.sector, self.city = kind, status, sector, city
        self.born, self.opened, self.dormant_since = born, opened, dormant_since
        self.log_rev0, self.growth, self.never_opens = log_rev0, growth, never_opens

    def step(self) -> None:
        m, t = self.model, self.model.t
        demo, rng = m.demography, m.rng
        if self.status == REGISTERED and not self.never_opens:
            if rng.random() < demo.opening.monthly_probability(t - self.born):
                self.status, self.opened = OPERATING, t
                m.flows["new_opened"] += 1
            return
        if self.status == OPERATING and self.opened < t:
            self._grow(t)
            curve = demo.failure[_curve(self.kind)]
            mult = demo.failure_kind_multiplier[self.kind]
            if rng.random() < curve.monthly_probability(t - self.born, mult):
                self.status, self.dormant_since = DORMANT, t
                if rng.random() < m.rates.reentry_share:
                    delay = 1 + rng.geometric(1.0 / m.rates.reentry_delay_months)
                    m.reentries.setdefault(t + delay, []).append(
                        (self.kind, self.sector, self.city)
                    )
            elif self.kind == INDIVIDUAL and rng.random() < demo.conversion.monthly_probability(0):
                self._convert(t)
        if self.status == DORMANT:
            age = t - self.dormant_since
            if rng.random() < demo.dormant_exit.monthly_probability(age):
                self.status = GONE
                m.flows["new_exited"] += 1
                self.remove()

    def _grow(self, t: int) -> None:
        if MICRO <= self.kind <= ABOVE_SCALE:
            new = int(enterprise_kind(np.array([self.log_rev0 + self.growth * t / 12.0]))[0])
            if new == ABOVE_SCALE and self.kind != ABOVE_SCALE:
                self.model.flows["new_above_scale"] += 1
            self.kind = new

    def _convert(self, t: int) -> None:
        """个转企: a new enterprise life (the failure clock restarts at the conversion month)."""
        revenue = self.log_rev0
        drawn = draw_entities(
            self.model.rates, np.array([ENTRY_ENTERPRISE]), self.model.rng, np.array([revenue])
        )
        self.kind, self.born, self.opened = int(drawn["kind"][0]), t, t
        self.growth = float(drawn["growth"][0])
        self.log_rev0 = revenue - self.growth * t / 12.0
        self.model.flows["new_individual_to_enterprise"] += 1


def _curve(kind: int) -> int:
    return 0 if kind == INDIVIDUAL else 2 if kind == COOPERATIVE else 1


class PerAgentModel(mesa.Model):
    """The no-policy world with one Mesa agent per entity, starting from the same end-2020 stock
    as the vectorised model with the same seed."""

    def __init__(self, *, seed: int, scale: float, until: str = DEFAULT_UNTIL):
        super().__init__(rng=seed + 1)
        start = DoublingModel(seed=seed, scale=scale, until=until, uncertainty=False)
        self.rates, self.demography, self.scale = start.rates, start.demography.runs[0], scale
        self.entry_rows_per_month = start.entry_rows_per_month[0]
        self.last_month, self.t = start.last_month, -1
        self.reentries: dict[int, list] = {}
        pop = start.pop
        rows = np.flatnonzero(pop.status[: pop.n] != GONE)
        opened = np.where(pop.status[rows] == OPERATING, pop.clock_start[rows] - 1, -10_000)
        for i, row in enumerate(rows):
            Entity(
                self, kind=int(pop.kind[row]), status=int(pop.status[row]),
                sector=int(pop.sector[row]), city=int(pop.city[row]), born=int(pop.born[row]),
                opened=int(opened[i]), dormant_since=int(pop.clock_origin[row]),
                log_rev0=float(pop.log_rev0[row]), growth=float(pop.growth[row]),
                never_opens=bool(pop.flags[row] & NEVER_OPENS),
            )  # fmt: skip
        self.history = [self.tally()]

    def step(self) -> None:
        self.t += 1
        self.flows = dict.fromkeys(
            ("new_registered", "new_opened", "new_exited", "new_individual_to_enterprise",
             "new_above_scale"), 0,
        )  # fmt: skip
        self._register()
        self.agents.shuffle_do("step")
        self.history.append(self.tally() | {k: v * self.scale for k, v in self.flows.items()})
        if self.t >= self.last_month:
            self.running = False

    def _register(self) -> None:
        t = self.t
        base = self.entry_rows_per_month * (1.0 + self.rates.entry_trend_per_year) ** (t / 12)
        counts = poisson.rvs(base, random_state=self.rng)
        cells = np.repeat(np.arange(counts.size), counts.ravel())
        entry_kind, sector, city = np.unravel_index(cells, counts.shape)
        for kind, s, c in self.reentries.pop(t, []):
            entry_kind = np.append(entry_kind, ENTRY_KIND_OF_ROW_KIND[kind])
            sector, city = np.append(sector, s), np.append(city, c)
        drawn = draw_entities(self.rates, entry_kind, self.rng)
        for i in range(len(entry_kind)):
            never = bool(drawn["never_opens"][i])
            growth = float(drawn["growth"][i])
            Entity(
                self, kind=int(drawn["kind"][i]), status=DORMANT if never else REGISTERED,
                sector=int(sector[i]), city=int(city[i]), born=t, opened=-10_000,
                dormant_since=t, log_rev0=float(drawn["log_rev0"][i]) - growth * t / 12.0,
                growth=growth, never_opens=never,
            )  # fmt: skip
        self.flows["new_registered"] += len(entry_kind)

    def tally(self) -> dict[str, float]:
        status = np.array([a.status for a in self.agents])
        kind = np.array([a.kind for a in self.agents])
        s = self.scale
        return {
            "n_registered": len(status) * s,
            "n_operating": np.count_nonzero(status == OPERATING) * s,
            "n_dormant": np.count_nonzero(status == DORMANT) * s,
            "n_individual": np.count_nonzero(kind == INDIVIDUAL) * s,
            "n_micro": np.count_nonzero(kind == MICRO) * s,
            "n_small": np.count_nonzero(kind == SMALL) * s,
            "n_medium": np.count_nonzero(kind == MEDIUM) * s,
            "n_above_scale": np.count_nonzero(kind == ABOVE_SCALE) * s,
        }

    def run(self) -> PerAgentModel:
        while self.running:
            self.step()
        return self
