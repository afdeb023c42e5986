import { useEffect, useState } from 'react'
import { toApiError, unwrap, type ApiClient, type Schemas } from '../../api/client'
import { ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { Modal } from '../../components/Modal'
import { Loading } from '../../components/Spinner'
import { useBilling } from '../../lib/billing'
import { useAction } from '../../lib/useAction'
import { BatchProgress, BatchResult, isRunning } from './BatchProgress'
import { OptionsStep, type Options } from './OptionsStep'
import { PeriodStep, periodErrors, type PeriodChoice } from './PeriodStep'
import { defaultSelection, PreviewStep, selectionSummary } from './PreviewStep'

type Batch = Schemas['InvoiceBatch']
type Step = 'period' | 'preview' | 'options' | 'batch'

const STEPS: Record<Step, string> = {
  period: 'Step 1 of 4: Select date range',
  preview: 'Step 2 of 4: Preview invoices',
  options: 'Step 3 of 4: Stripe options',
  batch: 'Step 4 of 4: Processing and results',
}
const POLL_MS = 600

function periodBody(p: PeriodChoice) {
  return p.preset === 'custom' ? { preset: p.preset, start: p.start, end: p.end } : { preset: p.preset, start: null, end: null }
}

/** The batch a POST answered: the body (201 finished, or 202 with the batch), else the Location. */
async function startBatch(client: ApiClient, body: Schemas['BatchIn']): Promise<Batch> {
  const result = await client.POST('/api/billing/invoice-batches', { body })
  if (!result.response.ok) throw toApiError(result.error, result.response)
  const data = result.data as Batch | undefined
  if (data?.id && Array.isArray(data.items)) return data
  const id = data?.id ?? result.response.headers.get('location')?.split('/').pop()
  if (!id) throw toApiError({ status: result.response.status, detail: 'The server did not say which batch it started.' })
  return unwrap(client.GET('/api/billing/invoice-batches/{batch_id}', { params: { path: { batch_id: id } } }))
}

/** The `Generate Monthly Invoices` wizard (§6): period → preview → options → progress → result. */
export function GenerateWizard({ onClose, onViewHistory }: { onClose: () => void; onViewHistory: () => void }) {
  const { client } = useBilling()
  const [step, setStep] = useState<Step>('period')
  const [period, setPeriod] = useState<PeriodChoice>({ preset: 'previous_month', start: '', end: '', sync: false })
  const [showErrors, setShowErrors] = useState(false)
  const [preview, setPreview] = useState<Schemas['InvoicePreview'] | null>(null)
  const [selected, setSelected] = useState<Set<string>>(new Set())
  const [options, setOptions] = useState<Options>({ mode: 'draft', dueInDays: 30, autoCreateStripeCustomers: true, skipMissingStripeCustomers: false, allowDuplicate: false })
  const [batch, setBatch] = useState<Batch | null>(null)
  const { run, busy, error: actionError } = useAction()
  const [pollError, setPollError] = useState<unknown>(null)
  const error = actionError ?? pollError

  const running = batch !== null && isRunning(batch)
  useEffect(() => {
    if (!batch || !isRunning(batch)) return
    const timer = setTimeout(() => {
      unwrap(client.GET('/api/billing/invoice-batches/{batch_id}', { params: { path: { batch_id: batch.id } } }))
        .then(setBatch, setPollError)
    }, POLL_MS)
    return () => clearTimeout(timer)
  }, [batch, client])

  const attempt = (work: () => Promise<void>) => {
    setPollError(null)
    return run(work)
  }

  const loadPreview = () => {
    setShowErrors(true)
    if (Object.keys(periodErrors(period)).length > 0) return
    void attempt(async () => {
      const data = await unwrap(client.POST('/api/billing/invoices/preview', { body: { period: periodBody(period), customer_ids: null, sync: period.sync } }))
      setPreview(data)
      setSelected(defaultSelection(data))
      setStep('preview')
    })
  }

  const summary = preview ? selectionSummary(preview, selected) : null
  const generate = () => void attempt(async () => {
    if (!summary) return
    setBatch(await startBatch(client, {
      period: periodBody(period),
      customer_ids: summary.rows.map((r) => r.customer_id),
      mode: options.mode,
      due_in_days: options.dueInDays,
      auto_create_stripe_customers: options.autoCreateStripeCustomers,
      skip_missing_stripe_customers: options.skipMissingStripeCustomers,
      allow_duplicate: options.allowDuplicate,
      include_zero_usage: summary.zeroUsage > 0,
    }))
    setStep('batch')
  })
  const retry = () => void attempt(async () => {
    if (batch) setBatch(await unwrap(client.POST('/api/billing/invoice-batches/{batch_id}/retry', { params: { path: { batch_id: batch.id } } })))
  })

  const footer = {
    period: <><Button onClick={onClose}>Cancel</Button><Button variant="primary" busy={busy} onClick={loadPreview}>Next: Preview Invoices</Button></>,
    preview: <><Button onClick={() => setStep('period')}>Back</Button><Button variant="primary" disabled={!summary?.rows.length} onClick={() => setStep('options')}>Next: Stripe Options</Button></>,
    options: <><Button onClick={() => setStep('preview')} disabled={busy}>Back</Button><Button variant="primary" busy={busy} onClick={generate}>Generate Invoices</Button></>,
    batch: <><Button disabled={running} onClick={onViewHistory}>View Invoice History</Button><Button disabled={running} onClick={onClose}>Close</Button></>,
  }[step]

  return (
    <Modal title="Generate Monthly Invoices" onClose={onClose} size="xl" footer={footer} closable={!busy && !running}>
      <p className="mb-4 text-xs font-medium uppercase tracking-wide text-gray-600">{STEPS[step]}</p>
      {error !== null && <div className="mb-4"><ErrorAlert error={error} /></div>}
      {step === 'period' && (busy ? <Loading label="Calculating costs…" /> : <PeriodStep value={period} onChange={setPeriod} errors={showErrors ? periodErrors(period) : {}} />)}
      {step === 'preview' && preview && <PreviewStep preview={preview} selected={selected} onSelect={setSelected} />}
      {step === 'options' && summary && <OptionsStep value={options} onChange={setOptions} missingStripe={summary.missingStripe} duplicates={summary.duplicates} zeroUsage={summary.zeroUsage} />}
      {step === 'batch' && batch && (running ? <BatchProgress batch={batch} /> : <BatchResult batch={batch} onRetry={retry} retrying={busy} />)}
    </Modal>
  )
}
