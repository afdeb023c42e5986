-- Invoices are billing records: deleting a customer must never delete them.
-- (The spec's schema cascaded; a customer with any invoice is now refused.)
alter table public.invoice_records
  drop constraint invoice_records_billing_customer_id_fkey,
  add constraint invoice_records_billing_customer_id_fkey
    foreign key (billing_customer_id) references public.billing_customers (id)
    on delete restrict;
