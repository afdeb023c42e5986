import { X } from 'lucide-react'
import { useEffect, useId, useRef, type ReactNode } from 'react'
import { createPortal } from 'react-dom'

export interface ModalProps {
  title: string
  /** Without it the dialog cannot be dismissed (no close button, Escape ignored). */
  onClose?: () => void
  children: ReactNode
  footer?: ReactNode
  size?: 'md' | 'lg' | 'xl'
  /** When false, Escape and the close button do nothing (an action is running). */
  closable?: boolean
}

const SIZES = { md: 'md:max-w-lg', lg: 'md:max-w-3xl', xl: 'md:max-w-5xl' }

/** A modal dialog named by its title: full screen on phones, centred on larger screens. */
export function Modal({ title, onClose, children, footer, size = 'md', closable = true }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const closeRef = useRef(onClose)
  closeRef.current = onClose

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    // showModal() focuses the first focusable element; a field marked data-autofocus wins.
    dialog?.querySelector<HTMLElement>('[data-autofocus]')?.focus()
    // The page behind a modal does not scroll (nested dialogs restore what they found).
    const overflow = document.body.style.overflow
    document.body.style.overflow = 'hidden'
    return () => {
      dialog?.close()
      document.body.style.overflow = overflow
    }
  }, [])

  // In <body>, so no layout rule of the page (e.g. `space-y-*` margins) reaches the dialog.
  return createPortal(
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        if (closable) closeRef.current?.()
      }}
      className={`m-0 h-full max-h-full w-full max-w-full rounded-none bg-white p-0 shadow-xl backdrop:bg-gray-900/50 md:m-auto md:h-fit md:max-h-[90vh] md:rounded-lg ${SIZES[size]}`}
    >
      <div className="flex h-full max-h-[inherit] flex-col">
        <div className="flex items-start justify-between gap-4 border-b border-gray-200 px-4 py-3 md:px-6">
          <h2 id={titleId} className="text-lg font-semibold text-gray-900">{title}</h2>
          {onClose && (
            <button
              type="button"
              aria-label="Close dialog"
              disabled={!closable}
              onClick={() => closeRef.current?.()}
              className="rounded p-1 text-gray-500 hover:bg-gray-100 disabled:opacity-40"
            >
              <X className="h-5 w-5" aria-hidden="true" />
            </button>
          )}
        </div>
        <div tabIndex={0} className="min-h-0 flex-1 overflow-y-auto px-4 py-4 outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-blue-500 md:px-6">{children}</div>
        {footer && <div className="flex flex-wrap justify-end gap-2 border-t border-gray-200 px-4 py-3 md:px-6">{footer}</div>}
      </div>
    </dialog>,
    document.body,
  )
}
