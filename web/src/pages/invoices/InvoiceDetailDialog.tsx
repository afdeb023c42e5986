import { CheckCircle, Clock, Download, ExternalLink, FileText, Send, XCircle } from 'lucide-react'
import { useState, type ReactNode } from 'react'
import { unwrap, type Schemas } from '../../api/client'
import { ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { Modal } from '../../components/Modal'
import { Loading } from '../../components/Spinner'
import { StatusBadge } from '../../components/StatusBadge'
import { useBilling } from '../../lib/billing'
import { formatCad, formatCount, formatDay, formatMinutes, formatMoment, formatPercent, formatPeriod } from '../../lib/format'
import { useLoad } from '../../lib/useLoad'
import { ACTIONS, type ActionKey } from './invoiceActions'

type Detail = Schemas['InvoiceDetail']

/** What the dialog is called: `Invoice <number>` (Stripe's number, else its id). */
export function invoiceTitle(inv: { invoice_number: string | null; stripe_invoice_id: string | null; id: string }): string {
  return `Invoice ${inv.invoice_number ?? inv.stripe_invoice_id ?? inv.id.slice(0, 8)}`
}

/** The invoice detail modal (§7): customer, usage, cost breakdown, timeline, actions. */
export function InvoiceDetailDialog({ invoiceId, onClose, onChanged }: { invoiceId: string; onClose: () => void; onChanged: () => void }) {
  const { client } = useBilling()
  const detail = useLoad(() => unwrap(client.GET('/api/billing/invoices/{invoice_id}', { params: { path: { invoice_id: invoiceId } } })), invoiceId)
  const [confirming, setConfirming] = useState<ActionKey | null>(null)
  const [running, setRunning] = useState<ActionKey | null>(null)
  const [actionError, setActionError] = useState<unknown>(null)
  const inv = detail.data

  const run = async (key: ActionKey) => {
    await unwrap(client.POST(ACTIONS[key].path, { params: { path: { invoice_id: invoiceId } } }))
    detail.reload()
    onChanged()
  }

  /** Confirm first when the action cannot be undone; otherwise run it now. */
  const start = (key: ActionKey) => {
    if (ACTIONS[key].confirm) {
      setConfirming(key)
      return
    }
    setRunning(key)
    setActionError(null)
    run(key).catch(setActionError).finally(() => setRunning(null))
  }

  const actions = (inv?.actions ?? []).filter((a): a is ActionKey => a in ACTIONS)
  const footer = (
    <>
      {inv?.stripe_invoice_url && (
        <LinkButton href={inv.stripe_invoice_url} icon={<ExternalLink className="h-4 w-4" aria-hidden="true" />}>View in Stripe</LinkButton>
      )}
      {inv?.stripe_invoice_pdf_url && inv.actions.includes('pdf') && (
        <LinkButton href={inv.stripe_invoice_pdf_url} icon={<Download className="h-4 w-4" aria-hidden="true" />}>Download PDF</LinkButton>
      )}
      {actions.map((key) => (
        <Button key={key} variant={ACTIONS[key].variant} busy={running === key} onClick={() => start(key)}>
          {ACTIONS[key].label}
        </Button>
      ))}
      <Button onClick={onClose}>Close</Button>
    </>
  )

  return (
    <Modal title={inv ? invoiceTitle(inv) : 'Loading invoice'} onClose={onClose} size="lg" footer={footer}>
      {detail.error !== null && <ErrorAlert error={detail.error} onRetry={detail.reload} />}
      {actionError !== null && <div className="mb-4"><ErrorAlert error={actionError} /></div>}
      {!inv && detail.loading && <Loading label="Loading the invoice…" />}
      {inv && <DetailBody inv={inv} />}
      {confirming && inv && (
        <ConfirmDialog
          title={`${ACTIONS[confirming].label}?`}
          confirmLabel={ACTIONS[confirming].confirm?.button ?? ACTIONS[confirming].label}
          danger={ACTIONS[confirming].variant === 'danger'}
          onConfirm={() => run(confirming)}
          onClose={() => setConfirming(null)}
        >
          <p>{ACTIONS[confirming].confirm?.question(inv.customer_name)}</p>
          <p className="font-medium">{invoiceTitle(inv)} · {formatCad(inv.total_amount_cad)} CAD</p>
        </ConfirmDialog>
      )}
    </Modal>
  )
}

function LinkButton({ href, icon, children }: { href: string; icon: ReactNode; children: ReactNode }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer" className="inline-flex items-center gap-1.5 rounded-md bg-white px-3.5 py-2 text-sm font-medium text-gray-800 shadow-sm ring-1 ring-inset ring-gray-300 hover:bg-gray-50">
      {icon}
      {children}
    </a>
  )
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="space-y-2">
      <h3 className="text-sm font-semibold uppercase tracking-wide text-gray-600">{title}</h3>
      {children}
    </section>
  )
}

