"""PostgreSQL adapter: pool, RLS sessions, migrations, local cluster."""
