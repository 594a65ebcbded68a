"""Scenarios (情景): load, check and resolve `scenarios/*.yaml` against the lever catalogue.

A scenario switches levers on (intensity, dates, ramp, knob values) and sets the implementation
fidelity; `extends` inherits another scenario of the same folder, the child overriding the parent
key by key. What a scenario leaves out comes from the catalogue (start, ramp, the document's knob
values). The format: `scenarios/README.md`. Problems read `FILE:LINE: key: what was expected`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.errors import InputError
from model.policy.catalogue import (
    MAX_RAMP_MONTHS,
    Catalogue,
    Lever,
    Schedule,
    load_catalogue,
    relative_path,
    schedule_to_list,
    value_at,
)
from model.policy.yamlfile import YamlFile

MAX_INTENSITY = 3.0
_TOP_REQUIRED = ("name", "title")
_TOP_OPTIONAL = ("extends", "levers", "implementation")
_LEVER_KEYS = ("intensity", "start", "end", "ramp_months", "knobs")

KnobValue = float | Schedule


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
        value = self.knobs[knob_id]
        return value_at(value, month) if isinstance(value, tuple) else value

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


def load_scenario(path: Path, catalogue: Catalogue | None = None) -> Scenario:
    """The scenario in `path`, resolved; InputError listing every problem otherwise."""
    scenario, problems = _check(Path(path), catalogue or load_catalogue())
    if problems:
        raise InputError("\n".join(problems))
    return scenario


def validate_files(paths: list[Path], catalogue: Catalogue | None = None) -> list[str]:
    """Every problem of every file (a missing one included), each named once, in order."""
    catalogue = catalogue or load_catalogue()
    problems: dict[str, None] = {}
    for path in paths:
        problems.update(dict.fromkeys(_check(Path(path), catalogue)[1]))
    return list(problems)


# ---------------------------------------------------------------------------------------------


@dataclass
class _Layer:
    """What one file says, checked: partial lever settings to lay over its parent's."""

    file: YamlFile
    name: str | None = None
    title: tuple[str, str] | None = None
    extends: str | None = None
    fidelity: float | None = None
    levers: dict[str, dict[str, Any]] = field(default_factory=dict)


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
    """The file's layer merged over its ancestors'; problems of every file in the chain recorded."""
    layer = _read_layer(path, catalogue)
    problems += layer.file.problems
    if layer.extends is None:
        return layer
    parent_path = path.parent / f"{layer.extends}.yaml"
    visited = (*chain, path)
    if parent_path.resolve() in {p.resolve() for p in visited}:
        cycle = " -> ".join(p.name for p in (*visited, parent_path))
        problems.append(layer.file.fail(("extends",), f"cycle: {cycle}"))
        return None
    if not parent_path.is_file():
        expected = f"no scenario {layer.extends!r} (expected {parent_path})"
        problems.append(layer.file.fail(("extends",), expected))
        return None
    parent = _resolve(parent_path, catalogue, problems, visited)
    if parent is None:
        return None
    layer.levers = _merge(parent.levers, layer.levers)
    layer.fidelity = parent.fidelity if layer.fidelity is None else layer.fidelity
    return layer


def _merge(parent: dict[str, dict[str, Any]], child: dict[str, dict[str, Any]]) -> dict:
    """Child settings over the parent's, key by key (knobs knob by knob)."""
    merged = {lever_id: dict(settings) for lever_id, settings in parent.items()}
    for lever_id, settings in child.items():
        base = merged.setdefault(lever_id, {})
        for key, value in settings.items():
            base[key] = {**base.get("knobs", {}), **value} if key == "knobs" else value
    return merged


def _finish(layer: _Layer, catalogue: Catalogue) -> Scenario:
    """Fill in the catalogue's defaults; keep the levers switched on; check start <= end."""
    levers = {}
    for lever_id, lever in catalogue.levers.items():
        settings = layer.levers.get(lever_id)
        if settings is None or settings.get("intensity", 1.0) <= 0:
            continue
        setting = LeverSetting(
            intensity=settings.get("intensity", 1.0),
            start=settings.get("start", lever.start),
            end=settings.get("end"),
            ramp_months=settings.get("ramp_months", lever.ramp_months),
            knobs={k.id: k.default() for k in lever.knobs} | settings.get("knobs", {}),
        )
        if setting.end is not None and setting.end < setting.start:
            layer.file.fail(
                ("levers", lever_id, "end"), f"{setting.end} is before the start {setting.start}"
            )
        levers[lever_id] = setting
    title_zh, title_en = layer.title
    return Scenario(
        name=layer.name,
        title_zh=title_zh,
        title_en=title_en,
        path=layer.file.path,
        fidelity=1.0 if layer.fidelity is None else layer.fidelity,
        levers=levers,
        extends=layer.extends,
    )


