"""Building blocks of the declared schemas of the lever catalogue and the scenario files.

`Frozen` is the base of every schema model: closed (unknown keys are errors), immutable, and with
pydantic's messages reworded as `what was expected, got what`. The constrained types below (numbers
in a range, months, ids, text, one of a set) give the messages the files' users see.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Self, get_args

import annotated_types
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from model.defaults import LATEST_UNTIL, START_YEAR

FIRST_MONTH = f"{START_YEAR}-01"
LAST_MONTH = LATEST_UNTIL
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
ID_PATTERN = r"^[a-z][a-z0-9_]*$"

Loc = tuple[str | int, ...]
Problem = tuple[Loc, str, Any]  # where (relative to the model validated), what was expected, input

# pydantic's error types, reworded: "expected <this>, got <the input>".
_EXPECTED = {
    "float_type": "a number",
    "finite_number": "a finite number",
    "int_type": "a whole number",
    "string_type": "text",
    "string_too_short": "non-empty text",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "too_short": "at least one item",
}
_BUILT_IN: frozenset[str] = frozenset(get_args(ErrorType))


def shown(value: Any) -> str:
    """A value as a message shows it: repr, shortened; None as 'nothing'."""
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def custom(message: str) -> PydanticCustomError:
    """An error reading exactly `message` (braces in it are not placeholders)."""
    return PydanticCustomError("policy", "{message}", {"message": message})


def under(prefix: Loc, problems: Sequence[Problem]) -> list[Problem]:
    """The problems, located under `prefix`."""
    return [((*prefix, *loc), message, value) for loc, message, value in problems]


def fail(problems: Sequence[Problem], also: Sequence[InitErrorDetails] = ()) -> None:
    """Raise every problem (and the errors `also`) at once, each at its own key; pydantic
    prefixes the keys of the outer models."""
    if problems or also:
        details = [InitErrorDetails(type=custom(m), loc=loc, input=v) for loc, m, v in problems]
        raise ValidationError.from_exception_data("policy", [*also, *details])


def reworded(error: ValidationError, keys: Sequence[str] = ()) -> list[InitErrorDetails]:
    """The errors, pydantic's own reworded; `keys` are those the mapping validated allows."""
    errors = error.errors(include_url=False)
    return [_reworded(d, keys) for d in errors if not _after_item_problems(d)]


def _after_item_problems(detail: Any) -> bool:
    """A list too short only because items of it have problems (pydantic counts valid items)."""
    return detail["type"] == "too_short" and len(detail["input"]) >= detail["ctx"]["min_length"]


def _reworded(detail: Any, keys: Sequence[str]) -> InitErrorDetails:
    kind, loc, value = detail["type"], detail["loc"], detail["input"]
    if kind == "missing":
        message = "missing (required)"
    elif kind == "extra_forbidden" and len(loc) == 1:
        message = f"unknown key; expected one of: {', '.join(keys)}"
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {shown(value)}"
    elif kind in _BUILT_IN:
        return InitErrorDetails(type=kind, loc=loc, input=value, ctx=detail.get("ctx", {}))
    else:
        message = detail["msg"]
    return InitErrorDetails(type=custom(message), loc=loc, input=value)


class Frozen(BaseModel):
    """A closed, immutable schema model whose problems read `what was expected, got what`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _reword(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Self:
        try:
            return handler(data)
        except ValidationError as error:
            keys = [field.alias or name for name, field in cls.model_fields.items()]
            raise ValidationError.from_exception_data(error.title, reworded(error, keys)) from None


def outside(value: float, low: float, high: float) -> str | None:
    """The problem of a number outside [low, high], or None."""
    return None if low <= value <= high else f"{value:g} is outside [{low:g}, {high:g}]"


@dataclass(frozen=True)
class Between(annotated_types.GroupedMetadata):
    """A number in [low, high] (ge/le in the JSON schema); the problem reads `x is outside [a, b]`."""

    low: float
    high: float

    def __iter__(self) -> Iterator[object]:
        yield annotated_types.Ge(self.low)
        yield annotated_types.Le(self.high)
        yield WrapValidator(self._check)

    def _check(self, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            if error.errors()[0]["type"] not in ("greater_than_equal", "less_than_equal"):
                raise
            raise custom(f"{shown(value)} is outside [{self.low:g}, {self.high:g}]") from None


def known(what: str, options: Collection[str] | Callable[[], Collection[str]]) -> WrapValidator:
    """A validator admitting only `options` (or what the callable returns): an unknown value's
    problem lists them, or for long lists suggests the nearest ones."""

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        allowed = tuple(options() if callable(options) else options)
        if not isinstance(value, str) or value not in allowed:
            raise custom(unknown(what, value, allowed))
        return handler(value)

    return WrapValidator(check)


def unknown(what: str, value: Any, options: Sequence[str]) -> str:
    """`unknown lever 'x'; did you mean: y?` (or every option, when there are at most 15)."""
    if len(options) <= 15:
        expected = f"expected one of: {', '.join(options)}"
    else:
        near = difflib.get_close_matches(str(value), options, n=3)
        expected = f"did you mean: {', '.join(near)}?" if near else "see `run.py levers`"
    return f"unknown {what} {shown(value)}; {expected}"


def _in_horizon(month: str) -> str:
    if not FIRST_MONTH <= month <= LAST_MONTH:
        raise custom(f"{month} is outside {FIRST_MONTH}..{LAST_MONTH}")
    return month


def _matching(pattern: str, what: str) -> WrapValidator:
    """Text matching `pattern`; the problem reads `expected <what>, got ...`."""

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, str) and not re.match(pattern, value):
            raise custom(f"expected {what}, got {shown(value)}")
        return handler(value)

    return WrapValidator(check)


def repeated(items: Sequence[Any]) -> list[str]:
    """The items that occur more than once, as sorted text."""
    return sorted({str(i) for i in items if items.count(i) > 1})


def unique(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """The items, when no two are equal."""
    duplicates = repeated(items)
    if duplicates:
        raise custom(f"duplicate items: {', '.join(duplicates)}")
    return items


Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
WholeNumber = Annotated[int, Field(strict=True)]
Text = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]
Identifier = Annotated[
    str, Field(strict=True, pattern=ID_PATTERN), _matching(ID_PATTERN, "a snake_case id")
]
Month = Annotated[
    str,
    Field(strict=True, pattern=MONTH_PATTERN),
    _matching(MONTH_PATTERN, "a month YYYY-MM"),
    AfterValidator(_in_horizon),
]
