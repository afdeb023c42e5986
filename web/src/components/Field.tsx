import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react'

interface Wrap {
  label: string
  error?: string
  hint?: ReactNode
  className?: string
}

const CONTROL = 'mt-1 block w-full rounded-md border-0 px-3 py-2 text-sm text-gray-900 ring-1 ring-inset focus:ring-2 focus:ring-inset focus:ring-blue-600 disabled:bg-gray-100'

function ring(error?: string) {
  return error ? 'ring-red-500' : 'ring-gray-300'
}

function Described({ id, error, hint }: { id: string; error?: string; hint?: ReactNode }) {
  return (
    <>
      {hint && !error && <p id={`${id}-hint`} className="mt-1 text-xs text-gray-600">{hint}</p>}
      {error && <p id={`${id}-error`} className="mt-1 text-xs font-medium text-red-700">{error}</p>}
    </>
  )
}

function describedBy(id: string, error?: string, hint?: ReactNode) {
  return error ? `${id}-error` : hint ? `${id}-hint` : undefined
}

/** A labelled text input with its hint or its validation error beneath it. */
export function TextField({ label, error, hint, className = '', ...input }: Wrap & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId()
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-gray-800">{label}</label>
      <input id={id} className={`${CONTROL} ${ring(error)}`} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} {...input} />
      <Described id={id} error={error} hint={hint} />
    </div>
  )
}

export function TextArea({ label, error, hint, className = '', ...input }: Wrap & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId()
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-gray-800">{label}</label>
      <textarea id={id} className={`${CONTROL} ${ring(error)}`} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} {...input} />
      <Described id={id} error={error} hint={hint} />
    </div>
  )
}

export function SelectField({ label, error, hint, className = '', children, ...input }: Wrap & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = useId()
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-gray-800">{label}</label>
      <select id={id} className={`${CONTROL} ${ring(error)} bg-white`} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} {...input}>
        {children}
      </select>
      <Described id={id} error={error} hint={hint} />
    </div>
  )
}

/** A checkbox with its label to the right (also used for on/off settings). */
export function CheckboxField({ label, hint, error, className = '', ...input }: Wrap & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId()
  return (
    <div className={`flex items-start gap-2 ${className}`}>
      <input id={id} type="checkbox" className="mt-0.5 h-4 w-4 rounded border-gray-300 text-blue-600 focus:ring-blue-600" aria-describedby={describedBy(id, error, hint)} {...input} />
      <div>
        <label htmlFor={id} className="text-sm font-medium text-gray-800">{label}</label>
        <Described id={id} error={error} hint={hint} />
      </div>
    </div>
  )
}
