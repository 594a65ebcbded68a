"""One run: a scenario, a seed and a scale in; the run's tables out (the unit of every batch)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.world.clock import month_end
from model.world.model import DoublingModel


@dataclass
class RunOutput:
    timeseries: pd.DataFrame  # date, then model.columns.VALUES; the first row is end-2020
    by_city: pd.DataFrame  # date (year ends), city, n_registered, n_operating
    fiscal: pd.DataFrame  # lever, department, cum_fiscal_cost (yuan, whole run)
    start_stock: float  # real entities at end-2020 drawn for this run
    lever_draws: dict[str, float]  # the effect sizes drawn for this run, by "lever.effect"


def simulate(scenario=None, *, seed: int, scale: float, until: str, uncertainty: bool = True):
    """Run the model for one scenario (None = no policy) and return its tables."""
    from model.policy.monthly_rates import build_policy

    policy, draws = build_policy(scenario, seed=seed, uncertainty=uncertainty)
    model = DoublingModel(
        seed=seed, scale=scale, until=until, policy=policy, uncertainty=uncertainty
    )
    model.run()
    timeseries = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    timeseries.insert(0, "date", [month_end(t) for t in range(-1, model.last_month + 1)])
    by_city = pd.DataFrame(model.city_rows)
    by_city.insert(0, "date", by_city.pop("month").map(month_end))
    fiscal = pd.DataFrame(
        [
            {"lever": lever, "department": department, "cum_fiscal_cost": cost}
            for (lever, department), cost in model.fiscal.by_lever.items()
        ],
        columns=["lever", "department", "cum_fiscal_cost"],
    )
    return RunOutput(timeseries, by_city, fiscal, model.start_stock, draws)
