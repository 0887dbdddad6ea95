// How the judges write numbers into their reason sentences: short, signed where a direction
// matters, percentages for ratios. Reasons are read by people deciding on a rollback.
import { formatNumber } from '../values.js'

/** A measured value, with its unit when the metric names one: `412 ms`, `0.0268`. */
export function amount(value: number, unit?: string): string {
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value)
}

/** A difference with its sign: `+171`, `−3.2`, `0`. */
export function signed(value: number, unit?: string): string {
  const text = amount(Math.abs(value), unit)
  if (value > 0) return `+${text}`
  if (value < 0) return `−${text}`
  return text
}

/** A ratio as a percentage: 1.714 → `171 %`; 1.0004 → `100.04 %` (kept distinguishable from 100). */
export function percent(ratio: number): string {
  const value = ratio * 100
  const rounded = Math.round(value)
  if (rounded === 100 && value !== 100) return `${Number(value.toPrecision(5))} %`
  return `${Math.abs(value) >= 10 ? rounded : Number(value.toPrecision(2))} %`
}

/** A probability: `0.0042`, `< 1e-12`. */
export function probability(p: number): string {
  if (p < 1e-12) return '< 1e-12'
  return formatNumber(Number(p.toPrecision(2)))
}
