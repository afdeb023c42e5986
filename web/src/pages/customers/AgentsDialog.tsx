import { useState } from 'react'
import { ApiError, unwrap, type Schemas } from '../../api/client'
import { Alert, ErrorAlert } from '../../components/Alert'
import { Button } from '../../components/Button'
import { TextArea } from '../../components/Field'
import { Modal } from '../../components/Modal'
import { useBilling } from '../../lib/billing'

/** Map Retell agents to a customer: their usage is billed to it. */
export function AgentsDialog({ customer, onClose, onSaved }: { customer: Schemas['Customer']; onClose: () => void; onSaved: () => void }) {
  const { client } = useBilling()
  const [text, setText] = useState(customer.agent_ids.join('\n'))
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState<Schemas['AgentMapping'] | null>(null)

  const save = async () => {
    setBusy(true)
    setError(null)
    const agent_ids = [...new Set(text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean))]
    try {
      const result = await unwrap(client.PUT('/api/billing/customers/{customer_id}/agents', { params: { path: { customer_id: customer.id } }, body: { agent_ids } }))
      setSaved(result)
      setText(result.agent_ids.join('\n'))
      onSaved()
    } catch (e) {
      setError(e)
    }
    setBusy(false)
  }

  const fieldError = error instanceof ApiError ? Object.values(error.fieldErrors())[0] : undefined
  return (
    <Modal
      title={`Retell agents for ${customer.customer_name}`}
      onClose={onClose}
      closable={!busy}
      footer={<><Button onClick={onClose} disabled={busy}>Close</Button><Button variant="primary" busy={busy} onClick={() => void save()}>Save Agents</Button></>}
    >
      <div className="space-y-3">
        <TextArea label="Agent IDs" rows={6} hint="One Retell agent ID per line. Usage of these agents is billed to this customer." value={text} onChange={(e) => setText(e.target.value)} error={fieldError} />
        {error !== null && !fieldError && <ErrorAlert error={error} />}
        {saved && (
          <Alert tone="success" title="Agents saved">
            {saved.agent_ids.length} {saved.agent_ids.length === 1 ? 'agent' : 'agents'} mapped.
            {saved.moved_from?.map((m) => <span key={m.agent_id} className="block">{m.agent_id} was moved from {m.customer_name}.</span>)}
          </Alert>
        )}
      </div>
    </Modal>
  )
}
