-- Access denials without a valid token cannot flood the audit log: they are
-- aggregated into one row per hashed source address, minute and reason, whose
-- details.count grows; a source at its per-minute limit gets 429 and nothing is
-- written. Those rows (and only those) may be pruned; every other update or
-- delete of the audit log is still refused by the append-only trigger.

alter table public.billing_audit_log add column aggregate_key text collate "C";
alter table public.billing_audit_log add constraint valid_aggregate_key check (
  aggregate_key is null or (
    actor_type = 'system' and action = 'BILLING_ACCESS_DENIED'
    and aggregate_key ~ '^denied:[0-9a-f]{32}:[0-9]{12}:[a-z_]{1,60}$'
  )
);
create unique index billing_audit_log_aggregate_key
  on public.billing_audit_log (aggregate_key) where aggregate_key is not null;

create or replace function public.billing_audit_log_append_only() returns trigger
language plpgsql as $$
begin
  if tg_op = 'UPDATE' then
    -- An aggregated denial row may only count one more denial.
    if old.aggregate_key is not null
       and (new.id, new.occurred_at, new.actor_type, new.actor_id, new.action, new.severity,
            new.resource_type, new.resource_id, new.aggregate_key)
           is not distinct from
           (old.id, old.occurred_at, old.actor_type, old.actor_id, old.action, old.severity,
            old.resource_type, old.resource_id, old.aggregate_key)
       and (new.details - 'count') = (old.details - 'count')
       and (new.details ->> 'count')::bigint = (old.details ->> 'count')::bigint + 1 then
      return new;
    end if;
  elsif tg_op = 'DELETE' then
    if old.aggregate_key is not null then
      return old;
    end if;
  end if;
  raise exception 'billing_audit_log is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;

-- Count one denial of a source (HMAC of its address) for a reason; the source's
-- total for the minute after counting, or null (nothing written) if the source
-- already reached per_minute_limit in that minute.
create or replace function public.billing_record_access_denial(
  source_hash text, reason text, at timestamptz, per_minute_limit integer
) returns bigint
language plpgsql security definer
set search_path = public, pg_temp
as $$
declare
  minute timestamptz := date_trunc('minute', at);
  prefix text := 'denied:' || source_hash || ':'
    || to_char(date_trunc('minute', at) at time zone 'UTC', 'YYYYMMDDHH24MI') || ':';
  total bigint;
begin
  if source_hash !~ '^[0-9a-f]{32}$' or reason !~ '^[a-z_]{1,60}$'
     or per_minute_limit is null or per_minute_limit < 1 then
    raise exception 'invalid access denial' using errcode = 'invalid_parameter_value';
  end if;
  perform pg_advisory_xact_lock(hashtextextended(prefix, 17));
  select coalesce(sum((l.details ->> 'count')::bigint), 0) into total
    from public.billing_audit_log l
   where l.aggregate_key like prefix || '%';
  if total >= per_minute_limit then
    return null;
  end if;
  insert into public.billing_audit_log as l
    (occurred_at, actor_type, action, severity, details, aggregate_key)
  values (minute, 'system', 'BILLING_ACCESS_DENIED', 'SECURITY',
          jsonb_build_object('reason', reason, 'source_hash', source_hash, 'count', 1,
                             'source', 'access_gate'),
          prefix || reason)
  on conflict (aggregate_key) where aggregate_key is not null do update
    set details = jsonb_set(l.details, '{count}', to_jsonb((l.details ->> 'count')::bigint + 1));
  return total + 1;
end
$$;
revoke all on function public.billing_record_access_denial(text, text, timestamptz, integer)
  from public, anon, authenticated;
grant execute on function public.billing_record_access_denial(text, text, timestamptz, integer)
  to service_role;

-- Retention: delete aggregated denial rows of minutes before ``before``; the
-- number deleted. Nothing else in the audit log can be deleted.
create or replace function public.billing_prune_access_denials(before timestamptz)
returns bigint
language sql security definer
set search_path = public, pg_temp
as $$
  with gone as (
    delete from public.billing_audit_log
     where aggregate_key is not null and occurred_at < before
    returning 1
  )
  select count(*) from gone
$$;
revoke all on function public.billing_prune_access_denials(timestamptz)
  from public, anon, authenticated;
grant execute on function public.billing_prune_access_denials(timestamptz) to service_role;
