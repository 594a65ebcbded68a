"""The parameter register (参数表, issue 16): every base rate of model/world/data/base_rates.csv and
every effect, take-up and cost of the lever catalogue (model/policy/levers/*.yaml), with its value,
range, unit, source, and the code that uses it: `run.py register --out docs/parameters.md`.

"Used by" is read from the source code itself (a static scan with `ast`, nothing is run), so it
cannot drift from what the model does:
- a base rate is used by every function of model/world and model/policy that reads the attribute of
  that name (`v.entry_rate_per_year`) or asks the runs' values of it (`rates.by_run("entry_rate_per_year")`,
  model.world.parameters.RateStack);
- a lever effect acts through its hook: a cell hook's PolicyState field is used by the functions of
  model/world that read it from the policy state (`state.entry`, `m.policy_state.chain_referrals`)
  or ask the hook values of some rows for it (`hooks("opening")`, events._HookValues); a global hook
  (fidelity, take-up) by the functions of monthly_rates that pick out effects on it
  (`effect.hook == "fidelity"`);
- a take-up by the functions of monthly_rates that read `.take_up`; a cost by those of model/world
  that price a cost line (`.yuan_per_unit`).
"""

from __future__ import annotations

import ast
import functools
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from model.errors import InputError
from model.policy.catalogue import HOOKS, Catalogue, Target, load_catalogue, relative_path
from model.policy.monthly_rates import state_field
from model.world.datafiles import csv_rows
from model.world.parameters import (
    BASE_RATES_FILE,
    NAMES,
    calibrated_values,
)
from model.world.priors import FITTED_TO_MOMENTS, POLICY_AND_STOCK, TRENDS, priors

MODEL_DIR = Path(__file__).resolve().parent.parent  # the `model` package
WORLD, POLICY = MODEL_DIR / "world", MODEL_DIR / "policy"
NOT_USERS = ("parameters.py", "policy_state.py", "register.py")  # where names are only defined
HOOK_VALUES = "_HookValues"  # model.world.events: the hook values of some rows, by field name
RATE_STACK_READS = ("by_run", "value")  # model.world.parameters.RateStack: a parameter by name


# --- the static scan ---------------------------------------------------------------------------

Match = Callable[[ast.AST, set[str]], str | None]  # node, names bound to _HookValues -> a name


def _code_name(path: Path) -> str:
    """model/world/events.py -> world.events (the package-relative module name)."""
    return ".".join(path.relative_to(MODEL_DIR).with_suffix("").parts)


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """(qualified name, node) of every module-level function and method; nested functions are
    part of the function they are in."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", item


def _hook_value_names(function: ast.AST) -> set[str]:
    """Names a function binds to the hook values of rows: parameters annotated _HookValues and
    names assigned a _HookValues(...) (alone or in a tuple)."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.arg) and _is_name(node.annotation, HOOK_VALUES):
            names.add(node.arg)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=False)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                for name, value in pairs:
                    if isinstance(name, ast.Name) and _calls(value, HOOK_VALUES):
                        names.add(name.id)
    return names


