import { AlertCircle, CheckCircle, FileText, Lock, Send, XCircle } from 'lucide-react'

// The spec's status colours (§7, §11); cancelled is struck through.
const CONFIG: Record<string, { label: string; className: string; Icon: typeof FileText }> = {
  draft: { label: 'Draft', className: 'bg-gray-100 text-gray-700', Icon: FileText },
  finalized: { label: 'Finalized', className: 'bg-sky-100 text-sky-800', Icon: Lock },
  sent: { label: 'Sent', className: 'bg-blue-100 text-blue-800', Icon: Send },
  paid: { label: 'Paid', className: 'bg-green-100 text-green-800', Icon: CheckCircle },
  overdue: { label: 'Overdue', className: 'bg-red-100 text-red-800', Icon: AlertCircle },
  cancelled: { label: 'Cancelled', className: 'bg-gray-100 text-gray-600 line-through', Icon: XCircle },
}

/** An invoice status as a coloured badge with an icon. */
export function StatusBadge({ status }: { status: string }) {
  const { label, className, Icon } = CONFIG[status] ?? { label: status, className: 'bg-gray-100 text-gray-700', Icon: FileText }
  return (
    <span className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${className}`}>
      <Icon className="h-3 w-3" aria-hidden="true" />
      {label}
    </span>
  )
}
