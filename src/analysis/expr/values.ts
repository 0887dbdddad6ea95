// Runtime values: plain JS data from metric providers, plus Time and Duration for range queries.
// Time and Duration are class instances (not bare `{ kind, ms }` literals) so a metric result that
// happens to contain `{"kind": "time"}` is never mistaken for one.
//
// Numbers come in expr's two kinds. A JS number is a float64: every number a provider hands over
// (JSON and Prometheus samples are floats in Argo too) and float literals such as `0.5` or `1e3`.
// A bigint is an int64: integer literals, len(), asInt() and integer arithmetic, which wraps on
// overflow as Go's does. The kind matters where expr makes it matter: `%` takes integers only.

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

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** An int64 in expr terms. */
export function isInteger(value: unknown): value is bigint {
  return typeof value === 'bigint'
}

/** Either kind of number. */
export function isNumber(value: unknown): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint'
}

/** A number of either kind as a float64, as expr converts an int meeting a float. */
export function asFloat64(value: number | bigint): number {
  return typeof value === 'bigint' ? Number(value) : value
}

/** Integer arithmetic as Go's int64 does it: results wrap around on overflow. */
export function wrapInt64(value: bigint): bigint {
  return BigInt.asIntN(64, value)
}

export function inInt64Range(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX
}

/** A value for code outside the evaluator: int64s become JS numbers, in lists too. */
export function toPlainValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value) && depth < 64 && value.some((item) => typeof item === 'bigint' || Array.isArray(item))) {
    return value.map((item) => toPlainValue(item, depth + 1))
  }
  return value
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
  if (typeof value === 'bigint') return `number ${value}`
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
  if (typeof value === 'bigint') return 'number'
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
 * The kind a value is compared as: `==` between two kinds (a number and a string, a boolean and a
 * number) is an error, as expr's type check makes it wherever it knows the types.
 */
export function kindOf(value: unknown): string {
  if (isNil(value)) return 'nil'
  if (isNumber(value)) return 'number'
  return typeName(value)
}

/**
 * expr-lang equality: same type and same value, deep for arrays and maps; nil equals only nil; an
 * int equals the float of the same value. Inside lists and maps different types are simply unequal.
 * (NaN is rejected before this is reached at the top level.)
 */
export function valuesEqual(left: unknown, right: unknown): boolean {
  if (isNil(left) || isNil(right)) return isNil(left) && isNil(right)
  if (isNumber(left) && isNumber(right)) {
    return typeof left === typeof right ? left === right : asFloat64(left) === asFloat64(right)
  }
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
  if (typeof value === 'bigint') return String(value)
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

/** Go's strconv.ParseInt(text, 10, 64): an optional sign and digits only, within int64. */
export function parseIntegerText(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined
  const value = BigInt(text)
  return inInt64Range(value) ? value : undefined
}

const GO_DECIMAL = /^[+-]?(?:[\d_]+\.?[\d_]*|\.[\d_]+)(?:[eE][+-]?[\d_]+)?$/
const GO_HEX = /^([+-]?)0[xX]((?:[\da-fA-F_]+\.?[\da-fA-F_]*|\.[\da-fA-F_]+))[pP]([+-]?[\d_]+)$/

/**
 * Go's strconv.ParseFloat(text, 64), which Argo's asFloat() calls: decimal and hexadecimal
 * (`0x1p-2`) floats, `_` between digits (`1_000.5`), Inf, Infinity and NaN in any case. A finite
 * text beyond float64 is out of range: undefined, as Go answers it with an error.
 */
export function parseGoFloat(text: string): number | undefined {
  if (INFINITY_TEXT.test(text)) return text.startsWith('-') ? -Infinity : Infinity
  if (/^nan$/i.test(text)) return NaN
  let value: number | undefined
  const hex = GO_HEX.exec(text)
  if (hex) {
    if (!underscoresBetweenDigits(text, true)) return undefined
    const [whole, fraction = ''] = hex[2].replace(/_/g, '').split('.')
    const mantissa = parseInt(`${whole}${fraction}` || '0', 16)
    value = mantissa * 2 ** (Number(hex[3].replace(/_/g, '')) - 4 * fraction.length)
    if (hex[1] === '-') value = -value
  } else if (GO_DECIMAL.test(text) && /\d/.test(text) && underscoresBetweenDigits(text, false)) {
    value = Number(text.replace(/_/g, ''))
  }
  return value !== undefined && Number.isFinite(value) ? value : undefined
}

// Go allows `_` only between two digits (a base prefix counts as a digit): `1_000`, not `1__0`, `_1`, `1_.5`.
function underscoresBetweenDigits(text: string, hex: boolean): boolean {
  const digit = hex ? /[\da-fA-F]/ : /\d/
  const body = text.replace(/^[+-]/, '').replace(/^0[xX]/, hex ? '0' : '$&')
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== '_') continue
    if (i === 0 || !digit.test(body[i - 1]) || i + 1 >= body.length || !digit.test(body[i + 1])) return false
  }
  return true
}
