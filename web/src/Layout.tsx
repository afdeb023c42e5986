import { DollarSign, FileText, LayoutDashboard, Settings, Users } from 'lucide-react'
import type { ReactNode } from 'react'
import { NavLink } from 'react-router-dom'
import { useBilling } from './lib/billing'

const LINKS = [
  { sub: '', label: 'Dashboard', Icon: LayoutDashboard, end: true },
  { sub: 'invoices', label: 'Invoices', Icon: FileText, end: false },
  { sub: 'customers', label: 'Customers', Icon: Users, end: false },
  { sub: 'settings', label: 'Settings', Icon: Settings, end: false },
]

/** The console's frame: title, section navigation, and the page. */
export function Layout({ children, actions }: { children: ReactNode; actions?: ReactNode }) {
  const { to } = useBilling()
  return (
    <div className="min-h-screen bg-gray-50 font-sans text-gray-900">
      <header className="border-b border-gray-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-2 px-4 py-3 lg:px-8">
          <p className="flex items-center gap-2 text-base font-semibold">
            <DollarSign className="h-5 w-5 text-blue-600" aria-hidden="true" />
            Billing Admin
          </p>
          {actions}
        </div>
        <nav aria-label="Billing Admin" className="mx-auto max-w-7xl overflow-x-auto px-2 lg:px-6">
          <ul className="flex gap-1">
            {LINKS.map(({ sub, label, Icon, end }) => (
              <li key={label}>
                <NavLink
                  to={to(sub)}
                  end={end}
                  className={({ isActive }) =>
                    `flex items-center gap-1.5 whitespace-nowrap border-b-2 px-2 py-2 text-sm font-medium sm:px-3 ${isActive ? 'border-blue-600 text-blue-700' : 'border-transparent text-gray-600 hover:text-gray-900'}`
                  }
                >
                  <Icon className="hidden h-4 w-4 sm:block" aria-hidden="true" />
                  {label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="mx-auto max-w-7xl px-4 py-6 lg:px-8">{children}</main>
    </div>
  )
}
