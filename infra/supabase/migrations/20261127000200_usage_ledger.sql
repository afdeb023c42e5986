-- Usage ledger: Retell calls and chats, costed at ingestion; rate cards; FX
-- rates; sync cursors. No PHI: ids, timestamps, durations, counts and costs only.

create table public.billing_rate_cards (
  id uuid primary key default gen_random_uuid(),
  effective_from date not null unique,
  usd_per_segment numeric(12, 6) not null,
  usd_per_minute numeric(12, 6) not null,
  prompt_segments integer not null,
  segment_rules text not null,
  created_at timestamptz not null default now(),
  constraint valid_rates check (usd_per_segment >= 0 and usd_per_minute >= 0),
  constraint valid_prompt_segments check (prompt_segments >= 0),
  constraint valid_card_segment_rules check (segment_rules in ('toll_free', 'standard'))
);
-- The spec's figures, in force from the beginning.
insert into public.billing_rate_cards (effective_from, usd_per_segment, usd_per_minute,
  prompt_segments, segment_rules)
values ('2000-01-01', 0.0083, 0.022, 4, 'toll_free');

create table public.usage_records (
  id bigint generated always as identity primary key,
  source text not null,
  external_id text not null,
  agent_id text,
  record_type text,
  status text,
  started_at timestamptz not null,
  ended_at timestamptz,
  duration_seconds numeric(12, 3) not null default 0,
  message_count integer not null default 0,
  sms_segments integer not null default 0,
  billed_minutes integer not null default 0,
  retell_cost_usd_cents numeric(14, 4) not null default 0,
  twilio_cost_usd numeric(14, 6) not null default 0,
  cost_missing boolean not null default false,
  rate_card_id uuid references public.billing_rate_cards (id),
  ingested_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  invoice_id uuid references public.invoice_records (id) on delete set null,
  constraint usage_records_source_external_key unique (source, external_id),
  constraint valid_source check (source in ('retell_call', 'retell_chat')),
  constraint valid_usage_numbers check (
    duration_seconds >= 0 and message_count >= 0 and sms_segments >= 0
    and billed_minutes >= 0 and retell_cost_usd_cents >= 0 and twilio_cost_usd >= 0
  )
);
create index usage_records_started_idx on public.usage_records (started_at);
create index usage_records_agent_started_idx on public.usage_records (agent_id, started_at)
  include (source, sms_segments, billed_minutes, retell_cost_usd_cents, twilio_cost_usd,
           invoice_id);
create index usage_records_invoice_idx on public.usage_records (invoice_id)
  where invoice_id is not null;
create trigger usage_records_updated_at before update on public.usage_records
  for each row execute function public.billing_touch_updated_at();

-- rate_date: the day asked for; observed_on: the Bank of Canada observation used
-- (the last one on or before rate_date: weekends and holidays have none).
create table public.fx_rates (
  rate_date date not null,
  source text not null,
  usd_cad numeric(12, 6) not null,
  observed_on date not null,
  fetched_at timestamptz not null default now(),
  primary key (rate_date, source),
  constraint valid_fx_rate check (usd_cad > 0),
  constraint valid_fx_source check (source in ('bank_of_canada', 'fixed', 'fallback'))
);

create table public.usage_sync_cursors (
  source text primary key,
  high_water_mark timestamptz not null,
  updated_at timestamptz not null default now(),
  constraint valid_cursor_source check (source in ('retell_call', 'retell_chat'))
);

alter table public.billing_rate_cards enable row level security;
alter table public.usage_records enable row level security;
alter table public.fx_rates enable row level security;
alter table public.usage_sync_cursors enable row level security;

-- Billing admins read; only service_role (sync, timer, webhook) writes.
create policy billing_rate_cards_admin_read on public.billing_rate_cards
  for select to authenticated using (public.billing_is_admin());
create policy usage_records_admin_read on public.usage_records
  for select to authenticated using (public.billing_is_admin());
create policy fx_rates_admin_read on public.fx_rates
  for select to authenticated using (public.billing_is_admin());
create policy usage_sync_cursors_admin_read on public.usage_sync_cursors
  for select to authenticated using (public.billing_is_admin());

revoke all on public.billing_rate_cards, public.usage_records, public.fx_rates,
  public.usage_sync_cursors from anon, public;
grant select on public.billing_rate_cards, public.usage_records, public.fx_rates,
  public.usage_sync_cursors to authenticated;
grant select, insert, update, delete on public.billing_rate_cards, public.usage_records,
  public.fx_rates, public.usage_sync_cursors to service_role;

-- Invoicing (run as the admin) claims and releases usage rows, and records the
-- FX rate it used: admins may set invoice_id only, and add FX rates.
create policy usage_records_admin_claim on public.usage_records
  for update to authenticated using (public.billing_is_admin())
  with check (public.billing_is_admin());
grant update (invoice_id) on public.usage_records to authenticated;
create policy fx_rates_admin_insert on public.fx_rates
  for insert to authenticated with check (public.billing_is_admin());
grant insert on public.fx_rates to authenticated;
