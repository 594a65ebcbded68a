"""Reading a YAML file safely, with the line of every key, collecting every problem instead of
stopping at the first: the reader behind the lever catalogue and the scenario files. Each problem
reads `FILE:LINE: key.path: what was expected`.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from model.defaults import LATEST_UNTIL, START_YEAR

FIRST_MONTH = f"{START_YEAR}-01"
LAST_MONTH = LATEST_UNTIL

Schedule = tuple[tuple[str, float], ...]


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KeyPath = tuple[str | int, ...]


class YamlFile:
    """A YAML file, safe-loaded, with the line of every key; checks record problems, not raise.

    Each problem reads `FILE:LINE: key.path: what was expected`. The reading helpers return the
    checked value, or None after recording a problem, so that one pass reports every problem.
    """

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)
        self._problems: list[tuple[int, str]] = []
        self.data: Any = None
        self._lines: dict[KeyPath, int] = {(): 1}
        self._labels: dict[KeyPath, str] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self._problems.append((0, f"{self.name}: file not found"))
            return
        except (OSError, UnicodeDecodeError) as error:
            self._problems.append((0, f"{self.name}: cannot be read ({error})"))
            return
        self._parse(text)

    @property
    def problems(self) -> list[str]:
        """Every problem recorded, in the order of their lines."""
        return [message for _, message in sorted(self._problems, key=lambda p: p[0])]

    def _parse(self, text: str) -> None:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                self._index(node, ())
                self.data = loader.construct_document(node)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            problem = getattr(error, "problem", None) or str(error)
            self._problems.append((line, f"{self.name}:{line}: (YAML syntax): {problem}"))
        finally:
            loader.dispose()

    def _index(self, node: yaml.Node, path: KeyPath) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key_path = (*path, str(key_node.value))
                if key_path in self._lines:
                    self.fail(key_path, "duplicate key", line=key_node.start_mark.line + 1)
                self._lines[key_path] = key_node.start_mark.line + 1
                self._index(value_node, key_path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._lines[(*path, index)] = item.start_mark.line + 1
                self._index(item, (*path, index))

    def line(self, path: KeyPath) -> int:
        """The line of the key at `path`, or of its nearest ancestor that is in the file."""
        while path not in self._lines:
            path = path[:-1]
        return self._lines[path]

    def label(self, path: KeyPath, name: str) -> None:
        """Name the list item at `path` in messages by `name` (e.g. a lever id) not its index."""
        self._labels[path] = name

    def fail(self, path: KeyPath, message: str, line: int | None = None) -> str:
        """Record a problem at `path`; returns it as reported."""
        where = line if line is not None else self.line(path)
        problem = f"{self.name}:{where}: {self.key(path)}: {message}"
        self._problems.append((where, problem))
        return problem

    def key(self, path: KeyPath) -> str:
        """The key path as text, list items named by their label where they have one."""
        for cut in range(len(path), 0, -1):
            if path[:cut] in self._labels:
                head = f"{dotted(path[: cut - 1])}[{self._labels[path[:cut]]}]".lstrip(".")
                tail = dotted(path[cut:]) if path[cut:] else ""
                return f"{head}.{tail}" if tail else head
        return dotted(path)

    # -- typed readers: each returns the value, or None after recording a problem ------------

    def mapping(
        self,
        path: KeyPath,
        value: Any,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """A mapping with exactly these keys (required ones present, no unknown ones)."""
        required, optional = tuple(required), tuple(optional)
        allowed = required + optional
        if not isinstance(value, dict):
            keys = f" with keys {', '.join(allowed)}" if allowed else ""
            self.fail(path, f"expected a mapping{keys}, got {_shown(value)}")
            return None
        for key in value:
            if not isinstance(key, str):
                self.fail((*path, str(key)), "expected a text key")
            elif allowed and key not in allowed:
                self.fail((*path, key), f"unknown key; expected one of: {', '.join(allowed)}")
        for key in required:
            if key not in value:
                self.fail((*path, key), "missing (required)")
        return {str(k): v for k, v in value.items()}

    def sequence(self, path: KeyPath, value: Any, nonempty: bool = False) -> list[Any] | None:
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_shown(value)}")
            return None
        if nonempty and not value:
            self.fail(path, "expected at least one item")
        return value

    def number(
        self, path: KeyPath, value: Any, low: float = -math.inf, high: float = math.inf
    ) -> float | None:
        """A finite number within [low, high]."""
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self.fail(path, f"expected a number, got {_shown(value)}")
            return None
        if not low <= value <= high:
            self.fail(path, f"{value} is outside [{_num(low)}, {_num(high)}]")
            return None
        return float(value)

    def integer(self, path: KeyPath, value: Any, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a whole number, got {_shown(value)}")
            return None
        if not low <= value <= high:
            self.fail(path, f"{value} is outside [{low}, {high}]")
            return None
        return value

    def text(self, path: KeyPath, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"expected non-empty text, got {_shown(value)}")
            return None
        return value.strip()

    def identifier(self, path: KeyPath, value: Any) -> str | None:
        text = self.text(path, value)
        if text is not None and not _IDENTIFIER.match(text):
            self.fail(path, f"expected a snake_case id, got {text!r}")
            return None
        return text

    def month(self, path: KeyPath, value: Any) -> str | None:
        """A month 'YYYY-MM' from 2021-01 to 2035-12."""
        if not isinstance(value, str) or not _MONTH.match(value):
            self.fail(path, f"expected a month YYYY-MM, got {_shown(value)}")
            return None
        if not FIRST_MONTH <= value <= LAST_MONTH:
            self.fail(path, f"{value} is outside {FIRST_MONTH}..{LAST_MONTH}")
            return None
        return value

    def choice(self, path: KeyPath, value: Any, options: Iterable[str], what: str) -> str | None:
        """One of `options`; the problem lists them (or suggests the nearest ones)."""
        options = tuple(options)
        if isinstance(value, str) and value in options:
            return value
        near = difflib.get_close_matches(str(value), options, n=3)
        if len(options) <= 15:
            expected = f"expected one of: {', '.join(options)}"
        else:
            expected = f"did you mean: {', '.join(near)}?" if near else "see `run.py levers`"
        self.fail(path, f"unknown {what} {_shown(value)}; {expected}")
        return None

    def choices(
        self, path: KeyPath, value: Any, options: Iterable[str], what: str
    ) -> tuple[str, ...]:
        """A list of distinct items of `options`."""
        items = self.sequence(path, value)
        if items is None:
            return ()
        checked = [self.choice((*path, i), item, options, what) for i, item in enumerate(items)]
        valid = tuple(c for c in checked if c is not None)
        if len(set(valid)) != len(valid):
            self.fail(path, "duplicate items")
        return valid

    def schedule(self, path: KeyPath, value: Any, low: float, high: float) -> Schedule | None:
        """A list of {from: YYYY-MM, value: x}, months increasing, values in [low, high]."""
        items = self.sequence(path, value, nonempty=True)
        if not items:
            return None
        steps = []
        for index, item in enumerate(items):
            step_path = (*path, index)
            step = self.mapping(step_path, item, required=("from", "value"))
            if step is None:
                continue
            month = self.month((*step_path, "from"), step.get("from"))
            number = self.number((*step_path, "value"), step.get("value"), low, high)
            if month is not None and number is not None:
                steps.append((month, number))
        if len(steps) != len(items):
            return None
        if any(a[0] >= b[0] for a, b in zip(steps, steps[1:], strict=False)):
            self.fail(path, "expected months in increasing order")
            return None
        return tuple(steps)


def dotted(path: KeyPath) -> str:
    """('levers', 0, 'id') -> 'levers[0].id'; the empty path is '(top level)'."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return text or "(top level)"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _num(value: float) -> str:
    return f"{value:g}"
