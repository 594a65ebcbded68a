"""Shapley attribution (贡献分解): a scenario's gain over no policy, shared among its families or
levers in an order-independent way (Shapley 1953; the maths in `shapley`).

- Players: the scenario's families (政策类别) that hold at least one of its levers (level
  `family`), or its levers (level `lever`). A coalition's scenario is the scenario restricted to
  its players' levers, every setting kept (intensity, start, end, ramp, knobs, fidelity); the empty
  coalition is no policy.
- Common random numbers: every coalition of run r is simulated with run r's seed and parameter
  draw (`Settings.parameters`), so v_r(S) - v_r(empty) is a paired, additional gain, and the values
  of run r add up to the scenario's gain over the no-policy run of the same seed (efficiency).
- Family level: exact, from all 2^k coalitions (k <= 9: at most 512 simulations a run). Lever
  level: permutation sampling (Castro et al. 2009), `permutations` random orders a run drawn from
  the run's seed; each coalition they pass through is simulated once a run.
- Outcomes (columns.OUTCOMES) at the end month (2025-12): registered, operating and employed
  (n_employed) in real entities and persons, fiscal_cost (cum_fiscal_cost, yuan), and doubled (1 if
  the run doubled by the deadline, else 0: its values are shares of the gain in P(doubled)).
- Summary over runs, per player and outcome (`shapley.summarize`): the mean, its standard error
  (the standard deviation over runs / sqrt(runs), which includes the sampling error of the orders;
  with one run, the orders' error alone), the 90 % interval mean ± t standard errors (Student's
  t, runs - 1 degrees of freedom; 1.645 with one run), and the 5 / 50 / 95 % bands over runs. A
  value whose interval includes 0 cannot be told apart from zero: `distinct` False, and it is not
  ranked (`rank`: 1 = the largest mean among the distinct values of the outcome).

The simulations run on the executor, a task being up to COALITIONS_PER_TASK coalitions of the runs
that simulate the same ones (every run at family level, one run at lever level, whose orders are
each run's own), at most `runs_per_stack` runs: one stack of runs, whose no-policy model is built
once and continued per coalition (`simulation.simulate_stack`, each run bit for bit as alone). Each
run's part of a finished task is kept under OUT/.attribution/, so an interrupted computation resumes
where it stopped when the same command is run again. The results folder is written into a temporary
folder and renamed into place.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from model.columns import ATTRIBUTION_COLUMNS, INTERVAL, MANIFEST, OUTCOMES
from model.defaults import DEADLINE, PROJECT_ROOT
from model.errors import InputError
from model.experiments import shapley
from model.experiments.comparison import end_row, summarize_one
from model.experiments.cost_effectiveness import NOTE_WIDTH, cost_effectiveness
from model.experiments.ensemble import (
    Settings,
    batch_identity,
    build_manifest,
    code_loaded,
    in_stacks,
    load_scenarios,
    progress_bar,
    require_run_code,
    require_same_code,
    runs_per_stack,
)
from model.experiments.executor import LOCAL, Cluster, open_executor
from model.experiments.store import (
    check_identity,
    check_target,
    publishing,
    read_manifest,
    write_json,
    write_table,
)
from model.texttable import text_table

if TYPE_CHECKING:
    from model.experiments.simulation import RunOutput
    from model.policy.scenario import Scenario

LEVELS = ("family", "lever")
MAX_PERMUTATIONS = 10_000
COALITIONS_PER_TASK = 16  # a task's simulations share one no-policy model up to their levers' start
WORK = ".attribution"  # the work folder inside the results folder
ATTRIBUTION_FILE = "attribution.parquet"
_IDENTITY = "identity.json"  # in the work folder: what makes two computations the same
_ORDER_STREAM = 0x0A77  # spawn key of the run's random orders (apart from the model's streams)
_END_VALUES = {
    "registered": "n_registered",
    "operating": "n_operating",
    "employed": "n_employed",
    "fiscal_cost": "cum_fiscal_cost",
}


@dataclass(frozen=True)
class Players:
    """The players of the attribution: their names and each one's levers."""

    level: str
    names: tuple[str, ...]
    levers: tuple[tuple[str, ...], ...]

    @property
    def grand(self) -> int:
        return shapley.grand(len(self.names))

    def coalition(self, scenario: Scenario, mask: int) -> Scenario:
        """`scenario` restricted to the levers of the players in coalition `mask`."""
        chosen = {
            lever for i, levers in enumerate(self.levers) if mask >> i & 1 for lever in levers
        }
        kept = {lever: s for lever, s in scenario.levers.items() if lever in chosen}
        return replace(scenario, levers=kept)


