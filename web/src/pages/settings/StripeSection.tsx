import { PlugZap } from 'lucide-react'
import { useState } from 'react'
import { unwrap, type Schemas } from '../../api/client'
import { Alert, ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { CheckboxField, TextField } from '../../components/Field'
import { useBilling } from '../../lib/billing'
import { SettingsSection } from './SettingsSection'

type View = Schemas['SettingsView']

/** Stripe Integration: the secret key is sent once and then shown only as its hint. */
export function StripeSection({ settings, onSaved }: { settings: View; onSaved: (v: View) => void }) {
  const { client } = useBilling()
  const [secretKey, setSecretKey] = useState('')
  const [webhookSecret, setWebhookSecret] = useState('')
  const [publishable, setPublishable] = useState(settings.stripe.publishable_key ?? '')
  const [testMode, setTestMode] = useState(settings.stripe.test_mode)
  const [testing, setTesting] = useState(false)
  const [result, setResult] = useState<Schemas['StripeConnectionResult'] | null>(null)
  const [testError, setTestError] = useState<unknown>(null)

  const test = async () => {
    setTesting(true)
    setResult(null)
    setTestError(null)
    try {
      setResult(await unwrap(client.POST('/api/billing/settings/stripe/test', { body: secretKey.trim() ? { secret_key: secretKey.trim() } : {} })))
    } catch (e) {
      setTestError(e)
    }
    setTesting(false)
  }

  const save = async () => {
    const stripe = {
      publishable_key: publishable.trim(),
      test_mode: testMode,
      ...(secretKey.trim() ? { secret_key: secretKey.trim() } : {}),
      ...(webhookSecret.trim() ? { webhook_secret: webhookSecret.trim() } : {}),
    }
    const view = await unwrap(client.PUT('/api/billing/settings', { body: { stripe } }))
    setSecretKey('')
    setWebhookSecret('')
    onSaved(view)
  }

  const s = settings.stripe
  const saved = s.secret_key_set ? `Saved key: ${s.secret_key_hint ?? 'set'}${s.secret_key_source === 'environment' ? ' (from the environment)' : ''}` : 'No key saved yet.'
  return (
    <SettingsSection
      title="Stripe Integration"
      saveLabel="Save Stripe Settings"
      savedMessage="Stripe settings saved."
      onSave={save}
      extra={<Button busy={testing} icon={<PlugZap className="h-4 w-4" aria-hidden="true" />} onClick={() => void test()}>Test Connection</Button>}
    >
      {({ errors }) => (
        <>
          <Alert tone="info">Your Stripe API keys are encrypted and stored securely. Test mode lets you try invoice generation without real charges.</Alert>
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
            <TextField label="Stripe Secret Key" type="password" autoComplete="off" placeholder="sk_test_... or sk_live_..." value={secretKey} onChange={(e) => setSecretKey(e.target.value)} error={errors.secret_key} hint={`${saved} Leave empty to keep it.`} />
            <TextField label="Stripe Publishable Key" placeholder="pk_test_... or pk_live_..." value={publishable} onChange={(e) => setPublishable(e.target.value)} error={errors.publishable_key} hint="Starts with pk_" />
          </div>
          <TextField label="Stripe Webhook Signing Secret" type="password" autoComplete="off" placeholder="whsec_..." className="md:max-w-[50%]" value={webhookSecret} onChange={(e) => setWebhookSecret(e.target.value)} error={errors.webhook_secret} hint={`${s.webhook_secret_set ? 'A signing secret is saved.' : 'No signing secret saved yet.'} Leave empty to keep it.`} />
          <CheckboxField label="Test Mode" checked={testMode} onChange={(e) => setTestMode(e.target.checked)} hint={testMode ? 'Test mode: no real charges will be made.' : 'Live mode: real invoices and charges will be created.'} />
          {result && (
            <Alert tone={result.success ? 'success' : 'error'} title={result.success ? 'Connection works' : 'Connection failed'}>
              {result.message}{result.mode ? ` (${result.mode} mode)` : ''}
            </Alert>
          )}
          {testError !== null && <ErrorAlert error={testError} />}
        </>
      )}
    </SettingsSection>
  )
}
