// The fail-closed half: every way a condition can be unanswerable must throw, with a message a
// person can act on, and every syntax problem must be caught before anything runs.

import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { evaluate, ExprEvalError, ExprSyntaxError, parseExpression } from '../../src/analysis/expr/index.js'

function run(source: string, env: Record<string, unknown> = {}): unknown {
  return evaluate(parseExpression(source), env, { now: () => 0 })
}

function evalError(source: string, env: Record<string, unknown>): ExprEvalError {
  const expr = parseExpression(source) // must parse: these are runtime problems
  try {
    evaluate(expr, env, { now: () => 0 })
  } catch (error) {
    if (error instanceof ExprEvalError) return error
    throw error
  }
  throw new Error(`expected ${source} to fail`)
}

function syntaxError(source: string): ExprSyntaxError {
  try {
    parseExpression(source)
  } catch (error) {
    if (error instanceof ExprSyntaxError) return error
    throw error
  }
  throw new Error(`expected ${source} to be rejected`)
}

type EvalErrorCase = readonly [source: string, env: Record<string, unknown>, message: string]

function evalErrorTable(cases: readonly EvalErrorCase[]): void {
  for (const [source, env, message] of cases) {
    it(`${source} with ${JSON.stringify(env)}`, () => {
      expect(evalError(source, env).message).toContain(message)
    })
  }
}

describe('NaN is never compared', () => {
  for (const operator of ['<', '>', '<=', '>=', '==', '!=']) {
    it(`result ${operator} 1 throws on NaN`, () => {
      expect(evalError(`result ${operator} 1`, { result: NaN }).message).toContain('result is NaN (no data?)')
    })
    it(`1 ${operator} result throws on NaN`, () => {
      expect(evalError(`1 ${operator} result`, { result: NaN }).message).toContain('result is NaN (no data?)')
    })
    it(`result[0] ${operator} 0.01 names the operand`, () => {
      expect(evalError(`result[0] ${operator} 0.01`, { result: [NaN] }).message).toContain('result[0] is NaN (no data?)')
    })
  }

  evalErrorTable([
    ['result > 0.05', { result: NaN }, 'result is NaN'],
    ['result.errorRate < 2', { result: { errorRate: NaN } }, 'result.errorRate is NaN'],
    ['result in [1, 2]', { result: NaN }, 'result is NaN'],
    ['asFloat(result) < 5', { result: 'NaN' }, 'asFloat(result) is NaN'],
    ['all(result, {# < 5})', { result: [1, NaN] }, '# is NaN']
  ])
})

describe('indexing and keys', () => {
  evalErrorTable([
    ['result[0] < 0.01', { result: [] }, 'index 0 out of range: result has 0 elements (no data)'],
    ['result[-1]', { result: [] }, 'index -1 out of range: result has 0 elements (no data)'],
    ['result[3]', { result: [1, 2] }, 'index 3 out of range: result has 2 elements'],
    ['result[-3]', { result: [1, 2] }, 'index -3 out of range'],
    ['result[1]', { result: [1] }, 'result has 1 element'],
    ['"abc"[5]', {}, 'index 5 out of range'],
    ['result[0.5]', { result: [1] }, 'must be an integer, got number 0.5'],
    ['result["a"]', { result: [1] }, 'cannot read key "a" of result: it is array of 1, not a map'],
    ['default(result[0], 0)', { result: [] }, 'index 0 out of range'],
    ['result?.[1]', { result: [1] }, 'index 1 out of range'],
    ['result.errorRate < 2', { result: { a: 1, b: 2 } }, 'result has no key "errorRate" (keys: a, b)'],
    ["result['x']", { result: {} }, 'result has no key "x" (the map is empty)'],
    ['result.a.b ?? 1', { result: {} }, 'result has no key "a"'],
    ['result[0]', { result: { a: 1 } }, 'result is a map, its keys are strings, got number 0'],
    ['result.x', { result: 5 }, 'cannot read key "x" of result: it is number 5, not a map'],
    ['result.x', { result: 'abc' }, 'it is string "abc"'],
    ['result.x', { result: null }, 'cannot read key "x" of result: it is nil; use ?. to allow nil'],
    ['result.a.b', { result: { a: null } }, 'cannot read key "b" of result.a: it is nil'],
    ['result[0]', { result: true }, 'it is boolean true'],
    ['result[1:2]', { result: 5 }, 'cannot slice result: it is number 5'],
    ['result[0.5:]', { result: [1] }, 'slice bound 0.5 must be an integer'],
    ['result?.a < 1', { result: null }, 'cannot compare nil with number 1']
  ])

  describe('never reaches prototypes', () => {
    evalErrorTable([
      ['result.constructor', { result: {} }, 'result has no key "constructor"'],
      ['result.__proto__', { result: {} }, 'result has no key "__proto__"'],
      ['result["toString"]', { result: { a: 1 } }, 'result has no key "toString"'],
      ['result.length', { result: [1] }, 'not a map'],
      ['"abc".length', {}, 'not a map']
    ])

    it('does not read inherited names from the environment', () => {
      expect(evalError('toString', {}).message).toContain('unknown name toString')
    })

    it('treats class instances as opaque', () => {
      expect(evalError('result.x', { result: new Date(0) }).message).toContain('it is object')
    })
  })
})