def players_of(scenario: Scenario, level: str) -> Players:
    """The players of `scenario` at `level`; InputError for an unknown level or a scenario
    without levers."""
    from model.policy.catalogue import FAMILIES, load_catalogue

    if level not in LEVELS:
        raise InputError(f"--level must be one of {', '.join(LEVELS)}, got {level!r}")
    if not scenario.levers:
        raise InputError(
            f"{scenario.path}: scenario {scenario.name!r} switches no lever on: nothing to "
            f"attribute"
        )
    if level == "lever":
        names = tuple(scenario.levers)
        players = Players(level, names, tuple((name,) for name in names))
    else:
        family = {lever: load_catalogue().levers[lever].family for lever in scenario.levers}
        names = tuple(f for f in FAMILIES if f in family.values())
        levers = tuple(tuple(lv for lv in scenario.levers if family[lv] == f) for f in names)
        players = Players(level, names, levers)
    if len(players.names) > shapley.MAX_PLAYERS:
        raise InputError(
            f"{scenario.path}: {len(players.names)} players, at most {shapley.MAX_PLAYERS}"
        )
    return players


def orders_of(seed: int, players: int, permutations: int) -> shapley.Orders:
    """The random orders of the players in the run with `seed` (lever level)."""
    sequence = np.random.SeedSequence(seed, spawn_key=(_ORDER_STREAM,))
    return shapley.Orders.draw(players, permutations, np.random.default_rng(sequence))


def coalitions_of(players: Players, seed: int, permutations: int) -> list[int]:
    """The coalitions simulated in the run with `seed`."""
    if players.level == "family":
        return [int(mask) for mask in shapley.all_coalitions(len(players.names))]
    return orders_of(seed, len(players.names), permutations).coalitions()


# --- the work function -----------------------------------------------------------------------


class CoalitionTask(NamedTuple):
    """Coalitions of one run, kept together in the work folder."""

    scenario: Scenario
    players: Players
    masks: tuple[int, ...]
    chunk: int  # the task's number within its run
    run: int
    seed: int
    scale: float
    until: str
    parameters: dict[str, float] | None


class CoalitionStack(NamedTuple):
    """The arguments of one call of `simulate_coalitions`: the same coalitions of several runs."""

    scenario: Scenario
    players: Players
    masks: tuple[int, ...]
    chunk: int
    runs: tuple[int, ...]
    seeds: tuple[int, ...]
    scale: float
    until: str
    parameters: tuple[dict[str, float] | None, ...]


@dataclass
class CoalitionValues:
    """What a task returns: its coalitions' outcomes, and the scenario's own run if it is one of
    them (the grand coalition: its fiscal cost by lever, starting stock and lever draws)."""

    run: int
    chunk: int
    values: pd.DataFrame  # ATTRIBUTION_COLUMNS["coalitions"]
    package: RunOutput | None
    code_fingerprint: str


def simulate_coalitions(
    scenario: Scenario,
    players: Players,
    masks: tuple[int, ...],
    chunk: int,
    runs: tuple[int, ...],
    seeds: tuple[int, ...],
    scale: float,
    until: str,
    parameters: tuple[dict[str, float] | None, ...],
) -> list[CoalitionValues]:
    """The outcomes of coalitions `masks` in each of `runs` (the executor's work function)."""
    from model.experiments.simulation import simulate_stack  # Mesa is imported by workers only

    scenarios = [players.coalition(scenario, mask) for mask in masks]
    stacked = simulate_stack(
        scenarios, seeds=list(seeds), parameters=list(parameters), scale=scale, until=until
    )
    results = []
    for index, run in enumerate(runs):
        outputs = [runs_of_coalition[index][0] for runs_of_coalition in stacked]
        rows = [
            {"run": run, "coalition": mask, "size": mask.bit_count(), **end_values(o.timeseries)}
            for mask, o in zip(masks, outputs, strict=True)
        ]
        package = next((o for m, o in zip(masks, outputs, strict=True) if m == players.grand), None)
        values = pd.DataFrame(rows, columns=list(ATTRIBUTION_COLUMNS["coalitions"]))
        results.append(CoalitionValues(run, chunk, values, package, code_loaded()))
    return results


