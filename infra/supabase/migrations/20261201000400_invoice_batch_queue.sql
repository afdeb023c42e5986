-- Invoice batches run from the `invoice-batches` queue, one runner at a time.
--
-- A batch is created `queued` by the HTTP call (or the monthly timer) and run by
-- the queue function. The runner leases the batch (runner_id, runner_lease_until,
-- renewed after every item), so a second runner — a concurrent retry, a duplicate
-- message — finds it busy instead of processing the same items. A message that
-- failed 5 times lands in the poison queue and the batch becomes `failed` with
-- the reason (the last error is kept in last_error while attempts remain).

alter table public.invoice_batches
  add column runner_id uuid,
  add column runner_lease_until timestamptz,
  add column last_error text,
  add column failure_reason text,
  add column attempts integer not null default 0,
  drop constraint valid_batch_status,
  add constraint valid_batch_status check (
    status in ('queued', 'running', 'completed', 'completed_with_errors', 'failed')
  );
alter table public.invoice_batches alter column status set default 'queued';
