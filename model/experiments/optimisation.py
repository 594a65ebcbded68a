"""The cheapest mix that doubles (实现路径): a search over the levers' intensities and starts for
the frontier of fiscal cost against P(doubled), the best points verified with many runs.

Decision variables: each lever's intensity within its catalogue bounds (`Lever.bounds`, 0.1
steps) and its start, from the bounds' earliest start (never before the document took effect) in
half-year steps to LATEST_START; and each family (政策类别) on or off. Objectives: the mean fiscal
cost to the deadline (minimised) and P(registered >= 2 x end-2020 by 2025-12) (maximised); the
operating share of registered entities at the deadline is a floor (registrations that never
operate are no success), and the budget, if given, a ceiling: optuna constraints. Sampler: optuna's
TPE with constraints, seeded.

Every trial runs the same R seeds with the same posterior draws (common random numbers), on the one
executor, its R runs simulated together as one task (a stack, `search_runs`), without the
evidence-only variant. With R runs the share of runs that doubled moves in steps of 1/R and is 0 for
every mix short of the target, which gives a sampler no direction; the search's P is therefore the
normal approximation over runs of the peak ratio to end-2020 (each run's highest registered count up
to the deadline over its start): Φ((mean - 2) / sd). The points reported (at most VERIFIED_POINTS of
the front: the cheapest whose search P meets the target, the one of highest P, alternatives between;
the rest of the front is shown with its search estimates) are re-evaluated by an ordinary batch
(`run_batch`, VERIFY_SEED_OFFSET away from the search's seeds: fresh runs, no winner's curse) whose
P(doubled) is the share of runs doubled with its 90 % Jeffreys interval (`comparison`).

The output folder holds the optuna journal (`study.journal`: an interrupted search resumes; trials
cut off are evaluated again), `scenarios/` (one scenario file per verified mix), `verification/`
(the results folder of their batch, with `no_policy`), `front.csv` and `optimisation.json`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from model.defaults import (
    BASELINE,
    DEFAULT_POSTERIOR,
    DEFAULT_SEED,
    OPTIMISE_MIN_OPERATING_SHARE,
    OPTIMISE_RUNS_PER_TRIAL,
    OPTIMISE_SCALE,
    OPTIMISE_TARGET_P,
    OPTIMISE_TRIALS,
    OPTIMISE_VERIFY_RUNS,
    SCENARIO_DIR,
)
from model.defaults import DEADLINE as DEADLINE_MONTH
from model.errors import InputError
from model.experiments.comparison import DEADLINE, START
from model.experiments.ensemble import (
    MAX_RUNS,
    Settings,
    code_fingerprint,
    in_stacks,
    progress_bar,
    require_same_code,
    run_batch,
    runs_per_stack,
)
from model.experiments.executor import LOCAL, Cluster, Executor, open_executor
from model.experiments.store import check_target, comparison_of
from model.policy.catalogue import Catalogue, load_catalogue
from model.policy.scenario import Scenario, lever_setting, validate_files
from model.texttable import text_table
from model.world.clock import month_index, month_label

if TYPE_CHECKING:
    import optuna

DOUBLING = 2.0  # the target of 晋发〔2021〕67号: registered entities at least twice end-2020
VERIFY_SEED_OFFSET = 1  # the verification batch's seed: the search's + 1 (fresh runs)
VERIFIED_POINTS = 4  # front points verified: the cheapest meeting the target and alternatives
# Starts: half-year steps (assumption: the document's own rhythm, 每半年专题听取工作汇报) up to
# 2025-01, so that a lever started late still acts for a year before the deadline.
START_STEP_MONTHS = 6
LATEST_START = "2025-01"
INTENSITY_STEP = 0.1
TRIALS_AT_ONCE = 4  # trials asked together: their runs keep 2 workers busy between two asks
JOURNAL = "study.journal"
STUDY = "optimise"


# ---------------------------------------------------------------------------------------------
# What is asked, and the space searched


@dataclass(frozen=True)
class Goal:
    """The target and the constraints of a search; checked on creation (InputError naming the
    command-line option)."""

    target_p: float = OPTIMISE_TARGET_P
    budget: float | None = None  # yuan to the deadline, mean over runs
    min_operating_share: float = OPTIMISE_MIN_OPERATING_SHARE

    def __post_init__(self):
        if not 0 < self.target_p <= 1:
            raise InputError(f"--target-p must be a probability in (0, 1], got {self.target_p:g}")
        if self.budget is not None and not (self.budget >= 0 and math.isfinite(self.budget)):
            raise InputError(f"--budget must be 0 or more yuan, got {self.budget:g}")
        if not 0 <= self.min_operating_share <= 1:
            raise InputError(
                f"--min-operating-share must be a share in [0, 1], got {self.min_operating_share:g}"
            )

    def violations(self, cost: float, operating_share: float) -> dict[str, float]:
        """Optuna constraints, each <= 0 when met: the operating share's floor, the budget."""
        floor = {"operating_share": self.min_operating_share - operating_share}
        return floor if self.budget is None else floor | {"budget": (cost - self.budget) / 1e8}


