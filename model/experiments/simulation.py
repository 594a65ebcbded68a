"""One run: a scenario, a seed and a scale in; the run's tables out (the unit of every batch)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.columns import EVIDENCE_ONLY
from model.world.clock import month_end, month_index
from model.world.fiscal import Fiscal
from model.world.model import DoublingModel, Run
from model.world.policy_state import Policy


@dataclass
class RunOutput:
    timeseries: pd.DataFrame  # date, then model.columns.VALUES; the first row is end-2020
    by_city: pd.DataFrame  # date (year ends), city, n_registered, n_operating
    fiscal: pd.DataFrame  # lever, department, cum_fiscal_cost (yuan, whole run)
    start_stock: float  # real entities at end-2020 drawn for this run
    lever_draws: dict[str, float]  # the effect sizes drawn for this run, by "lever.effect"


def simulate(
    scenario=None,
    *,
    seed: int,
    scale: float,
    until: str,
    uncertainty: bool = True,
    evidence_only: bool = False,
    parameters: dict[str, float] | None = None,
    effects: dict[str, float] | None = None,
) -> RunOutput:
    """Run the model for one scenario (None = no policy) and return its tables (`evidence_only`:
    every effect sourced `assumption:` set to no effect, see monthly_rates.activate; `parameters`:
    the run's values of base rates, e.g. its draw from the posterior; `effects`: values of lever
    effects and take-ups in place of their draws, by `lever.hook.i` / `lever.take_up`)."""
    from model.policy.monthly_rates import build_policy

    policy, draws = build_policy(
        scenario,
        seed=seed,
        uncertainty=uncertainty,
        evidence_only=evidence_only,
        parameters=parameters,
        effects=effects,
    )
    return _output(_model(policy, seed, scale, until, uncertainty, parameters).run(), 0, draws)


def simulate_with_evidence_only(
    scenario,
    *,
    seed: int,
    scale: float,
    until: str,
    uncertainty: bool = True,
    parameters: dict[str, float] | None = None,
) -> tuple[RunOutput, pd.DataFrame]:
    """`simulate(scenario)` and, month by month, the EVIDENCE_ONLY stocks (`date` and those
    columns) of its evidence-only variant (simulate_stack of one scenario and one run)."""
    [[(output, stocks)]] = simulate_stack(
        [scenario],
        seeds=[seed],
        parameters=[parameters],
        scale=scale,
        until=until,
        uncertainty=uncertainty,
        evidence_variant=True,
    )
    assert stocks is not None
    return output, stocks


Progress = Callable[[float], None]  # the share of a stack's months simulated so far


def simulate_stack(
    scenarios: Sequence,
    *,
    seeds: Sequence[int],
    parameters: Sequence[dict[str, float] | None],
    scale: float,
    until: str,
    uncertainty: bool = True,
    evidence_variant: bool = False,
    effects: Sequence[dict[str, float] | None] | None = None,
    progress: Progress | None = None,
) -> list[list[tuple[RunOutput, pd.DataFrame | None]]]:
    """For each scenario, for each run r: `simulate(scenario, seed=seeds[r],
    parameters=parameters[r], effects=effects[r], ...)` (effects: none given for any run by
    default), bit for bit, and if `evidence_variant` the EVIDENCE_ONLY
    stocks month by month (`date` and those columns) of its evidence-only variant,
    `simulate(scenario, evidence_only=True)` with the same seed (common random numbers; else None).

    Nothing shared is simulated twice. The runs are simulated together, in one model (a stack of
    runs: model.world.model). One no-policy stack is built and run, and each scenario continues a
    copy of it from the last month before its policy first differs from no policy or pays anything
    in any run (the starting stocks are built once for all scenarios). A scenario's variants
    continue a copy of its stack from the last month before any run's two policies differ (they
    put the same states in force until then); the runs are their own variants when they never
    differ (no levers, or none with an effect sourced `assumption:`). `progress(share)` after every
    month simulated."""
    months = month_index(until, what="until") + 1
    runs_effects = [None] * len(seeds) if effects is None else effects
    plans = _plans(
        scenarios, seeds, parameters, runs_effects, uncertainty, evidence_variant, months
    )
    runs = [Run(seed, None, values) for seed, values in zip(seeds, parameters, strict=True)]
    base = DoublingModel(scale=scale, until=until, uncertainty=uncertainty, runs=runs)
    counter = _Counter(months + sum(plan.months(months) for plan in plans), progress)
    results: dict[int, list[tuple[RunOutput, pd.DataFrame | None]]] = {}
    order = sorted(range(len(plans)), key=lambda i: plans[i].own)
    for i in order:
        plan = plans[i]
        while base.t + 1 < plan.own:  # base.t is the month before plan.own
            base.step()
            counter.step()
        last = i == order[-1]  # no other scenario continues the base: this one takes it
        model = _branch(base, plan.policies, last=last)
        if last:
            del base
        variant = _finish(model, plan.variant, counter)
        results[i] = _outputs(model, variant, plan.draws, evidence_variant)
        del model, variant
        # A model holds reference cycles (Mesa's agents, events and scenario, and their model):
        # collected as soon as it is done with rather than when the collector's object counts next
        # say so, a worker holds at most the base and one scenario's models (and its variant).
        # Measured: 550-600 MB for stacks of 2 scenarios x 25 runs at scale 200, against 960 MB
        # and growing after four stacks without; a collection takes about 30 ms.
        gc.collect()
    return [results[i] for i in range(len(scenarios))]


@dataclass(frozen=True)
class _Variant:
    """An evidence-only variant: the runs' policies, and the first month they differ from the
    scenario's."""

    policies: list[Policy]
    month: int


