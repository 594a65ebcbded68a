"""The lever catalogue (政策杠杆目录): load, check and format `model/policy/levers/*.yaml`.

The data format is SCHEMA.md beside this file. Loading checks a closed schema, and the catalogue
against the document it encodes: every article covered, departments (责任单位) equal to the union
of the articles' departments, excerpts in the articles' own words. Any problem is an InputError
naming the file, the line and the key. YAML is read by `model/policy/yamlfile.py`.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any

from model.defaults import PROJECT_ROOT
from model.errors import InputError
from model.policy.yamlfile import KeyPath, Schedule, YamlFile
from model.world.geography import places
from model.world.kinds import ENTERPRISE_KINDS, KIND_NAMES

CATALOGUE_DIR = Path(__file__).resolve().parent / "levers"
POLICY_DIR = Path(__file__).resolve().parent / "document"
DOCUMENT_FILE = POLICY_DIR / "jinfa-2021-67.zh.txt"

N_ARTICLES = 48
MAX_RAMP_MONTHS = 120

# The nine families (政策类别), in the document's order; one YAML file each.
FAMILIES = (
    "market_access",
    "easier_opening",
    "platforms",
    "industry",
    "land_environment_energy",
    "fiscal_tax",
    "finance",
    "serving_firms",
    "implementation",
)

# Kinds a target can name (model/world/kinds.py), and the group names that expand to several kinds.
KINDS = KIND_NAMES
KIND_GROUPS = {"enterprise": tuple(KIND_NAMES[k] for k in ENTERPRISE_KINDS)}

COST_BASES = ("per_event", "per_entity_year", "per_year")
COST_EVENTS = ("registration", "opening", "conversion", "upgrade", "tier_crossing")
KNOB_SCALES = ("effects", "cost")


@dataclass(frozen=True)
class Hook:
    """A mechanism a lever acts through: its neutral value, allowed range and scope.

    scope: `cell` acts on the target cells as a whole; `user` is the effect on an entity that
    takes the lever up (diluted by the lever's take-up); `global` acts on the whole model and
    takes no target.
    """

    neutral: float
    minimum: float
    maximum: float
    scope: str
    meaning: str


# The hook table of SCHEMA.md: the only mechanisms a lever can act through.
HOOKS: dict[str, Hook] = {
    "entry": Hook(1.0, 0.0, 10.0, "cell", "multiplier on the registration rate"),
    "opening_speed": Hook(1.0, 0.0, 10.0, "user", "multiplier on the monthly opening hazard"),
    "failure_hazard": Hook(1.0, 0.0, 10.0, "user", "multiplier on the hazard of stopping"),
    "dormant_exit": Hook(
        1.0, 0.0, 10.0, "user", "multiplier on deregistration of dormant entities"
    ),
    "conversion": Hook(1.0, 0.0, 10.0, "user", "multiplier on the 个转企 rate"),
    "growth": Hook(0.0, -1.0, 1.0, "user", "added to annual revenue growth (0.02 = +2 pp/yr)"),
    "upgrade": Hook(1.0, 0.0, 10.0, "user", "multiplier on growth of 10-20 M yuan firms (小升规)"),
    "induced_quality": Hook(
        1.0, 0.0, 10.0, "user", "multiplier on early hazard of induced entrants"
    ),
    "reentry": Hook(1.0, 0.0, 10.0, "cell", "multiplier on re-registration of failed founders"),
    "shell_registrations": Hook(
        0.0, 0.0, 1.0, "cell", "never-operating registrations, share of base"
    ),
    "chain_referrals": Hook(0.0, 0.0, 1000.0, "cell", "suppliers per chain leader (链主) per year"),
    "fidelity": Hook(1.0, 0.0, 1.0, "global", "share of every lever's nominal effect delivered"),
    "take_up": Hook(1.0, 0.0, 10.0, "global", "multiplier on the take-up of every lever"),
}

# Hooks whose effect can be limited to entities younger than max_age_months (model/policy/monthly_rates.py).
AGE_LIMITED_HOOKS = ("failure_hazard",)


@dataclass(frozen=True)
class Distribution:
    """An uncertain number: central value, range for draws, and where it comes from."""

    central: float
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class Target:
    """Cells a lever acts on; empty tuples mean all. `enterprise` is already expanded into kinds."""

    kinds: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    max_age_months: int | None = None


@dataclass(frozen=True)
class Effect:
    hook: str
    target: Target
    value: Distribution


@dataclass(frozen=True)
class Knob:
    """One of the document's own numbers, as a parameter. `quote` is the document's words for it."""

    id: str
    unit: str
    document_value: float
    schedule: Schedule
    min: float
    max: float
    scales: tuple[str, ...]
    quote: str
    note: str = ""

    def factor(self, value: float) -> float:
        """Scale of the effect deviation and/or cost at this value (1 at the document's value)."""
        return value / self.document_value

    def default(self) -> float | Schedule:
        """What a scenario gets when it does not set the knob: the schedule, else the value."""
        return self.schedule or self.document_value


@dataclass(frozen=True)
class Cost:
    basis: str
    event: str | None
    target: Target
    yuan: Distribution


@dataclass(frozen=True)
class Lever:
    id: str
    family: str
    articles: tuple[int, ...]
    departments: tuple[str, ...]
    title_zh: str
    title_en: str
    text_zh: str
    start: str
    ramp_months: int
    knobs: tuple[Knob, ...]
    take_up: Distribution | None
    effects: tuple[Effect, ...]
    costs: tuple[Cost, ...]
    source_file: Path

    def knob(self, knob_id: str) -> Knob:
        return next(k for k in self.knobs if k.id == knob_id)


@dataclass(frozen=True)
class Family:
    id: str
    title_zh: str
    title_en: str
    levers: tuple[Lever, ...]


@dataclass(frozen=True)
class Catalogue:
    families: tuple[Family, ...]
    levers: dict[str, Lever]
    departments: dict[str, tuple[str, str]]

    def family(self, family_id: str) -> Family:
        """The family with this id; InputError listing the valid ids otherwise."""
        for family in self.families:
            if family.id == family_id:
                return family
        raise InputError(
            f"--family: unknown family {family_id!r}; expected one of: {', '.join(FAMILIES)}"
        )


def value_at(schedule: Schedule, month: str) -> float:
    """The value of a schedule in `month` ('YYYY-MM'); before its first step, the first value."""
    current = schedule[0][1]
    for step_month, value in schedule:
        if step_month <= month:
            current = value
    return current


def schedule_to_list(schedule: Schedule) -> list[dict[str, Any]]:
    """A schedule as in the YAML files: [{from: 'YYYY-MM', value: x}, ...]."""
    return [{"from": month, "value": value} for month, value in schedule]


# ---------------------------------------------------------------------------------------------
# Reference data the catalogue is checked against


@dataclass(frozen=True)
class _References:
    sectors: tuple[str, ...]
    cities: tuple[str, ...]
    departments: dict[str, tuple[str, str]]
    article_departments: dict[int, tuple[str, ...]]
    article_texts: dict[int, str]


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# The document's scan mixes full-width and ASCII punctuation; excerpts match either.
_PUNCTUATION = str.maketrans("，：；（）！？", ",:;()!?")


def normalise(text: str) -> str:
    """Text without whitespace and with ASCII punctuation, so excerpts match across line breaks."""
    return re.sub(r"\s+", "", text).translate(_PUNCTUATION)


def article_texts(document: str) -> dict[int, str]:
    """The document's 48 articles (条), normalised: article number -> text."""
    articles: dict[int, list[str]] = {}
    current = 0
    for line in document.splitlines():
        match = re.match(r"^(\d{1,2})\.\s", line)
        if match and int(match.group(1)) == current + 1:
            current += 1
            articles[current] = []
        if current:
            articles[current].append(line)
    texts = {n: normalise("".join(lines)) for n, lines in articles.items()}
    if sorted(texts) != list(range(1, N_ARTICLES + 1)):
        raise InputError(f"{DOCUMENT_FILE}: expected articles 1-{N_ARTICLES}, found {len(texts)}")
    return texts


def excerpt_fragments(text_zh: str) -> list[str]:
    """The pieces of an excerpt between elisions (……), normalised."""
    return [f for f in (normalise(p) for p in re.split(r"…+", text_zh)) if f]


@functools.cache
def _references() -> _References:
    article_departments = {
        int(row["article"]): tuple(row["departments"].split())
        for row in _csv_rows(POLICY_DIR / "article_departments.csv")
    }
    return _References(
        sectors=places().sectors,
        cities=places().cities,
        departments={
            row["id"]: (row["name_zh"], row["name_en"])
            for row in _csv_rows(POLICY_DIR / "departments.csv")
        },
        article_departments=article_departments,
        article_texts=article_texts(DOCUMENT_FILE.read_text(encoding="utf-8")),
    )


def departments_of(articles: Iterable[int]) -> tuple[str, ...]:
    """The union of the departments (责任单位) the document names for these articles, in order."""
    table = _references().article_departments
    union: dict[str, None] = {}
    for article in articles:
        union.update(dict.fromkeys(table.get(article, ())))
    return tuple(union)


# ---------------------------------------------------------------------------------------------
# Reading one family file

_FAMILY_KEYS = ("family", "title_zh", "title_en", "levers")
_LEVER_REQUIRED = (
    "id",
    "articles",
    "departments",
    "title_zh",
    "title_en",
    "text_zh",
    "start",
    "ramp_months",
    "effects",
)
_LEVER_OPTIONAL = ("knobs", "take_up", "costs")
_DISTRIBUTION_KEYS = ("central", "low", "high")


class _FamilyReader:
    """Reads and checks one family file; problems accumulate in `file.problems`."""

    def __init__(self, file: YamlFile, refs: _References):
        self.file = file
        self.refs = refs

    def family(self) -> Family | None:
        data = self.file.mapping((), self.file.data, required=_FAMILY_KEYS)
        if data is None:
            return None
        family_id = self.file.choice(("family",), data.get("family"), FAMILIES, "family")
        if family_id is not None and family_id != self.file.path.stem:
            self.file.fail(("family",), f"{family_id!r} must equal the file name stem")
        items = self.file.sequence(("levers",), data.get("levers"), nonempty=True) or []
        levers = [self.lever(("levers", i), item, family_id) for i, item in enumerate(items)]
        title_zh = self.file.text(("title_zh",), data.get("title_zh"))
        title_en = self.file.text(("title_en",), data.get("title_en"))
        if self.file.problems:
            return None
        return Family(family_id, title_zh, title_en, tuple(levers))

    def lever(self, path: KeyPath, item: Any, family_id: str | None) -> Lever | None:
        file = self.file
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            file.label(path, item["id"])  # problems below name the lever, not its index
        data = file.mapping(path, item, required=_LEVER_REQUIRED, optional=_LEVER_OPTIONAL)
        if data is None:
            return None
        lever_id = file.identifier((*path, "id"), data.get("id"))
        articles = self.articles((*path, "articles"), data.get("articles"))
        text_zh = file.text((*path, "text_zh"), data.get("text_zh"))
        self.check_departments((*path, "departments"), data.get("departments"), articles)
        self.check_excerpt((*path, "text_zh"), text_zh, articles)
        knobs = [
            self.knob((*path, "knobs", i), knob, text_zh)
            for i, knob in enumerate(file.sequence((*path, "knobs"), data.get("knobs", [])) or [])
        ]
        self.check_unique((*path, "knobs"), [k.id for k in knobs if k is not None], "knob id")
        take_up = data.get("take_up")
        effects = file.sequence((*path, "effects"), data.get("effects"), nonempty=True) or []
        costs = file.sequence((*path, "costs"), data.get("costs", [])) or []
        return Lever(
            id=lever_id,
            family=family_id,
            articles=articles,
            departments=tuple(data.get("departments") or ()),
            title_zh=file.text((*path, "title_zh"), data.get("title_zh")),
            title_en=file.text((*path, "title_en"), data.get("title_en")),
            text_zh=text_zh,
            start=file.month((*path, "start"), data.get("start")),
            ramp_months=file.integer(
                (*path, "ramp_months"), data.get("ramp_months"), 0, MAX_RAMP_MONTHS
            ),
            knobs=tuple(knobs),
            take_up=None if take_up is None else self.take_up((*path, "take_up"), take_up),
            effects=tuple(self.effect((*path, "effects", i), e) for i, e in enumerate(effects)),
            costs=tuple(self.cost((*path, "costs", i), c) for i, c in enumerate(costs)),
            source_file=file.path,
        )

    def articles(self, path: KeyPath, value: Any) -> tuple[int, ...]:
        """Distinct article numbers 1-48."""
        items = self.file.sequence(path, value, nonempty=True) or []
        numbers = [self.file.integer((*path, i), a, 1, N_ARTICLES) for i, a in enumerate(items)]
        valid = tuple(n for n in numbers if n is not None)
        if len(set(valid)) != len(valid):
            self.file.fail(path, "duplicate article numbers")
        return valid

    def check_departments(self, path: KeyPath, value: Any, articles: tuple[int, ...]) -> None:
        """Departments must be known ids and equal the union of the articles' departments."""
        given = set(self.file.choices(path, value, self.refs.departments, "department"))
        expected = set(departments_of(articles))
        if articles and given != expected:
            missing = ", ".join(sorted(expected - given)) or "none"
            extra = ", ".join(sorted(given - expected)) or "none"
            self.file.fail(
                path,
                f"expected the departments article_departments.csv gives for articles "
                f"{list(articles)}; missing: {missing}; not named there: {extra}",
            )

    def check_excerpt(self, path: KeyPath, text_zh: str | None, articles: tuple[int, ...]) -> None:
        """Every fragment of the excerpt (between ……) must be the words of one of its articles."""
        if text_zh is None or not articles:
            return
        sources = [self.refs.article_texts[a] for a in articles]
        for fragment in excerpt_fragments(text_zh):
            if not any(fragment in source for source in sources):
                shown = fragment if len(fragment) <= 30 else fragment[:30] + "…"
                self.file.fail(
                    path,
                    f"'{shown}' is not in the text of articles {list(articles)} of the document",
                )

    def check_unique(self, path: KeyPath, ids: list[str], what: str) -> None:
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            self.file.fail(path, f"duplicate {what}: {', '.join(duplicates)}")

    def knob(self, path: KeyPath, value: Any, text_zh: str | None) -> Knob | None:
        file = self.file
        data = file.mapping(
            path,
            value,
            required=("id", "unit", "document_value", "min", "max", "scales", "quote"),
            optional=("schedule", "note"),
        )
        if data is None:
            return None
        low = file.number((*path, "min"), data.get("min"))
        high = file.number((*path, "max"), data.get("max"))
        if low is None or high is None:
            return None
        if low > high:
            file.fail((*path, "min"), f"min {low:g} > max {high:g}")
            return None
        document_value = file.number(
            (*path, "document_value"), data.get("document_value"), low, high
        )
        schedule = ()
        if "schedule" in data:
            schedule = file.schedule((*path, "schedule"), data["schedule"], low, high) or ()
            if schedule and schedule[-1][1] != document_value:
                file.fail((*path, "schedule"), "expected the last step to reach document_value")
        scales = file.choices((*path, "scales"), data.get("scales"), KNOB_SCALES, "scale")
        if scales and document_value == 0:
            file.fail((*path, "scales"), "a knob whose document value is 0 cannot scale anything")
        quote = file.text((*path, "quote"), data.get("quote"))
        if quote and text_zh and normalise(quote) not in normalise(text_zh):
            file.fail((*path, "quote"), f"'{quote}' is not in the lever's text_zh")
        return Knob(
            id=file.identifier((*path, "id"), data.get("id")),
            unit=file.text((*path, "unit"), data.get("unit")),
            document_value=document_value,
            schedule=schedule,
            min=low,
            max=high,
            scales=scales,
            quote=quote,
            note=file.text((*path, "note"), data["note"]) if "note" in data else "",
        )

    def take_up(self, path: KeyPath, value: Any) -> Distribution | None:
        """A take-up share: {central, low, high, source} within [0, 1]."""
        data = self.file.mapping(path, value, required=(*_DISTRIBUTION_KEYS, "source"))
        if data is None:
            return None
        numbers = {k: data.get(k) for k in _DISTRIBUTION_KEYS}
        return self.distribution(path, numbers, 0.0, 1.0, (*path, "source"), data.get("source"))

    def distribution(
        self, path: KeyPath, value: Any, low: float, high: float, source_path: KeyPath, source: Any
    ) -> Distribution | None:
        """{central, low, high} within [low, high] with low <= central <= high, and its source."""
        data = self.file.mapping(path, value, required=_DISTRIBUTION_KEYS)
        checked_source = self.source(source_path, source)
        if data is None:
            return None
        numbers = [self.file.number((*path, k), data.get(k), low, high) for k in _DISTRIBUTION_KEYS]
        if None in numbers or checked_source is None:
            return None
        central, lowest, highest = numbers
        if not lowest <= central <= highest:
            self.file.fail(
                path, f"expected low <= central <= high, got {lowest:g}, {central:g}, {highest:g}"
            )
            return None
        return Distribution(central, lowest, highest, checked_source)

    def source(self, path: KeyPath, value: Any) -> str | None:
        """A citation, or 'assumption: <reasoning>' (a missing source is reported as missing)."""
        if value is None:
            return None
        text = self.file.text(path, value)
        if text is not None and re.fullmatch(r"assumption:?\s*", text):
            self.file.fail(path, "an assumption must give its reasoning after 'assumption:'")
            return None
        return text

    def target(self, path: KeyPath, value: Any) -> Target:
        data = self.file.mapping(
            path, value or {}, optional=("kinds", "sectors", "cities", "max_age_months")
        )
        if not data:
            return Target()
        kinds = self.file.choices(
            (*path, "kinds"), data.get("kinds", []), (*KINDS, *KIND_GROUPS), "kind"
        )
        expanded = dict.fromkeys(k for kind in kinds for k in KIND_GROUPS.get(kind, (kind,)))
        max_age = data.get("max_age_months")
        return Target(
            kinds=tuple(expanded),
            sectors=self.file.choices(
                (*path, "sectors"), data.get("sectors", []), self.refs.sectors, "sector"
            ),
            cities=self.file.choices(
                (*path, "cities"), data.get("cities", []), self.refs.cities, "city"
            ),
            max_age_months=None
            if max_age is None
            else self.file.integer((*path, "max_age_months"), max_age, 1, 600),
        )

    def effect(self, path: KeyPath, value: Any) -> Effect | None:
        data = self.file.mapping(
            path, value, required=("hook", "value", "source"), optional=("target",)
        )
        if data is None:
            return None
        hook_id = self.file.choice((*path, "hook"), data.get("hook"), HOOKS, "hook")
        if hook_id is None:
            return None
        hook = HOOKS[hook_id]
        if hook.scope == "global" and data.get("target"):
            self.file.fail((*path, "target"), f"hook {hook_id} acts on the whole model: no target")
        distribution = self.distribution(
            (*path, "value"),
            data.get("value"),
            hook.minimum,
            hook.maximum,
            (*path, "source"),
            data.get("source"),
        )
        target = self.target((*path, "target"), data.get("target"))
        if target.max_age_months is not None and hook_id not in AGE_LIMITED_HOOKS:
            self.file.fail(
                (*path, "target", "max_age_months"),
                f"only {', '.join(AGE_LIMITED_HOOKS)} can be limited to young entities",
            )
        return Effect(hook_id, target, distribution)

    def cost(self, path: KeyPath, value: Any) -> Cost | None:
        data = self.file.mapping(
            path, value, required=("basis", "yuan", "source"), optional=("event", "target")
        )
        if data is None:
            return None
        basis = self.file.choice((*path, "basis"), data.get("basis"), COST_BASES, "cost basis")
        event = None
        if basis == "per_event":
            event = self.file.choice((*path, "event"), data.get("event"), COST_EVENTS, "event")
        elif "event" in data:
            self.file.fail((*path, "event"), "only a per_event cost names an event")
        if basis == "per_year" and data.get("target"):
            self.file.fail((*path, "target"), "a per_year cost is a lump sum: no target")
        yuan = self.distribution(
            (*path, "yuan"), data.get("yuan"), 0.0, math.inf, (*path, "source"), data.get("source")
        )
        return Cost(basis, event, self.target((*path, "target"), data.get("target")), yuan)


# ---------------------------------------------------------------------------------------------
# The whole catalogue


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """The lever catalogue from `directory` (default: model/policy/catalogue), fully checked."""
    if directory is None:
        return _default_catalogue()
    return _load(Path(directory))


@functools.cache
def _default_catalogue() -> Catalogue:
    return _load(CATALOGUE_DIR)


def _load(directory: Path) -> Catalogue:
    refs = _references()
    problems: list[str] = []
    files = {path.stem: path for path in sorted(directory.glob("*.yaml"))}
    for stem in sorted(files.keys() - set(FAMILIES)):
        problems.append(f"{files[stem]}: family: unknown family file; expected one of {FAMILIES}")
    families = []
    for family_id in FAMILIES:
        if family_id not in files:
            problems.append(f"{directory / (family_id + '.yaml')}: file not found")
            continue
        file = YamlFile(files[family_id])
        family = _FamilyReader(file, refs).family() if not file.problems else None
        problems += file.problems
        if family is not None:
            families.append(family)
    if not problems:
        problems += _whole_catalogue_problems(directory, families)
    if problems:
        raise InputError("\n".join(problems))
    levers = {lever.id: lever for family in families for lever in family.levers}
    return Catalogue(tuple(families), levers, dict(refs.departments))


def _whole_catalogue_problems(directory: Path, families: list[Family]) -> list[str]:
    """Lever ids unique across files; every article 1-48 covered by at least one lever."""
    problems = []
    seen: dict[str, Path] = {}
    for family in families:
        for index, lever in enumerate(family.levers):
            if lever.id in seen:
                file = YamlFile(lever.source_file)
                file.fail(
                    ("levers", index, "id"),
                    f"duplicate lever id {lever.id!r} (also in {seen[lever.id]})",
                )
                problems += file.problems
            seen.setdefault(lever.id, lever.source_file)
    covered = {a for family in families for lever in family.levers for a in lever.articles}
    uncovered = sorted(set(range(1, N_ARTICLES + 1)) - covered)
    if uncovered:
        problems.append(f"{directory}: articles: no lever covers articles {uncovered}")
    return problems


# ---------------------------------------------------------------------------------------------
# Formatting for `run.py levers`


def lever_to_dict(lever: Lever) -> dict[str, Any]:
    """Every field of a lever, JSON-serialisable (schedules as [{from, value}])."""
    return _plain(lever)


def _plain(value: Any) -> Any:
    if isinstance(value, Knob):
        plain = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        plain["schedule"] = schedule_to_list(value.schedule)
        return plain
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Path):
        return relative_path(value)
    return value


def relative_path(path: Path) -> str:
    """The path relative to the project root when it is inside it (for manifests and listings)."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def article_ranges(articles: Iterable[int]) -> str:
    """[26, 27, 28, 31] -> '26-28,31'."""
    numbers = sorted(articles)
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def format_catalogue(catalogue: Catalogue, family: str | None = None, fmt: str = "table") -> str:
    """The catalogue (or one family of it) as an aligned table or as JSON."""
    families = catalogue.families if family is None else (catalogue.family(family),)
    levers = [lever for f in families for lever in f.levers]
    if fmt == "json":
        return json.dumps([lever_to_dict(lever) for lever in levers], ensure_ascii=False, indent=2)
    if fmt != "table":
        raise InputError(f"--format: unknown format {fmt!r}; expected table or json")
    header = ("id", "family", "articles", "title_en", "departments")
    rows = [
        (
            lever.id,
            lever.family,
            article_ranges(lever.articles),
            lever.title_en,
            ",".join(lever.departments),
        )
        for lever in levers
    ]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [_table_line(row, widths) for row in [header, tuple("-" * w for w in widths), *rows]]
    lines.append(f"\n{_count(len(levers), 'lever')} in {_count(len(families), 'family')}")
    return "\n".join(lines)


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n} {word if n == 1 else plural}"


def _width(text: str) -> int:
    """Columns the text takes on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table_line(cells: Iterable[str], widths: list[int]) -> str:
    padded = (c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True))
    return "  ".join(padded).rstrip()