@dataclass(frozen=True)
class Choice:
    """One lever's decision variables: intensity in [low, high], start among `starts`."""

    lever: str
    family: str
    low: float
    high: float
    starts: tuple[str, ...]


@dataclass(frozen=True)
class Mix:
    """A point of the search: intensity and start of every lever switched on."""

    levers: dict[str, tuple[float, str]]

    def scenario_data(self, name: str, title_zh: str, title_en: str) -> dict[str, Any]:
        """The mix as the content of a scenario file (scenarios/README.md)."""
        return {
            "name": name,
            "title": {"zh": title_zh, "en": title_en},
            "levers": {
                lever: {"intensity": intensity, "start": start}
                for lever, (intensity, start) in self.levers.items()
            },
        }

    def scenario(self, name: str, catalogue: Catalogue) -> Scenario:
        """The resolved scenario, as loading its file would give it."""
        levers = {
            lever: lever_setting(catalogue.levers[lever], {"intensity": intensity, "start": start})
            for lever, (intensity, start) in self.levers.items()
        }
        return Scenario(name=name, title_zh=name, title_en=name, path=Path(name), levers=levers)


@dataclass(frozen=True)
class Space:
    """The decision variables: every lever's Choice, and the families to switch on or off."""

    choices: tuple[Choice, ...]

    @property
    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.family for c in self.choices))

    def suggest(self, trial: optuna.Trial) -> Mix:
        """The mix a trial proposes (every variable suggested, so the space stays the same)."""
        families = {
            f: trial.suggest_categorical(f"family.{f}", [True, False]) for f in self.families
        }
        levers = {}
        for c in self.choices:
            intensity = trial.suggest_float(
                f"{c.lever}.intensity", c.low, c.high, step=INTENSITY_STEP
            )
            start = c.starts[trial.suggest_int(f"{c.lever}.start", 0, len(c.starts) - 1)]
            if families[c.family] and intensity > 0:
                levers[c.lever] = (round(intensity, 1), start)
        return Mix(levers)

    def describe(self) -> list[dict[str, Any]]:
        return [asdict(c) for c in self.choices]


def space_of(catalogue: Catalogue, narrowed: dict[str, tuple[float, float]] | None = None) -> Space:
    """Every lever of the catalogue within its bounds, or within `narrowed` (lever -> (low, high),
    from `--bound`; InputError outside the catalogue's bounds)."""
    narrowed = narrowed or {}
    unknown = sorted(set(narrowed) - set(catalogue.levers))
    if unknown:
        raise InputError(f"--bound: unknown lever {unknown[0]!r} (see run.py levers)")
    choices = []
    for lever in catalogue.levers.values():
        bounds = lever.bounds
        low, high = narrowed.get(lever.id, (bounds.low, bounds.high))
        if not bounds.low <= low <= high <= bounds.high:
            raise InputError(
                f"--bound {lever.id}={low:g}:{high:g}: expected low <= high within the "
                f"catalogue's bounds [{bounds.low:g}, {bounds.high:g}]"
            )
        first, last = month_index(bounds.earliest_start), month_index(LATEST_START)
        starts = tuple(
            month_label(t) for t in range(first, max(first, last) + 1, START_STEP_MONTHS)
        )
        choices.append(Choice(lever.id, lever.family, low, high, starts))
    return Space(tuple(choices))


