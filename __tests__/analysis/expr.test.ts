import { describe, expect, it } from '@jest/globals'
import {
  describeValue,
  evaluate,
  formatGoDuration,
  isDuration,
  isTime,
  makeDuration,
  makeTime,
  parseExpression,
  referencedNames
} from '../../src/analysis/expr/index.js'
import { parseDuration } from '../../src/plan/duration.js'

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0)

function run(source: string, env: Record<string, unknown> = {}): unknown {
  return evaluate(parseExpression(source), env, { now: () => NOW })
}

type Case = readonly [source: string, expected: unknown]
type EnvCase = readonly [source: string, env: Record<string, unknown>, expected: unknown]

function table(cases: readonly Case[]): void {
  for (const [source, expected] of cases) {
    it(`${source} -> ${JSON.stringify(expected)}`, () => {
      expect(run(source)).toEqual(expected)
    })
  }
}

function tableWithEnv(cases: readonly EnvCase[]): void {
  for (const [source, env, expected] of cases) {
    it(`${source} with ${JSON.stringify(env)} -> ${JSON.stringify(expected)}`, () => {
      expect(run(source, env)).toEqual(expected)
    })
  }
}

describe('precedence (expr-lang rules)', () => {
  table([
    ['1 + 2 * 3', 7],
    ['1 + 2 * 3 == 7', true],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['24 / 4 / 2', 3],
    ['7 % 4 * 2', 6],
    ['2 ** 3 ** 2', 512],
    ['2 ^ 3 ^ 2', 512],
    ['(2 ** 3) ** 2', 64],
    ['-2 ** 2', -4],
    ['-2 * 3', -6],
    ['2 * -3', -6],
    ['1 + 2 < 4', true],
    ['not true or true', true],
    ['not (true or true)', false],
    ['!false and false', false],
    ['true || true && false', true],
    ['false && true || true', true],
    ['true ? 1 : 2 + 3', 1],
    ['false ? 1 : 2 + 3', 5],
    ['false ? 1 : true ? 2 : 3', 2],
    ['true || false ? "y" : "n"', 'y'],
    ['1 + nil ?? 2', 3],
    ['2 * nil ?? 4', 8],
    ['nil ?? nil ?? 3', 3],
    ['1 < 2 < 3', true],
    ['3 > 2 > 1', true],
    ['1 < 3 < 2', false],
    ['1 <= 1 < 2 >= 0', true],
    // Only <, >, <= and >= chain: == is left-associative, as in expr-lang.
    ['1 == 1 == true', true],
    ['1 < 2 == true', true],
    ['2 > 1 != false', true],
    ['(1 == 1) == (2 == 2)', true],
    ['1 in [1, 2] and 3 not in [1, 2]', true]
  ])

  it('binds not/! tighter than comparisons, as expr-lang does', () => {
    // (not 1) == 1, so `not` meets a number
    expect(() => run('not 1 == 1')).toThrow('not needs booleans, got number')
    expect(() => run('!1 == 1')).toThrow('! needs booleans, got number')
  })
})

describe('literals', () => {
  table([
    ['42', 42],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['1e-3', 0.001],
    ['1E3', 1000],
    ['2.5e+2', 250],
    ['1_000', 1000],
    ['1_000.5', 1000.5],
    ['0x1F', 31],
    ['0o17', 15],
    ['0b101', 5],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ['"a\\nb"', 'a\nb'],
    ['"a\\tb"', 'a\tb'],
    ['"back\\\\slash"', 'back\\slash'],
    ["'it\\'s'", "it's"],
    ['"say \\"hi\\""', 'say "hi"'],
    ['"\\u00e9t\\u00e9"', 'été'],
    ['"\\x41\\101"', 'AA'],
    ['"\\U0001F600"', '😀'],
    ['`raw \\n "quoted" \'too\'`', 'raw \\n "quoted" \'too\''],
    ['""', ''],
    ['true', true],
    ['false', false],
    ['nil', null],
    ['[]', []],
    ['[1, "a", nil, true]', [1, 'a', null, true]],
    ['[1, 2,]', [1, 2]],
    ['[[1], [2, 3]]', [[1], [2, 3]]],
    ['1 /* comment */ + 2 // trailing comment', 3]
  ])
})

