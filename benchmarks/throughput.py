"""Benchmark of batch throughput (issue 9; never a timed test): runs per core-minute and batches.

Measures, on this machine (best with it otherwise idle):
1. in this process, one core: wall and CPU seconds per run (no_policy and as_enacted, one warm-up
   run each, then `--in-process-runs` runs each, in stacks as a batch runs them) at scale 200 and
   at scale 40, and runs per core-minute (of CPU time; of wall time in brackets);
2. a batch of N runs (no_policy + as_enacted, N/2 runs each, scale 200) through
   `run.py run ... --workers 2 --quiet` as a subprocess: wall time, and peak memory of the whole
   process tree (the driver, its Dask nanny and worker processes): the largest sum of their RSS,
   sampled every 0.2 s (pages shared between processes count once per process: an upper bound);
3. the same batch with `--workers 1` (it runs in the driver's process) and the scaling 2 / 1;
4. the same batch with `--scheduler` on a scheduler and two single-thread workers started on
   127.0.0.1 as the README's "Running on a cluster" says (`uv run --project ROOT dask ...` from a
   temporary folder, no PYTHONPATH): wall time and peak memory of scheduler + workers + driver.
Prints the machine and a markdown table of the figures against the issue's targets.

    uv run python -m benchmarks.throughput [--runs 10000] [--quick]

`--runs N`: the batch size (default 10,000, the issue's; `--runs 400` for a quick check).
`--quick`: 5 in-process runs per scenario instead of 48, and a batch of 200 unless `--runs` is given.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import suppress
from pathlib import Path

import psutil

from benchmarks.readme_cluster import ROOT, readme_cluster, stop_tree
from model.defaults import DEFAULT_EVIDENCE_RUNS, DEFAULT_UNTIL

SCENARIOS = ("no_policy", "as_enacted")
BATCH_SCALE = 200.0
SAMPLE_S = 0.2
TARGETS = {  # the issue's
    "runs_per_core_minute": 1000,
    "batch_runs": 10_000,
    "batch_s": 6 * 60,
    "peak_gb": 2.0,
    "scaling": 1.7,
}


def _scenario_paths() -> list[str]:
    return [str(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS]


def in_process(scale: float, runs: int, variant: bool = False) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds per run in this process, by scenario (after a warm-up run), as a batch
    runs all but its first `--evidence-runs` (`variant`: as it runs those, with the evidence-only
    variant): in stacks of runs (`stacks_of`, `simulate_stack`). CPU time is the core's time,
    whatever else the machine runs."""
    from model.experiments.ensemble import Settings, simulate_stack, stacks_of
    from model.policy.scenario import load_scenario

    evidence_runs = runs + 1 if variant else 0
    settings = Settings(runs + 1, scale, DEFAULT_UNTIL, seed=1, evidence_runs=evidence_runs)
    tasks = {path: settings.tasks([load_scenario(Path(path))]) for path in _scenario_paths()}
    seconds = {}
    for path, name in zip(_scenario_paths(), SCENARIOS, strict=True):
        first, *timed = tasks[path]
        simulate_stack([first])  # imports, caches
        wall, cpu = time.perf_counter(), time.process_time()
        for stack in stacks_of(timed):
            simulate_stack(stack)
        seconds[name] = ((time.perf_counter() - wall) / runs, (time.process_time() - cpu) / runs)
    return seconds