describe('comparisons need comparable operands', () => {
  evalErrorTable([
    ['result < 2', { result: 'abc' }, 'cannot compare string "abc" with number 2'],
    ['result < 1', { result: null }, 'cannot compare nil with number 1'],
    ['result >= 0.9', { result: undefined }, 'cannot compare nil with number 0.9'],
    ['nil < 1', {}, 'cannot compare nil with number 1'],
    ['1 > nil', {}, 'cannot compare number 1 with nil'],
    ['result.a > 0', { result: { a: null } }, 'cannot compare nil with number 0'],
    ['result > 0', { result: true }, 'cannot compare boolean true with number 0'],
    ['result < 1', { result: [1] }, 'cannot compare array of 1 with number 1'],
    ['result < 1', { result: { a: 1 } }, 'cannot compare map with keys a with number 1'],
    ['"1" < 2', {}, 'cannot compare string "1" with number 2'],
    // `==` between kinds is an error, as expr's type check makes it: it could never be true.
    ['"a" == 1', {}, 'cannot compare string "a" with number 1: a string is never equal to a number (in "a" == 1)'],
    ['"a" != 1', {}, 'a string is never equal to a number'],
    ['true == 1', {}, 'cannot compare boolean true with number 1: a boolean is never equal to a number'],
    ['result[0] == "1"', { result: [1] }, 'cannot compare number 1 with string "1"'],
    ['result == "true"', { result: true }, 'cannot compare boolean true with string "true"'],
    ['result == 1', { result: [1] }, 'an array is never equal to a number'],
    ['result.s == 1', { result: { s: '1' } }, 'cannot compare string "1" with number 1'],
    ['now() < duration("1m")', {}, 'cannot compare time'],
    ['result < 1', { result: 'x'.repeat(500) }, 'cannot compare string "xxx']
  ])

  it('keeps messages short for long values', () => {
    expect(evalError('result < 1', { result: 'x'.repeat(500) }).message.length).toBeLessThan(250)
  })

  it('includes the evaluated expression', () => {
    expect(evalError('result < 2', { result: 'abc' }).message).toContain('(in result < 2)')
  })
})

describe('logical operators need booleans', () => {
  evalErrorTable([
    ['1 && true', {}, '&& needs booleans, got number'],
    ['true && 1', {}, '&& needs booleans, got number'],
    ['true and "x"', {}, 'and needs booleans, got string'],
    ['nil || true', {}, '|| needs booleans, got nil'],
    ['false or 0', {}, 'or needs booleans, got number'],
    ['result || true', { result: [] }, '|| needs booleans, got array'],
    ['!1', {}, '! needs booleans, got number'],
    ['not "x"', {}, 'not needs booleans, got string'],
    ['!nil', {}, '! needs booleans, got nil'],
    ['1 ? 2 : 3', {}, 'the condition of ?: needs a boolean, got number 1'],
    ['result ? 2 : 3', { result: null }, 'got nil']
  ])
})

