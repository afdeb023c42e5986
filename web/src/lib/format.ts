/** Display formatting. Money arrives as a decimal string and is only formatted here. */

const cad = new Intl.NumberFormat('en-CA', { style: 'currency', currency: 'CAD' })
const integer = new Intl.NumberFormat('en-CA')
const decimal1 = new Intl.NumberFormat('en-CA', { minimumFractionDigits: 1, maximumFractionDigits: 1 })

type Decimalish = string | number

/** `"1234.5"` → `$1,234.50` (the string is formatted exactly, never through a float). */
export function formatCad(value: Decimalish | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—'
  return cad.format(String(value) as Intl.StringNumericLiteral)
}

export function formatCount(value: number): string {
  return integer.format(value)
}

export function formatMinutes(value: Decimalish): string {
  return decimal1.format(String(value) as Intl.StringNumericLiteral)
}

/** A percentage as stored (`"20.0000"`) → `20%`. */
export function formatPercent(value: Decimalish): string {
  const n = String(value).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
  return `${n}%`
}

const dayFormat = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' })
const momentFormat = new Intl.DateTimeFormat('en-CA', { dateStyle: 'medium', timeStyle: 'short' })

/** A calendar day (`YYYY-MM-DD`) as `Nov 1, 2026`. */
export function formatDay(value: string | null | undefined): string {
  if (!value) return '—'
  return dayFormat.format(new Date(`${value.slice(0, 10)}T00:00:00Z`))
}

/** A moment (ISO date-time) in the viewer's time zone. */
export function formatMoment(value: string | null | undefined): string {
  if (!value) return '—'
  return momentFormat.format(new Date(value))
}

export function formatPeriod(start: string, end: string): string {
  return `${formatDay(start)} – ${formatDay(end)}`
}

/** A trend percentage (`"-12.5"`) as `-12.5% vs last month`, or null when there is none. */
export function formatTrend(value: Decimalish | null | undefined): string | null {
  if (value === null || value === undefined) return null
  const text = String(value)
  return `${text.startsWith('-') || Number(text) === 0 ? '' : '+'}${text}% vs last month`
}
