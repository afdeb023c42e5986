"""What the RLS matrix knows about each billing table: how to seed one row,
and the statements each persona attempts. Add a table here when a migration
adds one; the matrix test fails for any RLS-enabled public table missing here."""
from __future__ import annotations

SEED_IDS = {
    "customer": "11111111-1111-1111-1111-111111111111",
    "free_customer": "55555555-5555-5555-5555-555555555555",
    "invoice": "22222222-2222-2222-2222-222222222222",
    "batch": "44444444-4444-4444-4444-444444444444",
    "user": "55555555-5555-5555-5555-555555555555",
    "run": "66666666-6666-6666-6666-666666666666",
}

SEED_SQL = [
    "insert into billing_customers (id, customer_name, customer_email)"
    " values (%(customer)s, 'Seed Clinic', 'seed@clinic.test')",
    "insert into billing_customers (id, customer_name, customer_email)"
    " values (%(free_customer)s, 'Free Clinic', 'free@clinic.test')",
    "insert into billing_customer_agents (agent_id, billing_customer_id)"
    " values ('agent_seed', %(customer)s)",
    "insert into invoice_records (id, billing_customer_id, billing_period_start,"
    " billing_period_end, subtotal_cad, total_amount_cad)"
    " values (%(invoice)s, %(customer)s, '2026-10-01', '2026-10-31', 10, 10)",
    "insert into billing_audit_log (actor_type, action) values ('system', 'BILLING_SEED')",
    "insert into invoice_batches (id, period_start, period_end, mode)"
    " values (%(batch)s, '2026-10-01', '2026-10-31', 'draft')",
    "insert into invoice_batch_items (batch_id, billing_customer_id, status)"
    " values (%(batch)s, %(customer)s, 'succeeded')",
    "insert into usage_records (source, external_id, agent_id, started_at)"
    " values ('retell_chat', 'chat_seed', 'agent_seed', '2026-10-05T12:00:00Z')",
    "insert into fx_rates (rate_date, source, usd_cad, observed_on)"
    " values ('2026-10-30', 'bank_of_canada', 1.39, '2026-10-30')",
    "insert into usage_sync_cursors (source, high_water_mark) values ('retell_chat', now())",
    "insert into auth.users (id, email) values (%(user)s, 'seed@carexps.test')",
    "insert into billing_access_state (user_id, last_used_step) values (%(user)s, 1)",
    "insert into billing_rate_limit_events (user_id, action, occurred_at)"
    " values (%(user)s, 'mutation', now())",
    "insert into billing_auto_invoice_runs (period_start, period_end, batch_id, scheduled_for)"
    " values ('2026-10-01', '2026-10-31', %(batch)s, now())",
    "insert into billing_stripe_events (event_id, event_type, event_created, outcome)"
    " values ('evt_seed', 'invoice.paid', now(), 'applied')",
    "insert into billing_notification_outbox (kind, dedupe_key, recipient, subject, body)"
    " values ('payment_received', 'seed', 'billing@clinic.test', 'Seed', 'Seed')",
    "insert into billing_reconciliation_runs (id, trigger, since) values (%(run)s, 'cli',"
    " '2026-10-01')",
    "insert into billing_reconciliation_findings (run_id, kind, invoice_id, detail)"
    " values (%(run)s, 'stuck', %(invoice)s, 'Seed')",
    "insert into billing_daily_passes (pass_day) values ('2026-11-01')",
    "insert into billing_invoice_reminders (invoice_id, reminder_day, days_overdue,"
    " stripe_invoice_id) values (%(invoice)s, 3, 3, 'in_seed')",
    "insert into billing_webhook_rejections (source, body_sha256, reason)"
    " values ('stripe', repeat('a', 64), 'seed')",
]

