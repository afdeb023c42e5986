import { ShieldCheck } from 'lucide-react'
import { useState, type FormEvent } from 'react'
import { toApiError, type ApiError } from '../api/client'
import { Alert } from '../components/Alert'
import { Button } from '../components/Button'
import { TextField } from '../components/Field'
import { Modal } from '../components/Modal'
import { formatMoment } from '../lib/format'
import { useBilling } from '../lib/billing'

/** The daily MFA prompt: a TOTP code, remaining attempts, and the lock-out time. */
export function MfaDialog({ lockedUntil, onVerified }: { lockedUntil: string | null; onVerified: () => void }) {
  const { client } = useBilling()
  const [code, setCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<ApiError | null>(null)
  const [locked, setLocked] = useState<string | null>(lockedUntil)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const result = await client.POST('/api/billing/mfa/verify', { body: { code: code.trim() } })
      if (result.response.ok) {
        onVerified()
        return
      }
      const problem = toApiError(result.error, result.response)
      const retryAfter = Number(result.response.headers.get('retry-after'))
      if (problem.code === 'mfa_locked' && retryAfter > 0) {
        setLocked(new Date(Date.now() + retryAfter * 1000).toISOString())
      }
      setError(problem)
    } catch (e) {
      setError(toApiError(e))
    }
    setBusy(false)
  }

  const remaining = error?.problem.attempts_remaining
  const isLocked = locked !== null && new Date(locked).getTime() > Date.now()
  const fieldError = error && error.code !== 'mfa_locked' ? error.message : undefined
  return (
    <Modal title="Verify it's you">
      <form className="space-y-4" onSubmit={(e) => void submit(e)} noValidate>
        <div className="flex items-start gap-3 text-sm text-gray-700">
          <ShieldCheck className="h-6 w-6 shrink-0 text-blue-600" aria-hidden="true" />
          <p>Billing Admin asks for a code from your authenticator app once a day. Enter the 6-digit code it shows now.</p>
        </div>
        <TextField
          label="Verification code"
          name="code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          value={code}
          onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
          error={fieldError}
          hint="6 digits"
          data-autofocus
        />
        {typeof remaining === 'number' && !isLocked && (
          <p className="text-sm text-gray-700">{remaining} {remaining === 1 ? 'attempt' : 'attempts'} remaining before verification is locked.</p>
        )}
        {isLocked && (
          <Alert tone="error" title="Verification locked">
            Too many incorrect codes. Try again after {formatMoment(locked)}.
          </Alert>
        )}
        {error && !fieldError && !isLocked && <Alert tone="error">{error.message}</Alert>}
        <div className="flex justify-end">
          <Button type="submit" variant="primary" busy={busy} disabled={code.length !== 6 || isLocked}>
            Verify
          </Button>
        </div>
      </form>
    </Modal>
  )
}