describe('operators', () => {
  table([
    ['7 / 2', 3.5],
    ['6 / 3', 2],
    ['7 % 3', 1],
    ['-7 % 3', -1],
    ['2 ** -1', 0.5],
    ['2 ^ 10', 1024],
    ['+5', 5],
    ['-(-5)', 5],
    ['"ab" + "c"', 'abc'],
    ['1 == 1.0', true],
    ['1 != 2', true],
    ['"a" == "a"', true],
    ['nil == nil', true],
    ['nil == 0', false],
    ['nil == false', false],
    ['nil != false', true],
    ['true == true', true],
    ['[1, 2] == [1, 2]', true],
    ['[1, 2] == [2, 1]', false],
    ['"abc" < "abd"', true],
    ['"b" > "a"', true],
    ['2 >= 2', true],
    ['2 <= 1', false],
    ['2 > 1', true],
    ['1 < 1', false],
    ['2 in [1, 2, 3]', true],
    ['4 in [1, 2, 3]', false],
    ['4 not in [1, 2, 3]', true],
    ['[1] in [[1], [2]]', true],
    ['"hello" contains "ell"', true],
    ['"hello" contains "xyz"', false],
    ['"hello" not contains "xyz"', true],
    ['"hello" startsWith "he"', true],
    ['"hello" startsWith "lo"', false],
    ['"hello" not startsWith "lo"', true],
    ['"hello" endsWith "lo"', true],
    ['"hello" not endsWith "lo"', false],
    ['"v1.2.3" matches `^v\\d+\\.\\d+`', true],
    ['"v1.2.3" matches "^x"', false],
    ['"v1.2.3" not matches "^x"', true],
    ['"ABC" matches "(?i)abc"', true],
    ['!true', false],
    ['not false', true]
  ])

  tableWithEnv([
    ['"a" in result', { result: { a: 1 } }, true],
    ['"z" in result', { result: { a: 1 } }, false],
    ['"z" not in result', { result: { a: 1 } }, true],
    ['result == other', { result: { a: [1, { b: 2 }] }, other: { a: [1, { b: 2 }] } }, true],
    ['result == other', { result: { a: 1 }, other: { a: 2 } }, false],
    ['result == other', { result: { a: 1 }, other: { a: 1, b: 2 } }, false]
  ])
})

describe('short-circuit evaluation', () => {
  tableWithEnv([
    ['false && result[0] < 1', { result: [] }, false],
    ['false and result[0] < 1', { result: [] }, false],
    ['true || result[0] < 1', { result: [] }, true],
    ['true or result[0] < 1', { result: [] }, true],
    ['result ?? result[0]', { result: 1 }, 1],
    ['true ? 1 : result[0]', { result: [] }, 1],
    ['false ? result[0] : 2', { result: [] }, 2],
    ['len(result) == 0 || result[0] < 0.01', { result: [] }, true],
    ['isNaN(result[0]) || result[0] < 0.01', { result: [NaN] }, true],
    ['any(result, {# > 1})', { result: [2, 'not a number'] }, true],
    ['all(result, {# > 1})', { result: [0, 'not a number'] }, false]
  ])
})

