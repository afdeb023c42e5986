"""The demo's CareXPS organisation: the spec's test customers plus a few more,
their Retell agents (one agent left unmapped), and the organisation settings."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.adapters.postgres.sessions import Connection
from billing.adapters.postgres.settings_sql import update_settings

# name, email, markup %, auto-invoice, agents (ids from the Retell stand-in's seed)
CUSTOMERS: list[tuple[str, str, str, bool, tuple[str, ...]]] = [
    ("Acme Healthcare", "billing@acme-healthcare.example", "0", True,
     ("agent_acme_sms", "agent_acme_voice")),
    ("Beta Medical", "accounts@beta-medical.example", "20", True,
     ("agent_laval_sms", "agent_laval_voice")),
    ("Maple Dental Group", "finance@maple-dental.example", "15", True,
     ("agent_maple_frontdesk",)),
    ("Northern Physiotherapy", "office@northern-physio.example", "10", True, ()),
    ("Harbour Eye Clinic", "admin@harbour-eye.example", "5", False, ()),
]
UNMAPPED_AGENT = "agent_unmapped_demo"


def seed_organisation(conn: Connection, *, due_days: int = 30,
                      sealed: dict[str, str] | None = None) -> dict[str, str]:
    """Insert the demo customers and agent mappings, turn monthly invoicing on (in send
    mode, since the start of last month) and store ``sealed`` settings columns (the
    encrypted Stripe key and webhook secret); returns customer ids by name."""
    ids: dict[str, str] = {}
    for name, email, markup, auto, agents in CUSTOMERS:
        row = conn.execute(
            "insert into billing_customers (customer_name, customer_email, markup_percentage,"
            " auto_invoice_enabled, billing_contact_name) values (%s, %s, %s, %s, %s)"
            " returning id::text", [name, email, Decimal(markup), auto, "Accounts payable"],
        ).fetchone()
        ids[name] = row["id"]
        for agent in agents:
            conn.execute("insert into billing_customer_agents (agent_id, billing_customer_id)"
                         " values (%s, %s)", [agent, row["id"]])
    conn.execute(
        "update billing_settings set auto_invoice_enabled = true, auto_send_invoices = true,"
        " auto_invoice_day_of_month = 1, auto_invoice_time = '06:00',"
        " default_due_date_days = %s, invoice_footer_text = %s, default_invoice_note = %s,"
        " auto_invoice_enabled_at = date_trunc('month', now()) - interval '1 month'",
        [due_days, "CareXPS CRM | support@carexps.example",
         "Thank you for your business."])
    if sealed:
        update_settings(conn, sealed, updated_by=None)
    return ids


def auto_invoice_customer_ids(conn: Connection) -> list[str]:
    """Customers the monthly run invoices."""
    return [r["id"] for r in conn.execute(
        "select id::text from billing_customers where auto_invoice_enabled order by customer_name")]


def customer_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every customer with its agents, for the summary."""
    return conn.execute(
        "select c.id::text, c.customer_name, c.markup_percentage, c.stripe_customer_id,"
        " coalesce(array_agg(a.agent_id order by a.agent_id) filter (where a.agent_id is not"
        " null), '{}') as agents from billing_customers c left join billing_customer_agents a"
        " on a.billing_customer_id = c.id group by c.id order by c.customer_name").fetchall()
