-- Dashboard and reports: a daily usage rollup per agent, kept exact by triggers.
--
-- billing_usage_daily holds, per Retell agent (null: usage with no agent) and
-- per calendar day in the billing time zone (billing_settings.billing_time_zone),
-- the counts and the exact (unrounded) USD cost sums of usage_records. The
-- dashboard and the usage report read it instead of scanning the ledger.
--
-- How it stays exact:
-- * Statement-level AFTER triggers on usage_records (insert, update, delete)
--   aggregate the transition tables and add the signed deltas with one upsert,
--   in the same transaction as the change: a rollback undoes both, concurrent
--   writers serialise on the rollup rows (upserts go in key order).
--   An update only counts rows whose agent, source, start or costs changed (so
--   invoice claims cost nothing). TRUNCATE of usage_records empties the rollup.
-- * A change of billing_time_zone rebuilds the rollup from usage_records in the
--   same transaction. An advisory lock (shared for usage writes, exclusive for
--   the rebuild) makes a usage write wait for a zone change to commit, and the
--   zone is read after the lock is held (READ COMMITTED, the app's default).
-- * billing_usage_daily_refresh() rebuilds it from the ledger at any time
--   (service_role; also run below for existing data).

create table public.billing_usage_daily (
  agent_id text,
  usage_day date not null,
  chats bigint not null default 0,
  calls bigint not null default 0,
  sms_segments bigint not null default 0,
  billed_minutes bigint not null default 0,
  twilio_sms_usd numeric not null default 0,
  twilio_voice_usd numeric not null default 0,
  retell_chat_usd_cents numeric not null default 0,
  retell_voice_usd_cents numeric not null default 0,
  constraint billing_usage_daily_key unique nulls not distinct (agent_id, usage_day)
);
create index billing_usage_daily_day_idx on public.billing_usage_daily (usage_day);

-- The zone the rollup's days are in.
create or replace function public.billing_usage_daily_zone() returns text
language sql stable security definer
set search_path = public, pg_temp
as $$
  select coalesce((select billing_time_zone from public.billing_settings where id),
                  'America/Toronto')
$$;

-- The upsert that adds the signed usage rows of ``source_sql`` (columns: sign,
-- agent_id, source, started_at, sms_segments, billed_minutes,
-- retell_cost_usd_cents, twilio_cost_usd); $1 is the zone. Returned as text
-- and run by the caller, so that trigger transition tables are in scope.
create or replace function public.billing_usage_daily_upsert(source_sql text) returns text
language sql immutable
as $$
  select format($sql$
    insert into public.billing_usage_daily as d (agent_id, usage_day, chats, calls,
      sms_segments, billed_minutes, twilio_sms_usd, twilio_voice_usd,
      retell_chat_usd_cents, retell_voice_usd_cents)
    select s.agent_id, (s.started_at at time zone $1)::date,
      coalesce(sum(s.sign) filter (where s.source = 'retell_chat'), 0),
      coalesce(sum(s.sign) filter (where s.source = 'retell_call'), 0),
      sum(s.sign * s.sms_segments),
      sum(s.sign * s.billed_minutes),
      coalesce(sum(s.sign * s.twilio_cost_usd) filter (where s.source = 'retell_chat'), 0),
      coalesce(sum(s.sign * s.twilio_cost_usd) filter (where s.source = 'retell_call'), 0),
      coalesce(sum(s.sign * s.retell_cost_usd_cents) filter (where s.source = 'retell_chat'), 0),
      coalesce(sum(s.sign * s.retell_cost_usd_cents) filter (where s.source = 'retell_call'), 0)
    from (%s) s
    group by 1, 2
    order by 1, 2
    on conflict (agent_id, usage_day) do update set
      chats = d.chats + excluded.chats,
      calls = d.calls + excluded.calls,
      sms_segments = d.sms_segments + excluded.sms_segments,
      billed_minutes = d.billed_minutes + excluded.billed_minutes,
      twilio_sms_usd = d.twilio_sms_usd + excluded.twilio_sms_usd,
      twilio_voice_usd = d.twilio_voice_usd + excluded.twilio_voice_usd,
      retell_chat_usd_cents = d.retell_chat_usd_cents + excluded.retell_chat_usd_cents,
      retell_voice_usd_cents = d.retell_voice_usd_cents + excluded.retell_voice_usd_cents
  $sql$, source_sql)
$$;

-- Usage writes: add the inserted rows, subtract the deleted ones, and for an
-- update move only the rows whose billed fields changed.
create or replace function public.billing_usage_daily_apply() returns trigger
language plpgsql security definer
set search_path = public, pg_temp
as $$
declare
  source_sql text;
begin
  perform pg_advisory_xact_lock_shared(7095013558251);
  if tg_op = 'INSERT' then
    source_sql := 'select 1 as sign, * from new_rows';
  elsif tg_op = 'DELETE' then
    source_sql := 'select -1 as sign, * from old_rows';
  else
    source_sql := $src$
      select c.* from new_rows n join old_rows o using (id)
      cross join lateral (values
        (1, n.agent_id, n.source, n.started_at, n.sms_segments, n.billed_minutes,
         n.retell_cost_usd_cents, n.twilio_cost_usd),
        (-1, o.agent_id, o.source, o.started_at, o.sms_segments, o.billed_minutes,
         o.retell_cost_usd_cents, o.twilio_cost_usd)
      ) c (sign, agent_id, source, started_at, sms_segments, billed_minutes,
           retell_cost_usd_cents, twilio_cost_usd)
      where (n.agent_id, n.source, n.started_at, n.sms_segments, n.billed_minutes,
             n.retell_cost_usd_cents, n.twilio_cost_usd)
        is distinct from (o.agent_id, o.source, o.started_at, o.sms_segments,
                          o.billed_minutes, o.retell_cost_usd_cents, o.twilio_cost_usd)
    $src$;
  end if;
  execute public.billing_usage_daily_upsert(source_sql) using public.billing_usage_daily_zone();
  return null;
end
$$;

-- Rebuild from the ledger (zone change, repair, this migration's backfill).
create or replace function public.billing_usage_daily_refresh() returns void
language plpgsql security definer
set search_path = public, pg_temp
as $$
begin
  perform pg_advisory_xact_lock(7095013558251);
  delete from public.billing_usage_daily;
  execute public.billing_usage_daily_upsert('select 1 as sign, * from public.usage_records')
    using public.billing_usage_daily_zone();
end
$$;

create or replace function public.billing_usage_daily_rebuild() returns trigger
language plpgsql security definer
set search_path = public, pg_temp
as $$
begin
  perform public.billing_usage_daily_refresh();
  return null;
end
$$;

create trigger billing_usage_daily_insert after insert on public.usage_records
  referencing new table as new_rows
  for each statement execute function public.billing_usage_daily_apply();
create trigger billing_usage_daily_update after update on public.usage_records
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.billing_usage_daily_apply();
create trigger billing_usage_daily_delete after delete on public.usage_records
  referencing old table as old_rows
  for each statement execute function public.billing_usage_daily_apply();
create trigger billing_usage_daily_truncate after truncate on public.usage_records
  for each statement execute function public.billing_usage_daily_rebuild();
create trigger billing_usage_daily_zone_change after update of billing_time_zone
  on public.billing_settings for each row
  when (old.billing_time_zone is distinct from new.billing_time_zone)
  execute function public.billing_usage_daily_rebuild();

select public.billing_usage_daily_refresh();

-- Admins read (the policy's check runs once per query, not per row); only the
-- triggers above write.
alter table public.billing_usage_daily enable row level security;
create policy billing_usage_daily_admin_read on public.billing_usage_daily
  for select to authenticated using ((select public.billing_is_admin()));
revoke all on public.billing_usage_daily from anon, public;
grant select on public.billing_usage_daily to authenticated, service_role;
revoke all on function public.billing_usage_daily_refresh() from public;
grant execute on function public.billing_usage_daily_refresh() to service_role;
revoke all on function public.billing_usage_daily_apply(), public.billing_usage_daily_rebuild()
  from public;