describe('member access, index and slice', () => {
  const result = {
    errorRate: 0.5,
    'average.duration': 0.2,
    'percentile.duration': { '99': 0.4 },
    nested: { list: [10, 20, 30] },
    nothing: null,
    zero: 0
  }
  tableWithEnv([
    ['result.errorRate', { result }, 0.5],
    ["result['average.duration']", { result }, 0.2],
    ['result["percentile.duration"]["99"]', { result }, 0.4],
    ['result.nested.list[1]', { result }, 20],
    ['result.nested["list"][0]', { result }, 10],
    ['result.nested.list[-1]', { result }, 30],
    ['result.nested.list[-3]', { result }, 10],
    ['result.nested.list[1:3]', { result }, [20, 30]],
    ['result.nested.list[:2]', { result }, [10, 20]],
    ['result.nested.list[1:]', { result }, [20, 30]],
    ['result.nested.list[:]', { result }, [10, 20, 30]],
    ['result.nested.list[-2:]', { result }, [20, 30]],
    ['result.nested.list[5:9]', { result }, []],
    ['result.nested.list[2:1]', { result }, []],
    ['result.nested.list[1 + 1]', { result }, 30],
    ['result.nothing', { result }, null],
    ['"hello"[1]', {}, 'e'],
    ['"hello"[-1]', {}, 'o'],
    ['"hello"[1:3]', {}, 'el'],
    ['[1, 2, 3][0]', {}, 1],
    ['(result.nested).list[0]', { result }, 10]
  ])
})

describe('optional chaining ?. and nil-coalescing ??', () => {
  tableWithEnv([
    ['result?.a', { result: null }, null],
    ['result?.a.b.c', { result: null }, null],
    ['result?.a?.b', { result: { a: null } }, null],
    ['result?.a', { result: { a: 1 } }, 1],
    ['result?.missing', { result: {} }, null],
    ['result?.[0]', { result: null }, null],
    ['result?.[0]', { result: [4] }, 4],
    ['result?.a ?? 5', { result: null }, 5],
    ['result.a ?? 5', { result: { a: null } }, 5],
    ['result.a ?? 5', { result: { a: 0 } }, 0],
    ['result.a ?? 5', { result: { a: false } }, false],
    ['result.missing ?? 7', { result: {} }, 7],
    ["result['missing'] ?? 7", { result: {} }, 7],
    ['result ?? 1', { result: null }, 1],
    ['result ?? 1', { result: undefined }, 1]
  ])
})

