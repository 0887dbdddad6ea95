// Precedence-climbing parser that mirrors expr-lang's (parser/parser.go), so a condition means
// the same thing here as in Argo Rollouts. Where expr-lang is surprising we still follow it:
// `??` binds tightest and cannot be mixed with other operators unparenthesised, `not`/`!` bind
// tighter than comparisons, `a < b < c` means `a < b && b < c` (for <, >, <= and >= only: `a == 1
// == true` is `(a == 1) == true`), and `1..3` is a range between comparisons and `+`.

import type { BinaryOperator, Expr, MemberExpr, PredicateExpr, SliceExpr, UnaryOperator } from './ast.js'
import { ExprSyntaxError } from './errors.js'
import { functionArity, isPredicateFunction } from './functions.js'
import { compileRegex, RE2_HINT } from './regex.js'
import { tokenize, WORD_OPERATORS, type Token } from './lexer.js'

interface BinaryRule {
  readonly precedence: number
  readonly rightAssociative: boolean
}

const left = (precedence: number): BinaryRule => ({ precedence, rightAssociative: false })

const BINARY_RULES: Readonly<Record<string, BinaryRule>> = {
  or: left(10),
  '||': left(10),
  and: left(15),
  '&&': left(15),
  '==': left(20),
  '!=': left(20),
  '<': left(20),
  '>': left(20),
  '<=': left(20),
  '>=': left(20),
  in: left(20),
  contains: left(20),
  startsWith: left(20),
  endsWith: left(20),
  matches: left(20),
  '..': left(25),
  '+': left(30),
  '-': left(30),
  '*': left(60),
  '/': left(60),
  '%': left(60),
  '**': { precedence: 100, rightAssociative: true },
  '^': { precedence: 100, rightAssociative: true },
  '??': left(500)
}

/** The operators expr-lang chains (`a < b < c`); `==`, `in`, `matches`… at the same level do not chain. */
const CHAINED: ReadonlySet<string> = new Set(['<', '>', '<=', '>='])

const UNARY_PRECEDENCE: Readonly<Record<string, number>> = { not: 50, '!': 50, '-': 90, '+': 90 }

/** Operators that may follow `not`: `a not in b`, `s not matches p`. */
const NEGATABLE: ReadonlySet<string> = new Set(['in', 'contains', 'startsWith', 'endsWith', 'matches'])

const UNSUPPORTED_KEYWORDS: ReadonlySet<string> = new Set(['let', 'if', 'else'])

// Deep nesting would overflow the JS stack; a clear syntax error is kinder than a RangeError.
const MAX_NESTING = 200

interface BinaryOperatorToken {
  readonly operator: BinaryOperator
  readonly rule: BinaryRule
  readonly negated: boolean
  /** 0-based offset of the operator (of `not` when negated). */
  readonly start: number
}

/** Parses a condition; throws ExprSyntaxError naming what is wrong and its column. */
export function parseExpression(source: string): Expr {
  return new Parser(source, tokenize(source)).parseWhole()
}