def parse_bound(text: str) -> tuple[str, tuple[float, float]]:
    """'LEVER=LOW:HIGH' -> (lever, (low, high)); InputError naming --bound otherwise."""
    lever, _, interval = text.partition("=")
    low, _, high = interval.partition(":")
    try:
        values = (float(low), float(high))
    except ValueError:
        raise InputError(
            f"--bound {text}: expected LEVER=LOW:HIGH, e.g. credit_guarantee=0:1.5"
        ) from None
    if not all(map(math.isfinite, values)):
        raise InputError(f"--bound {text}: expected finite numbers")
    return lever, values


# ---------------------------------------------------------------------------------------------
# Evaluating mixes: runs with common random numbers


@dataclass(frozen=True)
class RunResult:
    """What the search keeps of one run of a mix."""

    trial: int
    run: int
    peak_ratio: float  # highest registered count up to the deadline / end-2020
    operating_share: float  # operating / registered at the deadline
    cost: float  # fiscal cost to the deadline, yuan


@dataclass(frozen=True)
class Evaluation:
    """A mix over the R runs of a trial."""

    cost: float  # mean fiscal cost to the deadline, yuan
    p_doubled: float  # the search's estimate: Φ((mean peak ratio - 2) / sd)
    share_doubled: float  # share of the runs whose peak ratio reached 2
    operating_share: float  # mean operating share at the deadline

    @classmethod
    def of(cls, runs: Sequence[RunResult]) -> Evaluation:
        ratios = np.array([r.peak_ratio for r in runs])
        spread = float(ratios.std(ddof=1)) if len(ratios) > 1 else 0.0
        gap = float(ratios.mean()) - DOUBLING
        p = float(norm.cdf(gap / spread)) if spread > 0 else float(gap >= 0)
        return cls(
            cost=float(np.mean([r.cost for r in runs])),
            p_doubled=p,
            share_doubled=float((ratios >= DOUBLING).mean()),
            operating_share=float(np.mean([r.operating_share for r in runs])),
        )


def search_runs(
    trial: int, runs: list[int], scenario, seeds: list[int], scale: float, until: str, parameters
) -> list[RunResult]:
    """Runs `runs` of a trial's mix (the executor's work function), simulated together in one
    stack (`simulate_stack`, bit for bit the runs alone): each run's peak ratio, operating share
    and cost, without the evidence-only variant the batches simulate."""
    from model.experiments.simulation import simulate_stack  # drivers never need Mesa

    [outputs] = simulate_stack(
        [scenario], seeds=seeds, parameters=parameters, scale=scale, until=until
    )
    return [
        _run_result(trial, run, output.timeseries)
        for run, (output, _) in zip(runs, outputs, strict=True)
    ]


def _run_result(trial: int, run: int, timeseries: pd.DataFrame) -> RunResult:
    upto = timeseries[timeseries["date"] <= DEADLINE]
    start = float(upto.loc[upto["date"] == START, "n_registered"].iloc[0])
    end = upto.iloc[-1]
    return RunResult(
        trial=trial,
        run=run,
        peak_ratio=float(upto["n_registered"].max()) / start,
        operating_share=float(end["n_operating"] / end["n_registered"]),
        cost=float(end["cum_fiscal_cost"]),
    )