describe('functions', () => {
  tableWithEnv([
    ['len([1, 2, 3])', {}, 3],
    ['len([])', {}, 0],
    ['len("héllo")', {}, 5],
    ['len(result)', { result: { a: 1, b: 2 } }, 2],
    ['isNaN(result)', { result: NaN }, true],
    ['isNaN(result)', { result: 1 }, false],
    ['isNaN(result[0])', { result: [NaN] }, true],
    ['isInf(result)', { result: Infinity }, true],
    ['isInf(result)', { result: -Infinity }, true],
    ['isInf(result)', { result: 1 }, false],
    ['isNil(result)', { result: null }, true],
    ['isNil(result)', { result: [] }, false],
    ['default(result, 0)', { result: null }, 0],
    ['default(result, 0)', { result: 0.5 }, 0.5],
    ['asInt("42")', {}, 42],
    ['asInt("-7")', {}, -7],
    ['asInt(2.9)', {}, 2],
    ['asInt(-2.9)', {}, -2],
    ['asFloat("2.68")', {}, 2.68],
    ['asFloat("1e3")', {}, 1000],
    ['asFloat("+Inf")', {}, Infinity],
    ['asFloat(3)', {}, 3],
    ['abs(-2)', {}, 2],
    ['abs(2)', {}, 2],
    ['ceil(1.2)', {}, 2],
    ['floor(1.8)', {}, 1],
    ['floor(-1.2)', {}, -2],
    ['round(1.4)', {}, 1],
    ['round(2.5)', {}, 3],
    ['round(-2.5)', {}, -3],
    ['min(3, 1, 2)', {}, 1],
    ['min([3, 1, 2])', {}, 1],
    ['max([3, 1, 2])', {}, 3],
    ['max(1, [5, 2])', {}, 5],
    ['sum([1, 2, 3])', {}, 6],
    ['sum(1, 2)', {}, 3],
    ['mean([1, 2, 3, 4])', {}, 2.5],
    ['median([3, 1, 2])', {}, 2],
    ['median([4, 1, 3, 2])', {}, 2.5],
    ['first([1, 2])', {}, 1],
    ['last([1, 2])', {}, 2],
    ['first([])', {}, null],
    ['last([])', {}, null],
    ['keys(result)', { result: { a: 1, b: 2 } }, ['a', 'b']],
    ['values(result)', { result: { a: 1, b: 2 } }, [1, 2]],
    ['lower("AbC")', {}, 'abc'],
    ['upper("abc")', {}, 'ABC'],
    ['trim("  x  ")', {}, 'x'],
    ['trim("--x--", "-")', {}, 'x'],
    ['string(1.5)', {}, '1.5'],
    ['string(nil)', {}, '<nil>'],
    ['string(true)', {}, 'true'],
    ['string("s")', {}, 's'],
    ['string([1, 2])', {}, '[1 2]'],
    ['string(result)', { result: { b: 2, a: 1 } }, 'map[a:1 b:2]'],
    ['string(duration("90s"))', {}, '1m30s'],
    ['int("42")', {}, 42],
    ['int(3.7)', {}, 3],
    ['float("2.5")', {}, 2.5],
    ['float(2)', {}, 2],
    ['len(trim(" a "))', {}, 1]
  ])

  it('asFloat parses Prometheus "NaN"', () => {
    expect(run('asFloat("NaN")')).toBeNaN()
  })

  it('asFloat reads text as Go\'s strconv.ParseFloat does, as Argo\'s asFloat', () => {
    expect(run('asFloat("1_000.5")')).toBe(1000.5)
    expect(run('asFloat(".5")')).toBe(0.5)
    expect(run('asFloat("5.")')).toBe(5)
    expect(run('asFloat("inf")')).toBe(Infinity)
    expect(run('asFloat("-Infinity")')).toBe(-Infinity)
    expect(run('asFloat("0x1p-2")')).toBe(0.25)
    expect(run('asFloat("0x1.8p1")')).toBe(3)
    for (const text of ['1__000', '_1', '1_', '1_.5', '', ' 1', '0x1', '1e400', '+nan', '1,5']) {
      expect(() => run(`asFloat(${JSON.stringify(text)})`)).toThrow(`cannot parse string ${JSON.stringify(text)} as a number`)
    }
  })

  it('asInt reads text as Go\'s strconv.ParseInt does, within int64', () => {
    expect(run('asInt("+42")')).toBe(42)
    expect(run('asInt("9223372036854775807") == 9223372036854775807')).toBe(true)
    for (const text of ['9223372036854775808', '1_000', '4.0', '0x10', '']) {
      expect(() => run(`asInt(${JSON.stringify(text)})`)).toThrow('as an integer')
    }
    expect(() => run('asInt(1e19)')).toThrow('cannot convert number 10000000000000000000 to an integer')
  })
})

describe("Argo's isNil(x) and default(x, d) look at the whole result, not at x", () => {
  // utils/evaluate binds both to the result when the condition is compiled and ignores x.
  tableWithEnv([
    ['isNil(result.missing)', { result: {} }, false],
    ['isNil(result.a)', { result: { a: null } }, false],
    ['isNil(0)', { result: null }, true],
    ['isNil(nil)', { result: 1 }, false],
    ['default(result.v, 0)', { result: { v: 3 } }, { v: 3 }],
    ['default(nil, 0)', { result: null }, 0],
    ['default(nil, 5)', { result: 1 }, 1],
    ['default(3, 5)', { result: null }, 5]
  ])

  it('still evaluates x first, so an error in it is an error', () => {
    expect(() => run('isNil(result[0])', { result: [] })).toThrow('index 0 out of range')
  })

  it("says why a default() value is not x's value when it cannot be used", () => {
    expect(() => run('default(result.v, 0) < 5', { result: { v: 3 } })).toThrow(
      "cannot compare map with keys v with number 5 (in default(result.v, 0) < 5); in Argo, default(x, d) gives the whole result unless result is nil, whatever x is: write x ?? d for a value's default"
    )
  })
})

