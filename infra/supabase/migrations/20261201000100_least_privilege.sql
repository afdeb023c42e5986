-- Least privilege whatever the project's defaults, and RLS that requires
-- today's MFA verification.
--
-- Convention (docs/BILLING_TECHNICAL.md, "Privileges"): every migration that
-- creates a billing object revokes everything from public, anon, authenticated
-- and service_role first, then grants exactly what the API needs. A project
-- with Supabase's former default privileges (`alter default privileges ...
-- grant all ... to anon, authenticated, service_role`) would otherwise hand
-- every new table, sequence and function to anon.
--
-- What the API does as whom (billing/usecases):
-- * as the user (`authenticated`, RLS applies): reads; customers and their
--   agents; the settings row; FX rates a preview looks up; its own audit
--   entries.
-- * as service_role: everything the invoice saga writes (invoice rows, usage
--   claims, batches, notifications), the timer, webhooks, usage sync and the
--   access gate. So `authenticated` may only read invoices, batches and usage.

-- 1. Revoke everything on every billing table, sequence and function ----------
do $$
declare
  obj record;
begin
  for obj in
    select format('%s %s', case when c.relkind = 'S' then 'sequence' else 'table' end,
                  c.oid::regclass) as target
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S')
      and (c.relname like 'billing\_%' or c.relname like 'invoice\_%'
           or c.relname like 'usage\_%' or c.relname = 'fx_rates')
    union all
    select format('function %s', p.oid::regprocedure)
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.proname like 'billing\_%'
  loop
    execute format('revoke all on %s from public, anon, authenticated, service_role',
                   obj.target);
  end loop;
end
$$;

-- 2. The admin check: role, MFA flags and a verification still valid ----------
-- billing_now() is the database's clock for that check (now(): the start of
-- the transaction).
create or replace function public.billing_now() returns timestamptz
language sql stable as $$ select now() $$;
revoke all on function public.billing_now() from public, anon, authenticated, service_role;

create or replace function public.billing_is_admin() returns boolean
language sql stable security definer
set search_path = public, pg_temp
as $$
  select exists (
    select 1 from public.user_settings us
    join public.billing_access_state s on s.user_id = us.user_id
    where us.user_id = auth.uid()
      and us.role = 'Super User'
      and us.fresh_mfa_enabled = true
      and us.fresh_mfa_setup_completed = true
      and s.verified_until > public.billing_now()
  )
$$;
grant execute on function public.billing_is_admin() to authenticated, service_role;
grant execute on function public.billing_usage_rollup_refresh() to service_role;

-- 3. Writes only the saga makes are no longer open to authenticated -----------
drop policy invoice_records_admin on public.invoice_records;
create policy invoice_records_admin_read on public.invoice_records
  for select to authenticated using ((select public.billing_is_admin()));
drop policy invoice_batches_admin on public.invoice_batches;
create policy invoice_batches_admin_read on public.invoice_batches
  for select to authenticated using ((select public.billing_is_admin()));
drop policy invoice_batch_items_admin on public.invoice_batch_items;
create policy invoice_batch_items_admin_read on public.invoice_batch_items
  for select to authenticated using ((select public.billing_is_admin()));
drop policy usage_records_admin_claim on public.usage_records;
drop policy billing_notification_outbox_admin_queue on public.billing_notification_outbox;

-- 4. Grants: service_role (bypasses RLS) ---------------------------------------
grant select, insert, update, delete on public.billing_customers,
  public.billing_customer_agents, public.invoice_records, public.invoice_batches,
  public.invoice_batch_items, public.billing_rate_cards, public.usage_records, public.fx_rates,
  public.usage_sync_cursors, public.billing_access_state, public.billing_rate_limit_events,
  public.billing_auto_invoice_runs, public.billing_stripe_events,
  public.billing_notification_outbox to service_role;
grant select, insert, update on public.billing_settings to service_role;
grant select, insert on public.billing_audit_log to service_role;
grant select on public.billing_usage_daily, public.billing_usage_monthly to service_role;

-- 5. Grants: authenticated (RLS policies above and in earlier files apply) ------
grant select on public.billing_customers, public.billing_customer_agents,
  public.invoice_records, public.invoice_batches, public.invoice_batch_items,
  public.billing_settings, public.billing_audit_log, public.billing_rate_cards,
  public.usage_records, public.fx_rates, public.usage_sync_cursors,
  public.billing_auto_invoice_runs, public.billing_stripe_events,
  public.billing_notification_outbox, public.billing_usage_daily,
  public.billing_usage_monthly to authenticated;

grant insert (customer_name, customer_email, stripe_customer_id, stripe_link_status,
    stripe_last_error, markup_percentage, auto_invoice_enabled, billing_contact_name,
    billing_address, phone_number, tax_id, notes, created_by),
  update (customer_name, customer_email, stripe_customer_id, stripe_link_status,
    stripe_last_error, markup_percentage, auto_invoice_enabled, billing_contact_name,
    billing_address, phone_number, tax_id, notes),
  delete on public.billing_customers to authenticated;
grant insert (agent_id, billing_customer_id), update (billing_customer_id, created_at), delete
  on public.billing_customer_agents to authenticated;
grant update (stripe_api_key_encrypted, stripe_api_key_hint, stripe_publishable_key,
    stripe_test_mode, stripe_webhook_secret_encrypted, default_markup_percentage,
    default_due_date_days, default_invoice_note, invoice_footer_text, auto_invoice_enabled,
    auto_invoice_enabled_at, auto_invoice_day_of_month, auto_invoice_time, auto_send_invoices,
    notification_email, notify_on_invoice_generated, notify_on_payment_received,
    billing_time_zone, sms_segment_rules, updated_by)
  on public.billing_settings to authenticated;
grant insert (rate_date, source, usd_cad, observed_on) on public.fx_rates to authenticated;
grant insert (actor_type, actor_id, action, severity, resource_type, resource_id, details)
  on public.billing_audit_log to authenticated;
