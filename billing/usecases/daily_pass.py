"""The daily pass of the hourly timer: reconciliation with Stripe (repairing what
may be repaired), then payment reminders, then the admin's daily summary.

It runs once per local day of the billing time zone, at the first hourly run
at or after ``DAILY_PASS_HOUR`` (06:00 local, so reminders do not arrive at
night). Exactly once across instances, like the monthly run: the day's row
(primary key, taken under an advisory lock) is created once, and a lease says
which instance works on it. A pass that failed (Stripe unreachable) is retried
by the next hourly runs of the same day, up to ``MAX_ATTEMPTS``; reminders
already sent are recorded and never sent twice. Without a Stripe key there
is nothing to compare or remind: the pass waits (``stripe_not_configured``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from billing.adapters.postgres import daily_pass_sql as sql
from billing.adapters.postgres.settings_sql import load_settings
from billing.usecases.notifications import queue_daily_summary
from billing.usecases.reconciliation import ReconcileOptions, reconcile
from billing.usecases.reminders import Reminder, send_due_reminders
from billing.usecases.steps import run_step

log = logging.getLogger("billing.daily_pass")
ACTOR = "daily_pass"
DAILY_PASS_HOUR = 6
LEASE = timedelta(minutes=50)
MAX_ATTEMPTS = 6
NOT_CONFIGURED = "stripe_not_configured"


@dataclass
class DailyPass:
    """What the hourly run did about the daily pass.

    ``status``: not_due | done (the day's pass is finished or out of attempts) | busy
    (another instance holds it) | stripe_not_configured | completed | failed."""

    status: str
    day: date | None = None
    run: dict[str, Any] | None = None
    reminders: list[Reminder] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def run_daily_pass(deps: Any) -> DailyPass:
    """Do the day's pass if it is due and this instance's to do."""
    now = deps.clock.now()
    with deps.db.system_session(ACTOR) as conn:
        tz = load_settings(conn)["billing_time_zone"]
    local = now.astimezone(ZoneInfo(tz))
    if local.hour < DAILY_PASS_HOUR:
        return DailyPass("not_due")
    day = local.date()
    with deps.db.system_session(ACTOR) as conn:
        status = _claim(conn, day, now)
    if status != "claimed":
        return DailyPass(status, day)
    done = DailyPass("completed", day)
    done.run = run_step(done.failures, "reconciliation", lambda: reconcile(
        deps, None, ReconcileOptions(repair=True, trigger="daily")), log)
    done.reminders = run_step(done.failures, "reminders",
                              lambda: send_due_reminders(deps, day), log) or []
    if NOT_CONFIGURED in done.failures.values():
        done.status, done.failures = NOT_CONFIGURED, {}
    elif done.failures:
        done.status = "failed"
    with deps.db.system_session(ACTOR) as conn:
        if done.status == "completed":
            queue_daily_summary(conn, day, done.run, done.reminders)
        sql.finish_pass(conn, day, status="completed" if done.status == "completed" else "failed",
                        finished_at=deps.clock.now(), run_id=done.run["id"] if done.run else None,
                        reminders_sent=len(done.reminders),
                        error_code=next(iter(done.failures.values()), None))
    return done


def _claim(conn: Any, day: date, now: Any) -> str:
    sql.lock_day(conn, day)
    found = sql.get_pass(conn, day)
    if found is None:
        sql.insert_pass(conn, day, started_at=now, lease_until=now + LEASE)
        return "claimed"
    if found["status"] == "completed":
        return "done"
    if sql.claim_pass(conn, day, now=now, lease_until=now + LEASE, max_attempts=MAX_ATTEMPTS):
        return "claimed"
    return "busy" if found["lease_until"] and found["lease_until"] > now else "done"