function DetailBody({ inv }: { inv: Detail }) {
  const rows: [string, string | number][] = [
    ['Twilio SMS Services', inv.twilio_sms_cost_cad],
    ['Twilio Voice Services', inv.twilio_voice_cost_cad],
    ['Retell AI Chat Services', inv.retell_ai_chat_cost_cad],
    ['Retell AI Voice Services', inv.retell_ai_voice_cost_cad],
  ]
  return (
    <div className="space-y-6 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <StatusBadge status={inv.invoice_status} />
        {inv.supplementary && <span className="text-xs text-gray-600">Supplementary invoice</span>}
        {inv.stripe_error && <span className="text-xs text-red-700">Stripe: {inv.stripe_error}</span>}
      </div>
      <Section title="Customer Information">
        <dl className="grid grid-cols-1 gap-2 sm:grid-cols-3">
          <Item label="Customer Name" value={inv.customer_name} />
          <Item label="Email" value={inv.customer_email ?? '—'} />
          <Item label="Billing Period" value={formatPeriod(inv.billing_period_start, inv.billing_period_end)} />
        </dl>
      </Section>
      <Section title="Usage Summary">
        <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4">
          <Item label="Total Chats" value={formatCount(inv.total_chats)} />
          <Item label="Total Calls" value={formatCount(inv.total_calls)} />
          <Item label="SMS Segments" value={formatCount(inv.total_sms_segments)} />
          <Item label="Billed minutes (rounded up per call)" value={formatMinutes(inv.total_call_minutes)} />
        </dl>
      </Section>
      <Section title="Cost Breakdown">
        <table className="w-full">
          <caption className="sr-only">Cost breakdown (CAD)</caption>
          <tbody>
            {rows.map(([label, amount]) => (
              <tr key={label} className="border-b border-gray-100">
                <th scope="row" className="py-1.5 text-left font-normal">{label}</th>
                <td className="py-1.5 text-right tabular-nums">{formatCad(amount)}</td>
              </tr>
            ))}
            <tr className="border-b border-gray-300">
              <th scope="row" className="py-1.5 text-left font-semibold">Subtotal</th>
              <td className="py-1.5 text-right font-semibold tabular-nums">{formatCad(inv.subtotal_cad)}</td>
            </tr>
            {Number(inv.markup_amount_cad) > 0 && (
              <tr className="border-b border-gray-300">
                <th scope="row" className="py-1.5 text-left font-normal">Service Markup ({formatPercent(inv.markup_percentage)})</th>
                <td className="py-1.5 text-right tabular-nums">{formatCad(inv.markup_amount_cad)}</td>
              </tr>
            )}
            <tr>
              <th scope="row" className="py-2 text-left text-base font-bold">Total</th>
              <td className="py-2 text-right text-base font-bold tabular-nums">{formatCad(inv.total_amount_cad)} CAD</td>
            </tr>
          </tbody>
        </table>
        {inv.fx.rate && <p className="text-xs text-gray-600">USD→CAD {inv.fx.rate} ({inv.fx.source}, {inv.fx.date})</p>}
      </Section>
      <Section title="Invoice Status">
        <ol className="space-y-2">
          {inv.timeline.filter((t) => t.kind === 'status').map((t) => (
            <li key={`${t.event}-${t.at}`} className="flex items-start gap-2">
              <TimelineIcon event={t.event} />
              <span><span className="font-medium">{t.label}</span> <span className="text-gray-600">· {formatMoment(t.at)}</span></span>
            </li>
          ))}
        </ol>
        {inv.due_date && <p className="text-xs text-gray-600">Due {formatDay(inv.due_date)}</p>}
      </Section>
    </div>
  )
}

function TimelineIcon({ event }: { event: string }) {
  const cls = 'mt-0.5 h-4 w-4 shrink-0'
  if (event === 'paid') return <CheckCircle className={`${cls} text-green-600`} aria-hidden="true" />
  if (event === 'sent') return <Send className={`${cls} text-blue-600`} aria-hidden="true" />
  if (event === 'cancelled') return <XCircle className={`${cls} text-gray-500`} aria-hidden="true" />
  if (event === 'overdue') return <Clock className={`${cls} text-red-600`} aria-hidden="true" />
  return <FileText className={`${cls} text-gray-500`} aria-hidden="true" />
}

function Item({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-md bg-gray-50 px-3 py-2">
      <dt className="text-xs text-gray-600">{label}</dt>
      <dd className="font-medium text-gray-900">{value}</dd>
    </div>
  )
}
