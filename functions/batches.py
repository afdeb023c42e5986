"""Queue-triggered functions: invoice batches run in the background.

``invoice-batches`` carries batch ids written by the HTTP calls and the hourly
timer (queue output bindings). host.json runs one message at a time per
instance (``batchSize`` 1) and retries a failed message after the visibility
timeout; after ``maxDequeueCount`` (5) deliveries the host moves it to
``invoice-batches-poison``, whose function marks the batch ``failed``.
"""
from __future__ import annotations

import azure.functions as func

from functions._queues import BATCH_QUEUE, POISON_QUEUE, QUEUE_CONNECTION

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name=BATCH_QUEUE, connection=QUEUE_CONNECTION)
def run_invoice_batch(msg: func.QueueMessage) -> None:
    """Run the batch named by the message (an exception makes the host retry it)."""
    from billing.bootstrap import get_deps
    from billing.usecases.batch_runner import process_batch

    process_batch(get_deps(), msg.get_body().decode().strip())


@bp.queue_trigger(arg_name="msg", queue_name=POISON_QUEUE, connection=QUEUE_CONNECTION)
def fail_invoice_batch(msg: func.QueueMessage) -> None:
    """A batch whose message failed every delivery is marked failed with the reason."""
    from billing.bootstrap import get_deps
    from billing.usecases.batch_runner import give_up

    give_up(get_deps(), msg.get_body().decode().strip())
