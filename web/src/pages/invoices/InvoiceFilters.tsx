import { Search } from 'lucide-react'
import type { Schemas } from '../../api/client'
import { SelectField, TextField } from '../../components/Field'

export type Status = Schemas['Status']

export interface Filters {
  status: Status | ''
  customerId: string
  createdFrom: string
  createdTo: string
  amountMin: string
  amountMax: string
  search: string
}

export const NO_FILTERS: Filters = { status: '', customerId: '', createdFrom: '', createdTo: '', amountMin: '', amountMax: '', search: '' }

const STATUSES: Status[] = ['draft', 'finalized', 'sent', 'paid', 'overdue', 'cancelled']

/** Status, customer, creation dates, amount range and search (§7). */
export function InvoiceFilters({ value, onChange, customers }: { value: Filters; onChange: (f: Filters) => void; customers: Schemas['Customer'][] }) {
  const set = (key: keyof Filters) => (e: { target: { value: string } }) => onChange({ ...value, [key]: e.target.value })
  return (
    <div className="space-y-3">
      <div className="relative max-w-md">
        <Search className="pointer-events-none absolute left-3 top-2.5 h-4 w-4 text-gray-500" aria-hidden="true" />
        <input
          type="search"
          aria-label="Search invoice #, customer..."
          placeholder="Search invoice #, customer..."
          value={value.search}
          onChange={set('search')}
          className="block w-full rounded-md border-0 py-2 pl-9 pr-3 text-sm ring-1 ring-inset ring-gray-300 focus:ring-2 focus:ring-blue-600"
        />
      </div>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-6">
        <SelectField label="Status" value={value.status} onChange={(e) => onChange({ ...value, status: e.target.value as Status | '' })}>
          <option value="">All Statuses</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s[0]?.toUpperCase() + s.slice(1)}</option>)}
        </SelectField>
        <SelectField label="Customer" value={value.customerId} onChange={set('customerId')}>
          <option value="">All Customers</option>
          {customers.map((c) => <option key={c.id} value={c.id}>{c.customer_name}</option>)}
        </SelectField>
        <TextField label="Created from" type="date" value={value.createdFrom} onChange={set('createdFrom')} />
        <TextField label="Created to" type="date" value={value.createdTo} onChange={set('createdTo')} />
        <TextField label="Minimum amount" type="number" min="0" step="0.01" inputMode="decimal" value={value.amountMin} onChange={set('amountMin')} />
        <TextField label="Maximum amount" type="number" min="0" step="0.01" inputMode="decimal" value={value.amountMax} onChange={set('amountMax')} />
      </div>
    </div>
  )
}
