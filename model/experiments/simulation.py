"""One run: a scenario, a seed and a scale in; the run's tables out (the unit of every batch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from model.columns import EVIDENCE_ONLY
from model.world.clock import month_end
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
    columns) of its evidence-only variant (simulate_stack with the variant, for one run)."""
    [(output, stocks)] = simulate_stack(
        scenario,
        seeds=[seed],
        parameters=[parameters],
        scale=scale,
        until=until,
        uncertainty=uncertainty,
        evidence_variant=True,
    )
    assert stocks is not None
    return output, stocks


def simulate_stack(
    scenario,
    *,
    seeds: Sequence[int],
    parameters: Sequence[dict[str, float] | None],
    scale: float,
    until: str,
    uncertainty: bool = True,
    evidence_variant: bool = False,
) -> list[tuple[RunOutput, pd.DataFrame | None]]:
    """`simulate(scenario, seed=seeds[r], parameters=parameters[r], ...)` for every r, bit for
    bit, in one model (a stack of runs: model.world.model), each with, if `evidence_variant`, the
    EVIDENCE_ONLY stocks month by month (`date` and those columns) of its evidence-only variant:
    `simulate(scenario, evidence_only=True)` with the same seed (common random numbers), without
    building the starting stock again (else None). The variants are a copy of the model at the end
    of the last month before any run's policies differ, continued under the evidence-only
    policies (a run's two policies put the same states in force until they differ); the runs are
    their own variants when they never differ (no levers, or none with an effect sourced
    `assumption:`)."""
    from model.policy.monthly_rates import build_policy

    built = [
        build_policy(scenario, seed=seed, uncertainty=uncertainty, parameters=values)
        for seed, values in zip(seeds, parameters, strict=True)
    ]
    runs = [
        Run(seed, policy, values)
        for seed, values, (policy, _) in zip(seeds, parameters, built, strict=True)
    ]
    model = DoublingModel(scale=scale, until=until, uncertainty=uncertainty, runs=runs)
    fork, evidence = None, []
    if evidence_variant:
        evidence = [
            build_policy(
                scenario, seed=run.seed, uncertainty=uncertainty, parameters=run.parameters,
                evidence_only=True,
            )[0]
            for run in runs
        ]  # fmt: skip
        differences = (
            policy.first_difference(ev) for (policy, _), ev in zip(built, evidence, strict=True)
        )
        fork = min((month for month in differences if month is not None), default=None)
    variant = None
    while model.running:
        if model.t + 1 == fork:
            variant = model.fork(evidence).run()
        model.step()
    outputs = [_output(model, r, draws) for r, (_, draws) in enumerate(built)]
    if not evidence_variant:
        return [(output, None) for output in outputs]
    return [
        (output, (output.timeseries if variant is None else _timeseries(variant, r))[STOCKS])
        for r, output in enumerate(outputs)
    ]


STOCKS = ["date", *EVIDENCE_ONLY]  # the columns of a variant's stocks


def simulate_each(
    scenarios: Sequence,
    *,
    seed: int,
    scale: float,
    until: str,
    uncertainty: bool = True,
    parameters: dict[str, float] | None = None,
) -> list[RunOutput]:
    """`simulate(s, seed=seed, ...)` for each of `scenarios`, in order, bit for bit, sharing what
    they share: one no-policy model is built and run, and each scenario continues a copy of it
    from the last month before its policy first differs from no policy or pays anything (the
    starting stock is built once; Shapley attribution runs hundreds of scenarios per seed)."""
    from model.policy.monthly_rates import build_policy

    built = [
        build_policy(s, seed=seed, uncertainty=uncertainty, parameters=parameters)
        for s in scenarios
    ]
    base = _model(Policy.none(), seed, scale, until, uncertainty, parameters)
    forks = [_first_own_month(policy, base.last_month) for policy, _ in built]
    outputs: dict[int, RunOutput] = {}
    for month in range(base.last_month + 2):  # base.t is month - 1
        for i in (i for i, fork in enumerate(forks) if fork == month):
            outputs[i] = _output(_branch(base, built[i][0]).run(), 0, built[i][1])
        if base.running:
            base.step()
    return [outputs[i] for i in range(len(built))]


def _first_own_month(policy: Policy, last_month: int) -> int:
    """The first month in which `policy` puts another state in force than no policy or pays for
    a lever; the month after the horizon if neither happens within it (the copy is then made
    of the finished no-policy model)."""
    differs = Policy.none().first_difference(policy)
    pays = (t for t in range(last_month + 1) for line in policy.costs if line.yuan_per_unit(t))
    months = [m for m in (differs, next(pays, None)) if m is not None and m <= last_month]
    return min(months, default=last_month + 1)


def _branch(base: DoublingModel, policy: Policy) -> DoublingModel:
    """A copy of the no-policy model `base` continued under `policy`, which has been in the same
    state and has paid nothing up to now: it pays its own cost lines from here on."""
    variant = base.fork([policy])
    variant.fiscal = Fiscal([policy.costs])
    return variant


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
    by_city = pd.DataFrame(model.city_values(run))
    by_city.insert(0, "date", by_city.pop("month").map(month_end))
    fiscal = pd.DataFrame(
        [
            {"lever": lever, "department": department, "cum_fiscal_cost": float(cost[run])}
            for (lever, department), cost in model.fiscal.by_lever.items()
        ],
        columns=["lever", "department", "cum_fiscal_cost"],
    )
    start_stock = float(model.start_stock[run])
    return RunOutput(_timeseries(model, run), by_city, fiscal, start_stock, draws)


def _timeseries(model: DoublingModel, run: int) -> pd.DataFrame:
    timeseries = pd.DataFrame(model.values(run))
    timeseries.insert(0, "date", [month_end(t) for t in range(-1, model.last_month + 1)])
    return timeseries
