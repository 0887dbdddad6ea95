// No data hidden below the top level: a pass that rests on an absent, null, NaN or empty value read
// anywhere in the result is Inconclusive, naming what was missing. Failures and errors stand.
import { describe, expect, it } from '@jest/globals'
import { evaluate, parseExpression } from '../../src/analysis/expr/index.js'
import { judgeMeasurement } from '../../src/analysis/judge.js'
import { metric } from '../support/metrics.js'

const judge = (success: string, result: unknown) => judgeMeasurement(metric({ success }), result)

/** What the evaluator reports as no-data reads for one evaluation. */
function reads(source: string, result: unknown): string[] {
  const found: string[] = []
  try {
    evaluate(parseExpression(source), { result }, { onNoData: (read) => found.push(read) })
  } catch {
    // An evaluation error is beside the point here: what was read before it still counts.
  }
  return found
}

describe('a pass that rests on no data read anywhere in the result is Inconclusive', () => {
  const cases: Array<[string, unknown, string]> = [
    ['isNaN(result[0]) || result[0] < 2', [NaN, 0.5], 'result[0] is NaN'],
    ['result.errorRate == nil || result.errorRate < 2', { errorRate: null }, 'result.errorRate is null'],
    ['result.x != nil ? result.x < 2 : true', {}, 'result.x is missing'],
    ['result.x != nil ? result.x < 2 : true', { x: null }, 'result.x is null'],
    ['(result?.a?.b ?? 0) < 2', {}, 'result?.a is missing'],
    ['(result?.a?.b ?? 0) < 2', { a: { c: 1 } }, 'result?.a?.b is missing'],
    ['(result?.a?.b ?? 0) < 2', { a: null }, 'result?.a is null'],
    ['len(result) == 0 || result[0] < 2', {}, 'result is an empty map'],
    ['len(result) == 0 || result[0] < 2', [], 'result is empty'],
    ['not ("k" in result) || result.k < 2', {}, 'result has no key "k"'],
    ['not ("k" in result) || result.k < 2', { other: 1 }, 'result has no key "k"'],
    ['all(result.items, {# < 2})', { items: [] }, 'result.items is empty'],
    ['none(result.items, {# > 2})', { items: [] }, 'result.items is empty'],
    ['len(result.items) < 5', { items: [] }, 'result.items is empty'],
    ['len(result.items) == 0', { items: {} }, 'result.items is an empty map'],
    ['isNaN(asFloat(result)) || asFloat(result) < 2', 'NaN', 'result is "NaN"'],
    ['isNaN(float(result.v)) || float(result.v) < 2', { v: 'NaN' }, 'result.v is "NaN"'],
    ['isNaN(asFloat(trim(result))) || asFloat(result) < 2', ' NaN ', 'asFloat(trim(result)) is NaN'],
    ['any(result, {isNaN(#) || # < 5})', [NaN, 1], 'result[0] is NaN'],
    ['all(result, {.count == nil || .count < 5})', [{ count: 1 }, { count: null }], 'result[1].count is null'],
    ['len(result[1:]) == 0 || result[1] < 2', [0.5], 'result[1:] is empty'],
    ['len(result) > 0', [NaN, NaN], 'result holds only NaN'],
    ['default(result, 0) < 2', null, 'result is null'],
    ['(result.errorRate ?? 0) < 2', { errorRate: null }, 'result.errorRate is null'],
    ['isNil(result) || result < 2', null, 'result is null'],
    ['(find(result, {# > 5}) ?? 0) < 2', [1, 2], 'find(result, {# > 5}) is null'],
    ['result.v != "0"', { v: 'NaN' }, 'result.v is "NaN"'],
    ['len(result.items) < 5', { items: 'nan' }, 'result.items is "nan"']
  ]
  for (const [condition, result, missing] of cases) {
    it(`${condition} on ${JSON.stringify(result, (_k, v: unknown) => (Number.isNaN(v) ? 'NaN' : v))}`, () => {
      const judged = judge(condition, result)
      expect(judged.phase).toBe('Inconclusive')
      expect(judged.message).toMatch(/^no data: /)
      expect(judged.message).toContain(missing)
      expect(judged.message).toContain(`successCondition ${condition} is true`)
    })
  }

  it('holds for a failureCondition that is false on no data (failure only: false would pass)', () => {
    const judged = judgeMeasurement(metric({ failure: '(result.errorRate ?? 0) > 2' }), {})
    expect(judged.phase).toBe('Inconclusive')
    expect(judged.message).toContain('result.errorRate is missing')
  })

  it('names each missing value once, and a few of many', () => {
    const judged = judge('(result.a ?? 0) + (result.b ?? 0) + (result.c ?? 0) + (result.d ?? 0) + (result.a ?? 0) < 2', { e: 1 })
    expect(judged.phase).toBe('Inconclusive')
    expect(judged.message).toMatch(/^no data: result\.a is missing, result\.b is missing, result\.c is missing and 1 more\./)
  })

  it('a ?. chain over a missing key that compares nil is an Error, not a pass', () => {
    expect(judge('result?.a?.b < 2 ?? true', {}).phase).toBe('Error')
  })
})

