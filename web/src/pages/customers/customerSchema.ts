import { z } from 'zod'

// The spec's customer form rules (§10), checked before sending; the API checks them again.
const optionalText = (max: number, message: string) => z.string().max(max, message)

export const customerSchema = z.object({
  customer_name: z.string().trim().min(2, 'Customer name must be at least 2 characters').max(100, 'Customer name too long'),
  customer_email: z.string().trim().email('Invalid email format').max(255, 'Email too long'),
  billing_contact_name: optionalText(100, 'Contact name too long'),
  phone_number: z.string().regex(/^[+]?[(]?[0-9]{3}[)]?[-\s.]?[0-9]{3}[-\s.]?[0-9]{4,6}$/, 'Invalid phone number').or(z.literal('')),
  billing_address: optionalText(500, 'Address too long'),
  tax_id: optionalText(50, 'Tax ID too long'),
  markup_percentage: z.string().trim()
    .refine((v) => v !== '' && !Number.isNaN(Number(v)), 'Markup must be a number')
    .refine((v) => Number(v) >= 0, 'Markup cannot be negative')
    .refine((v) => Number(v) <= 10000, 'Markup too high'),
  auto_invoice_enabled: z.boolean(),
  notes: optionalText(1000, 'Notes too long'),
  stripe_customer_id: z.string().trim().regex(/^cus_[A-Za-z0-9]+$/, 'Invalid Stripe customer ID').or(z.literal('')),
  create_stripe_customer: z.boolean(),
})

export type CustomerForm = z.infer<typeof customerSchema>

export const EMPTY_CUSTOMER: CustomerForm = {
  customer_name: '', customer_email: '', billing_contact_name: '', phone_number: '', billing_address: '',
  tax_id: '', markup_percentage: '0', auto_invoice_enabled: false, notes: '', stripe_customer_id: '', create_stripe_customer: true,
}

/** The form's errors by field, or none. */
export function formErrors(form: CustomerForm): Record<string, string> {
  const result = customerSchema.safeParse(form)
  if (result.success) return {}
  const out: Record<string, string> = {}
  for (const issue of result.error.issues) out[String(issue.path[0])] ??= issue.message
  return out
}