def simulated(
    executor: Executor, settings: Settings, catalogue: Catalogue
) -> Callable[[Sequence[Mix]], list[Evaluation]]:
    """The evaluation of mixes by `settings.runs` runs each on `executor`, in stacks (as many runs
    as a batch stacks at this scale, a task): every mix the same seeds and posterior draws (common
    random numbers)."""
    seeds, draws = list(settings.seeds), list(settings.draws)
    stacks = in_stacks(range(len(seeds)), runs_per_stack(settings.scale))

    def evaluate(mixes: Sequence[Mix]) -> list[Evaluation]:
        tasks = [
            (
                i,
                runs,
                mix.scenario(f"trial_{i}", catalogue),
                [seeds[r] for r in runs],
                settings.scale,
                settings.until,
                [draws[r] for r in runs],
            )
            for i, mix in enumerate(mixes)
            for runs in stacks
        ]
        results: list[list[RunResult]] = [[] for _ in mixes]
        for stacked in executor.map_unordered(search_runs, tasks):
            results[stacked[0].trial].extend(stacked)
        # in run order, whatever order they finished in: the same sums to the last bit
        return [Evaluation.of(sorted(r, key=lambda result: result.run)) for r in results]

    return evaluate


# ---------------------------------------------------------------------------------------------
# The search


