import { ArrowDown, ArrowUp, ArrowUpDown, Download, Eye, FileText } from 'lucide-react'
import { useEffect, useState } from 'react'
import { unwrap } from '../../api/client'
import { ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { EmptyState } from '../../components/EmptyState'
import { Loading } from '../../components/Spinner'
import { StatusBadge } from '../../components/StatusBadge'
import { downloadCsv, useBilling } from '../../lib/billing'
import { formatCad, formatCount, formatDay, formatMinutes, formatPeriod } from '../../lib/format'
import { useAction } from '../../lib/useAction'
import { useLoad } from '../../lib/useLoad'
import { InvoiceDetailDialog } from './InvoiceDetailDialog'
import { InvoiceFilters, NO_FILTERS, type Filters } from './InvoiceFilters'

type SortKey = 'created' | 'customer' | 'total' | 'status'
const PAGE_SIZE = 50

function query(f: Filters) {
  return {
    status: f.status || undefined,
    customer_id: f.customerId || undefined,
    created_from: f.createdFrom || undefined,
    created_to: f.createdTo || undefined,
    amount_min: f.amountMin || undefined,
    amount_max: f.amountMax || undefined,
    search: f.search.trim() || undefined,
  }
}

/** Wait `ms` after the last change before using a value (search as you type). */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/** Invoice History (§7): filters, search, sortable columns, 50 per page, CSV, detail. */
export function InvoiceHistoryPage() {
  const { client } = useBilling()
  const [filters, setFilters] = useState<Filters>(NO_FILTERS)
  const [sort, setSort] = useState<{ key: SortKey; order: 'asc' | 'desc' }>({ key: 'created', order: 'desc' })
  const [page, setPage] = useState(1)
  const [viewing, setViewing] = useState<string | null>(null)
  const exporting = useAction()
  const settled = useSettled(filters, 300)
  const q = query(settled)

  const customers = useLoad(() => unwrap(client.GET('/api/billing/customers', { params: { query: { page_size: 200 } } })), 'customers')
  const key = JSON.stringify([q, sort, page])
  const invoices = useLoad(() => unwrap(client.GET('/api/billing/invoices', {
    params: { query: { ...q, status: q.status ? [q.status] : undefined, sort: sort.key, order: sort.order, page, page_size: PAGE_SIZE } },
  })), key)

  const changeFilters = (f: Filters) => {
    setFilters(f)
    setPage(1)
  }
  const sortBy = (k: SortKey) => setSort((s) => ({ key: k, order: s.key === k && s.order === 'desc' ? 'asc' : 'desc' }))
  const exportCsv = () => exporting.run(() => downloadCsv(client, '/api/billing/invoices/export.csv', { ...q, sort: sort.key, order: sort.order }))

  const data = invoices.data
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1
  const header = (k: SortKey, label: string, right = false) => {
    const active = sort.key === k
    const Icon = active ? (sort.order === 'asc' ? ArrowUp : ArrowDown) : ArrowUpDown
    return (
      <th scope="col" className={`px-3 py-2 font-medium ${right ? 'text-right' : ''}`} aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" onClick={() => sortBy(k)} className="inline-flex items-center gap-1 uppercase hover:text-gray-900">
          {label}
          <Icon className="h-3.5 w-3.5" aria-hidden="true" />
        </button>
      </th>
    )
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-2xl font-semibold text-gray-900">Invoice History</h1>
        <Button busy={exporting.busy} icon={<Download className="h-4 w-4" aria-hidden="true" />} onClick={() => void exportCsv()}>Export CSV</Button>
      </div>
      {exporting.error !== null && <ErrorAlert error={exporting.error} />}
      <InvoiceFilters value={filters} onChange={changeFilters} customers={customers.data?.items ?? []} />
      {invoices.error !== null && <ErrorAlert error={invoices.error} onRetry={invoices.reload} />}
      {!data && invoices.loading && <Loading label="Loading invoices…" />}
      {data && (
        <section aria-label="Invoices" className="rounded-lg bg-white shadow-sm ring-1 ring-gray-200" aria-busy={invoices.loading}>
          <p className="px-4 pt-3 text-sm text-gray-700" aria-live="polite">
            {formatCount(data.total)} {data.total === 1 ? 'invoice' : 'invoices'} · {formatCad(data.total_cad)} CAD
          </p>
          {data.items.length === 0 ? (
            <EmptyState icon={FileText} title="No Invoices Found" description="No invoices match your current filters." action={<Button onClick={() => changeFilters(NO_FILTERS)}>Clear Filters</Button>} />
          ) : (
            <div tabIndex={0} className="mt-2 overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Invoices</caption>
                <thead className="bg-gray-50 text-xs uppercase text-gray-600">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">Invoice #</th>
                    {header('created', 'Date Created')}
                    {header('customer', 'Customer')}
                    <th scope="col" className="px-3 py-2 font-medium">Billing Period</th>
                    <th scope="col" className="px-3 py-2 font-medium">Usage</th>
                    {header('total', 'Amount', true)}
                    {header('status', 'Status')}
                    <th scope="col" className="px-3 py-2 font-medium">Actions</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-gray-100">
                  {data.items.map((inv) => (
                    <tr key={inv.id}>
                      <td className="whitespace-nowrap px-3 py-2 font-mono text-xs">{inv.invoice_number ?? inv.stripe_invoice_id?.slice(0, 12) ?? '—'}</td>
                      <td className="whitespace-nowrap px-3 py-2">{formatDay(inv.created_at)}</td>
                      <td className="px-3 py-2 font-medium">{inv.customer_name}</td>
                      <td className="whitespace-nowrap px-3 py-2">{formatPeriod(inv.billing_period_start, inv.billing_period_end)}</td>
                      <td className="whitespace-nowrap px-3 py-2 text-xs text-gray-700">
                        {formatCount(inv.total_chats)} chats, {formatCount(inv.total_calls)} calls<br />
                        {formatCount(inv.total_sms_segments)} segments, {formatMinutes(inv.total_call_minutes)} min
                      </td>
                      <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">{formatCad(inv.total_amount_cad)} CAD</td>
                      <td className="px-3 py-2"><StatusBadge status={inv.invoice_status} /></td>
                      <td className="px-3 py-2">
                        <Button size="sm" icon={<Eye className="h-3.5 w-3.5" aria-hidden="true" />} onClick={() => setViewing(inv.id)}>View</Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pages > 1 && (
            <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-gray-100 px-4 py-2 text-sm">
              <Button size="sm" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</Button>
              <span>Page {page} of {pages}</span>
              <Button size="sm" disabled={page >= pages} onClick={() => setPage(page + 1)}>Next</Button>
            </nav>
          )}
        </section>
      )}
      {viewing && <InvoiceDetailDialog invoiceId={viewing} onClose={() => setViewing(null)} onChanged={invoices.reload} />}
    </div>
  )
}
