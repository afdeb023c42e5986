-- The login role the Billing Admin app connects as (docs/DEPLOY.md, section 5).
--
-- Run once per Supabase project, as postgres, on a direct or session-mode
-- connection, giving the password without echoing it:
--
--   read -rsp "billing_app password: " PW; echo
--   psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -v billing_app_password="$PW" \
--        -f infra/supabase/billing_app_role.sql; unset PW
--
-- Re-running it is safe (it also resets the password). What the role is:
-- * LOGIN, NOINHERIT: it holds no table privileges itself; every transaction of
--   the app starts with `set local role authenticated` (a user's request, RLS
--   applies) or `set local role service_role` (timer, webhooks, the saga).
-- * a member of authenticated and service_role, so it may switch to them;
-- * NOBYPASSRLS, not a superuser, cannot create roles or databases.
-- The app then connects through the transaction pooler (port 6543) as
-- `billing_app.<project-ref>`.

select format(
  'create role billing_app login noinherit nosuperuser nocreatedb nocreaterole'
  ' nobypassrls noreplication password %L', :'billing_app_password')
where not exists (select 1 from pg_roles where rolname = 'billing_app')
\gexec

select format('alter role billing_app login noinherit nosuperuser nocreatedb nocreaterole'
              ' nobypassrls noreplication password %L', :'billing_app_password')
\gexec

grant authenticated, service_role to billing_app;
-- A runaway statement must not hold a pooled connection for long.
alter role billing_app set statement_timeout = '60s';
alter role billing_app set idle_in_transaction_session_timeout = '60s';

-- What the role can reach (expect: t | t | f):
select pg_has_role('billing_app', 'authenticated', 'MEMBER') as authenticated,
       pg_has_role('billing_app', 'service_role', 'MEMBER') as service_role,
       (select rolbypassrls from pg_roles where rolname = 'billing_app') as bypassrls;