class Parser {
  private index = 0
  private predicateDepth = 0
  private nesting = 0

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[]
  ) {}

  parseWhole(): Expr {
    if (this.atEnd()) throw new ExprSyntaxError('empty expression', 1)
    const expr = this.parseExpression(0)
    if (!this.atEnd()) throw this.unexpected()
    return expr
  }

  // ---- token cursor ----

  private get current(): Token {
    return this.tokens[this.index]
  }

  private atEnd(): boolean {
    return this.current.kind === 'end'
  }

  private peek(): Token {
    return this.tokens[Math.min(this.index + 1, this.tokens.length - 1)]
  }

  private advance(): Token {
    const token = this.current
    if (token.kind !== 'end') this.index++
    return token
  }

  private isOperator(text: string): boolean {
    return this.current.kind === 'operator' && this.current.text === text
  }

  private expect(text: string): Token {
    if (!this.isOperator(text)) throw this.unexpected(`expected "${text}"`)
    return this.advance()
  }

  private unexpected(expected?: string): ExprSyntaxError {
    const token = this.current
    if (token.kind === 'unsupported') {
      return new ExprSyntaxError(`unsupported operator ${JSON.stringify(token.text)}`, token.start + 1, String(token.value))
    }
    const found = token.kind === 'end' ? 'end of expression' : JSON.stringify(token.text)
    return new ExprSyntaxError(expected ? `${expected}, found ${found}` : `unexpected ${found}`, token.start + 1)
  }

  /** Source text from `start` to the end of the last consumed token. */
  private located(start: number): { column: number; text: string } {
    const end = this.index === 0 ? start : this.tokens[this.index - 1].end
    return { column: start + 1, text: this.source.slice(start, end) }
  }

  // ---- expressions ----

  private parseExpression(minPrecedence: number): Expr {
    if (++this.nesting > MAX_NESTING) {
      throw new ExprSyntaxError('expression is nested too deeply', this.current.start + 1)
    }
    let node = this.parsePrimary()
    let previous: BinaryOperator | undefined
    for (;;) {
      const operator = this.readBinaryOperator(minPrecedence)
      if (!operator) break
      if (previous === '??' && operator.operator !== '??') {
        throw new ExprSyntaxError(
          `cannot mix "??" with "${operator.operator}" without parentheses`,
          operator.start + 1,
          'wrap one side in ( )'
        )
      }
      node = CHAINED.has(operator.operator) ? this.parseComparisons(node, operator) : this.parseBinaryRest(node, operator)
      previous = operator.operator
    }
    if (minPrecedence === 0) node = this.parseConditional(node)
    this.nesting--
    return node
  }

  /** Consumes the next binary operator if it binds at least as tightly as `minPrecedence`. */
  private readBinaryOperator(minPrecedence: number): BinaryOperatorToken | undefined {
    const token = this.current
    if (token.kind !== 'operator') return undefined
    if (token.text === 'not') return this.readNegatedOperator(token, minPrecedence)
    const rule = BINARY_RULES[token.text]
    if (!Object.hasOwn(BINARY_RULES, token.text) || rule.precedence < minPrecedence) return undefined
    this.advance()
    return { operator: token.text as BinaryOperator, rule, negated: false, start: token.start }
  }

  private readNegatedOperator(notToken: Token, minPrecedence: number): BinaryOperatorToken | undefined {
    const next = this.peek()
    if (next.kind !== 'operator' || !NEGATABLE.has(next.text)) {
      throw new ExprSyntaxError(
        `unexpected "not" before ${next.kind === 'end' ? 'end of expression' : JSON.stringify(next.text)}`,
        notToken.start + 1,
        'after a value, not can only be followed by in, contains, startsWith, endsWith or matches'
      )
    }
    const rule = BINARY_RULES[next.text]
    if (rule.precedence < minPrecedence) return undefined
    this.advance()
    this.advance()
    return { operator: next.text as BinaryOperator, rule, negated: true, start: notToken.start }
  }

  private parseBinaryRest(leftSide: Expr, operator: BinaryOperatorToken): Expr {
    const { precedence, rightAssociative } = operator.rule
    const rightSide = this.parseExpression(rightAssociative ? precedence : precedence + 1)
    return this.binary(operator, leftSide, rightSide)
  }

  // expr-lang turns `a < b < c` into `a < b && b < c`.
  private parseComparisons(leftSide: Expr, first: BinaryOperatorToken): Expr {
    let operator = first
    let lhs = leftSide
    let result: Expr | undefined
    for (;;) {
      const rhs = this.parseExpression(operator.rule.precedence + 1)
      const comparison = this.binary(operator, lhs, rhs)
      result = result === undefined ? comparison : this.joinWithAnd(result, comparison, leftSide.column - 1)
      lhs = rhs
      const token = this.current
      if (token.kind !== 'operator' || !CHAINED.has(token.text)) return result
      this.advance()
      operator = { operator: token.text as BinaryOperator, rule: BINARY_RULES[token.text], negated: false, start: token.start }
    }
  }

  private binary(operator: BinaryOperatorToken, leftSide: Expr, rightSide: Expr): Expr {
    if (operator.operator === 'matches') checkPattern(rightSide)
    const start = leftSide.column - 1
    const node: Expr = { kind: 'binary', operator: operator.operator, left: leftSide, right: rightSide, ...this.located(start) }
    if (!operator.negated) return node
    return { kind: 'unary', operator: 'not', operand: node, ...this.located(start) }
  }

  private joinWithAnd(leftSide: Expr, rightSide: Expr, start: number): Expr {
    return { kind: 'binary', operator: '&&', left: leftSide, right: rightSide, ...this.located(start) }
  }

  // `a ? b : c`, and expr-lang's short form `a ?: c` (= `a ? a : c`).
  private parseConditional(test: Expr): Expr {
    let node = test
    while (this.isOperator('?')) {
      this.advance()
      let whenTrue = node
      if (this.isOperator(':')) {
        this.advance()
      } else {
        whenTrue = this.parseExpression(0)
        this.expect(':')
      }
      const whenFalse = this.parseExpression(0)
      node = { kind: 'conditional', test: node, whenTrue, whenFalse, ...this.located(node.column - 1) }
    }
    return node
  }

  private parsePrimary(): Expr {
    const token = this.current
    if (token.kind === 'operator' && Object.hasOwn(UNARY_PRECEDENCE, token.text)) {
      this.advance()
      const operand = this.parseExpression(UNARY_PRECEDENCE[token.text])
      const node: Expr = { kind: 'unary', operator: token.text as UnaryOperator, operand, ...this.located(token.start) }
      return this.parsePostfix(node, token.start)
    }
    if (this.isOperator('(')) {
      this.advance()
      const inner = this.parseExpression(0)
      this.expect(')')
      return this.parsePostfix(inner, token.start)
    }
    if (this.isOperator('#') || this.isOperator('.')) return this.parseElement(token)
    if (this.isOperator('{')) {
      throw new ExprSyntaxError(
        'map literals are not supported',
        token.start + 1,
        'braces are only for predicates, e.g. all(result, {# < 5})'
      )
    }
    return this.parseSecondary()
  }

  // `#` is the current element; a leading `.field` is shorthand for `#.field`.
  private parseElement(token: Token): Expr {
    if (this.predicateDepth === 0) {
      throw new ExprSyntaxError(
        `"${token.text}" can only be used inside a predicate`,
        token.start + 1,
        'e.g. all(result, {# < 5}) or any(result, {.count > 5})'
      )
    }
    if (token.text === '#') {
      this.advance()
      const name = this.current
      if (name.kind === 'name' && name.start === token.end) {
        throw new ExprSyntaxError(`unsupported "#${name.text}"`, token.start + 1, 'only # (the element) is supported')
      }
    }
    // For `.field` the dot is left in place and read by parsePostfix as a member of `#`.
    const element: Expr = { kind: 'element', column: token.start + 1, text: '#' }
    return this.parsePostfix(element, token.start)
  }

  private parseSecondary(): Expr {
    const token = this.current
    if (token.kind === 'number' || token.kind === 'string') {
      this.advance()
      return this.parsePostfix({ kind: 'literal', value: token.value, ...this.located(token.start) }, token.start)
    }
    if (token.kind === 'name') return this.parseName(token)
    if (this.isOperator('[')) return this.parsePostfix(this.parseArray(), token.start)
    throw this.unexpected()
  }

  private parseName(token: Token): Expr {
    this.advance()
    const constants: Record<string, boolean | null> = { true: true, false: false, nil: null }
    if (Object.hasOwn(constants, token.text)) {
      return { kind: 'literal', value: constants[token.text], ...this.located(token.start) }
    }
    if (UNSUPPORTED_KEYWORDS.has(token.text)) {
      throw new ExprSyntaxError(`unsupported keyword "${token.text}"`, token.start + 1)
    }
    if (this.isOperator('(')) return this.parsePostfix(this.parseCall(token), token.start)
    return this.parsePostfix({ kind: 'name', name: token.text, ...this.located(token.start) }, token.start)
  }

  private parseArray(): Expr {
    const open = this.expect('[')
    const items: Expr[] = []
    while (!this.isOperator(']')) {
      if (items.length > 0) {
        this.expect(',')
        if (this.isOperator(']')) break
      }
      items.push(this.parseExpression(0))
    }
    this.expect(']')
    return { kind: 'array', items, ...this.located(open.start) }
  }

  private parseCall(nameToken: Token): Expr {
    const name = nameToken.text
    const arity = functionArity(name)
    if (!arity) throw new ExprSyntaxError(`unknown function "${name}"`, nameToken.start + 1)
    this.expect('(')
    const args = isPredicateFunction(name) ? this.parsePredicateArguments(name, nameToken) : this.parseArguments()
    this.expect(')')
    if (args.length < arity.minArgs || args.length > arity.maxArgs) {
      throw new ExprSyntaxError(`${name}() ${describeArity(arity.minArgs, arity.maxArgs)}, got ${args.length}`, nameToken.start + 1)
    }
    return { kind: 'call', name, args, ...this.located(nameToken.start) }
  }

  private parseArguments(): Expr[] {
    const args: Expr[] = []
    while (!this.isOperator(')')) {
      if (args.length > 0) {
        this.expect(',')
        if (this.isOperator(')')) break
      }
      args.push(this.parseExpression(0))
    }
    return args
  }

  // all(list, predicate): the second argument is a closure, with or without braces.
  private parsePredicateArguments(name: string, nameToken: Token): Expr[] {
    if (this.isOperator(')')) return []
    const list = this.parseExpression(0)
    if (this.isOperator(')')) {
      throw new ExprSyntaxError(`${name}() needs a predicate as its second argument`, nameToken.start + 1, `e.g. ${name}(${list.text}, {# > 0})`)
    }
    this.expect(',')
    const predicate = this.parsePredicate()
    if (this.isOperator(',')) this.advance()
    return [list, predicate]
  }

  private parsePredicate(): PredicateExpr {
    const start = this.current.start
    const braced = this.isOperator('{')
    if (braced) this.advance()
    this.predicateDepth++
    const body = this.parseExpression(0)
    this.predicateDepth--
    if (braced) this.expect('}')
    return { kind: 'predicate', body, ...this.located(start) }
  }

  // ---- postfix: member access, index, slice ----

  private parsePostfix(target: Expr, start: number): Expr {
    let node = target
    let optionalSeen = false
    for (;;) {
      if (this.isOperator('.') || this.isOperator('?.')) {
        const optional = this.advance().text === '?.'
        optionalSeen ||= optional
        node = optional && this.isOperator('[') ? this.parseIndex(node, start, true) : this.parseField(node, start, optional)
      } else if (this.isOperator('[')) {
        node = this.parseIndex(node, start, false)
      } else {
        break
      }
    }
    if (!optionalSeen) return node
    return { kind: 'chain', inner: node, column: node.column, text: node.text }
  }

  private parseField(object: Expr, start: number, optional: boolean): MemberExpr {
    const token = this.current
    // Operator words such as `matches` are valid field names, as in expr-lang.
    const isField = token.kind === 'name' || (token.kind === 'operator' && WORD_OPERATORS.has(token.text))
    if (!isField) throw this.unexpected('expected a field name')
    this.advance()
    if (this.isOperator('(')) {
      throw new ExprSyntaxError(`method calls are not supported ("${token.text}(")`, token.start + 1)
    }
    const key: Expr = { kind: 'literal', value: token.text, column: token.start + 1, text: token.text }
    return { kind: 'member', object, key, optional, ...this.located(start) }
  }

  // a[i], a[i:j], a[:j], a[i:], a[:]
  private parseIndex(object: Expr, start: number, optional: boolean): MemberExpr | SliceExpr {
    this.expect('[')
    const from = this.isOperator(':') ? undefined : this.parseExpression(0)
    if (from !== undefined && !this.isOperator(':')) {
      this.expect(']')
      return { kind: 'member', object, key: from, optional, ...this.located(start) }
    }
    this.expect(':')
    const to = this.isOperator(']') ? undefined : this.parseExpression(0)
    this.expect(']')
    return { kind: 'slice', object, from, to, optional, ...this.located(start) }
  }
}

// A pattern written in the condition is checked now, so a pattern Go's RE2 refuses is a
// configuration error naming its column, not an Error at every measurement.
function checkPattern(pattern: Expr): void {
  if (pattern.kind !== 'literal' || typeof pattern.value !== 'string') return
  const compiled = compileRegex(pattern.value)
  if ('problem' in compiled) {
    throw new ExprSyntaxError(`invalid regular expression ${pattern.text}: ${compiled.problem}`, pattern.column, RE2_HINT)
  }
}

function describeArity(min: number, max: number): string {
  const plural = (count: number): string => `${count} argument${count === 1 ? '' : 's'}`
  if (min === max) return `takes ${plural(min)}`
  if (max === Infinity) return `takes at least ${plural(min)}`
  return `takes ${min} to ${plural(max)}`
}
