"""Shapley values (Shapley 1953) of a cooperative game, exact or by permutation sampling.

A coalition of players 0 … k-1 is a bit mask (player i is in coalition S when bit i of S is set);
a game's values are a mapping from masks to arrays of outcomes (one value per outcome), so one
game gives the Shapley values of several outcomes at once.

- Exact: phi_i = sum over S without i of |S|! (k - |S| - 1)! / k! * (v(S + i) - v(S)), from all
  2^k coalitions.
- Sampled (Castro, Gómez & Tejada 2009, "Polynomial calculation of the Shapley value based on
  sampling", Computers & Operations Research 36(5), 1726-1730): phi_i is the mean of player i's
  marginal contribution v(P + i) - v(P) over random orders, P the players before i. Each order's
  contributions sum to v(all) - v(empty), so the estimates add up exactly whatever the number of
  orders; their standard error is the standard deviation over orders / sqrt(orders).

`summarize`: the values of many runs (a long table: level, player, outcome, run, value,
permutation_se) as the mean over runs with its standard error and 90 % interval, whether it can be
told apart from zero, its rank among those that can, and the 5 / 50 / 95 % bands over runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from math import factorial
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from model.columns import ATTRIBUTION_COLUMNS, INTERVAL
from model.defaults import QUANTILES
from model.experiments.comparison import quantile_bands

MAX_PLAYERS = 62  # masks are int64


def grand(players: int) -> int:
    """The mask of the coalition of every player."""
    return (1 << players) - 1


def all_coalitions(players: int) -> np.ndarray:
    """Every coalition's mask, 0 … 2^k - 1."""
    return np.arange(1 << players, dtype=np.int64)


def exact(values: Mapping[int, np.ndarray], players: int) -> np.ndarray:
    """The Shapley values [player, outcome] of the game whose coalitions have `values` (every
    mask of `all_coalitions(players)`)."""
    masks = all_coalitions(players)
    table = np.array([values[int(mask)] for mask in masks], dtype=float)
    sizes = np.array([int(mask).bit_count() for mask in masks])
    weights = np.array(
        [factorial(s) * factorial(players - s - 1) / factorial(players) for s in range(players)]
    )
    shapley = np.empty((players, table.shape[1]))
    for i in range(players):
        without = masks[(masks >> i) & 1 == 0]
        gains = table[without | (1 << i)] - table[without]
        shapley[i] = weights[sizes[without]] @ gains
    return shapley


@dataclass(frozen=True)
class Orders:
    """Random orders of the players (one row each) and the coalitions they pass through."""

    orders: np.ndarray  # [order, position] -> player

    @classmethod
    def draw(cls, players: int, count: int, rng: np.random.Generator) -> Orders:
        """`count` orders drawn uniformly, one after the other (the first n do not depend on
        `count`)."""
        return cls(np.array([rng.permutation(players) for _ in range(count)], dtype=np.int64))

    @property
    def prefixes(self) -> np.ndarray:
        """[order, position 0 … k] -> the mask of the first `position` players of the order."""
        bits = np.left_shift(np.int64(1), self.orders)
        start = np.zeros((len(self.orders), 1), dtype=np.int64)
        return np.hstack([start, np.bitwise_or.accumulate(bits, axis=1)])

    def coalitions(self) -> list[int]:
        """The distinct coalitions whose values the estimate needs, in increasing order."""
        return [int(mask) for mask in np.unique(self.prefixes)]

    def estimate(self, values: Mapping[int, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """The estimated Shapley values [player, outcome] and their standard errors (NaN with a
        single order), from the values of `coalitions()`."""
        prefixes = self.prefixes
        table = np.array([[values[int(m)] for m in row] for row in prefixes], dtype=float)
        gains = np.diff(table, axis=1)  # [order, position, outcome]
        count, players = self.orders.shape
        by_player = np.empty_like(gains)
        by_player[np.arange(count)[:, None], self.orders] = gains
        shapley = by_player.mean(axis=0)
        if count < 2:
            return shapley, np.full_like(shapley, np.nan)
        return shapley, by_player.std(axis=0, ddof=1) / np.sqrt(count)


def _quantile(runs: pd.Series) -> pd.Series:
    """The multiple of the standard error that makes a 90 % interval (the 95 % quantile, as the
    5-95 % bands): Student's t with runs - 1 degrees of freedom (a spread over few runs), the
    normal's 1.645 for one run (the error of many orders)."""
    top = QUANTILES[-1]
    normal = NormalDist().inv_cdf(top)
    return pd.Series(
        np.where(runs > 1, student_t.ppf(top, np.maximum(runs - 1, 1)), normal), runs.index
    )


def summarize(attribution: pd.DataFrame) -> pd.DataFrame:
    """Per level, player and outcome of a long table of values by run: the mean over runs; its
    standard error, the standard deviation over runs / sqrt(runs) (it includes the sampling error
    of the orders), with one run the orders' error alone (`permutation_se`: sqrt(sum of the runs'
    squared errors) / runs); the 90 % interval, mean ± t standard errors (`_quantile`: 1.83 for
    10 runs); `distinct` when the
    interval excludes 0; `rank` among the distinct values of the outcome (1: the largest mean);
    the bands over runs."""
    keys = ["level", "player", "outcome"]
    grouped = attribution.groupby(keys, sort=False)
    table = pd.DataFrame(
        {
            "runs": grouped.size(),
            "mean": grouped["value"].mean(),
            "permutation_se": np.sqrt(grouped["permutation_se"].apply(lambda e: (e**2).sum()))
            / grouped.size(),
        }
    )
    over_runs = grouped["value"].std(ddof=1) / np.sqrt(table["runs"])
    table["standard_error"] = over_runs.where(table["runs"] > 1, table["permutation_se"])
    half = _quantile(table["runs"]) * table["standard_error"]
    table[INTERVAL[0]] = table["mean"] - half
    table[INTERVAL[1]] = table["mean"] + half
    table["distinct"] = (table[INTERVAL[0]] > 0) | (table[INTERVAL[1]] < 0)
    ranked = table["mean"].where(table["distinct"]).groupby(level=["level", "outcome"])
    table["rank"] = ranked.rank(ascending=False, method="min")
    table = table.join(quantile_bands(attribution, "value", keys).set_index(keys))
    return table.reset_index()[list(ATTRIBUTION_COLUMNS["attribution_summary"])]
