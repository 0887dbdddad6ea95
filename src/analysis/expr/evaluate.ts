// Tree-walking evaluator. It only reads own properties of plain objects and integer positions of
// arrays and strings, so a condition can never reach prototypes or run code.

import type { CallExpr, ChainExpr, ConditionalExpr, Expr, MemberExpr, NameExpr, SliceExpr } from './ast.js'
import { ExprEvalError } from './errors.js'
import { callFunction, callPredicate, isPredicateFunction, type CallContext } from './functions.js'
import { applyBinary, applyUnary, needBoolean } from './operators.js'
import { shorten } from '../../secrets.js'
import { describeValue, isMap, isNil } from './values.js'

export interface EvaluateOptions {
  /** The current time in ms since the epoch, for now(); defaults to Date.now. */
  readonly now?: () => number
  /**
   * Told whenever the condition stands in for a missing value: `x ?? d` or `default(x, d)` using d,
   * `isNil(x)` answering true. The gate uses it so such a pass is never a pass on no data.
   */
  readonly onMissing?: (text: string) => void
}

interface Scope {
  readonly env: Record<string, unknown>
  readonly now: () => number
  readonly onMissing?: (text: string) => void
  /** The element `#` stands for inside a predicate. */
  readonly element: unknown
}

// Thrown by `?.` on nil and caught by the enclosing chain, which then yields nil.
const NIL_CHAIN = Symbol('nil chain')

/** Evaluates a parsed condition against `env` (normally `{ result }`); throws ExprEvalError. */
export function evaluate(expr: Expr, env: Record<string, unknown>, options: EvaluateOptions = {}): unknown {
  const scope: Scope = { env, now: options.now ?? Date.now, onMissing: options.onMissing, element: null }
  try {
    return evaluateNode(expr, scope)
  } catch (error) {
    if (error instanceof ExprEvalError) throw error
    // Anything else (say, a stack overflow on absurd input) still must not pass the gate.
    const reason = error instanceof Error ? error.message : String(error)
    throw new ExprEvalError(`could not evaluate ${shorten(expr.text, 80)}: ${reason}`)
  }
}

function evaluateNode(node: Expr, scope: Scope): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value
    case 'array':
      return node.items.map((item) => evaluateNode(item, scope))
    case 'name':
      return lookUpName(node, scope)
    case 'element':
      return scope.element
    case 'member':
      return readMember(node, scope, false)
    case 'slice':
      return readSlice(node, scope)
    case 'chain':
      return evaluateChain(node, scope, false)
    case 'unary':
      return applyUnary(node, evaluateNode(node.operand, scope))
    case 'binary':
      return evaluateBinary(node, scope)
    case 'conditional':
      return evaluateConditional(node, scope)
    case 'call':
      return evaluateCall(node, scope)
    case 'predicate':
      throw new ExprEvalError(`a predicate cannot be used as a value: ${shorten(node.text, 80)}`)
  }
}

/**
 * Where the condition itself handles nil (`x ?? d`, `default(x, d)`, `isNil(x)`), a missing map key
 * reads as nil, as it always does in expr-lang. Everywhere else a missing key is an error, because
 * `result.errorRat < 2` must not quietly compare nil.
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
  return scope.env[node.name] ?? null
}

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
      const value = evaluateAllowingMissing(node.left, scope)
      if (!isNil(value)) return value
      scope.onMissing?.(node.left.text)
      return evaluateNode(node.right, scope)
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
  if (isMap(target)) return readKey(target, key, owner, missingAsNil || node.optional)
  if ((Array.isArray(target) || typeof target === 'string') && typeof key !== 'string') {
    return readPosition(target, key, owner)
  }
  const hint = isNil(target) ? '; use ?. to allow nil' : ', not a map'
  throw new ExprEvalError(`cannot read ${describeKey(key)} of ${owner}: it is ${describeValue(target)}${hint}`)
}

function describeKey(key: unknown): string {
  return typeof key === 'string' ? `key ${JSON.stringify(key)}` : `index ${describeValue(key)}`
}

function readKey(target: Record<string, unknown>, key: unknown, owner: string, missingAsNil: boolean): unknown {
  if (typeof key !== 'string') {
    throw new ExprEvalError(`${owner} is a map, its keys are strings, got ${describeValue(key)}`)
  }
  if (Object.hasOwn(target, key)) return target[key] ?? null
  if (missingAsNil) return null
  const keys = Object.keys(target)
  const known = keys.length === 0 ? 'the map is empty' : `keys: ${keys.join(', ')}`
  throw new ExprEvalError(shorten(`${owner} has no key ${JSON.stringify(key)} (${known})`, 160))
}

// Negative indexes count from the end, as in expr-lang; out of range is always an error.
function readPosition(target: readonly unknown[] | string, key: unknown, owner: string): unknown {
  const items = typeof target === 'string' ? [...target] : target
  if (typeof key !== 'number' || !Number.isInteger(key)) {
    throw new ExprEvalError(`index of ${owner} must be an integer, got ${describeValue(key)}`)
  }
  const position = key < 0 ? items.length + key : key
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
  return typeof target === 'string' ? slice.join('') : slice
}

function sliceBound(bound: Expr | undefined, scope: Scope, fallback: number, length: number): number {
  if (bound === undefined) return fallback
  const value = evaluateNode(bound, scope)
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ExprEvalError(`slice bound ${shorten(bound.text, 80)} must be an integer, got ${describeValue(value)}`)
  }
  const position = value < 0 ? length + value : value
  return Math.min(Math.max(position, 0), length)
}

// ---- calls ----

function evaluateCall(node: CallExpr, scope: Scope): unknown {
  const context: CallContext = { name: node.name, argTexts: node.args.map((arg) => arg.text), now: scope.now }
  if (isPredicateFunction(node.name)) {
    const [list, predicate] = node.args
    const body = predicate.kind === 'predicate' ? predicate.body : predicate
    const apply = (item: unknown): unknown => evaluateNode(body, { ...scope, element: item })
    return callPredicate(node.name, evaluateNode(list, scope), apply, context)
  }
  // Arguments are evaluated first, so default(result[0], 0) on an empty result is still an
  // index error, exactly as in expr-lang.
  const nilAware = node.name === 'default' || node.name === 'isNil'
  const args = node.args.map((arg, index) =>
    nilAware && index === 0 ? evaluateAllowingMissing(arg, scope) : evaluateNode(arg, scope)
  )
  if (nilAware && isNil(args[0])) scope.onMissing?.(node.args[0]?.text ?? '')
  return callFunction(node.name, args, context)
}
