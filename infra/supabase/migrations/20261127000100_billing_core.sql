-- Billing core: customers, invoices, organisation settings, agent mapping,
-- audit log; RLS through one SECURITY DEFINER helper.

-- Who may use Billing Admin: a Super User with MFA enabled and set up.
create or replace function public.billing_is_admin() returns boolean
language sql stable security definer
set search_path = public, pg_temp
as $$
  select exists (
    select 1 from public.user_settings us
    where us.user_id = auth.uid()
      and us.role = 'Super User'
      and us.fresh_mfa_enabled = true
      and us.fresh_mfa_setup_completed = true
  )
$$;
revoke all on function public.billing_is_admin() from public;
grant execute on function public.billing_is_admin() to authenticated, service_role;

create or replace function public.billing_touch_updated_at() returns trigger
language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

-- Customers ------------------------------------------------------------------
create table public.billing_customers (
  id uuid primary key default gen_random_uuid(),
  customer_name text not null,
  customer_email text not null,
  stripe_customer_id text unique,
  stripe_link_status text not null default 'none',
  stripe_last_error text,
  markup_percentage numeric(12, 4) not null default 0,
  auto_invoice_enabled boolean not null default false,
  billing_contact_name text,
  billing_address text,
  phone_number text,
  tax_id text,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid references auth.users (id) on delete set null,
  constraint valid_markup check (markup_percentage >= 0 and markup_percentage <= 10000),
  constraint valid_customer_name check (char_length(customer_name) between 2 and 100),
  constraint valid_customer_email check (char_length(customer_email) between 3 and 255),
  constraint valid_stripe_link_status check (
    stripe_link_status in ('none', 'pending', 'linked', 'failed')
  )
);
create unique index billing_customers_email_key on public.billing_customers (lower(customer_email));
create index billing_customers_name_idx on public.billing_customers (lower(customer_name));
create trigger billing_customers_updated_at before update on public.billing_customers
  for each row execute function public.billing_touch_updated_at();

-- Retell agent -> customer ---------------------------------------------------
create table public.billing_customer_agents (
  agent_id text primary key,
  billing_customer_id uuid not null references public.billing_customers (id) on delete cascade,
  created_at timestamptz not null default now(),
  constraint valid_agent_id check (char_length(agent_id) between 1 and 200)
);
create index billing_customer_agents_customer_idx
  on public.billing_customer_agents (billing_customer_id);

-- Invoices -------------------------------------------------------------------
create table public.invoice_records (
  id uuid primary key default gen_random_uuid(),
  billing_customer_id uuid not null references public.billing_customers (id) on delete cascade,
  stripe_invoice_id text unique,
  stripe_customer_id text,
  invoice_number text,
  billing_period_start date not null,
  billing_period_end date not null,
  supplementary boolean not null default false,
  total_chats integer not null default 0,
  total_calls integer not null default 0,
  total_sms_segments integer not null default 0,
  total_call_minutes numeric(14, 2) not null default 0,
  twilio_sms_cost_cad numeric(14, 2) not null default 0,
  twilio_voice_cost_cad numeric(14, 2) not null default 0,
  retell_ai_chat_cost_cad numeric(14, 2) not null default 0,
  retell_ai_voice_cost_cad numeric(14, 2) not null default 0,
  subtotal_cad numeric(14, 2) not null,
  markup_percentage numeric(12, 4) not null default 0,
  markup_amount_cad numeric(14, 2) not null default 0,
  total_amount_cad numeric(14, 2) not null,
  line_items jsonb not null default '[]'::jsonb,
  fx_rate numeric(12, 6),
  fx_rate_date date,
  fx_source text,
  rate_card jsonb not null default '{}'::jsonb,
  invoice_status text not null default 'draft',
  stripe_state text not null default 'pending',
  stripe_error text,
  stripe_invoice_url text,
  stripe_invoice_pdf_url text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finalized_at timestamptz,
  sent_at timestamptz,
  paid_at timestamptz,
  cancelled_at timestamptz,
  due_date date,
  due_in_days integer,
  created_by uuid references auth.users (id) on delete set null,
  constraint valid_status check (
    invoice_status in ('draft', 'finalized', 'sent', 'paid', 'overdue', 'cancelled')
  ),
  constraint valid_stripe_state check (
    stripe_state in ('pending', 'in_progress', 'complete', 'failed')
  ),
  constraint valid_period check (billing_period_end >= billing_period_start),
  constraint valid_amounts check (
    subtotal_cad >= 0 and markup_amount_cad >= 0 and total_amount_cad >= 0
  ),
  constraint valid_invoice_markup check (markup_percentage >= 0 and markup_percentage <= 10000),
  constraint valid_due_in_days check (due_in_days is null or due_in_days between 0 and 365)
);
create index invoice_records_customer_idx on public.invoice_records (billing_customer_id);
create index invoice_records_period_start_idx on public.invoice_records (billing_period_start);
create index invoice_records_status_idx on public.invoice_records (invoice_status);
create index invoice_records_created_idx on public.invoice_records (created_at desc);
-- One regular invoice per customer and period: the database refuses a second.
create unique index invoice_records_one_per_period
  on public.invoice_records (billing_customer_id, billing_period_start, billing_period_end)
  where invoice_status <> 'cancelled' and not supplementary;
