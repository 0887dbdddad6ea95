// What can be proved about a condition without measuring anything: that it is never true, or never
// false, whatever the result. Conservative by design: "unknown" is the answer unless the condition's
// own text proves it (a constant, bounds on one value that no number meets, len() below 0). An
// evaluation error is an Error measurement, never a Failed one, so "never true" allows errors.
import { childrenOf, evaluate, referencedNames, type Expr } from '../analysis/expr/index.js'

type Comparison = '<' | '<=' | '>' | '>=' | '=='
const COMPARISONS = new Set<string>(['<', '<=', '>', '>=', '=='])
const FLIPPED: Record<Comparison, Comparison> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==' }

/** A number written in the condition: `2`, `0.5`, `-1`. */
function numberOf(expr: Expr): number | undefined {
  if (expr.kind === 'literal') return typeof expr.value === 'number' ? expr.value : typeof expr.value === 'bigint' ? Number(expr.value) : undefined
  if (expr.kind === 'unary' && (expr.operator === '-' || expr.operator === '+')) {
    const inner = numberOf(expr.operand)
    return inner === undefined ? undefined : expr.operator === '-' ? -inner : inner
  }
  return undefined
}

/** now() gives another value at each call: a part that reads it is not the same value twice. */
function readsClock(expr: Expr): boolean {
  let found = false
  const visit = (node: Expr): void => {
    if (found) return
    if (node.kind === 'call' && node.name === 'now') found = true
    for (const child of childrenOf(node)) visit(child)
  }
  visit(expr)
  return found
}


/** The condition's value when it reads nothing (`false`, `1 > 2`); undefined when it reads the result. */
function constant(expr: Expr): unknown {
  if (referencedNames(expr).length > 0 || readsClock(expr)) return undefined
  try {
    return evaluate(expr, {})
  } catch {
    return undefined
  }
}

/** `operand op number`, the number on the right whichever side it was written on. */
function bound(expr: Expr): { operand: Expr; op: Comparison; value: number } | undefined {
  if (expr.kind !== 'binary' || !COMPARISONS.has(expr.operator)) return undefined
  const right = numberOf(expr.right)
  const left = numberOf(expr.left)
  if (right !== undefined && left === undefined && !readsClock(expr.left)) return { operand: expr.left, op: expr.operator as Comparison, value: right }
  if (left !== undefined && right === undefined && !readsClock(expr.right)) return { operand: expr.right, op: FLIPPED[expr.operator as Comparison], value: left }
  return undefined
}

const isLen = (expr: Expr): boolean => expr.kind === 'call' && expr.name === 'len'

function conjuncts(expr: Expr): Expr[] {
  if (expr.kind === 'binary' && (expr.operator === '&&' || expr.operator === 'and')) return [...conjuncts(expr.left), ...conjuncts(expr.right)]
  return [expr]
}

/** Whether some number meets every bound (len() counts from 0). */
function satisfiable(bounds: Array<{ op: Comparison; value: number }>, isLength: boolean): boolean {
  let lo = isLength ? 0 : -Infinity
  let loOpen = false
  let hi = Infinity
  let hiOpen = false
  for (const { op, value } of bounds) {
    if (op === '>' || op === '>=' || op === '==') {
      const open = op === '>'
      if (value > lo || (value === lo && open)) [lo, loOpen] = [value, open]
    }
    if (op === '<' || op === '<=' || op === '==') {
      const open = op === '<'
      if (value < hi || (value === hi && open)) [hi, hiOpen] = [value, open]
    }
  }
  if (lo > hi) return false
  if (lo === hi && (loOpen || hiOpen)) return false
  // A length is a whole number: `len(x) > 0 && len(x) < 1` holds for none.
  if (isLength && Number.isFinite(lo) && Number.isFinite(hi)) {
    const least = loOpen ? Math.floor(lo) + 1 : Math.ceil(lo)
    const most = hiOpen ? Math.ceil(hi) - 1 : Math.floor(hi)
    if (least > most) return false
  }
  return true
}

/** Why the expression can never be true, or undefined when that is not proved. */
export function neverTrue(expr: Expr): string | undefined {
  const value = constant(expr)
  if (value !== undefined) return value === false ? 'it reads no value and is always false' : undefined
  switch (expr.kind) {
    case 'unary':
      if (expr.operator === '!' || expr.operator === 'not') {
        const why = neverFalse(expr.operand)
        return why ? `${expr.operand.text} is never false (${why})` : undefined
      }
      return undefined
    case 'binary': {
      if (expr.operator === '||' || expr.operator === 'or') {
        const left = neverTrue(expr.left)
        const right = left && neverTrue(expr.right)
        return left && right ? `neither side can be true (${left}; ${right})` : undefined
      }
      if (expr.operator === '&&' || expr.operator === 'and') {
        const parts = conjuncts(expr)
        for (const part of parts) {
          const why = neverTrue(part)
          if (why) return why
        }
        // Bounds on one value that no number meets: `result > 5 && result < 3`.
        const byOperand = new Map<string, { bounds: Array<{ op: Comparison; value: number }>; length: boolean }>()
        for (const part of parts) {
          const b = bound(part)
          if (!b) continue
          const entry = byOperand.get(b.operand.text) ?? { bounds: [], length: isLen(b.operand) }
          entry.bounds.push(b)
          byOperand.set(b.operand.text, entry)
        }
        for (const [operand, entry] of byOperand) {
          if (entry.bounds.length > 1 && !satisfiable(entry.bounds, entry.length)) return `no value of ${operand} meets ${entry.bounds.map((b) => `${b.op} ${b.value}`).join(' and ')}`
        }
        return undefined
      }
      const b = bound(expr)
      if (b && isLen(b.operand) && !satisfiable([b], true)) return `${b.operand.text} is never below 0`
      return undefined
    }
    case 'conditional': {
      const whenTrue = neverTrue(expr.whenTrue)
      const whenFalse = whenTrue && neverTrue(expr.whenFalse)
      return whenTrue && whenFalse ? 'neither branch can be true' : undefined
    }
    default:
      return undefined
  }
}

/** Why the expression can never be false (it may still fail to evaluate), or undefined when not proved. */
export function neverFalse(expr: Expr): string | undefined {
  const value = constant(expr)
  if (value !== undefined) return value === true ? 'it reads no value and is always true' : undefined
  switch (expr.kind) {
    case 'unary':
      if (expr.operator === '!' || expr.operator === 'not') {
        const why = neverTrue(expr.operand)
        return why ? `${expr.operand.text} is never true (${why})` : undefined
      }
      return undefined
    case 'binary': {
      if (expr.operator === '||' || expr.operator === 'or') return neverFalse(expr.left) ?? neverFalse(expr.right)
      if (expr.operator === '&&' || expr.operator === 'and') {
        const left = neverFalse(expr.left)
        const right = left && neverFalse(expr.right)
        return left && right ? `both sides are always true (${left}; ${right})` : undefined
      }
      // `len(x) >= 0`: every length meets it. (`x >= 5 || x < 5` is false for NaN: not proved.)
      const b = bound(expr)
      if (b && isLen(b.operand) && (b.op === '>=' || b.op === '>') && (b.op === '>=' ? b.value <= 0 : b.value < 0)) return `${b.operand.text} is never below 0`
      return undefined
    }
    case 'conditional': {
      const whenTrue = neverFalse(expr.whenTrue)
      const whenFalse = whenTrue && neverFalse(expr.whenFalse)
      return whenTrue && whenFalse ? 'both branches are always true' : undefined
    }
    default:
      return undefined
  }
}