describe('integers and floats, as expr keeps them apart', () => {
  tableWithEnv([
    // Integer literals, len() and asInt() are ints; % takes ints.
    ['7 % 2 == 1', {}, true],
    ['7 % -3 == 1', {}, true],
    ['-7 % 3 == -1', {}, true],
    ['asInt(result[0]) % 2', { result: [7] }, 1],
    ['len(result) % 2', { result: [1, 2, 3] }, 1],
    ['count(result, {# > 1}) % 2', { result: [1, 2, 3] }, 0],
    ['(1..4)[1] % 2', {}, 0],
    // An int meeting a float is a float; `/` and `**` always answer floats.
    ['1 + 0.5', {}, 1.5],
    ['7 / 2', {}, 3.5],
    ['result.n + 1 == 8', { result: { n: 7 } }, true],
    ['result == 3', { result: 3 }, true],
    ['1 == 1.0', {}, true],
    ['[1, 2] == [1.0, 2.0]', {}, true],
    // int64 arithmetic wraps around, as Go's does.
    ['9223372036854775807 + 1 < 0', {}, true],
    ['9223372036854775807 + 1 == -9223372036854775807 - 1', {}, true],
    ['-9223372036854775807 - 2 == 9223372036854775807', {}, true],
    ['4611686018427387904 * 2 < 0', {}, true],
    ['0x7fffffffffffffff == 9223372036854775807', {}, true],
    ['abs(-9223372036854775807 - 1) < 0', {}, true],
    ['sum([9223372036854775807, 1]) < 0', {}, true],
    ['sum([9223372036854775807, 1.0]) > 0', {}, true]
  ])

  it('makes % on a provider\'s number an error, even a whole one: providers hand over floats', () => {
    expect(() => run('result.n % 2 == 1', { result: { n: 7 } })).toThrow(
      '"%" needs two integers; numbers from metrics are floats even when whole: use asInt(…), got number 7 and number 2 (in result.n % 2)'
    )
    expect(() => run('(7 / 1) % 2')).toThrow('"%" needs two integers')
    expect(() => run('2 ** 2 % 2')).toThrow('"%" needs two integers')
  })
})

describe('ranges', () => {
  tableWithEnv([
    ['1..3', {}, [1, 2, 3]],
    ['3..1', {}, []],
    ['-1..1', {}, [-1, 0, 1]],
    ['2 in 1..3', {}, true],
    ['result.code in 200..299', { result: { code: 204 } }, true],
    ['result.code in 200..299', { result: { code: 404 } }, false],
    ['result.code not in 500..599', { result: { code: 503 } }, false],
    ['len(1..1000)', {}, 1000],
    ['1..2 + 1', {}, [1, 2, 3]],
    ['all(1..3, {# > 0})', {}, true]
  ])

  it('binds between comparisons and +, as in expr', () => {
    expect(run('1 + 1..2 * 2')).toEqual([2, 3, 4])
    expect(() => run('1..3 == 1..3')).not.toThrow()
    expect(run('1..3 == [1, 2, 3]')).toBe(true)
  })

  it('needs whole numbers and stays small', () => {
    expect(() => run('1.5..3')).toThrow('".." needs two integers, got number 1.5 and number 3')
    expect(() => run('"a"..3')).toThrow('".." needs two integers')
    expect(() => run('0..1000000')).toThrow('range 0..1000000 has more than 1000000 numbers')
  })
})

