// The safe condition language for AnalysisTemplate successCondition/failureCondition: the common
// subset of expr-lang that Argo Rollouts uses, parsed and walked here with no code execution.

import type { Expr } from './ast.js'

export type {
  ArrayExpr,
  BinaryExpr,
  BinaryOperator,
  CallExpr,
  ChainExpr,
  ConditionalExpr,
  ElementExpr,
  Expr,
  LiteralExpr,
  MemberExpr,
  NameExpr,
  PredicateExpr,
  SliceExpr,
  UnaryExpr,
  UnaryOperator
} from './ast.js'
export { ExprEvalError, ExprSyntaxError } from './errors.js'
export { parseExpression } from './parser.js'
export { evaluate, type EvaluateOptions } from './evaluate.js'
export { comparedLimits, comparedOperands } from './operands.js'
export {
  describeValue,
  formatGoDuration,
  isDuration,
  isTime,
  makeDuration,
  makeTime,
  noDataIn,
  type Duration,
  type Time
} from './values.js'

/** Environment names the expression reads (e.g. ["result"]), in order of first use, for validation. */
export function referencedNames(expr: Expr): string[] {
  const names = new Set<string>()
  const visit = (node: Expr): void => {
    if (node.kind === 'name') names.add(node.name)
    childrenOf(node).forEach(visit)
  }
  visit(expr)
  return [...names]
}

/** The expressions directly inside `node`, in source order. */
export function childrenOf(node: Expr): readonly Expr[] {
  switch (node.kind) {
    case 'literal':
    case 'name':
    case 'element':
      return []
    case 'array':
      return node.items
    case 'member':
      return [node.object, node.key]
    case 'slice':
      return [node.object, ...(node.from ? [node.from] : []), ...(node.to ? [node.to] : [])]
    case 'chain':
      return [node.inner]
    case 'unary':
      return [node.operand]
    case 'binary':
      return [node.left, node.right]
    case 'conditional':
      return [node.test, node.whenTrue, node.whenFalse]
    case 'call':
      return node.args
    case 'predicate':
      return [node.body]
  }
}