# table -> {operation: sql}. Statements may use %(customer)s, %(invoice)s, %(uniq)s.
TABLES: dict[str, dict[str, str]] = {
    "billing_customers": {
        "select": "select id from billing_customers",
        "insert": "insert into billing_customers (customer_name, customer_email)"
                  " values ('New Clinic', %(uniq)s || '@clinic.test')",
        "update": "update billing_customers set notes = 'n' where id = %(customer)s",
        "delete": "delete from billing_customers where id = %(free_customer)s",
    },
    "billing_customer_agents": {
        "select": "select agent_id from billing_customer_agents",
        "insert": "insert into billing_customer_agents (agent_id, billing_customer_id)"
                  " values (%(uniq)s, %(customer)s)",
        "update": "update billing_customer_agents set created_at = now()"
                  " where agent_id = 'agent_seed'",
        "delete": "delete from billing_customer_agents where agent_id = 'agent_seed'",
    },
    "invoice_records": {
        "select": "select id from invoice_records",
        "insert": "insert into invoice_records (billing_customer_id, billing_period_start,"
                  " billing_period_end, subtotal_cad, total_amount_cad, supplementary)"
                  " values (%(customer)s, '2026-09-01', '2026-09-30', 1, 1, true)",
        "update": "update invoice_records set invoice_number = 'X' where id = %(invoice)s",
        "delete": "delete from invoice_records where id = %(invoice)s",
    },
    "billing_settings": {
        "select": "select id from billing_settings",
        "insert": "insert into billing_settings (id) values (true)"
                  " on conflict (id) do update set auto_invoice_time = '01:00'",
        "update": "update billing_settings set default_due_date_days = 15",
        "delete": "delete from billing_settings",
    },
    "billing_audit_log": {
        "select": "select id from billing_audit_log",
        "insert": "insert into billing_audit_log (actor_type, actor_id, action)"
                  " values (%(actor_type)s, %(actor_id)s, 'BILLING_PROBE')",
        "update": "update billing_audit_log set details = '{}'",
        "delete": "delete from billing_audit_log",
    },
    "invoice_batches": {
        "select": "select id from invoice_batches",
        "insert": "insert into invoice_batches (period_start, period_end, mode)"
                  " values ('2026-10-01', '2026-10-31', 'draft')",
        "update": "update invoice_batches set total = 3 where id = %(batch)s",
        "delete": "delete from invoice_batches where id = %(batch)s",
    },
    "invoice_batch_items": {
        "select": "select batch_id from invoice_batch_items",
        "insert": "insert into invoice_batch_items (batch_id, billing_customer_id)"
                  " select id, %(customer)s from invoice_batches where id = %(batch)s"
                  " on conflict (batch_id, billing_customer_id) do update set attempts = 1",
        "update": "update invoice_batch_items set attempts = 2",
        "delete": "delete from invoice_batch_items",
    },
    "billing_rate_cards": {
        "select": "select id from billing_rate_cards",
        "insert": "insert into billing_rate_cards (effective_from, usd_per_segment,"
                  " usd_per_minute, prompt_segments, segment_rules)"
                  " values ('2030-01-01', 0.01, 0.03, 4, 'standard')",
        "update": "update billing_rate_cards set prompt_segments = 5",
        "delete": "delete from billing_rate_cards",
    },
    "usage_records": {
        "select": "select id from usage_records",
        "insert": "insert into usage_records (source, external_id, started_at)"
                  " values ('retell_call', %(uniq)s, now())",
        "update": "update usage_records set invoice_id = %(invoice)s"
                  " where external_id = 'chat_seed'",
        "delete": "delete from usage_records",
    },
    "fx_rates": {
        "select": "select rate_date from fx_rates",
        "insert": "insert into fx_rates (rate_date, source, usd_cad, observed_on)"
                  " values ('2026-10-29', 'bank_of_canada', 1.38, '2026-10-29')",
        "update": "update fx_rates set usd_cad = 1.4",
        "delete": "delete from fx_rates",
    },
    "usage_sync_cursors": {
        "select": "select source from usage_sync_cursors",
        "insert": "insert into usage_sync_cursors (source, high_water_mark)"
                  " values ('retell_call', now())",
        "update": "update usage_sync_cursors set high_water_mark = now()",
        "delete": "delete from usage_sync_cursors",
    },
    "billing_usage_daily": {
        "select": "select usage_day from billing_usage_daily",
        "insert": "insert into billing_usage_daily (agent_id, usage_day)"
                  " values (%(uniq)s, '2026-10-01')",
        "update": "update billing_usage_daily set chats = chats + 1",
        "delete": "delete from billing_usage_daily",
    },
    "billing_usage_monthly": {
        "select": "select usage_month from billing_usage_monthly",
        "insert": "insert into billing_usage_monthly (agent_id, usage_month)"
                  " values (%(uniq)s, '2026-10-01')",
        "update": "update billing_usage_monthly set chats = chats + 1",
        "delete": "delete from billing_usage_monthly",
    },
    "billing_access_state": {
        "select": "select user_id from billing_access_state",
        "insert": "insert into billing_access_state (user_id) values (%(user)s)"
                  " on conflict (user_id) do update set locked_until = now()",
        "update": "update billing_access_state set last_used_step = 2",
        "delete": "delete from billing_access_state",
    },
    "billing_rate_limit_events": {
        "select": "select id from billing_rate_limit_events",
        "insert": "insert into billing_rate_limit_events (user_id, action, occurred_at)"
                  " values (%(user)s, 'export', now())",
        "update": "update billing_rate_limit_events set occurred_at = now()",
        "delete": "delete from billing_rate_limit_events",
    },
    "billing_auto_invoice_runs": {
        "select": "select period_start from billing_auto_invoice_runs",
        "insert": "insert into billing_auto_invoice_runs (period_start, period_end, batch_id,"
                  " scheduled_for) values ('2026-09-01', '2026-09-30', %(batch)s, now())",
        "update": "update billing_auto_invoice_runs set attempts = 2",
        "delete": "delete from billing_auto_invoice_runs",
    },
    "billing_stripe_events": {
        "select": "select event_id from billing_stripe_events",
        "insert": "insert into billing_stripe_events (event_id, event_type, event_created,"
                  " outcome) values ('evt_' || %(uniq)s, 'invoice.sent', now(), 'applied')",
        "update": "update billing_stripe_events set outcome = 'unchanged'",
        "delete": "delete from billing_stripe_events",
    },
    "billing_notification_outbox": {
        "select": "select id from billing_notification_outbox",
        "insert": "insert into billing_notification_outbox (kind, dedupe_key, recipient,"
                  " subject, body) values ('payment_received', %(uniq)s, 'a@clinic.test',"
                  " 'Subject', 'Body')",
        "update": "update billing_notification_outbox set status = 'sent'",
        "delete": "delete from billing_notification_outbox",
    },
    "billing_reconciliation_runs": {
        "select": "select id from billing_reconciliation_runs",
        "insert": "insert into billing_reconciliation_runs (trigger, since)"
                  " values ('api', '2026-10-01')",
        "update": "update billing_reconciliation_runs set status = 'completed'",
        "delete": "delete from billing_reconciliation_runs",
    },
    "billing_reconciliation_findings": {
        "select": "select id from billing_reconciliation_findings",
        "insert": "insert into billing_reconciliation_findings (run_id, kind, detail)"
                  " values (%(run)s, 'missing_in_stripe', %(uniq)s)",
        "update": "update billing_reconciliation_findings set repaired = false",
        "delete": "delete from billing_reconciliation_findings",
    },
    "billing_daily_passes": {
        "select": "select pass_day from billing_daily_passes",
        "insert": "insert into billing_daily_passes (pass_day) values ('2026-11-02')",
        "update": "update billing_daily_passes set attempts = 2",
        "delete": "delete from billing_daily_passes",
    },
    "billing_invoice_reminders": {
        "select": "select id from billing_invoice_reminders",
        "insert": "insert into billing_invoice_reminders (invoice_id, days_overdue,"
                  " stripe_invoice_id, actor_type, created_by)"
                  " values (%(invoice)s, 1, 'in_seed', %(actor_type)s, %(actor_id)s)",
        "update": "update billing_invoice_reminders set days_overdue = 4",
        "delete": "delete from billing_invoice_reminders",
    },
    "billing_webhook_rejections": {
        "select": "select id from billing_webhook_rejections",
        "insert": "insert into billing_webhook_rejections (source, body_sha256, reason)"
                  " values ('retell', repeat('b', 64), 'probe')",
        "update": "update billing_webhook_rejections set deliveries = deliveries + 1",
        "delete": "delete from billing_webhook_rejections",
    },
}