describe('predicates', () => {
  const items = [
    { name: 'a', count: 1 },
    { name: 'b', count: 6 },
    { name: 'c', count: 9 }
  ]
  tableWithEnv([
    ['all(result, {# < 5})', { result: [1, 2, 3] }, true],
    ['all(result, {# < 5})', { result: [1, 6] }, false],
    ['all(result, {# < 5})', { result: [] }, true],
    ['all(result, # < 5)', { result: [1, 2, 3] }, true],
    ['all(result, # < 5)', { result: [1, 6] }, false],
    ['any(result, {# > 2})', { result: [1, 3] }, true],
    ['any(result, # > 2)', { result: [1, 2] }, false],
    ['any(result, {# > 2})', { result: [] }, false],
    ['none(result, {# > 2})', { result: [1, 2] }, true],
    ['none(result, # > 2)', { result: [1, 3] }, false],
    ['one(result, {# > 2})', { result: [1, 3] }, true],
    ['one(result, {# > 2})', { result: [3, 4] }, false],
    ['one(result, # > 2)', { result: [] }, false],
    ['filter(result, {# > 1})', { result: [1, 2, 3] }, [2, 3]],
    ['filter(result, # > 1)', { result: [1, 2, 3] }, [2, 3]],
    ['map(result, {# * 2})', { result: [1, 2] }, [2, 4]],
    ['map(result, # + 1)', { result: [1, 2] }, [2, 3]],
    ['count(result, {# > 1})', { result: [1, 2, 3] }, 2],
    ['count(result, # > 5)', { result: [1, 2, 3] }, 0],
    ['find(result, {# > 1})', { result: [1, 2, 3] }, 2],
    ['find(result, # > 5)', { result: [1, 2, 3] }, null],
    ['findIndex(result, {# > 1})', { result: [1, 2, 3] }, 1],
    ['findIndex(result, # > 5)', { result: [1, 2, 3] }, -1],
    ['any(result, {.count > 5})', { result: items }, true],
    ['all(result, {.count > 5})', { result: items }, false],
    ['filter(result, .count > 5)', { result: items }, [items[1], items[2]]],
    ['map(result, .name)', { result: items }, ['a', 'b', 'c']],
    ['map(result, {#.name})', { result: items }, ['a', 'b', 'c']],
    ['count(result, .count > 5 && .name != "c")', { result: items }, 1],
    ['find(result, .name == "b").count', { result: items }, 6],
    ['all(result, {any(#, {# > 0})})', { result: [[1], [0, 2]] }, true],
    ['all(result, {any(#, {# > 0})})', { result: [[1], [0]] }, false],
    ['all(result.values, {# < result.limit})', { result: { values: [1, 2], limit: 3 } }, true],
    ['all([1], {# > 0},)', {}, true],
    ['len(filter(result, # > 1)) == 2', { result: [1, 2, 3] }, true],
    ['sum(map(result, .count))', { result: items }, 16]
  ])
})

