"""Cost-effectiveness (成本效益): the yuan each lever, family or lead department (牵头单位) pays per
additional registered and operating entity it brings, and the jobs it adds, from the Shapley values
of an attribution folder (`attribution`).

- Gain: a player's Shapley value of the registered, operating and employed (jobs added) outcomes:
  its share of the scenario's additional entities (增量) over the no-policy run of the same seed.
- Cost: what the player's levers paid to the end month in the scenario's own run (all its levers on;
  `package_fiscal.parquet`, the fiscal accounting by lever). A lever without cost lines pays 0.
- By lead department: a lever's cost and gain go to its lead department, the first department its
  articles name (`departments[0]` of the catalogue, as the fiscal accounting books its cost); a
  department's gain is the sum of its levers' Shapley values (Shapley values add up over players).
  Only at lever level: a family's levers have several lead departments.
- Yuan per additional entity: cost / gain run by run (`comparison.cost_per`: a run whose gain is not
  positive but paid ranks as the dearest), then the 5 / 50 / 95 % bands over runs. With a gain that
  cannot be told apart from zero (`distinct` False in the gain's summary) the ratio says nothing:
  the table prints n/a for it.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from model.experiments.comparison import BAND_COLUMNS, UNAVAILABLE, cost_per, quantile_bands
from model.experiments.shapley import summarize
from model.texttable import text_table

GAINS = {  # outcome of the attribution -> the prefix of its columns here
    "registered": "additional_registered",
    "operating": "additional_operating",
    "employed": "jobs_added",
}
NOTE_WIDTH = 100  # characters a line of the notes under the tables
COST_PER = {
    "registered": "cost_per_additional_registered",
    "operating": "cost_per_additional_operating",
}


def cost_effectiveness(
    attribution: pd.DataFrame, fiscal: pd.DataFrame, levers: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Per player of `attribution` (the long table of Shapley values by run; `levers`: each
    player's levers) and, at lever level, per lead department: cost, gains and the yuan per
    additional entity (columns `COLUMNS`). `fiscal`: the scenario's own runs' cost by lever."""
    level = attribution["level"].iloc[0]
    gains = attribution[attribution["outcome"].isin(list(GAINS))]
    player_of = {lever: player for player, mine in levers.items() for lever in mine}
    costs = fiscal.assign(player=fiscal["lever"].map(player_of))
    parts = [_table(level, gains, costs.groupby(["run", "player"])["cum_fiscal_cost"].sum())]
    if level == "lever":
        by_department = (
            gains.assign(level="department", player=gains["player"].map(lead_departments()))
            .groupby(["level", "player", "outcome", "run"], as_index=False)
            .agg(value=("value", "sum"), permutation_se=("permutation_se", _root_sum_of_squares))
        )
        spent = fiscal.groupby(["run", "department"])["cum_fiscal_cost"].sum()
        parts.append(_table("department", by_department, spent.rename_axis(["run", "player"])))
    return pd.concat(parts, ignore_index=True)[list(COLUMNS)]


def lead_departments() -> dict[str, str]:
    """lever -> its lead department (牵头单位): the first department its articles name, the
    department the fiscal accounting books its cost to."""
    from model.policy.catalogue import load_catalogue

    return {lever.id: lever.departments[0] for lever in load_catalogue().levers.values()}


def _root_sum_of_squares(errors: pd.Series) -> float:
    """The standard error of a sum of independent estimates (a department's levers: an
    approximation, as the levers' values come from the same orders)."""
    return float(np.sqrt((errors**2).sum()))


def _table(by: str, gains: pd.DataFrame, costs: pd.Series) -> pd.DataFrame:
    """Rows of one grouping: each player's gains summarized, its cost, the yuan per gain."""
    summary = summarize(gains.assign(level=by)).set_index(["player", "outcome"])
    wide = gains.pivot_table(index=["run", "player"], columns="outcome", values="value")
    runs = wide.join(costs.rename("cost"), how="left").fillna({"cost": 0.0}).reset_index()
    for outcome, column in COST_PER.items():
        runs[column] = cost_per(runs["cost"], runs[outcome])
    table = pd.DataFrame({"player": summary.index.get_level_values("player").unique()})
    table.insert(0, "by", by)
    table["fiscal_cost_mean"] = table["player"].map(runs.groupby("player")["cost"].mean())
    for outcome, prefix in GAINS.items():
        picked = summary.xs(outcome, level="outcome")
        for column in ("mean", "low", "high", "distinct", *BAND_COLUMNS):
            table[f"{prefix}_{column}"] = table["player"].map(picked[column])
    for column in ("cost", *COST_PER.values()):
        bands = quantile_bands(runs, column, ["player"]).set_index("player")
        prefix = "fiscal_cost" if column == "cost" else column
        for band in BAND_COLUMNS:
            table[f"{prefix}_{band}"] = table["player"].map(bands[band])
    return table.rename(columns={"player": "key"})


COLUMNS = (
    "by", "key", "fiscal_cost_mean", *(f"fiscal_cost_{b}" for b in BAND_COLUMNS),
    *(
        f"{prefix}_{column}"
        for prefix in GAINS.values()
        for column in ("mean", "low", "high", "distinct", *BAND_COLUMNS)
    ),
    *(f"{per}_{b}" for per in COST_PER.values() for b in BAND_COLUMNS),
)  # fmt: skip


def render(table: pd.DataFrame) -> str:
    """The cost-effectiveness table for people: per grouping, dearest per operating entity last."""
    header = (
        "by", "key", "fiscal cost 亿元", "extra registered", "extra operating", "jobs added",
        "yuan/extra registered", "yuan/extra operating",
    )  # fmt: skip
    rows = []
    for row in table.to_dict("records"):
        rows.append(
            (
                row["by"],
                row["key"],
                f"{row['fiscal_cost_mean'] / 1e8:,.2f}",
                *(_gain(row, prefix) for prefix in GAINS.values()),
                *(_yuan(row, outcome) for outcome in COST_PER),
            )
        )
    return f"{text_table(header, rows, left=2)}\n\n{textwrap.fill(NOTE, NOTE_WIDTH)}"


def _gain(row: dict, prefix: str) -> str:
    """'12,300' or '≈0 (-1,200 to 2,500)' when the 90 % interval includes 0."""
    mean = f"{row[f'{prefix}_mean']:,.0f}"
    if row[f"{prefix}_distinct"]:
        return mean
    return f"≈0 ({row[f'{prefix}_low']:,.0f} to {row[f'{prefix}_high']:,.0f})"


def _yuan(row: dict, outcome: str) -> str:
    value = row[f"{COST_PER[outcome]}_p50"]
    if not row[f"{GAINS[outcome]}_distinct"] or np.isnan(value):
        return UNAVAILABLE
    return f"{value:,.0f}"


NOTE = (
    "Extra registered / operating entities and jobs added: the Shapley value at the end month, "
    "the mean over runs (≈0 and its 90 % interval: cannot be told apart from zero). Fiscal cost: "
    "what the levers paid in the scenario's own run, mean over runs (亿元 = 100 M yuan). Yuan per "
    "extra entity: cost / Shapley gain run by run, the median over runs; n/a where the gain "
    "cannot be told apart from zero or where the median run's gain is not positive (money for "
    "no extra entity). A department (牵头单位) holds the levers it leads (the first "
    "department their articles name)."
)
