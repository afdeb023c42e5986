"""The OpenAPI 3.1 document, generated from the route table (``functions._http.ROUTES``)
and the pydantic models each endpoint declares. A new endpoint is documented by
declaring it with ``endpoint(...)``: its query, body and response models, extra
error statuses (``errors``), other success statuses (``also``), request headers.
"""
from __future__ import annotations

from importlib import metadata
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema

from functions._http import ROUTE_PARAM, ROUTES, RouteSpec
from functions._problems import Problem

REF = "#/components/schemas/{model}"
PROBLEM_JSON = "application/problem+json"
#: Route constraint → path parameter schema.
PARAM_SCHEMAS = {"guid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}
ERROR_TEXT = {
    400: "The request body is not valid JSON (or nests too deeply)",
    401: "No valid bearer token",
    403: "Not a Super User, MFA not set up, or MFA not verified today",
    404: "Not found",
    409: "Conflicts with the current state",
    422: "Invalid input; `errors` lists every invalid field",
    429: "Too many requests; wait `retry_after_s` seconds",
    502: "Stripe refused or failed",
    503: "A service we depend on is unavailable; retry after `retry_after_s` seconds",
}
SHARED_RESPONSES: dict[str, Any] = {
    "Problem": {"description": "A problem (RFC 9457)", "content": {
        PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}},
    "Unauthorized": {
        "description": ERROR_TEXT[401],
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"},
                                         "description": "Bearer"}},
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}},
    "RetryLater": {
        "description": "Retry later: the wait is in Retry-After and `retry_after_s`",
        "headers": {"Retry-After": {"schema": {"type": "integer"},
                                    "description": "Seconds to wait"}},
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}},
}


class _Generator(GenerateJsonSchema):
    """Responses always carry every field (defaults included), so in serialization
    mode every field is required; a request field with a default stays optional."""

    def field_is_required(self, field: Any, total: bool) -> bool:
        if self.mode == "serialization":
            return not field.get("serialization_exclude")
        return super().field_is_required(field, total)


def _schemas(routes: list[RouteSpec]) -> tuple[dict[tuple[type, str], Any], dict[str, Any]]:
    wanted: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(Problem, "serialization"): None}
    for spec in routes:
        for model, mode in ((spec.query, "validation"), (spec.body, "validation"),
                            (spec.response, "serialization")):
            if model is not None:
                wanted[(model, mode)] = None
    keyed, defs = models_json_schema(list(wanted), ref_template=REF,
                                     schema_generator=_Generator)
    return keyed, defs.get("$defs", {})


def _component(ref: dict[str, Any]) -> str:
    return ref["$ref"].rsplit("/", 1)[1]


def _no_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without the ``null`` branch (a query has no null)."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (
        k == "default" and v is None)}
    if len(options) == 1:
        return {**rest, **options[0]}
    return {**rest, "anyOf": options} if options else rest


def _query_parameters(model_schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(model_schema.get("required", []))
    params = []
    for name, prop in model_schema.get("properties", {}).items():
        schema = _no_null(prop)
        param = {"name": name, "in": "query", "required": name in required, "schema": schema}
        if schema.get("type") == "array":
            param.update(style="form", explode=True, description=(
                "Repeat the parameter (`status=a&status=b`) or separate values with "
                "commas (`status=a,b`)."))
        params.append(param)
    return params


def _path_parameters(spec: RouteSpec) -> list[dict[str, Any]]:
    params = []
    for match in ROUTE_PARAM.finditer(spec.route):
        constraint = match.group(0)[1:-1].partition(":")[2]
        params.append({"name": match.group(1), "in": "path", "required": True,
                       "schema": dict(PARAM_SCHEMAS.get(constraint, {"type": "string"}))})
    return params


def _error_statuses(spec: RouteSpec) -> list[int]:
    statuses = set(spec.errors)
    if spec.gate != "public":
        statuses.add(401)
    if spec.gate == "admin":
        statuses.add(403)
    if spec.query is not None:
        statuses.add(422)
    if spec.body is not None:
        statuses.update({400, 422})
    if ROUTE_PARAM.search(spec.route):
        statuses.add(404)
    return sorted(statuses)


def _error_response(status: int) -> dict[str, Any]:
    if status == 401:
        return {"$ref": "#/components/responses/Unauthorized"}
    if status in (429, 503):
        return {"$ref": "#/components/responses/RetryLater"}
    return {"description": ERROR_TEXT.get(status, "A problem"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}}}


def _success(spec: RouteSpec, refs: dict[tuple[type, str], Any]) -> dict[str, Any]:
    if spec.status == 302:
        return {"description": "Redirect", "headers": {"Location": {
            "required": True, "schema": {"type": "string", "format": "uri"}}}}
    if spec.status == 204:
        return {"description": "Done, no content"}
    out: dict[str, Any] = {"description": spec.summary}
    if spec.media_type == "text/csv":
        out["content"] = {"text/csv": {"schema": {"type": "string"}}}
        out["headers"] = {"Content-Disposition": {"schema": {"type": "string"}}}
    elif spec.response is not None:
        out["content"] = {spec.media_type: {"schema": refs[(spec.response, "serialization")]}}
    else:  # a document of its own kind (this OpenAPI document)
        out["content"] = {spec.media_type: {"schema": {"type": "object",
                                                       "additionalProperties": True}}}
    if spec.status in (201, 202):
        out.setdefault("headers", {})["Location"] = {"schema": {"type": "string"}}
    return out


def _operation(spec: RouteSpec, refs: dict[tuple[type, str], Any],
               defs: dict[str, Any]) -> dict[str, Any]:
    query = (defs[_component(refs[(spec.query, "validation")])] if spec.query else {})
    headers = [{"name": name, "in": "header", "required": True, "description": text,
                "schema": {"type": "string"}} for name, text in spec.headers.items()]
    responses: dict[str, Any] = {str(spec.status): _success(spec, refs)}
    for status, text in spec.also.items():
        responses[str(status)] = {"description": text}
    for status in _error_statuses(spec):
        responses[str(status)] = _error_response(status)
    responses["default"] = {"$ref": "#/components/responses/Problem"}
    op: dict[str, Any] = {
        "operationId": spec.name, "summary": spec.summary, "tags": [spec.tag],
        "parameters": _path_parameters(spec) + _query_parameters(query) + headers,
        "responses": responses,
        "security": [{"bearer": []}] if spec.gate != "public" else [],
    }
    if spec.body is not None:
        body_ref = refs[(spec.body, "validation")]
        op["requestBody"] = {
            "required": bool(defs[_component(body_ref)].get("required")),
            "content": {"application/json": {"schema": body_ref}}}
    elif spec.headers:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"type": "object"}}}}
    return op


def _version() -> str:
    try:
        return metadata.version("carexps-billing")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for every registered route."""
    routes = list(ROUTES)
    refs, defs = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for spec in routes:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs, defs)
    schemas = dict(sorted(defs.items()))
    return {
        "openapi": "3.1.0",
        "info": {"title": "CareXPS Billing Admin API", "version": _version(),
                 "description": "Money amounts are decimal strings with a fixed scale "
                                "(CAD/USD 2 places, FX rates 6, minutes 2). Errors are "
                                "RFC 9457 problem details whose `status` is the HTTP status."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas, "responses": SHARED_RESPONSES,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "bearerFormat": "JWT"}}},
    }