describe('time and duration', () => {
  it('now() is the injected time', () => {
    const value = run('now()')
    expect(isTime(value)).toBe(true)
    expect(value).toMatchObject({ kind: 'time', ms: NOW })
  })

  it('now() defaults to the real clock', () => {
    const before = Date.now()
    const value = evaluate(parseExpression('now()'), {})
    expect(isTime(value) && value.ms >= before && value.ms <= Date.now()).toBe(true)
  })

  const timeCases: ReadonlyArray<readonly [string, 'time' | 'duration', number]> = [
    ['now() - duration("5m")', 'time', NOW - 300_000],
    ['now() + duration("1h")', 'time', NOW + 3_600_000],
    ['duration("1h") + now()', 'time', NOW + 3_600_000],
    ['now() - (now() - duration("5m"))', 'duration', 300_000],
    ['duration("1m") * 5', 'duration', 300_000],
    ['2 * duration("30s")', 'duration', 60_000],
    ['duration("1m") + duration("30s")', 'duration', 90_000],
    ['duration("1m") - duration("30s")', 'duration', 30_000],
    ['-duration("5m")', 'duration', -300_000],
    ['duration("1m30s")', 'duration', 90_000],
    ['duration("1.5h")', 'duration', 5_400_000],
    ['duration("500ms")', 'duration', 500],
    ['duration("1h2m3s4ms")', 'duration', 3_723_004],
    ['duration("-5m")', 'duration', -300_000],
    ['duration("0")', 'duration', 0]
  ]
  for (const [source, kind, ms] of timeCases) {
    it(`${source} is a ${kind} of ${ms}ms`, () => {
      const value = run(source)
      expect(kind === 'time' ? isTime(value) : isDuration(value)).toBe(true)
      expect(value).toMatchObject({ kind, ms })
    })
  }

  table([
    ['now() > now() - duration("1s")', true],
    ['now() - duration("1s") >= now()', false],
    ['duration("1h") > duration("59m")', true],
    ['duration("60m") == duration("1h")', true],
    ['duration("60m") != duration("1h")', false],
    ['now() == now()', true],
    ['now() == now() - duration("1ms")', false]
  ])

  it('parses Go duration units', () => {
    expect(parseDuration('100ns')).toBeCloseTo(0.0001)
    expect(parseDuration('2us')).toBeCloseTo(0.002)
    expect(parseDuration('2µs')).toBeCloseTo(0.002)
    expect(parseDuration('2μs')).toBeCloseTo(0.002)
    expect(parseDuration('1s')).toBe(1000)
    expect(parseDuration('2h')).toBe(7_200_000)
    expect(parseDuration('.5s')).toBe(500)
    for (const bad of ['', '5', '5x', 'm', '1h-5m', '1.2.3s', 'abc']) expect(parseDuration(bad)).toBeUndefined()
  })

  it('formats durations like Go', () => {
    expect(formatGoDuration(90_000)).toBe('1m30s')
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s')
    expect(formatGoDuration(1500)).toBe('1.5s')
    expect(formatGoDuration(250)).toBe('250ms')
    expect(formatGoDuration(0)).toBe('0s')
    expect(formatGoDuration(0.002)).toBe('2µs')
    expect(formatGoDuration(-300_000)).toBe('-5m0s')
  })

  it('does not mistake data shaped like a Time for one', () => {
    expect(isTime({ kind: 'time', ms: 1 })).toBe(false)
    expect(isDuration({ kind: 'duration', ms: 1 })).toBe(false)
    expect(isTime(makeTime(1))).toBe(true)
    expect(isDuration(makeDuration(1))).toBe(true)
  })
})

