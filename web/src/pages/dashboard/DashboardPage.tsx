import { Clock, DollarSign, Download, FileText, Receipt, Users, Wand2 } from 'lucide-react'
import { useState } from 'react'
import { useNavigate } from 'react-router-dom'
import { unwrap } from '../../api/client'
import { ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { Loading } from '../../components/Spinner'
import { downloadCsv, useBilling } from '../../lib/billing'
import { formatCad, formatCount, formatPeriod, formatTrend } from '../../lib/format'
import { useAction } from '../../lib/useAction'
import { useLoad } from '../../lib/useLoad'
import { InvoiceDetailDialog } from '../invoices/InvoiceDetailDialog'
import { GenerateWizard } from '../wizard/GenerateWizard'
import { MonthlyTrends } from './MonthlyTrends'
import { RecentActivity } from './RecentActivity'
import { SummaryCard } from './SummaryCard'

/** The dashboard (§5): summary cards, quick actions, recent activity, monthly trends. */
export function DashboardPage() {
  const { client, to } = useBilling()
  const navigate = useNavigate()
  const dashboard = useLoad(() => unwrap(client.GET('/api/billing/dashboard')), 'dashboard')
  const [wizard, setWizard] = useState(false)
  const [viewing, setViewing] = useState<string | null>(null)
  const exporting = useAction()
  const exportReport = () => exporting.run(() => downloadCsv(client, '/api/billing/reports/usage.csv', { preset: 'previous_month' }))

  const d = dashboard.data
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-2xl font-semibold text-gray-900">Billing Dashboard</h1>
        <div className="flex flex-wrap gap-2">
          <Button variant="primary" icon={<Wand2 className="h-4 w-4" aria-hidden="true" />} onClick={() => setWizard(true)}>Generate Monthly Invoices</Button>
          <Button icon={<FileText className="h-4 w-4" aria-hidden="true" />} onClick={() => navigate(to('invoices'))}>View Invoice History</Button>
          <Button icon={<Users className="h-4 w-4" aria-hidden="true" />} onClick={() => navigate(to('customers'))}>Manage Customers</Button>
          <Button busy={exporting.busy} icon={<Download className="h-4 w-4" aria-hidden="true" />} onClick={() => void exportReport()}>Export Report</Button>
        </div>
      </div>
      {exporting.error !== null && <ErrorAlert error={exporting.error} />}
      {dashboard.error !== null && <ErrorAlert error={dashboard.error} onRetry={dashboard.reload} />}
      {!d && dashboard.loading && <Loading label="Loading the dashboard…" />}
      {d && (
        <>
          <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <SummaryCard
              title="Current Month (MTD)"
              Icon={DollarSign}
              value={formatCad(d.current_month.billable_amount_cad)}
              detail={`${formatPeriod(d.current_month.period_start, d.current_month.period_end)} · usage cost ${formatCad(d.current_month.usage_cost_cad)}`}
              trend={formatTrend(d.current_month.billable_trend_pct)}
            />
            <SummaryCard
              title="Previous Month"
              Icon={Receipt}
              value={formatCad(d.previous_month.billable_amount_cad)}
              detail={`${formatPeriod(d.previous_month.period_start, d.previous_month.period_end)} · usage cost ${formatCad(d.previous_month.usage_cost_cad)}`}
            />
            <SummaryCard title="Total Customers" Icon={Users} value={formatCount(d.customer_count)} detail="Billing customers" />
            <SummaryCard
              title="Pending Invoices"
              Icon={Clock}
              value={formatCount(d.pending_invoices.count)}
              detail={`${formatCad(d.pending_invoices.total_cad)} awaiting payment`}
            />
          </div>
          <RecentActivity invoices={d.recent_invoices} onView={setViewing} />
          <MonthlyTrends trends={d.monthly_trends} />
          {d.notes.map((note) => <p key={note} className="text-xs text-gray-600">{note}</p>)}
        </>
      )}
      {wizard && (
        <GenerateWizard
          onClose={() => { setWizard(false); dashboard.reload() }}
          onViewHistory={() => navigate(to('invoices'))}
        />
      )}
      {viewing && <InvoiceDetailDialog invoiceId={viewing} onClose={() => setViewing(null)} onChanged={dashboard.reload} />}
    </div>
  )
}
