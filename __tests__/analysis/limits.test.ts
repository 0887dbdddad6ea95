// Limits that make a pass out of nothing: a metric with no passing measurement never passes, and a
// run where nothing decides is not Successful. Argo's own limit semantics are kept otherwise.
import { describe, expect, it } from '@jest/globals'
import { runAnalysis } from '../../src/analysis/engine.js'
import { assessMetric, emptyTally, recordMeasurement } from '../../src/analysis/metric.js'
import { assessRun } from '../../src/analysis/run.js'
import type { Measurement, MetricTally } from '../../src/analysis/types.js'
import { memoryLogger } from '../../src/log.js'
import { measurement, metric, scripted } from '../support/metrics.js'
import { VirtualClock } from '../support/virtual-clock.js'

const tallyOf = (...measurements: Measurement[]): MetricTally => measurements.reduce(recordMeasurement, emptyTally())
const S = () => measurement('Successful', 0.5)
const F = () => measurement('Failed', 2.68)
const I = () => ({ ...measurement('Inconclusive', null), message: 'no data: result.errorRate is null' })
const E = () => measurement('Error')

describe('a metric with no passing measurement never passes', () => {
  it('is Inconclusive when count is reached on nothing but tolerated failures and inconclusives', () => {
    const lax = metric({ count: 3, intervalMs: 1, failureLimit: 1, inconclusiveLimit: 2 })
    expect(assessMetric(lax, tallyOf(I(), I(), F()), false)).toEqual({
      phase: 'Inconclusive',
      message: 'count 3 reached without a passing measurement: 2 inconclusive (limit 2), 1 failed (limit 1); last: Failed 2.68'
    })
    const noData = metric({ count: 3, intervalMs: 1, inconclusiveLimit: 3 })
    expect(assessMetric(noData, tallyOf(I(), E(), I(), I()), false).message).toBe(
      'count 3 reached without a passing measurement: 3 inconclusive (limit 3), 1 error; last: no data: result.errorRate is null'
    )
  })

  it('is Inconclusive when a limit tolerates every failure (a plan the configuration check would refuse)', () => {
    const tolerant = metric({ count: 2, intervalMs: 1, failureLimit: 2 })
    expect(assessMetric(tolerant, tallyOf(F(), F()), false).phase).toBe('Inconclusive')
    const noDataTolerant = metric({ count: 2, intervalMs: 1, inconclusiveLimit: 5 })
    expect(assessMetric(noDataTolerant, tallyOf(I(), I()), false).phase).toBe('Inconclusive')
  })

  it('is Inconclusive when the run stops with measurements but no pass', () => {
    const forever = metric({ count: undefined, intervalMs: 1000, failureLimit: 3 })
    expect(assessMetric(forever, tallyOf(F(), F()), true)).toMatchObject({
      phase: 'Inconclusive',
      message: expect.stringMatching(/^the run stopped without a passing measurement: 2 failed \(limit 3\)/)
    })
  })

  it('keeps Argo: failureLimit 1 tolerates one failure when another measurement passed', () => {
    const seed = metric({ count: 2, intervalMs: 60_000, failureLimit: 1 })
    expect(assessMetric(seed, tallyOf(F(), S()), false).phase).toBe('Successful')
    expect(assessMetric(seed, tallyOf(S(), F()), false).phase).toBe('Successful')
    expect(assessMetric(metric({ count: 3, intervalMs: 1, inconclusiveLimit: 1 }), tallyOf(I(), S(), S()), false).phase).toBe('Successful')
  })

  it('keeps Argo: failureLimit -1 with consecutiveSuccessLimit fails without the streak', () => {
    const streak = metric({ count: 3, intervalMs: 1, failureLimit: -1, consecutiveSuccessLimit: 2 })
    expect(assessMetric(streak, tallyOf(F(), S(), S()), false).phase).toBe('Successful')
    expect(assessMetric(streak, tallyOf(S(), F(), F()), false).phase).toBe('Failed')
  })
})

describe('a run where nothing decides is not Successful', () => {
  const outcome = (name: string, phase: 'Successful' | 'Failed', dryRun: boolean) => ({ spec: metric({ name, dryRun }), phase, message: `${phase.toLowerCase()} as measured` })

  it('is Inconclusive when every metric is dryRun, whatever they measured, with the reason', () => {
    const run = assessRun([outcome('errors', 'Failed', true), outcome('latency', 'Successful', true)])
    expect(run).toEqual({
      phase: 'Inconclusive',
      reasons: [
        'every metric is dryRun (errors Failed, latency Successful): nothing decides this run, so it cannot pass',
        'errors Failed (dryRun, does not decide): failed as measured'
      ]
    })
  })

  it('is Inconclusive with no metric at all', () => {
    expect(assessRun([]).phase).toBe('Inconclusive')
  })

  it('ends a whole analysis of dryRun metrics Inconclusive, though everything failed', async () => {
    const outcome = await runAnalysis({
      metrics: [metric({ name: 'errors', dryRun: true, success: 'result < 1' }), metric({ name: 'latency', dryRun: true, success: 'result < 1' })],
      providerFor: () => scripted([5]),
      clock: new VirtualClock(),
      log: memoryLogger()
    })
    expect(outcome.verdict).toBe('Inconclusive')
    expect(outcome.reasons[0]).toMatch(/^every metric is dryRun \(errors Failed, latency Failed\): nothing decides this run/)
  })

  it('ends an analysis whose only metric never passed Inconclusive, not Successful', async () => {
    const outcome = await runAnalysis({
      metrics: [metric({ count: 2, intervalMs: 1000, failureLimit: 1, inconclusiveLimit: 1, success: '(result.errorRate ?? 0) < 2' })],
      providerFor: () => scripted([{ errorRate: 5 }, {}]),
      clock: new VirtualClock(),
      log: memoryLogger()
    })
    expect(outcome.verdict).toBe('Inconclusive')
    expect(outcome.reasons[0]).toMatch(/^error-rate Inconclusive: count 2 reached without a passing measurement: 1 inconclusive \(limit 1\), 1 failed \(limit 1\); last: no data: result is an empty map, result\.errorRate is missing/)
  })
})
