// Operator semantics. They fail closed: a comparison that cannot be answered honestly (NaN, nil,
// mixed types) is an ExprEvalError, never a quiet `false` that could let a bad canary through.

import type { BinaryExpr, BinaryOperator, UnaryExpr } from './ast.js'
import { shorten } from '../../secrets.js'
import { ExprEvalError } from './errors.js'
import { compileRegex, RE2_HINT } from './regex.js'
import {
  asFloat64,
  describeValue,
  isDuration,
  isInteger,
  isMap,
  isNumber,
  isTime,
  kindOf,
  makeDuration,
  makeTime,
  typeName,
  valuesEqual,
  wrapInt64
} from './values.js'

function where(node: { text: string }): string {
  return `(in ${shorten(node.text, 80)})`
}

// Argo's default(x, d) and isNil(x) look at the whole result, not at x: when a default() value
// cannot be used, say why it is not the value of x.
function defaultHint(node: BinaryExpr): string {
  const usesDefault = [node.left, node.right].some((side) => side.kind === 'call' && side.name === 'default')
  return usesDefault ? "; in Argo, default(x, d) gives the whole result unless result is nil, whatever x is: write x ?? d for a value's default" : ''
}

/** NaN means "no data" from Prometheus; refuse to compare it rather than answer false. */
function rejectNaN(node: BinaryExpr, left: unknown, right: unknown): void {
  for (const [value, side] of [[left, node.left], [right, node.right]] as const) {
    if (typeof value === 'number' && Number.isNaN(value)) {
      throw new ExprEvalError(`${shorten(side.text, 80)} is NaN (no data?) ${where(node)}; use isNaN(...) to test for it`)
    }
  }
}

/** -1, 0 or 1 for two values of one ordered kind; undefined when they cannot be ordered. */
function order(left: unknown, right: unknown): number | undefined {
  const sign = (a: number | bigint | string, b: number | bigint | string): number => (a < b ? -1 : a > b ? 1 : 0)
  if (isInteger(left) && isInteger(right)) return sign(left, right)
  if (isNumber(left) && isNumber(right)) return sign(asFloat64(left), asFloat64(right))
  if (typeof left === 'string' && typeof right === 'string') return sign(left, right)
  if (isTime(left) && isTime(right)) return sign(left.ms, right.ms)
  if (isDuration(left) && isDuration(right)) return sign(left.ms, right.ms)
  return undefined
}

function compare(node: BinaryExpr, left: unknown, right: unknown): boolean {
  rejectNaN(node, left, right)
  const sign = order(left, right)
  if (sign === undefined) {
    throw new ExprEvalError(`cannot compare ${describeValue(left)} with ${describeValue(right)} ${where(node)}${defaultHint(node)}`)
  }
  switch (node.operator) {
    case '<':
      return sign < 0
    case '>':
      return sign > 0
    case '<=':
      return sign <= 0
    default:
      return sign >= 0
  }
}

function includes(node: BinaryExpr, needle: unknown, haystack: unknown): boolean {
  if (typeof needle === 'number' && Number.isNaN(needle)) rejectNaN(node, needle, undefined)
  if (Array.isArray(haystack)) return haystack.some((item) => valuesEqual(needle, item))
  if (isMap(haystack)) {
    if (typeof needle !== 'string') {
      throw new ExprEvalError(`"in" on a map needs a string key, got ${describeValue(needle)} ${where(node)}`)
    }
    return Object.hasOwn(haystack, needle)
  }
  // expr-lang's `in` is not a substring test; say which operator is.
  const hint = typeof haystack === 'string' ? '; use contains for substrings' : ''
  throw new ExprEvalError(`"in" needs an array or map on the right, got ${describeValue(haystack)} ${where(node)}${hint}`)
}

function needStrings(node: BinaryExpr, left: unknown, right: unknown): [string, string] {
  if (typeof left === 'string' && typeof right === 'string') return [left, right]
  throw new ExprEvalError(
    `"${node.operator}" needs two strings, got ${describeValue(left)} and ${describeValue(right)} ${where(node)}`
  )
}

