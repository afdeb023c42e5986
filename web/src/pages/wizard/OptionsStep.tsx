import { Alert } from '../../components/Alert'
import { CheckboxField, SelectField } from '../../components/Field'

export type Mode = 'draft' | 'finalize' | 'send'

export interface Options {
  mode: Mode
  dueInDays: number
  autoCreateStripeCustomers: boolean
  skipMissingStripeCustomers: boolean
  allowDuplicate: boolean
}

const MODES: { value: Mode; label: string; hint: string }[] = [
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
export function OptionsStep({ value, onChange, missingStripe, duplicates }: { value: Options; onChange: (o: Options) => void; missingStripe: number; duplicates: number }) {
  return (
    <div className="space-y-5">
      <fieldset>
        <legend className="text-sm font-semibold text-gray-900">Invoice mode</legend>
        <div className="mt-2 space-y-2">
          {MODES.map((m) => (
            <label key={m.value} className={`flex cursor-pointer gap-3 rounded-md p-3 ring-1 ${value.mode === m.value ? 'bg-blue-50 ring-blue-500' : 'ring-gray-200'}`}>
              <input type="radio" name="mode" value={m.value} checked={value.mode === m.value} onChange={() => onChange({ ...value, mode: m.value })} className="mt-0.5 h-4 w-4 text-blue-600" />
              <span>
                <span className="block text-sm font-medium text-gray-900">{m.label}</span>
                <span className="block text-xs text-gray-600">{m.hint}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
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
      {duplicates > 0 && (
        <Alert tone="warning" title={`${duplicates} selected ${duplicates === 1 ? 'customer already has' : 'customers already have'} an invoice for this period.`}>
          <CheckboxField className="mt-2" label="Create supplementary invoices for usage not billed yet" checked={value.allowDuplicate} onChange={(e) => onChange({ ...value, allowDuplicate: e.target.checked })} />
        </Alert>
      )}
    </div>
  )
}