def end_values(timeseries: pd.DataFrame) -> dict[str, float]:
    """A run's outcomes (columns.OUTCOMES) from its timeseries (sorted by date)."""
    end = end_row(timeseries)
    values = {outcome: float(end[column]) for outcome, column in _END_VALUES.items()}
    return values | {"doubled": float(summarize_one(timeseries)["doubled"])}


# --- the computation -------------------------------------------------------------------------


def default_out(scenario: str, level: str) -> Path:
    return PROJECT_ROOT / "results" / f"attribution-{scenario}-{level}"


def attribute(
    scenario_path: Path,
    *,
    level: str,
    runs: int,
    permutations: int,
    scale: float,
    seed: int,
    posterior: str,
    out: Path | None = None,
    cluster: Cluster = LOCAL,
    quiet: bool = False,
    command: list[str] | None = None,
) -> Path:
    """Attribute the scenario's gain to its players at `level` into the results folder `out`
    (default: results/attribution-SCENARIO-LEVEL) and return it; resumes an interrupted
    computation. Everything is checked before anything runs (InputError)."""
    settings = Settings(runs, scale, DEADLINE, seed, posterior)
    if not 1 <= permutations <= MAX_PERMUTATIONS:
        raise InputError(f"--permutations must be 1 to {MAX_PERMUTATIONS:,}, got {permutations}")
    (scenario,) = load_scenarios([scenario_path])
    players = players_of(scenario, level)
    out = check_target(out or default_out(scenario.name, level), (ATTRIBUTION_FILE, WORK))
    identity = batch_identity([scenario], settings) | {
        "level": level,
        "permutations": permutations if level == "lever" else None,
        "players": list(players.names),
    }
    work = WorkFolder(out)
    work.check(identity)
    try:
        tasks = coalition_tasks(scenario, players, settings, permutations)
        _simulate_missing(work, tasks, identity, cluster, quiet)
        command = sys.argv if command is None else command
        manifest = build_manifest([scenario], work.runs(scenario.name), settings, command)
        manifest["attribution"] = {
            "level": level,
            "permutations": identity["permutations"],
            "players": dict(zip(players.names, map(list, players.levers), strict=True)),
            "outcomes": list(OUTCOMES),
        }
        tables = _tables(work, players, settings, permutations)
        text = render(manifest, tables)
        with publishing(check_target(out, (ATTRIBUTION_FILE, WORK))) as folder:
            _write(folder, tables, manifest, text)
    finally:
        work.remove_if_empty()
    return out


def _simulate_missing(
    work: WorkFolder, tasks: list[CoalitionTask], identity: dict, cluster: Cluster, quiet: bool
) -> None:
    """Simulate the tasks `work` has not kept yet, keeping each as it finishes."""
    todo = [task for task in tasks if not work.has(task.run, task.chunk)]
    total, left = (sum(len(t.masks) for t in some) for some in (tasks, todo))
    stacks = coalition_stacks(todo)
    code = identity["code_fingerprint"]
    with open_executor(tasks=len(stacks), cluster=cluster) as executor:
        require_same_code(executor, code)
        work.start(identity)
        with progress_bar(total, total - left, quiet, unit="simulation") as bar:
            for results in executor.map_unordered(simulate_coalitions, stacks):
                for result in results:
                    require_run_code(result.code_fingerprint, code, f"run {result.run}")
                    work.save(result)
                    bar.update(len(result.values))


