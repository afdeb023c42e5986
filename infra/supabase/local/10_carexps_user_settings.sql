-- The CareXPS user_settings table as it exists in the CareXPS Supabase project.
-- Applied only for local runs and tests.
create table if not exists public.user_settings (
  user_id uuid primary key references auth.users (id) on delete cascade,
  role text not null default 'Staff',
  fresh_mfa_enabled boolean not null default false,
  fresh_mfa_setup_completed boolean not null default false,
  fresh_mfa_secret text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

alter table public.user_settings enable row level security;

drop policy if exists user_settings_own_row on public.user_settings;
create policy user_settings_own_row on public.user_settings
  for select to authenticated using (user_id = auth.uid());

grant select on public.user_settings to authenticated;
grant all on public.user_settings to service_role;