ALL = {"select", "insert", "update", "delete"}
ADMIN_ONLY_READ_APPEND = {"select", "insert"}

# table -> operations allowed for a billing admin / for service_role
# Invoices, batches and usage claims are written by the saga only, as service_role.
ADMIN_ALLOWED: dict[str, set[str]] = {
    "billing_customers": ALL,
    "invoice_batches": {"select"},
    "invoice_batch_items": {"select"},
    "billing_customer_agents": ALL,
    "invoice_records": {"select"},
    "billing_settings": {"select", "update"},
    "billing_audit_log": ADMIN_ONLY_READ_APPEND,
    "billing_rate_cards": {"select"},
    "usage_records": {"select"},
    "fx_rates": {"select", "insert"},
    "usage_sync_cursors": {"select"},
    "billing_access_state": set(),
    "billing_rate_limit_events": set(),
    "billing_auto_invoice_runs": {"select"},
    "billing_stripe_events": {"select"},
    "billing_notification_outbox": {"select"},
    "billing_usage_daily": {"select"},
    "billing_usage_monthly": {"select"},
    "billing_reconciliation_runs": {"select"},
    "billing_reconciliation_findings": {"select"},
    "billing_daily_passes": {"select"},
    "billing_invoice_reminders": {"select"},
    "billing_webhook_rejections": {"select"},
}
SERVICE_ALLOWED: dict[str, set[str]] = {
    "billing_customers": ALL,
    "invoice_batches": ALL,
    "invoice_batch_items": ALL,
    "billing_customer_agents": ALL,
    "invoice_records": ALL,
    "billing_settings": {"select", "insert", "update"},
    "billing_audit_log": ADMIN_ONLY_READ_APPEND,
    "billing_rate_cards": ALL,
    "usage_records": ALL,
    "fx_rates": ALL,
    "usage_sync_cursors": ALL,
    "billing_access_state": ALL,
    "billing_rate_limit_events": ALL,
    "billing_auto_invoice_runs": ALL,
    "billing_stripe_events": ALL,
    "billing_notification_outbox": ALL,
    "billing_usage_daily": {"select"},
    "billing_usage_monthly": {"select"},
    "billing_reconciliation_runs": ALL,
    "billing_reconciliation_findings": ALL,
    "billing_daily_passes": ALL,
    "billing_invoice_reminders": ALL,
    "billing_webhook_rejections": {"select", "insert", "update"},
}
