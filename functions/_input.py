"""Request input: query strings and JSON bodies into pydantic models, refusing what
the database or the parser cannot take (NUL, lone surrogates, deep nesting) with
a 4xx problem, never a 500. Field paths in errors start with ``query.`` or ``body.``.
"""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func
from pydantic import BaseModel, ValidationError

from billing.domain import errors as E
from billing.domain.api_types import is_clean_text

#: Deepest JSON nesting a body may have (ours need 3).
MAX_JSON_DEPTH = 32
#: Longest query value accepted.
MAX_QUERY_VALUE = 2000
LOCATIONS = ("query.", "body.", "path.")


def located(errors: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """``errors`` with each ``field`` path starting with its location (``where`` if none)."""
    out = []
    for error in errors:
        name = str(error.get("field") or "")
        if not name.startswith(LOCATIONS):
            name = f"{where}.{name}" if name else where
        out.append({**error, "field": name})
    return out


def _validation_errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    return [
        {"field": ".".join([where, *(str(p) for p in err["loc"])]), "message": err["msg"],
         "type": err["type"]}
        for err in exc.errors(include_url=False, include_context=False)
    ]


def query_values(req: func.HttpRequest) -> dict[str, str]:
    """The query string as one value per name; a repeated name's values are joined
    with commas, as the Functions host does (``status=a&status=b`` → ``a,b``)."""
    query = urlsplit(req.url).query if req.url else ""
    pairs = (parse_qsl(query, keep_blank_values=True, errors="surrogateescape")
             if query else list(req.params.items()))
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return {name: ",".join(vals) for name, vals in values.items()}


def parse_query(model: type[BaseModel] | None, req: func.HttpRequest) -> BaseModel | None:
    """The query string validated by ``model`` (422 ``validation_failed`` if not)."""
    if model is None:
        return None
    values = query_values(req)
    bad = [{"field": f"query.{name}", "message": "Invalid characters or too long",
            "type": "invalid_characters"}
           for name, value in values.items()
           if not (is_clean_text(name) and is_clean_text(value))
           or len(value) > MAX_QUERY_VALUE]
    if bad:
        raise E.ValidationFailed("The query parameters are invalid.",
                                 code="invalid_characters", errors=bad)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise E.ValidationFailed("The query parameters are invalid.",
                                 errors=_validation_errors(exc, "query")) from None


def parse_body(model: type[BaseModel] | None, req: func.HttpRequest) -> BaseModel | None:
    """The JSON body validated by ``model``: 400 ``invalid_json`` or ``json_too_deep``
    if unparsable, 422 ``invalid_characters`` or ``validation_failed`` if invalid.
    An empty body counts as ``{}`` (every field of our bodies has a default or is
    reported missing)."""
    if model is None:
        return None
    raw = req.get_body() or b"{}"
    try:
        data = json.loads(raw, parse_float=Decimal)  # keeps 1e-400 visible as written
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise E.BillingError("The request body is not valid JSON.", code="invalid_json",
                             errors=[{"field": "body", "message": "Not valid JSON"}]
                             ) from None
    bad = _check_tree(data)
    if bad:
        raise E.ValidationFailed("The request body has invalid characters.",
                                 code="invalid_characters",
                                 errors=[{"field": bad, "message": "Invalid characters",
                                          "type": "invalid_characters"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise E.ValidationFailed("The request body is invalid.",
                                 errors=_validation_errors(exc, "body")) from None


def _too_deep() -> E.BillingError:
    return E.BillingError(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.",
                          code="json_too_deep",
                          errors=[{"field": "body", "message": "Nested too deeply"}])


def _check_tree(data: Any) -> str | None:
    """The path of the first string (or key) with NUL or a lone surrogate, else None;
    raises ``json_too_deep`` beyond ``MAX_JSON_DEPTH``. Iterative (no recursion)."""
    stack: list[tuple[Any, str, int]] = [(data, "body", 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise _too_deep()
        if isinstance(value, str):
            if not is_clean_text(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                if not is_clean_text(key):
                    return path
                stack.append((item, f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}.{i}", depth + 1) for i, item in enumerate(value))
    return None
