// Tree-walking evaluator. It only reads own properties of plain objects and integer positions of
// arrays and strings, so a condition can never reach prototypes or run code.

import type { CallExpr, ChainExpr, ConditionalExpr, Expr, MemberExpr, NameExpr, SliceExpr } from './ast.js'
import { ExprEvalError } from './errors.js'
import { callFunction, callPredicate, isPredicateFunction, type CallContext } from './functions.js'
import { applyBinary, applyUnary, needBoolean } from './operators.js'
import { shorten } from '../../secrets.js'
import { describeValue, isInteger, isMap, isNil, noDataIn, toPlainValue } from './values.js'

export interface EvaluateOptions {
  /** The current time in ms since the epoch, for now(); defaults to Date.now. */
  readonly now?: () => number
  /**
   * Told every time the condition reads no data, with what it read: `result.errorRate is null`,
   * `result[0] is NaN`, `result.items is empty`, `result.x is missing`, `result has no key "k"`,
   * `asFloat(result) is NaN`. A value read is anything the condition takes from its environment
   * (a name, a key, an index, a slice, a predicate's element); a default standing in for nil
   * (`??`, default(), isNil()) counts too. The gate never passes a measurement after such a read,
   * wherever in the result it happened and whatever the condition then made of it.
   */
  readonly onNoData?: (read: string) => void
}

/** The no-data reads so far; `count` tells whether evaluating a part of the condition added one. */
interface NoDataLog {
  count: number
  readonly report: (read: string) => void
}

interface Scope {
  readonly env: Record<string, unknown>
  readonly now: () => number
  readonly noData: NoDataLog
  /** The element `#` stands for inside a predicate, and how to name it (`result.items[2]`). */
  readonly element: unknown
  readonly elementText: string
}

// Thrown by `?.` on nil and caught by the enclosing chain, which then yields nil.
const NIL_CHAIN = Symbol('nil chain')

/**
 * Evaluates a parsed condition against `env` (normally `{ result }`); throws ExprEvalError. Integers
 * (expr's int64s, bigints inside) come out as JS numbers.
 */
export function evaluate(expr: Expr, env: Record<string, unknown>, options: EvaluateOptions = {}): unknown {
  const noData: NoDataLog = {
    count: 0,
    report(read) {
      this.count++
      options.onNoData?.(read)
    }
  }
  const scope: Scope = { env, now: options.now ?? Date.now, noData, element: null, elementText: '#' }
  try {
    return toPlainValue(evaluateNode(expr, scope))
  } catch (error) {
    if (error instanceof ExprEvalError) throw error
    // Anything else (say, a stack overflow on absurd input) still must not pass the gate.
    const reason = error instanceof Error ? error.message : String(error)
    throw new ExprEvalError(`could not evaluate ${shorten(expr.text, 80)}: ${reason}`)
  }
}

/** How a read is named in messages: inside a predicate `#.count` and `.count` become `result[1].count`. */
function named(node: Expr, scope: Scope): string {
  const text = node.text.startsWith('#') ? `${scope.elementText}${node.text.slice(1)}` : node.text.startsWith('.') ? `${scope.elementText}${node.text}` : node.text
  return shorten(text, 80)
}

/** Reports a value read by `node` when it is no data (nil, NaN, empty); named only then (shorten() redacts). */
function noteRead(scope: Scope, node: Expr, value: unknown): void {
  const problem = noDataIn(value)
  if (problem) scope.noData.report(`${named(node, scope)} ${problem}`)
}

/**
 * Evaluates `node` and reports its value as `text problem` when it is nil/NaN and nothing read
 * while evaluating it was reported already: a NaN made by asFloat("NaN"), a default standing in
 * for a nil that no read explains (find() found nothing).
 */
function evaluateExplained(node: Expr, scope: Scope, evaluateIt: () => unknown, explain: (value: unknown) => string | undefined): unknown {
  const before = scope.noData.count
  const value = evaluateIt()
  const problem = explain(value)
  if (problem && scope.noData.count === before) scope.noData.report(`${named(node, scope)} ${problem}`)
  return value
}

const nanOnly = (value: unknown): string | undefined => (typeof value === 'number' && Number.isNaN(value) ? 'is NaN' : undefined)
const nilOnly = (value: unknown): string | undefined => (isNil(value) ? 'is null' : undefined)