describe('Argo Rollouts conditions', () => {
  tableWithEnv([
    ['result[0] < 0.01', { result: [0.005] }, true],
    ['result[0] < 0.01', { result: [0.05] }, false],
    ['result.errorRate < 2', { result: { errorRate: 1 } }, true],
    ['result.errorRate < 2', { result: { errorRate: 3 } }, false],
    ["result['average.duration'] < 1", { result: { 'average.duration': 0.5 } }, true],
    ["result['percentile.duration']['99'] < 0.5", { result: { 'percentile.duration': { '99': 0.3 } } }, true],
    ["result['percentile.duration']['99'] < 0.5", { result: { 'percentile.duration': { '99': 0.7 } } }, false],
    ['len(result) == 0 || result[0] < 0.01', { result: [] }, true],
    ['len(result) == 0 || result[0] < 0.01', { result: [0.001] }, true],
    ['len(result) == 0 || result[0] < 0.01', { result: [0.5] }, false],
    ['isNaN(result)', { result: NaN }, true],
    ['isNaN(result)', { result: 0.1 }, false],
    ['default(result, 0) < 1', { result: null }, true],
    ['default(result, 0) < 1', { result: 0.5 }, true],
    ['default(result, 0) < 1', { result: 3 }, false],
    ['asFloat(result) < 5', { result: '2.68' }, true],
    ['asFloat(result) < 5', { result: 7 }, false],
    ['all(result, {# < 5})', { result: [1, 2] }, true],
    ['all(result, # < 1000)', { result: [999, 1000] }, false],
    ['all(result, # < 1000)', { result: [1, 999] }, true],
    ['result.ok && result.successPercent >= 0.90', { result: { ok: true, successPercent: 0.95 } }, true],
    ['result.ok && result.successPercent >= 0.90', { result: { ok: false, successPercent: 0.95 } }, false],
    ['result.ok && result.successPercent >= 0.90', { result: { ok: true, successPercent: 0.5 } }, false],
    ['result == "I am OK"', { result: 'I am OK' }, true],
    ['result == "healthy"', { result: 'healthy' }, true],
    ['result == "healthy"', { result: 'degraded' }, false],
    ['any(result, {.count > 5})', { result: [{ count: 1 }, { count: 6 }] }, true],
    ['any(result, {.count > 5})', { result: [{ count: 1 }] }, false],
    ['result[0] >= 0.95 and result[0] <= 1', { result: [0.97] }, true],
    ['result[0] >= 0.95 and result[0] <= 1', { result: [0.9] }, false],
    ['isNaN(result[0]) || result[0] < 0.01', { result: [NaN] }, true],
    ['result[0] > 0.05', { result: [0.01] }, false]
  ])
})

describe('referencedNames', () => {
  const cases: ReadonlyArray<readonly [string, string[]]> = [
    ['result[0] < 0.01', ['result']],
    ['a.b + c', ['a', 'c']],
    ['len(x) > 0 && x[0] < y', ['x', 'y']],
    ['all(result, {# < limit})', ['result', 'limit']],
    ['any(result, {.count > 5})', ['result']],
    ['result?.a ?? fallback', ['result', 'fallback']],
    ['list[start:end]', ['list', 'start', 'end']],
    ['1 + 2', []]
  ]
  for (const [source, names] of cases) {
    it(`${source} -> ${names.join(', ')}`, () => {
      expect(referencedNames(parseExpression(source))).toEqual(names)
    })
  }
})

describe('describeValue', () => {
  const cases: ReadonlyArray<readonly [unknown, string]> = [
    [2.68, 'number 2.68'],
    [NaN, 'number NaN'],
    [Infinity, 'number +Inf'],
    [[], 'empty array'],
    [[1, 2, 3], 'array of 3'],
    [{ errorRate: 1, p99: 2 }, 'map with keys errorRate, p99'],
    [{}, 'empty map'],
    [null, 'nil'],
    [undefined, 'nil'],
    ['abc', 'string "abc"'],
    [true, 'boolean true'],
    [makeDuration(300_000), 'duration 5m0s'],
    [makeTime(0), 'time 1970-01-01T00:00:00.000Z']
  ]
  for (const [value, text] of cases) {
    it(text, () => {
      expect(describeValue(value)).toBe(text)
    })
  }

  it('keeps long values short', () => {
    expect(describeValue('x'.repeat(500)).length).toBeLessThanOrEqual(80)
    const wide = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`key${index}`, index]))
    expect(describeValue(wide).length).toBeLessThanOrEqual(80)
  })
})

describe('syntax tree', () => {
  it('records operators, columns and source text', () => {
    const expr = parseExpression('result[0] < 0.01')
    expect(expr).toMatchObject({
      kind: 'binary',
      operator: '<',
      column: 1,
      text: 'result[0] < 0.01',
      left: { kind: 'member', text: 'result[0]' },
      right: { kind: 'literal', value: 0.01, column: 13 }
    })
  })

  it('represents `not in` as a negated `in`', () => {
    expect(parseExpression('a not in b')).toMatchObject({
      kind: 'unary',
      operator: 'not',
      operand: { kind: 'binary', operator: 'in' }
    })
  })
})
