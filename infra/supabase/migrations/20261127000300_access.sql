-- Access gate state: per-user MFA verification (replay guard, lockout, valid
-- until the end of the local day) and PostgreSQL-held rate limits. Only
-- service_role reads or writes these tables: a user must never be able to
-- mark themselves verified through PostgREST.

create table public.billing_access_state (
  user_id uuid primary key references auth.users (id) on delete cascade,
  last_used_step bigint,
  verified_at timestamptz,
  verified_until timestamptz,
  locked_until timestamptz,
  last_admin_access_on date,
  updated_at timestamptz not null default now(),
  constraint valid_verification check (
    verified_until is null or (verified_at is not null and verified_until > verified_at)
  ),
  constraint valid_last_used_step check (last_used_step is null or last_used_step >= 0)
);
create trigger billing_access_state_updated_at before update on public.billing_access_state
  for each row execute function public.billing_touch_updated_at();

-- One row per counted event (sliding window): MFA attempts and failures,
-- mutations, exports. Old rows are pruned as new ones are counted.
create table public.billing_rate_limit_events (
  id bigint generated always as identity primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  action text not null,
  occurred_at timestamptz not null,
  constraint valid_rate_action check (action ~ '^[a-z_]{1,50}$')
);
create index billing_rate_limit_events_lookup
  on public.billing_rate_limit_events (user_id, action, occurred_at);

alter table public.billing_access_state enable row level security;
alter table public.billing_rate_limit_events enable row level security;
-- No policy for authenticated: only service_role (which bypasses RLS) uses them.

revoke all on public.billing_access_state, public.billing_rate_limit_events
  from anon, authenticated, public;
grant select, insert, update, delete on public.billing_access_state,
  public.billing_rate_limit_events to service_role;
