"""Pure reductions of result tables to what the charts show: bands, medians, gains.

Every function takes the tables of the results contract (or tables made from them) and returns a new
DataFrame; nothing here reads files or knows about Dash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from model.experiments import BAND_COLUMNS, ENDS, START, additional, at_deadline, quantile_bands


def trajectory_bands(timeseries: pd.DataFrame, value: str) -> pd.DataFrame:
    """Bands of one column per scenario and month."""
    return quantile_bands(timeseries, value, ["scenario", "date"])


def operating_share_bands(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Bands of the operating share (operating / registered) per scenario and month."""
    share = timeseries[["scenario", "date"]].assign(
        share=timeseries["n_operating"] / timeseries["n_registered"]
    )
    return quantile_bands(share, "share", ["scenario", "date"])


def median_stocks(timeseries: pd.DataFrame, scenario: str, columns: Iterable[str]) -> pd.DataFrame:
    """Median of each stock column per month for one scenario, long: `date, series, value`."""
    rows = timeseries[timeseries["scenario"] == scenario]
    medians = rows.groupby("date")[list(columns)].median()
    long = medians.reset_index().melt(id_vars="date", var_name="series", value_name="value")
    return long


def annual_flows(timeseries: pd.DataFrame, scenario: str, columns: Iterable[str]) -> pd.DataFrame:
    """Flows summed per calendar year and run, then the median over runs: `year, series, value`.

    The end-2020 starting row is not a flow of the plan and is left out.
    """
    rows = timeseries[(timeseries["scenario"] == scenario) & (timeseries["date"] > START)]
    yearly = rows.groupby(["run", rows["date"].dt.year.rename("year")])[list(columns)].sum()
    medians = yearly.groupby("year").median()
    return medians.reset_index().melt(id_vars="year", var_name="series", value_name="value")


def city_years(by_city: pd.DataFrame) -> list[int]:
    """The year-ends the city table holds, after the starting year."""
    return sorted(int(y) for y in by_city["date"].dt.year.unique() if y > START.year)


def city_levels(by_city: pd.DataFrame, scenario: str, year: int) -> pd.DataFrame:
    """Median registered and operating per city at one year-end: `city, series, value`."""
    rows = by_city[(by_city["scenario"] == scenario) & (by_city["date"].dt.year == year)]
    medians = rows.groupby("city")[["n_registered", "n_operating"]].median()
    return medians.reset_index().melt(id_vars="city", var_name="series", value_name="value")


def city_growth(by_city: pd.DataFrame, year: int) -> pd.DataFrame:
    """Bands of registered at a year-end over registered at end-2020, per scenario and city.

    Empty when the table has no end-2020 row.
    """
    keys = ["scenario", "run", "city"]
    start = by_city[by_city["date"].dt.year == START.year].set_index(keys)["n_registered"]
    end = by_city[by_city["date"].dt.year == year].set_index(keys)["n_registered"]
    ratio = (end / start).dropna().rename("ratio").reset_index()
    if ratio.empty:
        return pd.DataFrame(columns=["scenario", "city", *BAND_COLUMNS])
    return quantile_bands(ratio, "ratio", ["scenario", "city"])


DOUBLING_YEARS = 5  # end-2020 to end-2025 (晋发〔2021〕67号)


def milestone_ratio(year: int) -> float:
    """The annual milestone (年度进度) of doubling by end-2025 as a ratio to end-2020:
    2 ** ((year − 2020) / 5), growth at a constant rate (×1.149 a year). Assumption: 晋发〔2021〕67号
    sets the province's target only (preamble: the count doubles over 2021–2025; art. 47 makes
    growth part of the yearly assessments without figures), none by city or year."""
    return float(2.0 ** ((year - START.year) / DOUBLING_YEARS))


def _city_ratios(by_city: pd.DataFrame) -> pd.DataFrame:
    """Each run's registered entities per city and year-end over its own end-2020 count:
    `scenario, run, city, year, registered, start, ratio` (end-2020 included, ratio 1)."""
    keys = ["scenario", "run", "city"]
    rows = by_city.assign(year=by_city["date"].dt.year, registered=by_city["n_registered"])
    start = rows[rows["year"] == START.year].set_index(keys)["registered"].rename("start")
    rows = rows.join(start, on=keys, how="inner")
    return rows.assign(ratio=rows["registered"] / rows["start"])[
        [*keys, "year", "registered", "start", "ratio"]
    ]


def city_paths(by_city: pd.DataFrame) -> pd.DataFrame:
    """Bands over runs of each city's ratio to end-2020, per scenario and year-end:
    `scenario, city, year, p05, p50, p95` (empty without an end-2020 row)."""
    ratios = _city_ratios(by_city)
    if ratios.empty:
        return pd.DataFrame(columns=["scenario", "city", "year", *BAND_COLUMNS])
    return quantile_bands(ratios, "ratio", ["scenario", "city", "year"])


