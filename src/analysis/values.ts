// How measured values read in logs, reasons and reports.
import { shorten } from '../secrets.js'
import type { Measurement } from './types.js'

/** A number as people read it: 0.0268, 2.68, 1234.5, NaN, +Inf. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  if (Number.isInteger(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 1000) return String(Math.round(value * 100) / 100)
  if (abs < 1e-4) return value.toExponential(2)
  return String(Number(value.toPrecision(4)))
}

const MAX_TEXT = 80

/**
 * The report's name for shorten() (src/report/markdown.ts re-exports it): secrets are redacted
 * before the cut, so a cut never leaves a prefix of one.
 */
export function truncate(text: string, max = MAX_TEXT): string {
  return shorten(text, max)
}

// A display needs only the first levels; an answer nested 100,000 deep must not overflow the stack.
const MAX_DEPTH = 6

/** A short rendering of any measured value: the number itself when there is one to show. */
export function formatValue(value: unknown, depth = 0): string {
  if (value === undefined) return '–'
  if (value === null) return 'nil'
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'string') return JSON.stringify(shorten(value, 40))
  if (typeof value === 'boolean') return String(value)
  if (depth > MAX_DEPTH && typeof value === 'object') return '…'
  if (Array.isArray(value)) {
    if (value.length === 0) return '[] (no data)'
    if (value.length === 1) return formatValue(value[0], depth + 1)
    const shown = value.slice(0, 3).map((item) => formatValue(item, depth + 1)).join(', ')
    return `[${shown}${value.length > 3 ? `, … ${value.length} values` : ''}]`
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
    if (entries.length === 1) {
      const [key, inner] = entries[0]
      return `${key}: ${formatValue(inner, depth + 1)}`
    }
    return shorten(
      `{${entries.map(([key, inner]) => `${key}: ${typeof inner === 'object' && inner ? '…' : formatValue(inner, depth + 1)}`).join(', ')}}`,
      MAX_TEXT
    )
  }
  return shorten(String(value), MAX_TEXT)
}

/** The value a measurement shows: what its conditions compared, else its result, else "error". */
export function shownValue(measurement: Measurement): string {
  if (measurement.display !== undefined) return measurement.display
  return measurement.phase === 'Error' && measurement.value === undefined ? 'error' : formatValue(measurement.value)
}

/** A JSON-safe copy of a measured value for the report (NaN and infinities as Prometheus spells them). */
export function toJsonValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN'
    if (value === Infinity) return '+Inf'
    if (value === -Infinity) return '-Inf'
    return value
  }
  if (depth > 8) return '…'
  if (Array.isArray(value)) {
    const items = value.slice(0, 200).map((item) => toJsonValue(item, depth + 1))
    if (value.length > 200) items.push(`… ${value.length - 200} more`)
    return items
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = toJsonValue(item, depth + 1)
    return out
  }
  if (typeof value === 'string' && value.length > 2000) return shorten(value, 2001)
  return value
}

/** The object without its undefined fields (optional fields stay absent in views and reports). */
export function definedFields<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
