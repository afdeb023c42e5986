-- Automation: the monthly auto-invoice runs, received Stripe webhook events and
-- the notification outbox. The timer and the webhook write as service_role;
-- admins read. Admins may also queue a notification, because a manual invoice
-- batch queues its summary in the admin's own transaction.

-- When automation was last switched on: a billing day that passed before
-- that moment is not caught up (switching automation on never bills at once).
alter table public.billing_settings add column auto_invoice_enabled_at timestamptz;
update public.billing_settings set auto_invoice_enabled_at = now() where auto_invoice_enabled;

-- One auto-invoice run per billed month ---------------------------------------
-- The primary key makes the month's run exist once; the lease says which timer
-- instance is working on it (a crashed instance's lease runs out and the next
-- hourly run finishes the batch: failed and pending items only).
create table public.billing_auto_invoice_runs (
  period_start date primary key,
  period_end date not null,
  batch_id uuid not null references public.invoice_batches (id) on delete cascade,
  status text not null default 'running',
  attempts integer not null default 1,
  scheduled_for timestamptz not null,
  lease_until timestamptz,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint valid_run_period check (period_end >= period_start),
  constraint valid_run_status check (status in ('running', 'completed', 'completed_with_errors')),
  constraint valid_run_attempts check (attempts >= 1)
);
create trigger billing_auto_invoice_runs_updated_at before update
  on public.billing_auto_invoice_runs
  for each row execute function public.billing_touch_updated_at();

-- Stripe webhook events, each recorded once -----------------------------------
create table public.billing_stripe_events (
  event_id text primary key,
  event_type text not null,
  stripe_invoice_id text,
  invoice_id uuid references public.invoice_records (id) on delete set null,
  event_created timestamptz not null,
  livemode boolean not null default false,
  outcome text not null,
  received_at timestamptz not null default now(),
  constraint valid_event_id check (event_id ~ '^evt_[A-Za-z0-9_]{1,250}$'),
  constraint valid_event_outcome check (
    outcome in ('applied', 'unchanged', 'unknown_invoice', 'ignored', 'deferred')
  )
);
create index billing_stripe_events_invoice_idx
  on public.billing_stripe_events (stripe_invoice_id, event_created desc);

-- Notification outbox -----------------------------------------------------------
-- Written in the transaction of the event that causes it; a sender claims one
-- row at a time (for update skip locked), sends it and marks it sent.
create table public.billing_notification_outbox (
  id bigint generated always as identity primary key,
  kind text not null,
  dedupe_key text not null unique,
  recipient text not null,
  subject text not null,
  body text not null,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  constraint valid_notification_kind check (kind in ('invoices_generated', 'payment_received')),
  constraint valid_notification_status check (status in ('pending', 'sent', 'failed')),
  constraint valid_notification_recipient check (char_length(recipient) between 3 and 255),
  constraint valid_notification_attempts check (attempts >= 0)
);
create index billing_notification_outbox_due_idx
  on public.billing_notification_outbox (next_attempt_at nulls first, id)
  where status = 'pending';

-- Row Level Security ------------------------------------------------------------
alter table public.billing_auto_invoice_runs enable row level security;
alter table public.billing_stripe_events enable row level security;
alter table public.billing_notification_outbox enable row level security;

create policy billing_auto_invoice_runs_admin_read on public.billing_auto_invoice_runs
  for select to authenticated using ((select public.billing_is_admin()));
create policy billing_stripe_events_admin_read on public.billing_stripe_events
  for select to authenticated using ((select public.billing_is_admin()));
create policy billing_notification_outbox_admin_read on public.billing_notification_outbox
  for select to authenticated using ((select public.billing_is_admin()));
create policy billing_notification_outbox_admin_queue on public.billing_notification_outbox
  for insert to authenticated
  with check ((select public.billing_is_admin()) and status = 'pending' and attempts = 0);

revoke all on public.billing_auto_invoice_runs, public.billing_stripe_events,
  public.billing_notification_outbox from anon, public;
grant select on public.billing_auto_invoice_runs, public.billing_stripe_events,
  public.billing_notification_outbox to authenticated;
grant insert on public.billing_notification_outbox to authenticated;
grant select, insert, update, delete on public.billing_auto_invoice_runs,
  public.billing_stripe_events, public.billing_notification_outbox to service_role;
