"""Stripe's form encoding: ``a[b]=1``, ``a[0]=x``, ``a[]=x``, and typed validation.

Requests arrive as flat ``key=value`` pairs; ``parse_form`` nests them into
dicts of strings, and ``validate`` checks them against an endpoint's schema,
refusing unknown parameters the way Stripe does.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from standins.stripe_errors import invalid_parameter, missing_parameter, unknown_parameter

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def parse_form(encoded: str) -> dict[str, Any]:
    """Nest ``a[b][c]=v`` pairs into ``{"a": {"b": {"c": "v"}}}`` (``[]`` appends)."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(encoded, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            raise invalid_parameter(f"Invalid parameter name: {key}", key)
        path = [match.group(1), *re.findall(r"\[([^\]]*)\]", match.group(2))]
        _insert(params, path, value, key)
    return params


def _insert(target: dict[str, Any], path: list[str], value: str, key: str) -> None:
    for segment in path[:-1]:
        segment = segment or str(len(target))
        child = target.setdefault(segment, {})
        if not isinstance(child, dict):
            raise invalid_parameter(f"Invalid parameter: {key}", key)
        target = child
    last = path[-1] or str(len(target))
    if isinstance(target.get(last), dict):
        raise invalid_parameter(f"Invalid parameter: {key}", key)
    target[last] = value


class Field:
    """A scalar string parameter; ``""`` means "unset" and becomes None."""

    def coerce(self, value: Any, name: str) -> Any:
        if not isinstance(value, str):
            raise invalid_parameter(f"Invalid string: {name} must be a string", name)
        return value or None


class Int(Field):
    def __init__(self, low: int | None = None, high: int | None = None) -> None:
        self.low, self.high = low, high

    def coerce(self, value: Any, name: str) -> Any:
        if isinstance(value, str) and value == "":
            return None
        if not isinstance(value, str) or not re.fullmatch(r"-?\d+", value):
            raise invalid_parameter(f"Invalid integer: {value}", name, "parameter_invalid_integer")
        number = int(value)
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            bounds = f"between {self.low} and {self.high}" if self.high is not None else f"at least {self.low}"
            raise invalid_parameter(f"{name} must be {bounds} (it currently is {number}).", name)
        return number


class Bool(Field):
    def coerce(self, value: Any, name: str) -> Any:
        if value in ("true", "false"):
            return value == "true"
        raise invalid_parameter(f"Invalid boolean: {value}", name)


class Enum(Field):
    def __init__(self, *choices: str) -> None:
        self.choices = choices

    def coerce(self, value: Any, name: str) -> Any:
        if value not in self.choices:
            raise invalid_parameter(f"Invalid {name}: must be one of {', '.join(self.choices)}", name)
        return value


class ListOf(Field):
    def __init__(self, item: Field) -> None:
        self.item = item

    def coerce(self, value: Any, name: str) -> Any:
        if value == "":
            return []
        if not isinstance(value, dict) or not all(k.isdigit() for k in value):
            raise invalid_parameter(f"Invalid array: {name}", name)
        ordered = sorted(value.items(), key=lambda kv: int(kv[0]))
        return [self.item.coerce(v, f"{name}[{k}]") for k, v in ordered]


class Obj(Field):
    def __init__(self, fields: Mapping[str, Field]) -> None:
        self.fields = fields

    def coerce(self, value: Any, name: str) -> Any:
        if value == "":
            return None
        if not isinstance(value, dict):
            raise invalid_parameter(f"Invalid object: {name}", name)
        return _check(value, self.fields, name)


_COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}


class Range(Field):
    """A timestamp filter: an exact integer, or ``[gt]``/``[gte]``/``[lt]``/``[lte]``."""

    BOUNDS = ("gt", "gte", "lt", "lte")

    def coerce(self, value: Any, name: str) -> Any:
        if isinstance(value, str):
            exact = INTEGER.coerce(value, name)
            return None if exact is None else {"gte": exact, "lte": exact}
        return Obj(dict.fromkeys(self.BOUNDS, INTEGER)).coerce(value, name)

    @staticmethod
    def holds(bounds: dict[str, int | None], value: int) -> bool:
        """True if ``value`` lies within ``bounds``."""
        return all(b is None or _COMPARE[k](value, b) for k, b in bounds.items())


class Metadata(Field):
    """``metadata[k]=v``; ``""`` as a value deletes the key, as a whole clears all."""

    def coerce(self, value: Any, name: str) -> Any:
        if value == "":
            return {}
        if not isinstance(value, dict) or any(not isinstance(v, str) for v in value.values()):
            raise invalid_parameter("Invalid metadata: must be a hash of string keys to string values", name)
        if len(value) > 50 or any(len(k) > 40 or len(v) > 500 for k, v in value.items()):
            raise invalid_parameter(
                "Metadata can have up to 50 keys, keys up to 40 characters, values up to 500.", name
            )
        return dict(value)


def validate(
    params: Mapping[str, Any], schema: Mapping[str, Field], required: Iterable[str] = ()
) -> dict[str, Any]:
    """Coerce ``params`` by ``schema`` (``expand`` always allowed); refuse the unknown."""
    for name in required:
        if params.get(name) in (None, ""):
            raise missing_parameter(name)
    return _check(params, {**schema, "expand": ListOf(Field())}, "")


def _check(values: Mapping[str, Any], fields: Mapping[str, Field], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key not in fields:
            raise unknown_parameter(name)
        out[key] = fields[key].coerce(value, name)
    return out


STRING = Field()
INTEGER = Int()
BOOLEAN = Bool()
METADATA = Metadata()
LIST_LIMIT = Int(1, 100)
RANGE = Range()
