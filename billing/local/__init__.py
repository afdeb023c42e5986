"""Local tooling only: the PostgreSQL cluster, the local HTTP server, the local identity
and the demo. Never deployed, never imported by the product (functions/, domain/,
usecases/, adapters/)."""
