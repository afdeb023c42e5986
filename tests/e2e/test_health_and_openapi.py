"""The served app answers over real HTTP: health, OpenAPI, unknown routes."""
from __future__ import annotations

import subprocess
import sys
import time

from billing.local.server import registered_functions
from functions._http import ROUTES


def test_health_reports_database_ok(api):
    resp = api.get("/api/billing/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": "ok"}


def test_openapi_covers_every_registered_route(api):
    doc = api.get("/api/billing/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    documented = {(m.upper(), path) for path, ops in doc["paths"].items() for m in ops}
    registered = {(r.method, r.path) for r in ROUTES}
    assert registered and registered == documented


def test_unknown_route_is_404(api):
    assert api.get("/api/billing/nope").status_code == 404


def test_importing_function_app_does_no_io_and_is_fast():
    code = ("import time, socket; t = time.perf_counter();"
            "real = socket.socket.connect\n"
            "def guard(*a, **k): raise AssertionError('network at import')\n"
            "socket.socket.connect = guard\n"
            "import function_app; print(time.perf_counter() - t)")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={
        "PATH": "/usr/bin:/bin", "DATABASE_URL": "postgresql://nowhere.invalid/x"})
    assert out.returncode == 0, out.stderr
    names = [f.get_function_name() for f in registered_functions()]
    assert len(names) == len(ROUTES) + 1 and names[-1] == "route_not_found"
    assert time.perf_counter() - started < 30
