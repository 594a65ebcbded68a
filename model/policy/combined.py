"""What all the levers of a scenario add up to, hook by hook and kind by kind, against the bounds
the evidence supports (catalogue.COMBINED_BOUNDS): `run.py levers --combined SCENARIO`.

Values are the central ones (no uncertainty draws), at the lever strengths of each month the policy
changes; for each hook and kind the table gives the cell and month farthest from neutral, as the
levers multiply (or add) up, and the value in force after the bounds. The failure hazard includes
the young-firm windows (the product a firm in its first months faces).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.policy.catalogue import COMBINED_BOUNDS, HOOKS, load_catalogue
from model.policy.monthly_rates import FIELD_OF_HOOK, LeverMonths, activate, states_at
from model.texttable import text_table
from model.world.clock import month_label
from model.world.kinds import KIND_NAMES, ROW_KINDS
from model.world.parameters import run_rates
from model.world.policy_state import PolicyState


@dataclass(frozen=True)
class Combined:
    hook: str
    kind: str
    stacked: float  # the levers multiplied (added) up, farthest from neutral over cells and months
    month: str  # when
    in_force: float  # after the bounds, in that cell and month
    bound: tuple[float, float] | None


def _field(state: PolicyState, hook: str) -> np.ndarray:
    """The hook's values by cell; the failure hazard with every young-firm window applied."""
    values = getattr(state, FIELD_OF_HOOK[hook])
    if hook == "failure_hazard":
        for window, _ in state.failure_windows:
            values = values * window
    return values


def combined_effects(scenario) -> list[Combined]:
    """The combined value of every hook a scenario's levers act through, by kind."""
    rates = run_rates(seed=0, uncertainty=False)
    active = activate(scenario, load_catalogue(), seed=0, uncertainty=False, rates=rates)
    levers = LeverMonths.of(active)
    months = levers.months
    stacked = states_at(active, scenario.fidelity, levers, rates, bounded=False)
    bounded = states_at(active, scenario.fidelity, levers, rates)
    hooks = {e.hook for a in active for e in a.lever.effects if e.hook in FIELD_OF_HOOK}
    rows = []
    for hook in sorted(hooks):
        neutral = HOOKS[hook].neutral
        one_kind = HOOKS[hook].kind
        kinds = [one_kind] if one_kind else list(KIND_NAMES[:ROW_KINDS])
        for index, kind in enumerate(kinds):
            best = None
            for t in months:
                raw, held = _field(stacked[t], hook), _field(bounded[t], hook)
                if one_kind is None:
                    raw, held = raw[index], held[index]
                cell = np.unravel_index(np.argmax(np.abs(raw - neutral)), raw.shape)
                if best is None or abs(raw[cell] - neutral) > abs(best[0] - neutral):
                    best = (float(raw[cell]), t, float(held[cell]))
            if best is not None and best[0] != neutral:
                value, t, in_force = best
                bound = COMBINED_BOUNDS.get(hook)
                rows.append(Combined(hook, kind, value, month_label(t), in_force, bound))
    return rows


def format_combined(scenario) -> str:
    """The combined effects of a scenario as an aligned table, with what the columns mean."""
    rows = [
        (
            c.hook,
            c.kind,
            f"{c.stacked:.3f}",
            c.month,
            f"{c.in_force:.3f}",
            "—" if c.bound is None else f"{c.bound[0]:g}–{c.bound[1]:g}",
            "bounded" if c.in_force != c.stacked else "",
        )
        for c in combined_effects(scenario)
    ]
    header = ("hook", "kind", "stacked", "month", "in force", "evidence bound", "")
    note = (
        f"{scenario.name}: every lever's central effect, multiplied (growth, shells, referrals: "
        "added) where they overlap, at each month's strength, ramp, fade, take-up and delivery; "
        "'stacked' is the cell and month farthest from neutral, 'in force' the value the model "
        "uses there after the evidence bound (catalogue.COMBINED_BOUNDS). Failure hazard: with "
        "the young-firm windows."
    )
    return f"{text_table(header, rows, left=2)}\n\n{note}"
