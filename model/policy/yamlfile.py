"""Reading a YAML file safely, with the line of every key, and validating it against a schema model
(model/policy/fields.py), every problem recorded rather than the first raised. Each problem reads
`FILE:LINE: key.path: what was expected`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from model.policy.fields import Loc

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe: no python tags
_DICT_KEY = "[key]"  # the loc pydantic gives a problem of a mapping's key


class YamlFile:
    """A YAML file, safe-loaded, with the line of every key; problems are recorded, not raised."""

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)
        self.data: Any = None
        self.readable = False
        self._problems: list[tuple[int, str]] = []
        self._lines: dict[Loc, int] = {(): 1}
        self._labels: dict[Loc, str] = {}
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
            self.readable = True
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            problem = getattr(error, "problem", None) or str(error)
            self._problems.append((line, f"{self.name}:{line}: (YAML syntax): {problem}"))
        finally:
            loader.dispose()

    def _index(self, node: yaml.Node, path: Loc) -> None:
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

    def validate[M: BaseModel](self, model: type[M], **context: Any) -> M | None:
        """The data as `model`, or None after recording every problem (or if it was unreadable)."""
        if not self.readable:
            return None
        try:
            return model.model_validate(self.data, context=context)
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                self.fail(self._key_path(detail["loc"]), detail["msg"])
            return None

    def _key_path(self, loc: Loc) -> Loc:
        """A pydantic loc as a path of keys in the data: union tags and key markers left out."""
        path: list[str | int] = []
        data = self.data
        for index, part in enumerate(loc):
            if isinstance(data, dict) and (part in data or index == len(loc) - 1):
                data = data.get(part)
            elif isinstance(data, list) and isinstance(part, int) and part < len(data):
                data = data[part]
            else:
                continue
            if part != _DICT_KEY:
                path.append(part)
        return tuple(path)

    def line(self, path: Loc) -> int:
        """The line of the key at `path`, or of its nearest ancestor that is in the file."""
        while path not in self._lines:
            path = path[:-1]
        return self._lines[path]

    def label(self, path: Loc, name: str) -> None:
        """Name the list item at `path` in messages by `name` (e.g. a lever id) not its index."""
        self._labels[path] = name

    def fail(self, path: Loc, message: str, line: int | None = None) -> str:
        """Record a problem at `path`; returns it as reported."""
        where = line if line is not None else self.line(path)
        problem = f"{self.name}:{where}: {self.key(path)}: {message}"
        self._problems.append((where, problem))
        return problem

    def key(self, path: Loc) -> str:
        """The key path as text, list items named by their label where they have one."""
        for cut in range(len(path), 0, -1):
            if path[:cut] in self._labels:
                head = f"{dotted(path[: cut - 1])}[{self._labels[path[:cut]]}]".lstrip(".")
                tail = dotted(path[cut:]) if path[cut:] else ""
                return f"{head}.{tail}" if tail else head
        return dotted(path)


def dotted(path: Loc) -> str:
    """('levers', 0, 'id') -> 'levers[0].id'; the empty path is '(top level)'."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return text or "(top level)"
