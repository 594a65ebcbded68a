"""Doubling (倍增) summaries: one row per scenario × run, and THE comparison of scenarios.

`compare` is the one definition of the comparison: `run.py compare` and the dashboard both use it.

Definitions (the target of 晋发〔2021〕67号: the count of market entities doubles by end-2025):
- start = the end-2020 row of a run; end = the last month simulated on or before the deadline
  (2025-12, `model.defaults.DEADLINE`), so a horizon ending earlier reports its last month.
- `doubled`: some month on or before the deadline has n_registered ≥ 2 × start (the run's own
  start). P(doubled) is the share of runs that doubled; `p_doubled_p05`, `p_doubled_p95` its 90 %
  Jeffreys interval (`jeffreys_interval`): 0 of 8 runs is not a probability of 0.
- `month_doubled`: the first month *within the whole horizon* with n_registered ≥ 2 × start, NaT if
  none. With a horizon past 2025 a run may double later: then `doubled` is False while
  `month_doubled` records the (late) month, so the comparison can say when doubling comes.
- The median month of doubling is the first month by which at least half of the runs had doubled,
  within the whole horizon (NaT, "not within horizon", if fewer than half ever do).
- `cum_fiscal_cost` is taken at the end month.
- Additional registered (operating) entities (增量, against no policy): a run's registered
  (operating) entities at the end month minus those of the `no_policy` run with the same seed at
  the same month. Run r of every scenario of a batch has the seed `run_seeds[r]` of the manifest,
  so runs pair by run index and month. NaN when there is no such run (no `no_policy` in the batch).
- Cost per additional registered (operating) entity (每增加一户财政成本): the run's fiscal cost to
  the end month / its additional registered (operating) entities; undefined when there are none.
  A run that paid for no additional entity ranks as the dearest in the bands (`quantile_bands`).
- Share of the gain resting on assumptions (依赖假设的增量占比), registered and operating: the
  first runs of a scenario with levers (the manifest's `evidence_runs`) are repeated with the same
  seed and every lever effect sourced `assumption:` set to no effect, the others kept (the
  evidence-only variant, whose end values are the summary's `evidence_only_*` columns, NaN in the
  other runs). The share is (additional − the variant's additional) / additional = (end −
  variant's end) / additional, run by run where the run has a variant and additional entities
  (> 0); the bands are over those runs. NaN for a scenario whose median additional
  entities are not positive (no_policy itself) or without a no-policy run to pair with. Below 0:
  the assumed effects cost entities; above 1: the evidence-sourced effects alone end below no
  policy.
- By lever and by lead department (`cost_by`): a lever's cost (fiscal.parquet, the whole horizon)
  over the *scenario's* additional entities: the whole mix's, not the lever's own (the lever's
  own share of them is its Shapley value: `attribution` and `cost_effectiveness`).
- Bands are the 5 %, 50 % and 95 % quantiles over runs (`model.defaults.QUANTILES`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api.typing import NaTType
from scipy.special import betaincinv

from model.columns import EVIDENCE_ONLY, KEYS
from model.defaults import BASELINE, QUANTILES
from model.defaults import DEADLINE as DEADLINE_MONTH
from model.texttable import text_table, width
from model.world.clock import month_end, month_index

DEADLINE = month_end(month_index(DEADLINE_MONTH))  # the date the doubling is judged at
START = month_end(-1)  # the starting stock: end-2020
BAND_COLUMNS = ("p05", "p50", "p95")  # names of the QUANTILES in band tables
NOT_WITHIN_HORIZON = "not within horizon"
UNAVAILABLE = "n/a"
PAIRED_BY = ["run", "date"]  # run r of every scenario has the seed `run_seeds[r]` (manifest)
ADDITIONAL = {"n_registered": "additional_registered", "n_operating": "additional_operating"}
COST_PER = {name: f"cost_per_{name}" for name in ADDITIONAL.values()}
COST_BANDS = {"cum_fiscal_cost": "fiscal_cost", **{c: c for c in COST_PER.values()}}
ASSUMPTION_SHARE = {
    "n_registered": "assumption_share_registered",
    "n_operating": "assumption_share_operating",
}
BANDS = {  # column of a run's row → prefix of its bands in the comparison
    "n_registered": "end_registered",
    "n_operating": "end_operating",
    "ratio": "ratio",
    "start_registered": "start_registered",
    "cum_fiscal_cost": "fiscal_cost",
    **{c: c for c in (*ADDITIONAL.values(), *COST_PER.values(), *ASSUMPTION_SHARE.values())},
}
P_DOUBLED_INTERVAL = tuple(f"p_doubled_{band}" for band in (BAND_COLUMNS[0], BAND_COLUMNS[-1]))
TABLE_NOTE = (
    "P(doubled): share of runs with registered entities at least twice their end-2020 count by "
    f"{DEADLINE_MONTH}, in brackets its 90 % interval (Jeffreys: the 5 and 95 % quantiles of "
    "Beta(k + 1/2, n - k + 1/2) for k of n runs doubled, 0 if k = 0, 100 % if k = n; Brown, Cai "
    "& DasGupta 2001): a few runs cannot pin a probability down (0 of 8 allows up to 21 %); "
    "median month: by when half the runs had doubled (whole horizon).\n"
    "Registered and operating at {end}: median (5-95 % of runs), million entities. "
    "Fiscal cost to {end} (median, 亿元 = 100 M yuan).\n{value_note}\n{assumption_note}"
)
VALUE_NOTE = (  # the note of the cost per additional entity, with a no_policy run to pair with
    "yuan/extra registered (operating), 每增加一户财政成本: the scenario's fiscal cost to {end} "
    "divided by its additional registered (operating) entities (增量), those it has at {end} "
    "beyond the {baseline} run with the same seed; run by run, then the median over runs. {na}: no "
    "additional entities ({baseline} itself, or a median run that paid for none: such runs rank "
    "as the dearest)."
)
ASSUMPTION_NOTE = (  # the note of the share resting on assumptions, with a no_policy run
    "on assumptions reg./op., 依赖假设的增量占比: the share of the additional registered / "
    "operating entities at {end} that rests on lever effects sourced `assumption:` (no study "
    "behind them). Each run is repeated with those effects set to no effect, the other effects "
    "and the seed kept (its evidence-only variant); share = (additional - the variant's "
    "additional) / additional, run by run over the runs with additional entities, then the "
    "median. Below 0 %: the assumed effects cost entities; above 100 %: the evidence-sourced "
    "effects alone end below {baseline}. {na}: the median run has no additional entities "
    "({baseline} itself)."
)
NO_BASELINE_NOTE = (
    "yuan/extra registered (operating) and on assumptions: {na}, the batch has no {baseline} "
    "scenario to measure additional entities against (run scenarios/{baseline}.yaml in the same "
    "batch)."
)


def summarize(timeseries: pd.DataFrame, evidence_only: pd.DataFrame) -> pd.DataFrame:
    """The summary table: one row per scenario × run of a timeseries table (sorted by date), with
    the end values of each run's evidence-only variant (`evidence_only`: `scenario, run` and the
    columns of EVIDENCE_ONLY, one row per run)."""
    variants = evidence_only[[*KEYS, *EVIDENCE_ONLY.values()]]
    return run_summaries(timeseries).merge(
        variants, on=list(KEYS), how="left", validate="one_to_one"
    )


def run_summaries(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per scenario × run of a timeseries table (rows sorted by date within a run), in the order of
    the keys: registered entities at the start (its first row) and at the end month, their ratio,
    whether and when it doubled (the first month with at least twice its start; doubled: by the
    deadline) and the fiscal cost at the end month (SUMMARY_COLUMNS, but the variants')."""
    keys = list(KEYS)
    runs = timeseries.groupby(keys, sort=True)
    start = runs["n_registered"].first()
    end = _in_time(timeseries).groupby(keys, sort=True).tail(1).set_index(keys)
    twice = timeseries["n_registered"] >= 2 * runs["n_registered"].transform("first")
    month = timeseries[twice].groupby(keys, sort=True)["date"].first().reindex(start.index)
    table = pd.DataFrame(
        {
            "start_registered": start,
            "end_registered": end["n_registered"],
            "ratio": end["n_registered"] / start,
            "doubled": month.notna() & (month <= DEADLINE),
            "month_doubled": month,
            "cum_fiscal_cost": end["cum_fiscal_cost"],
        }
    )
    return table.reset_index()


