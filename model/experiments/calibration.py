"""Calibration with a posterior (校准, issue 12): which values of the uncertain inputs
(model/world/priors.py) let the no-policy world reproduce the pre-2021 moments, and, given
observation files, the counts published since (the nowcast).

Method: approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Toni et al. 2009,
J. R. Soc. Interface 6:187) with pyabc (Schälte et al. 2022, JOSS 7:4304), whose Dask sampler runs
on the batches' cluster (local workers by default, `--scheduler` for a real one). Chosen over history
matching with an emulator because a simulation is cheap at calibration scale (about 0.1 s for the 13
months the moments need) but noisy, and ABC's output is the very sample batches draw from.

A simulation with parameters θ: the no-policy world through 2022-01 at CALIBRATION_SCALE with a seed
derived from θ (model.world.moments.measure_moments); with observations, also the policy in force
(the `as_enacted` scenario) from 2021-01 to the last observed month, same θ and seed. Its distance
is its largest miss: a fitted moment's distance from its target in units of the acceptable range on
that side (moments.misses), an observation's in units of the half-width of its 90 % band
(Observation.miss). ε falls generation by generation (a quantile of the last generation's
distances, EPSILON_QUANTILE) until it reaches MIN_EPSILON = 1, where every accepted run reproduces
every target within its range; or a generation accepts less than MIN_ACCEPTANCE of its simulations
(ε is then near the floor that targets pulling against each other allow); or the budget ends
(generations, minutes). The provenance says which (STOPS).

The work is kept in `OUT/.calibration/` (pyabc's database): the same command resumes it. When it
ends, OUT gets the posterior (model.world.posterior: particles, provenance, moments) and the work
folder is removed; calibrating into the shipped posterior's folder also rewrites calibrated.csv
(the posterior's weighted medians: the values of runs without uncertainty).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from model.defaults import (
    CALIBRATION_SCALE,
    DEFAULT_CALIBRATION_SEED,
    DEFAULT_GENERATIONS,
    DEFAULT_MINUTES,
    DEFAULT_POPULATION,
    DEFAULT_POSTERIOR,
    PROJECT_ROOT,
)
from model.errors import InputError
from model.experiments.executor import LOCAL, Cluster, open_executor
from model.texttable import text_table
from model.world.datafiles import DATA_DIR
from model.world.estimate import Estimate
from model.world.moments import fitted_targets, measure_moments, misses, targets
from model.world.parameters import CALIBRATED_FILE
from model.world.posterior import (
    MOMENTS,
    PROVENANCE,
    Posterior,
    load_posterior,
    weighted_quantiles,
    write_posterior,
)
from model.world.priors import FITTED_TO_MOMENTS, POLICY_AND_STOCK, TRENDS, UNCERTAIN, priors

MIN_EPSILON = 1.0
# ε of the next generation: this quantile of the last one's distances (pyabc's default is the
# median; a lower one reaches MIN_EPSILON in fewer, smaller-acceptance generations)
EPSILON_QUANTILE = 0.3
# Stop when a generation accepted fewer than this share of its simulations: the next would cost more
# than 10,000 simulations for 200 particles, for an ε about 10 % lower (measured here). The targets
# pull against each other (README, "Calibration"), so ε has a floor above 1 that more generations
# approach ever more slowly; pyabc's `min_acceptance_rate` is the same rule.
MIN_ACCEPTANCE = 0.02
STOPS = {
    "epsilon": f"ε reached {MIN_EPSILON:g}: every accepted run reproduces every target in its range",
    "acceptance": f"acceptance below {MIN_ACCEPTANCE:.0%}: ε is near the floor the targets allow",
    "generations": "the generations of the budget are done",
    "minutes": "the next generation would end past the budget's minutes",
}
NEXT_GENERATION = 1.8  # a generation's duration over the last one's (measured here: 1.4-2.1)
ABC_ID = 1  # the one calibration of a database (pyabc numbers its runs from 1)
POSTERIORS = PROJECT_ROOT / "posteriors"  # calibrations to observation files
POLICY_IN_FORCE = "as_enacted"  # the scenario of the document as enacted: what happened after 2020
WORK = ".calibration"
SESSIONS = "sessions.json"  # in WORK: the command of every session, for the provenance
DATA_FILES = ("calibration_targets.csv", "stock_history.csv", "base_rates.csv")
BAND = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Simulator:
    """The summaries of one simulation with parameters θ (a mapping; picklable for Dask)."""

    scale: float
    fixed: dict[str, float] = field(default_factory=dict)
    observations: tuple = ()
    scenario: object = None  # the policy in force, with observations

    def __call__(self, theta) -> dict[str, float]:
        values = {name: float(theta[name]) for name in theta} | self.fixed
        seed = seed_of(values)
        summaries = measure_moments(values, seed=seed, scale=self.scale)
        if self.observations:
            from model.experiments.simulation import simulate

            last = max(o.date for o in self.observations)[:7]
            run = simulate(
                self.scenario, seed=seed, scale=self.scale, until=last, parameters=values
            )
            table = run.timeseries.set_index("date")
            for o in self.observations:
                summaries[o.key] = float(table[o.quantity].loc[o.date])
        return summaries


def seed_of(values: dict[str, float]) -> int:
    """A seed that is a function of the parameter values: a simulation is reproducible from θ."""
    text = json.dumps(sorted(values.items())).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:4], "little")


@dataclass(frozen=True)
class Distance:
    """The largest miss of a simulation's summaries (see the module's docstring)."""

    targets: dict[str, Estimate]
    observations: tuple = ()

    def misses(self, summaries: dict[str, float]) -> dict[str, float]:
        found = misses(summaries, self.targets)
        found.update({o.key: o.miss(summaries[o.key]) for o in self.observations})
        return found

    def __call__(self, summaries: dict, _observed: dict | None = None) -> float:
        return max(abs(miss) for miss in self.misses(summaries).values())


@dataclass(frozen=True)
class Budget:
    population: int = DEFAULT_POPULATION
    generations: int = DEFAULT_GENERATIONS
    minutes: float = DEFAULT_MINUTES
    scale: float = CALIBRATION_SCALE
    seed: int = DEFAULT_CALIBRATION_SEED

    def __post_init__(self):
        if not 10 <= self.population <= 100_000:
            raise InputError(f"--population must be 10 to 100,000, got {self.population}")
        if not 1 <= self.generations <= 100:
            raise InputError(f"--generations must be 1 to 100, got {self.generations}")
        if not 0 < self.minutes <= 7 * 24 * 60:
            raise InputError(f"--minutes must be positive, at most a week, got {self.minutes}")
        if not 1 <= self.scale <= 1000:
            raise InputError(f"--scale must be 1 to 1,000 for a calibration, got {self.scale}")


@dataclass(frozen=True)
class Fit:
    """What a calibration fits: its settings (the same in a resumed calibration; stopping rules
    are not part of them), the inputs it fits, the simulator and the distance."""

    settings: dict[str, Any]
    free: tuple[str, ...]
    fixed: dict[str, float]
    simulator: Simulator
    distance: Distance

    def prior(self):
        """The pyabc prior of the fitted inputs."""
        import pyabc

        return pyabc.Distribution(**{name: pyabc.RV(*_scipy(name)) for name in self.free})

    def observed_summaries(self) -> dict[str, float]:
        """The values the summaries are compared with: every target and observation."""
        values = {name: t.value for name, t in self.distance.targets.items()}
        values.update({o.key: o.value for o in self.distance.observations})
        return values


def plan_fit(
    budget: Budget,
    *,
    observations: Path | None = None,
    target_moments: dict[str, Estimate] | None = None,
    fixed: dict[str, float] | None = None,
) -> Fit:
    """The fit of a calibration: to the fitted moments (or `target_moments`: a recovery test
    calibrates to a run's own moments) and the counts of `observations`, with the parameters of
    `fixed` held at given values."""
    from model.defaults import SCENARIO_DIR
    from model.policy.observations import load_observations
    from model.policy.scenario import load_scenario

    observed = tuple(load_observations(observations)) if observations else ()
    fixed = dict(fixed or {})
    unknown = sorted(set(fixed) - set(UNCERTAIN))
    if unknown:
        raise InputError(f"fixed parameters: not uncertain inputs: {', '.join(unknown)}")
    goal = target_moments or fitted_targets()
    # The pre-2021 moments are of the no-policy world and are ratios: they say nothing of the
    # policy inputs and the starting stock, which keep their priors unless counts are observed.
    informed = UNCERTAIN if observed else tuple(n for n in UNCERTAIN if n not in POLICY_AND_STOCK)
    settings: dict[str, Any] = {
        "population": budget.population,
        "scale": budget.scale,
        "seed": budget.seed,
        "observations": _file_entry(observations) if observations else None,
        "fixed": fixed,
        "targets": {name: asdict(t) for name, t in goal.items()},
        "prior_only": [n for n in UNCERTAIN if n not in informed and n not in fixed],
    }
    scenario = load_scenario(SCENARIO_DIR / f"{POLICY_IN_FORCE}.yaml") if observed else None
    return Fit(
        settings=settings,
        free=tuple(name for name in informed if name not in fixed),
        fixed=fixed,
        simulator=Simulator(budget.scale, fixed, observed, scenario),
        distance=Distance(goal, observed),
    )


def calibrate(
    out: Path,
    fit: Fit,
    *,
    budget: Budget = Budget(),
    cluster: Cluster = LOCAL,
    quiet: bool = False,
    command: Sequence[str] | None = None,
) -> Posterior:
    """Run `fit` into the folder `out` (resuming the work kept there) and return the posterior."""
    import pyabc

    from model.experiments.store import check_target

    out = check_target(out, markers=(PROVENANCE, WORK))
    work = out / WORK
    started = time.monotonic()
    _log_progress(quiet)
    np.random.seed(budget.seed)  # pyabc draws with numpy's global generator
    with open_executor(tasks=budget.population, cluster=cluster) as executor:
        sampler = (
            pyabc.sampler.SingleCoreSampler()
            if executor.client is None
            else pyabc.sampler.DaskDistributedSampler(dask_client=executor.client, batch_size=4)
        )
        executor.on_workers(quiet_covariance_warning)
        quiet_covariance_warning()

        def abc_smc():
            return pyabc.ABCSMC(
                fit.simulator,
                fit.prior(),
                fit.distance,
                population_size=budget.population,
                sampler=sampler,
                eps=pyabc.epsilon.QuantileEpsilon(alpha=EPSILON_QUANTILE),
                transitions=pyabc.MultivariateNormalTransition(
                    bandwidth_selector=twice_the_covariance
                ),
            )

        history = _start_or_resume(abc_smc(), work, fit, command)
        stop = _run_generations(abc_smc, work, history, budget, started)
    posterior = _publish(out, history, fit, budget, started, _sessions(work), stop)
    if out == DEFAULT_POSTERIOR.resolve():
        write_point_values(posterior)
    shutil.rmtree(work, ignore_errors=True)
    return posterior


def twice_the_covariance(_particles: int, _dimension: int) -> float:
    """The bandwidth factor of the perturbation kernel: a normal with twice the weighted covariance
    of the last generation (Beaumont et al. 2009, Biometrika 96:983). pyabc's default (Silverman's
    rule, about 0.46 times the covariance in 13 dimensions) proposed too narrowly here: the
    weights degenerated (an effective sample of 8 of 200 by the fifth generation)."""
    return math.sqrt(2.0)


def quiet_covariance_warning() -> None:
    """numpy warns when the perturbation kernel's covariance (pyabc's MultivariateNormalTransition,
    fitted to the last generation) is not exactly positive semi-definite through rounding; the
    draws are still valid."""
    warnings.filterwarnings("ignore", message="covariance is not symmetric positive-semidefinite")


def _run_generations(
    abc_smc: Callable[[], Any], work: Path, history, budget: Budget, started: float
) -> str:
    """One generation at a time until a stop of STOPS; returns its key. A generation is not
    started when it would end past the budget's minutes: each takes about NEXT_GENERATION times
    the last (the acceptance falls as ε does), and pyabc's own limit is checked only between
    generations, so a long last generation overran it by 13 minutes here.

    Each generation is run by a fresh ABCSMC (`abc_smc()`) loaded from the database, as a resumed
    calibration is: an ABCSMC keeps the population it set its first ε from, so a second `run()`
    of the same object set every later ε from the prior sample again (ε stuck at 3.85 for seven
    generations of a nowcast, accepting 55-63 % of its simulations)."""
    deadline = started + 60 * budget.minutes
    last = 0.0
    while not (stop := _stop(history, budget)):
        if time.monotonic() + NEXT_GENERATION * last > deadline:
            stop = "minutes"
            break
        begun = time.monotonic()
        abc = abc_smc()
        abc.load(_database(work), ABC_ID)
        abc.run(minimum_epsilon=MIN_EPSILON, max_nr_populations=1)
        history = abc.history
        last = time.monotonic() - begun
    logging.getLogger("ABC").info("stop: %s", STOPS[stop])
    return stop


def default_out(observations: Path | None) -> Path:
    """The shipped posterior's folder, or posteriors/NAME for observations/NAME.csv."""
    return DEFAULT_POSTERIOR if observations is None else POSTERIORS / Path(observations).stem


