-- Reconciliation with Stripe and payment reminders.
--
-- A reconciliation run compares Stripe's invoices with invoice_records and
-- keeps what it found (one row per finding) and what it repaired. The daily
-- pass of the hourly timer (reconciliation + reminders) runs once per local
-- day: the day's row is created once (primary key, under an advisory lock)
-- and a lease says which timer instance works on it. A payment reminder is a
-- re-send of an open invoice by Stripe; an automatic one is sent at most once
-- per configured day per invoice (unique index).

-- Settings ----------------------------------------------------------------------
alter table public.billing_settings
  add column payment_reminders_enabled boolean not null default false,
  add column payment_reminder_days integer[] not null default '{3,7,14}',
  add constraint valid_payment_reminder_days check (
    cardinality(payment_reminder_days) <= 10
    and array_position(payment_reminder_days, null) is null
    and 1 <= all (payment_reminder_days) and 365 >= all (payment_reminder_days)
  );

-- The daily summary e-mail lists the reminders sent and the findings.
alter table public.billing_notification_outbox
  drop constraint valid_notification_kind,
  add constraint valid_notification_kind check (
    kind in ('invoices_generated', 'payment_received', 'daily_summary')
  );

-- Reconciliation runs and findings ------------------------------------------------
create table public.billing_reconciliation_runs (
  id uuid primary key default gen_random_uuid(),
  trigger text not null,
  since date not null,
  repair boolean not null default false,
  status text not null default 'running',
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  stripe_invoices integer not null default 0,
  invoices_checked integer not null default 0,
  customers_checked integer not null default 0,
  findings_total integer not null default 0,
  repaired_total integer not null default 0,
  counts jsonb not null default '{}'::jsonb,
  error_code text,
  created_by uuid references auth.users (id) on delete set null,
  constraint valid_reconciliation_trigger check (trigger in ('api', 'cli', 'daily')),
  constraint valid_reconciliation_status check (status in ('running', 'completed', 'failed')),
  constraint valid_reconciliation_totals check (
    stripe_invoices >= 0 and invoices_checked >= 0 and customers_checked >= 0
    and findings_total >= 0 and repaired_total >= 0 and repaired_total <= findings_total
  )
);
create index billing_reconciliation_runs_started_idx
  on public.billing_reconciliation_runs (started_at desc);

create table public.billing_reconciliation_findings (
  id bigint generated always as identity primary key,
  run_id uuid not null references public.billing_reconciliation_runs (id) on delete cascade,
  kind text not null,
  invoice_id uuid references public.invoice_records (id) on delete set null,
  billing_customer_id uuid references public.billing_customers (id) on delete set null,
  stripe_invoice_id text,
  stripe_customer_id text,
  our_status text,
  stripe_status text,
  our_total_cents bigint,
  stripe_total_cents bigint,
  detail text not null,
  repairable boolean not null default false,
  repaired boolean not null default false,
  repair_action text,
  created_at timestamptz not null default now(),
  constraint valid_finding_kind check (kind in (
    'status_behind', 'amount_mismatch', 'orphan_in_stripe', 'missing_in_stripe', 'stuck',
    'customer_link_broken')),
  constraint valid_finding_repair check (repairable or not repaired),
  constraint valid_finding_detail check (char_length(detail) <= 1000)
);
create index billing_reconciliation_findings_run_idx
  on public.billing_reconciliation_findings (run_id, kind, id);

-- The daily pass, once per local day ------------------------------------------------
create table public.billing_daily_passes (
  pass_day date primary key,
  status text not null default 'running',
  attempts integer not null default 1,
  lease_until timestamptz,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  reconciliation_run_id uuid references public.billing_reconciliation_runs (id)
    on delete set null,
  reminders_sent integer not null default 0,
  error_code text,
  updated_at timestamptz not null default now(),
  constraint valid_daily_pass_status check (status in ('running', 'completed', 'failed')),
  constraint valid_daily_pass_attempts check (attempts >= 1),
  constraint valid_daily_pass_reminders check (reminders_sent >= 0)
);
create trigger billing_daily_passes_updated_at before update on public.billing_daily_passes
  for each row execute function public.billing_touch_updated_at();

-- Payment reminders ------------------------------------------------------------------
create table public.billing_invoice_reminders (
  id bigint generated always as identity primary key,
  invoice_id uuid not null references public.invoice_records (id) on delete cascade,
  reminder_day integer,
  days_overdue integer not null,
  stripe_invoice_id text not null,
  actor_type text not null default 'system',
  created_by uuid references auth.users (id) on delete set null,
  sent_at timestamptz not null default now(),
  constraint valid_reminder_day check (reminder_day is null or reminder_day between 1 and 365),
  constraint valid_reminder_actor check (actor_type in ('user', 'system'))
);
-- An automatic reminder at most once per configured day per invoice; manual
-- reminders (reminder_day null) as often as an admin asks.
create unique index billing_invoice_reminders_once
  on public.billing_invoice_reminders (invoice_id, reminder_day)
  where reminder_day is not null;

-- Privileges and Row Level Security ----------------------------------------------
-- Everything is written as service_role (the use cases; an admin's run is audited
-- as that admin); authenticated only reads, as an admin (RLS).
revoke all on public.billing_reconciliation_runs, public.billing_reconciliation_findings,
  public.billing_daily_passes, public.billing_invoice_reminders
  from public, anon, authenticated, service_role;
revoke all on sequence public.billing_reconciliation_findings_id_seq,
  public.billing_invoice_reminders_id_seq from public, anon, authenticated, service_role;
grant select on public.billing_reconciliation_runs, public.billing_reconciliation_findings,
  public.billing_daily_passes, public.billing_invoice_reminders to authenticated;
grant select, insert, update, delete on public.billing_reconciliation_runs,
  public.billing_reconciliation_findings, public.billing_daily_passes,
  public.billing_invoice_reminders to service_role;
-- The Settings page saves the reminder settings as the admin.
grant update (payment_reminders_enabled, payment_reminder_days)
  on public.billing_settings to authenticated;

alter table public.billing_reconciliation_runs enable row level security;
alter table public.billing_reconciliation_findings enable row level security;
alter table public.billing_daily_passes enable row level security;
alter table public.billing_invoice_reminders enable row level security;

create policy billing_reconciliation_runs_admin_read on public.billing_reconciliation_runs
  for select to authenticated using ((select public.billing_is_admin()));
create policy billing_reconciliation_findings_admin_read
  on public.billing_reconciliation_findings
  for select to authenticated using ((select public.billing_is_admin()));
create policy billing_daily_passes_admin_read on public.billing_daily_passes
  for select to authenticated using ((select public.billing_is_admin()));
create policy billing_invoice_reminders_admin_read on public.billing_invoice_reminders
  for select to authenticated using ((select public.billing_is_admin()));