def summarize_one(timeseries: pd.DataFrame) -> pd.Series:
    """`run_summaries` of the timeseries of one run (without its keys)."""
    one = timeseries.assign(**dict.fromkeys(KEYS, 0))
    return run_summaries(one).iloc[0]


def end_row(run: pd.DataFrame) -> pd.Series:
    """A run's row at the end month: the last on or before the deadline (`run` sorted by date)."""
    return _in_time(run).iloc[-1]


def _in_time(table: pd.DataFrame) -> pd.DataFrame:
    """The rows up to the deadline (the end month of a comparison)."""
    return table[table["date"] <= DEADLINE]


def quantile_bands(table: pd.DataFrame, value: str, by: Iterable[str]) -> pd.DataFrame:
    """The 5, 50 and 95 % quantiles of `value` over runs, per group: `*by, p05, p50, p95`.

    NaN and -inf are skipped. +inf (a cost that bought nothing) ranks above every number; a
    quantile that reaches it is NaN, as no number can show it."""
    by = list(by)
    if table.empty:
        return pd.DataFrame(columns=[*by, *BAND_COLUMNS])
    keys = [table[c] for c in by]
    levels = np.array(QUANTILES)
    values = table[value].replace(-np.inf, np.nan)
    dearest = values == np.inf
    ranked = values.mask(dearest, values[~dearest].max())  # the order kept, no inf to interpolate
    grouped = ranked.groupby(keys).quantile(levels).unstack()
    if dearest.any():  # the quantile of "is +inf" is 0 only if the band lies among numbers
        reached = dearest.astype(float).where(values.notna()).groupby(keys).quantile(levels)
        grouped = grouped.mask(reached.unstack() > 0)
    grouped.columns = list(BAND_COLUMNS)
    return grouped.reset_index()


