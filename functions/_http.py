"""The one HTTP boundary: route registration, parsing, the access gate,
JSON encoding, and BillingError → RFC 9457 problem+json.

Every endpoint is declared with ``endpoint(bp, METHOD, route, ...)``. The
declaration registers the Azure function, records a ``RouteSpec`` (used by the
OpenAPI document and the local server) and wraps the handler so that it runs
the gate, validates query and body with pydantic, and serialises the result.
"""
from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import azure.functions as func
from pydantic import BaseModel

from billing.domain import errors as E
from functions._client_address import client_address
from functions._input import located, parse_body, parse_query
from functions._problems import problem_body
from functions._queues import QUEUE_CONNECTION

log = logging.getLogger("billing.http")

Gate = Literal["admin", "token", "public"]

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
    errors: tuple[int, ...] = ()
    also: dict[int, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The route as an OpenAPI path: ``/api/...`` without parameter constraints."""
        return "/api/" + ROUTE_PARAM.sub(r"{\1}", self.route)


ROUTE_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")
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
    errors: tuple[int, ...] = (),
    also: dict[int, str] | None = None,
    headers: dict[str, str] | None = None,
    queue_output: str | None = None,
) -> Callable[[Handler], Handler]:
    """Declare an HTTP endpoint on ``bp`` (route relative to ``/api``).

    ``response`` is the model of the success body (results are validated through
    it); ``errors`` lists error statuses beyond those the gate and parsing give;
    ``also`` other success statuses with their descriptions (e.g. ``{204: ...}``);
    ``headers`` required request headers (name → description), e.g. a signature;
    ``queue_output`` a storage queue the handler may write one message to
    (``call.enqueue``, a queue output binding). Declaring the models is all the
    OpenAPI document needs.
    """

    def register(fn: Handler) -> Handler:
        spec = RouteSpec(fn.__name__, method.upper(), route, summary, gate, body, query,
                         response, status, media_type, tag, errors, dict(also or {}),
                         dict(headers or {}))
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
        def azure_function(req: func.HttpRequest,
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
                route=f"{spec.method} /api/{spec.route}", source=client_address(req.headers),
            )
        call.query = parse_query(spec.query, req)
        call.body = parse_body(spec.body, req)
        result = fn(call)
        if spec.response is not None and not isinstance(result, BaseModel | func.HttpResponse
                                                        ) and result is not None:
            result = spec.response.model_validate(result)
        return respond(result, spec.status)
    except E.BillingError as exc:
        return problem(exc, invocation_id, where="body" if spec.body else "query")
    except Exception:
        log.exception("unhandled error", extra={"invocation_id": invocation_id,
                                                "route": spec.route})
        return problem_response(500, problem_body(
            500, "internal_error", "Internal error",
            "An unexpected error occurred. Please try again or contact support.",
            invocation_id))


def uuid_param(value: str) -> str:
    """A route parameter that must be a UUID (canonical form); 404 ``not_found`` if not."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        raise E.NotFound("Not found.", code="not_found") from None


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


def problem(exc: E.BillingError, invocation_id: str, *, where: str = "body"
            ) -> func.HttpResponse:
    """RFC 9457 problem+json for a BillingError (``status`` is the HTTP status;
    field paths without a location are placed in ``where``: body or query)."""
    status = status_for(exc)
    extra = dict(exc.extra)
    headers = {}
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
        extra["retry_after_s"] = int(retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="billing"'
    body = problem_body(status, exc.code, exc.title, exc.detail, invocation_id,
                        errors=located(exc.errors, where), extra=extra)
    return problem_response(status, body, headers)


def problem_response(status: int, body: dict[str, Any],
                     headers: dict[str, str] | None = None) -> func.HttpResponse:
    """An ``application/problem+json`` response of ``body``."""
    return func.HttpResponse(to_json(body), status_code=status, headers=headers or {},
                             mimetype="application/problem+json", charset="utf-8")
