import { z } from 'zod'
import { ChoiceCards, type Choice } from '../../components/ChoiceCards'
import { CheckboxField, TextField } from '../../components/Field'

export type Preset = 'previous_month' | 'current_month' | 'last_30_days' | 'custom'

export interface PeriodChoice {
  preset: Preset
  start: string
  end: string
  /** Fetch the period's usage from Retell before the preview. */
  sync: boolean
}

const PRESETS: Choice<Preset>[] = [
  { value: 'previous_month', label: 'Previous Month', hint: 'The whole of last month (the usual monthly run).' },
  { value: 'current_month', label: 'Current Month (MTD)', hint: 'From the 1st of this month to today.' },
  { value: 'last_30_days', label: 'Last 30 Days', hint: 'The 30 days ending today.' },
  { value: 'custom', label: 'Custom Range', hint: 'Any start and end day.' },
]

// The spec's rule for a custom range (§10): both days, end not before start.
const customRange = z
  .object({ start: z.string().date('Enter a start date'), end: z.string().date('Enter an end date') })
  .refine((r) => r.end >= r.start, { message: 'End date must be after start date', path: ['end'] })

/** Errors of a custom range by field, or none. */
export function periodErrors(choice: PeriodChoice): Record<string, string> {
  if (choice.preset !== 'custom') return {}
  const result = customRange.safeParse(choice)
  if (result.success) return {}
  return Object.fromEntries(result.error.issues.map((i) => [String(i.path[0]), i.message]))
}

/** Step 1: which period to bill. */
export function PeriodStep({ value, onChange, errors }: { value: PeriodChoice; onChange: (v: PeriodChoice) => void; errors: Record<string, string> }) {
  return (
    <div className="space-y-4">
      <ChoiceCards legend="Billing period" name="period" choices={PRESETS} value={value.preset} onChange={(preset) => onChange({ ...value, preset })} columns />
      {value.preset === 'custom' && (
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField label="Start date" type="date" value={value.start} onChange={(e) => onChange({ ...value, start: e.target.value })} error={errors.start} />
          <TextField label="End date" type="date" value={value.end} onChange={(e) => onChange({ ...value, end: e.target.value })} error={errors.end} />
        </div>
      )}
      <CheckboxField
        label="Sync usage from Retell first"
        hint="Fetch the period's calls and chats before calculating (slower; the hourly sync usually has them)."
        checked={value.sync}
        onChange={(e) => onChange({ ...value, sync: e.target.checked })}
      />
      <p className="text-sm text-gray-700">Costs are calculated from every completed chat and call in the period, in the billing time zone.</p>
    </div>
  )
}
