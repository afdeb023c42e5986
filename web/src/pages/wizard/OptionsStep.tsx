import { Alert } from '../../components/Alert'
import { ChoiceCards, type Choice } from '../../components/ChoiceCards'
import { CheckboxField, SelectField } from '../../components/Field'

export type Mode = 'draft' | 'finalize' | 'send'

export interface Options {
  mode: Mode
  dueInDays: number
  autoCreateStripeCustomers: boolean
  skipMissingStripeCustomers: boolean
  allowDuplicate: boolean
}

const MODES: Choice<Mode>[] = [
  { value: 'draft', label: 'Create Draft Invoices', hint: 'Invoices will be created but not sent. You can review before sending.' },
  { value: 'finalize', label: "Finalize Invoices (Don't Send)", hint: 'Invoices will be finalized but not emailed to customers.' },
  { value: 'send', label: 'Create and Send Invoices', hint: 'Invoices will be created and automatically emailed to customers.' },
]

export const DUE_DAYS: { value: number; label: string }[] = [
  { value: 0, label: 'Due on Receipt' },
  { value: 15, label: 'Net 15 (15 days)' },
  { value: 30, label: 'Net 30 (30 days)' },
  { value: 60, label: 'Net 60 (60 days)' },
]

/** Step 3: what Stripe does with the invoices, and how to treat the exceptions. */
export function OptionsStep({ value, onChange, missingStripe, duplicates, zeroUsage }: { value: Options; onChange: (o: Options) => void; missingStripe: number; duplicates: number; zeroUsage: number }) {
  return (
    <div className="space-y-5">
      <ChoiceCards legend="Invoice mode" name="mode" choices={MODES} value={value.mode} onChange={(mode) => onChange({ ...value, mode })} />
      <SelectField label="Payment Due Date" value={value.dueInDays} onChange={(e) => onChange({ ...value, dueInDays: Number(e.target.value) })} className="max-w-xs">
        {DUE_DAYS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
      </SelectField>
      {missingStripe > 0 && (
        <Alert tone="warning" title={`${missingStripe} ${missingStripe === 1 ? "customer doesn't" : "customers don't"} have Stripe Customer IDs.`}>
          <div className="mt-2 space-y-2">
            <CheckboxField label="Automatically create Stripe customers for them" checked={value.autoCreateStripeCustomers} onChange={(e) => onChange({ ...value, autoCreateStripeCustomers: e.target.checked })} />
            <CheckboxField label="Skip customers without Stripe IDs" checked={value.skipMissingStripeCustomers} onChange={(e) => onChange({ ...value, skipMissingStripeCustomers: e.target.checked })} />
          </div>
        </Alert>
      )}
      {zeroUsage > 0 && (
        <Alert tone="warning" title={`${zeroUsage} selected ${zeroUsage === 1 ? 'customer has' : 'customers have'} no usage in this period.`}>
          A $0.00 invoice will be created for {zeroUsage === 1 ? 'it' : 'each'}. Go back and deselect {zeroUsage === 1 ? 'it' : 'them'} to skip.
        </Alert>
      )}
      {duplicates > 0 && (
        <Alert tone="warning" title={`${duplicates} selected ${duplicates === 1 ? 'customer already has' : 'customers already have'} an invoice for this period.`}>
          <CheckboxField className="mt-2" label="Create supplementary invoices for usage not billed yet" checked={value.allowDuplicate} onChange={(e) => onChange({ ...value, allowDuplicate: e.target.checked })} />
        </Alert>
      )}
    </div>
  )
}
