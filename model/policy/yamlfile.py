"""Reading a YAML file safely, with the line of every key, and validating it against a schema model
(model/policy/fields.py), every problem recorded rather than the first raised. Each problem reads
`FILE:LINE: key.path: what was expected`.

Hostile input is refused before it costs time or memory: anything but a regular file of at most
MAX_BYTES, anchors and aliases (`&a`, `*a`: a few hundred bytes of them expand to gigabytes),
collections nested deeper than MAX_DEPTH.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.events import CollectionEndEvent, CollectionStartEvent, NodeEvent

from model.policy.fields import Loc, shown

MAX_BYTES = 256 * 1024  # the largest lever catalogue file is 15 kB, a scenario file 2 kB
MAX_DEPTH = 32  # collections in collections: a catalogue file has 7 levels, a scenario file 4
_DICT_KEY = "[key]"  # the loc pydantic gives a problem of a mapping's key


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (no python tags); a scalar it cannot construct (`2022-13-01` read as a
    date, an integer of more than 4300 digits) is a YAML error at the scalar's line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as error:
            tag = node.tag.rsplit(":", 1)[-1]
            problem = f"cannot read {shown(node.value)} as {tag}: {error}"
            mark = node.start_mark
            raise yaml.constructor.ConstructorError(problem=problem, problem_mark=mark) from None


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
        if not path.is_file():  # before opening it: a FIFO would block, a device never end
            what = "not a regular file" if path.exists() else "file not found"
            self._problems.append((0, f"{self.name}: {what}"))
            return
        try:
            with path.open("rb") as stream:
                content = stream.read(MAX_BYTES + 1)
            if len(content) > MAX_BYTES:
                raise OSError(f"larger than {MAX_BYTES // 1024} kB")
            text = content.decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self._problems.append((0, f"{self.name}: cannot be read ({error})"))
            return
        self._parse(text)

    @property
    def problems(self) -> list[str]:
        """Every problem recorded, in the order of their lines."""
        return [message for _, message in sorted(self._problems, key=lambda p: p[0])]

    def _parse(self, text: str) -> None:
        try:
            _check_events(text)
            loader = _Loader(text)
            try:
                node = loader.get_single_node()
                if node is not None:
                    self._index(node, ())
                    self.data = loader.construct_document(node)
                self.readable = True
            finally:
                loader.dispose()
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)  # a ReaderError has a position
            line = 1 + (mark.line if mark else text.count("\n", 0, getattr(error, "position", 0)))
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            self._problems.append((line, f"{self.name}:{line}: (YAML syntax): {problem}"))

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


def _check_events(text: str) -> None:
    """A YAML error at the first anchor, alias or collection nested deeper than MAX_DEPTH."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        depth += isinstance(event, CollectionStartEvent) - isinstance(event, CollectionEndEvent)
        if isinstance(event, NodeEvent) and event.anchor is not None:
            problem = f"anchors and aliases are not supported (&{event.anchor}, *{event.anchor})"
        elif depth > MAX_DEPTH:
            problem = f"nested deeper than {MAX_DEPTH} levels"
        else:
            continue
        raise yaml.MarkedYAMLError(problem=problem, problem_mark=event.start_mark)


def dotted(path: Loc) -> str:
    """('levers', 0, 'id') -> 'levers[0].id'; the empty path is '(top level)'; a key with line
    breaks or other unprintable characters is quoted."""
    text = "".join(
        f"[{p}]" if isinstance(p, int) else f".{p}" if p.isprintable() else f".{p!r}" for p in path
    ).lstrip(".")
    return text or "(top level)"
