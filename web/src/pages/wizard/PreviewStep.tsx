import { TriangleAlert } from 'lucide-react'
import { useMemo, useState } from 'react'
import type { Schemas } from '../../api/client'
import { Alert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { CheckboxField } from '../../components/Field'
import { compareMoney, isZeroMoney, sumMoney } from '../../lib/decimal'
import { formatCad, formatCount, formatMinutes, formatPercent, formatPeriod } from '../../lib/format'

type Preview = Schemas['InvoicePreview']
type Row = Preview['customers'][number]

/** Customers selected by default: usage in the period and no invoice for it yet. */
export function defaultSelection(preview: Preview): Set<string> {
  return new Set(preview.customers.filter((c) => !c.zero_usage && !c.existing_invoice).map((c) => c.customer_id))
}

export function selectionSummary(preview: Preview, selected: Set<string>) {
  const rows = preview.customers.filter((c) => selected.has(c.customer_id))
  return {
    rows,
    total: sumMoney(rows.map((r) => r.total_cad)),
    missingStripe: rows.filter((r) => !r.has_stripe_customer).length,
    duplicates: rows.filter((r) => r.existing_invoice).length,
    zeroUsage: rows.filter((r) => r.zero_usage).length,
  }
}

/** Step 2: the preview table — choose who to invoice. */
export function PreviewStep({ preview, selected, onSelect }: { preview: Preview; selected: Set<string>; onSelect: (s: Set<string>) => void }) {
  const [usageOnly, setUsageOnly] = useState(false)
  const rows = useMemo(
    () => preview.customers
      .filter((c) => !usageOnly || !isZeroMoney(c.total_cad))
      .sort((a, b) => compareMoney(b.total_cad, a.total_cad)),
    [preview, usageOnly],
  )
  const summary = selectionSummary(preview, selected)
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected)
    if (on) next.add(id)
    else next.delete(id)
    onSelect(next)
  }
  return (
    <div className="space-y-4">
      <p className="text-sm text-gray-700">
        Period {formatPeriod(preview.period.start, preview.period.end)} ({preview.period.time_zone}) · USD→CAD {preview.fx.rate} ({preview.fx.date})
      </p>
      {preview.warnings.length > 0 && (
        <Alert tone="warning" title="Check before generating">
          <ul className="list-disc pl-4">{preview.warnings.map((w) => <li key={w.code + w.message}>{w.message}</li>)}</ul>
        </Alert>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" onClick={() => onSelect(new Set(rows.map((r) => r.customer_id)))}>Select All</Button>
        <Button size="sm" onClick={() => onSelect(new Set())}>Deselect All</Button>
        <CheckboxField label="Show only customers with usage > $0" checked={usageOnly} onChange={(e) => setUsageOnly(e.target.checked)} className="ml-1" />
      </div>
      <div tabIndex={0} className="overflow-x-auto rounded-md ring-1 ring-gray-200">
        <table className="min-w-full text-left text-sm">
          <caption className="sr-only">Invoice preview, sorted by total (highest first)</caption>
          <thead className="bg-gray-50 text-xs uppercase text-gray-600">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">Include</th>
              <th scope="col" className="px-3 py-2 font-medium">Customer</th>
              <th scope="col" className="px-3 py-2 font-medium">Usage</th>
              <th scope="col" className="px-3 py-2 font-medium">Costs (SMS / Voice / AI)</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Subtotal</th>
              <th scope="col" className="px-3 py-2 text-right font-medium">Markup</th>
              <th scope="col" className="px-3 py-2 text-right font-medium" aria-sort="descending">Total</th>
              <th scope="col" className="px-3 py-2 font-medium">Status</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-100">
            {rows.map((r) => <PreviewRow key={r.customer_id} row={r} checked={selected.has(r.customer_id)} onToggle={toggle} />)}
          </tbody>
        </table>
      </div>
      <div className="flex flex-wrap justify-between gap-2 rounded-md bg-gray-50 px-3 py-2 text-sm" aria-live="polite">
        <span className="font-medium">Selected: {summary.rows.length} of {preview.customers.length} customers</span>
        <span>Total Amount: <span className="font-semibold">{formatCad(summary.total)} CAD</span></span>
        {summary.missingStripe > 0 && <span>Missing Stripe IDs: {summary.missingStripe} {summary.missingStripe === 1 ? 'customer' : 'customers'}</span>}
      </div>
    </div>
  )
}

function PreviewRow({ row, checked, onToggle }: { row: Row; checked: boolean; onToggle: (id: string, on: boolean) => void }) {
  const ai = sumMoney([row.costs_cad.retell_chat, row.costs_cad.retell_voice])
  return (
    <tr className={checked ? '' : 'text-gray-500'}>
      <td className="px-3 py-2">
        <input type="checkbox" aria-label={`Include ${row.customer_name}`} checked={checked} onChange={(e) => onToggle(row.customer_id, e.target.checked)} className="h-4 w-4 rounded border-gray-300 text-blue-600" />
      </td>
      <td className="px-3 py-2 font-medium text-gray-900">{row.customer_name}</td>
      <td className="whitespace-nowrap px-3 py-2 text-xs">
        {formatCount(row.usage.chats)} chats, {formatCount(row.usage.calls)} calls<br />
        {formatCount(row.usage.sms_segments)} segments, {formatMinutes(row.usage.call_minutes)} min
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-xs tabular-nums">
        {formatCad(row.costs_cad.twilio_sms)} / {formatCad(row.costs_cad.twilio_voice)} / {formatCad(ai)}
      </td>
      <td className="px-3 py-2 text-right tabular-nums">{formatCad(row.subtotal_cad)}</td>
      <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">{formatCad(row.markup_cad)} ({formatPercent(row.markup_percentage)})</td>
      <td className="px-3 py-2 text-right font-semibold tabular-nums">{formatCad(row.total_cad)}</td>
      <td className="whitespace-nowrap px-3 py-2 text-xs">
        {row.has_stripe_customer ? <span className="text-green-700">✓ Ready</span> : <span className="text-amber-700"><TriangleAlert className="inline h-3.5 w-3.5" aria-hidden="true" /> No Stripe ID</span>}
        {row.existing_invoice && <span className="block text-red-700">Already invoiced ({row.existing_invoice.invoice_status})</span>}
        {row.zero_usage && <span className="block text-gray-600">No usage</span>}
      </td>
    </tr>
  )
}