create trigger invoice_records_updated_at before update on public.invoice_records
  for each row execute function public.billing_touch_updated_at();

-- Organisation settings: exactly one row -------------------------------------
create table public.billing_settings (
  id boolean primary key default true,
  stripe_api_key_encrypted text,
  stripe_api_key_hint text,
  stripe_publishable_key text,
  stripe_test_mode boolean not null default true,
  stripe_webhook_secret_encrypted text,
  default_markup_percentage numeric(12, 4) not null default 0,
  default_due_date_days integer not null default 30,
  default_invoice_note text,
  invoice_footer_text text,
  auto_invoice_enabled boolean not null default false,
  auto_invoice_day_of_month integer not null default 1,
  auto_invoice_time text not null default '00:00',
  auto_send_invoices boolean not null default false,
  notification_email text,
  notify_on_invoice_generated boolean not null default true,
  notify_on_payment_received boolean not null default true,
  billing_time_zone text not null default 'America/Toronto',
  sms_segment_rules text not null default 'toll_free',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid references auth.users (id) on delete set null,
  constraint single_row check (id),
  constraint valid_default_markup check (
    default_markup_percentage >= 0 and default_markup_percentage <= 10000
  ),
  constraint valid_invoice_day check (
    auto_invoice_day_of_month >= 1 and auto_invoice_day_of_month <= 28
  ),
  constraint valid_due_days check (default_due_date_days >= 0 and default_due_date_days <= 365),
  constraint valid_invoice_time check (auto_invoice_time ~ '^([01][0-9]|2[0-3]):00$'),
  constraint valid_segment_rules check (sms_segment_rules in ('toll_free', 'standard'))
);
insert into public.billing_settings (id) values (true);
create trigger billing_settings_updated_at before update on public.billing_settings
  for each row execute function public.billing_touch_updated_at();

-- Audit log: append-only -----------------------------------------------------
create table public.billing_audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_type text not null,
  actor_id uuid,
  action text not null,
  severity text not null default 'ADMINISTRATIVE',
  resource_type text,
  resource_id text,
  details jsonb not null default '{}'::jsonb,
  constraint valid_actor_type check (actor_type in ('user', 'system')),
  constraint valid_action check (action ~ '^BILLING_[A-Z_]+$'),
  constraint valid_severity check (severity in ('ADMINISTRATIVE', 'SECURITY', 'INFO'))
);
create index billing_audit_log_occurred_idx on public.billing_audit_log (occurred_at desc);
create index billing_audit_log_action_idx on public.billing_audit_log (action, occurred_at desc);
create index billing_audit_log_actor_idx on public.billing_audit_log (actor_id, occurred_at desc);

create or replace function public.billing_audit_log_append_only() returns trigger
language plpgsql as $$
begin
  raise exception 'billing_audit_log is append-only: % refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;
create trigger billing_audit_log_no_update before update or delete on public.billing_audit_log
  for each row execute function public.billing_audit_log_append_only();
create trigger billing_audit_log_no_truncate before truncate on public.billing_audit_log
  for each statement execute function public.billing_audit_log_append_only();

-- Row Level Security ---------------------------------------------------------
alter table public.billing_customers enable row level security;
alter table public.billing_customer_agents enable row level security;
alter table public.invoice_records enable row level security;
alter table public.billing_settings enable row level security;
alter table public.billing_audit_log enable row level security;

create policy billing_customers_admin on public.billing_customers
  for all to authenticated using (public.billing_is_admin()) with check (public.billing_is_admin());
create policy billing_customer_agents_admin on public.billing_customer_agents
  for all to authenticated using (public.billing_is_admin()) with check (public.billing_is_admin());
create policy invoice_records_admin on public.invoice_records
  for all to authenticated using (public.billing_is_admin()) with check (public.billing_is_admin());
create policy billing_settings_admin_read on public.billing_settings
  for select to authenticated using (public.billing_is_admin());
create policy billing_settings_admin_update on public.billing_settings
  for update to authenticated using (public.billing_is_admin()) with check (public.billing_is_admin());
create policy billing_audit_log_admin_read on public.billing_audit_log
  for select to authenticated using (public.billing_is_admin());
create policy billing_audit_log_admin_append on public.billing_audit_log
  for insert to authenticated
  with check (public.billing_is_admin() and actor_type = 'user' and actor_id = auth.uid());

revoke all on public.billing_customers, public.billing_customer_agents, public.invoice_records,
  public.billing_settings, public.billing_audit_log from anon, public;
grant select, insert, update, delete on public.billing_customers, public.billing_customer_agents,
  public.invoice_records to authenticated, service_role;
grant select, update on public.billing_settings to authenticated;
grant select, insert, update on public.billing_settings to service_role;
grant select, insert on public.billing_audit_log to authenticated, service_role;
