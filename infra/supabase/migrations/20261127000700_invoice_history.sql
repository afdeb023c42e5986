-- Invoice history: the detail view's timeline reads the audit entries of one
-- invoice, so look them up by resource instead of scanning the log.
create index billing_audit_log_resource_idx
  on public.billing_audit_log (resource_type, resource_id, occurred_at);
