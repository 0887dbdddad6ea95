// One measured value → one measurement phase, as Argo evaluates it, failing closed on odd data.
import { describe, expect, it } from '@jest/globals'
import { judgeMeasurement } from '../../src/analysis/judge.js'
import { metric } from '../support/metrics.js'

describe('judgeMeasurement', () => {
  it('follows Argo for success only, failure only and both', () => {
    const success = metric({ success: 'result.errorRate < 2' })
    expect(judgeMeasurement(success, { errorRate: 1.2 }).phase).toBe('Successful')
    expect(judgeMeasurement(success, { errorRate: 2.68 })).toEqual({ phase: 'Failed', message: '2.68: successCondition result.errorRate < 2 is false', display: '2.68' })
    const failure = metric({ failure: 'result[0] > 0.05' })
    expect(judgeMeasurement(failure, [0.01]).phase).toBe('Successful')
    expect(judgeMeasurement(failure, [0.07]).phase).toBe('Failed')
    const both = metric({ success: 'result[0] < 0.01', failure: 'result[0] > 0.05' })
    expect(judgeMeasurement(both, [0.005]).phase).toBe('Successful')
    expect(judgeMeasurement(both, [0.06]).phase).toBe('Failed')
    expect(judgeMeasurement(both, [0.03]).phase).toBe('Inconclusive')
  })

  it('makes evaluation problems Error measurements with the reason', () => {
    const m = metric({ success: 'result[0] < 0.01' })
    expect(judgeMeasurement(m, [])).toMatchObject({ phase: 'Error', message: expect.stringMatching(/^successCondition result\[0\] < 0\.01: index 0 out of range/) })
    expect(judgeMeasurement(metric({ success: 'result.errorRate < 2' }), {}).message).toMatch(/no key "errorRate"/)
    expect(judgeMeasurement(metric({ success: 'result.errorRate < 2' }), 'not found').phase).toBe('Error')
    expect(judgeMeasurement(metric({ success: 'result.errorRate < 2' }), { errorRate: null }).phase).toBe('Error')
    expect(judgeMeasurement(metric({ success: 'result.errorRate' }), { errorRate: 1 }).message).toMatch(/gave 1, not true or false/)
  })

  it('never passes NaN: a failureCondition over NaN is an Error, not a pass', () => {
    expect(judgeMeasurement(metric({ failure: 'result[0] > 0.05' }), [NaN]).phase).toBe('Error')
    expect(judgeMeasurement(metric({ success: 'result < 1' }), NaN).phase).toBe('Error')
  })

  it('never passes on no data, even when the condition says so', () => {
    const lenient = metric({ success: 'len(result) == 0 || result[0] < 0.01' })
    const judged = judgeMeasurement(lenient, [])
    expect(judged.phase).toBe('Inconclusive')
    expect(judged.message).toMatch(/^no data: result is empty\. The condition would pass \(.*\), but canary-gate never passes a measurement that rests on missing, null, NaN or empty data/)
    expect(judgeMeasurement(metric({ success: 'isNaN(result[0]) || result[0] < 0.01' }), [NaN]).phase).toBe('Inconclusive')
    expect(judgeMeasurement(lenient, [0.001]).phase).toBe('Successful')
  })

  it('supports Flagger thresholdRange on a single number', () => {
    const range = metric({ thresholdRange: { min: 99 } })
    expect(judgeMeasurement(range, [99.5]).phase).toBe('Successful')
    expect(judgeMeasurement(range, 98)).toEqual({ phase: 'Failed', message: '98 outside thresholdRange value ≥ 99', display: '98' })
    expect(judgeMeasurement(metric({ thresholdRange: { max: 500 } }), [501]).phase).toBe('Failed')
    expect(judgeMeasurement(range, []).phase).toBe('Error')
    expect(judgeMeasurement(range, [1, 2]).phase).toBe('Error')
    expect(judgeMeasurement(range, [NaN]).phase).toBe('Error')
  })

  it('combines thresholdRange with a condition: both must pass', () => {
    const m = metric({ thresholdRange: { max: 1 }, success: 'result[0] > 0' })
    expect(judgeMeasurement(m, [0.5]).phase).toBe('Successful')
    expect(judgeMeasurement(m, [1.5]).phase).toBe('Failed')
    expect(judgeMeasurement(m, [0]).phase).toBe('Failed')
  })
})

describe('the value a measurement shows', () => {
  it('is the compared part of the result, not the whole answer', () => {
    expect(judgeMeasurement(metric({ success: 'result.errorRate < 2' }), { errorRate: 2.68, responseTime: 45.2, throughput: 150 }).display).toBe('2.68')
    expect(judgeMeasurement(metric({ success: 'result[0].count < result[1].count' }), [{ count: 120 }, { count: 980 }]).display).toBe('result[0].count = 120, result[1].count = 980')
    expect(judgeMeasurement(metric({ success: 'all(result, {# < 5})' }), [1, 2]).display).toBe('[1, 2]')
    expect(judgeMeasurement(metric({ success: 'result == "healthy"' }), 'healthy').display).toBe('"healthy"')
  })
})

describe('defaults never pass a measurement (the seed bug, written as a condition)', () => {
  it('makes a pass that relied on default() or ?? Inconclusive, naming what was missing', () => {
    const lenient = metric({ success: '(result.errorRate ?? 0) < 2' })
    const judged = judgeMeasurement(lenient, {})
    expect(judged.phase).toBe('Inconclusive')
    expect(judged.message).toMatch(/^no data: result is an empty map, result\.errorRate is missing\. The condition would pass \(0: successCondition \(result\.errorRate \?\? 0\) < 2 is true\)/)
    expect(judgeMeasurement(metric({ success: '(result.errorRate ?? 0) < 2' }), { errorRate: null }).phase).toBe('Inconclusive')
    expect(judgeMeasurement(metric({ success: 'result.errorRate == nil || result.errorRate < 2' }), {}).phase).toBe('Inconclusive')
    expect(judgeMeasurement(metric({ success: 'default(result, 0) < 2' }), null).phase).toBe('Inconclusive')
  })

  it('leaves real values alone, and a default that fails still fails', () => {
    expect(judgeMeasurement(metric({ success: '(result.errorRate ?? 0) < 2' }), { errorRate: 1 }).phase).toBe('Successful')
    expect(judgeMeasurement(metric({ success: '(result.errorRate ?? 5) < 2' }), {}).phase).toBe('Failed')
  })

  it("reads Argo's default(x, d) and isNil(x) as Argo does: they look at the whole result", () => {
    expect(judgeMeasurement(metric({ success: 'default(result.errorRate, 0) < 2' }), { errorRate: 1 })).toMatchObject({ phase: 'Error', message: expect.stringContaining('cannot compare map with keys errorRate with number 2') })
    expect(judgeMeasurement(metric({ success: 'isNil(result.errorRate) || result.errorRate < 2' }), { errorRate: null }).phase).toBe('Error')
  })
})
