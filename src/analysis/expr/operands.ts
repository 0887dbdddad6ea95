// Which parts of a condition read the measured value: the sides of its comparisons that refer to
// `result` (`result.errorRate` in `result.errorRate < 2`). Reports show their values, so a reader
// sees 2.68 rather than a whole answer body.
import type { Expr } from './ast.js'

const COMPARISONS = new Set(['<', '>', '<=', '>=', '==', '!='])

function readsResult(expr: Expr): boolean {
  switch (expr.kind) {
    case 'name':
      return expr.name === 'result'
    case 'member':
      return readsResult(expr.object) || readsResult(expr.key)
    case 'slice':
      return readsResult(expr.object)
    case 'chain':
      return readsResult(expr.inner)
    case 'unary':
      return readsResult(expr.operand)
    case 'binary':
      return readsResult(expr.left) || readsResult(expr.right)
    case 'call':
      return expr.args.some(readsResult)
    case 'conditional':
      return readsResult(expr.test) || readsResult(expr.whenTrue) || readsResult(expr.whenFalse)
    case 'array':
      return expr.items.some(readsResult)
    default:
      return false
  }
}

/** Every comparison in the condition, in source order; predicates (`{# < 5}`) are skipped. */
function comparisons(expr: Expr): Array<Expr & { kind: 'binary' }> {
  const found: Array<Expr & { kind: 'binary' }> = []
  const visit = (node: Expr): void => {
    switch (node.kind) {
      case 'binary':
        if (COMPARISONS.has(node.operator)) found.push(node)
        visit(node.left)
        visit(node.right)
        break
      case 'unary':
        visit(node.operand)
        break
      case 'conditional':
        visit(node.test)
        visit(node.whenTrue)
        visit(node.whenFalse)
        break
      case 'call':
        node.args.forEach(visit)
        break
      case 'chain':
        visit(node.inner)
        break
      default:
        break
    }
  }
  visit(expr)
  return found
}

/** The compared operands that read `result`, in source order, without repeats. */
export function comparedOperands(expr: Expr): Expr[] {
  const found = new Map<string, Expr>()
  for (const node of comparisons(expr)) {
    for (const side of [node.left, node.right]) if (side.kind !== 'literal' && readsResult(side) && !found.has(side.text)) found.set(side.text, side)
  }
  return [...found.values()]
}

/** The numbers a condition compares `result` against (`2` in `result.errorRate < 2`), in source order. */
export function comparedLimits(expr: Expr): number[] {
  return comparisons(expr).flatMap((node) => {
    const [value, limit] = node.right.kind === 'literal' ? [node.left, node.right] : [node.right, node.left]
    if (limit.kind !== 'literal' || !readsResult(value)) return []
    // An integer literal (`< 2`) is a bigint in the tree; the report wants a plain number.
    if (typeof limit.value === 'number') return [limit.value]
    return typeof limit.value === 'bigint' ? [Number(limit.value)] : []
  })
}
