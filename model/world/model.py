"""The Mesa model of Shanxi's market entities (市场主体), one step per month from 2021-01."""

from __future__ import annotations

import copy

import mesa
import numpy as np

from model.columns import FLOWS, VALUES
from model.defaults import DEFAULT_UNTIL
from model.world import events, streams
from model.world.agenda import Agenda
from model.world.agents import ChainLeader, MonthDraws
from model.world.clock import month_index
from model.world.demography import Demography
from model.world.employment import Employment, employed
from model.world.fiscal import Fiscal
from model.world.geography import places
from model.world.kinds import (
    ABOVE_SCALE,
    CHAIN_LEADER,
    COOPERATIVE,
    DORMANT,
    ENTRY_ENTERPRISE,
    INDIVIDUAL,
    MEDIUM,
    MICRO,
    OPERATING,
    REGISTERED,
    ROW_KINDS,
    SMALL,
)
from model.world.parameters import RunRates, run_rates
from model.world.policy_state import Policy, PolicyState
from model.world.population import Population
from model.world.starting_stock import add_starting_stock

PRESENT = (REGISTERED, OPERATING, DORMANT)  # statuses of entities in the register
CELL_EVENTS = ("registration", "opening", "conversion", "upgrade", "tier_crossing")
# Rows the population reserves for each simulated year, as a share of the starting stock: the
# high end of the entry rate (0.22, base_rates.csv) grown at its trend (0.118) to mid-period, with
# half as much again for induced entrants, re-entrants and shells. An allowance, not a rate: a
# population outgrowing it is copied to a larger one, and the unused part costs no memory (numpy's
# zeros are mapped on first write).
ROWS_ADDED_PER_YEAR = 0.4
CHAIN_LEADER_SECTORS = {"manufacturing": 0.6, "energy": 0.4}  # assumption: Shanxi's key chains


