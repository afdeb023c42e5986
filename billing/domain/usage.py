"""What the usage ledger needs from Retell: calls, chats and chat messages.

Pure values, no vendor types. Message ``content`` only ever lives in memory
while SMS segments are counted; it is hidden from ``repr`` so that it cannot
leak into a log line or a traceback.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

#: Message roles that carry SMS text (Retell's ``agent``, ``user`` and ``sms``).
SMS_MESSAGE_ROLES = frozenset({"agent", "user", "sms"})
#: Call statuses after which Retell changes a call no more.
FINAL_CALL_STATUSES = ("ended", "error", "not_connected")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc_from_ms(ms: int) -> datetime:
    """Milliseconds since the epoch as an aware UTC datetime (exact)."""
    return _EPOCH + timedelta(milliseconds=int(ms))


def ms_from_utc(moment: datetime) -> int:
    """An aware datetime as whole milliseconds since the epoch."""
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def cents(value: float | int | str | None) -> Decimal | None:
    """A vendor cost in cents as an exact Decimal (floats go through ``str``)."""
    if value is None:
        return None
    return Decimal(str(value))


def _require_utc(moment: datetime | None, name: str) -> None:
    if moment is not None and moment.utcoffset() != timedelta(0):
        raise ValueError(f"{name} must be an aware UTC datetime")


@dataclass(frozen=True)
class CallUsage:
    """One Retell voice call, as billed: who, when, how long, what it cost."""

    call_id: str
    agent_id: str
    call_type: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int
    combined_cost_cents: Decimal | None

    def __post_init__(self) -> None:
        _require_utc(self.started_at, "started_at")
        _require_utc(self.ended_at, "ended_at")
        if self.duration_ms < 0:
            raise ValueError("duration_ms must not be negative")


def billable_call(call: CallUsage) -> bool:
    """A call is billed if it ended, or if it finished otherwise (``error``,
    ``not_connected``) but Retell charged for it (``combined_cost`` > 0)."""
    if call.status == "ended":
        return True
    return call.status in FINAL_CALL_STATUSES and (call.combined_cost_cents or 0) > 0


def has_telephone_leg(call: CallUsage) -> bool:
    """Twilio voice minutes apply only to a telephone call (``phone_call``, inbound or
    outbound) that connected: never to a ``web_call``, never to ``not_connected``."""
    return call.call_type == "phone_call" and call.status != "not_connected" \
        and call.duration_ms > 0


@dataclass(frozen=True)
class ChatUsage:
    """One Retell chat (``sms_chat`` or ``api_chat``) without its messages."""

    chat_id: str
    agent_id: str
    chat_type: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    combined_cost_cents: Decimal | None

    def __post_init__(self) -> None:
        _require_utc(self.started_at, "started_at")
        _require_utc(self.ended_at, "ended_at")


@dataclass(frozen=True)
class ChatMessage:
    """One text message of a chat; ``content`` is never stored nor logged."""

    role: str
    content: str = field(repr=False)
