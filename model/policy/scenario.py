"""Scenarios (情景): the declared schema of `scenarios/*.yaml`, resolved against the lever catalogue.

A scenario switches levers on (intensity, dates, ramp, knob values) and sets the implementation
fidelity; `extends` inherits another scenario of the same folder, the child overriding the parent
key by key. What a scenario leaves out comes from the catalogue (start, ramp, the document's knob
values). The format: `scenarios/README.md` (its key tables are generated from the models here).
Problems read `FILE:LINE: key: what was expected`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from model.errors import InputError
from model.policy.catalogue import (
    MAX_INTENSITY,
    MAX_RAMP_MONTHS,
    Catalogue,
    Lever,
    load_catalogue,
    relative_path,
)
from model.policy.fields import (
    ID_PATTERN,
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
    reworded,
    shown,
    under,
    unknown,
)
from model.policy.schedule import (
    KnobValue,
    Steps,
    as_schedule,
    out_of_range,
    schedule_to_list,
    value_at,
)
from model.policy.yamlfile import YamlFile

MAX_EXTENDS = 50  # files in an `extends` chain, the first one included


@dataclass(frozen=True)
class LeverSetting:
    """A lever as a scenario runs it. Intensity 1 = as the document says, 0 = off, up to 3."""

    intensity: float = 1.0
    start: str = "2022-01"
    end: str | None = None
    ramp_months: int = 12
    knobs: dict[str, KnobValue] = field(default_factory=dict)

    def knob_at(self, knob_id: str, month: str) -> float:
        """The knob's value in `month` ('YYYY-MM'), following its schedule if it has one."""
        return value_at(self.knobs[knob_id], month)

    def to_dict(self) -> dict[str, Any]:
        return {
            "intensity": self.intensity,
            "start": self.start,
            "end": self.end,
            "ramp_months": self.ramp_months,
            "knobs": {
                k: schedule_to_list(v) if isinstance(v, tuple) else v for k, v in self.knobs.items()
            },
        }


@dataclass(frozen=True)
class Scenario:
    """A resolved scenario: the levers switched on (intensity > 0) with every value filled in."""

    name: str
    title_zh: str
    title_en: str
    path: Path
    fidelity: float = 1.0
    levers: dict[str, LeverSetting] = field(default_factory=dict)
    extends: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable, for the results manifest."""
        return {
            "name": self.name,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "extends": self.extends,
            "path": relative_path(self.path),
            "fidelity": self.fidelity,
            "levers": {lever_id: s.to_dict() for lever_id, s in self.levers.items()},
        }


# ---------------------------------------------------------------------------------------------
# The schema of a scenario file


def _knob_form(value: Any) -> str:
    return "schedule" if isinstance(value, list | tuple) else "number"


# A knob's value in a scenario: a number, or a schedule [{from: YYYY-MM, value: x}, ...].
KnobSetting = Annotated[
    Annotated[Number, Tag("number")] | Annotated[Steps, Tag("schedule")],
    Discriminator(_knob_form),
]


def _context(info: ValidationInfo) -> dict[str, Any]:
    """The validation context: `catalogue` and `path` (YamlFile.validate passes them)."""
    if info.context is None:
        raise TypeError("a scenario file is validated with context catalogue= and path=")
    return info.context


def _a_lever(lever_id: str, info: ValidationInfo) -> str:
    levers = _context(info)["catalogue"].levers
    if lever_id not in levers:
        raise custom(unknown("lever", lever_id, tuple(levers)))
    return lever_id


class LeverSettings(Frozen):
    """What a scenario file sets for one lever; what it leaves out is inherited or the lever's."""

    intensity: Annotated[Number, Between(0, MAX_INTENSITY)] = Field(
        default=1.0,
        description="1 = as the document says; 0 = off; 2 = twice the effect (its deviation "
        "from neutral) and twice the cost",
    )
    start: Month | None = Field(
        default=None, description="first month the lever acts; default: the lever's start (2022-01)"
    )
    end: Month | None = Field(
        default=None,
        description="last month it acts (≥ `start`); default: the lever's end (2025-12, the "
        "document's horizon); null: no end",
    )
    ramp_months: Annotated[WholeNumber, Between(0, MAX_RAMP_MONTHS)] | None = Field(
        default=None, description="months from start to full effect; default: the lever's ramp"
    )
    knobs: dict[str, KnobSetting] = Field(
        default={},
        description="knob id → a number, or a schedule [{from: YYYY-MM, value: x}, …], within "
        "the knob's [min, max]; default: the document's value or schedule",
    )

    @model_validator(mode="before")
    @classmethod
    def _off_or_a_mapping(cls, data: Any) -> Any:
        """`off` (YAML reads `off`, `false` and `no` as false) is intensity 0; nothing is {}."""
        if data is False:
            return {"intensity": 0.0}
        if data is not None and not isinstance(data, dict):
            raise custom(f"expected a mapping, or `off`, got {shown(data)}")
        return {} if data is None else data

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        if self.start and self.end and (problem := _ends_before_start(self.start, self.end)):
            fail([(("end",), problem, self.end)])
        return self

    def given(self) -> dict[str, Any]:
        """The settings the file gives, schedules as (month, value) pairs."""
        given = {name: getattr(self, name) for name in self.model_fields_set}
        if "knobs" in given:
            given["knobs"] = {
                k: as_schedule(v) if isinstance(v, tuple) else v for k, v in self.knobs.items()
            }
        return given


