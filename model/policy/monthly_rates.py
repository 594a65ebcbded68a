"""From a scenario's levers to the hook values in force each month (model.world.policy_state.Policy).

Each lever's effect on its hook is scaled by the lever's strength in the month (intensity x ramp,
0 outside start..end), by implementation fidelity (articles 44-48), by knob values where the knob
scales effects, and, for effects on the entities that use the lever, by take-up:
a multiplier m becomes 1 + (m - 1) x scale; an additive value a becomes a x scale.
Effects of several levers on one hook multiply (multipliers) or add (additive hooks).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from model.defaults import LATEST_UNTIL
from model.policy.schedule import KnobValue, value_at
from model.world import streams
from model.world.clock import month_index, month_label
from model.world.estimate import Estimate
from model.world.fiscal import CostLine
from model.world.geography import places
from model.world.kinds import KIND_NAMES, ROW_KINDS
from model.world.parameters import RunRates, run_rates
from model.world.policy_state import Policy, PolicyState

if TYPE_CHECKING:
    from model.policy.catalogue import Lever

RAMP_STEP_MONTHS = 3  # ramps advance quarterly: fewer re-solves, and the document's dispatch rhythm
ADDITIVE_HOOKS = {"growth", "shell_registrations", "chain_referrals"}


@dataclass(frozen=True)
class ActiveLever:
    """A lever as a scenario sets it, with this run's draws of its uncertain numbers."""

    lever: Lever
    intensity: float
    start: int
    end: int | None
    ramp_months: int
    knobs: dict[str, KnobValue]
    effect_values: tuple[float, ...]
    take_up: float
    cost_yuan: tuple[float, ...]

    def strength(self, t: int) -> float:
        """Intensity x ramp in month t (ramp in quarterly steps), 0 outside start..end."""
        if t < self.start or (self.end is not None and t > self.end):
            return 0.0
        if self.ramp_months <= 0:
            return self.intensity
        steps = (t - self.start) // RAMP_STEP_MONTHS + 1
        return self.intensity * min(1.0, steps * RAMP_STEP_MONTHS / self.ramp_months)

    def effect_strength(self, t: int, effect) -> float:
        """Strength in month t for one effect: a fading effect (Effect.fade) loses, after the ramp,
        the part above its floor with its half-life, in quarterly steps."""
        strength = self.strength(t)
        fade = effect.fade
        if fade is None or strength == 0:
            return strength
        since_full = t - self.start - self.ramp_months
        if since_full <= 0:
            return strength
        quarters = since_full // RAMP_STEP_MONTHS * RAMP_STEP_MONTHS
        return strength * (
            fade.floor + (1 - fade.floor) * 0.5 ** (quarters / fade.half_life_months)
        )

    def knob_factor(self, t: int, scales: str) -> float:
        """Product of value / document value over the knobs that scale `scales`, in month t."""
        factor = 1.0
        for knob in self.lever.knobs:
            if scales in knob.scales:
                value = self.knobs.get(knob.id, knob.default())
                factor *= knob.factor(value_at(value, month_label(t)))
        return factor

    def change_months(self) -> set[int]:
        months = {self.start}
        months.update(range(self.start, self.start + self.ramp_months + 1, RAMP_STEP_MONTHS))
        last = month_index(LATEST_UNTIL) if self.end is None else self.end
        if any(effect.fade for effect in self.lever.effects):
            months.update(range(self.start + self.ramp_months, last + 1, RAMP_STEP_MONTHS))
        if self.end is not None:
            months.add(self.end + 1)
        for value in self.knobs.values():
            if isinstance(value, tuple):
                months.update(month_index(month) for month, _ in value)
        return months


def _draw(rng: np.random.Generator | None, estimate: Estimate) -> float:
    """The central value, or a draw (Estimate.draw) when uncertainty is on."""
    return float(estimate.value if rng is None else estimate.draw(rng))


def effect_key(lever_id: str, hook: str, index: int) -> str:
    """The name of a lever's effect among a run's lever draws, e.g. `e_licence.entry.0`."""
    return f"{lever_id}.{hook}.{index}"


def take_up_key(lever_id: str) -> str:
    """The name of a lever's take-up among a run's lever draws."""
    return f"{lever_id}.take_up"


