-- Switch (local runs and tests only): Supabase's former default privileges.
-- Projects created before Supabase changed its defaults still grant every new
-- table, sequence and function in public to the API roles. Applied right after
-- the roles exist, before any billing migration, by
-- `billing migrate --local --former-default-privileges` and by the privilege tests,
-- so they prove the migrations revoke what these defaults would hand out.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
