import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { ApiError } from '../../api/client'
import { Alert, ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'

export interface SaveState {
  errors: Record<string, string>
}

/** One settings section: a named region with its own form, save button, result and errors. */
export function SettingsSection({ title, saveLabel, onSave, children, extra, savedMessage }: {
  title: string
  saveLabel: string
  savedMessage: string
  onSave: () => Promise<void>
  children: (state: SaveState) => ReactNode
  extra?: ReactNode
}) {
  const id = useId()
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const errors = error instanceof ApiError ? error.fieldErrors() : {}

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setSaved(false)
    setError(null)
    try {
      await onSave()
      setSaved(true)
    } catch (e) {
      setError(e)
    }
    setBusy(false)
  }

  return (
    <section aria-labelledby={id} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-gray-200 md:p-6">
      <h2 id={id} className="text-lg font-semibold text-gray-900">{title}</h2>
      <form className="mt-4 space-y-4" onSubmit={(e) => void submit(e)} noValidate>
        {children({ errors })}
        {saved && <Alert tone="success">{savedMessage}</Alert>}
        {error !== null && <ErrorAlert error={error} />}
        <div className="flex flex-wrap gap-2">
          {extra}
          <Button type="submit" variant="primary" busy={busy}>{saveLabel}</Button>
        </div>
      </form>
    </section>
  )
}
