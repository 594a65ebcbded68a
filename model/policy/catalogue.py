"""The lever catalogue (政策杠杆目录): the declared schema of `model/policy/levers/*.yaml`, loading
and formatting.

The data format is SCHEMA.md beside this file (its field tables are generated from the models
here). Loading checks the closed schema, and the catalogue against the document it encodes: every
article covered, departments (责任单位) equal to the union of the articles' departments, excerpts in
the articles' own words (model/policy/document.py). Every problem of every file is reported at
once, each naming the file, the line and the key, in one InputError.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from model.defaults import DEADLINE, PROJECT_ROOT
from model.errors import InputError
from model.policy.document import (
    N_ARTICLES,
    departments_of,
    excerpt_problems,
    normalise,
    references,
)
from model.policy.fields import (
    Between,
    Frozen,
    Identifier,
    Month,
    Number,
    Problem,
    Text,
    WholeNumber,
    custom,
    fail,
    known,
    outside,
    repeated,
    under,
    unique,
)
from model.policy.schedule import Schedule, Steps, as_schedule, out_of_range
from model.policy.yamlfile import YamlFile
from model.texttable import text_table
from model.world.estimate import Estimate
from model.world.kinds import ENTERPRISE_KINDS, KIND_NAMES

CATALOGUE_DIR = Path(__file__).resolve().parent / "levers"
MAX_RAMP_MONTHS = 120
MAX_INTENSITY = 3.0  # a scenario's intensity: 0 = off, 1 = as the document says
# 晋发〔2021〕67号 is dated 2021-12-31: its measures act from 2022-01 at the earliest
DOCUMENT_EFFECTIVE = "2022-01"

# The nine families (政策类别), in the document's order; one YAML file each.
FamilyName = Literal[
    "market_access",
    "easier_opening",
    "platforms",
    "industry",
    "land_environment_energy",
    "fiscal_tax",
    "finance",
    "serving_firms",
    "implementation",
]
FAMILIES: tuple[str, ...] = get_args(FamilyName)

# Kinds a target can name (model/world/kinds.py), and the group names that expand to several kinds.
KINDS = KIND_NAMES
KIND_GROUPS = {"enterprise": tuple(KIND_NAMES[k] for k in ENTERPRISE_KINDS)}

CostBasis = Literal["per_event", "per_entity_year", "per_year"]
CostEvent = Literal["registration", "opening", "conversion", "upgrade", "tier_crossing"]
Scale = Literal["effects", "cost"]
HookName = Literal[
    "entry",
    "opening_speed",
    "failure_hazard",
    "dormant_exit",
    "conversion",
    "growth",
    "upgrade",
    "induced_quality",
    "reentry",
    "shell_registrations",
    "shell_cleanup",
    "chain_referrals",
    "fidelity",
    "take_up",
]


@dataclass(frozen=True)
class Hook:
    """A mechanism a lever acts through: its neutral value, allowed range and scope.

    scope: `cell` acts on the target cells as a whole; `user` is the effect on an entity that
    takes the lever up (diluted by the lever's take-up); `global` acts on the whole model and
    takes no target. kind: the one kind a hook concerns (its target may narrow sectors and
    cities); None: any kind the target names.
    """

    neutral: float
    minimum: float
    maximum: float
    scope: str
    meaning: str
    kind: str | None = None


# Bounds of the combined value of a hook in any cell, all levers together (the evidence of
# effect_priors.md §1 for a whole policy package; monthly_rates clips to them, and
# `run.py levers --combined` shows where a scenario reaches them):
COMBINED_BOUNDS = {
    # row 1a: procedural packages +2-5 %, range to x1.15; Klapper & Love (S1): small reforms
    # show no effect. The x1.25-1.33 of row 1b is a big-bang deregulation, which 67号 is not.
    "entry": (0.0, 1.15),
    # row 3: x0.85 for start-up subsidy recipients, the strongest sourced survival effect; a
    # whole cell of entities cannot survive better than the recipients of the best programme.
    "failure_hazard": (0.85, 10.0),
    # row 2a: +8 % over 3 years (+0.027 a year) for firms with a guarantee, the largest sourced
    # growth effect; a whole cell cannot grow faster than the treated firms of that programme.
    "growth": (-1.0, 0.027),
    # row 8: dormant-entity exit up to x2.5 at the top of its range.
    "dormant_exit": (0.0, 2.5),
}


# The hook table of SCHEMA.md: the only mechanisms a lever can act through (one per HookName).
HOOKS: dict[str, Hook] = {
    "entry": Hook(1.0, 0.0, 10.0, "cell", "multiplier on the registration rate"),
    "opening_speed": Hook(1.0, 0.0, 10.0, "user", "multiplier on the monthly opening hazard"),
    "failure_hazard": Hook(1.0, 0.0, 10.0, "user", "multiplier on the hazard of stopping"),
    "dormant_exit": Hook(
        1.0, 0.0, 10.0, "user", "multiplier on deregistration of dormant entities"
    ),
    "conversion": Hook(1.0, 0.0, 10.0, "user", "multiplier on the 个转企 rate", "individual"),
    "growth": Hook(0.0, -1.0, 1.0, "user", "added to annual revenue growth (0.02 = +2 pp/yr)"),
    "upgrade": Hook(
        1.0, 0.0, 10.0, "user", "multiplier on growth of 10-20 M yuan firms (小升规)", "medium"
    ),
    "induced_quality": Hook(
        1.0, 0.0, 10.0, "user", "multiplier on early hazard of induced entrants"
    ),
    "reentry": Hook(1.0, 0.0, 10.0, "user", "multiplier on re-registration of failed founders"),
    "shell_registrations": Hook(
        0.0,
        0.0,
        1.0,
        "cell",
        "share of a city's gap to its doubling path padded with shells a month",
    ),
    "shell_cleanup": Hook(
        1.0, 1.0, 100.0, "cell", "multiplier on the exit (吊销) of entities that never operated"
    ),
    "chain_referrals": Hook(
        0.0, 0.0, 1000.0, "cell", "suppliers per chain leader (链主) per year", "chain_leader"
    ),
    "fidelity": Hook(1.0, 0.0, 1.0, "global", "share of every lever's nominal effect delivered"),
    "take_up": Hook(1.0, 0.0, 10.0, "global", "multiplier on the take-up of every lever"),
}

# Hooks whose effect can be limited to entities younger than max_age_months (model/policy/monthly_rates.py).
AGE_LIMITED_HOOKS = ("failure_hazard",)


def _reasoned(source: str) -> str:
    if re.fullmatch(r"assumption:?\s*", source):
        raise custom("an assumption must give its reasoning after 'assumption:'")
    return source


_SOURCE = "a citation, or `derived:` and the arithmetic, or `assumption:` and the reasoning"
EVIDENCE_ROW = re.compile(r"^(?:derived: )?effect_priors\.md §1 row (\d+[a-z]?)")
Source = Annotated[Text, AfterValidator(_reasoned)]


def _chinese(text: str) -> str:
    if not re.search(r"[\u4e00-\u9fff]", text):
        raise custom("expected Chinese text (中文)")
    return text


ChineseText = Annotated[Text, AfterValidator(_chinese)]
Article = Annotated[WholeNumber, Between(1, N_ARTICLES)]
Department = Annotated[str, known("department", lambda: references().departments)]
Kind = Annotated[str, known("kind", (*KINDS, *KIND_GROUPS))]
Sector = Annotated[str, known("sector", lambda: references().sectors)]
City = Annotated[str, known("city", lambda: references().cities)]


def _expand_groups(kinds: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for kind in kinds for k in KIND_GROUPS.get(kind, (kind,))))


class Spread(Frozen):
    """An uncertain number as the files give it: central value and the range draws come from."""

    central: Number = Field(description="the value a run without uncertainty uses")
    low: Number = Field(description="lowest value drawn")
    high: Number = Field(description="highest value drawn (triangular on low, central, high)")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.central <= self.high:
            got = f"{self.low:g}, {self.central:g}, {self.high:g}"
            raise custom(f"expected low <= central <= high, got {got}")
        return self

    def estimate(self, source: str) -> Estimate:
        return Estimate(self.central, self.low, self.high, source)

    def outside(self, low: float, high: float) -> list[Problem]:
        """Problems of the three numbers outside [low, high], each at its key."""
        numbers = {"central": self.central, "low": self.low, "high": self.high}
        return [((k,), m, v) for k, v in numbers.items() if (m := outside(v, low, high))]


class TakeUp(Spread):
    """The share of the target that uses a lever, in [0, 1], with its source."""

    source: Source = Field(description=_SOURCE)

    @model_validator(mode="after")
    def _share(self) -> Self:
        fail(self.outside(0.0, 1.0))
        return self


class Target(Frozen):
    """Cells a lever acts on; empty lists mean all. `enterprise` is expanded into its kinds."""

    kinds: Annotated[tuple[Kind, ...], AfterValidator(unique), AfterValidator(_expand_groups)] = (
        Field(
            default=(),
            description="individual, micro, small, medium, above_scale, chain_leader, "
            "cooperative; enterprise = micro+small+medium+above_scale",
        )
    )
    sectors: Annotated[tuple[Sector, ...], AfterValidator(unique)] = Field(
        default=(), description="ids of model/world/data/sectors.csv"
    )
    cities: Annotated[tuple[City, ...], AfterValidator(unique)] = Field(
        default=(), description="ids of model/world/data/cities.csv"
    )
    max_age_months: Annotated[WholeNumber, Between(1, 600)] | None = Field(
        default=None,
        description="only on failure_hazard: the effect holds while the entity is younger",
    )


class _Sourced(Frozen):
    """Base of effects and costs: a `spread` whose `source` is beside it in the file."""

    if TYPE_CHECKING:
        spread: Spread
        source: str

    def estimate(self) -> Estimate:
        return self.spread.estimate(self.source)

    @field_serializer("spread", check_fields=False)
    def _with_source(self, spread: Spread) -> dict[str, Any]:
        return {**spread.model_dump(), "source": self.source}


class Fade(Frozen):
    """A front-loaded effect: after the lever's ramp, its strength falls to `floor` + (1 - `floor`) x
    0.5 ** (months since full effect / `half_life_months`), in quarterly steps."""

    half_life_months: Annotated[WholeNumber, Between(1, 240)] = Field(
        description="months for the part above the floor to halve"
    )
    floor: Annotated[Number, Between(0, 1)] = Field(
        default=0.0, description="share of the effect that lasts"
    )
    source: Source = Field(description=_SOURCE)


class Effect(_Sourced):
    """What a lever does through one hook, on its target."""

    hook: Annotated[HookName, known("hook", HOOKS)] = Field(description="see Hooks")
    target: Target = Field(
        default=Target(), description="optional filters, AND-ed; none on a global hook"
    )
    spread: Spread = Field(alias="value", description="in the hook's range")
    source: Source = Field(exclude=True, description=_SOURCE)
    share: Annotated[Number, Between(0, 1)] = Field(
        default=1.0,
        description="when the source's evidence row is split across levers: this lever's share "
        "of the row's effect (the value stays the row's); shares of a row on a hook sum to ≤ 1",
    )
    fade: Fade | None = Field(default=None, description="how a front-loaded effect fades")

    @property
    def is_assumption(self) -> bool:
        """Sourced `assumption:` (not a citation nor derived from cited figures)."""
        return self.source.startswith("assumption:")

    @property
    def evidence(self) -> str | None:
        """The row of effect_priors.md §1 the source cites, if any (one row feeds one effect)."""
        cited = EVIDENCE_ROW.match(self.source)
        return cited.group(1) if cited else None

    @model_validator(mode="after")
    def _fits_the_hook(self) -> Self:
        hook = HOOKS[self.hook]
        problems = under(("value",), self.spread.outside(hook.minimum, hook.maximum))
        if hook.scope == "global" and self.target != Target():
            problems.append(
                (("target",), f"hook {self.hook} acts on the whole model: no target", None)
            )
        kinds = self.target.kinds
        if hook.kind is not None and kinds and hook.kind not in kinds:
            problems.append(
                (("target", "kinds"), f"hook {self.hook} acts on {hook.kind} only", list(kinds))
            )
        if self.target.max_age_months is not None and self.hook not in AGE_LIMITED_HOOKS:
            limited = ", ".join(AGE_LIMITED_HOOKS)
            problems.append(
                (
                    ("target", "max_age_months"),
                    f"only {limited} can be limited to young entities",
                    self.target.max_age_months,
                )
            )
        fail(problems)
        return self

    @property
    def value(self) -> Estimate:
        return self.estimate()


class Cost(_Sourced):
    """What a lever costs the budget, on one basis."""

    basis: Annotated[CostBasis, known("cost basis", get_args(CostBasis))] = Field(
        description="see Cost bases"
    )
    event: Annotated[CostEvent, known("event", get_args(CostEvent))] | None = Field(
        default=None, description="only (and required) with per_event"
    )
    target: Target = Field(default=Target(), description="none on per_year")
    spread: Spread = Field(alias="yuan", description="yuan, ≥ 0")
    source: Source = Field(exclude=True, description=_SOURCE)

    @model_validator(mode="after")
    def _fits_the_basis(self) -> Self:
        problems = under(("yuan",), self.spread.outside(0.0, math.inf))
        if self.basis == "per_event" and self.event is None:
            problems.append((("event",), "missing (required for a per_event cost)", None))
        if self.basis != "per_event" and self.event is not None:
            problems.append((("event",), "only a per_event cost names an event", self.event))
        if self.basis == "per_year" and self.target != Target():
            problems.append((("target",), "a per_year cost is a lump sum: no target", None))
        fail(problems)
        return self

    @property
    def yuan(self) -> Estimate:
        return self.estimate()


class Knob(Frozen):
    """One of the document's own numbers, as a parameter. `quote` is the document's words for it."""

    id: Identifier = Field(description="unique within the lever")
    unit: Text = Field(description="what the number counts")
    label_zh: ChineseText = Field(
        description="the number's name for planners, unit in brackets (the dashboard's 中文)"
    )
    label_en: Text = Field(description="the same in English")
    document_value: Number = Field(description="the value the effects and costs refer to")
    steps: Steps = Field(
        default=(), alias="schedule", description="the document's path to that value"
    )
    min: Number = Field(description="lowest value a scenario may set")
    max: Number = Field(description="highest value a scenario may set")
    scales: Annotated[
        tuple[Annotated[Scale, known("scale", get_args(Scale))], ...], AfterValidator(unique)
    ] = Field(description="what moves with value / document_value")
    quote: Text = Field(description="the document's words for the number, in the lever's text_zh")
    note: Text = Field(default="", description="how the words became the number")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.min > self.max:
            fail([(("min",), f"min {self.min:g} > max {self.max:g}", self.min)])
        problems = [
            *under(("document_value",), out_of_range(self.document_value, self.min, self.max)),
            *under(("schedule",), out_of_range(self.steps, self.min, self.max)),
        ]
        if self.steps and self.steps[-1].value != self.document_value:
            problems.append((("schedule",), "expected the last step to reach document_value", None))
        if self.scales and self.document_value == 0:
            problems.append(
                (("scales",), "a knob whose document value is 0 cannot scale anything", None)
            )
        fail(problems)
        return self

    @property
    def schedule(self) -> Schedule:
        return as_schedule(self.steps)

    def factor(self, value: float) -> float:
        """Scale of the effect deviation and/or cost at this value (1 at the document's value)."""
        return value / self.document_value

    def default(self) -> float | Schedule:
        """What a scenario gets when it does not set the knob: the schedule, else the value."""
        return self.schedule or self.document_value


class Bounds(Frozen):
    """What the province could plausibly do with a lever: the intensity range and the earliest
    start a search over mixes (`run.py optimise`) may choose, with the reasoning."""

    low: Annotated[Number, Between(0, 1)] = Field(
        default=0.0, description="lowest intensity (0: the province may leave the measure out)"
    )
    high: Annotated[Number, Between(1, MAX_INTENSITY)] = Field(
        description="highest intensity the province could plausibly reach (1 = the document)"
    )
    earliest_start: Month = Field(
        default=DOCUMENT_EFFECTIVE,
        description=f"first month the lever may start; from {DOCUMENT_EFFECTIVE}, when the "
        "document took effect, to the lever's `start`",
    )
    source: Source = Field(description=_SOURCE)

    @model_validator(mode="after")
    def _not_before_the_document(self) -> Self:
        if self.earliest_start < DOCUMENT_EFFECTIVE:
            problem = (
                f"{self.earliest_start} is before the document took effect ({DOCUMENT_EFFECTIVE})"
            )
            fail([(("earliest_start",), problem, self.earliest_start)])
        return self


class Lever(Frozen):
    """A lever: what of the document it encodes, its knobs, take-up, effects and costs."""

    id: Identifier = Field(description="unique across the catalogue")
    articles: Annotated[tuple[Article, ...], Field(min_length=1), AfterValidator(unique)] = Field(
        description="article numbers of 晋发〔2021〕67号"
    )
    departments: Annotated[tuple[Department, ...], AfterValidator(unique)] = Field(
        description="ids of document/departments.csv: the union of the articles' departments"
    )
    title_zh: Text
    title_en: Text
    text_zh: Text = Field(description="the articles' own words (excerpt, elisions as ……)")
    start: Month = Field(description="default start")
    ramp_months: Annotated[WholeNumber, Between(0, MAX_RAMP_MONTHS)] = Field(
        description="months from start to full effect"
    )
    end: Month = Field(
        default=DEADLINE,
        description="default last month: 2025-12, the end of the 14th Five-Year Plan (十四五) "
        "the document sets the doubling for",
    )
    knobs: tuple[Knob, ...] = Field(default=(), description="the document's own numbers")
    take_up_spread: TakeUp | None = Field(
        default=None, alias="take_up", description="share of the target that uses it"
    )
    effects: Annotated[tuple[Effect, ...], Field(min_length=1)] = Field(
        description="each acts through one hook"
    )
    costs: tuple[Cost, ...] = Field(default=(), description="what it costs the budget")
    bounds: Bounds = Field(
        description="the intensity range and earliest start a search over mixes may choose"
    )
    in_document: bool = Field(
        default=True,
        description="false: a counter-measure a planner may add, not one of the document's "
        "measures (its articles say where it attaches); as_enacted leaves it out",
    )
    _family: str = PrivateAttr("")
    _source_file: Path = PrivateAttr(Path())

    @model_validator(mode="after")
    def _matches_the_document(self, info: ValidationInfo) -> Self:
        fail(self._document_problems())
        context = info.context or {}
        self._family = context.get("family", "")
        self._source_file = context.get("path", Path())
        return self

    def _document_problems(self) -> list[Problem]:
        """The excerpt, departments and knob quotes against the document; knob ids unique; the
        default end not before the start."""
        problems: list[Problem] = [
            (("text_zh",), m, None) for m in excerpt_problems(self.text_zh, self.articles)
        ]
        if self.end < self.start:
            problems.append((("end",), f"{self.end} is before the start {self.start}", self.end))
        if self.bounds.earliest_start > self.start:
            problem = f"{self.bounds.earliest_start} is after the lever's start {self.start}"
            problems.append((("bounds", "earliest_start"), problem, self.bounds.earliest_start))
        problems += under(("bounds", "high"), self._beyond_the_hooks(self.bounds.high))
        given, expected = set(self.departments), set(departments_of(self.articles))
        if given != expected:
            missing = ", ".join(sorted(expected - given)) or "none"
            extra = ", ".join(sorted(given - expected)) or "none"
            problem = (
                f"expected the departments article_departments.csv gives for articles "
                f"{list(self.articles)}; missing: {missing}; not named there: {extra}"
            )
            problems.append((("departments",), problem, None))
        twice = repeated([k.id for k in self.knobs])
        if twice:
            problems.append((("knobs",), f"duplicate knob id: {', '.join(twice)}", None))
        text = normalise(self.text_zh)
        for index, knob in enumerate(self.knobs):
            if normalise(knob.quote) not in text:
                problem = f"'{knob.quote}' is not in the lever's text_zh"
                problems.append((("knobs", index, "quote"), problem, None))
        return problems

    def _beyond_the_hooks(self, intensity: float) -> list[Problem]:
        """Effects whose central value at `intensity` leaves its hook's range."""
        problems: list[Problem] = []
        for effect in self.effects:
            hook = HOOKS[effect.hook]
            value = hook.neutral + intensity * (effect.spread.central - hook.neutral)
            if problem := outside(value, hook.minimum, hook.maximum):
                where = f"at intensity {intensity:g} the {effect.hook} effect is {problem}"
                problems.append(((), f"{where}: the hook's range", intensity))
        return problems

    @property
    def family(self) -> str:
        return self._family

    @property
    def source_file(self) -> Path:
        return self._source_file

    @property
    def take_up(self) -> Estimate | None:
        spread = self.take_up_spread
        return None if spread is None else spread.estimate(spread.source)

    def knob(self, knob_id: str) -> Knob:
        return next(k for k in self.knobs if k.id == knob_id)


class Family(Frozen):
    """One family file: the family's id and titles and its levers."""

    id: Annotated[FamilyName, known("family", FAMILIES)] = Field(
        alias="family", description="equals the file name stem"
    )
    title_zh: Text
    title_en: Text
    levers: Annotated[tuple[Lever, ...], Field(min_length=1)]

    @field_validator("id")
    @classmethod
    def _named_as_its_file(cls, family_id: str, info: ValidationInfo) -> str:
        stem = (info.context or {}).get("family", family_id)
        if family_id != stem:
            raise custom(f"{family_id!r} must equal the file name stem")
        return family_id


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


# ---------------------------------------------------------------------------------------------
# The whole catalogue


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """The lever catalogue from `directory` (default: model/policy/levers), fully checked."""
    if directory is None:
        return _default_catalogue()
    return _load(Path(directory))


@functools.cache
def _default_catalogue() -> Catalogue:
    return _load(CATALOGUE_DIR)


def _load(directory: Path) -> Catalogue:
    files = {path.stem: path for path in sorted(directory.glob("*.yaml"))}
    problems = [
        f"{files[stem]}: family: unknown family file; expected one of {FAMILIES}"
        for stem in sorted(files.keys() - set(FAMILIES))
    ]
    families: list[tuple[Family, YamlFile]] = []
    for family_id in FAMILIES:
        if family_id not in files:
            problems.append(f"{directory / (family_id + '.yaml')}: file not found")
            continue
        file = YamlFile(files[family_id])
        _label_levers(file)
        family = file.validate(Family, family=family_id, path=file.path)
        problems += file.problems
        if family is not None:
            families.append((family, file))
    if not problems:
        problems += _whole_catalogue_problems(directory, families)
    if problems:
        raise InputError("\n".join(problems))
    levers = {lever.id: lever for family, _ in families for lever in family.levers}
    return Catalogue(tuple(f for f, _ in families), levers, dict(references().departments))


def _label_levers(file: YamlFile) -> None:
    """Problems of a lever name it by its id, not its index."""
    items = file.data.get("levers") if isinstance(file.data, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            file.label(("levers", index), item["id"])


def _evidence_used_twice(families: list[tuple[Family, YamlFile]]) -> list[str]:
    """One evidence row feeds one effect per hook, or is split with declared shares summing to
    at most 1 (effect_priors.md §1: each row's value is the whole package's effect)."""
    uses: dict[tuple[str, str], list[tuple[YamlFile, tuple, Lever, Effect]]] = {}
    for family, file in families:
        for i, lever in enumerate(family.levers):
            for j, effect in enumerate(lever.effects):
                if effect.evidence:
                    where = ("levers", i, "effects", j, "share")
                    uses.setdefault((effect.evidence, effect.hook), []).append(
                        (file, where, lever, effect)
                    )
    problems = []
    for (row, hook), used in uses.items():
        first = used[0][3]
        for file, where, _, effect in used[1:]:
            if effect.spread != first.spread:
                problem = f"row {row} split across levers: expected the row's value, as in {used[0][2].id}"
                problems.append(file.fail((*where[:-1], "value"), problem))
        total = sum(effect.share for *_, effect in used)
        if len(used) > 1 and total > 1 + 1e-9:
            file, where, *_ = used[-1]
            levers = ", ".join(f"{lever.id} ({effect.share:g})" for *_, lever, effect in used)
            problem = (
                f"effect_priors.md row {row} feeds {hook} in {levers}: shares sum to "
                f"{total:g}; one row is one effect: split it with shares summing to at most 1"
            )
            problems.append(file.fail(where, problem))
    return problems


def _whole_catalogue_problems(
    directory: Path, families: list[tuple[Family, YamlFile]]
) -> list[str]:
    """Lever ids unique across files; every article 1-48 covered by at least one lever."""
    problems = []
    seen: dict[str, Path] = {}
    for family, file in families:
        for index, lever in enumerate(family.levers):
            if lever.id in seen:
                problem = f"duplicate lever id {lever.id!r} (also in {seen[lever.id]})"
                problems.append(file.fail(("levers", index, "id"), problem))
            seen.setdefault(lever.id, file.path)
    problems += _evidence_used_twice(families)
    covered = {a for family, _ in families for lever in family.levers for a in lever.articles}
    uncovered = sorted(set(range(1, N_ARTICLES + 1)) - covered)
    if uncovered:
        problems.append(f"{directory}: articles: no lever covers articles {uncovered}")
    return problems


# ---------------------------------------------------------------------------------------------
# Formatting for `run.py levers`


def lever_to_dict(lever: Lever) -> dict[str, Any]:
    """Every field of a lever, JSON-serialisable (schedules as [{from, value}])."""
    data = lever.model_dump(mode="json", by_alias=True)
    return {
        "id": data.pop("id"),
        "family": lever.family,
        **data,
        "source_file": relative_path(lever.source_file),
    }


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
    count = f"{_count(len(levers), 'lever')} in {_count(len(families), 'family')}"
    return f"{text_table(header, rows, left=len(header))}\n\n{count}"


def _count(n: int, word: str) -> str:
    plural = word[:-1] + "ies" if word.endswith("y") else word + "s"
    return f"{n} {word if n == 1 else plural}"
