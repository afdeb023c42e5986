import { Loader2 } from 'lucide-react'

/** A small spinning icon (decorative; the caller says what is loading). */
export function Spinner({ className = 'h-4 w-4' }: { className?: string }) {
  return <Loader2 className={`animate-spin ${className}`} aria-hidden="true" />
}

/** A page or section that is loading: a spinner and a live status message. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" className="flex items-center justify-center gap-2 py-10 text-sm text-gray-600">
      <Spinner className="h-5 w-5" />
      <span>{label}</span>
    </div>
  )
}
