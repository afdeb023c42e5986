"""Signed webhook bodies checked against models of exactly the fields we read.

A body is refused with 400 ``invalid_event`` unless it is at most
``MAX_BODY_BYTES`` of JSON (nesting bounded by the parser, no lone
surrogates) whose read fields have the right types within bounds: ids and
labels match their patterns, text has a maximum length and no NUL, numbers
are finite and within what the ledger can hold. So nothing about a
malformed event reaches the database's check constraints.

A refused event is recorded once per distinct body (``billing_webhook_rejections``:
its id and type as far as they are printable text, the reason, a SHA-256 of
the body and how often it came) — never the body itself — and logged the same way.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Collection
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import from_json

from billing.adapters.postgres import webhook_rejections_sql
from billing.adapters.postgres.sessions import Database
from billing.adapters.retell import WEBHOOK_RECORD_KEYS
from billing.domain.errors import BillingError

log = logging.getLogger("billing.webhooks")

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_REASON = 300
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
_PRINTABLE = re.compile(r"[^\x21-\x7e]")


class InvalidEvent(BillingError):
    """A correctly signed webhook whose body is not the event shape we read (HTTP 400)."""

    code = "invalid_event"
    title = "Invalid event"

    def __init__(self, reason: str, *, event_id: str | None = None,
                 event_type: str | None = None) -> None:
        super().__init__(f"The webhook body is not a valid event: {reason}",
                         extra={"reason": reason})
        self.reason, self.event_id, self.event_type = reason, event_id, event_type


def _no_nul_or_surrogate(value: str) -> str:
    if _FORBIDDEN.search(value):
        raise ValueError("must not contain NUL or lone surrogates")
    return value


def _text(max_length: int, pattern: str | None = None) -> Any:
    return Annotated[str, Field(min_length=1, max_length=max_length, pattern=pattern),
                     AfterValidator(_no_nul_or_surrogate)]


Id = _text(128, r"^[A-Za-z0-9_.:\-]+$")
Label = _text(64, r"^[A-Za-z0-9_.\-]+$")
Text = _text(100_000)
#: 2000-01-01 .. 2100-01-01 in epoch milliseconds; a call lasts at most a week.
EpochMs = Annotated[int, Field(ge=946_684_800_000, le=4_102_444_800_000)]
DurationMs = Annotated[int, Field(ge=0, le=7 * 24 * 3_600_000)]
Cents = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class StripeObjectRef(_Read):
    id: _text(255, r"^[A-Za-z0-9_]+$") | None = None


class StripeEventData(_Read):
    object: StripeObjectRef


class StripeEvent(_Read):
    """The fields of a Stripe event we read."""

    id: _text(254, r"^evt_[A-Za-z0-9_]{1,250}$")
    type: _text(100, r"^[a-z0-9_.]+$")
    created: Annotated[int, Field(ge=0, le=4_102_444_800)]
    livemode: bool = False
    data: StripeEventData


class RetellCost(_Read):
    combined_cost: Cents | None = None


class _RetellRecord(_Read):
    agent_id: Id
    start_timestamp: EpochMs
    end_timestamp: EpochMs | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> _RetellRecord:
        if self.end_timestamp is not None and self.end_timestamp < self.start_timestamp:
            raise ValueError("end_timestamp is before start_timestamp")
        return self


class RetellCall(_RetellRecord):
    call_id: Id
    call_type: Label | None = None
    call_status: Label | None = None
    duration_ms: DurationMs | None = None
    call_cost: RetellCost | None = None


class RetellMessage(_Read):
    role: Label
    content: Text | None = None


class RetellChat(_RetellRecord):
    chat_id: Id
    chat_type: Label | None = None
    chat_status: Label | None = None
    chat_cost: RetellCost | None = None
    message_with_tool_calls: list[RetellMessage] | None = Field(default=None, max_length=10_000)


class RetellEnvelope(_Read):
    event: Label


class RetellCallEvent(RetellEnvelope):
    call: RetellCall


class RetellChatEvent(RetellEnvelope):
    chat: RetellChat


def _label(value: Any) -> str | None:
    """A printable rendition of an id or type for the record (strings only, ≤ 100)."""
    if not isinstance(value, str):
        return None
    return _PRINTABLE.sub("", value)[:100] or None


def _reason(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"[:MAX_REASON]


def _decoded(raw: bytes) -> Any:
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidEvent(f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        return from_json(raw)
    except ValueError as exc:
        raise InvalidEvent(f"not JSON ({str(exc)[:200]})") from None


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _validated(model: type[BaseModel], data: Any, id_path: tuple[str, ...],
               type_key: str) -> Any:
    """``data`` as ``model``, or InvalidEvent naming what was wrong first."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidEvent(_reason(exc), event_id=_label(_dig(data, id_path)),
                           event_type=_label(_dig(data, (type_key,)))) from None


def stripe_event(raw: bytes, invoice_events: Collection[str]) -> dict[str, Any]:
    """The event's read fields as a dict (``id``, ``type``, ``created``, ``livemode``,
    ``data.object.id``); an invoice event must name an invoice (``in_…``)."""
    event: StripeEvent = _validated(StripeEvent, _decoded(raw), ("id",), "type")
    object_id = event.data.object.id
    if event.type in invoice_events and not (object_id or "").startswith("in_"):
        raise InvalidEvent("data.object.id: an invoice id (in_…) is required",
                           event_id=event.id, event_type=event.type)
    return event.model_dump()


def retell_event(raw: bytes) -> dict[str, Any]:
    """The event's read fields as a dict: ``event``, and for the events we store the
    ``call`` or ``chat`` record's read fields."""
    data = _decoded(raw)
    envelope: RetellEnvelope = _validated(RetellEnvelope, data, (), "event")
    key = WEBHOOK_RECORD_KEYS.get(envelope.event)
    if key is None:
        return {"event": envelope.event}
    model = RetellCallEvent if key == "call" else RetellChatEvent
    return _validated(model, data, (key, f"{key}_id"), "event").model_dump(exclude_none=True)


def reject(db: Database, source: str, raw: bytes, invalid: InvalidEvent) -> InvalidEvent:
    """Record the refused event once per distinct body and log it (never the body)."""
    digest = hashlib.sha256(raw).hexdigest()
    with db.system_session(f"{source}_webhook") as conn:
        webhook_rejections_sql.record_rejection(
            conn, source=source, body_sha256=digest, event_id=invalid.event_id,
            event_type=invalid.event_type, reason=invalid.reason)
    log.warning("webhook event refused", extra={
        "webhook_source": source, "event_id": invalid.event_id,
        "event_type": invalid.event_type, "reason": invalid.reason, "body_sha256": digest})
    return invalid