describe('arithmetic', () => {
  evalErrorTable([
    ['"a" + 1', {}, '"+" needs two numbers or two strings, got string "a" and number 1'],
    ['nil + 1', {}, 'got nil and number 1'],
    ['"a" * 2', {}, '"*" needs two numbers'],
    ['"a" - "b"', {}, '"-" needs two numbers'],
    ['true / 2', {}, '"/" needs two numbers'],
    ['"a" ** 2', {}, '"**" needs two numbers'],
    ['1 / 0', {}, 'division by zero: 0 is 0'],
    ['1 / result', { result: 0 }, 'division by zero: result is 0'],
    ['5 % 0', {}, 'division by zero'],
    ['5.5 % 2', {}, '"%" needs two integers'],
    ['5 % 1.5', {}, '"%" needs two integers'],
    ['5 % 2.0', {}, '"%" needs two integers'],
    ['result[0] % 2', { result: [7] }, '"%" needs two integers; numbers from metrics are floats even when whole: use asInt(…)'],
    ['-"a"', {}, 'unary - needs a number, got string "a"'],
    ['+nil', {}, 'unary + needs a number, got nil'],
    ['now() + 1', {}, '"+" needs two numbers or two strings, got time'],
    ['duration("1m") / 2', {}, '"/" needs two numbers, got duration 1m0s'],
    ['now() * 2', {}, '"*" needs two numbers']
  ])
})

describe('membership and string operators', () => {
  evalErrorTable([
    ['1 in "a"', {}, '"in" needs an array or map on the right, got string "a"'],
    ['"a" in "abc"', {}, 'use contains for substrings'],
    ['"a" in nil', {}, '"in" needs an array or map on the right, got nil'],
    ['1 in result', { result: { a: 1 } }, '"in" on a map needs a string key, got number 1'],
    ['1 contains "a"', {}, '"contains" needs two strings, got number 1 and string "a"'],
    ['"a" startsWith nil', {}, '"startsWith" needs two strings'],
    ['[1] endsWith "a"', {}, '"endsWith" needs two strings'],
    ['"a" matches 1', {}, '"matches" needs two strings'],
    ['"a" matches result', { result: '(' }, 'invalid regular expression "(" (in "a" matches result): error parsing regexp: missing closing ): `(`']
  ])
})

