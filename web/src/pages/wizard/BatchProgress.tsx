import { CheckCircle2, XCircle } from 'lucide-react'
import type { Schemas } from '../../api/client'
import { Button } from '../../components/Button'
import { formatCad } from '../../lib/format'

type Batch = Schemas['InvoiceBatch']

const RUNNING = new Set(['pending', 'queued', 'running'])

export function isRunning(batch: Batch): boolean {
  return RUNNING.has(batch.status)
}

/** Step 4 while it runs: a progress bar fed by the batch, and each customer's outcome. */
export function BatchProgress({ batch }: { batch: Batch }) {
  const total = Math.max(batch.total, 1)
  const pct = Math.round((batch.processed / total) * 100)
  return (
    <div className="space-y-4">
      <h3 className="text-base font-semibold">Generating Invoices…</h3>
      <div>
        <div role="progressbar" aria-label="Invoices generated" aria-valuemin={0} aria-valuemax={batch.total} aria-valuenow={batch.processed} aria-valuetext={`${batch.processed} of ${batch.total} processed`} className="h-3 w-full overflow-hidden rounded-full bg-gray-200">
          <div className="h-full bg-blue-600 transition-all" style={{ width: `${pct}%` }} />
        </div>
        <p className="mt-1 text-sm text-gray-700">{batch.processed} of {batch.total} processed</p>
      </div>
      <ItemList batch={batch} />
    </div>
  )
}

function ItemList({ batch, onRetry, retrying }: { batch: Batch; onRetry?: () => void; retrying?: boolean }) {
  return (
    <ul className="divide-y divide-gray-100 text-sm">
      {batch.items.filter((i) => i.status !== 'pending').map((item) => (
        <li key={item.customer_id} className="flex flex-wrap items-start gap-2 py-2">
          {item.status === 'failed'
            ? <XCircle className="mt-0.5 h-4 w-4 text-red-600" aria-label="Failed" />
            : <CheckCircle2 className={`mt-0.5 h-4 w-4 ${item.status === 'skipped' ? 'text-gray-400' : 'text-green-600'}`} aria-label={item.status === 'skipped' ? 'Skipped' : 'Created'} />}
          <span className="min-w-0 flex-1">
            <span className="font-medium">{item.customer_name}</span>
            {item.status === 'succeeded' && item.total_amount_cad && <span className="text-gray-600"> · {formatCad(item.total_amount_cad)}</span>}
            {item.status === 'skipped' && <span className="text-gray-600"> · skipped{item.reason ? `: ${item.reason.replace(/_/g, ' ')}` : ''}</span>}
            {item.error_message && <span className="block text-red-700">{item.error_message}</span>}
          </span>
          {item.status === 'failed' && onRetry && <Button size="sm" busy={retrying} onClick={onRetry}>Retry</Button>}
        </li>
      ))}
    </ul>
  )
}

/** Step 4 when done: counts, total, and each failure with `Retry`. */
export function BatchResult({ batch, onRetry, retrying }: { batch: Batch; onRetry: () => void; retrying: boolean }) {
  return (
    <div className="space-y-4">
      <h3 className="text-base font-semibold">Invoice Generation Complete</h3>
      <ul className="space-y-1 text-sm">
        <li className="text-green-800">✓ Successfully created: {batch.succeeded} invoices</li>
        {batch.failed > 0 && <li className="text-red-800">✗ Failed: {batch.failed} invoices</li>}
        {batch.skipped > 0 && <li className="text-gray-700">Skipped: {batch.skipped} customers</li>}
        <li>Total amount: <span className="font-semibold">{formatCad(batch.total_cad)} CAD</span></li>
      </ul>
      <ItemList batch={batch} onRetry={onRetry} retrying={retrying} />
    </div>
  )
}
