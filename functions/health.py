"""Health check: is the app up and can it reach its database?"""
from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel

from functions._http import Call, endpoint

bp = func.Blueprint()


class Health(BaseModel):
    status: str
    database: str


@endpoint(bp, "GET", "billing/health", summary="Liveness and database reachability",
          gate="public", response=Health, tag="system")
def health(call: Call) -> Health:
    with call.deps.db.system_session("health") as conn:
        conn.execute("select 1")
    return Health(status="ok", database="ok")