@dataclass(frozen=True)
class _Plan:
    """A scenario in a stack: its runs' policies and lever draws, the first month it differs from
    no policy (or pays anything), and its evidence-only variant (None: none, or no difference)."""

    policies: list[Policy]
    draws: list[dict[str, float]]
    own: int
    variant: _Variant | None

    def months(self, months: int) -> int:
        """The months simulated for it of a horizon of `months`, its variant's included."""
        return months - self.own + (months - self.variant.month if self.variant else 0)


def _plans(
    scenarios: Sequence,
    seeds: Sequence[int],
    parameters: Sequence[dict[str, float] | None],
    effects: Sequence[dict[str, float] | None],
    uncertainty: bool,
    evidence_variant: bool,
    months: int,
) -> list[_Plan]:
    """Each scenario's plan in a stack of runs of `months` months (simulate_stack)."""
    from model.policy.monthly_rates import build_policy

    def policies(scenario, evidence_only: bool = False) -> list[tuple[Policy, dict[str, float]]]:
        return [
            build_policy(
                scenario, seed=seed, uncertainty=uncertainty, parameters=values,
                evidence_only=evidence_only, effects=given,
            )
            for seed, values, given in zip(seeds, parameters, effects, strict=True)
        ]  # fmt: skip

    plans = []
    for scenario in scenarios:
        built = policies(scenario)
        mine = [policy for policy, _ in built]
        own = min(_first_own_month(policy, months - 1) for policy in mine)
        variant = None
        if evidence_variant:
            only = [policy for policy, _ in policies(scenario, evidence_only=True)]
            month = _first_difference(mine, only, months)
            variant = None if month is None else _Variant(only, month)
        plans.append(_Plan(mine, [values for _, values in built], own, variant))
    return plans


class _Counter:
    """Months simulated out of `total`, reported to `progress` as a share."""

    def __init__(self, total: int, progress: Progress | None):
        self.total, self.done, self.progress = total, 0, progress

    def step(self) -> None:
        self.done += 1
        if self.progress:
            self.progress(min(self.done / self.total, 1.0))


def _first_difference(policies: list[Policy], others: list[Policy], months: int) -> int | None:
    """The first month within the horizon in which some run's two policies differ (None: never)."""
    found = (mine.first_difference(theirs) for mine, theirs in zip(policies, others, strict=True))
    return min((m for m in found if m is not None and m < months), default=None)


