// Metrics compared with their baseline: the canary's and the baseline's answers (and the requests
// behind each) measured as a pair at every interval, conditions that see `baseline`, and readings
// with too little data that are neither a pass nor a fail.
import { describe, expect, it } from '@jest/globals'
import { MeasurementError } from '../../src/providers/provider.js'
import { VirtualClock } from '../support/virtual-clock.js'
import { analyse, fakePrometheus, planMetrics, seconds, type Ask } from './compare-support.js'

/** A metric `name` compared with version stable, with a request count behind each arm. */
function compared(name: string, conditions: string, extra = ''): string {
  return `    - name: ${name}
      interval: 1m
      count: 3
      baseline:
        args:
          - name: version
            value: stable
      sampleSize:
        minimum: 100
        unit: requests
        query: 'requests{version="{{args.version}}"}'
${conditions
  .trim()
  .split('\n')
  .map((line) => `      ${line.trim()}`)
  .join('\n')}
${extra}      provider:
        prometheus: { query: '${name}{version="{{args.version}}"}' }`
}

const RATIO = `successCondition: result[0] <= baseline[0] * 1.1
failureCondition: result[0] > baseline[0] * 2`

/** Answers by version: the canary's and the stable version's value of every series. */
function byVersion(values: Record<string, { canary: unknown; stable: unknown }>): (ask: Ask) => unknown {
  return (ask) => {
    const pair = values[ask.series]
    if (!pair) throw new Error(`no answer for ${ask.series}`)
    return ask.version === 'canary' ? pair.canary : pair.stable
  }
}

