"""Knob schedules: the document's numbers changing over time, as steps `{from: YYYY-MM, value: x}`.

A step holds from its month until the next one; before the first step the first value holds. In
the files a schedule is a list of steps; once read it is a tuple of (month, value) pairs.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from model.policy.fields import Frozen, Month, Number, Problem, custom, outside

Schedule = tuple[tuple[str, float], ...]
KnobValue = float | Schedule  # a knob's value: one number for the whole run, or a schedule


class Step(Frozen):
    """One step of a schedule."""

    month: Month = Field(alias="from", description="first month the value holds")
    value: Number = Field(description="the knob's value from that month")


def _increasing(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    if any(a.month >= b.month for a, b in zip(steps, steps[1:], strict=False)):
        raise custom("expected months in increasing order")
    return steps


Steps = Annotated[tuple[Step, ...], Field(min_length=1), AfterValidator(_increasing)]


def as_schedule(steps: tuple[Step, ...]) -> Schedule:
    """Steps as (month, value) pairs."""
    return tuple((step.month, step.value) for step in steps)


def value_at(value: KnobValue, month: str) -> float:
    """A knob's value in `month` ('YYYY-MM'): the number, or the schedule's step in force."""
    if not isinstance(value, tuple):
        return float(value)
    current = value[0][1]
    for step_month, step_value in value:
        if step_month <= month:
            current = step_value
    return float(current)


def schedule_to_list(schedule: Schedule) -> list[dict[str, Any]]:
    """A schedule as in the YAML files: [{from: 'YYYY-MM', value: x}, ...]."""
    return [{"from": month, "value": value} for month, value in schedule]


def out_of_range(value: float | tuple[Step, ...], low: float, high: float) -> list[Problem]:
    """A number, or each value of a schedule, outside [low, high]."""
    if isinstance(value, tuple):
        numbers: list[tuple[tuple[str | int, ...], float]] = [
            ((i, "value"), step.value) for i, step in enumerate(value)
        ]
    else:
        numbers = [((), value)]
    return [(loc, message, n) for loc, n in numbers if (message := outside(n, low, high))]