class DoublingModel(mesa.Model):
    """Market entities of Shanxi, month by month, under a policy (levers of 晋发〔2021〕67号).

    Entities are rows of a column store (model.world.population), `scale` real entities per row; chain
    leaders (链主) are Mesa agents. A step is one month; `datacollector` holds one row per month,
    starting with the end-2020 state.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        scale: float = 20.0,
        until: str = DEFAULT_UNTIL,
        policy: Policy | None = None,
        uncertainty: bool = True,
        parameters: dict[str, float] | None = None,
    ):
        super().__init__(rng=seed)
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.seed = seed
        self.scale = float(scale)
        self.last_month = month_index(until, what="until")
        self.streams = streams.Streams(seed)
        self.rates = run_rates(seed, uncertainty, parameters)
        self.places = places()
        self.demography = Demography.from_rates(self.rates)
        self.policy = policy or Policy.none()
        self.policy_state = PolicyState.neutral()
        self.fiscal = Fiscal(self.policy.costs)
        self.t = -1
        self.start_stock = self.rates.start_stock_total

        n_sectors, n_cities = len(self.places.sectors), len(self.places.cities)
        self._cell_shape = (4, ROW_KINDS, n_sectors, n_cities)
        self._cells = ROW_KINDS * n_sectors * n_cities  # [kind, sector, city] cells of rows
        self.stock_rows = np.zeros(self._cell_shape, dtype=np.int64)
        self.event_cells: dict[str, np.ndarray] = {}
        self.flows: dict[str, int] = {}
        self._reset_month()
        self.pending_reentries: dict[tuple[int, int], list] = {}  # (month, flags) -> founders
        self.pending_referrals: list = []
        self.entry_rows_per_month = self._entry_rows_per_month()

        years = (self.last_month + 1) / 12
        expected_rows = self.start_stock / self.scale * (1 + ROWS_ADDED_PER_YEAR * years)
        self.pop = Population(int(expected_rows), n_sectors, n_cities)
        self.employment = employment_of(self.pop, self.rates)
        self.agenda = Agenda(self.last_month)
        add_starting_stock(self, self.start_stock, self.streams.get(streams.POPULATION))
        self._add_chain_leaders()
        self.shell_rows = 0  # shells (空壳) still in the register
        self.city_start = self.registered_by_city()  # the base of each city's doubling path

        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in VALUES}
        )
        self.city_rows: list[dict] = []
        self._collect()

    # --- set-up ----------------------------------------------------------------------------

    def _entry_rows_per_month(self) -> np.ndarray:
        """No-policy registrations per month in 2021-01, by [entry kind, sector, city], in rows."""
        v = self.rates
        per_month = v.entry_rate_per_year * self.start_stock / 12.0 / self.scale
        kind_share = np.array(
            [v.entry_share_individual, v.entry_share_enterprise, v.entry_share_cooperative]
        )
        kind_share = kind_share / kind_share.sum()
        return (
            per_month
            * kind_share[:, None, None]
            * self.places.sector_shares[:, :, None]
            * self.places.city_shares[:, None, :]
        )

    def _add_chain_leaders(self) -> None:
        v = self.rates
        rng = self.streams.get(streams.CHAIN_LEADERS, "start")
        count = int(v.chain_leader_count)
        sectors = [self.places.sectors.index(name) for name in CHAIN_LEADER_SECTORS]
        sector = rng.choice(sectors, count, p=list(CHAIN_LEADER_SECTORS.values()))
        city = rng.choice(
            len(self.places.cities), count, p=self.places.city_shares[ENTRY_ENTERPRISE]
        )
        median, sigma = v.chain_leader_revenue_median_yuan, v.chain_leader_revenue_sigma
        log_revenue = np.log(median) + sigma * rng.standard_normal(count)
        for index, (s, c, r) in enumerate(zip(sector, city, log_revenue, strict=True)):
            ChainLeader(self, index, int(s), int(c), float(r))
        self.leader_sector, self.leader_city = sector, city  # by the leaders' `index`

    # --- bookkeeping used by the events -----------------------------------------------------

    def count_stock(self, rows: np.ndarray, sign: int) -> None:
        """Add (sign 1) or take out (-1) rows in the stock counts by [status, kind, sector, city]."""
        flat = self.pop.status[rows].astype(np.intp)
        flat *= self._cells
        flat += self.pop.cell[rows]
        np.add.at(self.stock_rows.reshape(-1), flat, sign)

    def move_stock(self, rows: np.ndarray, old: int, new: int) -> np.ndarray:
        """Move rows, all in status `old`, to status `new` in the stock counts; returns the rows'
        count by [kind, sector, city] cell (flat)."""
        counts = np.bincount(self.pop.cell[rows], minlength=self._cells)
        stock = self.stock_rows.reshape(len(self.stock_rows), -1)
        stock[old] -= counts
        stock[new] += counts
        return counts

    def count_event_cells(self, name: str, counts: np.ndarray) -> None:
        """Count events `name` this month from their count by [kind, sector, city] cell (flat)."""
        self.event_cells[name].reshape(-1)[: len(counts)] += counts

    def count_event(self, name: str, rows: np.ndarray) -> None:
        """Count rows having event `name` this month by [kind, sector, city] (for fiscal costs)."""
        if len(rows):  # chain leaders come after the row kinds: the same flat index as pop.cell
            np.add.at(self.event_cells[name].reshape(-1), self.pop.cell[rows], 1.0)

    def count_chain_event(self, name: str, leader: ChainLeader, count: int) -> None:
        """Chain-leader events count as real entities: divide by scale to express them in rows."""
        self.event_cells[name][CHAIN_LEADER, leader.sector, leader.city] += count / self.scale

    def _reset_month(self) -> None:
        self.flows = dict.fromkeys(FLOWS, 0)
        shape = (ROW_KINDS + 1, *self._cell_shape[2:])  # row kinds and chain leaders
        self.event_cells = {name: np.zeros(shape) for name in CELL_EVENTS}

    # --- the month ---------------------------------------------------------------------------

    def step(self) -> None:
        """One month: policy in force; changes of hazard, size and kind from the month's start
        (young-firm windows ending, 小升规 and other size moves, 个转企); chain leaders;
        registrations; then the status events falling due (opening, dormancy, exit)."""
        self.t += 1
        t = self.t
        self._reset_month()
        if t in self.policy.states:
            state = self.policy.states[t]
            changed = state.changed_cells(self.policy_state)
            self.policy_state = state
            events.apply_policy_change(self, t, changed)
        events.rehazard(self, t)
        events.move_size(self, t)
        events.convert(self, t)
        self.chain_draws = MonthDraws.draw(self, t, len(self.agents))
        self.agents.shuffle_do("step")
        events.register(self, t)
        events.status_events(self, t)
        self.fiscal.account(self, t)
        self._collect()
        if t >= self.last_month:
            self.running = False

    def fork(self, policy: Policy) -> DoublingModel:
        """A copy of this model to continue under `policy`, which must have put the same states
        in force up to this month (the model reads its policy only through `policy.states`; the
        copy keeps this policy's cost lines, which a variant of the same levers shares)."""
        variant = copy.deepcopy(self)
        variant.policy = policy
        return variant

    def run(self) -> DoublingModel:
        while self.running:
            self.step()
        return self

    # --- reporting ---------------------------------------------------------------------------

    def _collect(self) -> None:
        self.report = self._tally()
        self.datacollector.collect(self)
        if self.t % 12 == 11 or self.t == -1:
            self._collect_cities()

    def _tally(self) -> dict[str, float]:
        s = self.scale
        by_status_kind = self.stock_rows.sum(axis=(2, 3)).tolist()  # [status][kind], exact ints
        rows = (by_status_kind[x] for x in PRESENT)
        present = [sum(counts) for counts in zip(*rows, strict=True)]  # by kind
        leaders = len(self.agents)
        report = {
            "n_registered": sum(present) * s + leaders,
            "n_operating": sum(by_status_kind[OPERATING]) * s + leaders,
            "n_dormant": sum(by_status_kind[DORMANT]) * s,
            "n_individual": present[INDIVIDUAL] * s,
            "n_enterprise": sum(present[MICRO : ABOVE_SCALE + 1]) * s + leaders,
            "n_micro": present[MICRO] * s,
            "n_small": present[SMALL] * s,
            "n_medium": present[MEDIUM] * s,
            "n_above_scale": present[ABOVE_SCALE] * s,
            "n_chain_leader": leaders,
            "n_cooperative": present[COOPERATIVE] * s,
            "n_shell": self.shell_rows * s,
            "n_employed": self._employed(),
            "cum_fiscal_cost": self.fiscal.total,
        }
        report.update({name: value * s for name, value in self.flows.items()})
        return {name: float(value) for name, value in report.items()}

    def _employed(self) -> float:
        """Persons working in operating entities and chain leaders (model.world.employment):
        entrants' persons net of displacement, below the labour ceiling."""
        leaders = sum(agent.employees for agent in self.agents)
        demand = self.employment.demand(max(self.t, 0)) * self.scale + leaders
        v = self.rates
        return employed(demand, v.labour_ceiling_persons, v.labour_ceiling_sharpness)

    def registered_by_city(self) -> np.ndarray:
        """Registered entities (real, chain leaders included) by city."""
        present = self.stock_rows[list(PRESENT)].sum(axis=(0, 1, 2))
        return present * self.scale + self._leaders_by_city()

    def _leaders_by_city(self) -> np.ndarray:
        return np.bincount(self.leader_city, minlength=self.stock_rows.shape[3])

    def _collect_cities(self) -> None:
        registered = self.registered_by_city()
        operating = self.stock_rows[OPERATING].sum(axis=(0, 1)) * self.scale
        operating = operating + self._leaders_by_city()
        for index, city in enumerate(self.places.cities):
            self.city_rows.append(
                {
                    "month": self.t,
                    "city": city,
                    "n_registered": float(registered[index]),
                    "n_operating": float(operating[index]),
                }
            )


def employment_of(pop: Population, v: RunRates) -> Employment:
    """The running sums of persons demanded, with the persons of each kind from the base rates."""
    persons_by_kind = np.zeros(ROW_KINDS)
    persons_by_kind[[INDIVIDUAL, COOPERATIVE]] = v.employees_individual, v.employees_cooperative
    return Employment(
        pop,
        persons_by_kind,
        employees_at_median_new_revenue(v),
        v.employment_revenue_elasticity,
        float(np.log(v.revenue_median_new_enterprise_yuan)),
        v.entrant_displacement_share,
    )


def employees_at_median_new_revenue(v: RunRates) -> float:
    """Persons in a new enterprise of median revenue, such that new enterprises average
    `employees_new_enterprise` (a lognormal revenue raised to the elasticity has mean
    exp(elasticity^2 sigma^2 / 2) times its median)."""
    spread = (v.employment_revenue_elasticity * v.revenue_sigma_new_enterprise) ** 2 / 2
    return v.employees_new_enterprise / np.exp(spread)


def _reporter(name: str):
    def report(model: DoublingModel) -> float:
        return model.report[name]

    report.__name__ = name
    return report
