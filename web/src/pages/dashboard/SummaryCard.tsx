import type { LucideIcon } from 'lucide-react'
import { TrendingDown, TrendingUp } from 'lucide-react'
import { useId, type ReactNode } from 'react'

/** A dashboard figure: a region named by its title, the value, a detail and a trend. */
export function SummaryCard({ title, value, detail, trend, Icon }: { title: string; value: string; detail?: ReactNode; trend?: string | null; Icon: LucideIcon }) {
  const id = useId()
  const down = trend?.startsWith('-')
  return (
    <section aria-labelledby={id} className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-gray-200">
      <div className="flex items-center justify-between">
        <h2 id={id} className="text-sm font-medium text-gray-600">{title}</h2>
        <Icon className="h-5 w-5 text-blue-600" aria-hidden="true" />
      </div>
      <p className="mt-2 text-2xl font-semibold text-gray-900">{value}</p>
      {detail && <p className="mt-1 text-xs text-gray-600">{detail}</p>}
      {trend && (
        <p className={`mt-1 flex items-center gap-1 text-xs font-medium ${down ? 'text-red-700' : 'text-green-700'}`}>
          {down ? <TrendingDown className="h-3.5 w-3.5" aria-hidden="true" /> : <TrendingUp className="h-3.5 w-3.5" aria-hidden="true" />}
          {trend}
        </p>
      )}
    </section>
  )
}
