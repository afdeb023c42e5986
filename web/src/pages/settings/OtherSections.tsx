import { useState } from 'react'
import { unwrap, type Schemas } from '../../api/client'
import { CheckboxField, SelectField, TextArea, TextField } from '../../components/Field'
import { useBilling } from '../../lib/billing'
import { SettingsSection } from './SettingsSection'

type View = Schemas['SettingsView']
type Props = { settings: View; onSaved: (v: View) => void }

const TERMS = [
  { value: 0, label: 'Due on Receipt' },
  { value: 15, label: 'Net 15 (15 days)' },
  { value: 30, label: 'Net 30 (30 days)' },
  { value: 60, label: 'Net 60 (60 days)' },
  { value: 90, label: 'Net 90 (90 days)' },
]

function ordinal(day: number): string {
  const suffix = day % 10 === 1 && day !== 11 ? 'st' : day % 10 === 2 && day !== 12 ? 'nd' : day % 10 === 3 && day !== 13 ? 'rd' : 'th'
  return `${day}${suffix}`
}

function hourLabel(hour: number): string {
  if (hour === 0) return '12:00 AM'
  if (hour === 12) return '12:00 PM'
  return hour < 12 ? `${hour}:00 AM` : `${hour - 12}:00 PM`
}

/** Invoice Defaults: markup, payment terms, note and footer. */
export function InvoiceDefaultsSection({ settings, onSaved }: Props) {
  const { client } = useBilling()
  const d = settings.invoice_defaults
  const [markup, setMarkup] = useState(String(d.default_markup_percentage).replace(/\.?0+$/, '') || '0')
  const [days, setDays] = useState(d.default_due_date_days)
  const [note, setNote] = useState(d.default_invoice_note ?? '')
  const [footer, setFooter] = useState(d.invoice_footer_text ?? '')
  const save = async () => {
    onSaved(await unwrap(client.PUT('/api/billing/settings', { body: { invoice_defaults: { default_markup_percentage: markup.trim(), default_due_date_days: days, default_invoice_note: note, invoice_footer_text: footer } } })))
  }
  return (
    <SettingsSection title="Invoice Defaults" saveLabel="Save Invoice Defaults" savedMessage="Invoice defaults saved." onSave={save}>
      {({ errors }) => (
        <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
          <TextField label="Default Markup Percentage" inputMode="decimal" value={markup} onChange={(e) => setMarkup(e.target.value)} error={errors.default_markup_percentage} hint="Applied to new customers (each customer can override it)" />
          <SelectField label="Payment Terms" value={days} onChange={(e) => setDays(Number(e.target.value))} error={errors.default_due_date_days}>
            {TERMS.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
          </SelectField>
          <TextArea label="Default Invoice Note" rows={3} placeholder="Thank you for your business..." value={note} onChange={(e) => setNote(e.target.value)} error={errors.default_invoice_note} hint="Appears on every invoice" />
          <TextArea label="Invoice Footer" rows={3} value={footer} onChange={(e) => setFooter(e.target.value)} error={errors.invoice_footer_text} hint="Shown at the bottom of invoices" />
        </div>
      )}
    </SettingsSection>
  )
}

/** Automatic Invoice Generation: the monthly run's day, hour and whether it sends. */
export function AutomationSection({ settings, onSaved }: Props) {
  const { client } = useBilling()
  const a = settings.automation
  const [enabled, setEnabled] = useState(a.auto_invoice_enabled)
  const [day, setDay] = useState(a.auto_invoice_day_of_month)
  const [time, setTime] = useState(a.auto_invoice_time)
  const [send, setSend] = useState(a.auto_send_invoices)
  const save = async () => {
    onSaved(await unwrap(client.PUT('/api/billing/settings', { body: { automation: { auto_invoice_enabled: enabled, auto_invoice_day_of_month: day, auto_invoice_time: time, auto_send_invoices: send } } })))
  }
  return (
    <SettingsSection title="Automatic Invoice Generation" saveLabel="Save Automation Settings" savedMessage="Automation settings saved." onSave={save}>
      {({ errors }) => (
        <>
          <CheckboxField label="Enable Automatic Invoices" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} hint="Generate invoices for the previous month on the day and time below, for customers with auto-invoice on." />
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <SelectField label="Billing Day of Month" value={day} disabled={!enabled} onChange={(e) => setDay(Number(e.target.value))} error={errors.auto_invoice_day_of_month} hint="Invoices cover the previous month's usage">
              {Array.from({ length: 28 }, (_, i) => i + 1).map((n) => <option key={n} value={n}>{ordinal(n)} of each month</option>)}
            </SelectField>
            <SelectField label="Time of Day" value={time} disabled={!enabled} onChange={(e) => setTime(e.target.value)} error={errors.auto_invoice_time} hint={`In the billing time zone (${settings.billing_time_zone})`}>
              {Array.from({ length: 24 }, (_, h) => h).map((h) => <option key={h} value={`${String(h).padStart(2, '0')}:00`}>{hourLabel(h)}</option>)}
            </SelectField>
          </div>
          <CheckboxField label="Auto-Send Invoices" checked={send} disabled={!enabled} onChange={(e) => setSend(e.target.checked)} hint="If off, automatic invoices are created as drafts for review." />
        </>
      )}
    </SettingsSection>
  )
}

/** Email Notifications: where they go and which are sent. */
export function NotificationsSection({ settings, onSaved }: Props) {
  const { client } = useBilling()
  const n = settings.notifications
  const [email, setEmail] = useState(n.notification_email ?? '')
  const [generated, setGenerated] = useState(n.notify_on_invoice_generated)
  const [paid, setPaid] = useState(n.notify_on_payment_received)
  const save = async () => {
    onSaved(await unwrap(client.PUT('/api/billing/settings', { body: { notifications: { notification_email: email.trim(), notify_on_invoice_generated: generated, notify_on_payment_received: paid } } })))
  }
  return (
    <SettingsSection title="Email Notifications" saveLabel="Save Notification Settings" savedMessage="Notification settings saved." onSave={save}>
      {({ errors }) => (
        <>
          <TextField label="Notification Email" type="email" placeholder="billing@example.com" className="max-w-md" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.notification_email} hint="Receives billing notifications" />
          <CheckboxField label="Notify when invoices are generated" checked={generated} onChange={(e) => setGenerated(e.target.checked)} />
          <CheckboxField label="Notify when payments are received" checked={paid} onChange={(e) => setPaid(e.target.checked)} hint="Stripe reports payments through its webhook" />
        </>
      )}
    </SettingsSection>
  )
}