def _tables(
    work: WorkFolder, players: Players, settings: Settings, permutations: int
) -> dict[str, pd.DataFrame]:
    """The published tables: the Shapley values, the package's fiscal cost, cost-effectiveness."""
    tables = attribution_tables(players, settings.seeds, permutations, work.values())
    tables["package_fiscal"] = work.fiscal()
    levers = dict(zip(players.names, players.levers, strict=True))
    tables["cost_effectiveness"] = cost_effectiveness(
        tables["attribution"], tables["package_fiscal"], levers
    )
    return tables


def coalition_tasks(
    scenario: Scenario, players: Players, settings: Settings, permutations: int
) -> list[CoalitionTask]:
    tasks = []
    for run, (seed, parameters) in enumerate(zip(settings.seeds, settings.draws, strict=True)):
        masks = coalitions_of(players, seed, permutations)
        for chunk, first in enumerate(range(0, len(masks), COALITIONS_PER_TASK)):
            mine = tuple(masks[first : first + COALITIONS_PER_TASK])
            tasks.append(
                CoalitionTask(
                    scenario, players, mine, chunk, run, seed, settings.scale, settings.until,
                    parameters,
                )
            )  # fmt: skip
    return tasks


def coalition_stacks(tasks: list[CoalitionTask]) -> list[CoalitionStack]:
    """The tasks that simulate the same coalitions, in stacks of runs (`runs_per_stack`)."""
    groups: dict[tuple[int, tuple[int, ...]], list[CoalitionTask]] = {}
    for task in tasks:
        groups.setdefault((task.chunk, task.masks), []).append(task)
    stacks = []
    for (chunk, masks), group in groups.items():
        first = group[0]
        for part in in_stacks(group, runs_per_stack(first.scale)):
            stacks.append(
                CoalitionStack(
                    first.scenario, first.players, masks, chunk,
                    tuple(task.run for task in part), tuple(task.seed for task in part),
                    first.scale, first.until, tuple(task.parameters for task in part),
                )
            )  # fmt: skip
    return stacks


