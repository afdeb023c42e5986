/** Exact sums of money strings (2 decimal places) through integer cents — never floats. */

function toCents(value: string | number): bigint {
  const text = String(value).trim()
  const match = /^(-?)(\d+)(?:\.(\d{1,2})\d*)?$/.exec(text)
  if (!match) throw new Error(`not a money amount: ${text}`)
  const [, sign, whole, frac = ''] = match
  const cents = BigInt(whole ?? '0') * 100n + BigInt(frac.padEnd(2, '0'))
  return sign ? -cents : cents
}

function fromCents(cents: bigint): string {
  const negative = cents < 0n
  const abs = negative ? -cents : cents
  const frac = (abs % 100n).toString().padStart(2, '0')
  return `${negative ? '-' : ''}${abs / 100n}.${frac}`
}

/** `sumMoney(["1.10", "2.05"])` → `"3.15"`. */
export function sumMoney(values: (string | number)[]): string {
  return fromCents(values.reduce<bigint>((total, v) => total + toCents(v), 0n))
}

/** Compare two money strings (for sorting by total). */
export function compareMoney(a: string | number, b: string | number): number {
  const d = toCents(a) - toCents(b)
  return d < 0n ? -1 : d > 0n ? 1 : 0
}

export function isZeroMoney(value: string | number): boolean {
  return toCents(value) === 0n
}