def format_posterior(posterior: Posterior) -> str:
    """The posterior's marginals (5 %, median, 95 %) against the prior's range, and how it was
    reached."""
    rows = []
    for name in posterior.names:
        prior = priors()[name]
        low, median, high = posterior.quantiles(name, BAND)
        rows.append(
            [
                name,
                f"{low:.4g}",
                f"{median:.4g}",
                f"{high:.4g}",
                f"{prior.low:.4g}–{prior.high:.4g}",
            ]
        )
    p = posterior.provenance
    last = p["generations"][-1]
    return (
        text_table(["parameter", "p05", "median", "p95", "prior range"], rows, left=1)
        + f"\n\n{len(p['generations'])} generations, {p['total_simulations']:,} simulations, "
        f"{last['accepted']} particles (effective {last['effective_sample_size']:.0f}), "
        f"{p['seconds_this_session']:.0f} s; last ε {last['epsilon']:.3g} "
        f"({p.get('stopped', 'converged' if p['converged'] else 'not converged')})\n"
        f"Posterior: {posterior.path}"
    )


def _scipy(name: str) -> tuple:
    kind, arguments = priors()[name].scipy()
    return (kind, *arguments.values())


def _file_entry(path: Path) -> dict:
    return {"path": str(path), "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest()}


def _start_or_resume(abc, work: Path, fit: Fit, command: Sequence[str] | None):
    """A new pyabc run in `work`, or the one kept there if it has the same settings; the command
    of this session is added to the sessions kept there."""
    kept = work / "settings.json"
    database = _database(work)
    text = json.dumps(fit.settings, sort_keys=True, default=str)
    if kept.is_file():
        if kept.read_text(encoding="utf-8") != text:
            raise InputError(
                f"{work}: a calibration with other settings is in progress here: run it again "
                f"with its settings, or remove {work}"
            )
        logging.getLogger("ABC").info("resuming the calibration kept in %s", work)
        history = abc.load(database, ABC_ID)
    else:
        work.mkdir(parents=True, exist_ok=True)
        kept.write_text(text, encoding="utf-8")
        history = abc.new(database, fit.observed_summaries())
    sessions = [*_sessions(work), list(sys.argv if command is None else command)]
    (work / SESSIONS).write_text(json.dumps(sessions), encoding="utf-8")
    return history


def _database(work: Path) -> str:
    """The address of pyabc's database of the calibration kept in `work`."""
    return f"sqlite:///{work / 'abc.db'}"


def _sessions(work: Path) -> list[list[str]]:
    """The commands of the sessions that worked on the calibration kept in `work`, in order."""
    path = work / SESSIONS
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def _stop(history, budget: Budget) -> str | None:
    """The stop of STOPS the finished generations have reached, if any (minutes aside)."""
    populations = history.get_all_populations()
    done = populations[populations.t >= 0]
    if len(done) and float(done.epsilon.iloc[-1]) <= MIN_EPSILON:
        return "epsilon"
    if len(done) > 1 and done.particles.iloc[-1] / done.samples.iloc[-1] < MIN_ACCEPTANCE:
        return "acceptance"
    return "generations" if len(done) >= budget.generations else None


def _publish(
    out: Path,
    history,
    fit: Fit,
    budget: Budget,
    started: float,
    sessions: list[list[str]],
    stop: str,
) -> Posterior:
    """Write the last generation as the posterior in `out` (`store.publishing`: through a
    temporary folder, so that `out` never holds half a posterior) and return it. `sessions`: the
    command of every session that worked on it; `stop`: why it stopped (a key of STOPS)."""
    from model.experiments.store import publishing

    frame, weights = history.get_distribution(m=0, t=history.max_t)
    names = (*fit.free, *fit.fixed)  # not the prior-only inputs: runs draw them from their prior
    values = np.column_stack(
        [frame[name].to_numpy() for name in fit.free]
        + [np.full(len(frame), fit.fixed[n]) for n in fit.fixed]
    )
    summary_weights, summaries = history.get_weighted_sum_stats(t=history.max_t)
    provenance = _provenance(history, fit, budget, started, sessions, stop)
    with publishing(out) as staging:
        write_posterior(staging, names, values, np.asarray(weights), provenance)
        _write_moments(staging / MOMENTS, summaries, np.asarray(summary_weights), fit.distance)
        kept = out / WORK
        if kept.is_dir():  # removed by `calibrate` once the posterior is in place
            shutil.move(kept, staging / WORK)
    logging.getLogger("ABC").info("posterior of %d particles written to %s", len(frame), out)
    return load_posterior(out)


def _provenance(
    history,
    fit: Fit,
    budget: Budget,
    started: float,
    sessions: list[list[str]],
    stop: str,
) -> dict[str, Any]:
    """What the posterior was fitted to and how: files, settings, stops, every generation."""
    populations = history.get_all_populations()
    generations = [
        {
            "t": int(row.t),
            "epsilon": float(row.epsilon),
            "simulations": int(row.samples),
            "accepted": int(row.particles),
            "effective_sample_size": round(_effective_size(history, int(row.t)), 1),
        }
        for row in populations.itertuples()
        if row.t >= 0
    ]
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "commands": sessions,
        "method": f"ABC-SMC, pyabc {metadata.version('pyabc')}",
        "data": {name: _file_entry(DATA_DIR / name) for name in DATA_FILES},
        **fit.settings,
        "stopping": {
            "minimum_epsilon": MIN_EPSILON,
            "generations": budget.generations,
            "minutes": budget.minutes,
            "minimum_acceptance": MIN_ACCEPTANCE,
        },
        "converged": stop == "epsilon",
        "stopped": STOPS[stop],
        "generations": generations,
        "total_simulations": int(history.total_nr_simulations),
        "seconds_this_session": round(time.monotonic() - started, 1),
    }


