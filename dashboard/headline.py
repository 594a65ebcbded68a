"""The answer first (结论先行): the facts of the overview's summary sentence, in one place.

`headline(results, lang)` reads the comparison of the batch (`model.experiments.compare`, the one
definition `run.py compare` prints) and says, for the scenario as enacted (`as_enacted`):

- base: registered entities at end-2020. The starting stock is an estimate with a range (2.6–3.2 M,
  base_rates.csv), drawn per run, so it is a band over runs.
- target: the doubling line, 2 × the median end-2020 count (`compare`'s `target`). P(doubled) is
  judged run by run (`model.experiments.comparison`): a run doubled if its registered entities
  reached twice *its own* end-2020 count by 2025-12. The line is the median of those run targets,
  so a run that starts high can end above the line and still miss its own target: a band may
  cross the line while P(doubled) is 0 % (`target_band` holds the run targets' 5–95 %,
  `above_line_not_doubled` counts such runs).
- the median end-2025 count, the ratio to end-2020 (median of the runs' ratios) with their 90 %
  intervals (5–95 % of runs), the gap = target − median end-2025 count (> 0: short of it).
- P(doubled) with its 90 % Jeffreys interval (`model.experiments.comparison.jeffreys_interval`,
  through `compare`).
- the scenario nearest the target: the most likely to double, ties broken by the highest median
  ratio, among every scenario but `no_policy`; its median fiscal cost to 2025-12.

`Headline.sentence` writes these facts in the chosen language; `Headline.explanation` says how the
line relates to P(doubled). The report (`run.py report`) uses the same facts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import components
from dashboard.contract import BASELINE
from dashboard.data import Results
from dashboard.formats import (
    fiscal_scale,
    format_money,
    format_number,
    format_percent,
    format_ratio,
)
from dashboard.i18n import t
from model.experiments import compare

HEADLINE_SCENARIO = "as_enacted"  # 按现行文件: the plan as the document enacts it


def overview_table(results: Results) -> pd.DataFrame:
    """The comparison of a results folder (`model.experiments.compare`, computed once)."""
    return results.memo(("overview",), lambda: compare(results.summary, results.at_deadline()))


@dataclass(frozen=True)
class Band:
    """The 5 %, 50 % and 95 % quantiles over runs: the median and its 90 % interval."""

    p05: float
    p50: float
    p95: float

    @classmethod
    def of(cls, row: pd.Series, prefix: str, factor: float = 1.0) -> Band:
        """The band `<prefix>_p05/_p50/_p95` of a row of the comparison, times `factor`."""
        return cls(*(factor * float(row[f"{prefix}_{q}"]) for q in ("p05", "p50", "p95")))


@dataclass(frozen=True)
class Headline:
    """The facts of the summary sentence (counts in entities, money in yuan) and the sentence."""

    lang: str
    scenario: str  # the scenario described: `as_enacted` (else the first one with levers)
    title: str
    runs: int
    base: Band  # registered at end-2020, over runs
    target: float  # the doubling line: 2 × base.p50
    target_band: Band  # 2 × each run's own end-2020 count: what each run is judged against
    end_registered: Band  # registered at the end month (2025-12)
    ratio: Band  # end-2025 / end-2020, run by run
    gap: float  # target − end_registered.p50; > 0: short of the target
    p_doubled: float
    p_doubled_interval: tuple[float, float]  # 90 % Jeffreys interval
    above_line_not_doubled: int  # runs ending above the line that missed their own target
    nearest: str  # the scenario nearest the target (see the module's docstring)
    nearest_title: str
    nearest_ratio: float
    nearest_p_doubled: float
    nearest_cost: float  # its median fiscal cost to 2025-12, yuan

    @property
    def sentence(self) -> str:
        """The headline in the language, e.g. '「按文件实施…」情景下，2025年底登记市场主体约521.7万户…'."""
        lang = self.lang
        gap_key = "headline.short" if self.gap > 0 else "headline.beyond"
        return t(
            "headline.sentence",
            lang,
            title=self.title,
            count=format_number(self.end_registered.p50, lang),
            ratio=format_ratio(self.ratio.p50, lang),
            base=format_number(self.base.p50, lang),
            low=format_ratio(self.ratio.p05, lang),
            high=format_ratio(self.ratio.p95, lang),
            gap=t(gap_key, lang, gap=format_number(abs(self.gap), lang)),
            target=format_number(self.target, lang),
            p=format_percent(self.p_doubled),
            p_low=format_percent(self.p_doubled_interval[0]),
            p_high=format_percent(self.p_doubled_interval[1]),
            runs=self.runs,
            nearest=self.nearest_title,
            nearest_ratio=format_ratio(self.nearest_ratio, lang),
            nearest_p=format_percent(self.nearest_p_doubled),
            cost=format_money(self.nearest_cost, lang, fiscal_scale(lang)),
        )

    @property
    def explanation(self) -> str:
        """How the doubling line relates to P(doubled), judged run by run."""
        lang = self.lang
        text = t(
            "headline.explanation",
            lang,
            target=format_number(self.target, lang),
            low=format_number(self.target_band.p05, lang),
            high=format_number(self.target_band.p95, lang),
        )
        if self.above_line_not_doubled:
            text += t("headline.above_line", lang, n=self.above_line_not_doubled, runs=self.runs)
        return text


def headline_scenario(names: list[str]) -> str:
    """The scenario the headline describes: `as_enacted`, else the first other than the baseline
    (else the baseline itself)."""
    if HEADLINE_SCENARIO in names:
        return HEADLINE_SCENARIO
    return next((n for n in names if n != BASELINE), names[0])


def nearest_scenario(table: pd.DataFrame) -> pd.Series:
    """The row of the comparison nearest the target: the highest P(doubled), then the highest
    median ratio to end-2020; `no_policy` only if it is the only scenario."""
    candidates = table[table["scenario"] != BASELINE]
    if candidates.empty:
        candidates = table
    ranked = candidates.sort_values(["p_doubled", "ratio_p50"], ascending=False, kind="stable")
    return ranked.iloc[0]


def above_line_not_doubled(summary: pd.DataFrame, scenario: str, line: float) -> int:
    """Runs of `scenario` whose end count (`end_registered`) is at or above `line` yet which did
    not double against their own end-2020 count."""
    runs = summary[summary["scenario"] == scenario]
    return int(((runs["end_registered"] >= line) & ~runs["doubled"].astype(bool)).sum())


def headline(results: Results, lang: str) -> Headline:
    """The headline facts of a results folder in `lang` ('zh' or 'en')."""
    table = overview_table(results)
    name = headline_scenario(list(table["scenario"]))
    row = table.set_index("scenario").loc[name]
    nearest = nearest_scenario(table)
    titles = components.titles(results.scenarios, lang)
    end = Band.of(row, "end_registered")
    target = float(row["target"])
    return Headline(
        lang=lang,
        scenario=name,
        title=titles.get(name, name),
        runs=int(row["runs"]),
        base=Band.of(row, "start_registered"),
        target=target,
        target_band=Band.of(row, "start_registered", factor=2.0),
        end_registered=end,
        ratio=Band.of(row, "ratio"),
        gap=target - end.p50,
        p_doubled=float(row["p_doubled"]),
        p_doubled_interval=(float(row["p_doubled_p05"]), float(row["p_doubled_p95"])),
        above_line_not_doubled=above_line_not_doubled(results.summary, name, target),
        nearest=str(nearest["scenario"]),
        nearest_title=titles.get(nearest["scenario"], str(nearest["scenario"])),
        nearest_ratio=float(nearest["ratio_p50"]),
        nearest_p_doubled=float(nearest["p_doubled"]),
        nearest_cost=float(nearest["fiscal_cost_p50"]),
    )
