/** The invoice actions the detail offers (POST /invoices/{id}/<action>), as the API lists them. */
export type ActionKey = 'send' | 'remind' | 'mark_paid' | 'cancel' | 'refresh'

type ActionPath =
  | '/api/billing/invoices/{invoice_id}/send'
  | '/api/billing/invoices/{invoice_id}/remind'
  | '/api/billing/invoices/{invoice_id}/mark-paid'
  | '/api/billing/invoices/{invoice_id}/cancel'
  | '/api/billing/invoices/{invoice_id}/refresh'

export interface InvoiceAction {
  label: string
  path: ActionPath
  /** Irreversible actions are confirmed first: the button and the question. */
  confirm?: { button: string; question: (name: string) => string }
  variant: 'primary' | 'secondary' | 'danger'
}

export const ACTIONS: Record<ActionKey, InvoiceAction> = {
  refresh: { label: 'Refresh from Stripe', path: '/api/billing/invoices/{invoice_id}/refresh', variant: 'secondary' },
  remind: {
    label: 'Send Reminder',
    path: '/api/billing/invoices/{invoice_id}/remind',
    confirm: { button: 'Send reminder', question: (name) => `Stripe will e-mail this invoice to ${name} again.` },
    variant: 'secondary',
  },
  send: {
    label: 'Send Invoice',
    path: '/api/billing/invoices/{invoice_id}/send',
    confirm: { button: 'Send now', question: (name) => `Stripe will finalize this invoice and email it to ${name}. This cannot be undone.` },
    variant: 'primary',
  },
  mark_paid: {
    label: 'Mark as Paid',
    path: '/api/billing/invoices/{invoice_id}/mark-paid',
    confirm: { button: 'Mark paid', question: (name) => `Record that ${name} paid this invoice outside Stripe? Paid invoices cannot be changed.` },
    variant: 'primary',
  },
  cancel: {
    label: 'Cancel Invoice',
    path: '/api/billing/invoices/{invoice_id}/cancel',
    confirm: {
      button: 'Cancel the invoice',
      question: (name) => `Cancel the invoice to ${name}? Stripe deletes the draft or voids the invoice, and its usage can be billed again. This cannot be undone.`,
    },
    variant: 'danger',
  },
}