def _finish(
    model: DoublingModel, variant: _Variant | None, counter: _Counter
) -> DoublingModel | None:
    """Run `model` to its end, and its evidence-only `variant` (a copy continued under the
    variant's policies from its month on): the variant's model, run to its end, or None."""
    copy = None
    while model.running:
        if variant is not None and model.t + 1 == variant.month:
            copy = model.fork(variant.policies)
            while copy.running:
                copy.step()
                counter.step()
        model.step()
        counter.step()
    return copy


def _outputs(model, variant, draws: list[dict[str, float]], evidence_variant: bool):
    """Each run's tables of a finished stack, and its variant's stocks (`evidence_variant`; the
    run's own without a variant), else None."""
    tables = _Tables(model)
    outputs = [tables.output(r, values) for r, values in enumerate(draws)]
    if not evidence_variant:
        return [(output, None) for output in outputs]
    stocks = None if variant is None else _Tables(variant)
    return [
        (output, (output.timeseries if stocks is None else stocks.timeseries(r))[STOCKS])
        for r, output in enumerate(outputs)
    ]


STOCKS = ["date", *EVIDENCE_ONLY]  # the columns of a variant's stocks


def _first_own_month(policy: Policy, last_month: int) -> int:
    """The first month in which `policy` puts another state in force than no policy or pays for
    a lever; the month after the horizon if neither happens within it (the copy is then made
    of the finished no-policy model)."""
    differs = Policy.none().first_difference(policy)
    pays = [
        int(np.flatnonzero(line.yuan_per_unit)[0])
        for line in policy.costs
        if line.yuan_per_unit.any()
    ]
    months = [m for m in (differs, *pays) if m is not None and m <= last_month]
    return min(months, default=last_month + 1)


def _branch(base: DoublingModel, policies: list[Policy], *, last: bool) -> DoublingModel:
    """The no-policy stack `base` continued under `policies` (one per run), which have been in the
    same state and have paid nothing up to now: they pay their own cost lines from here on. A copy
    of `base`, or (`last`: no other scenario continues it) `base` itself."""
    if last:
        model = base
        model.policies = list(policies)
    else:
        model = base.fork(policies)
    model.fiscal = Fiscal([policy.costs for policy in policies])
    return model


def _model(policy: Policy, seed: int, scale: float, until: str, uncertainty: bool, parameters):
    return DoublingModel(
        seed=seed,
        scale=scale,
        until=until,
        policy=policy,
        uncertainty=uncertainty,
        parameters=parameters,
    )


def _output(model: DoublingModel, run: int, draws: dict[str, float]) -> RunOutput:
    """Run `run`'s tables of a model that has run to its end."""
    return _Tables(model).output(run, draws)


class _Tables:
    """The runs' tables of a model that has run to its end, each cut from the arrays of all runs."""

    def __init__(self, model: DoublingModel):
        self.model = model
        self.series = model.series()
        self.dates = [month_end(t) for t in range(-1, model.last_month + 1)]
        cities = model.places.cities
        months = model.city_months()
        self.city_dates = np.repeat([month_end(t) for t in months], len(cities))
        self.cities = np.tile(np.array(cities, dtype=object), len(months))
        self.by_city = np.stack(
            model.city_rows, axis=1
        )  # [run, year, city, registered | operating]

    def timeseries(self, run: int) -> pd.DataFrame:
        columns = {name: column[:, run] for name, column in self.series.items()}
        return pd.DataFrame({"date": self.dates, **columns})

    def output(self, run: int, draws: dict[str, float]) -> RunOutput:
        model = self.model
        values = self.by_city[run].reshape(-1, 2)
        by_city = pd.DataFrame(
            {
                "date": self.city_dates,
                "city": self.cities,
                "n_registered": values[:, 0],
                "n_operating": values[:, 1],
            }
        )
        fiscal = pd.DataFrame(
            [
                {"lever": lever, "department": department, "cum_fiscal_cost": float(cost[run])}
                for (lever, department), cost in model.fiscal.by_lever.items()
            ],
            columns=["lever", "department", "cum_fiscal_cost"],
        )
        start_stock = float(model.start_stock[run])
        return RunOutput(self.timeseries(run), by_city, fiscal, start_stock, draws)
