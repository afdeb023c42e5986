import { Eye, FileText } from 'lucide-react'
import type { Schemas } from '../../api/client'
import { Button } from '../../components/Button'
import { EmptyState } from '../../components/EmptyState'
import { StatusBadge } from '../../components/StatusBadge'
import { formatCad, formatDay } from '../../lib/format'

/** The last invoices created, each with a `View` button opening its detail. */
export function RecentActivity({ invoices, onView }: { invoices: Schemas['RecentInvoice'][]; onView: (id: string) => void }) {
  return (
    <section aria-labelledby="recent-activity" className="rounded-lg bg-white shadow-sm ring-1 ring-gray-200">
      <h2 id="recent-activity" className="px-4 pt-4 text-base font-semibold text-gray-900">Recent Activity</h2>
      {invoices.length === 0 ? (
        <EmptyState icon={FileText} title="No invoices yet" description="Invoices you generate appear here." />
      ) : (
        <div tabIndex={0} className="mt-2 overflow-x-auto">
          <table className="min-w-full text-left text-sm" aria-labelledby="recent-activity">
            <thead className="bg-gray-50 text-xs uppercase text-gray-600">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Date Created</th>
                <th scope="col" className="px-4 py-2 font-medium">Customer</th>
                <th scope="col" className="px-4 py-2 font-medium">Billing Period</th>
                <th scope="col" className="px-4 py-2 font-medium">Usage</th>
                <th scope="col" className="px-4 py-2 text-right font-medium">Amount (CAD)</th>
                <th scope="col" className="px-4 py-2 font-medium">Status</th>
                <th scope="col" className="px-4 py-2 font-medium">Actions</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-100">
              {invoices.map((inv) => (
                <tr key={inv.id}>
                  <td className="whitespace-nowrap px-4 py-2">{formatDay(inv.created_at)}</td>
                  <td className="px-4 py-2 font-medium">{inv.customer_name}</td>
                  <td className="whitespace-nowrap px-4 py-2">{inv.period_label}</td>
                  <td className="px-4 py-2 text-gray-700">{inv.usage_summary}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{formatCad(inv.amount_cad)}</td>
                  <td className="px-4 py-2"><StatusBadge status={inv.status} /></td>
                  <td className="px-4 py-2">
                    <Button size="sm" icon={<Eye className="h-3.5 w-3.5" aria-hidden="true" />} onClick={() => onView(inv.id)}>
                      View
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
