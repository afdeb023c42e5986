import { Download, Link2, Pencil, Plus, RefreshCw, Search, Trash2, Users } from 'lucide-react'
import { useState } from 'react'
import { unwrap, type Schemas } from '../../api/client'
import { Alert, ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { EmptyState } from '../../components/EmptyState'
import { SelectField } from '../../components/Field'
import { Loading } from '../../components/Spinner'
import { downloadCsv, useBilling } from '../../lib/billing'
import { formatPercent } from '../../lib/format'
import { useAction } from '../../lib/useAction'
import { useLoad } from '../../lib/useLoad'
import { AgentsDialog } from './AgentsDialog'
import { CustomerDialog } from './CustomerDialog'

type Customer = Schemas['Customer']
type Open = { kind: 'add' } | { kind: 'edit' | 'delete' | 'agents'; customer: Customer } | null

const STRIPE: Record<string, { label: string; className: string }> = {
  linked: { label: 'Linked', className: 'bg-green-100 text-green-800' },
  pending: { label: 'Pending', className: 'bg-amber-100 text-amber-900' },
  none: { label: 'Not linked', className: 'bg-gray-100 text-gray-700' },
}

/** Customers (§4): table, search, auto-invoice filter, add/edit/delete, agents, Stripe link, CSV. */
export function CustomersPage() {
  const { client } = useBilling()
  const [search, setSearch] = useState('')
  const [auto, setAuto] = useState('')
  const [open, setOpen] = useState<Open>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [syncing, setSyncing] = useState<string | null>(null)
  const action = useAction()
  const filters = { search: search.trim() || undefined, auto_invoice: auto === '' ? undefined : auto === 'on' }
  const list = useLoad(() => unwrap(client.GET('/api/billing/customers', { params: { query: { ...filters, page_size: 200 } } })), JSON.stringify(filters))

  const sync = (c: Customer) => action.run(async () => {
    setSyncing(c.id)
    try {
      await unwrap(client.POST('/api/billing/customers/{customer_id}/stripe-sync', { params: { path: { customer_id: c.id } } }))
      setNotice(`${c.customer_name} is linked to Stripe.`)
      list.reload()
    } finally {
      setSyncing(null)
    }
  })
  const exportCsv = () => action.run(() => downloadCsv(client, '/api/billing/customers/export.csv', { search: filters.search, auto_invoice: auto === '' ? undefined : String(auto === 'on') }))
  const saved = (message: string) => {
    setOpen(null)
    setNotice(message)
    list.reload()
  }

  const items = list.data?.items ?? []
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-2xl font-semibold text-gray-900">Customers</h1>
        <div className="flex flex-wrap gap-2">
          <Button busy={action.busy && syncing === null} icon={<Download className="h-4 w-4" aria-hidden="true" />} onClick={() => void exportCsv()}>Export CSV</Button>
          <Button variant="primary" icon={<Plus className="h-4 w-4" aria-hidden="true" />} onClick={() => setOpen({ kind: 'add' })}>Add New Customer</Button>
        </div>
      </div>
      <div className="flex flex-wrap items-end gap-3">
        <div className="relative w-full max-w-md">
          <Search className="pointer-events-none absolute left-3 top-2.5 h-4 w-4 text-gray-500" aria-hidden="true" />
          <input type="search" aria-label="Search customers by name or email" placeholder="Search by name or email…" value={search} onChange={(e) => setSearch(e.target.value)} className="block w-full rounded-md border-0 py-2 pl-9 pr-3 text-sm ring-1 ring-inset ring-gray-300 focus:ring-2 focus:ring-blue-600" />
        </div>
        <SelectField label="Auto-Invoice" value={auto} onChange={(e) => setAuto(e.target.value)} className="w-40">
          <option value="">All</option>
          <option value="on">On</option>
          <option value="off">Off</option>
        </SelectField>
      </div>
      {notice && <Alert tone="success">{notice}</Alert>}
      {action.error !== null && <ErrorAlert error={action.error} />}
      {list.error !== null && <ErrorAlert error={list.error} onRetry={list.reload} />}
      {!list.data && list.loading && <Loading label="Loading customers…" />}
      {list.data && (
        <section aria-label="Customers" className="rounded-lg bg-white shadow-sm ring-1 ring-gray-200">
          {items.length === 0 ? (
            search || auto
              ? <EmptyState icon={Users} title="No customers match" description="Try another search or filter." />
              : <EmptyState icon={Users} title="No Customers Yet" description="Add your first billing customer to get started." action={<Button variant="primary" onClick={() => setOpen({ kind: 'add' })}>Add Customer</Button>} />
          ) : (
            <div tabIndex={0} className="overflow-x-auto">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Billing customers</caption>
                <thead className="bg-gray-50 text-xs uppercase text-gray-600">
                  <tr>
                    <th scope="col" className="px-3 py-2 font-medium">Customer Name</th>
                    <th scope="col" className="px-3 py-2 font-medium">Email</th>
                    <th scope="col" className="px-3 py-2 font-medium">Stripe Status</th>
                    <th scope="col" className="px-3 py-2 text-right font-medium">Markup %</th>
                    <th scope="col" className="px-3 py-2 font-medium">Auto-Invoice</th>
                    <th scope="col" className="px-3 py-2 font-medium">Agents</th>
                    <th scope="col" className="px-3 py-2 font-medium">Actions</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-gray-100">
                  {items.map((c) => {
                    const stripe = STRIPE[c.stripe_link_status] ?? { label: c.stripe_link_status, className: 'bg-gray-100 text-gray-700' }
                    return (
                      <tr key={c.id}>
                        <th scope="row" className="px-3 py-2 text-left font-medium">{c.customer_name}</th>
                        <td className="px-3 py-2">{c.customer_email}</td>
                        <td className="px-3 py-2">
                          <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ${stripe.className}`} title={c.stripe_last_error ?? undefined}>{stripe.label}</span>
                          {c.stripe_customer_id && <span className="block font-mono text-xs text-gray-600">{c.stripe_customer_id}</span>}
                          {c.stripe_last_error && <span className="block text-xs text-red-700">{c.stripe_last_error}</span>}
                        </td>
                        <td className="px-3 py-2 text-right tabular-nums">{formatPercent(c.markup_percentage)}</td>
                        <td className="px-3 py-2">{c.auto_invoice_enabled ? 'On' : 'Off'}</td>
                        <td className="px-3 py-2 text-xs text-gray-700">{c.agent_ids.length ? c.agent_ids.join(', ') : 'None'}</td>
                        <td className="px-3 py-2">
                          <div className="flex flex-wrap gap-1">
                            <Button size="sm" variant="ghost" aria-label={`Edit ${c.customer_name}`} icon={<Pencil className="h-4 w-4" aria-hidden="true" />} onClick={() => setOpen({ kind: 'edit', customer: c })} />
                            <Button size="sm" variant="ghost" aria-label={`Map agents for ${c.customer_name}`} icon={<Link2 className="h-4 w-4" aria-hidden="true" />} onClick={() => setOpen({ kind: 'agents', customer: c })} />
                            {c.stripe_link_status !== 'linked' && (
                              <Button size="sm" variant="ghost" aria-label={`Sync ${c.customer_name} to Stripe`} busy={syncing === c.id} icon={<RefreshCw className="h-4 w-4" aria-hidden="true" />} onClick={() => void sync(c)} />
                            )}
                            <Button size="sm" variant="ghost" aria-label={`Delete ${c.customer_name}`} icon={<Trash2 className="h-4 w-4 text-red-600" aria-hidden="true" />} onClick={() => setOpen({ kind: 'delete', customer: c })} />
                          </div>
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>
      )}
      {open?.kind === 'add' && <CustomerDialog customer={null} onClose={() => setOpen(null)} onSaved={() => saved('Customer added.')} />}
      {open?.kind === 'edit' && <CustomerDialog customer={open.customer} onClose={() => setOpen(null)} onSaved={() => saved('Customer saved.')} />}
      {open?.kind === 'agents' && <AgentsDialog customer={open.customer} onClose={() => setOpen(null)} onSaved={list.reload} />}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete ${open.customer.customer_name}?`}
          confirmLabel="Delete customer"
          danger
          onConfirm={async () => {
            await unwrap(client.DELETE('/api/billing/customers/{customer_id}', { params: { path: { customer_id: open.customer.id } } }))
            setNotice(`${open.customer.customer_name} was deleted.`)
            list.reload()
          }}
          onClose={() => setOpen(null)}
        >
          <p>The customer and its agent mapping are removed. This cannot be undone.</p>
          {open.customer.unpaid_invoice_count > 0 && <Alert tone="warning">This customer has {open.customer.unpaid_invoice_count} unpaid invoices.</Alert>}
        </ConfirmDialog>
      )}
    </div>
  )
}
