"""Ensembles (集合模拟): every scenario × run of a batch on the executor, reduced to the batch tables.

A run = one seed + one draw of every uncertain parameter. Run r gets the same seed in every
scenario of the batch, derived from the batch seed and r alone (numpy SeedSequence), so scenarios
share their draws (common random numbers) and run r does not depend on how many runs there are.
The first `evidence_runs` runs of a scenario with levers also simulate, in the same task, their
evidence-only variant (the same seed and starting stock, every lever effect sourced `assumption:`
set to no effect), kept as two summary columns (NaN in the other runs): how much of a scenario's
gain rests on assumptions (`comparison`).

`run_ensemble` runs in this process and returns the tables (the dashboard's live what-if runs);
`run_batch` is the command line's batch: on Dask, written block by block as its runs finish (memory
holds a few blocks, whatever the number of runs), resumable, published as a results folder with a
manifest that records everything needed to reproduce it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import platform
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import psutil  # type: ignore[import-untyped]  # no stubs in the lock file

import model
from model.columns import EVIDENCE_ONLY, FORMAT_VERSION
from model.defaults import (
    DEFAULT_EVIDENCE_RUNS,
    DEFAULT_POSTERIOR,
    NO_POSTERIOR,
    PROJECT_ROOT,
    SAFE_NAME,
)
from model.errors import InputError
from model.experiments.comparison import end_row
from model.experiments.executor import LOCAL, Cluster, Executor, open_executor
from model.experiments.store import (
    BatchTables,
    PartialBatch,
    RunRecord,
    assemble,
    block_of,
    block_start,
    check_target,
    write_results,
)
from model.world.clock import month_index
from model.world.posterior import Posterior, load_posterior

if TYPE_CHECKING:
    import pandas as pd

    from model.policy.scenario import Scenario

MODEL_DIR = Path(model.__file__).resolve().parent
PACKAGES = ("numpy", "pandas", "mesa", "dask", "distributed", "pyarrow")  # versions in the manifest
_CODE_SUFFIXES = {".py", ".csv", ".yaml", ".yml", ".json"}
MAX_RUNS = 100_000  # runs per scenario: the manifest lists every run's seed and lever draws
MIN_START_ROWS = 500  # simulated entities at the start, at least: fewer say nothing about 2.85 M
# Memory of a run: at most 250 bytes per row written, the rows at the start grown by 25 % a year of
# the horizon (measured at full scale: 2.9 M rows at the start, 6.7 M written by 2025-12, peak
# 640 MB, so 96 bytes a row; the store reserves more rows, but a row never written costs nothing).
BYTES_PER_ROW = 250
ROW_GROWTH_PER_YEAR = 0.25


@dataclass(frozen=True)
class Settings:
    """The run settings of a batch (never part of a scenario); checked on creation. `posterior`:
    the folder of the posterior every run draws its parameters from (model.world.posterior), or
    NO_POSTERIOR: the calibrated values, only the starting stock drawn (as before issue 12).
    `evidence_runs`: the runs of each scenario that also simulate their evidence-only variant
    (the first ones; DEFAULT_EVIDENCE_RUNS)."""

    runs: int
    scale: float
    until: str
    seed: int
    posterior: str = str(DEFAULT_POSTERIOR)
    evidence_runs: int = DEFAULT_EVIDENCE_RUNS

    def __post_init__(self):
        if not isinstance(self.runs, int) or not 1 <= self.runs <= MAX_RUNS:
            raise InputError(f"--runs must be 1 to {MAX_RUNS:,}, got {self.runs}")
        if not isinstance(self.evidence_runs, int) or self.evidence_runs < 0:
            raise InputError(f"--evidence-runs must be 0 or more, got {self.evidence_runs}")
        if not (self.scale > 0 and math.isfinite(self.scale)):
            raise InputError(f"--scale must be a positive finite number, got {self.scale}")
        month_index(self.until, what="--until")
        if self.seed < 0:
            raise InputError(f"--seed must be 0 or more, got {self.seed}")
        object.__setattr__(self, "scale", float(self.scale))
        _check_population(self.scale, self.until)
        if self.posterior != NO_POSTERIOR:
            object.__setattr__(self, "posterior", str(load_posterior(Path(self.posterior)).path))

    def drawn_from(self) -> Posterior | None:
        """The posterior the runs draw from (InputError if it cannot be read), or None."""
        return None if self.posterior == NO_POSTERIOR else load_posterior(Path(self.posterior))

    @property
    def seeds(self) -> list[int]:
        return run_seeds(self.seed, self.runs)

    @functools.cached_property
    def draws(self) -> tuple[dict[str, float] | None, ...]:
        """The parameter values of each run, in run order: its draw from the posterior (made once;
        a draw depends on the run's seed alone)."""
        posterior = self.drawn_from()
        return tuple(None if posterior is None else posterior.draw(seed) for seed in self.seeds)

    def tasks(self, scenarios: Sequence) -> list[Task]:
        return tasks_of(
            scenarios, self.seeds, self.draws, self.scale, self.until, self.evidence_runs
        )


class Task(NamedTuple):
    """One scenario × run of a batch (simulated in a stack of runs: `stacks_of`)."""

    scenario: Scenario
    run: int
    seed: int
    scale: float
    until: str
    parameters: dict[str, float] | None
    evidence_variant: bool


def tasks_of(
    scenarios: Sequence,
    seeds: Sequence[int],
    draws: Sequence[dict[str, float] | None],
    scale: float,
    until: str,
    evidence_runs: int,
) -> list[Task]:
    """Every scenario × run, run r with `seeds[r]` and the parameter draw `draws[r]`, and with its
    evidence-only variant if r < `evidence_runs`."""
    drawn = list(zip(seeds, draws, strict=True))
    return [
        Task(s, run, seed, scale, until, parameters, run < evidence_runs)
        for s in scenarios
        for run, (seed, parameters) in enumerate(drawn)
    ]


def run_seeds(seed: int, runs: int) -> list[int]:
    """The seed of each run: run r's seed depends on the batch seed and r only."""
    children = np.random.SeedSequence(seed).spawn(runs)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


STACK_RUNS = 50  # runs of a scenario simulated in one model at most (model.world.model, `runs`)
# ... and starting rows of the models a stack holds at once, at most (400 MB at BYTES_PER_ROW): the
# no-policy base and one scenario's model, and its evidence-only variant's (simulate_stack). That
# is 50 runs at scale 200 (33 with variants). Measured on 2 local workers at scale 200: 10,000 runs
# in 351 s with a process tree of 1.84 GB at most, against 378 s and 1.61 GB in stacks of 40 (26).
STACK_ROWS = 1_600_000


def stacks_of(tasks: Sequence[Task]) -> list[tuple[Task, ...]]:
    """The tasks in stacks simulated together (simulate_stack): the same runs of every scenario
    (they share their starting stocks and their months before any lever), at most STACK_RUNS runs
    and STACK_ROWS starting rows in the models held at once, of one block of runs
    (`store.BLOCK_RUNS`), all with or all without their evidence-only variant. A run's results do
    not depend on its stack."""
    stacks: dict[tuple[int, int, bool], list[Task]] = {}
    for task in tasks:
        per_stack = runs_per_stack(task.scale, task.evidence_variant)
        block = block_start(task.run)
        key = (block, (task.run - block) // per_stack, task.evidence_variant)
        stacks.setdefault(key, []).append(task)
    return [tuple(stack) for stack in stacks.values()]


def runs_per_stack(scale: float, evidence_variant: bool = False) -> int:
    """The runs of a scenario a stack holds at most at `scale` (STACK_RUNS, STACK_ROWS)."""
    from model.world.parameters import base_rates

    rows_per_run = base_rates().start_stock_total.high / scale
    models = 3 if evidence_variant else 2  # held at once: the base, a scenario('s variant)
    return max(1, min(STACK_RUNS, int(STACK_ROWS / (models * rows_per_run))))


def in_stacks[T](items: Sequence[T], size: int, tasks: int = 1) -> list[list[T]]:
    """`items` in consecutive stacks of at most `size`, and small enough to make at least `tasks`
    stacks when there are as many items."""
    size = max(1, min(size, -(-len(items) // tasks)))
    return [list(items[begin : begin + size]) for begin in range(0, len(items), size)]


def simulate_stack(
    tasks: Sequence[Task], progress: Callable[[float], None] | None = None
) -> list[RunRecord]:
    """A stack of `stacks_of` simulated together: each task's tables as the simulation made them,
    and (`evidence_variant`) the end values of its evidence-only variant, simulated with the same
    seed and parameter values, else NaN (the work function of the executor; `assemble` conforms
    the records, once per block). `progress(share)` as the months are simulated."""
    # imported here: drivers of remote runs never need Mesa
    from model.experiments import simulation

    scenarios = {task.scenario.name: task.scenario for task in tasks}
    runs = [task for task in tasks if task.scenario.name == tasks[0].scenario.name]
    first = tasks[0]
    simulated = simulation.simulate_stack(
        list(scenarios.values()),
        seeds=[task.seed for task in runs],
        parameters=[task.parameters for task in runs],
        scale=first.scale,
        until=first.until,
        evidence_variant=first.evidence_variant,
        progress=progress,
    )
    results = {
        (scenario, task.run): result
        for scenario, outputs in zip(scenarios, simulated, strict=True)
        for task, result in zip(runs, outputs, strict=True)
    }
    return [_record(task, *results[(task.scenario.name, task.run)]) for task in tasks]


def _record(task: Task, output, variant: pd.DataFrame | None) -> RunRecord:
    if variant is None:
        evidence_only = dict.fromkeys(EVIDENCE_ONLY.values(), math.nan)
    else:
        end = end_row(variant)
        evidence_only = {column: float(end[stock]) for stock, column in EVIDENCE_ONLY.items()}
    return RunRecord(
        scenario=task.scenario.name,
        run=task.run,
        seed=task.seed,
        timeseries=output.timeseries,
        by_city=output.by_city,
        fiscal=output.fiscal,
        start_stock=float(output.start_stock),
        lever_draws={key: float(value) for key, value in output.lever_draws.items()},
        evidence_only=evidence_only,
        code_fingerprint=code_loaded(),
    )


def run_ensemble(
    scenarios: Sequence,
    runs: int,
    scale: float,
    until: str,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
    posterior: str = str(DEFAULT_POSTERIOR),
) -> BatchTables:
    """Every scenario × run in this process; `progress(done, total)` after each run."""
    return _run_here(Settings(runs, scale, until, seed, posterior).tasks(scenarios), progress)


def run_again(
    scenarios: Sequence,
    manifest: Mapping[str, Any],
    runs: int,
    progress: Callable[[int, int], None] | None = None,
) -> BatchTables:
    """Runs 0 … `runs` − 1 of a stored batch (its `manifest`) again for `scenarios`, in this
    process: run r with the batch's seed and parameter draw of run r (`run_seeds`,
    `parameter_draws`), at its scale and horizon. The starting stock and the lever draws follow
    from the seed, so run r pairs with the stored run r of every scenario (common random numbers),
    and a scenario of the batch comes out as stored, bit for bit, with the same model code
    (`same_code`). InputError if the manifest does not fix the runs or `runs` is not 1 to the
    batch's runs."""
    try:
        seeds, draws = manifest["run_seeds"], manifest["parameter_draws"]
        scale, until = float(manifest["scale"]), str(manifest["until"])
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(f"manifest.json: cannot run the batch's runs again: {error!r}") from None
    if not isinstance(runs, int) or not 1 <= runs <= min(len(seeds), len(draws)):
        raise InputError(f"runs must be 1 to the batch's {len(seeds)}, got {runs}")
    _check_population(scale, until)
    evidence_runs = int(manifest.get("evidence_runs", runs))  # before it was set: every run
    tasks = tasks_of(scenarios, seeds[:runs], draws[:runs], scale, until, evidence_runs)
    return _run_here(tasks, progress)


def same_code(manifest: Mapping[str, Any]) -> bool:
    """Whether this process runs the model code of the batch of `manifest`."""
    return manifest.get("code_fingerprint") == code_loaded()


def _run_here(tasks: Sequence[Task], progress: Callable[[int, int], None] | None) -> BatchTables:
    """The tasks in this process, in order; `progress(done, total)` as runs are done (a stack's
    runs in proportion to its months simulated)."""
    records: list[RunRecord] = []
    shown = [0]

    def show(done: int) -> None:
        if progress and done > shown[0]:
            shown[0] = done
            progress(done, len(tasks))

    for stack in stacks_of(tasks):

        def stack_progress(share: float, done: int = len(records), size: int = len(stack)) -> None:
            show(done + int(share * size))

        records.extend(simulate_stack(stack, stack_progress))
        show(len(records))
    return assemble(records)


def run_batch(
    scenario_paths: Sequence[Path],
    *,
    runs: int,
    scale: float,
    until: str,
    seed: int,
    out: Path,
    posterior: str = str(DEFAULT_POSTERIOR),
    evidence_runs: int = DEFAULT_EVIDENCE_RUNS,
    cluster: Cluster = LOCAL,
    quiet: bool = False,
    command: list[str] | None = None,
) -> Path:
    """Run a batch into the results folder `out` (symbolic links resolved) and return it; resumes
    an interrupted batch.

    Everything is checked before anything is written: bad input raises InputError, an unreachable
    scheduler raises executor.SchedulerUnreachable. A work folder in which no block finished is
    removed whatever happens.
    """
    settings = Settings(runs, scale, until, seed, posterior, evidence_runs)
    out = check_target(out)
    scenarios = load_scenarios(scenario_paths)
    identity = batch_identity(scenarios, settings)
    partial = PartialBatch(out)
    partial.check(identity)
    blocks = _blocks(settings.tasks(scenarios))
    todo = {name: tasks for name, tasks in blocks.items() if not partial.has(name)}
    total, left = (sum(map(len, b.values())) for b in (blocks, todo))
    stacks = len(stacks_of([task for block in todo.values() for task in block]))
    try:
        with open_executor(tasks=stacks, cluster=cluster) as executor:
            require_same_code(executor, identity["code_fingerprint"])
            partial.start(identity)
            with progress_bar(total, total - left, quiet) as bar:
                _run_blocks(executor, todo, partial, bar, identity["code_fingerprint"])
        command = sys.argv if command is None else command
        manifest = build_manifest(scenarios, partial.runs(blocks), settings, command)
        write_results(out, [partial.path(name) for name in blocks], manifest)
        partial.remove()
    finally:
        partial.remove_if_empty()
        partial.release()
    return out


def require_same_code(executor: Executor, code: str) -> None:
    """RuntimeError unless every Dask worker of `executor` runs the model code `code`."""
    if set(executor.on_workers(code_fingerprint)) - {code}:
        raise RuntimeError("the Dask workers run other model code than model/ here")


def require_run_code(found: str, code: str, what: str) -> None:
    """RuntimeError unless `what` (a run, a simulation) ran the model code `code`: a worker
    restarted in the middle of a batch may have loaded other code."""
    if found != code:
        raise RuntimeError(
            f"{what} ran other model code than model/ here (a Dask worker started after model/ "
            "changed): restart the workers"
        )


def batch_identity(scenarios: Sequence, settings: Settings) -> dict:
    """What makes two batches the same batch: resolved scenarios (hashed), settings, model code."""
    return {
        "format_version": FORMAT_VERSION,
        "program_version": model.__version__,
        "code_fingerprint": code_fingerprint(),
        "scenarios": {s.name: _content_hash(s.to_dict()) for s in scenarios},
        **asdict(settings),
        "posterior_sha256": _posterior_hash(settings),
    }


def _posterior_hash(settings: Settings) -> str | None:
    posterior = settings.drawn_from()
    return None if posterior is None else posterior.sha256


@functools.cache
def code_loaded() -> str:
    """The fingerprint of the model code this process runs, taken at its first run (when a worker
    imports the model)."""
    return code_fingerprint()


def code_fingerprint() -> str:
    """A hash of the model's code and data (model/): runs of other code are never mixed in a batch."""
    digest = hashlib.sha256()
    for path in sorted(MODEL_DIR.rglob("*")):
        if path.is_file() and path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
            digest.update(path.relative_to(MODEL_DIR).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def build_manifest(
    scenarios: Sequence,
    runs: Sequence[dict],
    settings: Settings,
    command: list[str],
) -> dict:
    """Everything needed to reproduce the batch (see the design, "Results folder")."""
    from model.world.parameters import base_rates

    stock = base_rates().start_stock_total
    first = scenarios[0].name  # every scenario draws the same starting stock (common numbers)
    posterior = settings.drawn_from()
    return {
        "format_version": FORMAT_VERSION,
        **provenance(command),
        **asdict(settings),
        "run_seeds": settings.seeds,
        "scenarios": {s.name: _scenario_entry(s) for s in scenarios},
        "start_stock": {
            "parameter": "start_stock_total",
            **{key: getattr(stock, key) for key in ("value", "low", "high", "unit", "source")},
            "per_run": [r["start_stock"] for r in runs if r["scenario"] == first],
        },
        "lever_draws": {
            s.name: [r["lever_draws"] for r in runs if r["scenario"] == s.name] for s in scenarios
        },
        "posterior": None if posterior is None else posterior.describe(),
        "parameter_draws": list(settings.draws),
        "packages": package_versions(PACKAGES),
    }


def provenance(command: list[str]) -> dict:
    """What made a result: program version, git commit, model code, time and command line."""
    return {
        "program_version": model.__version__,
        "git_commit": _git_commit(),
        "code_fingerprint": code_fingerprint(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": list(command),
    }


def package_versions(packages: Iterable[str]) -> dict[str, str | None]:
    """The versions of Python and of `packages` (None for one not installed)."""
    return {"python": platform.python_version()} | _versions(packages)


# --- helpers ---------------------------------------------------------------------------------


def load_scenarios(paths: Sequence[Path]) -> list[Scenario]:
    """The scenario files loaded (load_scenario checks each file); InputError for a name used
    twice."""
    from model.policy.scenario import load_scenario

    if not paths:
        raise InputError("no scenario files given")
    paths = [Path(p) for p in paths]
    scenarios = [load_scenario(path) for path in paths]
    seen: dict[str, Path] = {}
    for path, scenario in zip(paths, scenarios, strict=True):
        if scenario.name in seen:
            raise InputError(f"{path}: scenario {scenario.name!r} is also {seen[scenario.name]}")
        if not SAFE_NAME.match(scenario.name):
            raise InputError(f"{path}: scenario name {scenario.name!r}: letters, digits, _ and -")
        seen[scenario.name] = path
    return scenarios


def _check_population(scale: float, until: str) -> None:
    """InputError unless a run at `scale` starts with at least MIN_START_ROWS simulated entities
    and fits in the memory available on this machine."""
    from model.world.parameters import base_rates

    stock = base_rates().start_stock_total
    if stock.low / scale < MIN_START_ROWS:
        raise InputError(
            f"--scale {scale:g}: {stock.low / scale:,.0f} simulated entities at the start, "
            f"fewer than {MIN_START_ROWS}: use --scale {stock.low / MIN_START_ROWS:.0f} or less"
        )
    years = (month_index(until) + 1) / 12
    needed = stock.high / scale * (1 + ROW_GROWTH_PER_YEAR * years) * BYTES_PER_ROW
    available = psutil.virtual_memory().available
    if needed > available:
        raise InputError(
            f"--scale {scale:g}: a run needs about {needed / 2**30:,.1f} GiB of memory, "
            f"{available / 2**30:,.1f} GiB are available: use a larger --scale"
        )


def _blocks(tasks: Iterable[Task]) -> dict[str, list[Task]]:
    """The tasks grouped by block (`store.block_of`), in order."""
    blocks: dict[str, list[Task]] = {}
    for task in tasks:
        blocks.setdefault(block_of(task.scenario.name, task.run), []).append(task)
    return blocks


def _run_blocks(
    executor: Executor, blocks: dict[str, list[Task]], partial: PartialBatch, bar, code: str
) -> None:
    """Run the tasks of `blocks`; save each block as soon as its last run has finished. Every run
    must come from the model code `code` (a worker restarted mid-batch may load other code)."""
    waiting: dict[str, list[RunRecord]] = {}
    stacks = stacks_of([task for block in blocks.values() for task in block])
    for records in executor.map_unordered(simulate_stack, ((stack,) for stack in stacks)):
        for record in records:
            require_run_code(
                record.code_fingerprint, code, f"run {record.run} of {record.scenario}"
            )
            name = block_of(record.scenario, record.run)
            done = waiting.setdefault(name, [])
            done.append(record)
            if len(done) == len(blocks[name]):
                partial.save(name, waiting.pop(name))
        bar.update(len(records))


def _scenario_entry(scenario) -> dict:
    """The resolved scenario as the manifest records it (titles, fidelity, every lever in force)."""
    entry = scenario.to_dict()
    for key in ("title_zh", "title_en", "fidelity", "levers"):
        entry.setdefault(key, getattr(scenario, key))
    return json.loads(json.dumps(entry, ensure_ascii=False, default=str))


def _content_hash(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _git_commit() -> str | None:
    """The commit of the checkout, or None outside a git checkout (or before the first commit)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def _versions(packages: Iterable[str]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for package in packages:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def progress_bar(total: int, done: int, quiet: bool, *, unit: str = "run", desc: str | None = None):
    """A progress bar on stderr when it is a terminal (none with --quiet)."""
    from tqdm import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, initial=done, unit=unit, desc=desc, file=sys.stderr, disable=disable)
