"""The standalone Billing Admin console (web/ built by `npm run build`) served next to
the API by the local server, at /admin/billing/ — same origin, so no CORS is needed.

Files are served from ``web/dist`` (or ``BILLING_CONSOLE_DIR``); any other path under
the prefix gets ``index.html`` so the console's own routes survive a reload.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from werkzeug.security import safe_join
from werkzeug.utils import redirect, send_file
from werkzeug.wrappers import Request, Response

PREFIX = "/admin/billing"
DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


def console_dir() -> Path:
    """Where the built console is."""
    return Path(os.environ.get("BILLING_CONSOLE_DIR") or DIST)


def console_url(port: int, token: str | None = None) -> str:
    """The console's address; with a token, a link that signs in directly."""
    url = f"http://127.0.0.1:{port}{PREFIX}/"
    return f"{url}#token={token}" if token else url


def handles(path: str) -> bool:
    """True for paths the console serves (the console, and `/` which leads to it)."""
    return path in ("", "/") or path == PREFIX or path.startswith(PREFIX + "/")


def serve_console(environ: dict[str, Any], start_response: Any) -> Any:
    """WSGI: a built file, ``index.html`` for the console's routes, or a 404 explaining
    how to build the console."""
    request = Request(environ)
    if request.path in ("", "/", PREFIX):
        return redirect(PREFIX + "/")(environ, start_response)
    root = console_dir()
    index = root / "index.html"
    if not index.is_file():
        body = f"The console is not built: run `npm ci && npm run build` in web/ ({root})."
        return Response(body, status=404, mimetype="text/plain")(environ, start_response)
    relative = request.path[len(PREFIX) + 1:]
    found = safe_join(str(root), relative) if relative else None
    if found and Path(found).is_file():
        response = send_file(found, environ, max_age=31536000 if "/assets/" in found else 0)
    else:
        response = send_file(str(index), environ, max_age=0)
        response.headers["Cache-Control"] = "no-store"
    return response(environ, start_response)
