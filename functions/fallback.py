"""What no route matched: 404 problem for an unknown route, 405 problem with
``Allow`` for a known route asked with another method. Registered after every
other blueprint (the host tries routes in registration order)."""
from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import azure.functions as func

from functions._http import ROUTES, problem_response
from functions._problems import problem_body
from functions._routes import match_route

bp = func.Blueprint()


def unmatched(method: str, url: str) -> func.HttpResponse:
    """The problem for ``method`` on ``url`` when no registered route took it."""
    path = urlsplit(url).path
    rest = path.split("/api/", 1)[1] if "/api/" in path else path.lstrip("/")
    allowed = sorted({spec.method for spec in ROUTES
                      if match_route(spec.route, rest) is not None})
    invocation_id = uuid.uuid4().hex
    if not allowed:
        return problem_response(404, problem_body(
            404, "not_found", "Not found", "There is no such API route.", invocation_id))
    return problem_response(405, problem_body(
        405, "method_not_allowed", "Method not allowed",
        f"{method.upper()} is not allowed here; use {', '.join(allowed)}.", invocation_id,
        extra={"allowed_methods": allowed}), {"Allow": ", ".join(allowed)})


@bp.route(route="billing/{*rest}", auth_level=func.AuthLevel.ANONYMOUS)
def route_not_found(req: func.HttpRequest) -> func.HttpResponse:
    """Answer a request no other billing route matched."""
    return unmatched(req.method, req.url)
