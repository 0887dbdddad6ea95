// The engine on a virtual clock: schedules, limits, concurrency and early endings as a user would see
// them in the report's measurement times.
import { describe, expect, it } from '@jest/globals'
import { ERROR_RETRY_MS, runAnalysis } from '../../src/analysis/engine.js'
import type { MetricSpec } from '../../src/analysis/types.js'
import { memoryLogger } from '../../src/log.js'
import { MeasurementError, type Provider } from '../../src/providers/provider.js'
import { metric, scripted } from '../support/metrics.js'
import { VirtualClock } from '../support/virtual-clock.js'

function run(metrics: MetricSpec[], providers: Record<string, Provider>, extra: { deadline?: number; signal?: AbortSignal; clock?: VirtualClock } = {}) {
  const clock = extra.clock ?? new VirtualClock()
  const log = memoryLogger()
  const start = clock.now()
  const result = runAnalysis({
    metrics,
    providerFor: (m) => providers[m.name],
    clock,
    log,
    deadline: extra.deadline === undefined ? undefined : start + extra.deadline,
    signal: extra.signal
  })
  return { result, clock, log, start }
}

const offsets = (times: number[], start: number) => times.map((t) => (t - start) / 1000)

describe('runAnalysis', () => {
  it('measures count times, interval apart, and passes the seed error-rate metric on a healthy canary', async () => {
    const seed = metric({ count: 2, intervalMs: 60_000, failureLimit: 1, success: 'result.errorRate < 2' })
    const provider = scripted([{ errorRate: 0.4 }, { errorRate: 0.6 }])
    const { result, start } = run([seed], { 'error-rate': provider })
    const outcome = await result
    expect(outcome.verdict).toBe('Successful')
    expect(outcome.ending).toBe('completed')
    expect(offsets(provider.calls, start)).toEqual([0, 60])
  })

  it('fails the seed metric at 2.68% on the second failure (failureLimit 1) and says why with the values', async () => {
    const seed = metric({ count: 2, intervalMs: 60_000, failureLimit: 1, success: 'result.errorRate < 2' })
    const { result } = run([seed], { 'error-rate': scripted([{ errorRate: 2.68 }]) })
    const outcome = await result
    expect(outcome.verdict).toBe('Failed')
    expect(outcome.reasons).toEqual([
      'error-rate Failed: failed 2 > failureLimit 1: measured 2.68, 2.68 (success when result.errorRate < 2)'
    ])
  })

  it('waits initialDelay from the start of the run before measuring', async () => {
    const provider = scripted([[0.001]])
    const { result, start } = run([metric({ initialDelayMs: 90_000, success: 'result[0] < 0.01' })], { 'error-rate': provider })
    await result
    expect(offsets(provider.calls, start)).toEqual([90])
  })

  it('retries an errored measurement after 10 s, not after the interval, and does not count it', async () => {
    const provider = scripted([new MeasurementError('HTTP 503'), [0.001], [0.002]])
    const { result, start } = run([metric({ count: 2, intervalMs: 60_000, success: 'result[0] < 0.01' })], { 'error-rate': provider })
    const outcome = await result
    expect(outcome.verdict).toBe('Successful')
    expect(offsets(provider.calls, start)).toEqual([0, ERROR_RETRY_MS / 1000, 70])
    expect(outcome.metrics[0].tally).toMatchObject({ count: 2, error: 1 })
  })

  it('turns an outage into Error after consecutiveErrorLimit + 1 errors, never into a pass', async () => {
    const provider = scripted([new MeasurementError('connection refused')])
    const { result, start } = run([metric({ count: 3, intervalMs: 60_000, success: 'result.errorRate < 2' })], { 'error-rate': provider })
    const outcome = await result
    expect(outcome.verdict).toBe('Error')
    expect(offsets(provider.calls, start)).toEqual([0, 10, 20, 30, 40])
    expect(outcome.reasons[0]).toBe('error-rate Error: 5 consecutive errors > consecutiveErrorLimit 4: connection refused')
  })

  it('ends the run the moment a metric fails, stopping the others where they are', async () => {
    const failing = metric({ name: 'errors', count: 3, intervalMs: 60_000, success: 'result < 1' })
    const slow = metric({ name: 'latency', count: 10, intervalMs: 60_000, success: 'result < 1' })
    const latency = scripted([0.2])
    const { result, start, clock } = run([failing, slow], { errors: scripted([0.5, 3]), latency })
    const outcome = await result
    expect(outcome.verdict).toBe('Failed')
    expect(outcome.ending).toBe('decided')
    expect((outcome.finishedAt - start) / 1000).toBe(60)
    expect(offsets(latency.calls, start)).toEqual([0])
    const stopped = outcome.metrics.find((m) => m.spec.name === 'latency')
    expect(stopped?.phase).toBe('Running')
    expect(stopped?.message).toMatch(/^stopped when the verdict was known/)
    expect(clock.pending).toBe(0)
  })

  it('does not let a dryRun metric decide, or end the run', async () => {
    const watched = metric({ name: 'watched', dryRun: true, success: 'result < 1' })
    const deciding = metric({ name: 'deciding', count: 2, intervalMs: 1000, success: 'result < 1' })
    const { result } = run([watched, deciding], { watched: scripted([5]), deciding: scripted([0.1]) })
    const outcome = await result
    expect(outcome.verdict).toBe('Successful')
    expect(outcome.metrics.map((m) => [m.spec.name, m.phase])).toEqual([
      ['watched', 'Failed'],
      ['deciding', 'Successful']
    ])
    expect(outcome.reasons).toContain('watched Failed (dryRun, does not decide): failed 1 > failureLimit 0: measured 5 (success when result < 1)')
  })

  it('measures every metric at the same moments: 20 metrics of 300 ms take 300 ms per round', async () => {
    const clock = new VirtualClock()
    const metrics = Array.from({ length: 20 }, (_, i) => metric({ name: `m${i}`, count: 2, intervalMs: 30_000, success: 'result < 1' }))
    const providers = Object.fromEntries(metrics.map((m) => [m.name, scripted([0.1], { latencyMs: 300 })]))
    const { result, start } = run(metrics, providers, { clock })
    const outcome = await result
    expect(outcome.verdict).toBe('Successful')
    expect(outcome.finishedAt - start).toBe(300 + 30_000 + 300)
    for (const provider of Object.values(providers)) expect(offsets((provider as ReturnType<typeof scripted>).calls, start)).toEqual([0, 30.3])
  })

  it('ends as Error at the deadline, with the time it ran', async () => {
    const provider = scripted([0.1])
    const { result, start } = run([metric({ count: 10, intervalMs: 60_000, success: 'result < 1' })], { 'error-rate': provider }, { deadline: 150_000 })
    const outcome = await result
    expect(outcome.verdict).toBe('Error')
    expect(outcome.ending).toBe('timeout')
    expect(outcome.finishedAt - start).toBe(150_000)
    expect(outcome.reasons[0]).toBe('the analysis did not reach a verdict before the timeout (2m 30s in)')
    expect(provider.calls).toHaveLength(3)
  })

  it('stops when its signal aborts: Inconclusive, or with passOnStop (a background analysis) judged on what it measured', async () => {
    const clock = new VirtualClock()
    const stop = new AbortController()
    const provider: Provider = {
      async measure(_m, context) {
        if (context.clock.now() - start >= 120_000) stop.abort()
        return 0.1
      }
    }
    const { result, start } = run([metric({ count: undefined, intervalMs: 60_000, success: 'result < 1' })], { 'error-rate': provider }, { clock, signal: stop.signal })
    const outcome = await result
    expect(outcome.ending).toBe('stopped')
    expect(outcome.verdict).toBe('Inconclusive')
    expect(outcome.reasons[0]).toBe('the analysis was stopped before it finished')
    expect(outcome.metrics[0].tally.count).toBe(2)

    const background = new AbortController()
    let calls = 0
    const judged = await runAnalysis({
      metrics: [metric({ count: undefined, intervalMs: 60_000, success: 'result < 1' })],
      // the rollout finishes while the third measurement is under way
      providerFor: () => ({ measure: async () => (++calls === 3 && background.abort(), 0.1) }),
      clock: new VirtualClock(),
      log: memoryLogger(),
      signal: background.signal,
      passOnStop: true
    })
    expect(judged.verdict).toBe('Successful')
  })

  it('turns a provider bug into an Error measurement, not a crash or a pass', async () => {
    const broken: Provider = {
      async measure() {
        throw new TypeError('cannot read properties of undefined')
      }
    }
    const { result } = run([metric({ success: 'result < 1', consecutiveErrorLimit: 0 })], { 'error-rate': broken })
    const outcome = await result
    expect(outcome.verdict).toBe('Error')
    expect(outcome.metrics[0].tally.measurements[0].message).toBe('unexpected failure: cannot read properties of undefined')
  })

  it('logs each measurement with its value, what comes next and the time left', async () => {
    const { result, log } = run([metric({ count: 2, intervalMs: 60_000, success: 'result.errorRate < 2' })], { 'error-rate': scripted([{ errorRate: 0.4 }]) }, { deadline: 600_000 })
    await result
    expect(log.lines[0]).toBe('error-rate #1: 0.4 → Successful; next in 1m, 1 of 2 counted; 10m left before timeout')
    expect(log.lines[1]).toBe('error-rate #2: 0.4 → Successful; metric Successful')
  })
})
