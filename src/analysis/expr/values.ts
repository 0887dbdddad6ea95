// Runtime values: plain JS data from metric providers, plus Time and Duration for range queries.
// Time and Duration are class instances (not bare `{ kind, ms }` literals) so a metric result that
// happens to contain `{"kind": "time"}` is never mistaken for one.

import { shorten } from '../../secrets.js'

export interface Time {
  readonly kind: 'time'
  /** Milliseconds since the epoch. */
  readonly ms: number
}

export interface Duration {
  readonly kind: 'duration'
  /** Length in milliseconds (fractional for sub-millisecond units). */
  readonly ms: number
}

class TimeValue implements Time {
  readonly kind = 'time' as const
  constructor(readonly ms: number) {
    Object.freeze(this)
  }
}

class DurationValue implements Duration {
  readonly kind = 'duration' as const
  constructor(readonly ms: number) {
    Object.freeze(this)
  }
}

export function makeTime(ms: number): Time {
  return new TimeValue(ms)
}

export function makeDuration(ms: number): Duration {
  return new DurationValue(ms)
}

export function isTime(value: unknown): value is Time {
  return value instanceof TimeValue
}

export function isDuration(value: unknown): value is Duration {
  return value instanceof DurationValue
}

/** nil in expr terms: JSON null, or a missing/undefined JS value. */
export function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined
}

/**
 * Why a value read from a result is no data, or undefined when it is data: nil (JSON null or a
 * missing value), NaN (Prometheus' "no data", also as the text "NaN" an endpoint may send), an
 * empty list or map, or a list of nothing but NaN and nil (a vector whose every series is empty).
 * The words complete `result.x …` in messages.
 */
export function noDataIn(value: unknown): string | undefined {
  if (isNil(value)) return 'is null'
  if (typeof value === 'number') return Number.isNaN(value) ? 'is NaN' : undefined
  if (typeof value === 'string') return /^[+-]?nan$/i.test(value) ? `is ${JSON.stringify(value)}` : undefined
  if (Array.isArray(value)) {
    if (value.length === 0) return 'is empty'
    return value.every((item) => isNil(item) || Number.isNaN(item)) ? `holds only ${value.some(isNil) ? 'null/NaN' : 'NaN'}` : undefined
  }
  if (isMap(value) && Object.keys(value).length === 0) return 'is an empty map'
  return undefined
}

/** A map: a plain object only, so class instances and prototypes are never read as data. */
export function isMap(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/** Numbers the way Prometheus users read them: NaN, +Inf, -Inf, otherwise JS formatting. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** Short type-and-value text for messages: `number 2.68`, `array of 3`, `map with keys a, b`. */
export function describeValue(value: unknown): string {
  return shorten(describeUntruncated(value), 80)
}

function describeUntruncated(value: unknown): string {
  if (isNil(value)) return 'nil'
  if (typeof value === 'number') return `number ${formatNumber(value)}`
  if (typeof value === 'string') return `string ${JSON.stringify(shorten(value, 60))}`
  if (typeof value === 'boolean') return `boolean ${value}`
  if (Array.isArray(value)) return value.length === 0 ? 'empty array' : `array of ${value.length}`
  if (isTime(value)) return `time ${formatTime(value)}`
  if (isDuration(value)) return `duration ${formatGoDuration(value.ms)}`
  if (isMap(value)) {
    const keys = Object.keys(value)
    return keys.length === 0 ? 'empty map' : `map with keys ${keys.join(', ')}`
  }
  return typeof value
}

/** The type word alone, for messages like `&& needs booleans, got number`. */
export function typeName(value: unknown): string {
  if (isNil(value)) return 'nil'
  if (Array.isArray(value)) return 'array'
  if (isTime(value)) return 'time'
  if (isDuration(value)) return 'duration'
  if (isMap(value)) return 'map'
  return typeof value
}

export function formatTime(time: Time): string {
  const date = new Date(time.ms)
  return Number.isNaN(date.getTime()) ? `invalid time ${time.ms}` : date.toISOString()
}

/** Go's Duration.String(): `1h30m0s`, `1.5s`, `250ms`, `0s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (!Number.isFinite(ms)) return `${formatNumber(ms)}ms`
  const sign = ms < 0 ? '-' : ''
  const size = Math.abs(ms)
  if (size < 1e-3) return `${sign}${tidy(size * 1e6)}ns`
  if (size < 1) return `${sign}${tidy(size * 1e3)}µs`
  if (size < 1000) return `${sign}${tidy(size)}ms`
  const hours = Math.floor(size / 3_600_000)
  const minutes = Math.floor((size % 3_600_000) / 60_000)
  const seconds = tidy((size % 60_000) / 1000)
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`
  return `${sign}${seconds}s`
}

// Drops float noise such as 1.5000000000000002 from unit conversions.
function tidy(value: number): string {
  return String(Number(value.toFixed(9)))
}

/**
 * expr-lang equality: same type and same value, deep for arrays and maps; nil equals only nil.
 * Different types are simply unequal. (NaN is rejected before this is reached at the top level.)
 */
export function valuesEqual(left: unknown, right: unknown): boolean {
  if (isNil(left) || isNil(right)) return isNil(left) && isNil(right)
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((item, index) => valuesEqual(item, right[index]))
  }
  if (isMap(left) && isMap(right)) return mapsEqual(left, right)
  if (isTime(left) && isTime(right)) return left.ms === right.ms
  if (isDuration(left) && isDuration(right)) return left.ms === right.ms
  return left === right
}

function mapsEqual(left: Record<string, unknown>, right: Record<string, unknown>): boolean {
  const leftKeys = Object.keys(left)
  if (leftKeys.length !== Object.keys(right).length) return false
  return leftKeys.every((key) => Object.hasOwn(right, key) && valuesEqual(left[key], right[key]))
}

/** Go's `%v` text, which expr-lang's string() produces: `<nil>`, `[1 2]`, `map[a:1]`. */
export function formatLikeGo(value: unknown): string {
  if (isNil(value)) return '<nil>'
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return `[${value.map(formatLikeGo).join(' ')}]`
  if (isTime(value)) return formatTime(value)
  if (isDuration(value)) return formatGoDuration(value.ms)
  if (isMap(value)) {
    const pairs = Object.keys(value)
      .sort()
      .map((key) => `${key}:${formatLikeGo(value[key])}`)
    return `map[${pairs.join(' ')}]`
  }
  return String(value)
}

const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/
const INFINITY_TEXT = /^[+-]?(inf|infinity)$/i

/** Go's strconv.ParseFloat for decimal text, including NaN and ±Inf (Prometheus sends "NaN"). */
export function parseFloatText(text: string): number | undefined {
  if (DECIMAL_FLOAT.test(text)) return Number(text)
  if (INFINITY_TEXT.test(text)) return text.startsWith('-') ? -Infinity : Infinity
  if (/^nan$/i.test(text)) return NaN
  return undefined
}

/** Go's strconv.ParseInt(text, 10, 64): an optional sign and digits only. */
export function parseIntegerText(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined
}
