"""CORS for the local server, so the console's dev server (another origin) can call
the API. In Azure the platform's CORS does this (see docs/DEPLOY.md).

``BILLING_CORS_ORIGINS`` lists the allowed origins, comma-separated; unset means
the console's local dev server, empty means none. Other origins get no CORS
headers at all.
"""
from __future__ import annotations

import os
from collections.abc import Mapping

#: The Vite dev server of the console (web/), by both loopback names.
DEFAULT_ORIGINS = "http://localhost:5173,http://127.0.0.1:5173"
ALLOWED_HEADERS = "Authorization, Content-Type"
EXPOSED_HEADERS = "Retry-After, Location, Content-Disposition"
MAX_AGE_S = 600


def allowed_origins(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """The origins ``BILLING_CORS_ORIGINS`` allows (default: the console's dev server)."""
    raw = (os.environ if env is None else env).get("BILLING_CORS_ORIGINS", DEFAULT_ORIGINS)
    return frozenset(o.strip().rstrip("/") for o in raw.split(",") if o.strip())


def is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    """An ``OPTIONS`` request naming the method it wants (a CORS preflight)."""
    return method == "OPTIONS" and "Access-Control-Request-Method" in headers


def preflight_headers(origin: str, methods: list[str]) -> dict[str, str]:
    """Headers of the answer to an allowed origin's preflight."""
    return {"Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": str(MAX_AGE_S), "Vary": "Origin"}


def response_headers(origin: str) -> dict[str, str]:
    """Headers added to an allowed origin's actual response."""
    return {"Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": EXPOSED_HEADERS, "Vary": "Origin"}
