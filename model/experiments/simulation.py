"""One run: a scenario, a seed and a scale in; the run's tables out (the unit of every batch)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from model.columns import EVIDENCE_ONLY
from model.world.clock import month_end
from model.world.model import DoublingModel
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
    return _output(_model(policy, seed, scale, until, uncertainty, parameters).run(), draws)


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
    columns) of its evidence-only variant: `simulate(scenario, evidence_only=True)` with the same
    seed (common random numbers), without building the starting stock again. The variant is a copy
    of the run's model at the end of the last month before their policies differ, continued under
    the evidence-only policy; the run is its own variant when they never differ (no levers, or
    none with an effect sourced `assumption:`)."""
    from model.policy.monthly_rates import build_policy

    policy_of = functools.partial(
        build_policy, scenario, seed=seed, uncertainty=uncertainty, parameters=parameters
    )
    (policy, draws), (evidence, _) = policy_of(), policy_of(evidence_only=True)
    model = _model(policy, seed, scale, until, uncertainty, parameters)
    fork = policy.first_difference(evidence)
    variant = None
    while model.running:
        if model.t + 1 == fork:
            variant = _timeseries(model.fork(evidence).run())
        model.step()
    output = _output(model, draws)
    stocks = output.timeseries if variant is None else variant
    return output, stocks[["date", *EVIDENCE_ONLY]]


def _model(policy: Policy, seed: int, scale: float, until: str, uncertainty: bool, parameters):
    return DoublingModel(
        seed=seed,
        scale=scale,
        until=until,
        policy=policy,
        uncertainty=uncertainty,
        parameters=parameters,
    )


def _output(model: DoublingModel, draws: dict[str, float]) -> RunOutput:
    by_city = pd.DataFrame(model.city_rows)
    by_city.insert(0, "date", by_city.pop("month").map(month_end))
    fiscal = pd.DataFrame(
        [
            {"lever": lever, "department": department, "cum_fiscal_cost": cost}
            for (lever, department), cost in model.fiscal.by_lever.items()
        ],
        columns=["lever", "department", "cum_fiscal_cost"],
    )
    return RunOutput(_timeseries(model), by_city, fiscal, model.start_stock, draws)


def _timeseries(model: DoublingModel) -> pd.DataFrame:
    timeseries = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    timeseries.insert(0, "date", [month_end(t) for t in range(-1, model.last_month + 1)])
    return timeseries
