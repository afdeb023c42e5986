/** What every page needs: the API client, where the console is mounted, downloads. */
import { createContext, useContext } from 'react'
import { toApiError, type ApiClient } from '../api/client'

export interface Billing {
  client: ApiClient
  /** Where the console is mounted, e.g. `/admin/billing`. */
  basePath: string
  /** A path inside the console: `to('invoices')` → `/admin/billing/invoices`. */
  to: (sub?: string) => string
}

export const BillingContext = createContext<Billing | null>(null)

export function useBilling(): Billing {
  const billing = useContext(BillingContext)
  if (!billing) throw new Error('useBilling() outside BillingAdminRoutes')
  return billing
}

type CsvPath = '/api/billing/invoices/export.csv' | '/api/billing/customers/export.csv' | '/api/billing/reports/usage.csv'

/** Fetch a CSV export with the bearer token and save it under the server's file name. */
export async function downloadCsv(client: ApiClient, path: CsvPath, query: Record<string, string | undefined>): Promise<void> {
  const params = { query: Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== '')) }
  let result
  try {
    // The export routes share the same query shape as the list filters; the server validates them.
    result = await client.GET(path, { params: params as never, parseAs: 'blob' })
  } catch (error) {
    throw toApiError(error)
  }
  if (!result.response.ok || !(result.data instanceof Blob)) throw toApiError(result.error, result.response)
  const disposition = result.response.headers.get('content-disposition') ?? ''
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'export.csv'
  const url = URL.createObjectURL(result.data)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