def activate(
    scenario,
    catalogue,
    seed: int,
    uncertainty: bool,
    rates: RunRates,
    evidence_only: bool = False,
    given: dict[str, float] | None = None,
) -> list[ActiveLever]:
    """The scenario's levers with their draws. Every lever of the catalogue is drawn from its own
    stream whether or not the scenario uses it, so scenarios of a batch share their draws.
    `given`: values that replace the draws of the effects and take-ups they name (`effect_key`,
    `take_up_key`; a global sensitivity analysis sets them), after drawing, so every other draw
    is unchanged; ValueError for a name that is none of the scenario's.
    `evidence_only`: effects sourced `assumption:` are set to no effect (after drawing, so the
    other effects keep their draws), to measure how much of a gain rests on assumptions."""
    given = dict(given or {})
    keyed = streams.Streams(seed)
    active = []
    for lever_id, setting in scenario.levers.items():
        lever = catalogue.levers[lever_id]
        rng = keyed.get(streams.LEVER_DRAWS, lever_id) if uncertainty else None
        effects = tuple(
            given.pop(effect_key(lever_id, e.hook, i), _draw(rng, e.value))
            for i, e in enumerate(lever.effects)
        )
        if evidence_only:
            effects = tuple(
                _no_effect(e.hook, rates) if e.is_assumption else value
                for e, value in zip(lever.effects, effects, strict=True)
            )
        take_up = _draw(rng, lever.take_up) if lever.take_up else 1.0
        take_up = given.pop(take_up_key(lever_id), take_up)
        costs = tuple(_draw(rng, c.yuan) for c in lever.costs)
        active.append(
            ActiveLever(
                lever=lever,
                intensity=setting.intensity,
                start=month_index(setting.start),
                end=month_index(setting.end) if setting.end else None,
                ramp_months=setting.ramp_months,
                knobs=dict(setting.knobs),
                effect_values=effects,
                take_up=take_up,
                cost_yuan=costs,
            )
        )
    if given:
        raise ValueError(f"given lever values not in the scenario: {', '.join(sorted(given))}")
    return active


def _no_effect(hook: str, rates: RunRates) -> float:
    """The value through which an effect changes nothing: the hook's neutral, and for delivery
    (fidelity) the run's delivery without the implementation machinery."""
    from model.policy.catalogue import HOOKS

    if hook == "fidelity":
        return rates.fidelity_without_implementation
    return HOOKS[hook].neutral


def _indicator(names: tuple[str, ...], universe: tuple[str, ...]) -> np.ndarray:
    """1.0 for the named members of `universe`; all of it when no names are given."""
    if not names:
        return np.ones(len(universe))
    indicator = np.zeros(len(universe))
    indicator[[universe.index(name) for name in names]] = 1.0
    return indicator


@functools.cache
def target_mask(target) -> np.ndarray:
    """[kinds incl. chain leaders, sectors, cities] 1.0 where the target applies (read-only)."""
    p = places()
    kinds = _indicator(target.kinds, KIND_NAMES)
    sectors = _indicator(target.sectors, p.sectors)
    cities = _indicator(target.cities, p.cities)
    mask = kinds[:, None, None] * sectors[None, :, None] * cities[None, None, :]
    mask.setflags(write=False)
    return mask


# PolicyState field of each hook.
FIELD_OF_HOOK = {
    "entry": "entry",
    "opening_speed": "opening",
    "failure_hazard": "failure",
    "dormant_exit": "dormant_exit",
    "conversion": "conversion",
    "growth": "growth",
    "upgrade": "upgrade",
    "induced_quality": "induced_failure",
    "reentry": "reentry",
    "shell_registrations": "shell_share",
    "shell_cleanup": "cleanup",
    "chain_referrals": "chain_referrals",
}


WINDOWS = "failure_windows"  # the PolicyState field of failure effects limited to young entities


def state_field(hook: str, target) -> str:
    """The PolicyState field an effect on a cell hook goes into: the hook's, or for a failure
    effect limited to young entities (max_age_months) the young-firm windows."""
    return WINDOWS if hook == "failure_hazard" and target.max_age_months else FIELD_OF_HOOK[hook]


@functools.cache
def _cells(hook: str, target) -> np.ndarray:
    """The target's mask in the shape of the hook's PolicyState field (read-only): [sectors,
    cities] of the one kind a hook concerns (Hook.kind: 个转企, the 10-20 M band, 链主), else
    [row kinds, sectors, cities]."""
    from model.policy.catalogue import HOOKS

    mask = target_mask(target)
    kind = HOOKS[hook].kind
    cells = mask[KIND_NAMES.index(kind)] if kind else mask[:ROW_KINDS]
    cells.setflags(write=False)
    return cells