describe('a metric with a baseline', () => {
  it('measures canary, baseline and both request counts at the same moments, and records them as a pair', async () => {
    const metrics = await planMetrics(compared('errors', RATIO))
    const latency: Record<string, number> = { 'errors/canary': 300, 'errors/stable': 800, 'requests/canary': 200, 'requests/stable': 100 }
    const prometheus = fakePrometheus(byVersion({ errors: { canary: [0.52], stable: [0.5] }, requests: { canary: [480], stable: [4520] } }), (series, version) => latency[`${series}/${version}`])
    const outcome = await analyse(metrics, prometheus)
    expect(outcome.verdict).toBe('Successful')
    // All four questions are asked together; a round lasts as long as its slowest answer (0.8 s).
    const rounds = [0, 60.8, 121.6]
    for (const part of ['errors/canary', 'errors/stable', 'requests/canary', 'requests/stable']) {
      const [series, version] = part.split('/')
      expect(prometheus.asked.filter((a) => a.series === series && a.version === version).map((a) => seconds(a.at, outcome.start))).toEqual(rounds)
    }
    const [first] = outcome.metrics[0].tally.measurements
    expect(seconds(first.finishedAt, first.startedAt)).toBe(0.8)
    expect(first).toMatchObject({
      phase: 'Successful',
      value: [0.52],
      baselineValue: [0.5],
      display: '0.52',
      baselineDisplay: '0.5',
      samples: { canary: 480, baseline: 4520, unit: 'requests' },
      message: '0.52 (baseline 0.5): successCondition result[0] <= baseline[0] * 1.1 is true'
    })
    expect(outcome.metrics[0].spec.baseline?.query).toBe('errors{version="stable"}')
  })

  it('fails when the canary is worse than the baseline by the factor the condition names', async () => {
    const metrics = await planMetrics(compared('errors', RATIO))
    const outcome = await analyse(metrics, fakePrometheus(byVersion({ errors: { canary: [1.5], stable: [0.5] }, requests: { canary: [480], stable: [4520] } })))
    expect(outcome.verdict).toBe('Failed')
    expect(outcome.reasons[0]).toBe('errors Failed: failed 1 > failureLimit 0: measured 1.5 (success when result[0] <= baseline[0] * 1.1; failure when result[0] > baseline[0] * 2)')
    expect(outcome.metrics[0].tally.measurements[0].message).toBe('1.5 (baseline 0.5): failureCondition result[0] > baseline[0] * 2 is true')
  })

  it('makes a failing baseline measurement an Error naming the baseline, never a pass', async () => {
    const metrics = await planMetrics(compared('errors', RATIO))
    const values = byVersion({ errors: { canary: [0.5], stable: [0.5] }, requests: { canary: [480], stable: [4520] } })
    const prometheus = fakePrometheus((ask) => (ask.series === 'errors' && ask.version === 'stable' ? new MeasurementError('HTTP 503 from prometheus') : values(ask)))
    const outcome = await analyse(metrics, prometheus)
    expect(outcome.verdict).toBe('Error')
    const { measurements } = outcome.metrics[0].tally
    expect(measurements.map((m) => m.phase)).toEqual(['Error', 'Error', 'Error', 'Error', 'Error'])
    expect(measurements[0]).toMatchObject({ message: 'baseline: HTTP 503 from prometheus', value: [0.5] })
    expect(outcome.reasons[0]).toBe('errors Error: 5 consecutive errors > consecutiveErrorLimit 4: baseline: HTTP 503 from prometheus')
  })

  it('names every part that failed: the canary and the baseline’s request count', async () => {
    const metrics = await planMetrics(compared('errors', RATIO))
    const values = byVersion({ errors: { canary: [0.5], stable: [0.5] }, requests: { canary: [480], stable: [4520] } })
    const prometheus = fakePrometheus((ask) => {
      if (ask.series === 'errors' && ask.version === 'canary') return new MeasurementError('invalid query', { permanent: true })
      if (ask.series === 'requests' && ask.version === 'stable') return new MeasurementError('timed out')
      return values(ask)
    })
    const outcome = await analyse(metrics, prometheus)
    expect(outcome.verdict).toBe('Error')
    expect(outcome.metrics[0].tally.measurements).toEqual([
      expect.objectContaining({ phase: 'Error', permanent: true, message: 'canary: invalid query; sampleSize (baseline): timed out', baselineValue: [0.5] })
    ])
  })

  describe('no baseline data is never a pass', () => {
    const cases: Array<{ baseline: unknown; conditions: string; phase: string; message: RegExp }> = [
      { baseline: [], conditions: RATIO, phase: 'Error', message: /^failureCondition result\[0\] > baseline\[0\] \* 2: index 0 out of range/ },
      { baseline: [NaN], conditions: RATIO, phase: 'Error', message: /baseline\[0\] \* 2 is NaN \(no data\?\)/ },
      { baseline: { p50: 0.2 }, conditions: 'successCondition: result.p99 <= baseline.p99 * 1.1', phase: 'Error', message: /no key "p99"/ },
      { baseline: null, conditions: RATIO, phase: 'Error', message: /baseline/ },
      { baseline: [], conditions: 'successCondition: len(baseline) == 0 || result[0] <= baseline[0] * 1.1', phase: 'Inconclusive', message: /^no data: baseline is empty\./ },
      { baseline: {}, conditions: 'successCondition: baseline.p99 == nil || result.p99 <= baseline.p99 * 1.1', phase: 'Inconclusive', message: /^no data: baseline is an empty map, baseline\.p99 is missing/ },
      { baseline: [NaN], conditions: 'successCondition: isNaN(baseline[0]) || result[0] <= baseline[0] * 1.1', phase: 'Inconclusive', message: /^no data: baseline holds only NaN, baseline\[0\] is NaN\./ }
    ]
    for (const { baseline, conditions, phase, message } of cases) {
      it(`${conditions.split('\n')[0]} on a baseline of ${JSON.stringify(baseline, (_k, v: unknown) => (Number.isNaN(v) ? 'NaN' : v))}`, async () => {
        const metrics = await planMetrics(compared('errors', conditions))
        const canary = conditions.includes('p99') ? { p99: 0.2 } : [0.5]
        const outcome = await analyse(metrics, fakePrometheus(byVersion({ errors: { canary, stable: baseline }, requests: { canary: [480], stable: [4520] } })))
        expect(outcome.verdict).not.toBe('Successful')
        expect(outcome.metrics[0].tally.successful).toBe(0)
        const [first] = outcome.metrics[0].tally.measurements
        expect(first.phase).toBe(phase)
        expect(first.message).toMatch(message)
      })
    }
  })
})

