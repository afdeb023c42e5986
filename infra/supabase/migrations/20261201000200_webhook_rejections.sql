-- Webhook events refused as malformed (400 invalid_event): one row per distinct
-- body (SHA-256), with the event id and type as far as they were printable text
-- and the reason. Never the body.
create table public.billing_webhook_rejections (
  id bigint generated always as identity primary key,
  source text not null,
  body_sha256 text not null,
  event_id text,
  event_type text,
  reason text not null,
  deliveries integer not null default 1,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  constraint billing_webhook_rejections_body_key unique (source, body_sha256),
  constraint valid_rejection_source check (source in ('stripe', 'retell')),
  constraint valid_rejection_digest check (body_sha256 ~ '^[0-9a-f]{64}$'),
  constraint valid_rejection_event_id check (event_id ~ '^[!-~]{1,100}$'),
  constraint valid_rejection_event_type check (event_type ~ '^[!-~]{1,100}$'),
  constraint valid_rejection_reason check (char_length(reason) between 1 and 300),
  constraint valid_rejection_deliveries check (deliveries >= 1)
);
create index billing_webhook_rejections_seen_idx
  on public.billing_webhook_rejections (last_seen_at desc);

revoke all on public.billing_webhook_rejections from public, anon, authenticated, service_role;
revoke all on sequence public.billing_webhook_rejections_id_seq
  from public, anon, authenticated, service_role;
grant select on public.billing_webhook_rejections to authenticated;
grant select, insert, update on public.billing_webhook_rejections to service_role;

alter table public.billing_webhook_rejections enable row level security;
create policy billing_webhook_rejections_admin_read on public.billing_webhook_rejections
  for select to authenticated using ((select public.billing_is_admin()));