class TreeMemory:
    """The peak of the summed RSS of some processes and all their descendants, sampled in a thread."""

    def __init__(self, pids: Sequence[int]):
        self.roots = [psutil.Process(pid) for pid in pids]
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def rss(self) -> int:
        total = 0
        for root in self.roots:
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:  # the root has ended
                continue
            for process in tree:
                with suppress(psutil.Error):  # ended between the listing and the reading
                    total += process.memory_info().rss
        return total

    def _sample_until_stopped(self) -> None:
        while True:
            self.peak = max(self.peak, self.rss())
            if self._stop.wait(SAMPLE_S):
                return

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def batch(runs: int, where: str, cluster_pids: Sequence[int] = ()) -> dict[str, float]:
    """`run.py run` of the two scenarios × runs/2 at scale 200 into a temporary folder, `where` =
    `--workers=K` or `--scheduler=ADDRESS`: wall time, runs per second, peak memory of the tree
    (the driver's, plus that of `cluster_pids` and their descendants)."""
    with tempfile.TemporaryDirectory(prefix="throughput-") as folder:
        command = [sys.executable, "run.py", "run", *_scenario_paths(), f"--runs={runs // 2}",
                   f"--scale={BATCH_SCALE:g}", "--quiet", f"--out={folder}/out", where]  # fmt: skip
        began = time.perf_counter()
        driver = subprocess.Popen(command, cwd=ROOT)
        try:
            with TreeMemory([driver.pid, *cluster_pids]) as memory:
                code = driver.wait()
        finally:
            stop_tree(driver)
        seconds = time.perf_counter() - began
    if code:
        raise SystemExit(f"the batch ({where}) exited with code {code}")
    total = 2 * (runs // 2)
    return {"seconds": seconds, "runs_per_s": total / seconds, "peak_gb": memory.peak / 1e9}


def external_batch(runs: int, folder: Path) -> dict[str, float]:
    """`batch` on a README cluster of two workers started in `folder` (memory: all of it)."""
    with readme_cluster(folder) as cluster:
        pids = [cluster.scheduler.pid, *(worker.pid for worker in cluster.workers)]
        return batch(runs, f"--scheduler={cluster.address}", pids)


def _rows(in_runs: int, runs: int) -> Iterator[tuple[str, str, str]]:
    """The table's rows, measured one after the other (so they show as they come)."""
    for scale in (BATCH_SCALE, 40.0):
        wall, cpu = zip(*in_process(scale, in_runs).values(), strict=True)
        target = f"≥ {TARGETS['runs_per_core_minute']:,}" if scale == BATCH_SCALE else ""
        per_minute = f"{60 * len(cpu) / sum(cpu):,.0f} (wall: {60 * len(wall) / sum(wall):,.0f})"
        yield (
            f"in-process, scale {scale:g}: s per run ({', '.join(SCENARIOS)})",
            _each(wall, cpu),
            "",
        )
        yield f"runs per core-minute (CPU time), scale {scale:g}", per_minute, target
        if scale == BATCH_SCALE:
            wall, cpu = zip(*in_process(scale, in_runs, variant=True).values(), strict=True)
            first = f"a scenario's first {DEFAULT_EVIDENCE_RUNS} runs"
            yield f"… with the evidence-only variant ({first})", _each(wall, cpu), ""

    label = f"batch of {runs:,} runs (scale {BATCH_SCALE:g})"
    rate = TARGETS["batch_runs"] / TARGETS["batch_s"]
    minutes = TARGETS["batch_s"] / 60
    time_target = f"{TARGETS['batch_runs']:,} in ≤ {minutes:g} min (≥ {rate:.1f} runs/s)"
    two = batch(runs, "--workers=2")
    yield f"{label}, 2 local workers: wall time", _time(two), time_target
    yield "… peak memory of the process tree", _memory(two), f"≤ {TARGETS['peak_gb']:g} GB"
    one = batch(runs, "--workers=1")
    yield f"{label}, 1 worker (in the driver): wall time", _time(one), ""
    yield "… peak memory of the process tree", _memory(one), ""
    scaling = f"{one['seconds'] / two['seconds']:.2f}×"
    yield "scaling, 2 workers / 1", scaling, f"≥ {TARGETS['scaling']}×"
    with tempfile.TemporaryDirectory(prefix="throughput-dask-") as folder:
        external = external_batch(runs, Path(folder))
    yield f"{label}, external scheduler + 2 workers: wall time", _time(external), ""
    yield "… peak memory of scheduler, workers and driver", _memory(external), ""


def _each(wall: Sequence[float], cpu: Sequence[float]) -> str:
    """Seconds per run of each scenario, wall (CPU)."""
    return f"{' / '.join(f'{s:.3f}' for s in wall)} (CPU {' / '.join(f'{s:.3f}' for s in cpu)})"


def _time(result: dict[str, float]) -> str:
    return f"{result['seconds']:.1f} s ({result['runs_per_s']:.1f} runs/s)"


def _memory(result: dict[str, float]) -> str:
    return f"{result['peak_gb']:.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, help="runs in each batch (default 10,000)")
    parser.add_argument("--quick", action="store_true", help="5 in-process runs, batches of 200")
    parser.add_argument("--in-process-runs", type=int, help="per scenario and scale (default 48)")
    args = parser.parse_args()
    runs = args.runs or (200 if args.quick else TARGETS["batch_runs"])
    in_runs = args.in_process_runs or (5 if args.quick else 48)
    if runs < 2 or in_runs < 1:
        parser.error("--runs must be at least 2, --in-process-runs at least 1")
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.platform()}, "
          f"Python {platform.python_version()}\n", flush=True)  # fmt: skip
    print(f"{in_runs} in-process runs per scenario and scale\n", flush=True)
    print("| measure | figure | target |\n|---|---|---|", flush=True)
    for row in _rows(in_runs, runs):
        print(f"| {' | '.join(row)} |", flush=True)


if __name__ == "__main__":
    main()