def _write_moments(path: Path, summaries: list, weights: np.ndarray, distance: Distance) -> None:
    """Every moment and observation: target (or observed value) and range, and the weighted
    median and 5-95 % band of the accepted runs."""
    weights = weights / weights.sum()
    rows: list[tuple[str, str, float, float, float, str]] = [
        ("moment", name, target.value, target.low, target.high, "")
        for name, target in targets().items()
    ]
    rows += [("observation", o.key, o.value, *o.band, o.bound) for o in distance.observations]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["kind", "name", "target", "low", "high", "bound", "p05", "p50", "p95"])
        for row in rows:
            column = np.array([s[row[1]] for s in summaries], dtype=float)
            band = weighted_quantiles(column, weights, BAND)
            writer.writerow([*row, *(f"{v:.6g}" for v in band)])


def _effective_size(history, t: int) -> float:
    """Kish's effective sample size of generation t's weights: 1 / sum of squared weights."""
    weights = np.asarray(history.get_distribution(m=0, t=t)[1], dtype=float)
    return float(weights.sum() ** 2 / np.sum(weights**2))


def write_point_values(posterior: Posterior) -> None:
    """calibrated.csv: the posterior's weighted median of every parameter fitted to the moments
    and of the entry trends (the values of runs without uncertainty)."""
    with CALIBRATED_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["parameter", "value", "how"])
        for name in (*TRENDS, *FITTED_TO_MOMENTS):
            if name in posterior.names:
                (median,) = posterior.quantiles(name, (0.5,))
                how = f"posterior median, {posterior.path.name}/ (run.py calibrate)"
                writer.writerow([name, f"{median:.6g}", how])


def _log_progress(quiet: bool) -> None:
    """pyabc's report of every generation (ε, acceptance, timing) on stderr, unless `quiet`."""
    logger = logging.getLogger("ABC")
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s calibrate: %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
    logger.propagate = False
