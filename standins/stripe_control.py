"""Control endpoints under ``/_standin`` (JSON in, JSON out), for tests and the demo.

    POST   /_standin/reset                      forget everything
    GET    /_standin/requests?method=&path=     the API request log (path: regex)
    GET|POST|DELETE /_standin/faults            list / arm {kind, times, path, method,
                                                delay_ms, retry_after} / disarm all
    PUT    /_standin/api_keys                   {"keys": [...] | null} restrict valid keys
    GET|POST /_standin/webhooks                 list / register {url, secret, enabled_events}
    PUT    /_standin/webhooks/mode              {"mode": "auto" | "queued"}
    GET    /_standin/events?type=               events, oldest first
    POST   /_standin/events/flush               {"order": [ids]?, "duplicate": bool}
    POST   /_standin/events/{id}/deliver        {"times": n}  resend / duplicate
    GET    /_standin/deliveries                 delivery log (after the worker drained)
    POST   /_standin/invoices/{id}/{customer_paid|payment_failed|overdue|void|
                                   mark_uncollectible}  {"webhook": false}: no events
    POST   /_standin/invoices/{id}/edit_line    {"index": i, "amount": cents}: an edit in
                                                Stripe's dashboard (no event)
    POST   /_standin/invoices/{id}/due_date     {"due_date": unix}: likewise
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from standins import stripe_invoice_actions as actions
from standins.stripe_api import Reply, Request, json_reply
from standins.stripe_errors import ApiError
from standins.stripe_invoices import refresh
from standins.stripe_parts import StripeParts
from standins.stripe_state import Ctx

PREFIX = "/_standin"


class NotFound(Exception):
    """The control names an object the stand-in does not have."""

Control = Callable[[StripeParts, dict[str, Any], dict[str, str], tuple[str, ...]], Any]
INVOICE_ACTIONS = {
    "customer_paid": actions.customer_paid,
    "payment_failed": actions.payment_failed,
    "overdue": actions.overdue,
    "void": lambda ctx, invoice_id: actions.void(ctx, {}, invoice_id),
    "mark_uncollectible": lambda ctx, invoice_id: actions.mark_uncollectible(ctx, {}, invoice_id),
}


def _reset(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    app.reset()
    return {"reset": True}


def _requests(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    method, path = query.get("method"), query.get("path")
    return [
        e for e in app.api.log()
        if (method is None or e["method"] == method.upper())
        and (path is None or re.search(path, e["path"]))
    ]


def _set_keys(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    keys = body.get("keys")
    app.api.valid_keys = None if keys is None else set(keys)
    return {"keys": keys}


def _register(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    return app.webhooks.register(body["url"], body["secret"], body.get("enabled_events"))


def _mode(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    app.webhooks.set_mode(body["mode"])
    return {"mode": body["mode"]}


def _events(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    return app.webhooks.of_type(query.get("type"))


def _flush(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    return app.webhooks.flush(body.get("order"), bool(body.get("duplicate")))


def _deliver(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    if args[0] not in app.webhooks.events:
        raise NotFound(f"no event {args[0]}")
    return app.webhooks.deliver(args[0], int(body.get("times", 1)))


def _deliveries(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    app.webhooks.drain()
    return list(app.webhooks.deliveries)


def _invoice_action(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    """A happening on Stripe's side; ``"webhook": false`` records no event (a missed one)."""
    invoice_id, action = args
    with app.state.lock:
        ctx = Ctx(app.state, _invoice(app, invoice_id)["livemode"], app.base_url,
                  request_id=None)
        result = json.loads(json.dumps(INVOICE_ACTIONS[action](ctx, invoice_id)))
    if body.get("webhook", True):
        app.webhooks.release(app.webhooks.record(ctx.events))
    return result


def _edit_line(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    """Change one line's amount, as an edit in Stripe's dashboard would (no event)."""
    with app.state.lock:
        invoice = _invoice(app, args[0])
        app.state.extra[invoice["id"]]["lines"][int(body["index"])]["amount"] = int(body["amount"])
        refresh(app.state, invoice)
        return json.loads(json.dumps(invoice))


def _due_date(app: StripeParts, body: dict, query: dict, args: tuple) -> Any:
    """Move the due date, as an edit in Stripe's dashboard would (no event)."""
    with app.state.lock:
        invoice = _invoice(app, args[0])
        invoice["due_date"] = int(body["due_date"])
        return json.loads(json.dumps(invoice))


def _invoice(app: StripeParts, invoice_id: str) -> dict[str, Any]:
    invoice = app.state.objects.get(invoice_id)
    if invoice is None or invoice["object"] != "invoice":
        raise NotFound(f"no invoice {invoice_id}")
    return invoice


ROUTES: list[tuple[str, str, Control]] = [
    ("POST", r"/reset", _reset),
    ("GET", r"/requests", _requests),
    ("GET", r"/faults", lambda app, b, q, a: app.faults.armed()),
    ("POST", r"/faults", lambda app, b, q, a: vars(app.faults.add(**b))),
    ("DELETE", r"/faults", lambda app, b, q, a: app.faults.clear() or []),
    ("PUT", r"/api_keys", _set_keys),
    ("GET", r"/webhooks", lambda app, b, q, a: [vars(e) for e in app.webhooks.endpoints]),
    ("POST", r"/webhooks", _register),
    ("PUT", r"/webhooks/mode", _mode),
    ("GET", r"/events", _events),
    ("POST", r"/events/flush", _flush),
    ("POST", r"/events/([^/]+)/deliver", _deliver),
    ("GET", r"/deliveries", _deliveries),
    ("POST", r"/invoices/([^/]+)/(customer_paid|payment_failed|overdue|void|mark_uncollectible)",
     _invoice_action),
    ("POST", r"/invoices/([^/]+)/edit_line", _edit_line),
    ("POST", r"/invoices/([^/]+)/due_date", _due_date),
]


def handle(app: StripeParts, req: Request) -> Reply:
    """Dispatch one control request; bad input is a 400, an unknown id a 404."""
    sub = req.path[len(PREFIX):]
    found = [(c, m) for verb, pattern, c in ROUTES if verb == req.method and (m := re.fullmatch(pattern, sub))]
    if not found:
        return json_reply(404, {"error": f"no control {req.method} {req.path}"})
    control, match = found[0]
    query = {k: v[-1] for k, v in parse_qs(req.query).items()}
    try:
        body = json.loads(req.body or b"{}")
        return json_reply(200, control(app, body, query, match.groups()))
    except NotFound as exc:
        return json_reply(404, {"error": str(exc)})
    except ApiError as exc:
        return json_reply(exc.status, exc.body())
    except (KeyError, ValueError, TypeError) as exc:
        return json_reply(400, {"error": f"{type(exc).__name__}: {exc}"})
