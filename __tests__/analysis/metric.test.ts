// Argo's metric assessment, limit by limit, plus canary-gate's two safety changes.
import { describe, expect, it } from '@jest/globals'
import { assessMetric, emptyTally, recordMeasurement } from '../../src/analysis/metric.js'
import type { Measurement, MetricTally } from '../../src/analysis/types.js'
import { measurement, metric } from '../support/metrics.js'

function tallyOf(...measurements: Measurement[]): MetricTally {
  return measurements.reduce(recordMeasurement, emptyTally())
}
const S = (v: unknown = 0.5) => measurement('Successful', v)
const F = (v: unknown = 2.68) => measurement('Failed', v)
const I = (v: unknown = 1) => measurement('Inconclusive', v)
const E = () => measurement('Error')

describe('recordMeasurement keeps Argo counters', () => {
  it('does not count errors towards count and resets streaks', () => {
    const tally = tallyOf(S(), E(), E(), F(), S(), S())
    expect(tally).toMatchObject({ count: 4, successful: 3, failed: 1, error: 2, consecutiveError: 0, consecutiveSuccess: 2 })
    expect(tallyOf(S(), E()).consecutiveSuccess).toBe(0)
    expect(tallyOf(E(), E(), E()).consecutiveError).toBe(3)
  })
})

describe('assessMetric', () => {
  const seed = metric({ count: 2, intervalMs: 60_000, failureLimit: 1, success: 'result.errorRate < 2' })

  it('fails when failures exceed failureLimit, not before (failureLimit 1 tolerates one)', () => {
    expect(assessMetric(seed, tallyOf(F({ errorRate: 2.68 })), false).phase).toBe('Running')
    const failed = assessMetric(seed, tallyOf(F({ errorRate: 2.68 }), F({ errorRate: 2.71 })), false)
    expect(failed.phase).toBe('Failed')
    expect(failed.message).toBe('failed 2 > failureLimit 1: measured errorRate: 2.68, errorRate: 2.71 (success when result.errorRate < 2)')
  })

  it('succeeds once count is reached within the limits', () => {
    expect(assessMetric(seed, tallyOf(F(), S()), false)).toEqual({ phase: 'Successful', message: '1 of 2 passed, 1 failed (limit 1): measured 0.5' })
  })

  it('is Inconclusive past inconclusiveLimit', () => {
    expect(assessMetric(metric({ count: 3, intervalMs: 1 }), tallyOf(I()), false).phase).toBe('Inconclusive')
    expect(assessMetric(metric({ count: 3, intervalMs: 1, inconclusiveLimit: 1 }), tallyOf(I()), false).phase).toBe('Running')
  })

  it('is Error past consecutiveErrorLimit (default 4: the fifth error in a row)', () => {
    const m = metric({ count: 2, intervalMs: 1 })
    expect(assessMetric(m, tallyOf(E(), E(), E(), E()), false).phase).toBe('Running')
    const errored = assessMetric(m, tallyOf(E(), E(), E(), E(), E()), false)
    expect(errored.phase).toBe('Error')
    expect(errored.message).toMatch(/^5 consecutive errors > consecutiveErrorLimit 4: Error/)
    expect(assessMetric(m, tallyOf(E(), E(), S(), E(), E(), E()), false).phase).toBe('Running')
  })

  it('ends at once on a permanent error (a bad key never starts working)', () => {
    const bad = { ...measurement('Error'), message: 'newRelic: HTTP 401', permanent: true }
    expect(assessMetric(metric({ count: 2, intervalMs: 1 }), tallyOf(bad), false)).toEqual({
      phase: 'Error',
      message: 'newRelic: HTTP 401 (not retried: it cannot succeed as configured)'
    })
  })

  it('follows consecutiveSuccessLimit with and without failureLimit', () => {
    const both = metric({ count: 5, intervalMs: 1, failureLimit: 2, consecutiveSuccessLimit: 3 })
    expect(assessMetric(both, tallyOf(F(), S(), S(), S()), false).phase).toBe('Successful')
    expect(assessMetric(both, tallyOf(S(), F(), S(), F(), S()), false).phase).toBe('Inconclusive')
    const successOnly = metric({ count: 4, intervalMs: 1, failureLimit: -1, consecutiveSuccessLimit: 2 })
    expect(assessMetric(successOnly, tallyOf(F(), F(), F(), S()), false).phase).toBe('Failed')
    expect(assessMetric(successOnly, tallyOf(F(), F(), F()), false).phase).toBe('Running')
  })

  it('keeps an indefinite metric Running until the run stops, then judges what it has', () => {
    const forever = metric({ count: undefined, intervalMs: 1000 })
    expect(assessMetric(forever, tallyOf(S(), S()), false).phase).toBe('Running')
    expect(assessMetric(forever, tallyOf(S(), S()), true).phase).toBe('Successful')
  })

  it('never calls a metric Successful when it was not measured or only errored (Argo would)', () => {
    const forever = metric({ count: undefined, intervalMs: 1000 })
    expect(assessMetric(forever, emptyTally(), true)).toEqual({ phase: 'Pending', message: 'not measured: the run ended before its first measurement' })
    expect(assessMetric(forever, tallyOf(E(), E()), true).phase).toBe('Error')
  })
})