describe('too little data', () => {
  const healthy = { errors: { canary: [0.5], stable: [0.5] } }

  it('is Inconclusive, not counted, and retried at the next interval', async () => {
    const metrics = await planMetrics(compared('errors', RATIO))
    const counts = [37, 480, 480]
    const prometheus = fakePrometheus((ask) => (ask.series === 'requests' ? [ask.version === 'canary' ? counts[Math.min(ask.call, 2)] : 4520] : byVersion(healthy)(ask)))
    const outcome = await analyse(metrics, prometheus)
    expect(outcome.verdict).toBe('Successful')
    const { tally } = outcome.metrics[0]
    expect(tally.measurements.map((m) => [seconds(m.startedAt, outcome.start), m.phase, m.uncounted ?? false])).toEqual([
      [0, 'Inconclusive', true],
      [60, 'Successful', false],
      [120, 'Successful', false],
      [180, 'Successful', false]
    ])
    expect(tally.measurements[0]).toMatchObject({ message: 'insufficient data: 37 canary requests < 100', samples: { canary: 37, baseline: 4520, unit: 'requests' }, display: '37 requests' })
    // Neither towards count nor towards inconclusiveLimit (0 here), which would have ended the metric.
    expect(tally).toMatchObject({ count: 3, inconclusive: 0, successful: 3 })
    expect(outcome.log).toContainEqual(expect.stringContaining('errors #1: 37 requests (baseline 4520 requests) → Inconclusive (insufficient data: 37 canary requests < 100); next in 1m (not counted: too little data), 0 of 3 counted'))
  })

  it('names the arm, or both, and says when a request count gave no data', async () => {
    const first = async (canary: unknown, stable: unknown): Promise<string> => {
      const metrics = await planMetrics(compared('errors', RATIO))
      const prometheus = fakePrometheus((ask) => (ask.series === 'requests' ? (ask.version === 'canary' ? canary : stable) : byVersion(healthy)(ask)))
      const outcome = await analyse(metrics, prometheus, { deadlineMs: 30_000 })
      return outcome.metrics[0].tally.measurements[0].message
    }
    expect(await first([480], [12])).toBe('insufficient data: 12 baseline requests < 100')
    expect(await first([37], [12])).toBe('insufficient data: 37 canary and 12 baseline requests < 100')
    expect(await first([], [4520])).toBe('insufficient data: 0 canary requests < 100; the sampleSize of the canary gave no data, counted as none')
  })

  it('reads the request count from the same answer with sampleSize.value, for a metric without a baseline', async () => {
    const metrics = await planMetrics(`    - name: seed
      interval: 1m
      count: 2
      sampleSize: { minimum: 100, unit: requests, value: result.requests }
      successCondition: result.errorRate < 2
      provider:
        prometheus: { query: 'seed{version="{{args.version}}"}' }`)
    const answers = [{ errorRate: 0.4, requests: 37 }, { errorRate: 0.4, requests: 140 }]
    const outcome = await analyse(metrics, fakePrometheus((ask) => answers[Math.min(ask.call, 1)]))
    expect(outcome.verdict).toBe('Successful')
    expect(outcome.metrics[0].tally.measurements.map((m) => m.message)).toEqual([
      'insufficient data: 37 requests < 100',
      '0.4: successCondition result.errorRate < 2 is true',
      '0.4: successCondition result.errorRate < 2 is true'
    ])
    expect(outcome.metrics[0].tally.measurements[1].samples).toEqual({ canary: 140, unit: 'requests' })
  })

  it('never ends Successful when the data never becomes enough: the timeout ends it, Inconclusive', async () => {
    const metrics = await planMetrics(compared('errors', RATIO))
    const prometheus = fakePrometheus((ask) => (ask.series === 'requests' ? [ask.version === 'canary' ? 37 : 4520] : byVersion(healthy)(ask)))
    const outcome = await analyse(metrics, prometheus, { deadlineMs: 10 * 60_000 })
    expect(outcome.ending).toBe('timeout')
    expect(seconds(outcome.finishedAt, outcome.start)).toBe(600)
    expect(outcome.verdict).toBe('Inconclusive')
    const [metric] = outcome.metrics
    expect(metric.tally.measurements.length).toBeGreaterThanOrEqual(10)
    expect(metric.tally.measurements.every((m) => m.uncounted)).toBe(true)
    expect(metric).toMatchObject({ phase: 'Inconclusive', insufficientData: true })
    expect(outcome.reasons).toEqual([
      'too little data before the timeout (10m in): the readings stayed below sampleSize.minimum',
      `errors Inconclusive: insufficient data: 37 canary requests < 100 (${metric.tally.measurements.length} readings with too little data, 0 of 3 counted when the run stopped)`
    ])
  })

  it('does not pass on the readings before the data ran short, at the timeout or when the run is stopped', async () => {
    const counts = (ask: Ask): unknown => (ask.series === 'requests' ? [ask.version === 'canary' ? (ask.call === 0 ? 480 : 37) : 4520] : byVersion(healthy)(ask))
    const timedOut = await analyse(await planMetrics(compared('errors', RATIO)), fakePrometheus(counts), { deadlineMs: 5 * 60_000 })
    expect(timedOut.metrics[0].tally).toMatchObject({ successful: 1, count: 1 })
    expect(timedOut.metrics[0].phase).toBe('Inconclusive')
    expect(timedOut.verdict).toBe('Inconclusive')

    // A background analysis (no count) stopped as the rollout finishes may pass on what it measured,
    // but not when its last reading had too little data.
    const background = (await planMetrics(compared('errors', RATIO))).map((m) => ({ ...m, count: undefined }))
    const clock = new VirtualClock()
    const stop = new AbortController()
    void clock.sleep(5 * 60_000 + 1).then(() => stop.abort())
    const stopped = await analyse(background, fakePrometheus(counts), { clock, signal: stop.signal, passOnStop: true })
    expect(stopped.ending).toBe('stopped')
    expect(stopped.metrics[0]).toMatchObject({ phase: 'Inconclusive', insufficientData: true })
    expect(stopped.verdict).toBe('Inconclusive')
  })

  it('still ends as Error at the timeout when something else than data kept the verdict away', async () => {
    const metrics = await planMetrics(compared('errors', RATIO).replace('count: 3', 'count: 20'))
    const prometheus = fakePrometheus(byVersion({ errors: { canary: [0.5], stable: [0.5] }, requests: { canary: [480], stable: [4520] } }))
    const outcome = await analyse(metrics, prometheus, { deadlineMs: 5 * 60_000 })
    expect(outcome.verdict).toBe('Error')
    expect(outcome.reasons[0]).toBe('the analysis did not reach a verdict before the timeout (5m in)')
  })
})

