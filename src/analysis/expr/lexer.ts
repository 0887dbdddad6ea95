// Turns condition text into tokens. Syntax that expr-lang has but this language deliberately lacks
// (pipes, `;`) or that other languages have (`=~`) becomes an `unsupported` token that the parser
// reports with its column.

import { ExprSyntaxError } from './errors.js'
import { inInt64Range } from './values.js'

/** `unsupported` marks syntax we refuse; the parser reports it only when reached, so errors come in source order. */
export type TokenKind = 'number' | 'string' | 'name' | 'operator' | 'unsupported' | 'end'

export interface Token {
  readonly kind: TokenKind
  /** The raw source text of the token. */
  readonly text: string
  /**
   * Decoded value for numbers (a bigint for an integer literal, a number for a float literal) and
   * strings, the hint for unsupported syntax, the text otherwise.
   */
  readonly value: string | number | bigint
  /** 0-based offsets into the source. */
  readonly start: number
  readonly end: number
}

/** Words that are operators rather than names (as in expr-lang). */
export const WORD_OPERATORS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'in',
  'contains',
  'startsWith',
  'endsWith',
  'matches'
])

const SYMBOLS: readonly string[] = [
  '..', '??', '?.', '**', '==', '!=', '<=', '>=', '&&', '||',
  '?', ':', '.', ',', '+', '-', '*', '/', '%', '^', '<', '>', '!', '(', ')', '[', ']', '{', '}', '#'
]

/** expr-lang (or other languages) syntax we refuse, with a hint for the log. */
const UNSUPPORTED_SYMBOLS: Readonly<Record<string, string>> = {
  '=~': 'use `matches` for regular expressions',
  '!~': 'use `not matches` for regular expressions',
  '::': 'not supported',
  '|': 'pipes are not supported; use || for "or"',
  '=': 'assignment is not supported; use == to compare',
  ';': 'only a single expression is allowed',
  '&': 'use && or `and`',
  '~': 'not supported'
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let position = skipBlank(source, 0)
  while (position < source.length) {
    const token = readToken(source, position)
    tokens.push(token)
    position = skipBlank(source, token.end)
  }
  tokens.push({ kind: 'end', text: '', value: '', start: source.length, end: source.length })
  return tokens
}

// Whitespace and expr-lang comments (`// ...`, `/* ... */`) separate tokens.
function skipBlank(source: string, start: number): number {
  let position = start
  for (;;) {
    while (position < source.length && /\s/.test(source[position])) position++
    if (source.startsWith('//', position)) {
      const newline = source.indexOf('\n', position)
      position = newline === -1 ? source.length : newline + 1
    } else if (source.startsWith('/*', position)) {
      const close = source.indexOf('*/', position + 2)
      if (close === -1) throw new ExprSyntaxError('unclosed comment', position + 1)
      position = close + 2
    } else {
      return position
    }
  }
}

function readToken(source: string, start: number): Token {
  const char = source[start]
  if (isDigit(char) || (char === '.' && isDigit(source[start + 1]))) return readNumber(source, start)
  if (char === '"' || char === "'") return readQuotedString(source, start)
  if (char === '`') return readRawString(source, start)
  if (isNameChar(codePointText(source, start), true)) return readName(source, start)
  return readSymbol(source, start)
}

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9'
}

function codePointText(source: string, position: number): string {
  const codePoint = source.codePointAt(position)
  return codePoint === undefined ? '' : String.fromCodePoint(codePoint)
}

// Letters, `_` and `$` start a name; digits may follow (expr-lang's rule).
function isNameChar(char: string, first: boolean): boolean {
  if (char === '') return false
  return first ? /^[\p{L}_$]$/u.test(char) : /^[\p{L}\p{Nd}_$]$/u.test(char)
}

function readName(source: string, start: number): Token {
  let end = start
  while (end < source.length && isNameChar(codePointText(source, end), end === start)) {
    end += codePointText(source, end).length
  }
  const text = source.slice(start, end)
  return { kind: WORD_OPERATORS.has(text) ? 'operator' : 'name', text, value: text, start, end }
}

const RADIX_DIGITS: Readonly<Record<string, RegExp>> = {
  x: /[0-9a-fA-F_]/,
  o: /[0-7_]/,
  b: /[01_]/
}

function readNumber(source: string, start: number): Token {
  let end = start
  const prefix = source[start] === '0' ? source[start + 1]?.toLowerCase() : undefined
  const radixDigits = prefix === undefined ? undefined : RADIX_DIGITS[prefix]
  if (radixDigits) {
    end += 2
    while (end < source.length && radixDigits.test(source[end])) end++
  } else {
    end = scanDecimal(source, start)
  }
  // `1abc` is one bad token, not a number followed by a name.
  while (end < source.length && isNameChar(codePointText(source, end), false)) end++
  const text = source.slice(start, end)
  const value = numberValue(text)
  if (value === undefined) throw new ExprSyntaxError(`invalid number "${text}"`, start + 1)
  if (typeof value === 'object') throw new ExprSyntaxError(value.problem, start + 1)
  return { kind: 'number', text, value, start, end }
}

