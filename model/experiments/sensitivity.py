"""Global sensitivity analysis (全局敏感性分析, issue 13): which uncertain inputs decide a scenario's
result. Morris screening over every input, then Sobol indices on the inputs it ranks highest;
SALib samples and analyses, the model runs through the batches' executor.

Inputs (`scenario_inputs`): every uncertain input of a run of the scenario:
- the world's 16 (model/world/priors.py `UNCERTAIN`: the eleven rates fitted to the moments, the
  two entry trends, the starting stock, delivery without the implementation machinery
  (`fidelity_without_implementation`) and the common responsiveness to policy), distributed as
  the posterior the batches draw from says (its weighted marginals: Sobol indices need
  independent inputs, so the particles' correlations are dropped), or, without a posterior, as
  their priors (uniform on their range for the fitted rates, triangular for the others);
- every lever effect and take-up of the scenario with a range (triangular on the catalogue's low,
  central, high, as `Estimate.draw` draws them), delivery with the implementation machinery (the
  `fidelity` effect of articles 44-48) among them. Costs are left out: no output depends on them.
SALib sees every input as uniform on [0, 1], its cumulative probability, and an evaluation takes
the input's quantile there (`Input.value`: scipy's `uniform` or `triang`, `Prior.scipy`, or the
posterior's weighted quantiles). SALib's
own `triang` would do the same but refuses a peak at the top of the range (c = 1) and a range
below 0. So Morris steps are equal steps of probability (its grid of 4 levels: the quantiles 0,
1/3, 2/3, 1), and mu* is in the output's units per whole range of an input's probability,
comparable across inputs; Sobol indices depend only on the distributions, which this keeps.

Outputs (`OUTPUTS`), at 2025-12: the ratio of registered entities to end-2020, the operating
entities and doubled (0/1; its Sobol indices are those of P(doubled)) of the scenario, and the
additional registered and operating entities (增量): the scenario minus the paired no-policy run
with the same seed and world inputs.

Evaluations share one seed (common random numbers, as the scenarios of a batch do): the seed of
run 0 of a batch with the same `--seed`. Differences between evaluations are then the inputs', not
chance; independent seeds would add the run-to-run noise to every elementary effect (Morris
differences two evaluations) and to the variance Sobol decomposes. What common numbers cannot
remove is the jaggedness of one seed's model: an input that changes how many entities are drawn
(the starting stock, entry) reshuffles the later draws. `chance` measures it: the outputs' standard
deviation over `CHANCE_SEEDS` seeds at the central inputs, reported as the mu* an input would show
from chance alone and as the share of each output's Sobol variance chance could explain.

Morris (`SALib.sample.morris`, R trajectories of k + 1 points, `analyze.morris`: mu, mu*, sigma and
the bootstrap interval of mu*), then Sobol (`SALib.sample.sobol`, Saltelli's scheme, N (K + 2)
points, `analyze.sobol`: S1 and ST with bootstrap intervals; no second-order indices) on the K
inputs with the largest mu* (each output's mu* divided by its largest, the largest over outputs
ranks; `doubled` left out, the ratio stands for it), the other inputs at their central values
(the posterior's median or the calibrated value, the catalogue's central value). Every evaluation
is kept in `OUT/.sensitivity/SCENARIO/` as it finishes (by a hash of what it runs: scenario, seed,
scale, input values and model code), so an interrupted analysis resumes with the evaluations not
yet done; the results are published in
`OUT/sensitivity/SCENARIO/` (`morris.parquet`, `sobol.parquet`, `manifest.json`; columns in
`MORRIS_COLUMNS`, `SOBOL_COLUMNS`; `rank` is 1 for the largest mu* or ST of an output, none for
an input whose index is not above 0), written in a temporary folder and renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from model.columns import MANIFEST
from model.defaults import (
    DEADLINE,
    DEFAULT_POSTERIOR,
    DEFAULT_SAMPLES,
    DEFAULT_TOP,
    DEFAULT_TRAJECTORIES,
    SAFE_NAME,
)
from model.defaults import SENSITIVITY_METHODS as METHODS
from model.errors import InputError
from model.experiments.comparison import ADDITIONAL, end_row, summarize_one
from model.experiments.ensemble import (
    Settings,
    code_fingerprint,
    code_loaded,
    in_stacks,
    package_versions,
    progress_bar,
    provenance,
    require_run_code,
    require_same_code,
    run_seeds,
    runs_per_stack,
)
from model.experiments.executor import LOCAL, Cluster, Executor, open_executor
from model.experiments.store import check_target, publishing, write_json, write_table
from model.world.posterior import Posterior
from model.world.priors import UNCERTAIN, Prior, priors

if TYPE_CHECKING:
    from model.policy.scenario import Scenario

NUM_LEVELS = 4  # Morris grid levels: SALib's default, as Saltelli et al. (2008, ch. 3) advise
CONF_LEVEL = 0.95  # the intervals of mu* and of the Sobol indices (bootstrap)
RESAMPLES = 1000  # bootstrap resamples of those intervals
CHANCE_SEEDS = 8  # seeds besides the evaluations' one at the central inputs: the chance yardstick
MIN_TASKS = 8  # an evaluation's runs are split in as many stacks at least: the workers share them
SAVE_EVERY = 50  # finished evaluations per file of the work folder (all kept when interrupted)
RESULTS = "sensitivity"  # OUT/sensitivity/SCENARIO/: the published results
WORK = ".sensitivity"  # OUT/.sensitivity/SCENARIO/: the evaluations of an unfinished analysis
MORRIS_FILE, SOBOL_FILE = "morris.parquet", "sobol.parquet"
OUTPUTS = {
    "ratio": "registered entities at 2025-12 / end-2020",
    "end_operating": "operating entities at 2025-12",
    "doubled": "1 if the register doubled by 2025-12 (Sobol indices: those of P(doubled))",
    **{
        gain: f"{stock.removeprefix('n_')} entities at 2025-12 minus the paired no-policy run's"
        for stock, gain in ADDITIONAL.items()
    },
}
SENSITIVITY_OUTPUTS = tuple(OUTPUTS)  # the outputs' ids, in the order the tables list them
INPUT_COLUMNS = ("input", "group", "distribution", "low", "central", "high")
MORRIS_COLUMNS = ("scenario", "output", *INPUT_COLUMNS, "mu", "mu_star", "sigma",
                  "mu_star_conf", "rank", "chance_mu_star", "above_chance")  # fmt: skip
SOBOL_COLUMNS = ("scenario", "output", *INPUT_COLUMNS, "S1", "S1_conf", "ST", "ST_conf",
                 "rank", "variance", "chance_share")  # fmt: skip
_CODE = "code_fingerprint"  # a result's field naming the model code that made it


@dataclass(frozen=True)
class Input:
    """An uncertain input: `group` (`world` or `lever`), its distribution, and the `central` value
    it keeps when others are varied. The distribution is `prior` (whose name is the input's), or,
    given a `posterior`, that posterior's weighted marginal (`prior` then holds its range)."""

    group: str
    prior: Prior
    central: float
    posterior: Posterior | None = None

    @property
    def name(self) -> str:
        return self.prior.parameter

    @property
    def distribution(self) -> str:
        return self.prior.kind if self.posterior is None else "posterior"

    def value(self, probability: np.ndarray) -> np.ndarray:
        """The input's values at cumulative probabilities `probability` (its quantile function)."""
        if self.posterior is not None:
            return np.array(self.posterior.quantiles(self.name, tuple(probability)))
        import scipy.stats

        name, arguments = self.prior.scipy()
        return getattr(scipy.stats, name)(**arguments).ppf(probability)

    def describe(self) -> dict:
        """The input as the manifest records it, with how SALib sees it."""
        return {
            "input": self.name,
            "group": self.group,
            "distribution": self.distribution,
            "low": self.prior.low,
            "mode": self.prior.mode,
            "high": self.prior.high,
            "central": self.central,
            "source": self.prior.source,
            "salib": {"bounds": [0.0, 1.0], "dist": "unif", "means": "cumulative probability"},
        }


class Subject(Protocol):
    """What an analysis evaluates: its inputs and outputs (and those whose mu* choose the inputs
    Sobol varies, `ranked_by`); the runs one point of the inputs needs
    (`runs`, JSON-able specs, each run once and kept by the hash of `identity` and the spec);
    the executor's tasks for some specs (`tasks`: each the indices of the specs it runs, its work
    function and the arguments, the work returning their results in order); the outputs of a
    point from the results of its runs (`combine`); `reseeded` for the chance yardstick (or None)."""

    @property
    def inputs(self) -> tuple[Input, ...]: ...

    @property
    def outputs(self) -> tuple[str, ...]: ...

    @property
    def ranked_by(self) -> tuple[str, ...]: ...

    def identity(self) -> dict: ...

    def runs(self, values: dict[str, float]) -> list[dict]: ...

    def tasks(self, specs: list[dict]) -> list[Task]: ...

    def combine(self, results: list[dict]) -> list[float]: ...

    def reseeded(self, seed: int) -> Subject | None: ...


# An executor's task: the indices of the specs it runs, its work function (returning their results
# in that order) and the work's arguments.
Task = tuple[list[int], Callable[..., list[dict]], tuple]


@dataclass(frozen=True)
class Plan:
    """What to compute: `method` (METHODS), Morris `trajectories`, Sobol base `samples` (a power
    of 2) on the `top` inputs by mu*, the samplers' `seed`. InputError naming the option."""

    method: str = METHODS[-1]
    trajectories: int = DEFAULT_TRAJECTORIES
    samples: int = DEFAULT_SAMPLES
    top: int = DEFAULT_TOP
    seed: int = 0

    def __post_init__(self):
        if self.method not in METHODS:
            raise InputError(f"--method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if not isinstance(self.trajectories, int) or self.trajectories < 2:
            raise InputError(f"--trajectories must be 2 or more, got {self.trajectories}")
        samples = self.samples
        if not isinstance(samples, int) or samples < 2 or samples & (samples - 1):
            raise InputError(
                f"--samples must be a power of 2 (Sobol' sequences), 2 or more, got {samples}"
            )
        if not isinstance(self.top, int) or self.top < 1:
            raise InputError(f"--top must be 1 or more, got {self.top}")
        if self.seed < 0:
            raise InputError(f"--seed must be 0 or more, got {self.seed}")


@dataclass
class Analysis:
    """The results: Morris and Sobol tables (None when not computed), the inputs Sobol varied,
    the outputs' standard deviation from chance, and how many simulations each stage ran."""

    morris: pd.DataFrame | None = None
    sobol: pd.DataFrame | None = None
    sobol_inputs: list[str] = field(default_factory=list)
    chance_sd: dict[str, float] = field(default_factory=dict)
    evaluations: dict[str, int] = field(default_factory=dict)


# --- the scenario's analysis ----------------------------------------------------------------


def world_inputs(posterior: Posterior | None) -> list[Input]:
    """The world's uncertain inputs (priors.UNCERTAIN): the posterior's weighted marginals (central:
    their median), or without one the priors (central: the calibrated value)."""
    from model.world.parameters import base_rates

    inputs = []
    for name in UNCERTAIN:
        prior = priors()[name]
        if posterior is None or name not in posterior.names:
            inputs.append(Input("world", prior, getattr(base_rates(), name).value))
            continue
        low, median, high = posterior.quantiles(name, (0.0, 0.5, 1.0))
        source = f"weighted marginal of the posterior {posterior.path}; prior: {prior.source}"
        inputs.append(Input("world", Prior(name, low, high, None, source), median, posterior))
    return inputs


def scenario_inputs(scenario: Scenario, posterior: Posterior | None) -> tuple[Input, ...]:
    """The world's inputs (`world_inputs`), then every lever effect and take-up of the scenario
    with a range (central: the catalogue's)."""
    from model.policy.catalogue import load_catalogue
    from model.policy.monthly_rates import effect_key, take_up_key

    inputs = world_inputs(posterior)
    catalogue = load_catalogue()
    for lever_id in scenario.levers:
        lever = catalogue.levers[lever_id]
        estimates = {effect_key(lever_id, e.hook, i): e.value for i, e in enumerate(lever.effects)}
        if lever.take_up:
            estimates[take_up_key(lever_id)] = lever.take_up
        for name, estimate in estimates.items():
            if estimate.low < estimate.high:
                prior = Prior(name, estimate.low, estimate.high, estimate.value, estimate.source)
                inputs.append(Input("lever", prior, estimate.value))
    return tuple(inputs)


def end_values(
    scenario: Scenario | None,
    seeds: list[int],
    scale: float,
    parameters: list[dict[str, float]],
    effects: list[dict[str, float] | None],
) -> list[dict]:
    """Runs to 2025-12 with the given worlds and lever values, simulated together (a stack,
    `simulate_stack`: each run bit for bit as alone; the executor's work function): of each,
    registered at the start and the end, operating at the end, doubled, and the model code."""
    from model.experiments.simulation import simulate_stack  # here: drivers never need Mesa

    [outputs] = simulate_stack(
        [scenario], seeds=seeds, parameters=parameters, effects=effects, scale=scale, until=DEADLINE
    )
    return [_end_values(output.timeseries) for output, _ in outputs]


def _end_values(timeseries: pd.DataFrame) -> dict:
    summary = summarize_one(timeseries)
    return {
        "start_registered": float(summary["start_registered"]),
        "end_registered": float(summary["end_registered"]),
        "end_operating": float(end_row(timeseries)["n_operating"]),
        "doubled": float(summary["doubled"]),
        _CODE: code_loaded(),
    }


@dataclass(frozen=True)
class ScenarioSubject:
    """A scenario against the no-policy world, every evaluation with `seed` at `scale`."""

    scenario: Scenario
    seed: int
    scale: float
    inputs: tuple[Input, ...]
    outputs: tuple[str, ...] = tuple(OUTPUTS)
    # doubled is the ratio past 2: the ratio's inputs are those that flip it, and its own mu*,
    # from the few points that cross, ties many inputs at the top
    ranked_by: tuple[str, ...] = tuple(o for o in OUTPUTS if o != "doubled")

    def identity(self) -> dict:
        return {
            "scenario": self.scenario.to_dict(),
            "scale": self.scale,
            "until": DEADLINE,
            _CODE: code_fingerprint(),
        }

    def runs(self, values: dict[str, float]) -> list[dict]:
        """The scenario's run, then the no-policy run with the same world (the same run when the
        scenario has no levers)."""
        world = {i.name: values[i.name] for i in self.inputs if i.group == "world"}
        levers = {i.name: values[i.name] for i in self.inputs if i.group == "lever"}
        policy = bool(self.scenario.levers)
        return [
            {"policy": policy, "seed": self.seed, "parameters": world, "effects": levers},
            {"policy": False, "seed": self.seed, "parameters": world, "effects": {}},
        ]

    def tasks(self, specs: list[dict]) -> list[Task]:
        """The scenario's runs and the no-policy runs, each in stacks of at most as many runs as a
        batch stacks at this scale, and in MIN_TASKS stacks at least when there are as many."""
        size = runs_per_stack(self.scale)
        tasks: list[Task] = []
        for policy in (True, False):
            mine = [i for i, spec in enumerate(specs) if spec["policy"] == policy]
            for stack in in_stacks(mine, size, MIN_TASKS):
                runs = [specs[i] for i in stack]
                arguments = (
                    self.scenario if policy else None,
                    [spec["seed"] for spec in runs],
                    self.scale,
                    [spec["parameters"] for spec in runs],
                    [spec["effects"] or None for spec in runs],
                )
                tasks.append((stack, end_values, arguments))
        return tasks

    def combine(self, results: list[dict]) -> list[float]:
        run, baseline = results
        gains = [run[stock] - baseline[stock] for stock in ("end_registered", "end_operating")]
        ratio = run["end_registered"] / run["start_registered"]
        return [ratio, run["end_operating"], run["doubled"], *gains]

    def reseeded(self, seed: int) -> ScenarioSubject:
        return replace(self, seed=seed)


def run_sensitivity(
    scenario_path: Path,
    plan: Plan,
    *,
    scale: float,
    out: Path,
    posterior: str = str(DEFAULT_POSTERIOR),
    cluster: Cluster = LOCAL,
    quiet: bool = False,
    command: list[str] | None = None,
) -> Path:
    """The sensitivity analysis of one scenario file into OUT/sensitivity/NAME/ (returned);
    resumes an interrupted one. The world's inputs follow `posterior` (a folder), or the priors
    (`model.defaults.NO_POSTERIOR`). Bad input raises InputError before anything runs."""
    # the batches' checks of --scale, --seed and --posterior
    drawn_from = Settings(1, scale, DEADLINE, plan.seed, posterior).drawn_from()
    scenario = _named_scenario(Path(scenario_path))
    out = check_target(out, markers=(MANIFEST, RESULTS, WORK))  # a batch's, or an analysis'
    target = out / RESULTS / scenario.name
    inputs = scenario_inputs(scenario, drawn_from)
    previous = _published_morris(target, scenario.name, inputs) if plan.method == "sobol" else None
    screening = None if previous is None else previous.manifest
    seeds = run_seeds(plan.seed, 1 + CHANCE_SEEDS)  # run r's seed does not depend on the count
    subject = ScenarioSubject(scenario, seeds[0], float(scale), inputs)
    started, made = time.monotonic(), provenance(sys.argv if command is None else command)
    analysis = analyse(
        subject,
        plan,
        out / WORK / scenario.name,
        screened=None if previous is None else previous.morris,
        cluster=cluster,
        quiet=quiet,
        chance_seeds=seeds[1:],
    )
    manifest = {
        "kind": "sensitivity",
        **made,  # the code that runs: taken before the analysis
        "scenario": scenario.name,
        "plan": asdict(plan),
        # --method sobol: the published screening it ranked by (its own plan, runs and code)
        "morris_from": screening and {key: screening.get(key) for key in _SCREENING},
        "scale": float(scale),
        "until": DEADLINE,
        "posterior": None if drawn_from is None else drawn_from.describe(),
        "evaluation_seed": subject.seed,
        "chance_seeds": seeds[1:],
        "outputs": OUTPUTS,
        "inputs": [i.describe() for i in subject.inputs],
        "sobol_inputs": analysis.sobol_inputs,
        "chance_sd": analysis.chance_sd,
        "simulations": analysis.evaluations,
        "seconds": round(time.monotonic() - started, 1),
        "salib": {"num_levels": NUM_LEVELS, "conf_level": CONF_LEVEL, "resamples": RESAMPLES},
        "packages": package_versions(("numpy", "pandas", "mesa", "dask", "SALib")),
    }
    morris = previous.morris if previous is not None else analysis.morris
    _publish(target, {MORRIS_FILE: morris, SOBOL_FILE: analysis.sobol}, manifest)
    remove_work(out / WORK / scenario.name)
    return target


def _named_scenario(path: Path) -> Scenario:
    """The scenario of `path`, whose name names a folder (InputError if it cannot)."""
    from model.policy.scenario import load_scenario

    scenario = load_scenario(path)
    if not SAFE_NAME.match(scenario.name):
        raise InputError(f"{path}: scenario name {scenario.name!r}: letters, digits, _ -")
    return scenario


def _publish(target: Path, tables: dict[str, pd.DataFrame | None], manifest: dict) -> None:
    """The analysis' tables (those it has) and manifest, all at once into `target`."""
    with publishing(target) as temporary:
        for name, table in tables.items():
            if table is not None:
                named = table.assign(scenario=manifest["scenario"])
                write_table(named[_columns(name)], temporary / name)
        write_json(temporary / MANIFEST, manifest)


def _columns(name: str) -> list[str]:
    return list(MORRIS_COLUMNS if name == MORRIS_FILE else SOBOL_COLUMNS)


_SCREENING = ("created", "code_fingerprint", "plan", "scale", "evaluation_seed", "simulations")


def _published_morris(target: Path, scenario: str, inputs: Sequence[Input]) -> Sensitivity:
    """The analysis published for the scenario, whose Morris table `--method sobol` ranks by."""
    again = "run --method morris or both first"
    if not (target / MORRIS_FILE).is_file():
        raise InputError(f"--method sobol: no Morris screening of {scenario} in {target}: {again}")
    published = read_sensitivity(target.parent.parent, scenario)
    if set(published.morris["input"]) != {i.name for i in inputs}:
        raise InputError(
            f"--method sobol: {target} screened other inputs than {scenario}'s: {again}"
        )
    return published


# --- the analysis, whatever the subject -------------------------------------------------------


def analyse(
    subject: Subject,
    plan: Plan,
    folder: Path,
    *,
    screened: pd.DataFrame | None = None,
    cluster: Cluster = LOCAL,
    quiet: bool = False,
    chance_seeds: Sequence[int] = (),
) -> Analysis:
    """Morris over every input and/or Sobol on the top inputs (`plan`; `screened`: an earlier
    Morris table to rank by instead), every evaluation kept in the work folder `folder` (for the
    caller to remove, `remove_work`, once the results are safe)."""
    analysis = Analysis()
    store = EvaluationStore(folder)
    names = [i.name for i in subject.inputs]
    with open_executor(
        tasks=plan.trajectories * (len(names) + 1) if screened is None else plan.samples,
        cluster=cluster,
    ) as executor:
        require_same_code(executor, code_fingerprint())
        evaluate = Evaluator(subject, store, executor, quiet)
        subjects = [s for s in (subject.reseeded(seed) for seed in chance_seeds) if s]
        if subjects:
            analysis.chance_sd = _chance(evaluate, [subject, *subjects])
        if screened is None:
            analysis.morris = _morris(evaluate, plan, analysis.chance_sd)
            screened = analysis.morris
        if plan.method != "morris":
            analysis.sobol_inputs = top_inputs(screened, plan.top, subject.ranked_by)
            analysis.sobol = _sobol(evaluate, plan, analysis.sobol_inputs, analysis.chance_sd)
        analysis.evaluations = evaluate.counts
    return analysis


def top_inputs(morris: pd.DataFrame, top: int, outputs: Sequence[str]) -> list[str]:
    """The `top` inputs by mu*: each of `outputs`' mu* divided by its largest (outputs whose mu*
    is 0 everywhere left out), ranked by the largest of these over `outputs`; in the inputs'
    order."""
    morris = morris[morris["output"].isin(outputs)]
    largest = morris.groupby("output")["mu_star"].transform("max")
    relative = (morris["mu_star"] / largest.where(largest > 0)).fillna(0.0)
    order = list(dict.fromkeys(morris["input"]))
    score = relative.groupby(morris["input"]).max().reindex(order)
    chosen = set(score.sort_values(ascending=False, kind="stable").index[:top])
    return [name for name in order if name in chosen]


def _chance(evaluate: Evaluator, subjects: Sequence[Subject]) -> dict[str, float]:
    """Each output's standard deviation over the subjects' seeds, every input at its central."""
    centre = np.empty((1, 0))  # one point, no input varied
    rows = [evaluate(centre, [], desc="chance", subject=s)[0] for s in subjects]
    spread = np.std(np.array(rows), axis=0, ddof=1)
    return dict(zip(subjects[0].outputs, map(float, spread), strict=True))


def _morris(evaluate: Evaluator, plan: Plan, chance_sd: dict[str, float]) -> pd.DataFrame:
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    inputs = evaluate.subject.inputs
    problem = _problem([i.name for i in inputs])
    points = sample.sample(problem, plan.trajectories, num_levels=NUM_LEVELS, seed=plan.seed)
    outputs = evaluate(points, problem["names"], desc="Morris")
    step = NUM_LEVELS / (2 * (NUM_LEVELS - 1))  # SALib's Morris step, in probability
    tables = []
    for j, output in enumerate(evaluate.subject.outputs):
        found = analyze.analyze(
            problem,
            points,
            outputs[:, j],
            num_resamples=RESAMPLES,
            conf_level=CONF_LEVEL,
            num_levels=NUM_LEVELS,
            seed=plan.seed,
        )
        table = _described(inputs, output)
        for key in ("mu", "mu_star", "sigma", "mu_star_conf"):
            table[key] = np.asarray(found[key], dtype=float)
        table["rank"] = _ranks(table["mu_star"])
        # two independent runs differ by chance with sd sqrt(2) x sd; E|that| / step:
        chance = 2 * chance_sd.get(output, math.nan) / (step * math.sqrt(math.pi))
        table["chance_mu_star"] = chance
        table["above_chance"] = table["mu_star"] > chance
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def _sobol(
    evaluate: Evaluator, plan: Plan, names: list[str], chance_sd: dict[str, float]
) -> pd.DataFrame:
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = _problem(names)
    points = sample.sample(problem, plan.samples, calc_second_order=False, seed=plan.seed)
    outputs = evaluate(points, names, desc="Sobol")
    inputs = [i for i in evaluate.subject.inputs if i.name in names]
    tables = []
    # Saltelli's points come in blocks of A, A with column i from B (for each input i), B; the
    # variance decomposed is that of the outputs at A and B (SALib's first_order, total_order)
    block = len(names) + 2
    for j, output in enumerate(evaluate.subject.outputs):
        table = _described(inputs, output)
        variance = float(np.var(np.r_[outputs[0::block, j], outputs[block - 1 :: block, j]]))
        keys = ("S1", "S1_conf", "ST", "ST_conf")
        if variance > 0:
            found = analyze.analyze(
                problem,
                outputs[:, j],
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=plan.seed,
            )
            for key in keys:
                table[key] = np.asarray(found[key], dtype=float)
        else:  # an output that does not vary (no run doubles): nothing to decompose
            for key in keys:
                table[key] = math.nan
        table["rank"] = _ranks(table["ST"])
        table["variance"] = variance
        chance = chance_sd.get(output, math.nan) ** 2
        table["chance_share"] = chance / variance if variance > 0 else math.nan
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def _problem(names: list[str]) -> dict[str, Any]:
    """SALib's problem: every input uniform on [0, 1], its cumulative probability."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _described(inputs: Sequence[Input], output: str) -> pd.DataFrame:
    """A row per input: the output and the input's columns (INPUT_COLUMNS)."""
    rows = [
        {
            "output": output,
            "input": i.name,
            "group": i.group,
            "distribution": i.distribution,
            "low": i.prior.low,
            "central": i.central,
            "high": i.prior.high,
        }
        for i in inputs
    ]
    return pd.DataFrame(rows, columns=["output", *INPUT_COLUMNS])


def _ranks(values: pd.Series) -> pd.Series:
    """1 for the largest value; none (NA) for a value that is not above 0: an input without
    effect is shown as such, not ranked."""
    return values.where(values > 0).rank(ascending=False, method="first").astype("Int32")


# --- evaluations: run once each, kept in the work folder -------------------------------------


class Evaluator:
    """The outputs of a subject at points of its inputs: each run a point needs is looked up in
    the store, else run on the executor (a progress bar) and stored as it finishes."""

    def __init__(self, subject: Subject, store: EvaluationStore, executor: Executor, quiet: bool):
        self.subject, self.store, self.executor, self.quiet = subject, store, executor, quiet
        self.code = code_fingerprint()
        self.counts: dict[str, int] = {}

    def __call__(
        self,
        points: np.ndarray,
        names: Sequence[str],
        *,
        desc: str,
        subject: Subject | None = None,
    ) -> np.ndarray:
        """Outputs (a row per point) at `points`: cumulative probabilities of the inputs `names`
        (a column each), every other input at its central value."""
        subject = subject or self.subject
        values = {i.name: np.full(len(points), i.central) for i in subject.inputs}
        by_name = {i.name: i for i in subject.inputs}
        for column, name in enumerate(names):
            values[name] = by_name[name].value(points[:, column])
        identity = json.dumps(subject.identity(), sort_keys=True, default=str)
        keyed = []
        for row in range(len(points)):
            point = {name: float(column[row]) for name, column in values.items()}
            keyed.append([(_key(identity, spec), spec) for spec in subject.runs(point)])
        specs = {key: spec for runs in keyed for key, spec in runs}
        self._run(subject, {k: s for k, s in specs.items() if k not in self.store}, desc)
        self.counts[desc] = self.counts.get(desc, 0) + len(specs)
        results = [subject.combine([self.store[key] for key, _ in runs]) for runs in keyed]
        return np.array(results, dtype=float).reshape(len(points), len(subject.outputs))

    def _run(self, subject: Subject, todo: dict[str, dict], desc: str) -> None:
        keys = list(todo)
        tasks = [
            ([keys[i] for i in indices], work, arguments)
            for indices, work, arguments in subject.tasks(list(todo.values()))
        ]
        finished: dict[str, dict] = {}
        with progress_bar(len(keys), 0, self.quiet, unit="simulation", desc=desc) as bar:
            try:
                for done, results in self.executor.map_unordered(evaluate, tasks):
                    for key, result in zip(done, results, strict=True):
                        require_run_code(result.pop(_CODE, self.code), self.code, "a simulation")
                        finished[key] = result
                    bar.update(len(done))
                    if len(finished) >= SAVE_EVERY:
                        self.store.save(finished)
                        finished = {}
            finally:  # interrupted too: what finished is kept for the next attempt
                self.store.save(finished)


def evaluate(
    keys: list[str], work: Callable[..., list[dict]], arguments: tuple
) -> tuple[list[str], list[dict]]:
    """`work(*arguments)` with the keys of its evaluations (the executor's tasks)."""
    return keys, work(*arguments)


def _key(identity: str, spec: dict) -> str:
    """What an evaluation runs, hashed: the subject's identity (JSON) and the run's spec."""
    text = identity + json.dumps(spec, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EvaluationStore:
    """Finished evaluations by key, in files `evaluations-*.json` of a work folder (each written
    atomically), read back when an interrupted analysis is run again."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.results: dict[str, dict] = {}
        for path in sorted(folder.glob("evaluations-*.json")):
            self.results.update(json.loads(path.read_text(encoding="utf-8")))

    def __contains__(self, key: str) -> bool:
        return key in self.results

    def __getitem__(self, key: str) -> dict:
        return self.results[key]

    def save(self, results: dict[str, dict]) -> None:
        if not results:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / f"evaluations-{uuid.uuid4().hex}.json", results)
        self.results.update(results)


def remove_work(folder: Path) -> None:
    """Delete a work folder (its analysis is published), and its parent once empty."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):  # other scenarios' work is there
        folder.parent.rmdir()


# --- the ranked tables ------------------------------------------------------------------------

SHOWN = 12  # Morris rows printed per output (all of them in morris.parquet)


@dataclass(frozen=True)
class Sensitivity:
    """A published analysis: its manifest, Morris table and Sobol table (None if not computed)."""

    manifest: dict
    morris: pd.DataFrame
    sobol: pd.DataFrame | None


def read_sensitivity(results: Path, scenario: str) -> Sensitivity:
    """The analysis of `scenario` published in the results folder `results`; InputError saying
    which command makes it when there is none."""
    folder = Path(results) / RESULTS / scenario
    if not (folder / MANIFEST).is_file() or not (folder / MORRIS_FILE).is_file():
        raise InputError(
            f"no sensitivity analysis of {scenario} in {results}: "
            f"uv run python run.py sensitivity {scenario} --out {results}"
        )
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        tables = [pd.read_parquet(folder / name) if (folder / name).is_file() else None
                  for name in (MORRIS_FILE, SOBOL_FILE)]  # fmt: skip
    except (OSError, ValueError) as error:
        raise InputError(f"{folder}: unreadable: {error}") from None
    morris, sobol = tables
    assert morris is not None
    return Sensitivity(manifest, morris, sobol)


def published_sensitivities(results: Path) -> list[str]:
    """The scenarios with an analysis published in the results folder `results`, by name."""
    folder = Path(results) / RESULTS
    found = folder.glob(f"*/{MORRIS_FILE}") if folder.is_dir() else ()
    return sorted(p.parent.name for p in found if (p.parent / MANIFEST).is_file())


def format_sensitivity(results: Path, scenario: str) -> str:
    """The analysis of `scenario` in `results` as text: per output, the inputs ranked by Morris
    mu* (the first SHOWN), then by Sobol ST (unranked ones, without effect, last)."""
    from model.texttable import text_table

    found = read_sensitivity(results, scenario)
    manifest, chance = found.manifest, found.manifest["chance_sd"]
    parts = [
        f"Sensitivity of {scenario}: {sum(manifest['simulations'].values()):,} simulations at "
        f"scale {manifest['scale']:g}, seed {manifest['evaluation_seed']}, "
        f"{manifest['seconds']:.0f} s"
    ]
    methods = [("Morris", found.morris, _MORRIS_SHOWN)]
    if found.sobol is not None:
        methods.append(("Sobol", found.sobol, _SOBOL_SHOWN))
    for method, table, columns in methods:
        for output in OUTPUTS:
            rows = table[table["output"] == output].sort_values("rank", kind="stable")
            shown = rows.head(SHOWN) if method == "Morris" else rows
            title = f"\n{method}: {output} ({OUTPUTS[output]}); chance sd {chance[output]:.4g}"
            body = [[_cell(row[c]) for c in columns] for _, row in shown.iterrows()]
            more = len(rows) - len(shown)
            parts += [title, text_table(columns, body), *([f"… {more} more"] if more else [])]
    return "\n".join(parts)


_MORRIS_SHOWN = ["rank", "input", "group", "mu_star", "mu_star_conf", "mu", "sigma",
                 "above_chance"]  # fmt: skip
_SOBOL_SHOWN = ["rank", "input", "group", "S1", "S1_conf", "ST", "ST_conf", "chance_share"]


def _cell(value: Any) -> str:
    if value is pd.NA:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return "n/a" if math.isnan(value) else f"{value:.4g}"
    return str(value)
