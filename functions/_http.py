"""The one HTTP boundary: route registration, parsing, the access gate,
JSON encoding, and BillingError → RFC 9457 problem+json.

Every endpoint is declared with ``endpoint(bp, METHOD, route, ...)``. The
declaration registers the Azure function, records a ``RouteSpec`` (used by the
OpenAPI document and the local server) and wraps the handler so that it runs
the gate, validates query and body with pydantic, and serialises the result.
"""
from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import azure.functions as func
from pydantic import BaseModel, ValidationError

from billing.domain import errors as E

log = logging.getLogger("billing.http")

Gate = Literal["admin", "token", "public"]
#: The app setting naming the storage account of the queues (the Functions default).
QUEUE_CONNECTION = "AzureWebJobsStorage"

STATUS_BY_ERROR: dict[type[E.BillingError], int] = {
    E.ValidationFailed: 422,
    E.Unauthenticated: 401,
    E.Forbidden: 403,
    E.MfaRequired: 403,
    E.MfaVerificationRequired: 403,
    E.NotFound: 404,
    E.Conflict: 409,
    E.InvalidState: 409,
    E.RateLimited: 429,
    E.UpstreamUnavailable: 503,
    E.PaymentProviderError: 502,
    E.BillingError: 400,
}


@dataclass(frozen=True)
class RouteSpec:
    """What an endpoint is: used by the Azure registration, OpenAPI and `billing serve`."""

    name: str
    method: str
    route: str
    summary: str
    gate: Gate
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    media_type: str = "application/json"
    tag: str = "billing"


ROUTES: list[RouteSpec] = []


@dataclass
class Call:
    """Everything a handler gets: the request, deps, caller and parsed input."""

    req: func.HttpRequest
    deps: Any
    invocation_id: str
    principal: Any = None
    body: Any = None
    query: Any = None
    params: dict[str, str] = field(default_factory=dict)
    enqueue: Callable[[str], None] | None = None  # the queue output binding, if declared


Handler = Callable[[Call], Any]


def endpoint(
    bp: func.Blueprint,
    method: str,
    route: str,
    *,
    summary: str,
    gate: Gate = "admin",
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    media_type: str = "application/json",
    tag: str = "billing",
    queue_output: str | None = None,
) -> Callable[[Handler], Handler]:
    """Declare an HTTP endpoint on ``bp`` (route relative to ``/api``); ``queue_output``
    names a storage queue the handler may write one message to (``call.enqueue``)."""

    def register(fn: Handler) -> Handler:
        spec = RouteSpec(fn.__name__, method.upper(), route, summary, gate, body, query,
                         response, status, media_type, tag)
        azure_function = _azure_function(spec, fn, queue_output)
        if queue_output is not None:
            azure_function = bp.queue_output(arg_name="outbox", queue_name=queue_output,
                                             connection=QUEUE_CONNECTION)(azure_function)
        bp.route(route=route, methods=[spec.method], auth_level=func.AuthLevel.ANONYMOUS)(
            azure_function
        )
        ROUTES.append(spec)
        return fn

    return register


def _azure_function(spec: RouteSpec, fn: Handler, queue_output: str | None) -> Callable:
    """The function the Functions host indexes: its parameters are its bindings."""
    if queue_output is None:
        def azure_function(req: func.HttpRequest) -> func.HttpResponse:
            from billing.bootstrap import get_deps

            return dispatch(spec, fn, req, get_deps())
    else:
        def azure_function(req: func.HttpRequest,  # type: ignore[misc]
                           outbox: func.Out[str]) -> func.HttpResponse:
            from billing.bootstrap import get_deps

            return dispatch(spec, fn, req, get_deps(), enqueue=outbox.set)

    azure_function.__name__ = fn.__name__
    azure_function.__doc__ = spec.summary
    return azure_function


