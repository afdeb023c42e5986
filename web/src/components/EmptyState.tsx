import type { LucideIcon } from 'lucide-react'
import type { ReactNode } from 'react'

/** An empty list: icon, title, description and an optional action. */
export function EmptyState({ icon: Icon, title, description, action }: { icon: LucideIcon; title: string; description: string; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 px-4 py-10 text-center">
      <Icon className="h-10 w-10 text-gray-400" aria-hidden="true" />
      <p className="text-base font-semibold text-gray-900">{title}</p>
      <p className="max-w-sm text-sm text-gray-600">{description}</p>
      {action && <div className="mt-2">{action}</div>}
    </div>
  )
}