def _read_layer(path: Path, catalogue: Catalogue) -> _Layer:
    """Check one file on its own: the closed schema, lever and knob ids, ranges and dates."""
    file = YamlFile(path)
    layer = _Layer(file)
    if file.problems:
        return layer
    data = file.mapping((), file.data, required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    if data is None:
        return layer
    layer.name = file.identifier(("name",), data.get("name"))
    if layer.name is not None and layer.name != path.stem:
        file.fail(("name",), f"{layer.name!r} must equal the file name stem {path.stem!r}")
    title = file.mapping(("title",), data.get("title"), required=("zh", "en"))
    if title is not None:
        layer.title = (
            file.text(("title", "zh"), title.get("zh")),
            file.text(("title", "en"), title.get("en")),
        )
    if data.get("extends") is not None:
        layer.extends = file.identifier(("extends",), data["extends"])
    implementation = data.get("implementation")
    if implementation is not None:
        checked = file.mapping(("implementation",), implementation, optional=("fidelity",))
        if checked and "fidelity" in checked:
            layer.fidelity = file.number(("implementation", "fidelity"), checked["fidelity"], 0, 1)
    levers = file.mapping(("levers",), data.get("levers") or {})
    for lever_id, settings in (levers or {}).items():
        checked = _read_lever(file, catalogue, lever_id, settings)
        if checked is not None:
            layer.levers[lever_id] = checked
    return layer


def _read_lever(
    file: YamlFile, catalogue: Catalogue, lever_id: str, value: Any
) -> dict[str, Any] | None:
    """One lever's settings as given (a partial LeverSetting), or None if any is wrong."""
    before = len(file.problems)
    path = ("levers", lever_id)
    file.choice(path, lever_id, catalogue.levers, "lever")
    settings = file.mapping(path, value or {}, optional=_LEVER_KEYS) or {}
    checked: dict[str, Any] = {}
    if "intensity" in settings:
        checked["intensity"] = file.number(
            (*path, "intensity"), settings["intensity"], 0, MAX_INTENSITY
        )
    for key in ("start", "end"):
        if settings.get(key) is not None:
            checked[key] = file.month((*path, key), settings[key])
    if "end" in settings and settings["end"] is None:
        checked["end"] = None  # explicitly no end, overriding a parent's
    if "ramp_months" in settings:
        checked["ramp_months"] = file.integer(
            (*path, "ramp_months"), settings["ramp_months"], 0, MAX_RAMP_MONTHS
        )
    if "knobs" in settings and lever_id in catalogue.levers:
        checked["knobs"] = _read_knobs(file, catalogue.levers[lever_id], settings["knobs"])
    if checked.get("start") and checked.get("end") and checked["end"] < checked["start"]:
        file.fail((*path, "end"), f"{checked['end']} is before the start {checked['start']}")
    return checked if len(file.problems) == before else None


def _read_knobs(file: YamlFile, lever: Lever, value: Any) -> dict[str, KnobValue]:
    """Knob values: a number or a schedule [{from, value}], within the knob's [min, max]."""
    path = ("levers", lever.id, "knobs")
    knobs = file.mapping(path, value)
    if knobs is None:
        return {}
    if knobs and not lever.knobs:
        file.fail(path, f"lever {lever.id} has no knobs")
        return {}
    checked: dict[str, KnobValue] = {}
    for knob_id, knob_value in knobs.items():
        if file.choice((*path, knob_id), knob_id, [k.id for k in lever.knobs], "knob") is None:
            continue
        knob = lever.knob(knob_id)
        if isinstance(knob_value, list):
            result = file.schedule((*path, knob_id), knob_value, knob.min, knob.max)
        else:
            result = file.number((*path, knob_id), knob_value, knob.min, knob.max)
        if result is not None:
            checked[knob_id] = result
    return checked
