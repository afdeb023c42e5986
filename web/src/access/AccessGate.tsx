import { ShieldAlert } from 'lucide-react'
import type { ReactNode } from 'react'
import { Alert, ErrorAlert } from '../components/Alert'
import { Loading } from '../components/Spinner'
import { unwrap, type ApiError } from '../api/client'
import { useBilling } from '../lib/billing'
import { useLoad } from '../lib/useLoad'
import { MfaDialog } from './MfaDialog'

// The gate's refusals, worded as the API words them (GET /access gives only the code).
const REFUSALS: Record<string, string> = {
  forbidden_role: 'Billing Admin is available to Super Users only.',
  not_allow_listed: 'Your account is not allowed to use Billing Admin.',
  mfa_not_enabled: 'MFA is required to access Billing Admin',
}

export interface GateProps {
  children: ReactNode
  /** Bumped by the console when an API call answers `mfa_verification_required`. */
  recheck: number
  mfaSetupUrl: string
}

/** Super User, MFA set up, MFA verified today — as the API reports it — or why not. */
export function AccessGate({ children, recheck, mfaSetupUrl }: GateProps) {
  const { client } = useBilling()
  const access = useLoad(() => unwrap(client.GET('/api/billing/access')), `access-${recheck}`)

  if (access.loading && !access.data) return <Loading label="Checking access…" />
  if (access.error) {
    const unauthenticated = (access.error as ApiError).status === 401
    return unauthenticated
      ? <Alert tone="error" title="Sign-in required">{(access.error as ApiError).message}</Alert>
      : <ErrorAlert error={access.error} onRetry={access.reload} />
  }
  const status = access.data
  if (!status) return null
  if (status.allowed) return <>{children}</>
  if (status.reason === 'mfa_verification_required') {
    return <MfaDialog lockedUntil={status.locked_until ?? null} onVerified={access.reload} />
  }
  const message = REFUSALS[status.reason ?? ''] ?? 'You cannot use Billing Admin.'
  return (
    <div className="mx-auto max-w-lg py-10">
      <Alert tone="error" title={status.reason === 'mfa_not_enabled' ? 'Set up MFA first' : '403 — Access denied'}>
        <p className="flex items-center gap-2"><ShieldAlert className="h-4 w-4" aria-hidden="true" />{message}</p>
        {status.reason === 'mfa_not_enabled' && (
          <p className="mt-2">
            <a className="font-medium underline" href={`${mfaSetupUrl}?returnUrl=${encodeURIComponent('/admin/billing')}`}>
              Set up multi-factor authentication
            </a>
          </p>
        )}
      </Alert>
    </div>
  )
}
