import { useCallback, useMemo, useRef, useState, type ReactNode } from 'react'
import { Route, Routes } from 'react-router-dom'
import { AccessGate } from './access/AccessGate'
import { makeClient, type Problem } from './api/client'
import { BillingContext, type Billing } from './lib/billing'
import { Layout } from './Layout'
import { CustomersPage } from './pages/customers/CustomersPage'
import { DashboardPage } from './pages/dashboard/DashboardPage'
import { InvoiceHistoryPage } from './pages/invoices/InvoiceHistoryPage'
import { SettingsPage } from './pages/settings/SettingsPage'

export interface BillingAdminRoutesProps {
  /** Where the SPA mounts the console, e.g. `/admin/billing`. */
  basePath: string
  /** The origin serving `/api/billing/...`, e.g. `https://carexps-billing.azurewebsites.net`. */
  apiBaseUrl: string
  /** The signed-in user's bearer token (Entra ID or Supabase access token). */
  getAccessToken: () => Promise<string>
  /** Called when the API refuses the token (401); the standalone app signs out. */
  onUnauthenticated?: () => void
  /** The SPA's MFA setup page (default `/mfa-setup`). */
  mfaSetupUrl?: string
  /** Extra controls for the header (the standalone app's `Sign out`). */
  headerActions?: ReactNode
}

/** The Billing Admin console: mount under `${basePath}/*` in the SPA's router. */
export function BillingAdminRoutes({ basePath, apiBaseUrl, getAccessToken, onUnauthenticated, mfaSetupUrl = '/mfa-setup', headerActions }: BillingAdminRoutesProps) {
  const [recheck, setRecheck] = useState(0)
  const tokenRef = useRef(getAccessToken)
  tokenRef.current = getAccessToken
  const signOutRef = useRef(onUnauthenticated)
  signOutRef.current = onUnauthenticated

  const onProblem = useCallback((problem: Problem) => {
    if (problem.status === 401) signOutRef.current?.()
    if (problem.code === 'mfa_verification_required') setRecheck((n) => n + 1)
  }, [])

  const billing = useMemo<Billing>(() => {
    const base = basePath.replace(/\/$/, '')
    const client = makeClient({ apiBaseUrl, getAccessToken: () => tokenRef.current(), onProblem })
    return { client, basePath: base, to: (sub = '') => (sub ? `${base}/${sub}` : base || '/') }
  }, [apiBaseUrl, basePath, onProblem])

  return (
    <BillingContext.Provider value={billing}>
      <Layout actions={headerActions}>
        <AccessGate recheck={recheck} mfaSetupUrl={mfaSetupUrl}>
          <Routes>
            <Route index element={<DashboardPage />} />
            <Route path="invoices" element={<InvoiceHistoryPage />} />
            <Route path="customers" element={<CustomersPage />} />
            <Route path="settings" element={<SettingsPage />} />
            <Route path="*" element={<DashboardPage />} />
          </Routes>
        </AccessGate>
      </Layout>
    </BillingContext.Provider>
  )
}
