import { AlertCircle, CheckCircle, Info, TriangleAlert } from 'lucide-react'
import type { ReactNode } from 'react'

type Tone = 'info' | 'success' | 'warning' | 'error'

const TONES: Record<Tone, { box: string; Icon: typeof Info }> = {
  info: { box: 'bg-blue-50 text-blue-900 ring-blue-200', Icon: Info },
  success: { box: 'bg-green-50 text-green-900 ring-green-200', Icon: CheckCircle },
  warning: { box: 'bg-amber-50 text-amber-900 ring-amber-200', Icon: TriangleAlert },
  error: { box: 'bg-red-50 text-red-900 ring-red-200', Icon: AlertCircle },
}

/** A message box; errors are announced (role alert), others are a polite status. */
export function Alert({ tone = 'info', title, children, action }: { tone?: Tone; title?: string; children?: ReactNode; action?: ReactNode }) {
  const { box, Icon } = TONES[tone]
  return (
    <div role={tone === 'error' ? 'alert' : 'status'} className={`flex gap-3 rounded-md p-3 text-sm ring-1 ring-inset ${box}`}>
      <Icon className="mt-0.5 h-4 w-4 shrink-0" aria-hidden="true" />
      <div className="min-w-0 flex-1">
        {title && <p className="font-semibold">{title}</p>}
        {children && <div className="break-words">{children}</div>}
        {action && <div className="mt-2">{action}</div>}
      </div>
    </div>
  )
}

/** A failed request: the API's `detail`, and a retry button when one is given. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : 'An unexpected error occurred. Please try again or contact support.'
  return (
    <Alert
      tone="error"
      title="Something went wrong"
      action={onRetry && (
        <button type="button" className="font-medium underline" onClick={onRetry}>
          Try again
        </button>
      )}
    >
      {message}
    </Alert>
  )
}