// Go's regexp.MatchString: RE2 syntax, a match anywhere in the text. A literal pattern was checked
// when the condition was parsed; one computed from the result is checked here.
function matchesPattern(node: BinaryExpr, text: string, pattern: string): boolean {
  const compiled = compileRegex(pattern)
  if ('problem' in compiled) {
    throw new ExprEvalError(`invalid regular expression ${JSON.stringify(shorten(pattern, 80))} ${where(node)}: ${compiled.problem}; ${RE2_HINT}`)
  }
  return compiled.regex.test(text)
}

function arithmeticError(node: BinaryExpr, left: unknown, right: unknown, needs: string): never {
  throw new ExprEvalError(
    `"${node.operator}" needs ${needs}, got ${describeValue(left)} and ${describeValue(right)} ${where(node)}${defaultHint(node)}`
  )
}

/** expr's numeric rule: int with int stays an int64 (wrapping), anything with a float is a float. */
function numeric(left: number | bigint, right: number | bigint, ints: (a: bigint, b: bigint) => bigint, floats: (a: number, b: number) => number): number | bigint {
  if (isInteger(left) && isInteger(right)) return wrapInt64(ints(left, right))
  return floats(asFloat64(left), asFloat64(right))
}

function add(node: BinaryExpr, left: unknown, right: unknown): unknown {
  if (isNumber(left) && isNumber(right)) return numeric(left, right, (a, b) => a + b, (a, b) => a + b)
  if (typeof left === 'string' && typeof right === 'string') return left + right
  if (isTime(left) && isDuration(right)) return makeTime(left.ms + right.ms)
  if (isDuration(left) && isTime(right)) return makeTime(left.ms + right.ms)
  if (isDuration(left) && isDuration(right)) return makeDuration(left.ms + right.ms)
  return arithmeticError(node, left, right, 'two numbers or two strings')
}

function subtract(node: BinaryExpr, left: unknown, right: unknown): unknown {
  if (isNumber(left) && isNumber(right)) return numeric(left, right, (a, b) => a - b, (a, b) => a - b)
  if (isTime(left) && isDuration(right)) return makeTime(left.ms - right.ms)
  if (isTime(left) && isTime(right)) return makeDuration(left.ms - right.ms)
  if (isDuration(left) && isDuration(right)) return makeDuration(left.ms - right.ms)
  return arithmeticError(node, left, right, 'two numbers')
}

function multiply(node: BinaryExpr, left: unknown, right: unknown): unknown {
  if (isNumber(left) && isNumber(right)) return numeric(left, right, (a, b) => a * b, (a, b) => a * b)
  if (isDuration(left) && isNumber(right)) return makeDuration(left.ms * asFloat64(right))
  if (isNumber(left) && isDuration(right)) return makeDuration(asFloat64(left) * right.ms)
  return arithmeticError(node, left, right, 'two numbers')
}

/** Both operands as float64s, for the operators that always answer a float (`/`, `**`). */
function floats(node: BinaryExpr, left: unknown, right: unknown): [number, number] {
  if (isNumber(left) && isNumber(right)) return [asFloat64(left), asFloat64(right)]
  return arithmeticError(node, left, right, 'two numbers')
}

// expr-lang's `/` is always float division; unlike expr-lang (which yields +Inf or NaN), x/0 is an
// error: a rate over zero requests is no data, not a number to compare.
function divide(node: BinaryExpr, left: unknown, right: unknown): number {
  const [dividend, divisor] = floats(node, left, right)
  if (divisor === 0) throw new ExprEvalError(`division by zero: ${shorten(node.right.text, 80)} is 0 ${where(node)}`)
  return dividend / divisor
}

// `%` takes integers only, as in expr: a number from a provider is a float even when it looks
// whole (Argo's providers hand over float64s), so `result.n % 2` is an error and asInt() is the way.
function modulo(node: BinaryExpr, left: unknown, right: unknown): bigint {
  if (!isInteger(left) || !isInteger(right)) {
    const floatSide = [left, right].some((value) => typeof value === 'number')
    const hint = floatSide ? '; numbers from metrics are floats even when whole: use asInt(…)' : ''
    return arithmeticError(node, left, right, `two integers${hint}`)
  }
  if (right === 0n) throw new ExprEvalError(`division by zero: ${shorten(node.right.text, 80)} is 0 ${where(node)}`)
  return wrapInt64(left % right)
}