def open_study(folder: Path, identity: dict[str, Any], seed: int) -> optuna.Study:
    """The study in `folder` (created, or resumed if its identity matches; InputError if not);
    trials an interruption cut off are queued again with their parameters."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = JournalStorage(JournalFileBackend(str(folder / JOURNAL)))
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True)
    study = optuna.create_study(
        study_name=STUDY,
        storage=storage,
        sampler=sampler,
        directions=["minimize", "maximize"],
        load_if_exists=True,
    )
    identity = json.loads(json.dumps(identity))  # as the journal gives it back: lists, not tuples
    saved = study.user_attrs.get("identity")
    if saved is None:
        study.set_user_attr("identity", identity)
    elif saved != identity:
        differ = sorted(
            k for k in identity.keys() | saved.keys() if identity.get(k) != saved.get(k)
        )
        raise InputError(
            f"--out {folder}: holds a search with other settings ({', '.join(differ)}): give the "
            "same settings to resume it, or another --out"
        )
    for trial in study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.RUNNING]):
        study.enqueue_trial(trial.params, skip_if_exists=False)
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
    return study


def search(
    study: optuna.Study,
    space: Space,
    evaluate: Callable[[Sequence[Mix]], list[Evaluation]],
    goal: Goal,
    trials: int,
    quiet: bool = True,
) -> None:
    """Run trials until `trials` are complete, TRIALS_AT_ONCE at a time (ask, evaluate, tell)."""
    import optuna

    done = len(study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.COMPLETE]))
    with progress_bar(trials, min(done, trials), quiet, unit="trial") as bar:
        while done < trials:
            asked = [study.ask() for _ in range(min(TRIALS_AT_ONCE, trials - done))]
            mixes = [space.suggest(trial) for trial in asked]
            for trial, mix, evaluation in zip(asked, mixes, evaluate(mixes), strict=True):
                trial.set_user_attr("evaluation", asdict(evaluation))
                trial.set_user_attr("mix", {k: list(v) for k, v in mix.levers.items()})
                for key, value in goal.violations(
                    evaluation.cost, evaluation.operating_share
                ).items():
                    trial.set_constraint(key, value)
                study.tell(trial, [evaluation.cost, evaluation.p_doubled])
            done += len(asked)
            bar.update(len(asked))


@dataclass(frozen=True)
class Point:
    """A complete trial: its mix and evaluation, and whether it meets the constraints."""

    trial: int
    mix: Mix
    evaluation: Evaluation
    feasible: bool


def points_of(study: optuna.Study) -> list[Point]:
    """Every complete trial of the study as a Point (constraints as the trial recorded them)."""
    import optuna

    return [
        Point(
            trial=t.number,
            mix=Mix({k: (float(v[0]), str(v[1])) for k, v in t.user_attrs["mix"].items()}),
            evaluation=Evaluation(**t.user_attrs["evaluation"]),
            feasible=all(v <= 0 for v in t.constraints.values()),
        )
        for t in study.get_trials(deepcopy=False, states=[optuna.trial.TrialState.COMPLETE])
    ]


def pareto_front(points: Sequence[Point]) -> list[Point]:
    """The feasible points no other feasible point beats on cost and P at once, cheapest first
    (one point per distinct (cost, P))."""
    feasible = sorted(
        (p for p in points if p.feasible),
        key=lambda p: (p.evaluation.cost, -p.evaluation.p_doubled),
    )
    front: list[Point] = []
    for point in feasible:  # by cost: on the front if it beats the best P of every cheaper one
        if not front or point.evaluation.p_doubled > front[-1].evaluation.p_doubled:
            front.append(point)
    return front


def to_verify(front: Sequence[Point], target_p: float, n: int = VERIFIED_POINTS) -> list[Point]:
    """The points verified: the cheapest whose search P meets the target, the one of highest P,
    then alternatives spread evenly along the front by rank; at most n, cheapest first."""
    if not front:
        return []
    chosen = [p for p in front if p.evaluation.p_doubled >= target_p][:1] + [front[-1]]
    for index in np.linspace(0, len(front) - 1, n).round().astype(int):
        if len({p.trial for p in chosen}) >= n:
            break
        chosen.append(front[index])
    unique = {p.trial: p for p in chosen}
    return sorted(unique.values(), key=lambda p: p.evaluation.cost)


# ---------------------------------------------------------------------------------------------
# The command: search, write the scenarios, verify, report


@dataclass(frozen=True)
class Effort:
    """How hard to search and verify (`run.py optimise` options)."""

    trials: int = OPTIMISE_TRIALS
    runs_per_trial: int = OPTIMISE_RUNS_PER_TRIAL
    verify_runs: int = OPTIMISE_VERIFY_RUNS
    scale: float = OPTIMISE_SCALE
    seed: int = DEFAULT_SEED
    posterior: str = str(DEFAULT_POSTERIOR)  # or NO_POSTERIOR (model.defaults)

    def __post_init__(self):
        if self.trials < 1:
            raise InputError(f"--trials must be at least 1, got {self.trials}")
        if not 2 <= self.runs_per_trial <= MAX_RUNS:
            raise InputError(
                f"--runs-per-trial must be 2 to {MAX_RUNS:,} (the spread over runs estimates "
                f"P), got {self.runs_per_trial}"
            )
        if not 1 <= self.verify_runs <= MAX_RUNS:
            raise InputError(f"--verify-runs must be 1 to {MAX_RUNS:,}, got {self.verify_runs}")


@dataclass
class Report:
    """What `optimise` found: the front, the verified mixes and the answer."""

    front: pd.DataFrame
    verified: pd.DataFrame
    answer: str

    def format(self) -> str:
        """The front, the verified mixes and the answer, for people."""
        front = [
            (
                str(r["trial"]),
                f"{r['search_cost'] / 1e8:,.1f}",
                f"{r['search_p_doubled']:.0%}",
                f"{r['search_operating_share']:.1%}",
                str(r["levers_on"]),
                r["scenario"] if isinstance(r["scenario"], str) else "",
            )
            for r in self.front.to_dict("records")
        ]
        verified = [
            (
                str(r["scenario"]),
                f"{r['fiscal_cost'] / 1e8:,.1f}",
                f"{r['p_doubled']:.0%} ({r['p_doubled_p05']:.0%}-{r['p_doubled_p95']:.0%})",
                f"{r['operating_share']:.1%}",
                f"{r['ratio']:.3f}",
                _yuan(r["yuan_per_additional_operating"]),
                str(r["runs"]),
            )
            for r in self.verified.to_dict("records")
        ]
        return "\n\n".join(
            [
                "Pareto front of the search (feasible trials; P: normal approximation over the "
                "trial's runs):\n" + text_table(FRONT_HEADER, front, left=1),
                "Verified (a batch of fresh runs; median cost, share of runs doubled with its "
                "90 % Jeffreys interval, mean operating share, median ratio to end-2020, median "
                "yuan per operating entity beyond the no-policy run of the same seed):\n"
                + text_table(VERIFIED_HEADER, verified, left=1),
                self.answer,
            ]
        )


FRONT_HEADER = ("trial", "cost 亿元", "P (search)", "operating", "levers", "verified as")
VERIFIED_HEADER = (
    "scenario", "cost 亿元", "P(doubled) (90 %)", "operating", "ratio", "yuan/extra operating",
    "runs",
)  # fmt: skip


def _yuan(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:,.0f}"


def optimise(
    out: Path,
    goal: Goal,
    effort: Effort,
    narrowed: dict[str, tuple[float, float]] | None = None,
    cluster: Cluster = LOCAL,
    quiet: bool = False,
) -> Report:
    """Search, write the verified mixes as scenario files, run their batch, report."""
    catalogue = load_catalogue()
    space = space_of(catalogue, narrowed)
    settings = Settings(
        effort.runs_per_trial, effort.scale, DEADLINE_MONTH, effort.seed, effort.posterior
    )
    out = check_target(out, markers=(JOURNAL,))
    out.mkdir(parents=True, exist_ok=True)
    code = code_fingerprint()
    identity = {
        "runs_per_trial": effort.runs_per_trial,
        "scale": effort.scale,
        "seed": effort.seed,
        "posterior": settings.posterior,
        "budget": goal.budget,
        "min_operating_share": goal.min_operating_share,
        "space": space.describe(),
        "code_fingerprint": code,
    }
    study = open_study(out, identity, effort.seed)
    with open_executor(tasks=TRIALS_AT_ONCE, cluster=cluster) as executor:
        require_same_code(executor, code)
        search(study, space, simulated(executor, settings, catalogue), goal, effort.trials, quiet)
    front = pareto_front(points_of(study))
    names = {p.trial: f"mix_{k}" for k, p in enumerate(to_verify(front, goal.target_p), 1)}
    paths = write_scenarios(out / "scenarios", [p for p in front if p.trial in names], names)
    verification = _verify(out, paths, effort, settings, cluster, quiet)
    verified = verified_table(verification, paths) if verification else _empty_verified()
    report = Report(front_table(front, names), verified, answer(goal, verified))
    _write_report(out, report, goal, effort, paths, verification)
    return report


def _verify(
    out: Path,
    paths: dict[str, Path],
    effort: Effort,
    settings: Settings,
    cluster: Cluster,
    quiet: bool,
) -> Path | None:
    """The verification batch of the written mixes (fresh seeds, beside no policy) in
    OUT/verification, or None when there is no mix to verify."""
    if not paths:
        return None
    return run_batch(
        [SCENARIO_DIR / f"{BASELINE}.yaml", *paths.values()],
        runs=effort.verify_runs,
        scale=effort.scale,
        until=DEADLINE_MONTH,
        seed=effort.seed + VERIFY_SEED_OFFSET,
        posterior=settings.posterior,
        out=out / "verification",
        cluster=cluster,
        quiet=quiet,
    )


def _write_report(
    out: Path,
    report: Report,
    goal: Goal,
    effort: Effort,
    paths: dict[str, Path],
    verification: Path | None,
) -> None:
    """front.csv and optimisation.json: the front, the goal, the effort, the answer, the mixes."""
    _write_text(out / "front.csv", report.front.to_csv(index=False, lineterminator="\n"))
    summary = {
        "goal": asdict(goal),
        "effort": asdict(effort),
        "answer": report.answer,
        "verified": json.loads(report.verified.to_json(orient="records")),
        "scenarios": {name: str(path) for name, path in paths.items()},
        "verification": str(verification) if verification else None,
    }
    _write_text(out / "optimisation.json", json.dumps(summary, indent=2, ensure_ascii=False))


def write_scenarios(
    folder: Path, points: Sequence[Point], names: dict[int, str]
) -> dict[str, Path]:
    """Each point as the scenario file of its name (`names`: trial -> name); every file
    validated."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.yaml"):  # the mixes of an earlier search in this folder
        stale.unlink()
    paths = {}
    for point in points:
        name = names[point.trial]
        cost = point.evaluation.cost / 1e8
        data = point.mix.scenario_data(
            name,
            f"搜索所得组合（搜索估计：财政成本约 {cost:,.1f} 亿元；试验 {point.trial}）",
            f"A mix found by the search (search estimate: fiscal cost about {cost:,.1f} 亿 yuan; "
            f"trial {point.trial})",
        )
        path = folder / f"{name}.yaml"
        _write_text(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        paths[name] = path
    problems = validate_files(list(paths.values()))
    if problems:  # the search proposes only values within the catalogue's bounds
        raise RuntimeError(f"a written scenario does not validate: {problems[0]}")
    return paths


def front_table(front: Sequence[Point], names: dict[int, str]) -> pd.DataFrame:
    """The front, one row per point: its search estimates and the scenario it was verified as
    (`names`: trial -> scenario name)."""
    return pd.DataFrame(
        [
            {
                "trial": p.trial,
                "search_cost": p.evaluation.cost,
                "search_p_doubled": p.evaluation.p_doubled,
                "search_share_doubled": p.evaluation.share_doubled,
                "search_operating_share": p.evaluation.operating_share,
                "levers_on": len(p.mix.levers),
                "scenario": names.get(p.trial),
                "mix": json.dumps({k: list(v) for k, v in p.mix.levers.items()}),
            }
            for p in front
        ],
        columns=[
            "trial", "search_cost", "search_p_doubled", "search_share_doubled",
            "search_operating_share", "levers_on", "scenario", "mix",
        ],
    )  # fmt: skip


_VERIFIED = [
    "scenario",
    "runs",
    "p_doubled",
    "p_doubled_p05",
    "p_doubled_p95",
    "fiscal_cost",
    "ratio",
    "operating_share",
    "yuan_per_additional_operating",
    "path",
]


def _empty_verified() -> pd.DataFrame:
    return pd.DataFrame(columns=_VERIFIED)


def verified_table(folder: Path, paths: dict[str, Path]) -> pd.DataFrame:
    """The verified mixes, from their batch (`folder`): P(doubled) with its 90 % interval, the
    median cost and ratio, the mean operating share at the deadline."""
    table, end = comparison_of(folder)
    shares = (end["n_operating"] / end["n_registered"]).groupby(end["scenario"]).mean()
    table = table[table["scenario"].isin(list(paths))].copy()
    table["fiscal_cost"] = table["fiscal_cost_p50"]
    table["ratio"] = table["ratio_p50"]
    table["operating_share"] = table["scenario"].map(shares)
    table["yuan_per_additional_operating"] = table["cost_per_additional_operating_p50"]
    table["path"] = table["scenario"].map({k: str(v) for k, v in paths.items()})
    return table[_VERIFIED].reset_index(drop=True)


def meets_target(goal: Goal, verified: pd.DataFrame | pd.Series) -> Any:
    """Whether each verified mix (or the one of a row) meets the target within the constraints,
    as verified: P(doubled) at least the target, the operating share at least the floor, the cost
    within the budget."""
    budget = math.inf if goal.budget is None else goal.budget
    return (
        (verified["p_doubled"] >= goal.target_p)
        & (verified["operating_share"] >= goal.min_operating_share)
        & (verified["fiscal_cost"] <= budget)
    )


def best_verified(goal: Goal, verified: pd.DataFrame) -> pd.Series:
    """The verified mix the answer names (`verified` not empty): the cheapest that meets the
    target within the constraints, else the one of highest P(doubled) (then ratio)."""
    meeting = verified[meets_target(goal, verified)]
    if len(meeting):
        return meeting.sort_values("fiscal_cost", kind="stable").iloc[0]
    return verified.sort_values(["p_doubled", "ratio"], ascending=False, kind="stable").iloc[0]


def answer(goal: Goal, verified: pd.DataFrame) -> str:
    """The answer in one paragraph: the cheapest verified mix that meets the target within the
    constraints (as verified: a mix the search found feasible may fall below the floor on fresh
    runs), or plainly that none does, with the best P reached, its cost and operating share."""
    floor = f"operating share at least {goal.min_operating_share:.0%}"
    within = floor + (
        "" if goal.budget is None else f", cost at most {goal.budget / 1e8:,.1f} 亿元"
    )
    if verified.empty:
        return (
            f"No mix within the catalogue's bounds meets the constraints ({within}): none verified."
        )
    best = best_verified(goal, verified)
    if meets_target(goal, best):
        return (
            f"Cheapest mix meeting P(doubled) >= {goal.target_p:.0%} ({within}): {best.scenario} "
            f"({best.path}), fiscal cost {best.fiscal_cost / 1e8:,.1f} 亿元, P(doubled) "
            f"{_p(best)} over {best.runs} runs, operating share {best.operating_share:.1%}."
        )
    return (
        f"Not reachable: no mix within the catalogue's bounds ({within}) reaches P(doubled) >= "
        f"{goal.target_p:.0%}. The best verified is {best.scenario} ({best.path}): P(doubled) "
        f"{_p(best)} over {best.runs} runs (median ratio to end-2020 {best.ratio:.3f}), at a "
        f"fiscal cost of {best.fiscal_cost / 1e8:,.1f} 亿元, operating share "
        f"{best.operating_share:.1%}."
    )


def _p(row: pd.Series) -> str:
    """'85% (90 % interval 79%-90%)'."""
    return f"{row.p_doubled:.0%} (90 % interval {row.p_doubled_p05:.0%}-{row.p_doubled_p95:.0%})"


def _write_text(path: Path, text: str) -> None:
    """Write a file whole or not at all (temporary file, then rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


# ---------------------------------------------------------------------------------------------
# Reading a finished search (the dashboard's 实现路径 page)


@dataclass(frozen=True)
class Optimisation:
    """A finished `run.py optimise` folder: its goal, the front (one row per point, `mix` parsed
    to lever -> (intensity, start), `scenario` the name it was verified as or None), the verified
    mixes and their batch (None if none)."""

    folder: Path
    goal: Goal
    effort: dict[str, Any]  # `Effort`'s fields as written (trials, runs_per_trial, verify_runs…)
    front: pd.DataFrame
    verified: pd.DataFrame  # the columns of `verified_table`, and `meets_target`
    verification: Path | None

    @property
    def best(self) -> pd.Series | None:
        """The verified mix the answer names (`best_verified`), None if none was verified."""
        return None if self.verified.empty else best_verified(self.goal, self.verified)


def read_optimisation(folder: Path) -> Optimisation:
    """The search written in `folder` (front.csv, optimisation.json); InputError naming the
    command that makes it when there is none, and the file when it cannot be read."""
    folder = Path(folder)
    front_file, summary_file = folder / "front.csv", folder / "optimisation.json"
    if not front_file.is_file() or not summary_file.is_file():
        raise InputError(
            f"no optimisation in {folder}: uv run python run.py optimise --out {folder}"
        )
    try:
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        front = pd.read_csv(front_file)
        mixes = [
            {lever: (float(v[0]), str(v[1])) for lever, v in json.loads(text).items()}
            for text in front["mix"]
        ]
        front["mix"] = pd.Series(mixes, index=front.index, dtype=object)
        goal = Goal(**summary["goal"])
        effort = dict(summary["effort"])
        verified = pd.DataFrame(summary["verified"], columns=_VERIFIED)
        numbers = {c: float for c in _VERIFIED if c not in ("scenario", "path")}
        verified = verified.astype(numbers | {"runs": int})
        verified["meets_target"] = meets_target(goal, verified)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        raise InputError(f"{folder}: unreadable optimisation: {error}") from None
    front["scenario"] = front["scenario"].astype(object).where(front["scenario"].notna(), None)
    batch = summary.get("verification")
    verification = folder / "verification" if batch and (folder / "verification").is_dir() else None
    return Optimisation(folder, goal, effort, front, verified, verification)
