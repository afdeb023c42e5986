import { DollarSign, LogIn } from 'lucide-react'
import { useState, type FormEvent } from 'react'
import { Alert } from '../components/Alert'
import { Button } from '../components/Button'
import { TextField } from '../components/Field'

/** Sign in with a bearer token (`make serve` prints one, and a link that signs in directly). */
export function SignIn({ notice, onSignIn }: { notice: string | null; onSignIn: (token: string) => void }) {
  const [token, setToken] = useState('')
  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (token.trim()) onSignIn(token.trim())
  }
  return (
    <main className="flex min-h-screen items-center justify-center bg-gray-50 px-4 font-sans">
      <form onSubmit={submit} className="w-full max-w-sm space-y-4 rounded-lg bg-white p-6 shadow ring-1 ring-gray-200">
        <h1 className="flex items-center gap-2 text-xl font-semibold text-gray-900">
          <DollarSign className="h-6 w-6 text-blue-600" aria-hidden="true" />
          Billing Admin
        </h1>
        <p className="text-sm text-gray-600">
          Paste the bearer token printed by <code className="rounded bg-gray-100 px-1">make serve</code>, or open the link it prints.
        </p>
        {notice && <Alert tone="warning">{notice}</Alert>}
        <TextField label="Bearer token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
        <Button type="submit" variant="primary" className="w-full" icon={<LogIn className="h-4 w-4" aria-hidden="true" />} disabled={!token.trim()}>
          Sign in
        </Button>
      </form>
    </main>
  )
}