describe('functions reject what they cannot answer', () => {
  evalErrorTable([
    ['isNaN(result)', { result: [1] }, 'isNaN(result): needs a number, got array of 1; test one element, e.g. isNaN(result[0])'],
    ['isNaN("x")', {}, 'needs a number, got string "x"'],
    ['isNaN(nil)', {}, 'needs a number, got nil'],
    ['isInf(result)', { result: [] }, 'needs a number, got empty array'],
    ['len(1)', {}, 'len(1): needs an array, string or map, got number 1'],
    ['len(nil)', {}, 'got nil'],
    ['asFloat("abc")', {}, 'cannot parse string "abc" as a number'],
    ['asFloat(nil)', {}, 'needs a number or numeric string, got nil'],
    ['asFloat([1])', {}, 'got array of 1'],
    ['asInt("2.5")', {}, 'cannot parse string "2.5" as an integer'],
    ['asInt(true)', {}, 'got boolean true'],
    ['asInt(result)', { result: NaN }, 'cannot convert number NaN to an integer'],
    ['int("x")', {}, 'cannot parse string "x" as an integer'],
    ['float("x")', {}, 'cannot parse string "x" as a number'],
    ['abs("1")', {}, 'abs("1"): needs a number'],
    ['round(nil)', {}, 'needs a number, got nil'],
    ['min([])', {}, 'min([]): no values (no data)'],
    ['max(result)', { result: [] }, 'max(result): no values (no data)'],
    ['sum([])', {}, 'no values (no data)'],
    ['mean(result)', { result: [] }, 'no values (no data)'],
    ['median([])', {}, 'no values (no data)'],
    ['sum(["a"])', {}, 'needs numbers, got string "a"'],
    ['max(1, nil)', {}, 'needs numbers, got nil'],
    ['first(1)', {}, 'needs an array, got number 1'],
    ['keys([1])', {}, 'needs a map, got array of 1'],
    ['values(nil)', {}, 'needs a map, got nil'],
    ['lower(1)', {}, 'needs a string, got number 1'],
    ['trim("x", 1)', {}, 'needs a string'],
    ['duration("5x")', {}, 'invalid duration "5x"'],
    ['duration("")', {}, 'invalid duration ""'],
    ['duration(5)', {}, 'needs a string, got number 5'],
    ['all(result, {# < 5})', { result: null }, 'all(result, {# < 5}): needs an array, got nil'],
    ['any(result, # > 1)', { result: { a: 1 } }, 'needs an array, got map with keys a'],
    ['all(result, {#})', { result: [1] }, 'predicate must return a boolean, got number 1 for element 0'],
    ['filter(result, {# + 1})', { result: [1] }, 'predicate must return a boolean'],
    ['count(result, {nil})', { result: [1] }, 'got nil for element 0'],
    ['all(result, {.count > 5})', { result: [{ count: 9 }, { n: 1 }] }, '# has no key "count" (keys: n)']
  ])
})

describe('names', () => {
  it('reports an unknown name with what is available', () => {
    const error = evalError('x > 1', { result: 1 })
    expect(error.message).toContain('unknown name x')
    expect(error.message).toContain('result')
  })

  it('is an Error subclass', () => {
    const error = evalError('x', {})
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ExprEvalError')
  })

  it('throws only ExprEvalError from evaluate', () => {
    expect(() => run('result[0]', { result: [] })).toThrow(ExprEvalError)
  })
})

