import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { Schemas } from '../../api/client'
import { formatCad } from '../../lib/format'

type Trend = Schemas['MonthlyTrend']

// The spec's colours (§5 D).
const SERIES = [
  { key: 'twilio_sms_cad', name: 'Twilio SMS', fill: '#3B82F6' },
  { key: 'twilio_voice_cad', name: 'Twilio Voice', fill: '#6366F1' },
  { key: 'retell_ai_cad', name: 'Retell AI', fill: '#10B981' },
] as const

/** Six months of costs as a stacked bar chart, and the same figures as a table. */
export function MonthlyTrends({ trends }: { trends: Trend[] }) {
  // The chart needs numbers; the table and tooltip show the API's decimal strings.
  const points = trends.map((t) => ({
    label: t.label,
    twilio_sms_cad: Number(t.twilio_sms_cad),
    twilio_voice_cad: Number(t.twilio_voice_cad),
    retell_ai_cad: Number(t.retell_ai_cad),
    source: t,
  }))
  return (
    <section aria-labelledby="monthly-trends" className="rounded-lg bg-white p-4 shadow-sm ring-1 ring-gray-200">
      <h2 id="monthly-trends" className="text-base font-semibold text-gray-900">Monthly Trends</h2>
      <div className="mt-3 h-72" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="label" tick={{ fontSize: 12 }} />
            <YAxis tick={{ fontSize: 12 }} width={56} tickFormatter={(v: number) => `$${v.toFixed(0)}`} />
            <Tooltip formatter={(_v, name, item) => {
              const series = SERIES.find((s) => s.name === name)
              const source = (item.payload as { source: Trend }).source
              return [`${formatCad(series ? source[series.key] : _v as number)} CAD`, name]
            }} />
            <Legend />
            {SERIES.map((s) => <Bar key={s.key} dataKey={s.key} stackId="costs" fill={s.fill} name={s.name} isAnimationActive={false} />)}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer font-medium text-blue-700">Show the figures as a table</summary>
        <div tabIndex={0} className="mt-2 overflow-x-auto">
          <table className="min-w-full text-left text-sm">
            <caption className="sr-only">Monthly Trends (CAD)</caption>
            <thead>
              <tr className="border-b text-gray-600">
                <th scope="col" className="py-1 pr-4 font-medium">Month</th>
                {SERIES.map((s) => <th key={s.key} scope="col" className="py-1 pr-4 text-right font-medium">{s.name}</th>)}
                <th scope="col" className="py-1 text-right font-medium">Total</th>
              </tr>
            </thead>
            <tbody>
              {trends.map((t) => (
                <tr key={t.month} className="border-b last:border-0">
                  <th scope="row" className="py-1 pr-4 font-normal">{t.label}</th>
                  {SERIES.map((s) => <td key={s.key} className="py-1 pr-4 text-right tabular-nums">{formatCad(t[s.key])}</td>)}
                  <td className="py-1 text-right font-medium tabular-nums">{formatCad(t.total_cad)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  )
}
