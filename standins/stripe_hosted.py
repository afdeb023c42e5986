"""The hosted invoice page and invoice PDF behind ``hosted_invoice_url`` / ``invoice_pdf``."""
from __future__ import annotations

import html
import re
from typing import Any

from standins.stripe_api import Reply
from standins.stripe_state import StripeState

_PATH = re.compile(r"/(i|invoice)/(acct_\w+/(?:test|live)_\w+)(/pdf)?")


def is_hosted(path: str) -> bool:
    return _PATH.fullmatch(path) is not None


def serve(state: StripeState, path: str) -> Reply:
    match = _PATH.fullmatch(path)
    kind, token, pdf = match.groups() if match else ("", "", None)
    if (kind == "i") == bool(pdf):
        return Reply(404, b"Not found", {"Content-Type": "text/plain"})
    with state.lock:
        found = [
            dict(o) for o in state.objects.values()
            if o["object"] == "invoice" and (o["hosted_invoice_url"] or "").endswith("/i/" + token)
        ]
    if not found:
        return Reply(404, b"Not found", {"Content-Type": "text/plain"})
    summary = _summary(found[0])
    if pdf:
        return Reply(200, pdf_document(summary), {"Content-Type": "application/pdf"})
    page = f"<!doctype html><title>Invoice</title><h1>{html.escape(summary)}</h1>"
    return Reply(200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})


def _summary(invoice: dict[str, Any]) -> str:
    amount = f"{invoice['total'] / 100:.2f} {invoice['currency'].upper()}"
    return f"Invoice {invoice['number']} - {amount} - {invoice['status']}"


def pdf_document(text: str) -> bytes:
    """A one-page PDF showing ``text`` (Latin-1, escaped)."""
    safe = text.encode("latin-1", "replace").decode("latin-1")
    safe = safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 16 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