function evaluateNode(node: Expr, scope: Scope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value
    case 'array':
      return node.items.map((item) => evaluateNode(item, scope))
    case 'name':
      return lookUpName(node, scope)
    case 'element':
      noteRead(scope, node, scope.element)
      return scope.element
    case 'member':
      return readMember(node, scope, false)
    case 'slice':
      return readSlice(node, scope)
    case 'chain':
      return evaluateChain(node, scope, false)
    case 'unary':
      return evaluateExplained(node, scope, () => applyUnary(node, evaluateNode(node.operand, scope)), nanOnly)
    case 'binary':
      return evaluateExplained(node, scope, () => evaluateBinary(node, scope), nanOnly)
    case 'conditional':
      return evaluateConditional(node, scope)
    case 'call':
      return evaluateExplained(node, scope, () => evaluateCall(node, scope), nanOnly)
    case 'predicate':
      throw new ExprEvalError(`a predicate cannot be used as a value: ${shorten(node.text, 80)}`)
  }
}

/**
 * Where the condition itself handles nil (`x ?? d`, `default(x, d)`, `isNil(x)`, `x == nil`,
 * `x != nil`), a missing map key reads as nil, as it always does in expr-lang (and is reported as
 * no data). Everywhere else a missing key is an error, because `result.errorRat < 2` must not
 * quietly compare nil.
 */
function evaluateAllowingMissing(node: Expr, scope: Scope): unknown {
  if (node.kind === 'member') return readMember(node, scope, true)
  if (node.kind === 'chain') return evaluateChain(node, scope, true)
  return evaluateNode(node, scope)
}

function evaluateChain(node: ChainExpr, scope: Scope, missingAsNil: boolean): unknown {
  try {
    return missingAsNil ? evaluateAllowingMissing(node.inner, scope) : evaluateNode(node.inner, scope)
  } catch (error) {
    if (error === NIL_CHAIN) return null
    throw error
  }
}

function lookUpName(node: NameExpr, scope: Scope): unknown {
  if (!Object.hasOwn(scope.env, node.name)) {
    const known = Object.keys(scope.env)
    const available = known.length > 0 ? ` (available: ${known.join(', ')})` : ''
    throw new ExprEvalError(`unknown name ${node.name}${available}`)
  }
  const value = scope.env[node.name] ?? null
  noteRead(scope, node, value)
  return value
}

const isNilLiteral = (node: Expr): boolean => node.kind === 'literal' && node.value === null

function evaluateBinary(node: Expr & { kind: 'binary' }, scope: Scope): unknown {
  switch (node.operator) {
    case '&&':
    case 'and':
      return (
        needBoolean(evaluateNode(node.left, scope), node.operator, node.left) &&
        needBoolean(evaluateNode(node.right, scope), node.operator, node.right)
      )
    case '||':
    case 'or':
      return (
        needBoolean(evaluateNode(node.left, scope), node.operator, node.left) ||
        needBoolean(evaluateNode(node.right, scope), node.operator, node.right)
      )
    case '??': {
      const value = evaluateExplained(node.left, scope, () => evaluateAllowingMissing(node.left, scope), nilOnly)
      return isNil(value) ? evaluateNode(node.right, scope) : value
    }
    case '==':
    case '!=': {
      const left = isNilLiteral(node.right) ? evaluateAllowingMissing(node.left, scope) : evaluateNode(node.left, scope)
      const right = isNilLiteral(node.left) ? evaluateAllowingMissing(node.right, scope) : evaluateNode(node.right, scope)
      return applyBinary(node, left, right)
    }
    case 'in': {
      const needle = evaluateNode(node.left, scope)
      const haystack = evaluateNode(node.right, scope)
      const found = applyBinary(node, needle, haystack)
      // An absent key is no data, even when the condition asks about it (`not ("k" in result) || …`).
      if (found === false && isMap(haystack)) {
        scope.noData.report(`${named(node.right, scope)} has no key ${JSON.stringify(shorten(String(needle), 60))}`)
      }
      return found
    }
    default:
      return applyBinary(node, evaluateNode(node.left, scope), evaluateNode(node.right, scope))
  }
}

function evaluateConditional(node: ConditionalExpr, scope: Scope): unknown {
  const test = evaluateNode(node.test, scope)
  if (typeof test !== 'boolean') {
    throw new ExprEvalError(
      `the condition of ?: needs a boolean, got ${describeValue(test)} (${shorten(node.test.text, 80)})`
    )
  }
  return evaluateNode(test ? node.whenTrue : node.whenFalse, scope)
}

// ---- member access, index, slice ----

function readMember(node: MemberExpr, scope: Scope, missingAsNil: boolean): unknown {
  const target = evaluateNode(node.object, scope)
  if (isNil(target) && node.optional) throw NIL_CHAIN
  const key = evaluateNode(node.key, scope)
  const owner = shorten(node.object.text, 80)
  if (isMap(target)) {
    const value = readKey(target, key, owner, missingAsNil || node.optional)
    if (value === ABSENT) {
      scope.noData.report(`${named(node, scope)} is missing`)
      return null
    }
    noteRead(scope, node, value)
    return value
  }
  if ((Array.isArray(target) || typeof target === 'string') && typeof key !== 'string') {
    const value = readPosition(target, key, owner)
    noteRead(scope, node, value)
    return value
  }
  const hint = isNil(target) ? '; use ?. to allow nil' : ', not a map'
  throw new ExprEvalError(`cannot read ${describeKey(key)} of ${owner}: it is ${describeValue(target)}${hint}`)
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? `key ${JSON.stringify(key)}` : `index ${describeValue(key)}`
}

