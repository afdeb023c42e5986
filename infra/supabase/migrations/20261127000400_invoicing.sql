-- Invoice batches: one per generation run (manual or the monthly timer), with
-- one item per customer so progress, results and retries are visible.

create table public.invoice_batches (
  id uuid primary key default gen_random_uuid(),
  period_start date not null,
  period_end date not null,
  mode text not null,
  options jsonb not null default '{}'::jsonb,
  status text not null default 'running',
  total integer not null default 0,
  actor_type text not null default 'user',
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  constraint valid_batch_period check (period_end >= period_start),
  constraint valid_batch_mode check (mode in ('draft', 'finalize', 'send')),
  constraint valid_batch_status check (
    status in ('running', 'completed', 'completed_with_errors')
  ),
  constraint valid_batch_actor check (actor_type in ('user', 'system'))
);
create index invoice_batches_created_idx on public.invoice_batches (created_at desc);
create trigger invoice_batches_updated_at before update on public.invoice_batches
  for each row execute function public.billing_touch_updated_at();

create table public.invoice_batch_items (
  batch_id uuid not null references public.invoice_batches (id) on delete cascade,
  billing_customer_id uuid not null references public.billing_customers (id) on delete cascade,
  status text not null default 'pending',
  invoice_id uuid references public.invoice_records (id) on delete set null,
  reason text,
  error_code text,
  error_message text,
  attempts integer not null default 0,
  updated_at timestamptz not null default now(),
  primary key (batch_id, billing_customer_id),
  constraint valid_item_status check (status in ('pending', 'succeeded', 'failed', 'skipped'))
);
create trigger invoice_batch_items_updated_at before update on public.invoice_batch_items
  for each row execute function public.billing_touch_updated_at();

alter table public.invoice_records
  add column batch_id uuid references public.invoice_batches (id) on delete set null;

alter table public.invoice_batches enable row level security;
alter table public.invoice_batch_items enable row level security;
create policy invoice_batches_admin on public.invoice_batches
  for all to authenticated using (public.billing_is_admin()) with check (public.billing_is_admin());
create policy invoice_batch_items_admin on public.invoice_batch_items
  for all to authenticated using (public.billing_is_admin()) with check (public.billing_is_admin());
revoke all on public.invoice_batches, public.invoice_batch_items from anon, public;
grant select, insert, update, delete on public.invoice_batches, public.invoice_batch_items
  to authenticated, service_role;
