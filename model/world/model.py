"""The Mesa model of Shanxi's market entities (市场主体), one step per month from 2021-01."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np

from model.columns import FLOWS, VALUES
from model.defaults import DEFAULT_UNTIL
from model.world import events, streams
from model.world.agenda import Agenda
from model.world.agents import ChainLeader, Leaders, MonthDraws
from model.world.clock import month_index
from model.world.demography import Demography, DemographyStack
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
from model.world.parameters import RateStack, RunRates, run_rates
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


@dataclass(frozen=True)
class Run:
    """One run of a stack: its seed, the policy in force (None: no policy) and its parameter
    values in place of the base rates (e.g. its draw from the posterior)."""

    seed: int
    policy: Policy | None = None
    parameters: dict[str, float] | None = None


class DoublingModel(mesa.Model):
    """Market entities of Shanxi, month by month, under a policy (levers of 晋发〔2021〕67号).

    Entities are rows of a column store (model.world.population), `scale` real entities per row; chain
    leaders (链主) are Mesa agents. A step is one month; `datacollector` holds one row per month,
    starting with the end-2020 state.

    One model can hold a stack of runs (`runs`: their seeds, policies and parameters; by default
    the one run of `seed`, `policy` and `parameters`): their rows share the column store, each row
    knowing its run, so a month costs about as many numpy calls for many runs as for one. A run's
    results do not depend on the stack it is in: its draws come from its own streams, keyed by
    entity where groups differ between runs, and every sum is taken run by run.
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
        runs: Sequence[Run] | None = None,
    ):
        runs = list(runs) if runs is not None else [Run(seed, policy, parameters)]
        super().__init__(rng=runs[0].seed)
        if not scale > 0:
            raise ValueError(f"scale must be positive, got {scale}")
        self.runs = runs
        self.scale = float(scale)
        self.last_month = month_index(until, what="until")
        self.streams = streams.StreamStack([run.seed for run in runs])
        self.stacked_rates = RateStack(
            [run_rates(run.seed, uncertainty, run.parameters) for run in runs]
        )
        self.places = places()
        self.demography = DemographyStack(
            [Demography.from_rates(rates) for rates in self.stacked_rates.runs], self.last_month
        )
        self.policies = [run.policy or Policy.none() for run in runs]
        self.policy_state = PolicyState.stacked([PolicyState.neutral()] * len(runs))
        self.fiscal = Fiscal([policy.costs for policy in self.policies])
        self.t = -1
        self.start_stock = self.stacked_rates.by_run("start_stock_total")

        self._start_bookkeeping()
        self._add_starting_population()
        self.leaders = self._add_chain_leaders()
        self.leaders_by_city = self.leaders.by_run_and_city(len(runs), len(self.places.cities))
        self.leader_count = self.leaders_by_city.sum(axis=1)
        self.shell_rows = np.zeros(len(runs), dtype=np.int64)  # shells (空壳) in the register
        self.city_start = self.registered_by_city()  # the base of each city's doubling path

        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in VALUES}
        )
        self.city_rows: list[np.ndarray] = []  # [run, city, n_registered | n_operating], yearly
        self._collect()

    @property
    def rates(self) -> RunRates:
        """The parameter values of a model of one run."""
        (rates,) = self.stacked_rates.runs
        return rates

    # --- set-up ----------------------------------------------------------------------------

    def _start_bookkeeping(self) -> None:
        """The counts kept by [run, ...] cell, the month's flows and events, the pending entries."""
        n_sectors, n_cities = len(self.places.sectors), len(self.places.cities)
        self._cell_shape = (len(self.runs), 4, ROW_KINDS, n_sectors, n_cities)
        self.row_cells = ROW_KINDS * n_sectors * n_cities  # [kind, sector, city] cells of rows
        self.stock_rows = np.zeros(self._cell_shape, dtype=np.int64)
        self.event_cells: dict[str, np.ndarray] = {}
        self.flows: dict[str, np.ndarray] = {}
        self._reset_month()
        self.pending_reentries: dict[tuple[int, int], list] = {}  # (month, flags) -> founders
        self.pending_referrals: list = []
        self.entry_rows_per_month = self._entry_rows_per_month()

    def _add_starting_population(self) -> None:
        """The population, its employment sums and agenda, with every run's end-2020 stock."""
        years = (self.last_month + 1) / 12
        expected_rows = self.start_stock.sum() / self.scale * (1 + ROWS_ADDED_PER_YEAR * years)
        self.pop = Population(int(expected_rows), len(self.places.sectors), len(self.places.cities))
        self.employment = employment_of(self.pop, self.stacked_rates)
        self.agenda = Agenda(self.last_month)
        for run in range(len(self.runs)):
            rng = self.streams.runs[run].get(streams.POPULATION)
            add_starting_stock(self, run, float(self.start_stock[run]), rng)

    def _entry_rows_per_month(self) -> np.ndarray:
        """No-policy registrations per month in 2021-01, by [run, entry kind, sector, city], in
        rows."""
        v = self.stacked_rates
        per_month = v.by_run("entry_rate_per_year") * self.start_stock / 12.0 / self.scale
        kind_share = np.stack(
            [
                v.by_run("entry_share_individual"),
                v.by_run("entry_share_enterprise"),
                v.by_run("entry_share_cooperative"),
            ],
            axis=1,
        )
        kind_share = kind_share / kind_share.sum(axis=1, keepdims=True)
        return (
            per_month[:, None, None, None]
            * kind_share[:, :, None, None]
            * self.places.sector_shares[None, :, :, None]
            * self.places.city_shares[None, :, None, :]
        )

    def _add_chain_leaders(self) -> Leaders:
        """Each run's chain leaders (drawn from its own stream), as agents and as arrays."""
        columns: dict[str, list[np.ndarray]] = {"run": [], "index": [], "sector": [], "city": []}
        for run, v in enumerate(self.stacked_rates.runs):
            rng = self.streams.runs[run].get(streams.CHAIN_LEADERS, "start")
            count = int(v.chain_leader_count)
            sectors = [self.places.sectors.index(name) for name in CHAIN_LEADER_SECTORS]
            sector = rng.choice(sectors, count, p=list(CHAIN_LEADER_SECTORS.values()))
            city = rng.choice(
                len(self.places.cities), count, p=self.places.city_shares[ENTRY_ENTERPRISE]
            )
            median, sigma = v.chain_leader_revenue_median_yuan, v.chain_leader_revenue_sigma
            log_revenue = np.log(median) + sigma * rng.standard_normal(count)
            first = len(self.agents)
            for index, (s, c, r) in enumerate(zip(sector, city, log_revenue, strict=True)):
                ChainLeader(self, first + index, run, int(s), int(c), float(r))
            for name, values in zip(
                columns, (np.full(count, run), np.arange(count), sector, city), strict=True
            ):
                columns[name].append(values)
        return Leaders(**{name: np.concatenate(parts) for name, parts in columns.items()})

    # --- bookkeeping used by the events -----------------------------------------------------

    def run_of(self, rows: np.ndarray | slice) -> np.ndarray | int:
        """The run of each of `rows` (0 for all in a model of one run)."""
        return self.pop.run[rows].astype(np.intp) if len(self.runs) > 1 else 0

    def cells_of(self, rows: np.ndarray | slice) -> np.ndarray:
        """Each row's flat [run, kind, sector, city] cell."""
        cell = self.pop.cell[rows]
        if len(self.runs) == 1:
            return cell
        return cell + self.pop.run[rows].astype(np.intp) * self.row_cells

    def count_stock(self, rows: np.ndarray, sign: int) -> None:
        """Add (sign 1) or take out (-1) rows in the stock counts by [run, status, kind, sector,
        city]."""
        flat = self.pop.status[rows].astype(np.intp)
        flat *= self.row_cells
        flat += self.pop.cell[rows]
        if len(self.runs) > 1:
            flat += self.pop.run[rows].astype(np.intp) * (len(self.stock_rows[0]) * self.row_cells)
        np.add.at(self.stock_rows.reshape(-1), flat, sign)

    def move_stock(self, rows: np.ndarray, old: int, new: int) -> np.ndarray:
        """Move rows, all in status `old`, to status `new` in the stock counts; returns the rows'
        count by [run, kind, sector, city] cell (flat)."""
        flat = np.bincount(self.cells_of(rows), minlength=len(self.runs) * self.row_cells)
        counts = flat.reshape(len(self.runs), -1)
        stock = self.stock_rows.reshape(*self.stock_rows.shape[:2], -1)
        stock[:, old] -= counts
        stock[:, new] += counts
        return counts

    def count_event_cells(self, name: str, counts: np.ndarray) -> None:
        """Count events `name` this month from their count by [run, kind, sector, city] cell."""
        self.event_cells[name].reshape(len(self.runs), -1)[:, : counts.shape[1]] += counts

    def count_event(self, name: str, rows: np.ndarray) -> None:
        """Count rows having event `name` this month by [run, kind, sector, city] (for fiscal
        costs)."""
        if len(rows):  # chain leaders come after the row kinds: the same flat index as pop.cell
            cells = self.event_cells[name]
            flat = self.pop.cell[rows].astype(np.intp)
            if len(self.runs) > 1:
                flat += self.pop.run[rows].astype(np.intp) * cells[0].size
            np.add.at(cells.reshape(-1), flat, 1.0)

    def count_by_run(self, rows: np.ndarray) -> np.ndarray:
        """How many of `rows` each run has."""
        if len(self.runs) == 1:
            return np.array([len(rows)])
        return np.bincount(self.pop.run[rows], minlength=len(self.runs))

    def count_flow(self, name: str, rows: np.ndarray) -> None:
        """Count `rows` in flow `name` of this month, by run."""
        self.flows[name] += self.count_by_run(rows)

    def count_chain_event(self, name: str, leader: ChainLeader, count: int) -> None:
        """Chain-leader events count as real entities: divide by scale to express them in rows."""
        cells = self.event_cells[name]
        cells[leader.run, CHAIN_LEADER, leader.sector, leader.city] += count / self.scale

    def _reset_month(self) -> None:
        self.flows = {name: np.zeros(len(self.runs), dtype=np.int64) for name in FLOWS}
        shape = (len(self.runs), ROW_KINDS + 1, *self._cell_shape[3:])  # with chain leaders
        self.event_cells = {name: np.zeros(shape) for name in CELL_EVENTS}

    # --- the month ---------------------------------------------------------------------------

    def step(self) -> None:
        """One month: policy in force; changes of hazard, size and kind from the month's start
        (young-firm windows ending, 小升规 and other size moves, 个转企); chain leaders;
        registrations; then the status events falling due (opening, dormancy, exit)."""
        self.t += 1
        t = self.t
        self._reset_month()
        if any(t in policy.states for policy in self.policies):
            state = self._state_in_force(t)
            changed = state.changed_cells(self.policy_state)
            self.policy_state = state
            events.apply_policy_change(self, t, changed)
        events.rehazard(self, t)
        events.move_size(self, t)
        events.convert(self, t)
        self.chain_draws = MonthDraws.draw(self, t)
        self.agents.do("step")
        events.register(self, t)
        events.status_events(self, t)
        self.fiscal.account(self, t)
        self._collect()
        if t >= self.last_month:
            self.running = False

    def _state_in_force(self, t: int) -> PolicyState:
        """The states the runs' policies put in force in month t, stacked."""
        return PolicyState.stacked([policy.state_at(t) for policy in self.policies])

    def fork(self, policies: Sequence[Policy]) -> DoublingModel:
        """A copy of this model to continue its runs under `policies` (one per run), which must
        have put the same states in force up to this month (the model reads its policies only
        through their states; the copy keeps these policies' cost lines, which a variant of the
        same levers shares)."""
        variant = copy.deepcopy(self)
        variant.policies = list(policies)
        return variant

    def run(self) -> DoublingModel:
        while self.running:
            self.step()
        return self

    # --- reporting ---------------------------------------------------------------------------

    @property
    def report(self) -> dict[str, float]:
        """This month's values (model.columns.VALUES) of a model of one run."""
        (run,) = range(len(self.runs))
        return {name: float(values[run]) for name, values in self.tally.items()}

    def _collect(self) -> None:
        self.tally = self._tally()
        self.datacollector.collect(self)
        if self.t % 12 == 11 or self.t == -1:
            self._collect_cities()

    def _tally(self) -> dict[str, np.ndarray]:
        """The values of the month (model.columns.VALUES), by run."""
        s = self.scale
        by_status_kind = self.stock_rows.sum(axis=(3, 4))  # [run, status, kind], exact ints
        present = by_status_kind[:, list(PRESENT)].sum(axis=1)  # [run, kind]
        leaders = self.leader_count
        enterprises = present[:, MICRO : ABOVE_SCALE + 1].sum(axis=1)
        report = {
            "n_registered": present.sum(axis=1) * s + leaders,
            "n_operating": by_status_kind[:, OPERATING].sum(axis=1) * s + leaders,
            "n_dormant": by_status_kind[:, DORMANT].sum(axis=1) * s,
            "n_individual": present[:, INDIVIDUAL] * s,
            "n_enterprise": enterprises * s + leaders,
            "n_micro": present[:, MICRO] * s,
            "n_small": present[:, SMALL] * s,
            "n_medium": present[:, MEDIUM] * s,
            "n_above_scale": present[:, ABOVE_SCALE] * s,
            "n_chain_leader": leaders,
            "n_cooperative": present[:, COOPERATIVE] * s,
            "n_shell": self.shell_rows * s,
            "n_employed": self._employed(),
            "cum_fiscal_cost": self.fiscal.total.copy(),
        }
        report.update({name: value * s for name, value in self.flows.items()})
        return {name: np.asarray(value, dtype=np.float64) for name, value in report.items()}

    def _employed(self) -> np.ndarray:
        """Persons working in operating entities and chain leaders (model.world.employment):
        entrants' persons net of displacement, below the labour ceiling."""
        v = self.stacked_rates
        revenue = np.exp(np.array([agent.log_revenue for agent in self.agents]))
        run = self.leaders.run
        persons = revenue / 1e6 * v.by_run("chain_leader_employees_per_million_yuan")[run]
        leaders = np.bincount(run, persons, minlength=len(self.runs))
        demand = self.employment.demand(max(self.t, 0)) * self.scale + leaders
        ceiling = v.by_run("labour_ceiling_persons")
        sharpness = v.by_run("labour_ceiling_sharpness")
        return np.array(
            [employed(*values) for values in zip(demand.tolist(), ceiling, sharpness, strict=True)]
        )

    def registered_by_city(self) -> np.ndarray:
        """Registered entities (real, chain leaders included) by [run, city]."""
        present = self.stock_rows[:, list(PRESENT)].sum(axis=(1, 2, 3))
        return present * self.scale + self.leaders_by_city

    def _collect_cities(self) -> None:
        registered = self.registered_by_city()
        operating = self.stock_rows[:, OPERATING].sum(axis=(1, 2)) * self.scale
        operating = operating + self.leaders_by_city
        self.city_rows.append(np.stack([registered, operating], axis=-1).astype(np.float64))

    # --- one run's results -------------------------------------------------------------------

    def series(self) -> dict[str, np.ndarray]:
        """The values (model.columns.VALUES) of every run, [month from end-2020, run]."""
        table = self.datacollector.model_vars
        return {name: np.array(table[name], dtype=np.float64) for name in VALUES}

    def values(self, run: int) -> dict[str, list[float]]:
        """Run `run`'s values (model.columns.VALUES), month by month from end-2020."""
        return {name: column[:, run].tolist() for name, column in self.series().items()}

    def city_months(self) -> list[int]:
        """The months of `city_rows`: end-2020 and each year's end."""
        return [-1, *range(11, self.t + 1, 12)]


