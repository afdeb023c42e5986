/** The invoice actions a detail can confirm and run (POST /invoices/{id}/<action>). */
export type ActionKey = 'send' | 'mark_paid' | 'cancel'

export const ACTIONS: Record<ActionKey, { label: string; path: '/api/billing/invoices/{invoice_id}/send' | '/api/billing/invoices/{invoice_id}/mark-paid' | '/api/billing/invoices/{invoice_id}/cancel'; confirm: string; question: (name: string) => string; danger: boolean }> = {
  send: {
    label: 'Send Invoice',
    path: '/api/billing/invoices/{invoice_id}/send',
    confirm: 'Send now',
    question: (name) => `Stripe will finalize this invoice and email it to ${name}. This cannot be undone.`,
    danger: false,
  },
  mark_paid: {
    label: 'Mark as Paid',
    path: '/api/billing/invoices/{invoice_id}/mark-paid',
    confirm: 'Mark paid',
    question: (name) => `Record that ${name} paid this invoice outside Stripe? Paid invoices cannot be changed.`,
    danger: false,
  },
  cancel: {
    label: 'Cancel Invoice',
    path: '/api/billing/invoices/{invoice_id}/cancel',
    confirm: 'Cancel the invoice',
    question: (name) => `Cancel the invoice to ${name}? Stripe deletes the draft or voids the invoice, and its usage can be billed again. This cannot be undone.`,
    danger: true,
  },
}