def at_deadline(timeseries: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario and run: the last month on or before the deadline."""
    upto = timeseries[timeseries["date"] <= DEADLINE]
    last = upto.groupby(["scenario", "run"])["date"].transform("max")
    return upto[upto["date"] == last].reset_index(drop=True)


def additional(
    end: pd.DataFrame,
    values: Sequence[str] = tuple(ADDITIONAL),
    baseline: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`scenario, run` and each of `values` minus the same value of the paired no-policy run.

    `end` holds rows at the deadline (`at_deadline`). The no-policy runs are the BASELINE rows of
    `end`, or `baseline` (rows at the deadline of a batch with the same seeds and scale). A run
    pairs with the no-policy run of the same index (hence seed) and month; NaN where none does.
    """
    values = list(values)
    base = end[end["scenario"] == BASELINE] if baseline is None else baseline
    paired = end[["scenario", *PAIRED_BY, *values]].merge(
        base[[*PAIRED_BY, *values]], on=PAIRED_BY, how="left", suffixes=("", "_baseline")
    )
    gained = paired[["scenario", "run"]].copy()
    for value in values:
        gained[value] = paired[value] - paired[f"{value}_baseline"]
    return gained


def _with_cost_per_additional(costs: pd.DataFrame, gained: pd.DataFrame) -> pd.DataFrame:
    """`costs` (rows of scenario × run with `cum_fiscal_cost`) with their run's additional
    entities (`additional`) and the yuan per additional entity."""
    table = costs.merge(gained.rename(columns=ADDITIONAL), on=["scenario", "run"], how="left")
    for name, per in COST_PER.items():
        table[per] = cost_per(table["cum_fiscal_cost"], table[name])
    return table


def cost_per(cost: pd.Series, gain: pd.Series) -> pd.Series:
    """Yuan per additional entity, run by run: `cost` / `gain`; +inf (the dearest) where money
    bought no additional entity, NaN where neither was there."""
    return (cost / gain.where(gain > 0)).mask((gain <= 0) & (cost > 0), np.inf)


def _with_assumption_share(table: pd.DataFrame) -> pd.DataFrame:
    """`table` (rows at the deadline with their additional entities and evidence-only end values)
    with the share of each run's additional entities that rests on assumptions; NaN for a run
    without additional entities."""
    for stock, share in ASSUMPTION_SHARE.items():
        gain = table[ADDITIONAL[stock]]
        table[share] = ((table[stock] - table[EVIDENCE_ONLY[stock]]) / gain).where(gain > 0)
    return table


def _without_unfounded_shares(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison `table` with the bands of the share resting on assumptions NaN where the
    scenario's median run has no additional entities (the share of nothing, or of a few runs)."""
    for stock, share in ASSUMPTION_SHARE.items():
        columns = [f"{share}_{band}" for band in BAND_COLUMNS]
        table[columns] = table[columns].where(table[f"{ADDITIONAL[stock]}_p50"] > 0, axis=0)
    return table


def _bands(table: pd.DataFrame, columns: Mapping[str, str], by: list[str]) -> pd.DataFrame:
    """Bands of each column (`<prefix>_p05` …, prefixes from `columns`), indexed by `by`."""
    return pd.concat(
        [
            quantile_bands(table, column, by).set_index(by).add_prefix(f"{prefix}_")
            for column, prefix in columns.items()
        ],
        axis=1,
    )


def jeffreys_interval(successes: pd.Series, trials: pd.Series) -> pd.DataFrame:
    """The 90 % Jeffreys interval of a probability from `successes` of `trials` (aligned Series):
    the 5 and 95 % quantiles (QUANTILES) of Beta(k + 1/2, n - k + 1/2), with the lower end 0 when
    k = 0 and the upper end 1 when k = n; columns P_DOUBLED_INTERVAL. Brown, Cai & DasGupta (2001),
    "Interval estimation for a binomial proportion", Statistical Science 16(2), 101-133.
    """
    a, b = successes + 0.5, trials - successes + 0.5
    low, high = (betaincinv(a, b, level) for level in (QUANTILES[0], QUANTILES[-1]))
    return pd.DataFrame(
        {
            P_DOUBLED_INTERVAL[0]: np.where(successes > 0, low, 0.0),
            P_DOUBLED_INTERVAL[1]: np.where(successes < trials, high, 1.0),
        },
        index=successes.index,
    )


def median_month(months: pd.Series) -> pd.Timestamp | NaTType:
    """The first month by which at least half of the runs had doubled (NaT if half never did)."""
    reached = months.dropna().sort_values()
    needed = int(np.ceil(len(months) / 2))
    if len(months) == 0 or len(reached) < needed:
        return pd.NaT
    return reached.iloc[needed - 1]


def compare(
    summary: pd.DataFrame,
    timeseries: pd.DataFrame,
    order: Sequence[str] | None = None,
    baseline: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per scenario (in `order`, else as first seen): runs, P(doubled) with its 90 % interval,
    median month of doubling, and bands of the start, end registered and operating, ratio, fiscal
    cost, additional entities, cost per additional entity and share of the additional entities
    resting on assumptions (registered and operating).

    `timeseries` needs `scenario, run, date, n_registered, n_operating`, and of the rows only those
    at the deadline (`at_deadline`; `store.deadline_rows` reads no others). `baseline`: the
    no-policy runs to pair with if `timeseries` has none (see `additional`)."""
    kept = ["start_registered", "cum_fiscal_cost", *EVIDENCE_ONLY.values()]
    end = at_deadline(timeseries)[["scenario", "run", "date", *ADDITIONAL]].merge(
        summary[[*KEYS, *kept]], on=list(KEYS)
    )
    end["ratio"] = end["n_registered"] / end["start_registered"]
    end = _with_cost_per_additional(end, additional(end, baseline=baseline))
    end = _with_assumption_share(end)
    months = summary.groupby("scenario", sort=False)["month_doubled"]
    doubled = summary.groupby("scenario", sort=False)["doubled"]
    table = (
        pd.DataFrame(
            {
                "runs": months.size(),
                "end_month": end["date"].max().strftime("%Y-%m"),
                "p_doubled": doubled.mean(),
            }
        )
        .join(jeffreys_interval(doubled.sum(), doubled.size()))
        .assign(median_month=months.apply(median_month))
        .join(_bands(end, BANDS, ["scenario"]))
    )
    table["target"] = 2 * table["start_registered_p50"]
    table = _without_unfounded_shares(table).rename_axis("scenario")
    if order is not None:
        table = table.reindex([name for name in order if name in table.index])
    return table.reset_index()


def cost_by(fiscal: pd.DataFrame, end: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per scenario of `fiscal` and `key` (`lever` or `department`, the lead department 牵头单位):
    bands of the fiscal cost and of the yuan per additional registered and operating entity, whose
    denominator is the whole scenario's additional entities, run by run. Dearest first.

    `end` holds the rows at the deadline (`at_deadline`), the no-policy runs included."""
    costs = fiscal.groupby(["scenario", "run", key])["cum_fiscal_cost"].sum().reset_index()
    runs = _with_cost_per_additional(costs, additional(end))
    table = _bands(runs, COST_BANDS, ["scenario", key]).reset_index()
    return table.sort_values(
        ["scenario", "fiscal_cost_p50"], ascending=[True, False], ignore_index=True
    )


BY_NOTE = (
    "Fiscal cost to {end} of each {key} (median over runs, 亿元 = 100 M yuan) and the yuan per "
    "additional registered (operating) entity it accounts for: its cost divided by the whole "
    "scenario's additional entities beyond the {baseline} run with the same seed (run by run, "
    "then the median). What each {key} adds itself, and its yuan per additional entity: "
    "`run.py attribute` (Shapley values). {na}: no additional entities."
)


def render_cost_by(table: pd.DataFrame, key: str, fmt: str, end: str = DEADLINE_MONTH) -> str:
    """`cost_by`'s table as `table` (for people), `csv` or `json`."""
    if fmt != "table":
        return _plain(table, fmt)
    header = ("scenario", key, "fiscal cost 亿元", "yuan/extra registered", "yuan/extra operating")
    rows = [
        (
            str(row["scenario"]),
            str(row[key]),
            f"{row['fiscal_cost_p50'] / 1e8:,.2f}",
            *(_yuan(row[f"{per}_p50"]) for per in COST_PER.values()),
        )
        for row in table.to_dict("records")
    ]
    note = BY_NOTE.format(end=end, key=key, baseline=BASELINE, na=UNAVAILABLE)
    return f"{text_table(header, rows, left=2)}\n\n{note}"


def _plain(table: pd.DataFrame, fmt: str) -> str:
    """A table as csv or json (missing values empty / null)."""
    if fmt == "csv":
        return table.to_csv(index=False, lineterminator="\n").rstrip("\n")
    if fmt == "json":
        records = table.astype(object).where(table.notna(), None).to_dict("records")
        return json.dumps(records, indent=2, ensure_ascii=False)
    raise ValueError(f"unknown format {fmt!r}")


def render(table: pd.DataFrame, fmt: str) -> str:
    """The comparison as `table` (for people), `csv` or `json` (numbers in entities and yuan;
    months as YYYY-MM)."""
    plain = table.assign(
        median_month=table["median_month"].map(
            lambda m: None if pd.isna(m) else m.strftime("%Y-%m")
        )
    )
    return _text_table(plain) if fmt == "table" else _plain(plain, fmt)


def _text_table(table: pd.DataFrame) -> str:
    end = table["end_month"].iloc[0] if len(table) else DEADLINE_MONTH
    header = (
        "scenario", "runs", "P(doubled)", "median month", f"registered {end}",
        f"operating {end}", "fiscal cost 亿元", "yuan/extra registered", "yuan/extra operating",
        "on assumptions reg./op.",
    )  # fmt: skip
    rows = [
        (
            str(row["scenario"]),
            str(row["runs"]),
            _probability(row),
            row["median_month"] if isinstance(row["median_month"], str) else NOT_WITHIN_HORIZON,
            _band(row, "end_registered"),
            _band(row, "end_operating"),
            f"{row['fiscal_cost_p50'] / 1e8:,.1f}",
            *(_yuan(row[f"{per}_p50"]) for per in COST_PER.values()),
            " / ".join(_percent(row[f"{share}_p50"]) for share in ASSUMPTION_SHARE.values()),
        )
        for row in table.to_dict("records")
    ]
    paired = table["additional_registered_p50"].notna().any()
    notes = (VALUE_NOTE, ASSUMPTION_NOTE) if paired else (NO_BASELINE_NOTE, "")
    value_note, assumption_note = (
        note.format(end=end, baseline=BASELINE, na=UNAVAILABLE) for note in notes
    )
    rule = "-" * max(width(line) for line in text_table(header, rows).splitlines())
    note = TABLE_NOTE.format(end=end, value_note=value_note, assumption_note=assumption_note)
    return "\n".join([text_table(header, rows), rule, note.rstrip("\n")])


def _yuan(value: float) -> str:
    return UNAVAILABLE if np.isnan(value) else f"{value:,.0f}"


def _percent(share: float) -> str:
    return UNAVAILABLE if np.isnan(share) else f"{share:.0%}"


def _probability(row: dict) -> str:
    """'0% (0-21%)': P(doubled) and its 90 % interval."""
    low, high = (row[column] for column in P_DOUBLED_INTERVAL)
    return f"{row['p_doubled']:.0%} ({low * 100:.0f}-{high:.0%})"


def _band(row: dict, column: str) -> str:
    """'3.10 M (2.95-3.30)': the median and the 5-95 % range, in millions."""
    p05, p50, p95 = (row[f"{column}_{k}"] / 1e6 for k in BAND_COLUMNS)
    return f"{p50:.2f} M ({p05:.2f}-{p95:.2f})"