class StateBuilder:
    """Accumulates scaled effects into the PolicyStates of `months` months at once: each value
    added is one for all months or one per month."""

    def __init__(self, months: int = 1):
        neutral = PolicyState.neutral()
        self.months = months
        self.values = {
            f.name: np.repeat(getattr(neutral, f.name)[None], months, axis=0)
            for f in fields(PolicyState)
            if f.name != WINDOWS
        }
        # max age -> the window's multiplier by month, and the months some lever acts through it
        self.windows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._never = np.zeros(months, dtype=bool)

    def add(self, hook: str, target, value, acts=True) -> None:
        """Fold one scaled effect into its field: added (additive hooks) or multiplied. `acts`:
        the months the lever acts (a young-firm window is in force only then)."""
        weight = _cells(hook, target)
        value = np.reshape(value, (-1,) + (1,) * weight.ndim)
        additive = hook in ADDITIVE_HOOKS
        change = value * weight if additive else 1.0 + (value - 1.0) * weight
        name = state_field(hook, target)
        if name == WINDOWS:
            window, in_force = self.windows.get(target.max_age_months, (1.0, self._never))
            self.windows[target.max_age_months] = (window * change, in_force | acts)
            return
        current = self.values[name]
        self.values[name] = current + change if additive else current * change

    def build(self, bounded: bool = True) -> list[PolicyState]:
        """The states, month by month; `bounded`: each hook's combined value clipped to what the
        evidence supports (catalogue.COMBINED_BOUNDS), young-firm windows included in the failure
        bound."""
        from model.policy.catalogue import COMBINED_BOUNDS

        values = self.values
        windows = sorted(self.windows.items())
        if bounded:
            for hook, (low, high) in COMBINED_BOUNDS.items():
                name = FIELD_OF_HOOK[hook]
                values[name] = np.clip(values[name], low, high)
            windows = _bounded_windows(values["failure"], windows)
        return [
            PolicyState(
                failure_windows=[(mult[m], age) for age, (mult, acts) in windows if acts[m]],
                **{name: value[m] for name, value in values.items()},
            )
            for m in range(self.months)
        ]


# A young-firm window being built: max age, then its multiplier and the months it is in force
BuiltWindow = tuple[int, tuple[np.ndarray, np.ndarray]]


def _bounded_windows(failure: np.ndarray, windows: list[BuiltWindow]) -> list[BuiltWindow]:
    """Young-firm windows (by max age, ascending; each a multiplier and the months it is in force)
    raised where needed so that the failure hazard any firm faces stays within its bound: a firm of
    some age faces the windows of larger max ages, so the products are taken from the oldest window
    down (a window not in force multiplies by exactly 1)."""
    from model.policy.catalogue import COMBINED_BOUNDS

    floor = COMBINED_BOUNDS["failure_hazard"][0]
    product, bounded = failure, []
    for age, (mult, acts) in reversed(windows):
        mult = np.maximum(mult, floor / product)
        product = product * mult
        bounded.append((age, (mult, acts)))
    return bounded[::-1]


@dataclass(frozen=True)
class LeverMonths:
    """A run's levers in the months the policy may change (policy_months): each lever's strength
    and the take-up boost, by month."""

    months: list[int]
    strength: list[np.ndarray]  # by lever, in the order of the active levers
    boost: np.ndarray  # the take-up boost (take_up effects) every lever's users get

    @classmethod
    def of(cls, active: list[ActiveLever]) -> LeverMonths:
        months = policy_months(active)
        strength = [np.array([a.strength(t) for t in months]) for a in active]
        boost = np.ones(len(months))
        for a, lever_strength in zip(active, strength, strict=True):
            for effect, value in zip(a.lever.effects, a.effect_values, strict=True):
                if effect.hook == "take_up":
                    boost = boost * (1.0 + (value - 1.0) * lever_strength)
        return cls(months, strength, boost)

    def users(self, a: ActiveLever) -> np.ndarray:
        """The share of a lever's target that uses it, by month: its take-up times the boost, at
        most all."""
        return np.minimum(1.0, a.take_up * self.boost)

    def each(self, value_at) -> np.ndarray:
        """`value_at(t)` by month."""
        return np.array([value_at(t) for t in self.months])

    def knob_factors(self, a: ActiveLever, scales: str) -> np.ndarray | float:
        """`a.knob_factor(t, scales)` by month; 1.0 when none of its knobs scales `scales`."""
        if not any(scales in knob.scales for knob in a.lever.knobs):
            return 1.0
        return self.each(lambda t: a.knob_factor(t, scales))