class Title(Frozen):
    zh: Text = Field(description="in Chinese")
    en: Text = Field(description="in English")


class Implementation(Frozen):
    fidelity: Annotated[Number, Between(0, 1)] | None = Field(
        default=None,
        description="a factor on the share of every lever's effect delivered; default 1",
    )


class ScenarioFile(Frozen):
    """A scenario file. Validated with context `catalogue` (a Catalogue) and `path`."""

    name: Identifier = Field(description="snake_case id; must equal the file name without .yaml")
    title: Title = Field(description="{zh: …, en: …}, shown in the comparison and the dashboard")
    extends: Identifier | None = Field(
        default=None, description="the `name` of another scenario in this folder to start from"
    )
    levers: dict[Annotated[str, AfterValidator(_a_lever)], LeverSettings] = Field(
        default={},
        description="lever id → settings (below), or `off` (intensity 0); a lever not listed "
        "is off",
    )
    implementation: Implementation | None = Field(
        default=None,
        description="{fidelity: x}, 0–1: a factor on the share of every lever's effect",
    )

    @field_validator("name")
    @classmethod
    def _named_as_its_file(cls, name: str, info: ValidationInfo) -> str:
        stem = Path(_context(info)["path"]).stem
        if name != stem:
            raise custom(f"{name!r} must equal the file name stem {stem!r}")
        return name

    @field_validator("levers", mode="wrap")
    @classmethod
    def _knobs_of_the_catalogue(
        cls, raw: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> dict[str, LeverSettings]:
        """The levers' own problems and, for every lever whose settings are valid, its knobs'
        problems against the catalogue: all at once."""
        catalogue = _context(info)["catalogue"]
        errors = []
        try:
            levers = handler({} if raw is None else raw)
        except ValidationError as error:
            errors = reworded(error)
            levers = _valid_settings(raw, catalogue)
        problems = [
            problem
            for lever_id, settings in levers.items()
            for problem in under(
                (lever_id, "knobs"), _knob_problems(catalogue.levers[lever_id], settings)
            )
        ]
        fail(problems, also=errors)
        return levers

    @property
    def fidelity(self) -> float | None:
        return None if self.implementation is None else self.implementation.fidelity


def _ends_before_start(start: str, end: str) -> str | None:
    """The problem of a lever whose last month comes before its first, or None."""
    return f"{end} is before the start {start}" if end < start else None


def _valid_settings(raw: Any, catalogue: Catalogue) -> dict[str, LeverSettings]:
    """The settings of known levers that are valid on their own (the others have problems)."""
    valid = {}
    for lever_id, settings in raw.items() if isinstance(raw, dict) else ():
        with contextlib.suppress(ValidationError):
            if lever_id in catalogue.levers:
                valid[lever_id] = LeverSettings.model_validate(settings)
    return valid


def _knob_problems(lever: Lever, settings: LeverSettings) -> list[Problem]:
    """Knobs the lever does not have, and values outside the knob's [min, max]."""
    if settings.knobs and not lever.knobs:
        return [((), f"lever {lever.id} has no knobs", None)]
    ids = tuple(k.id for k in lever.knobs)
    problems: list[Problem] = []
    for knob_id, value in settings.knobs.items():
        if knob_id not in ids:
            problems.append(((knob_id,), unknown("knob", knob_id, ids), knob_id))
            continue
        knob = lever.knob(knob_id)
        problems += under((knob_id,), out_of_range(value, knob.min, knob.max))
    return problems


# ---------------------------------------------------------------------------------------------
# Loading: a file, its `extends` chain, the settings merged and completed from the catalogue


def load_scenario(path: Path, catalogue: Catalogue | None = None) -> Scenario:
    """The scenario in `path`, resolved; InputError listing every problem otherwise."""
    scenario, problems = _check(Path(path), catalogue or load_catalogue())
    if problems:
        raise InputError("\n".join(problems))
    assert scenario is not None
    return scenario


def validate_files(paths: list[Path], catalogue: Catalogue | None = None) -> list[str]:
    """Every problem of every file (a missing one included), each named once, in order."""
    catalogue = catalogue or load_catalogue()
    problems: dict[str, None] = {}
    for path in paths:
        problems.update(dict.fromkeys(_check(Path(path), catalogue)[1]))
    return list(problems)


@dataclass
class _Layer:
    """A checked file with the partial lever settings of it laid over its ancestors'."""

    file: YamlFile
    content: ScenarioFile
    levers: dict[str, dict[str, Any]]
    fidelity: float | None


def _check(path: Path, catalogue: Catalogue) -> tuple[Scenario | None, list[str]]:
    """The resolved scenario and no problems, or None and every problem found."""
    problems: list[str] = []
    layer = _resolve(path, catalogue, problems, chain=())
    if layer is None or problems:
        return None, problems
    scenario = _finish(layer, catalogue)  # may record problems of the merged settings
    return (None, layer.file.problems) if layer.file.problems else (scenario, [])


def _resolve(
    path: Path, catalogue: Catalogue, problems: list[str], chain: tuple[Path, ...]
) -> _Layer | None:
    """The file's layer merged over its ancestors'; problems of every file in the chain recorded
    (the parent's too when the child has problems of its own)."""
    file = YamlFile(path)
    content = file.validate(ScenarioFile, catalogue=catalogue, path=path)
    problems += file.problems
    extends = content.extends if content is not None else _declared_parent(file)
    parent = None
    if extends is not None:
        parent_path = path.parent / f"{extends}.yaml"
        visited = (*chain, path)
        if parent_path.resolve() in {p.resolve() for p in visited}:
            cycle = " -> ".join(p.name for p in (*visited, parent_path))
            problems.append(file.fail(("extends",), f"cycle: {cycle}"))
            return None
        if len(visited) == MAX_EXTENDS:
            too_long = f"a chain of more than {MAX_EXTENDS} files, from {visited[0].name}"
            problems.append(file.fail(("extends",), too_long))
            return None
        if not parent_path.is_file():
            expected = f"no scenario {extends!r} (expected {parent_path})"
            problems.append(file.fail(("extends",), expected))
            return None
        parent = _resolve(parent_path, catalogue, problems, visited)
    if content is None or (extends is not None and parent is None):
        return None
    levers = {lever_id: s.given() for lever_id, s in content.levers.items()}
    if parent is None:
        return _Layer(file, content, levers, content.fidelity)
    fidelity = parent.fidelity if content.fidelity is None else content.fidelity
    return _Layer(file, content, _merge(parent.levers, levers), fidelity)


def _declared_parent(file: YamlFile) -> str | None:
    """The `extends` of a file with problems, when it names a scenario."""
    extends = file.data.get("extends") if isinstance(file.data, dict) else None
    return extends if isinstance(extends, str) and re.fullmatch(ID_PATTERN, extends) else None


def _merge(
    parent: dict[str, dict[str, Any]], child: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Child settings over the parent's, key by key (knobs knob by knob)."""
    merged = {lever_id: dict(settings) for lever_id, settings in parent.items()}
    for lever_id, settings in child.items():
        base = merged.setdefault(lever_id, {})
        for key, value in settings.items():
            base[key] = {**base.get("knobs", {}), **value} if key == "knobs" else value
    return merged


def lever_setting(lever: Lever, settings: dict[str, Any]) -> LeverSetting:
    """A lever as a scenario runs it: the `settings` a file gives (LeverSettings.given), the rest
    from the catalogue (start, end, ramp, the document's knob values)."""
    ramp_months = settings.get("ramp_months")
    return LeverSetting(
        intensity=settings.get("intensity", 1.0),
        start=settings.get("start") or lever.start,
        end=settings.get("end", lever.end),
        ramp_months=lever.ramp_months if ramp_months is None else ramp_months,
        knobs={k.id: k.default() for k in lever.knobs} | settings.get("knobs", {}),
    )


def _finish(layer: _Layer, catalogue: Catalogue) -> Scenario:
    """Fill in the catalogue's defaults; keep the levers switched on; check start <= end."""
    levers = {}
    for lever_id, lever in catalogue.levers.items():
        settings = layer.levers.get(lever_id)
        if settings is None or settings.get("intensity", 1.0) <= 0:
            continue
        setting = lever_setting(lever, settings)
        if setting.end is not None and (problem := _ends_before_start(setting.start, setting.end)):
            layer.file.fail(("levers", lever_id, "end"), problem)
        levers[lever_id] = setting
    content = layer.content
    return Scenario(
        name=content.name,
        title_zh=content.title.zh,
        title_en=content.title.en,
        path=layer.file.path,
        fidelity=1.0 if layer.fidelity is None else layer.fidelity,
        levers=levers,
        extends=content.extends,
    )


# ---------------------------------------------------------------------------------------------
# Writing: a resolved scenario as a file of its own (the dashboard's named what-ifs)


def file_content(scenario: Scenario, name: str, title_zh: str, title_en: str) -> dict[str, Any]:
    """The content of a scenario file that loads as `scenario` under `name`: every lever switched
    on with all its values spelled out, no `extends` (the file stands alone in any folder)."""
    return {
        "name": name,
        "title": {"zh": title_zh, "en": title_en},
        "levers": {lever_id: setting.to_dict() for lever_id, setting in scenario.levers.items()},
        "implementation": {"fidelity": scenario.fidelity},
    }


def save_scenario(
    scenario: Scenario,
    folder: Path,
    name: str,
    titles: tuple[str, str],
    taken: Collection[str] = (),
) -> Path:
    """Write `scenario` as the new file `folder/NAME.yaml` (`file_content`, titles zh and en) and
    return its path. It is checked by loading it (the schema and the catalogue, `load_scenario`)
    before it appears, and appears whole: written in a temporary folder beside, then hard-linked
    into place, which never replaces a file. InputError for a name that is not a snake_case id, a
    name of `taken` (e.g. the shipped scenarios), a file that exists, or content that does not
    load as `scenario`."""
    import yaml

    if not isinstance(name, str) or not re.fullmatch(ID_PATTERN, name):
        raise InputError(f"scenario name {name!r}: a snake_case id (a-z, 0-9, _), e.g. my_mix")
    if name in taken:
        raise InputError(f"scenario name {name!r} is taken: choose another")
    target = Path(folder) / f"{name}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise InputError(f"{target}: exists already: choose another name")
    content = file_content(scenario, name, *titles)
    work = Path(tempfile.mkdtemp(prefix=".saving-", dir=target.parent))
    try:
        written = work / target.name
        written.write_text(
            yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        loaded = load_scenario(written)
        if loaded.levers != scenario.levers or loaded.fidelity != scenario.fidelity:
            raise InputError(f"{target}: would not load as the scenario it saves")
        try:
            os.link(written, target)
        except FileExistsError:
            raise InputError(f"{target}: exists already: choose another name") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