// A key the map does not have, where the condition allows it (it reads as nil).
const ABSENT = Symbol('absent key')

function readKey(target: Record<string, unknown>, key: unknown, owner: string, missingAsNil: boolean): unknown {
  if (typeof key !== 'string') {
    throw new ExprEvalError(`${owner} is a map, its keys are strings, got ${describeValue(key)}`)
  }
  if (Object.hasOwn(target, key)) return target[key] ?? null
  if (missingAsNil) return ABSENT
  const keys = Object.keys(target)
  const known = keys.length === 0 ? 'the map is empty' : `keys: ${keys.join(', ')}`
  throw new ExprEvalError(shorten(`${owner} has no key ${JSON.stringify(key)} (${known})`, 160))
}

/** An index or slice bound: an int, or a float holding a whole number; undefined otherwise. */
function wholeNumber(value: unknown): number | undefined {
  if (isInteger(value)) return Number(value)
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined
}

// Negative indexes count from the end, as in expr-lang; out of range is always an error.
function readPosition(target: readonly unknown[] | string, key: unknown, owner: string): unknown {
  const items = typeof target === 'string' ? [...target] : target
  const index = wholeNumber(key)
  if (index === undefined) {
    throw new ExprEvalError(`index of ${owner} must be an integer, got ${describeValue(key)}`)
  }
  const position = index < 0 ? items.length + index : index
  if (position < 0 || position >= items.length) {
    const count = `${items.length} ${typeof target === 'string' ? 'character' : 'element'}${items.length === 1 ? '' : 's'}`
    const noData = items.length === 0 ? ' (no data)' : ''
    throw new ExprEvalError(`index ${key} out of range: ${owner} has ${count}${noData}`)
  }
  return items[position] ?? null
}

// Bounds are clamped like expr-lang's runtime.Slice; only the value's type can make this fail.
function readSlice(node: SliceExpr, scope: Scope): unknown {
  const target = evaluateNode(node.object, scope)
  if (isNil(target) && node.optional) throw NIL_CHAIN
  if (!Array.isArray(target) && typeof target !== 'string') {
    throw new ExprEvalError(`cannot slice ${shorten(node.object.text, 80)}: it is ${describeValue(target)}`)
  }
  const items = typeof target === 'string' ? [...target] : target
  const from = sliceBound(node.from, scope, 0, items.length)
  const to = sliceBound(node.to, scope, items.length, items.length)
  const slice = items.slice(from, Math.max(from, to))
  if (typeof target === 'string') return slice.join('')
  noteRead(scope, node, slice)
  return slice
}

function sliceBound(bound: Expr | undefined, scope: Scope, fallback: number, length: number): number {
  if (bound === undefined) return fallback
  const value = evaluateNode(bound, scope)
  const index = wholeNumber(value)
  if (index === undefined) {
    throw new ExprEvalError(`slice bound ${shorten(bound.text, 80)} must be an integer, got ${describeValue(value)}`)
  }
  const position = index < 0 ? length + index : index
  return Math.min(Math.max(position, 0), length)
}

// ---- calls ----

function evaluateCall(node: CallExpr, scope: Scope): unknown {
  const context: CallContext = {
    name: node.name,
    // Only messages need the texts: named when asked, not for every call in a predicate.
    get argTexts() {
      return node.args.map((arg) => named(arg, scope))
    },
    now: scope.now,
    result: scope.env.result,
    onNoData: (read) => scope.noData.report(read)
  }
  if (isPredicateFunction(node.name)) {
    const [list, predicate] = node.args
    const body = predicate.kind === 'predicate' ? predicate.body : predicate
    const listText = named(list, scope)
    const apply = (item: unknown, index: number): unknown => evaluateNode(body, { ...scope, element: item, elementText: `${listText}[${index}]` })
    return callPredicate(node.name, evaluateNode(list, scope), apply, context)
  }
  // Arguments are evaluated first, so default(result[0], 0) on an empty result is still an
  // index error, exactly as in expr-lang. A missing key there reads as nil, as in expr-lang (and
  // is no data), though Argo's default() and isNil() then look at the whole result, not at it.
  const nilAware = node.name === 'default' || node.name === 'isNil'
  const args = node.args.map((arg, index) =>
    nilAware && index === 0 ? evaluateExplained(arg, scope, () => evaluateAllowingMissing(arg, scope), nilOnly) : evaluateNode(arg, scope)
  )
  return callFunction(node.name, args, context)
}