def _fidelity(
    active: list[ActiveLever], levers: LeverMonths, scenario_fidelity: float, without: float
) -> np.ndarray:
    """Share of nominal effects delivered, by month: the scenario's fidelity times the delivery the
    implementation mechanism (articles 44-48) achieves, or the delivery `without` it."""
    delivered = np.full(len(levers.months), without)
    for a, strength in zip(active, levers.strength, strict=True):
        for effect, value in zip(a.lever.effects, a.effect_values, strict=True):
            if effect.hook == "fidelity":
                delivered = delivered + strength * (value - without)
    return scenario_fidelity * np.clip(delivered, 0.0, 1.0)


def states_at(
    active: list[ActiveLever],
    scenario_fidelity: float,
    levers: LeverMonths,
    rates: RunRates,
    bounded: bool = True,
) -> dict[int, PolicyState]:
    """Hook values in force in each of the levers' months (`bounded`: see StateBuilder.build). Every
    effect's departure from no effect is scaled by the run's delivery (fidelity), its users
    (take-up) and the run's common responsiveness to policy (`policy_responsiveness`,
    base_rates.csv)."""
    from model.policy.catalogue import HOOKS

    builder = StateBuilder(len(levers.months))
    without = rates.fidelity_without_implementation
    fidelity = _fidelity(active, levers, scenario_fidelity, without)
    for a, strength in zip(active, levers.strength, strict=True):
        acts = strength != 0
        if not acts.any():
            continue
        knobs = levers.knob_factors(a, "effects")
        scale = fidelity * knobs * rates.policy_responsiveness
        for effect, value in zip(a.lever.effects, a.effect_values, strict=True):
            scope = HOOKS[effect.hook].scope
            if scope == "global":
                continue
            users = levers.users(a) if scope == "user" else 1.0
            if effect.fade is None:
                in_force = strength
            else:
                in_force = levers.each(lambda t, a=a, e=effect: a.effect_strength(t, e))
            used = in_force * scale * users * effect.share
            if effect.hook in ADDITIVE_HOOKS:
                builder.add(effect.hook, effect.target, value * used, acts)
            else:
                multiplier = np.maximum(0.0, 1.0 + (value - 1.0) * used)
                builder.add(effect.hook, effect.target, multiplier, acts)
    return dict(zip(levers.months, builder.build(bounded), strict=True))


def _cost_lines(active: list[ActiveLever], levers: LeverMonths) -> list[CostLine]:
    """One cost line per lever cost, priced for every month to LATEST_UNTIL. Events and entities
    are paid at the lever's take-up; lump sums (per_year) at the lever's strength. A price changes
    only in the policy's change months (strengths, knob values and take-up boosts do), so it is
    worked out there and carried forward."""
    every_month = np.arange(month_index(LATEST_UNTIL) + 1)
    change = np.searchsorted(levers.months, every_month, side="right") - 1
    lines = []
    for a, strength in zip(active, levers.strength, strict=True):
        knobs = levers.knob_factors(a, "cost")
        users = strength * levers.users(a)
        for cost, yuan in zip(a.lever.costs, a.cost_yuan, strict=True):
            paid = strength if cost.basis == "per_year" else users
            price = np.where(strength == 0, 0.0, yuan * paid * knobs)
            lines.append(
                CostLine(
                    lever=a.lever.id,
                    department=a.lever.departments[0],
                    basis=cost.basis,
                    event=cost.event,
                    target=target_mask(cost.target),
                    yuan_per_unit=price[change],
                )
            )
    return lines


def policy_months(active: list[ActiveLever]) -> list[int]:
    """The months the policy in force may change (0 and every lever's change months)."""
    return sorted({0} | set().union(*(a.change_months() for a in active)))


def build_policy(
    scenario,
    *,
    seed: int,
    uncertainty: bool = True,
    evidence_only: bool = False,
    parameters: dict[str, float] | None = None,
    effects: dict[str, float] | None = None,
):
    """The Policy of a scenario (None or no levers: the no-policy world) and the run's lever draws,
    for the run whose world is `run_rates(seed, uncertainty, parameters)` (`evidence_only`,
    `effects`: the `given` lever values, see activate)."""
    if scenario is None or not scenario.levers:
        return Policy.none(), {}
    from model.policy.catalogue import load_catalogue

    rates = run_rates(seed, uncertainty, parameters)
    active = activate(scenario, load_catalogue(), seed, uncertainty, rates, evidence_only, effects)
    levers = LeverMonths.of(active)
    states = states_at(active, scenario.fidelity, levers, rates)
    draws = {
        effect_key(a.lever.id, effect.hook, i): value
        for a in active
        for i, (effect, value) in enumerate(zip(a.lever.effects, a.effect_values, strict=True))
    }
    draws.update({take_up_key(a.lever.id): a.take_up for a in active if a.lever.take_up})
    return Policy(states=states, costs=_cost_lines(active, levers)), draws