// The seed team's second policy (seed 002), written with conditions: roll back when p99 is above
// 150 % of the baseline or errors above 200 %; proceed when both are within 110 %; otherwise ask
// for a manual review (Inconclusive), as for too little data.
describe('the seed-002 policy', () => {
  const policy = async (): Promise<ReturnType<typeof planMetrics>> =>
    planMetrics(
      [
        compared('p99', 'failureCondition: result[0] > baseline[0] * 1.5\nsuccessCondition: result[0] <= baseline[0] * 1.1'),
        compared('errors', 'failureCondition: result[0] > baseline[0] * 2\nsuccessCondition: result[0] <= baseline[0] * 1.1')
      ].join('\n')
    )
  const traffic = (p99: number, errors: number, requests = 480, level = 1): ((ask: Ask) => unknown) =>
    byVersion({
      p99: { canary: [241 * level * p99], stable: [241 * level] },
      errors: { canary: [0.005 * level * errors], stable: [0.005 * level] },
      requests: { canary: [requests], stable: [requests * 9] }
    })
  const run = async (answer: (ask: Ask) => unknown) => analyse(await policy(), fakePrometheus(answer), { deadlineMs: 15 * 60_000 })

  it('passes a healthy canary, also when the whole service is twice as slow and erring', async () => {
    expect((await run(traffic(1.03, 1.05))).verdict).toBe('Successful')
    // A fixed threshold would roll this back: the baseline moves with it.
    expect((await run(traffic(1.03, 1.05, 480, 2))).verdict).toBe('Successful')
  })

  it('rolls back a slow canary (p99 × 1.8) at the first measurement, naming p99 with both values', async () => {
    const outcome = await run(traffic(1.8, 1))
    expect(outcome.verdict).toBe('Failed')
    expect(seconds(outcome.finishedAt, outcome.start)).toBe(0)
    expect(outcome.reasons).toEqual(['p99 Failed: failed 1 > failureLimit 0: measured 433.8 (success when result[0] <= baseline[0] * 1.1; failure when result[0] > baseline[0] * 1.5)'])
    expect(outcome.metrics[0].tally.measurements[0].message).toBe('433.8 (baseline 241): failureCondition result[0] > baseline[0] * 1.5 is true')
  })

  it('rolls back an erring canary (errors × 3)', async () => {
    const outcome = await run(traffic(1, 3))
    expect(outcome.verdict).toBe('Failed')
    expect(outcome.reasons[0]).toMatch(/^errors Failed: failed 1 > failureLimit 0: measured 0\.015 /)
  })

  it('asks for a manual review when a metric is between 110 % and its limit', async () => {
    const outcome = await run(traffic(1.3, 1))
    expect(outcome.verdict).toBe('Inconclusive')
    expect(outcome.reasons[0]).toBe('p99 Inconclusive: inconclusive 1 > inconclusiveLimit 0: 313.3 (baseline 241): successCondition result[0] <= baseline[0] * 1.1 is false and failureCondition is false')
  })

  it('asks for a manual review when there is too little data, however healthy the readings', async () => {
    const outcome = await run(traffic(1, 1, 37))
    expect(outcome.verdict).toBe('Inconclusive')
    expect(outcome.reasons[0]).toMatch(/^too little data before the timeout \(15m in\)/)
    expect(outcome.metrics.map((m) => m.tally.successful)).toEqual([0, 0])
  })
})
