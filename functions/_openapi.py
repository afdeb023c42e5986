"""OpenAPI 3.1 document generated from the route table and pydantic models."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from functions._http import ROUTES, RouteSpec

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "instance": {"type": "string"}, "code": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def _models(routes: list[RouteSpec]) -> list[type[BaseModel]]:
    seen: dict[str, type[BaseModel]] = {}
    for spec in routes:
        for model in (spec.body, spec.response):
            if model is not None:
                seen[model.__name__] = model
    return list(seen.values())


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(spec: RouteSpec, refs: dict[str, Any]) -> dict[str, Any]:
    path_params = [
        {"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for part in spec.route.split("/") if part.startswith("{")
    ]
    op: dict[str, Any] = {
        "operationId": spec.name, "summary": spec.summary, "tags": [spec.tag],
        "parameters": path_params + _query_parameters(spec.query),
        "responses": {
            str(spec.status): {"description": "Success", "content": {spec.media_type: {
                "schema": refs.get(spec.response.__name__, {}) if spec.response else {}}}},
            "default": {"description": "Problem", "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"}}}},
        },
    }
    if spec.gate != "public":
        op["security"] = [{"bearer": []}]
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[spec.body.__name__]}}}
    return op


def openapi_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document for every registered route."""
    routes = list(ROUTES)
    models = _models(routes)
    keyed, defs = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/components/schemas/{model}"
    )
    refs = {m.__name__: keyed[(m, "validation")] for m in models}
    paths: dict[str, dict[str, Any]] = {}
    for spec in routes:
        paths.setdefault(f"/api/{spec.route}", {})[spec.method.lower()] = _operation(spec, refs)
    schemas = {**defs.get("$defs", {}), "Problem": PROBLEM_SCHEMA}
    return {
        "openapi": "3.1.0",
        "info": {"title": "CareXPS Billing Admin API", "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
