"""The function app as the Python worker indexes it: every function's parameters are
its bindings (outputs typed ``func.Out``), and the invoice-batch queue is wired end to
end — written by the batch endpoints and the hourly timer, read by its queue function,
with a poison-queue function behind it."""
from __future__ import annotations

import inspect
import json
import typing
from pathlib import Path

import azure.functions as func

from billing.local.server import all_functions
from billing.usecases.batch_runner import MAX_DEQUEUE_COUNT

QUEUE = "invoice-batches"
ROOT = Path(__file__).resolve().parents[2]


def _functions() -> dict[str, dict]:
    return {f.get_function_name(): {"json": json.loads(f.get_function_json()),
                                    "user": f.get_user_function()} for f in all_functions()}


def test_every_function_takes_exactly_its_bindings_and_outputs_are_func_out():
    for name, fn in _functions().items():
        bindings = {b["name"]: b for b in fn["json"]["bindings"] if b["name"] != "$return"}
        params = inspect.signature(fn["user"]).parameters
        assert set(params) == set(bindings), name
        hints = typing.get_type_hints(fn["user"])
        for arg, binding in bindings.items():
            if binding["direction"] == "OUT":
                assert typing.get_origin(hints[arg]) is func.Out, (name, arg)


def test_the_batch_queue_is_written_by_the_endpoints_and_the_timer():
    writers = sorted(name for name, fn in _functions().items()
                     if any(b["type"] == "queue" and b["direction"] == "OUT"
                            and b["queueName"] == QUEUE for b in fn["json"]["bindings"]))
    assert writers == ["create_invoice_batch", "hourly", "retry_invoice_batch"]


def test_the_batch_queue_and_its_poison_queue_each_have_a_function():
    triggers = {b["queueName"]: (name, b["connection"]) for name, fn in _functions().items()
                for b in fn["json"]["bindings"] if b["type"] == "queueTrigger"}
    assert triggers == {QUEUE: ("run_invoice_batch", "AzureWebJobsStorage"),
                        f"{QUEUE}-poison": ("fail_invoice_batch", "AzureWebJobsStorage")}


def test_host_json_runs_one_message_at_a_time_and_poisons_after_five_deliveries():
    queues = json.loads((ROOT / "host.json").read_text())["extensions"]["queues"]
    assert (queues["batchSize"], queues["newBatchThreshold"], queues["maxDequeueCount"]) == (
        1, 0, 5)
    assert queues["visibilityTimeout"] == "00:00:30"
    assert queues["maxDequeueCount"] == MAX_DEQUEUE_COUNT  # the reason the batch states
