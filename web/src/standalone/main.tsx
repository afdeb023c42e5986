/** The standalone console: served by the local API server at /admin/billing/. */
import { LogOut } from 'lucide-react'
import { StrictMode, useCallback, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter, Route, Routes } from 'react-router-dom'
import { BillingAdminRoutes } from '../BillingAdminRoutes'
import { Button } from '../components/Button'
import '../index.css'
import { SignIn } from './SignIn'
import { clearToken, storeToken, takeToken } from './token'

const BASE = '/admin/billing'
// Same origin as the API: served by `make serve`, or `npm run dev` proxying /api to it.
// VITE_API_BASE_URL=http://127.0.0.1:7071 calls the API cross-origin instead (its CORS setting).
const API: string = import.meta.env.VITE_API_BASE_URL ?? window.location.origin

function Standalone() {
  const [token, setToken] = useState<string | null>(takeToken)
  const [notice, setNotice] = useState<string | null>(null)
  useEffect(() => {
    // A `#token=` link opened in a tab already showing the console.
    const onHash = () => setToken(takeToken())
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  const getAccessToken = useCallback(() => Promise.resolve(token ?? ''), [token])
  const signOut = useCallback((message: string | null) => {
    clearToken()
    setToken(null)
    setNotice(message)
  }, [])

  if (!token) {
    return <SignIn notice={notice} onSignIn={(t) => { storeToken(t); setNotice(null); setToken(t) }} />
  }
  return (
    <BillingAdminRoutes
      key={token}
      basePath={BASE}
      apiBaseUrl={API}
      getAccessToken={getAccessToken}
      onUnauthenticated={() => signOut('The API did not accept the token (expired or invalid). Sign in again.')}
      headerActions={
        <Button variant="ghost" size="sm" onClick={() => signOut(null)} icon={<LogOut className="h-4 w-4" aria-hidden="true" />}>
          Sign out
        </Button>
      }
    />
  )
}

const root = document.getElementById('root')
if (root) {
  createRoot(root).render(
    <StrictMode>
      <BrowserRouter>
        <Routes>
          <Route path={`${BASE}/*`} element={<Standalone />} />
          <Route path="*" element={<Standalone />} />
        </Routes>
      </BrowserRouter>
    </StrictMode>,
  )
}