describe('syntax errors name the problem and its column', () => {
  const cases: ReadonlyArray<readonly [source: string, message: string, column: number]> = [
    ['result =~ "x"', 'unsupported operator "=~" at column 8', 8],
    ['result[0] =~ "x"', 'unsupported operator "=~" at column 11', 11],
    ['foo(1)', 'unknown function "foo" at column 1', 1],
    ['result > 0 && bar(result)', 'unknown function "bar" at column 15', 15],
    ['toJSON(result)', 'unknown function "toJSON"', 1],
    ['1..', 'unexpected end of expression', 4],
    ['9223372036854775808 > 0', 'integer 9223372036854775808 is out of range (int64: at most 9223372036854775807)', 1],
    ['0x8000000000000000', 'integer 0x8000000000000000 is out of range', 1],
    ['result | len', 'unsupported operator "|"', 8],
    ['{a: 1}', 'map literals are not supported', 1],
    ['result == {a: 1}', 'map literals are not supported', 11],
    ['let x = 1; x', 'unsupported keyword "let"', 1],
    ['if true { 1 } else { 2 }', 'unsupported keyword "if"', 1],
    ['x = 1', 'unsupported operator "="', 3],
    ['a; b', 'unsupported operator ";"', 2],
    ['a & b', 'unsupported operator "&"', 3],
    ['1 +', 'unexpected end of expression', 4],
    ['(1 + 2', 'expected ")", found end of expression', 7],
    ['result[0', 'expected "]"', 9],
    ['[1, 2', 'expected ","', 6],
    ['', 'empty expression', 1],
    ['   ', 'empty expression', 1],
    ['"abc', 'unterminated string', 1],
    ['x == `abc', 'unterminated raw string', 6],
    ['"a\\qb"', 'invalid escape "\\q"', 3],
    ['"\\u12"', 'invalid escape', 2],
    ['1abc', 'invalid number "1abc"', 1],
    ['0x', 'invalid number', 1],
    ['1e', 'invalid number', 1],
    ['result.x()', 'method calls are not supported', 8],
    ['# > 1', '"#" can only be used inside a predicate', 1],
    ['.count > 1', '"." can only be used inside a predicate', 1],
    ['all(result, {#index > 0})', 'unsupported "#index"', 14],
    ['len()', 'len() takes 1 argument, got 0', 1],
    ['1 + len(1, 2)', 'len() takes 1 argument, got 2', 5],
    ['default(1)', 'default() takes 2 arguments, got 1', 1],
    ['now(1)', 'now() takes 0 arguments, got 1', 1],
    ['trim(1, 2, 3)', 'trim() takes 1 to 2 arguments, got 3', 1],
    ['min()', 'min() takes at least 1 argument, got 0', 1],
    ['all(result)', 'all() needs a predicate as its second argument', 1],
    ['all()', 'all() takes 2 arguments, got 0', 1],
    ['a ?? b + c', 'cannot mix "??" with "+" without parentheses', 8],
    ['a ?? b || c', 'cannot mix "??" with "||"', 8],
    ['result.x ?? 0 < 1', 'cannot mix "??" with "<"', 15],
    ['result not 1', 'unexpected "not" before "1"', 8],
    ['result @ 1', 'unexpected character "@"', 8],
    ['1 2', 'unexpected "2"', 3],
    ['result[0] < 0.01 )', 'unexpected ")"', 18],
    ['result.', 'expected a field name, found end of expression', 8],
    ['result.1', 'unexpected ".1"', 7],
    ['/* open', 'unclosed comment', 1],
    ['true ? 1', 'expected ":"', 9]
  ]
  for (const [source, message, column] of cases) {
    it(`${JSON.stringify(source)} -> ${message}`, () => {
      const error = syntaxError(source)
      expect(error.message).toContain(message)
      expect(error.column).toBe(column)
      expect(error.message).toContain(`at column ${column}`)
    })
  }

  it('a bare function name is a name, resolved at evaluation', () => {
    expect(() => parseExpression('len')).not.toThrow()
    expect(() => run('len')).toThrow('unknown name len')
  })

  it('rejects unknown functions at parse time, before anything is evaluated', () => {
    expect(() => parseExpression('len(result) == 0 || foo(result)')).toThrow(ExprSyntaxError)
    expect(() => parseExpression('all(result, {foo(#)})')).toThrow('unknown function "foo" at column 14')
  })

  it('reports the first problem in source order', () => {
    expect(syntaxError('foo(x) =~ 1').message).toContain('unknown function "foo"')
  })

  it('explains unsupported syntax', () => {
    expect(syntaxError('a =~ "x"').message).toContain('use `matches`')
    expect(syntaxError('x = 1').message).toContain('use == to compare')
  })

  it('rejects absurd nesting with a syntax error instead of a stack overflow', () => {
    const deep = `${'('.repeat(1000)}1${')'.repeat(1000)}`
    expect(syntaxError(deep).message).toContain('nested too deeply')
  })

  it('is an Error subclass carrying the column', () => {
    const error = syntaxError('foo()')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('ExprSyntaxError')
    expect(error.column).toBe(1)
  })
})

describe('source safety', () => {
  const directory = join(dirname(fileURLToPath(import.meta.url)), '../../src/analysis/expr')
  const files = readdirSync(directory).filter((name) => name.endsWith('.ts'))

  it('finds the source files', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'lexer.ts', 'parser.ts', 'evaluate.ts']))
  })

  for (const name of files) {
    it(`${name} executes no strings as code`, () => {
      const text = readFileSync(join(directory, name), 'utf8')
      expect(text).not.toMatch(/\beval\s*\(/)
      expect(text).not.toMatch(/new\s+Function\b/)
      expect(text).not.toMatch(/\bFunction\s*\(/)
      expect(text).not.toMatch(/require\s*\(\s*['"](node:)?vm['"]\s*\)/)
      expect(text).not.toMatch(/from\s+['"](node:)?vm['"]/)
      expect(text).not.toMatch(/import\s*\(/)
    })
  }
})
