import { unwrap } from '../../api/client'
import { ErrorAlert } from '../../components/Alert'
import { Loading } from '../../components/Spinner'
import { useBilling } from '../../lib/billing'
import { useLoad } from '../../lib/useLoad'
import { AutomationSection, InvoiceDefaultsSection, NotificationsSection } from './OtherSections'
import { StripeSection } from './StripeSection'

/** Settings (§8): Stripe, invoice defaults, automation, notifications. */
export function SettingsPage() {
  const { client } = useBilling()
  const settings = useLoad(() => unwrap(client.GET('/api/billing/settings')), 'settings')
  const s = settings.data
  const onSaved = settings.reload
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold text-gray-900">Settings</h1>
      {settings.error !== null && <ErrorAlert error={settings.error} onRetry={settings.reload} />}
      {!s && settings.loading && <Loading label="Loading settings…" />}
      {s && (
        <>
          <StripeSection settings={s} onSaved={onSaved} />
          <InvoiceDefaultsSection settings={s} onSaved={onSaved} />
          <AutomationSection settings={s} onSaved={onSaved} />
          <NotificationsSection settings={s} onSaved={onSaved} />
        </>
      )}
    </div>
  )
}