describe('values that are present still pass (Argo answers for present data)', () => {
  const cases: Array<[string, unknown]> = [
    ['result[1] < 2', [NaN, 0.5]],
    ['result.errorRate < 2 || result.other == nil', { errorRate: 1 }],
    ['result == "I am OK"', 'I am OK'],
    ['all(result, {# < 5})', [1, 2]],
    ['result.x != nil ? result.x < 2 : true', { x: 1 }],
    ['len(result) == 0 || result[0] < 2', [0.5]],
    ['not ("k" in result) || result.k < 2', { k: 1 }],
    ['"k" in result', { k: null }],
    ['isNaN(asFloat(result)) || asFloat(result) < 2', '0.5'],
    ['default(result, 0) < 2', 1],
    ['(result?.a?.b ?? 0) < 2', { a: { b: 1 } }],
    ['all(filter(result, {# > 5}), {# < 10})', [1, 2]],
    ['len(result.items) < 5', { items: [1, null] }]
  ]
  for (const [condition, result] of cases) {
    it(`${condition} on ${JSON.stringify(result, (_k, v: unknown) => (Number.isNaN(v) ? 'NaN' : v))}`, () => {
      expect(judge(condition, result)).toMatchObject({ phase: 'Successful', message: expect.stringContaining(`successCondition ${condition} is true`) })
    })
  }
})

describe('failures and errors on no data are unchanged', () => {
  it('keeps a failed condition Failed and an unanswerable one Error', () => {
    expect(judge('len(result) > 0 && result[0] < 2', []).phase).toBe('Failed')
    expect(judge('result.errorRate != nil && result.errorRate < 2', { errorRate: null }).phase).toBe('Failed')
    expect(judge('result[0] < 2', [NaN]).phase).toBe('Error')
    expect(judge('result.errorRate < 2', { errorRate: null }).phase).toBe('Error')
    expect(judgeMeasurement(metric({ failure: 'isNaN(result[0])' }), [NaN]).phase).toBe('Failed')
  })

  it('keeps thresholdRange on NaN an Error', () => {
    expect(judgeMeasurement(metric({ thresholdRange: { max: 1 } }), [NaN])).toMatchObject({ phase: 'Error', message: expect.stringContaining('NaN') })
  })

  it('makes a dryRun metric without a condition Inconclusive on no data, not a pass', () => {
    expect(judgeMeasurement(metric({ dryRun: true }), []).phase).toBe('Inconclusive')
    expect(judgeMeasurement(metric({ dryRun: true }), [0.5]).phase).toBe('Successful')
  })
})

describe('the evaluator reports every no-data read, and only reads', () => {
  it('reports what it reads, where it reads it', () => {
    expect(reads('isNaN(result[0]) || result[0] < 2', [NaN, 0.5])).toEqual(['result[0] is NaN'])
    expect(reads('result?.a?.b ?? 1', { a: null })).toEqual(['result?.a is null'])
    expect(reads('"k" in result', {})).toEqual(['result is an empty map', 'result has no key "k"'])
    expect(reads('all(result.items, {# < 2})', { items: [] })).toEqual(['result.items is empty'])
    expect(reads('result.v[2:] == []', { v: [1] })).toEqual(['result.v[2:] is empty'])
    expect(reads('asFloat(result) < 1', 'nan')).toEqual(['result is "nan"'])
    expect(reads('asFloat(trim(result)) < 1', ' NaN')).toEqual(['asFloat(trim(result)) is NaN'])
  })

  it('does not report what a short-circuit never reads', () => {
    expect(reads('result.errorRate < 2 || result.other == nil', { errorRate: 1 })).toEqual([])
    expect(reads('result[1] < 2', [NaN, 0.5])).toEqual([])
    expect(reads('any(result, {# < 5})', [1, NaN])).toEqual([])
    expect(reads('result.x == nil', { x: 0 })).toEqual([])
  })

  it('does not report empties the condition made itself from data', () => {
    expect(reads('len(filter(result, {# > 5})) == 0', [1, 2])).toEqual([])
    expect(reads('len([]) == 0', 1)).toEqual([])
  })

  it('reads a missing key as nil where the condition compares with nil, as expr-lang does', () => {
    expect(evaluate(parseExpression('result.x == nil'), { result: {} })).toBe(true)
    expect(evaluate(parseExpression('nil != result.x'), { result: { y: 1 } })).toBe(false)
    expect(() => evaluate(parseExpression('result.x == 0'), { result: {} })).toThrow('result has no key "x"')
  })
})

describe('answers nested 100,000 levels deep', () => {
  it('are judged without overflowing the stack: a phase with a short display, never a crash', () => {
    let deep: unknown = 0.5
    for (let level = 0; level < 100_000; level++) deep = [deep]
    const judged = judge('result == result', deep)
    expect(judged.phase).toBe('Error')
    expect(judged.display.length).toBeLessThan(80)
  })
})

describe('no data inside what a function flattens', () => {
  it('reports a nested empty list that min/max/sum/mean/median skip (found by the property test)', () => {
    expect(judge('max(result) < 5', [[], 0])).toMatchObject({ phase: 'Inconclusive', message: expect.stringContaining('result[0] is empty') })
    expect(judge('sum(result.v) < 5', { v: [1, [[], 2]] })).toMatchObject({ phase: 'Inconclusive', message: expect.stringContaining('result.v[1][0] is empty') })
    expect(judge('max(result) < 5', [[1], 0]).phase).toBe('Successful')
  })
})
