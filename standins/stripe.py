"""A loopback Stripe (v1 wire format) for tests and the demo.

Run it alone with ``python -m standins.stripe --port 12111``, or in-process::

    with StripeStandin() as standin:          # a free port, a daemon thread
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": standin.base_url})
        standin.inject_fault("drop_after", path="^/v1/invoices$")

Another process drives a running stand-in with ``StripeStandinControl(base_url)``;
both speak to the ``/_standin`` control endpoints listed in ``stripe_control``.
"""
from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

import httpx

from standins.stripe_server import StripeServer, StripeStandinApp, start_in_thread, stop


class StandinControlError(RuntimeError):
    """A control call was refused."""


class StripeStandinControl:
    """The control surface of a running stand-in, over HTTP."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(timeout=30)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: Any = None, query: dict | None = None) -> Any:
        response = self._http.request(method, f"{self.base_url}/_standin{path}", json=body, params=query)
        if response.status_code >= 400:
            raise StandinControlError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """Logged API requests, oldest first; ``path`` is a regex searched in the path."""
        query = {k: v for k, v in (("method", method), ("path", path)) if v}
        return self._call("GET", "/requests", query=query)

    def inject_fault(
        self, kind: str, *, times: int = 1, path: str | None = None, method: str | None = None,
        delay_ms: int = 0, retry_after: int = 1,
    ) -> dict[str, Any]:
        """Make the next ``times`` matching API requests misbehave (see ``stripe_faults``)."""
        spec = {"kind": kind, "times": times, "path": path, "method": method,
                "delay_ms": delay_ms, "retry_after": retry_after}
        return self._call("POST", "/faults", spec)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def restrict_api_keys(self, keys: list[str] | None) -> None:
        """Accept only ``keys`` (None: any well-formed key)."""
        self._call("PUT", "/api_keys", {"keys": keys})

    def register_webhook(self, url: str, secret: str, enabled_events: list[str] | None = None) -> dict[str, Any]:
        return self._call("POST", "/webhooks", {"url": url, "secret": secret, "enabled_events": enabled_events})

    def set_webhook_mode(self, mode: str) -> None:
        """``auto``: delivered after each response; ``queued``: held until ``flush_events``."""
        self._call("PUT", "/webhooks/mode", {"mode": mode})

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "/events", query={"type": type} if type else None)

    def flush_events(self, order: list[str] | None = None, duplicate: bool = False) -> list[dict[str, Any]]:
        """Deliver queued events (all, or ``order``'s ids in that order), twice each if ``duplicate``."""
        return self._call("POST", "/events/flush", {"order": order, "duplicate": duplicate})

    def deliver_event(self, event_id: str, times: int = 1) -> list[dict[str, Any]]:
        """Deliver an event again, ``times`` times."""
        return self._call("POST", f"/events/{event_id}/deliver", {"times": times})

    def deliveries(self) -> list[dict[str, Any]]:
        return self._call("GET", "/deliveries")

    def mark_paid(self, invoice_id: str, *, webhook: bool = True) -> dict[str, Any]:
        """As if the customer paid online: paid, amount_paid, paid_at; ``invoice.paid``
        (``webhook=False``: the events are lost, as if the webhook was missed)."""
        return self._call("POST", f"/invoices/{invoice_id}/customer_paid", {"webhook": webhook})

    def void_quietly(self, invoice_id: str) -> dict[str, Any]:
        """Void an open invoice as Stripe's dashboard would, with the webhook missed."""
        return self._call("POST", f"/invoices/{invoice_id}/void", {"webhook": False})

    def set_due_date(self, invoice_id: str, due_date: int) -> dict[str, Any]:
        """Move the due date (unix seconds), as an edit in Stripe's dashboard."""
        return self._call("POST", f"/invoices/{invoice_id}/due_date", {"due_date": due_date})

    def edit_line(self, invoice_id: str, index: int, amount: int) -> dict[str, Any]:
        """Change the amount (cents) of one line, as an edit in Stripe's dashboard."""
        return self._call("POST", f"/invoices/{invoice_id}/edit_line",
                          {"index": index, "amount": amount})

    def fail_payment(self, invoice_id: str) -> dict[str, Any]:
        return self._call("POST", f"/invoices/{invoice_id}/payment_failed")

    def mark_overdue(self, invoice_id: str) -> dict[str, Any]:
        """As if the due date passed: ``invoice.overdue``."""
        return self._call("POST", f"/invoices/{invoice_id}/overdue")


class StripeStandin(StripeStandinControl):
    """A stand-in served from a background thread of this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__("")
        self._address = (host, port)
        self._running: tuple[StripeServer, Any] | None = None

    def start(self) -> StripeStandin:
        if self._http.is_closed:
            self._http = httpx.Client(timeout=30)
        self._running = start_in_thread(*self._address)
        self.base_url = self._running[0].app.base_url
        return self

    def stop(self) -> None:
        if self._running is not None:
            stop(*self._running)
            self._running = None
        self.close()

    def __enter__(self) -> StripeStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standins.stripe", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--api-key", action="append",
                        help="accept only these keys, also after a reset (repeatable)")
    args = parser.parse_args(argv)
    keys = set(args.api_key) if args.api_key else None
    server = StripeServer(args.host, args.port, StripeStandinApp(valid_keys=keys))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"Stripe stand-in on {server.app.base_url}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        server.app.webhooks.stop()


if __name__ == "__main__":
    main()