// expr allocates at most a million elements per evaluation; a range beyond that is an error there too.
const MAX_RANGE = 1_000_000

/** `from..to`: the integers from `from` to `to`, both included; empty when `to` < `from`. */
function range(node: BinaryExpr, left: unknown, right: unknown): bigint[] {
  const bound = (value: unknown): bigint | undefined => {
    if (isInteger(value)) return value
    return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined
  }
  const from = bound(left)
  const to = bound(right)
  if (from === undefined || to === undefined) return arithmeticError(node, left, right, 'two integers')
  if (to - from + 1n > BigInt(MAX_RANGE)) {
    throw new ExprEvalError(`range ${from}..${to} has more than ${MAX_RANGE} numbers ${where(node)}`)
  }
  const items: bigint[] = []
  for (let value = from; value <= to; value++) items.push(value)
  return items
}

const article = (word: string): string => `${/^[aeiou]/.test(word) ? 'an' : 'a'} ${word}`

/**
 * `==` and `!=` between two kinds (a number and a string, a boolean and a number) are an error, as
 * expr's type check makes them wherever the types are known (`true == 1`, a Prometheus sample
 * against "1"): such a condition can never be true, so it is a mistake to point at, not a quiet false.
 * nil compares with anything.
 */
function equal(node: BinaryExpr, left: unknown, right: unknown): boolean {
  rejectNaN(node, left, right)
  const [leftKind, rightKind] = [kindOf(left), kindOf(right)]
  if (leftKind !== rightKind && leftKind !== 'nil' && rightKind !== 'nil') {
    throw new ExprEvalError(`cannot compare ${describeValue(left)} with ${describeValue(right)}: ${article(leftKind)} is never equal to ${article(rightKind)} ${where(node)}${defaultHint(node)}`)
  }
  return valuesEqual(left, right)
}

/** Operators whose operands are both evaluated first (not and/or/??). */
export function applyBinary(node: BinaryExpr, left: unknown, right: unknown): unknown {
  const operator: BinaryOperator = node.operator
  switch (operator) {
    case '==':
    case '!=':
      return equal(node, left, right) === (operator === '==')
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(node, left, right)
    case 'in':
      return includes(node, left, right)
    case 'contains': {
      const [text, part] = needStrings(node, left, right)
      return text.includes(part)
    }
    case 'startsWith': {
      const [text, part] = needStrings(node, left, right)
      return text.startsWith(part)
    }
    case 'endsWith': {
      const [text, part] = needStrings(node, left, right)
      return text.endsWith(part)
    }
    case 'matches': {
      const [text, pattern] = needStrings(node, left, right)
      return matchesPattern(node, text, pattern)
    }
    case '+':
      return add(node, left, right)
    case '-':
      return subtract(node, left, right)
    case '*':
      return multiply(node, left, right)
    case '/':
      return divide(node, left, right)
    case '%':
      return modulo(node, left, right)
    case '..':
      return range(node, left, right)
    case '**':
    case '^': {
      // Always a float in expr (math.Pow), whatever the operands.
      const [base, exponent] = floats(node, left, right)
      return Math.pow(base, exponent)
    }
    default:
      throw new ExprEvalError(`operator "${operator}" cannot be applied here ${where(node)}`)
  }
}

/** and/or/not take booleans only, as in expr-lang; truthiness would hide type mistakes. */
export function needBoolean(value: unknown, operator: string, side: { text: string }): boolean {
  if (typeof value === 'boolean') return value
  throw new ExprEvalError(
    `${operator} needs booleans, got ${typeName(value)} (${shorten(side.text, 80)} is ${describeValue(value)})`
  )
}

export function applyUnary(node: UnaryExpr, value: unknown): unknown {
  switch (node.operator) {
    case '!':
    case 'not':
      return !needBoolean(value, node.operator, node.operand)
    case '-':
      if (typeof value === 'number') return -value
      if (isInteger(value)) return wrapInt64(-value)
      if (isDuration(value)) return makeDuration(-value.ms)
      break
    case '+':
      if (isNumber(value)) return value
      break
  }
  throw new ExprEvalError(`unary ${node.operator} needs a number, got ${describeValue(value)} ${where(node)}`)
}