function scanDecimal(source: string, start: number): number {
  let end = start
  const digitsOrUnderscore = (): void => {
    while (end < source.length && (isDigit(source[end]) || source[end] === '_')) end++
  }
  digitsOrUnderscore()
  // A second dot means `1..2` (a range), so the first dot is not a decimal point.
  if (source[end] === '.' && source[end + 1] !== '.') {
    end++
    digitsOrUnderscore()
  }
  if (source[end] === 'e' || source[end] === 'E') {
    end++
    if (source[end] === '+' || source[end] === '-') end++
    digitsOrUnderscore()
  }
  return end
}

const PREFIX_RADIX: Readonly<Record<string, number>> = { x: 16, o: 8, b: 2 }

/**
 * expr-lang's literals: with a radix prefix, or without `.` and `e`, an int64 (a bigint here);
 * otherwise a float64. expr-lang drops every underscore first, so `1_000` and `0x_ff` are both fine.
 * An integer beyond int64 is refused, as expr refuses it.
 */
function numberValue(text: string): number | bigint | { problem: string } | undefined {
  const plain = text.replace(/_/g, '')
  const prefixed = /^0([xob])(.*)$/i.exec(plain)
  let integer: bigint
  if (prefixed) {
    const radix = PREFIX_RADIX[prefixed[1].toLowerCase()] ?? 10
    const digits = prefixed[2]
    const valid = digits !== '' && [...digits].every((digit) => !Number.isNaN(parseInt(digit, radix)))
    if (!valid) return undefined
    integer = BigInt(`0${prefixed[1].toLowerCase()}${digits}`)
  } else if (/^\d+$/.test(plain)) {
    integer = BigInt(plain)
  } else {
    return /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(plain) ? Number(plain) : undefined
  }
  return inInt64Range(integer) ? integer : { problem: `integer ${text} is out of range (int64: at most 9223372036854775807)` }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`'
}

function readQuotedString(source: string, start: number): Token {
  const quote = source[start]
  let position = start + 1
  let value = ''
  while (position < source.length) {
    const char = source[position]
    if (char === quote) {
      return { kind: 'string', text: source.slice(start, position + 1), value, start, end: position + 1 }
    }
    if (char === '\\') {
      const escape = readEscape(source, position)
      value += escape.text
      position = escape.end
    } else {
      value += char
      position++
    }
  }
  throw new ExprSyntaxError('unterminated string', start + 1, `add the closing ${quote}`)
}

const HEX_ESCAPE_LENGTH: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 }

// Go escapes: \n \t \\ \' \" ..., \xHH, \uHHHH, \UHHHHHHHH and three-digit octal \NNN.
function readEscape(source: string, backslash: number): { text: string; end: number } {
  const letter = source[backslash + 1] ?? ''
  const simple = SIMPLE_ESCAPES[letter]
  if (simple !== undefined) return { text: simple, end: backslash + 2 }
  const hexLength = HEX_ESCAPE_LENGTH[letter]
  const pattern = hexLength ? new RegExp(`^[0-9a-fA-F]{${hexLength}}`) : /^[0-7]{3}/
  const digits = source.slice(hexLength ? backslash + 2 : backslash + 1).match(pattern)?.[0]
  const codePoint = digits === undefined ? NaN : parseInt(digits, hexLength ? 16 : 8)
  if (digits !== undefined && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff)) {
    const end = (hexLength ? backslash + 2 : backslash + 1) + digits.length
    return { text: String.fromCodePoint(codePoint), end }
  }
  const shown = source.slice(backslash, backslash + 2 + (hexLength ?? 0))
  throw new ExprSyntaxError(`invalid escape "${shown}" in string`, backslash + 1)
}

function readRawString(source: string, start: number): Token {
  const close = source.indexOf('`', start + 1)
  if (close === -1) throw new ExprSyntaxError('unterminated raw string', start + 1, 'add the closing `')
  const value = source.slice(start + 1, close)
  return { kind: 'string', text: source.slice(start, close + 1), value, start, end: close + 1 }
}

function readSymbol(source: string, start: number): Token {
  const two = source.slice(start, start + 2)
  const one = source[start]
  if (Object.hasOwn(UNSUPPORTED_SYMBOLS, two)) {
    return { kind: 'unsupported', text: two, value: UNSUPPORTED_SYMBOLS[two], start, end: start + 2 }
  }
  // `a ?.5 : 1` is a ternary with a number, not optional chaining.
  if (SYMBOLS.includes(two) && !(two === '?.' && isDigit(source[start + 2]))) {
    return { kind: 'operator', text: two, value: two, start, end: start + 2 }
  }
  if (SYMBOLS.includes(one)) return { kind: 'operator', text: one, value: one, start, end: start + 1 }
  if (Object.hasOwn(UNSUPPORTED_SYMBOLS, one)) {
    return { kind: 'unsupported', text: one, value: UNSUPPORTED_SYMBOLS[one], start, end: start + 1 }
  }
  throw new ExprSyntaxError(`unexpected character ${JSON.stringify(codePointText(source, start))}`, start + 1)
}