def attribution_tables(
    players: Players, seeds: list[int], permutations: int, coalitions: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """`coalitions`, each run's Shapley values (`attribution`) and their summary over runs."""
    parts = []
    for run, seed in enumerate(seeds):
        rows = coalitions[coalitions["run"] == run]
        values = dict(zip(rows["coalition"], rows[list(OUTCOMES)].to_numpy(), strict=True))
        if players.level == "family":
            found = shapley.exact(values, len(players.names))
            errors = np.zeros_like(found)
        else:
            found, errors = orders_of(seed, len(players.names), permutations).estimate(values)
        parts.append(_long(players, run, found, errors))
    attribution = pd.concat(parts, ignore_index=True)
    return {
        "coalitions": coalitions.sort_values(["run", "coalition"], ignore_index=True),
        "attribution": attribution,
        "attribution_summary": shapley.summarize(attribution),
    }


def _long(players: Players, run: int, found: np.ndarray, errors: np.ndarray) -> pd.DataFrame:
    """One run's values [player, outcome] in the long format of `attribution.parquet`."""
    shape = found.shape
    return pd.DataFrame(
        {
            "level": players.level,
            "player": np.repeat(players.names, shape[1]),
            "outcome": np.tile(OUTCOMES, shape[0]),
            "run": run,
            "value": found.reshape(-1),
            "permutation_se": errors.reshape(-1),
        }
    )


def read_attribution_tables(folder: Path) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The manifest and tables (by file stem) of an attribution folder; InputError, saying which
    command writes one, for a folder without attribution results (a batch's, for one)."""
    folder = Path(folder)
    if not (folder / ATTRIBUTION_FILE).is_file():
        raise InputError(
            f"{folder} holds no attribution results: `uv run python run.py attribute "
            f"scenarios/SCENARIO.yaml [--level lever]` writes them (into "
            f"results/attribution-SCENARIO-LEVEL, or --out FOLDER)"
        )
    manifest = read_manifest(folder)
    names = (*ATTRIBUTION_COLUMNS, "cost_effectiveness")
    try:
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in names}
    except (OSError, ValueError) as error:
        raise InputError(f"{folder}: unreadable attribution results: {error}") from None
    return manifest, tables


def format_attribution(folder: Path) -> str:
    """The attribution folder's summary and cost-effectiveness tables, for people."""
    return render(*read_attribution_tables(folder))


def render(manifest: dict, tables: dict[str, pd.DataFrame]) -> str:
    """The summary and cost-effectiveness tables of an attribution, for people."""
    from model.experiments import cost_effectiveness as costs

    summary = tables["attribution_summary"]
    wide = summary.pivot(index="player", columns="outcome")
    players = list(dict.fromkeys(summary["player"]))
    header = ("player", *(f"{_SHOWN[o]}" for o in _SHOWN), "rank (operating)")
    rows = [
        (
            player,
            *(_value(wide.loc[player], outcome) for outcome in _SHOWN),
            _rank(wide.loc[player, ("rank", "operating")]),
        )
        for player in players
    ]
    title = (
        f"{manifest['attribution']['level'].capitalize()} attribution of "
        f"{next(iter(manifest['scenarios']))}: {manifest['runs']} runs, scale {manifest['scale']:g}"
    )
    table = text_table(header, rows, left=1)
    ce = tables["cost_effectiveness"]
    note = textwrap.fill(ATTRIBUTION_NOTE, NOTE_WIDTH)
    return f"{title}\n\n{table}\n\n{note}\n\n{costs.render(ce)}"


_SHOWN = {  # outcome -> its column header
    "registered": "extra registered",
    "operating": "extra operating",
    "employed": "jobs added",
    "doubled": "P(doubled) share",
    "fiscal_cost": "cost (Shapley) 亿元",
}


def _value(row: pd.Series, outcome: str) -> str:
    """The mean; '≈0 (low to high)' when the 90 % interval includes 0."""
    scale, form = {"doubled": (100, "{:,.1f} pp"), "fiscal_cost": (1e-8, "{:,.2f}")}.get(
        outcome, (1, "{:,.0f}")
    )
    mean = form.format(row[("mean", outcome)] * scale)
    if row[("distinct", outcome)] or row[("low", outcome)] == row[("high", outcome)]:
        return mean  # distinct from zero, or exactly zero in every run
    low, high = (form.format(row[(end, outcome)] * scale) for end in INTERVAL)
    return f"≈0 ({low} to {high})"


def _rank(rank: float) -> str:
    return "-" if np.isnan(rank) else f"{rank:.0f}"


ATTRIBUTION_NOTE = (
    "Each player's Shapley value at the end month (贡献分解): its order-independent share of the "
    "scenario's gain over the no-policy run of the same seed, the mean over runs; the values of a "
    "run add up to the scenario's gain. P(doubled) share: percentage points of the gain in "
    "P(doubled). ≈0 and the 90 % interval of the mean: cannot be told apart from zero (sampling "
    "error of runs and, at lever level, of the random orders), not ranked."
)


def _write(folder: Path, tables: dict[str, pd.DataFrame], manifest: dict, text: str) -> None:
    """The tables (counts as int32, like a batch's `run`), the manifest and the printed tables
    (`attribution.txt`)."""
    for name, table in tables.items():
        counts = {column: "int32" for column in _COUNTS if column in table}
        write_table(table.astype(counts), folder / f"{name}.parquet")
    write_json(folder / MANIFEST, manifest)
    (folder / "attribution.txt").write_text(text + "\n", encoding="utf-8")


_COUNTS = ("run", "size", "runs")


# --- reading a published attribution --------------------------------------------------------

ENDS = ("no_policy", "scenario")  # the waterfall's ends: no coalition, all of them


@dataclass(frozen=True)
class Attribution:
    """A published attribution folder: its manifest, summary, cost-effectiveness table and the
    two ends of its waterfall (`ends`: no policy and the whole scenario, in the summary's columns,
    `player` "no_policy" / "scenario", summarized over runs as the players are)."""

    folder: Path
    manifest: dict
    summary: pd.DataFrame
    cost_effectiveness: pd.DataFrame
    ends: pd.DataFrame

    @property
    def scenario(self) -> str:
        return next(iter(self.manifest["scenarios"]))

    @property
    def level(self) -> str:
        return str(self.manifest["attribution"]["level"])


def read_attribution(folder: Path) -> Attribution:
    """The attribution published in `folder` by `run.py attribute` (`read_attribution_tables`);
    InputError naming the folder and what is wrong."""
    manifest, tables = read_attribution_tables(folder)
    if not {"level", "players"} <= set(manifest.get("attribution") or {}):
        raise InputError(f"{Path(folder) / MANIFEST}: no `attribution` entry (level, players)")
    return Attribution(
        Path(folder),
        manifest,
        tables["attribution_summary"],
        tables["cost_effectiveness"],
        _ends(tables["coalitions"], manifest),
    )


def _ends(coalitions: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """No policy (coalition 0) and the whole scenario (every player), summarized over runs."""
    level = manifest["attribution"]["level"]
    grand = shapley.grand(len(manifest["attribution"]["players"]))
    parts = []
    for mask, player in zip((0, grand), ENDS, strict=True):
        rows = coalitions[coalitions["coalition"] == mask]
        long = rows.melt(id_vars=["run"], value_vars=list(OUTCOMES), var_name="outcome")
        parts.append(long.assign(level=level, player=player, permutation_se=0.0))
    return shapley.summarize(pd.concat(parts, ignore_index=True))


# --- the work folder -------------------------------------------------------------------------


class WorkFolder:
    """OUT/.attribution/: `identity.json`, and per finished task `values/RUN-CHUNK.parquet`; per
    run, the scenario's own run: `package/RUN.parquet` (fiscal cost by lever) and `RUN.json`."""

    def __init__(self, out: Path):
        self.out = out
        self.folder = out / WORK
        self._created_out = not out.exists()

    def check(self, identity: dict) -> None:
        """InputError if the work folder belongs to a computation with other settings."""
        if (self.folder / _IDENTITY).is_file():
            check_identity(self.folder / _IDENTITY, identity, "attribution")

    def start(self, identity: dict) -> None:
        for sub in ("values", "package"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)
        if not (self.folder / _IDENTITY).is_file():
            write_json(self.folder / _IDENTITY, identity)

    def _values_path(self, run: int, chunk: int) -> Path:
        return self.folder / "values" / f"{run:06d}-{chunk:04d}.parquet"

    def has(self, run: int, chunk: int) -> bool:
        return self._values_path(run, chunk).is_file()

    def save(self, result: CoalitionValues) -> None:
        """Keep a finished task (its package first: the values file marks it done)."""
        if result.package is not None:
            package = self.folder / "package" / f"{result.run:06d}.parquet"
            fiscal = result.package.fiscal.assign(run=result.run)
            _replace_with(fiscal[list(ATTRIBUTION_COLUMNS["package_fiscal"])], package)
            draws = {
                "start_stock": result.package.start_stock,
                "lever_draws": result.package.lever_draws,
            }
            write_json(package.with_suffix(".json"), draws)
        _replace_with(result.values, self._values_path(result.run, result.chunk))

    def values(self) -> pd.DataFrame:
        files = sorted((self.folder / "values").glob("*.parquet"))
        return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)

    def fiscal(self) -> pd.DataFrame:
        files = sorted((self.folder / "package").glob("*.parquet"))
        table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return table.sort_values(["run", "lever", "department"], ignore_index=True)

    def runs(self, scenario: str) -> list[dict]:
        """Each run's starting stock and lever draws, as `build_manifest` takes them."""
        files = sorted((self.folder / "package").glob("*.json"))
        return [{"scenario": scenario, **json.loads(f.read_text("utf-8"))} for f in files]

    def remove_if_empty(self) -> None:
        """Delete the work folder if no task finished (and the results folder if this made it)."""
        if not self.folder.exists() or any((self.folder / "values").glob("*.parquet")):
            return
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._created_out and self.out.is_dir() and not any(self.out.iterdir()):
            self.out.rmdir()


def _replace_with(table: pd.DataFrame, path: Path) -> None:
    """Write a table to `path` atomically (a temporary file, then a rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    write_table(table, temporary)
    os.replace(temporary, path)