def dispatch(spec: RouteSpec, fn: Handler, req: func.HttpRequest, deps: Any, *,
             enqueue: Callable[[str], None] | None = None) -> func.HttpResponse:
    """Run one request through the gate, parsing, the handler and serialisation."""
    invocation_id = uuid.uuid4().hex
    try:
        call = Call(req=req, deps=deps, invocation_id=invocation_id,
                    params=dict(req.route_params or {}), enqueue=enqueue)
        if spec.gate != "public":
            from billing.usecases.access import authorize

            call.principal = authorize(
                req.headers.get("Authorization"), deps=deps, level=spec.gate,
                route=f"{spec.method} /api/{spec.route}",
            )
        call.query = _parse_query(spec.query, req)
        call.body = _parse_body(spec.body, req)
        return respond(fn(call), spec.status)
    except E.BillingError as exc:
        return problem(exc, invocation_id)
    except Exception:
        log.exception("unhandled error", extra={"invocation_id": invocation_id,
                                                "route": spec.route})
        return _problem_response(500, {
            "type": "about:blank", "title": "Internal error", "status": 500,
            "detail": "An unexpected error occurred. Please try again or contact support.",
            "instance": f"urn:invocation:{invocation_id}", "code": "internal_error",
        })


def uuid_param(value: str) -> str:
    """A route parameter that must be a UUID (canonical form); 404 ``not_found`` if not."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise E.NotFound("Not found.", code="not_found") from None


def _validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"field": ".".join(str(p) for p in err["loc"]) or "body", "message": err["msg"],
         "type": err["type"]}
        for err in exc.errors(include_url=False)
    ]


def _parse_query(model: type[BaseModel] | None, req: func.HttpRequest) -> BaseModel | None:
    if model is None:
        return None
    try:
        return model.model_validate(dict(req.params))
    except ValidationError as exc:
        raise E.ValidationFailed("The query parameters are invalid.",
                                 errors=_validation_errors(exc)) from None


def _parse_body(model: type[BaseModel] | None, req: func.HttpRequest) -> BaseModel | None:
    if model is None:
        return None
    raw = req.get_body() or b"{}"
    try:
        data = json.loads(raw, parse_float=Decimal)  # keeps 1e-400 visible as written
    except (ValueError, UnicodeDecodeError):
        raise E.ValidationFailed("The request body is not valid JSON.",
                                 code="invalid_json") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise E.ValidationFailed("The request body is invalid.",
                                 errors=_validation_errors(exc)) from None


def to_json(value: Any) -> bytes:
    """Encode a handler result; Decimals and dates through pydantic's JSON mode."""
    if isinstance(value, BaseModel):
        return value.model_dump_json(by_alias=True).encode()
    from pydantic_core import to_json as core_to_json

    return core_to_json(value)


def respond(result: Any, status: int = 200) -> func.HttpResponse:
    """Turn a handler result into a response (HttpResponse passes through)."""
    if isinstance(result, func.HttpResponse):
        return result
    if result is None:
        return func.HttpResponse(status_code=204)
    return func.HttpResponse(to_json(result), status_code=status,
                             mimetype="application/json", charset="utf-8")


def status_for(exc: E.BillingError) -> int:
    """The HTTP status of an error: the nearest mapped class in its MRO."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def problem(exc: E.BillingError, invocation_id: str) -> func.HttpResponse:
    """RFC 9457 problem+json for a BillingError."""
    status = status_for(exc)
    body: dict[str, Any] = {
        "type": f"https://carexps.com/problems/{exc.code}",
        "title": exc.title, "status": status, "detail": exc.detail,
        "instance": f"urn:invocation:{invocation_id}", "code": exc.code,
    }
    if exc.errors:
        body["errors"] = exc.errors
    body.update(exc.extra)
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    return _problem_response(status, body, headers)


def _problem_response(status: int, body: dict[str, Any],
                      headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(to_json(body), status_code=status, headers=headers or {},
                             mimetype="application/problem+json", charset="utf-8")
