import { useState, type FormEvent } from 'react'
import { ApiError, unwrap, type Schemas } from '../../api/client'
import { ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { CheckboxField, TextArea, TextField } from '../../components/Field'
import { Modal } from '../../components/Modal'
import { useBilling } from '../../lib/billing'
import { EMPTY_CUSTOMER, formErrors, type CustomerForm } from './customerSchema'

type Customer = Schemas['Customer']

function fromCustomer(c: Customer): CustomerForm {
  return {
    customer_name: c.customer_name, customer_email: c.customer_email, billing_contact_name: c.billing_contact_name ?? '',
    phone_number: c.phone_number ?? '', billing_address: c.billing_address ?? '', tax_id: c.tax_id ?? '',
    markup_percentage: String(c.markup_percentage).replace(/\.?0+$/, '') || '0', auto_invoice_enabled: c.auto_invoice_enabled,
    notes: c.notes ?? '', stripe_customer_id: c.stripe_customer_id ?? '', create_stripe_customer: false,
  }
}

/** `Add New Customer` / `Edit Customer`: the spec's fields, each error shown by its field. */
export function CustomerDialog({ customer, onClose, onSaved }: { customer: Customer | null; onClose: () => void; onSaved: () => void }) {
  const { client } = useBilling()
  const [form, setForm] = useState<CustomerForm>(customer ? fromCustomer(customer) : EMPTY_CUSTOMER)
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [failure, setFailure] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)

  const text = (key: keyof CustomerForm) => ({
    value: form[key] as string,
    error: errors[key],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }),
  })

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const found = formErrors(form)
    setErrors(found)
    setFailure(null)
    if (Object.keys(found).length > 0) return
    setBusy(true)
    const fields = {
      customer_name: form.customer_name.trim(), customer_email: form.customer_email.trim(),
      billing_contact_name: form.billing_contact_name, phone_number: form.phone_number, billing_address: form.billing_address,
      tax_id: form.tax_id, markup_percentage: form.markup_percentage.trim(), auto_invoice_enabled: form.auto_invoice_enabled,
      notes: form.notes, stripe_customer_id: form.stripe_customer_id.trim() || null,
    }
    try {
      if (customer) {
        const before = fromCustomer(customer)
        const changed = Object.fromEntries(Object.entries(fields).filter(([k, v]) => (v ?? '') !== before[k as keyof CustomerForm]))
        await unwrap(client.PATCH('/api/billing/customers/{customer_id}', { params: { path: { customer_id: customer.id } }, body: changed }))
      } else {
        await unwrap(client.POST('/api/billing/customers', { body: { ...fields, create_stripe_customer: form.create_stripe_customer && !fields.stripe_customer_id } }))
      }
      onSaved()
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fieldErrors()).length > 0) setErrors(e.fieldErrors())
      setFailure(e)
      setBusy(false)
    }
  }

  return (
    <Modal
      title={customer ? 'Edit Customer' : 'Add New Customer'}
      onClose={onClose}
      size="lg"
      closable={!busy}
      footer={<><Button onClick={onClose} disabled={busy}>Cancel</Button><Button type="submit" form="customer-form" variant="primary" busy={busy}>{customer ? 'Save Changes' : 'Save Customer'}</Button></>}
    >
      <form id="customer-form" className="grid grid-cols-1 gap-4 md:grid-cols-2" onSubmit={(e) => void submit(e)} noValidate>
        {failure !== null && <div className="md:col-span-2"><ErrorAlert error={failure} /></div>}
        <TextField label="Customer Name" required hint="Business or organisation name" data-autofocus {...text('customer_name')} />
        <TextField label="Customer Email" type="email" required {...text('customer_email')} />
        <TextField label="Billing Contact Name" {...text('billing_contact_name')} />
        <TextField label="Phone Number" type="tel" {...text('phone_number')} />
        <TextArea label="Billing Address" rows={2} className="md:col-span-2" {...text('billing_address')} />
        <TextField label="Tax ID" {...text('tax_id')} />
        <TextField label="Markup Percentage" inputMode="decimal" hint="0–10000 %; 20 means 1.20× cost" {...text('markup_percentage')} />
        <TextField label="Stripe Customer ID" placeholder="cus_…" hint="Optional: link an existing Stripe customer" {...text('stripe_customer_id')} />
        <CheckboxField
          className="self-end"
          label="Auto-Invoice Enabled"
          hint="Automatically generate invoices on billing day"
          checked={form.auto_invoice_enabled}
          onChange={(e) => setForm({ ...form, auto_invoice_enabled: e.target.checked })}
        />
        <TextArea label="Notes" rows={3} className="md:col-span-2" hint="Internal notes (never patient information)" {...text('notes')} />
        {!customer && (
          <CheckboxField
            className="md:col-span-2"
            label="Create Stripe Customer"
            hint="Create the customer in Stripe when saving (or link one later)"
            checked={form.create_stripe_customer}
            onChange={(e) => setForm({ ...form, create_stripe_customer: e.target.checked })}
          />
        )}
      </form>
    </Modal>
  )
}