def _is_name(node: ast.AST | None, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _calls(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and _is_name(node.func, name)


@functools.cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@functools.cache
def _users(folders: tuple[Path, ...], match: Match) -> dict[str, tuple[str, ...]]:
    """For each name `match` finds in a function of the folders' modules, the functions
    (`world.events.register`), in module order."""
    found: dict[str, list[str]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            if path.name in NOT_USERS:
                continue
            module = _code_name(path)
            for qualname, function in _functions(_parsed(path)):
                bound, user = _hook_value_names(function), f"{module}.{qualname}"
                for node in ast.walk(function):
                    name = match(node, bound)
                    if name is not None and user not in found.setdefault(name, []):
                        found[name].append(user)
    return {name: tuple(users) for name, users in found.items()}


def _attribute(node: ast.AST, _bound: set[str]) -> str | None:
    """`anything.NAME`, `….by_run("NAME")`, `….value("NAME", …)` -> NAME."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
        argument = node.args[0]
        if node.func.attr in RATE_STACK_READS and isinstance(argument, ast.Constant):
            return str(argument.value)
    return None


def _policy_state_field(node: ast.AST, bound: set[str]) -> str | None:
    """`state.FIELD`, `….policy_state.FIELD`, `hooks("FIELD")`, `_HookValues(…)("FIELD")` -> FIELD."""
    if isinstance(node, ast.Attribute):
        owner = node.value
        if _is_name(owner, "state") or (
            isinstance(owner, ast.Attribute) and owner.attr == "policy_state"
        ):
            return node.attr
    if isinstance(node, ast.Call) and len(node.args) == 1:
        function, (argument,) = node.func, node.args
        asks = (isinstance(function, ast.Name) and function.id in bound) or _calls(
            function, HOOK_VALUES
        )
        if asks and isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return None


def _global_hook(node: ast.AST, _bound: set[str]) -> str | None:
    """`….hook == "HOOK"` -> HOOK."""
    if isinstance(node, ast.Compare) and len(node.comparators) == 1:
        left, (right,) = node.left, node.comparators
        on_hook = isinstance(left, ast.Attribute) and left.attr == "hook"
        if on_hook and isinstance(right, ast.Constant) and isinstance(right.value, str):
            return right.value
    return None


@functools.cache
def base_rate_users() -> dict[str, tuple[str, ...]]:
    """The functions reading each base rate (by attribute name) in model/world and model/policy."""
    users = _users((WORLD, POLICY), _attribute)
    return {name: users.get(name, ()) for name in NAMES}


@functools.cache
def hook_users() -> dict[str, tuple[str, ...]]:
    """The functions through which each PolicyState field (and each global hook) acts."""
    return _users((WORLD,), _policy_state_field) | _users((POLICY,), _global_hook)


def effect_users(hook: str, target: Target) -> tuple[str, ...]:
    """The functions an effect on `hook` acts through (a failure effect limited by age: its
    young-firm window)."""
    key = hook if HOOKS[hook].scope == "global" else state_field(hook, target)
    return hook_users().get(key, ())


# --- the register ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One row of the register."""

    name: str  # the base rate, or lever id and what of it
    value: float
    low: float
    high: float
    unit: str
    source: str
    used_by: tuple[str, ...]
    detail: str = ""  # base rates: how the run gets its value; levers: articles, hook, target
    lever: str = ""  # the lever of an effect, take-up or cost
    hook: str = ""  # the hook of an effect

    @property
    def range_text(self) -> str:
        """'low–high', or '—' for a value without uncertainty."""
        if self.low == self.high:
            return "—"
        return f"{format_value(self.low)}–{format_value(self.high)}"

    @property
    def basis(self) -> str:
        """What the source is: `assumption` (with its reasoning), `derived` (arithmetic on
        cited figures) or `cited`."""
        for basis in ("assumption", "derived"):
            if self.source.startswith(basis):
                return basis
        return "cited"


def _calibration(name: str, calibrated: dict[str, float]) -> str:
    """How a run gets the value of a base rate (model/world/priors.py, calibrated.csv)."""
    point = (
        f"; runs without uncertainty: {format_value(calibrated[name])}"
        if name in calibrated
        else ""
    )
    if name in FITTED_TO_MOMENTS:
        return f"posterior draw (flat prior on the range, fitted to the moments){point}"
    if name in TRENDS:
        peak = format_value(priors()[name].mode or 0.0)
        return f"posterior draw (triangular prior peaked at the history's fit {peak}){point}"
    if name in POLICY_AND_STOCK:
        return (
            "drawn per run from its triangular prior, with the shipped posterior or without one "
            "(the pre-2021 moments do not inform it; a nowcast's posterior fits it)"
        )
    return "fixed at the value"


def base_rate_entries(path: Path = BASE_RATES_FILE) -> list[Entry]:
    """Every row of base_rates.csv, in file order."""
    users, calibrated = base_rate_users(), calibrated_values()
    entries = []
    for row in csv_rows(path):
        name = row["parameter"]
        if name not in users:
            raise InputError(f"{path}: parameter: unknown base rate {name!r}")
        try:
            value, low, high = (float(row[key]) for key in ("value", "low", "high"))
        except (TypeError, ValueError):
            raise InputError(f"{path}: {name}: value, low, high: expected numbers") from None
        entries.append(
            Entry(
                name,
                value,
                low,
                high,
                row["unit"],
                row["source"],
                users[name],
                _calibration(name, calibrated),
            )
        )
    return entries


def _target(target: Target) -> str:
    parts = [", ".join(names) for names in (target.kinds, target.sectors, target.cities) if names]
    if target.max_age_months:
        parts.append(f"age < {target.max_age_months} months")
    return "; ".join(parts) or "all"


def effect_entries(catalogue: Catalogue) -> list[Entry]:
    """Every effect of every lever, in catalogue order; `name` is lever id and effect index."""
    entries = []
    for lever in catalogue.levers.values():
        for index, effect in enumerate(lever.effects):
            hook = HOOKS[effect.hook]
            notes = [f"share {effect.share:g}"] if effect.share != 1 else []
            if effect.fade:
                fade = effect.fade
                notes.append(
                    f"fades: half-life {fade.half_life_months} months, floor {fade.floor:g}"
                )
            detail = (
                f"art. {','.join(map(str, lever.articles))}; `{effect.hook}` ({hook.scope}) on "
                f"{_target(effect.target)}" + "".join(f"; {note}" for note in notes)
            )
            value = effect.value
            entries.append(
                Entry(
                    f"{lever.id}[{index}]",
                    value.value,
                    value.low,
                    value.high,
                    hook.meaning,
                    effect.source,
                    effect_users(effect.hook, effect.target),
                    detail,
                    lever.id,
                    effect.hook,
                )
            )
    return entries


def take_up_entries(catalogue: Catalogue) -> list[Entry]:
    """The take-up of every lever that has one."""
    users = _users((POLICY,), _attribute).get("take_up", ())
    return [
        Entry(
            lever.id, t.value, t.low, t.high, "share of the target", t.source, users, lever=lever.id
        )
        for lever in catalogue.levers.values()
        if (t := lever.take_up) is not None
    ]


def cost_entries(catalogue: Catalogue) -> list[Entry]:
    """Every cost of every lever; `detail` is its basis, event and target."""
    users = _users((WORLD,), _attribute).get("yuan_per_unit", ())
    entries = []
    for lever in catalogue.levers.values():
        for index, cost in enumerate(lever.costs):
            basis = cost.basis + (f" ({cost.event})" if cost.event else "")
            yuan = cost.yuan
            detail = f"{basis} on {_target(cost.target)}"
            entries.append(
                Entry(
                    f"{lever.id}[{index}]",
                    yuan.value,
                    yuan.low,
                    yuan.high,
                    "yuan",
                    cost.source,
                    users,
                    detail,
                    lever.id,
                )
            )
    return entries


# --- the document ------------------------------------------------------------------------------


def format_value(x: float) -> str:
    """Whole numbers with thousands separators, others to 4 significant digits."""
    return f"{x:,.0f}" if float(x).is_integer() and abs(x) < 1e15 else f"{x:.4g}"


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _used_by(entry: Entry) -> str:
    return ", ".join(f"`{user}`" for user in entry.used_by) or "**none**"


def _assumption_count(entries: list[Entry]) -> str:
    assumed = sum(entry.basis == "assumption" for entry in entries)
    return f"{len(entries)} rows, {assumed} of them sourced `assumption:`"


def register_markdown(
    catalogue: Catalogue | None = None, base_rates: Path = BASE_RATES_FILE
) -> str:
    """The register as a Markdown document (docs/parameters.md)."""
    catalogue = catalogue or load_catalogue()
    sections = [
        "# Parameter register (参数表)",
        "Generated from the files the model reads by `uv run python run.py register --out "
        "docs/parameters.md`; do not edit by hand (`tests/test_odd.py` fails when this file and "
        "the data disagree). The model is described in [ODD.md](ODD.md). *Used by*: the functions "
        "(`world.events.register` = `model/world/events.py`, `register`) that read the number, "
        "found by a static scan of the code (`model/policy/register.py`). A range of — is a value "
        "without uncertainty.",
        *_base_rates_section(base_rate_entries(base_rates), base_rates),
        *_effects_section(effect_entries(catalogue)),
        *_take_up_section(take_up_entries(catalogue)),
        *_costs_section(cost_entries(catalogue)),
    ]
    return "\n\n".join(sections) + "\n"


LEVER_FILES = "model/policy/levers/*.yaml"


def _base_rates_section(rates: list[Entry], base_rates: Path) -> list[str]:
    return [
        f"## Base rates (`{relative_path(base_rates)}`)",
        "*Value* is the file's (the literature's, the centre of the prior); *in a run* says how "
        "a run gets it: from the posterior it draws (`model/world/data/posterior/`, the default), "
        "or fixed at the value. `calibrated.csv` gives the posterior's medians, the values of runs "
        f"without uncertainty. {_assumption_count(rates)}.",
        _table(
            ("parameter", "value", "range", "unit", "in a run", "source", "used by"),
            [
                (
                    f"`{e.name}`",
                    format_value(e.value),
                    e.range_text,
                    e.unit,
                    e.detail,
                    e.source,
                    _used_by(e),
                )
                for e in rates
            ],
        ),
    ]


def _effects_section(effects: list[Entry]) -> list[str]:
    return [
        f"## Lever effects (`{LEVER_FILES}`)",
        "One row per effect, `lever[index]` in the lever's `effects`. A run draws each value "
        "triangular on (low, value, high) from the lever's own stream; the effect in force is "
        "scaled by the lever's strength (intensity × ramp), delivery (fidelity), knob values, "
        "take-up (`user` hooks) and the run's responsiveness to policy "
        f"(`policy.monthly_rates.states_at`). {_assumption_count(effects)}.",
        _table(
            ("effect", "acts on", "value", "range", "meaning", "source", "used by"),
            [
                (
                    f"`{e.name}`",
                    e.detail,
                    format_value(e.value),
                    e.range_text,
                    e.unit,
                    e.source,
                    _used_by(e),
                )
                for e in effects
            ],
        ),
    ]


def _take_up_section(take_ups: list[Entry]) -> list[str]:
    return [
        f"## Take-up (`{LEVER_FILES}`)",
        "The share of a lever's target that uses it (dilutes `user` hooks and costs per entity or "
        f"event). {_assumption_count(take_ups)}.",
        _table(
            ("lever", "value", "range", "unit", "source", "used by"),
            [
                (f"`{e.name}`", format_value(e.value), e.range_text, e.unit, e.source, _used_by(e))
                for e in take_ups
            ],
        ),
    ]


def _costs_section(costs: list[Entry]) -> list[str]:
    return [
        f"## Fiscal costs (`{LEVER_FILES}`)",
        f"Yuan per unit of the basis, at the lever's strength and take-up. {_assumption_count(costs)}.",
        _table(
            ("cost", "basis and target", "yuan", "range", "source", "used by"),
            [
                (
                    f"`{e.name}`",
                    e.detail,
                    format_value(e.value),
                    e.range_text,
                    e.source,
                    _used_by(e),
                )
                for e in costs
            ],
        ),
    ]


def write_register(out: Path) -> None:
    """Write the register to `out` (a temporary file beside it, then a rename: never half a file)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise InputError(f"--out: {out.parent} is not a folder")
    if out.is_dir():
        raise InputError(f"--out: {out} is a folder, expected a file name")
    text = register_markdown()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as error:
        raise InputError(f"--out: cannot write in {out.parent}: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
