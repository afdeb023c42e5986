"""The stand-in's objects: one store behind one lock, ids, lists and events."""
from __future__ import annotations

import copy
import itertools
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from standins.stripe_errors import ApiError, no_such

API_VERSION = "2026-10-28.endive"
_ALPHABET = string.ascii_letters + string.digits


def random_token(length: int, alphabet: str = _ALPHABET) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


class StripeState:
    """Customers, invoices and invoice items by id, in creation order."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self._now = now
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.objects: dict[str, dict[str, Any]] = {}
            self.deleted: dict[str, dict[str, Any]] = {}
            self.extra: dict[str, dict[str, Any]] = {}
            self._order: dict[str, int] = {}
            self._seq = itertools.count()

    def now(self) -> int:
        return int(self._now())

    def new_id(self, prefix: str, length: int = 24) -> str:
        return f"{prefix}_{random_token(length)}"

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[obj["id"]] = obj
        self._order[obj["id"]] = next(self._seq)
        return obj

    def get(self, kind: str, object_id: str, livemode: bool, param: str = "id") -> dict[str, Any]:
        """The live object ``object_id`` of ``kind`` in the caller's mode, or 404."""
        obj = self.objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise no_such(kind, object_id, param)
        if obj["livemode"] != livemode:
            error = no_such(kind, object_id, param)
            used, other = ("live", "test") if livemode else ("test", "live")
            error.message += (
                f"; a similar object exists in {other} mode, but a {used} mode key was used "
                "to make this request."
            )
            raise error
        return obj

    def remove(self, object_id: str) -> dict[str, Any]:
        obj = self.objects.pop(object_id)
        stub = {"id": object_id, "object": obj["object"], "deleted": True}
        self.deleted[object_id] = stub
        return stub

    def page(
        self, kind: str, livemode: bool, query: dict[str, Any], url: str,
        keep: Callable[[dict[str, Any]], bool] = lambda _: True, newest_first: bool = True,
    ) -> dict[str, Any]:
        """A Stripe list object honouring ``limit``/``starting_after``/``ending_before``."""
        found = [o for o in self.objects.values() if o["object"] == kind and o["livemode"] == livemode]
        found = [o for o in found if keep(o)]
        found.sort(key=lambda o: self._order[o["id"]], reverse=newest_first)
        # The reply is encoded under the state lock, so the page need not be a copy.
        return list_object(found, query, url, copy_items=False)


def list_object(items: list[dict[str, Any]], query: dict[str, Any], url: str,
                copy_items: bool = True) -> dict[str, Any]:
    ids = [o["id"] for o in items]
    limit = query.get("limit") or 10
    after, before = query.get("starting_after"), query.get("ending_before")
    for cursor, name in ((after, "starting_after"), (before, "ending_before")):
        if cursor is not None and cursor not in ids:
            raise ApiError(400, f"Invalid {name}: no such object '{cursor}' in this list", param=name, stored=False)
    if before is not None:
        end = ids.index(before)
        window = items[max(0, end - limit):end]
        has_more = end - limit > 0
    else:
        start = ids.index(after) + 1 if after is not None else 0
        window = items[start:start + limit]
        has_more = start + limit < len(items)
    data = copy.deepcopy(window) if copy_items else window
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


@dataclass
class Ctx:
    """One API request as the handlers see it; events wait here until the response is sent."""

    state: StripeState
    livemode: bool
    base_url: str
    request_id: str | None
    idempotency_key: str | None = None
    api_version: str = API_VERSION
    events: list[dict[str, Any]] = field(default_factory=list)

    def emit(self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = previous
        self.events.append({
            "id": self.state.new_id("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": self.state.now(),
            "data": data,
            "livemode": self.livemode,
            "pending_webhooks": 0,
            "request": {"id": self.request_id, "idempotency_key": self.idempotency_key},
            "type": event_type,
        })


Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Route:
    """An API endpoint: ``pattern`` groups are passed to ``handler`` after the params."""

    method: str
    pattern: str
    handler: Handler
    schema: dict[str, Any]
    required: tuple[str, ...] = ()
