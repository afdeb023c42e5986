"""Timer-triggered functions: the hourly run (at minute 5 of every hour)."""
from __future__ import annotations

import azure.functions as func

from functions._queues import BATCH_QUEUE, QUEUE_CONNECTION

bp = func.Blueprint()


@bp.timer_trigger(schedule="0 5 * * * *", arg_name="timer", run_on_startup=False)
@bp.queue_output(arg_name="outbox", queue_name=BATCH_QUEUE, connection=QUEUE_CONNECTION)
def hourly(timer: func.TimerRequest, outbox: func.Out[str]) -> None:
    """The hourly run as the system: incremental usage sync, overdue sweep, monthly
    auto-invoicing when due (its batch goes on the ``invoice-batches`` queue), the
    daily pass (reconciliation with Stripe, payment reminders) once per local day, and
    queued notification e-mails."""
    from billing.bootstrap import get_deps
    from billing.usecases.hourly import run_hourly

    run_hourly(get_deps(), enqueue=outbox.set)
