// Operator semantics. They fail closed: a comparison that cannot be answered honestly (NaN, nil,
// mixed types) is an ExprEvalError, never a quiet `false` that could let a bad canary through.

import type { BinaryExpr, BinaryOperator, UnaryExpr } from './ast.js'
import { shorten } from '../../secrets.js'
import { ExprEvalError } from './errors.js'
import { compileRegex, RE2_HINT } from './regex.js'
import {
  describeValue,
  isDuration,
  isMap,
  isTime,
  makeDuration,
  makeTime,
  typeName,
  valuesEqual
} from './values.js'

function where(node: { text: string }): string {
  return `(in ${shorten(node.text, 80)})`
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
  const sign = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0)
  if (typeof left === 'number' && typeof right === 'number') return sign(left, right)
  if (typeof left === 'string' && typeof right === 'string') return sign(left, right)
  if (isTime(left) && isTime(right)) return sign(left.ms, right.ms)
  if (isDuration(left) && isDuration(right)) return sign(left.ms, right.ms)
  return undefined
}

function compare(node: BinaryExpr, left: unknown, right: unknown): boolean {
  rejectNaN(node, left, right)
  const sign = order(left, right)
  if (sign === undefined) {
    throw new ExprEvalError(`cannot compare ${describeValue(left)} with ${describeValue(right)} ${where(node)}`)
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
    `"${node.operator}" needs ${needs}, got ${describeValue(left)} and ${describeValue(right)} ${where(node)}`
  )
}

function add(node: BinaryExpr, left: unknown, right: unknown): unknown {
  if (typeof left === 'number' && typeof right === 'number') return left + right
  if (typeof left === 'string' && typeof right === 'string') return left + right
  if (isTime(left) && isDuration(right)) return makeTime(left.ms + right.ms)
  if (isDuration(left) && isTime(right)) return makeTime(left.ms + right.ms)
  if (isDuration(left) && isDuration(right)) return makeDuration(left.ms + right.ms)
  return arithmeticError(node, left, right, 'two numbers or two strings')
}

function subtract(node: BinaryExpr, left: unknown, right: unknown): unknown {
  if (typeof left === 'number' && typeof right === 'number') return left - right
  if (isTime(left) && isDuration(right)) return makeTime(left.ms - right.ms)
  if (isTime(left) && isTime(right)) return makeDuration(left.ms - right.ms)
  if (isDuration(left) && isDuration(right)) return makeDuration(left.ms - right.ms)
  return arithmeticError(node, left, right, 'two numbers')
}

function multiply(node: BinaryExpr, left: unknown, right: unknown): unknown {
  if (typeof left === 'number' && typeof right === 'number') return left * right
  if (isDuration(left) && typeof right === 'number') return makeDuration(left.ms * right)
  if (typeof left === 'number' && isDuration(right)) return makeDuration(left * right.ms)
  return arithmeticError(node, left, right, 'two numbers')
}

function numbers(node: BinaryExpr, left: unknown, right: unknown): [number, number] {
  if (typeof left === 'number' && typeof right === 'number') return [left, right]
  return arithmeticError(node, left, right, 'two numbers')
}

// expr-lang's `/` is always float division; unlike expr-lang (which yields +Inf), x/0 is an error.
function divide(node: BinaryExpr, left: unknown, right: unknown): number {
  const [dividend, divisor] = numbers(node, left, right)
  if (divisor === 0) throw new ExprEvalError(`division by zero: ${shorten(node.right.text, 80)} is 0 ${where(node)}`)
  return dividend / divisor
}

function modulo(node: BinaryExpr, left: unknown, right: unknown): number {
  const [dividend, divisor] = numbers(node, left, right)
  if (!Number.isInteger(dividend) || !Number.isInteger(divisor)) {
    arithmeticError(node, left, right, 'two integers')
  }
  if (divisor === 0) throw new ExprEvalError(`division by zero: ${shorten(node.right.text, 80)} is 0 ${where(node)}`)
  return dividend % divisor
}

/** Operators whose operands are both evaluated first (not and/or/??). */
export function applyBinary(node: BinaryExpr, left: unknown, right: unknown): unknown {
  const operator: BinaryOperator = node.operator
  switch (operator) {
    case '==':
    case '!=':
      rejectNaN(node, left, right)
      return valuesEqual(left, right) === (operator === '==')
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
    case '**':
    case '^': {
      const [base, exponent] = numbers(node, left, right)
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
      if (isDuration(value)) return makeDuration(-value.ms)
      break
    case '+':
      if (typeof value === 'number') return value
      break
  }
  throw new ExprEvalError(`unary ${node.operator} needs a number, got ${describeValue(value)} ${where(node)}`)
}