def city_targets(by_city: pd.DataFrame, scenario: str, year: int) -> pd.DataFrame:
    """Per city (各市分解目标): the median end-2020 count (`start`), the milestone count of each
    year-end after 2020 (`milestone_<year>`: start × `milestone_ratio`), the scenario's bands of
    registered entities at `year` (`model_p05`, `model_p50`, `model_p95`) and the share of its
    runs that meet the milestone of `year` against their own end-2020 count (`on_track`)."""
    ratios = _city_ratios(by_city[by_city["scenario"] == scenario])
    years = sorted(y for y in ratios["year"].unique() if y > START.year)
    starts = ratios[ratios["year"] == START.year].groupby("city")["start"].median()
    table = pd.DataFrame({"start": starts})
    for later in years:
        table[f"milestone_{later}"] = starts * milestone_ratio(later)
    at_year = ratios[ratios["year"] == year]
    bands = quantile_bands(at_year, "registered", ["city"]).set_index("city").add_prefix("model_")
    on_track = (at_year["ratio"] >= milestone_ratio(year)).groupby(at_year["city"]).mean()
    return table.join(bands).assign(on_track=on_track).rename_axis("city").reset_index()


def single_family_scenarios(
    scenario_levers: Mapping[str, Mapping[str, Mapping]], lever_family: Mapping[str, str]
) -> dict[str, str]:
    """Scenarios whose switched-on levers all belong to one family: scenario → family id.

    A lever counts as switched on unless its `intensity` is 0; unknown lever ids are ignored.
    """
    found = {}
    for name, levers in scenario_levers.items():
        families = {
            lever_family[lever]
            for lever, setting in levers.items()
            if lever in lever_family and (setting or {}).get("intensity", 1) not in (0, 0.0)
        }
        if len(families) == 1:
            found[name] = families.pop()
    return found


def gains_over(
    timeseries: pd.DataFrame, scenarios: Iterable[str], baseline: str, values: Iterable[str]
) -> pd.DataFrame:
    """Bands of each scenario's end value minus the baseline's, run by run (common random numbers).

    `timeseries` may hold only the rows at the deadline (`Results.at_deadline`). Columns
    `scenario, series, p05, p50, p95`; empty when the baseline is absent.
    """
    end = at_deadline(timeseries)
    base = end[end["scenario"] == baseline]
    chosen = end[end["scenario"].isin(list(scenarios))]
    if base.empty or chosen.empty:
        return pd.DataFrame(columns=["scenario", "series", *BAND_COLUMNS])
    gains = additional(chosen, list(values), base).dropna()
    long = gains.melt(id_vars=["scenario", "run"], var_name="series", value_name="gain")
    return quantile_bands(long, "gain", ["scenario", "series"])


def paired_changes(end: pd.DataFrame, baselines: Mapping[str, str]) -> pd.DataFrame:
    """Bands of each scenario's registered entities at the deadline minus those of the run with
    the same index (same seed and parameter draw) of each baseline: `scenario, versus, p05, p50,
    p95` (`versus`: the key of `baselines`, key → baseline scenario). A baseline's own row and
    runs without a paired run are left out; a baseline absent from `end` gives no rows."""
    tables = []
    for versus, baseline in baselines.items():
        others = [n for n in end["scenario"].unique() if n != baseline]
        gains = gains_over(end, others, baseline, ["n_registered"])
        tables.append(gains.drop(columns="series").assign(versus=versus))
    columns = ["scenario", "versus", *BAND_COLUMNS]
    return (
        pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)
    )


# --- attribution and sensitivity (贡献与敏感性) ----------------------------------------------

WATERFALL_COLUMNS = ("player", "measure", "mean", "low", "high", "distinct", "cumulative")


def waterfall_steps(ends: pd.DataFrame, summary: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The waterfall of one outcome from no policy to the scenario: the first and last rows the
    ends (`measure` absolute / total, their mean over runs), between them each player's Shapley
    mean (`relative`) in the summary's order; `cumulative` is where each bar ends. `low`/`high`:
    the 90 % interval of each mean. The steps add up to the scenario's gain (efficiency)."""
    columns = ["player", "mean", "low", "high", "distinct"]
    first, last = (ends[(ends["player"] == end) & (ends["outcome"] == outcome)] for end in ENDS)
    steps = summary[summary["outcome"] == outcome]
    table = pd.concat([first[columns], steps[columns], last[columns]], ignore_index=True)
    table["measure"] = ["absolute"] + ["relative"] * len(steps) + ["total"]
    table["cumulative"] = table["mean"].where(table["measure"] != "total", 0.0).cumsum()
    table.loc[table.index[-1], "cumulative"] = table["mean"].iloc[-1]
    return table[list(WATERFALL_COLUMNS)]


def top_inputs(table: pd.DataFrame, output: str, value: str, shown: int) -> pd.DataFrame:
    """The rows of one output of a Morris or Sobol table with the `shown` largest `value`, the
    largest first; inputs without a rank (no effect) left out."""
    rows = table[(table["output"] == output) & table["rank"].notna()]
    return rows.sort_values(value, ascending=False, kind="stable").head(shown)