def employment_of(pop: Population, v: RateStack) -> Employment:
    """The running sums of persons demanded, with the persons of each kind from the base rates."""
    persons_by_kind = np.zeros((len(v.runs), ROW_KINDS))
    persons_by_kind[:, INDIVIDUAL] = v.by_run("employees_individual")
    persons_by_kind[:, COOPERATIVE] = v.by_run("employees_cooperative")
    return Employment(
        pop,
        persons_by_kind,
        np.array([employees_at_median_new_revenue(rates) for rates in v.runs]),
        v.by_run("employment_revenue_elasticity"),
        np.log(v.by_run("revenue_median_new_enterprise_yuan")),
        v.by_run("entrant_displacement_share"),
    )


def employees_at_median_new_revenue(v: RunRates) -> float:
    """Persons in a new enterprise of median revenue, such that new enterprises average
    `employees_new_enterprise` (a lognormal revenue raised to the elasticity has mean
    exp(elasticity^2 sigma^2 / 2) times its median)."""
    spread = (v.employment_revenue_elasticity * v.revenue_sigma_new_enterprise) ** 2 / 2
    return v.employees_new_enterprise / np.exp(spread)


def _reporter(name: str):
    def report(model: DoublingModel) -> np.ndarray:
        return model.tally[name]

    report.__name__ = name
    return report
