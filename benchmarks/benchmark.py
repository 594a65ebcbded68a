"""Benchmark of the simulation core (the design's targets; never a timed test).

Measures, on one core:
- the full-scale no-policy run (scale 1, 2021-01 -> 2025-12): seconds (start-up of the population
  included, imports excluded), agent-steps per second, peak memory (in a child process of its own);
- the per-agent Mesa reference (benchmarks/per_agent_reference.py: one mesa.Agent per entity, the
  same rules) on a small population: agent-steps per second;
and prints the ratio. An agent-step is one entity present in the register for one month. Each
measure is given as wall time and as CPU time of the process (time.process_time): on a machine
shared with other work the CPU time is the one to compare.

    uv run python -m benchmarks.benchmark [--scale 1] [--reference-scale 500]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from model.defaults import DEFAULT_UNTIL


def _agent_steps(registered_by_month: list[float], scale: float) -> float:
    """Rows present at the start of each simulated month, summed over months."""
    return sum(registered_by_month[:-1]) / scale


def vectorised(scale: float, until: str) -> dict[str, float]:
    from model.world.model import DoublingModel

    began, began_cpu = time.perf_counter(), time.process_time()
    model = DoublingModel(seed=1, scale=scale, until=until, uncertainty=False)
    built = time.perf_counter()
    model.run()
    ended, ended_cpu = time.perf_counter(), time.process_time()
    series = model.values(0)
    registered = zip(series["n_registered"], series["n_chain_leader"], strict=True)
    steps = _agent_steps([total - leaders for total, leaders in registered], scale)
    return {
        "seconds": ended - began,
        "cpu_seconds": ended_cpu - began_cpu,
        "start_up_seconds": built - began,
        "agent_steps": steps,
        "agent_steps_per_second": steps / (ended - began),
        "agent_steps_per_cpu_second": steps / (ended_cpu - began_cpu),
        "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rows": model.pop.n,
    }


def reference(scale: float, until: str) -> dict[str, float]:
    from benchmarks.per_agent_reference import PerAgentModel

    model = PerAgentModel(seed=1, scale=scale, until=until)
    began, began_cpu = time.perf_counter(), time.process_time()
    model.run()
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu
    steps = _agent_steps([h["n_registered"] for h in model.history], scale)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "agent_steps": steps,
        "agent_steps_per_second": steps / seconds,
        "agent_steps_per_cpu_second": steps / cpu_seconds,
    }


def _in_child(function: str, scale: float, until: str) -> dict[str, float]:
    """Run one measurement in a fresh interpreter (its own peak memory, a cold start)."""
    code = (
        "import json, benchmarks.benchmark as b; "
        f"print(json.dumps(b.{function}({scale!r}, {until!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--until", default=DEFAULT_UNTIL)
    parser.add_argument("--reference-scale", type=float, default=500.0)
    parser.add_argument("--reference-until", default="2022-12")
    args = parser.parse_args()
    fast = _in_child("vectorised", args.scale, args.until)
    slow = _in_child("reference", args.reference_scale, args.reference_until)
    ratio = fast["agent_steps_per_second"] / slow["agent_steps_per_second"]
    cpu_ratio = fast["agent_steps_per_cpu_second"] / slow["agent_steps_per_cpu_second"]
    print(f"column store, scale {args.scale:g}, until {args.until}: {fast['seconds']:.2f} s "
          f"(CPU {fast['cpu_seconds']:.2f} s; start-up {fast['start_up_seconds']:.2f} s), "
          f"{fast['rows']:,} rows, {fast['agent_steps'] / 1e6:.1f} M agent-steps, "
          f"{fast['agent_steps_per_second'] / 1e6:.2f} M agent-steps/s "
          f"({fast['agent_steps_per_cpu_second'] / 1e6:.2f} M per CPU second), "
          f"peak memory {fast['peak_memory_mb']:.0f} MB")  # fmt: skip
    print(f"per-agent Mesa reference, scale {args.reference_scale:g}, until "
          f"{args.reference_until}: {slow['seconds']:.2f} s (CPU {slow['cpu_seconds']:.2f} s), "
          f"{slow['agent_steps_per_second'] / 1e3:.0f} k agent-steps/s "
          f"({slow['agent_steps_per_cpu_second'] / 1e3:.0f} k per CPU second)")  # fmt: skip
    print(f"ratio: {ratio:.0f}x (CPU time: {cpu_ratio:.0f}x)")


if __name__ == "__main__":
    main()
