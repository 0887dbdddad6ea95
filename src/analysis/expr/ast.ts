// The syntax tree. Every node keeps its 1-based column and its own source text so evaluation
// errors can quote what the user wrote (`result[0] is NaN`) rather than an internal shape.

interface Located {
  /** 1-based column where the node starts. */
  readonly column: number
  /** The node's source text, for error messages. */
  readonly text: string
}

export interface LiteralExpr extends Located {
  readonly kind: 'literal'
  /** A bigint is an integer literal (expr's int), a number a float literal (`0.5`, `1e3`). */
  readonly value: number | bigint | string | boolean | null
}

export interface ArrayExpr extends Located {
  readonly kind: 'array'
  readonly items: readonly Expr[]
}

/** A top-level identifier such as `result`, looked up in the environment. */
export interface NameExpr extends Located {
  readonly kind: 'name'
  readonly name: string
}

/** `#` inside a predicate: the current element. `.field` there means `#.field`. */
export interface ElementExpr extends Located {
  readonly kind: 'element'
}

/** `a.b`, `a?.b`, `a[i]`, `a?.[i]`; for `a.b` the key is a string literal. */
export interface MemberExpr extends Located {
  readonly kind: 'member'
  readonly object: Expr
  readonly key: Expr
  readonly optional: boolean
}

export interface SliceExpr extends Located {
  readonly kind: 'slice'
  readonly object: Expr
  readonly from?: Expr
  readonly to?: Expr
  readonly optional: boolean
}

/** Wraps a postfix chain that contains `?.`; a nil met by `?.` makes the whole chain nil. */
export interface ChainExpr extends Located {
  readonly kind: 'chain'
  readonly inner: Expr
}

export type UnaryOperator = '-' | '+' | '!' | 'not'

export interface UnaryExpr extends Located {
  readonly kind: 'unary'
  readonly operator: UnaryOperator
  readonly operand: Expr
}

export type BinaryOperator =
  | '??'
  | 'or'
  | '||'
  | 'and'
  | '&&'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'matches'
  | '..'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**'
  | '^'

export interface BinaryExpr extends Located {
  readonly kind: 'binary'
  readonly operator: BinaryOperator
  readonly left: Expr
  readonly right: Expr
}

export interface ConditionalExpr extends Located {
  readonly kind: 'conditional'
  readonly test: Expr
  readonly whenTrue: Expr
  readonly whenFalse: Expr
}

/** A call to a built-in function; the name was checked against the catalogue at parse time. */
export interface CallExpr extends Located {
  readonly kind: 'call'
  readonly name: string
  readonly args: readonly Expr[]
}

/** The closure argument of all/any/filter/...: `{# < 5}` or `# < 5`. */
export interface PredicateExpr extends Located {
  readonly kind: 'predicate'
  readonly body: Expr
}

export type Expr =
  | LiteralExpr
  | ArrayExpr
  | NameExpr
  | ElementExpr
  | MemberExpr
  | SliceExpr
  | ChainExpr
  | UnaryExpr
  | BinaryExpr
  | ConditionalExpr
  | CallExpr
  | PredicateExpr
