// Judged metrics through the engine: Kayenta's Mann-Whitney classification at the count and its
// score over an analysis, and the sequential judges that decide as early as the evidence allows.
// The data are seeded draws (log-normal latencies, Poisson requests, binomial errors).
import { describe, expect, it } from '@jest/globals'
import { errorTraffic } from '../judges/traffic.js'
import { analyse, either, fakePrometheus, judged, latencies, P99, planMetrics, RATE_METRIC, rateAnswers, seconds, type Ask } from './compare-support.js'

describe('the mannWhitney judge', () => {
  it('classifies once, at the count: High on a real shift fails the metric, with the numbers', async () => {
    const outcome = await analyse(await planMetrics(judged('p99', P99)), fakePrometheus(either(latencies('p99', 20, 240, 1.6))))
    expect(outcome.verdict).toBe('Failed')
    const [metric] = outcome.metrics
    // Kayenta's fixed horizon: clearly worse from the first reading, yet judged only at the fifth.
    expect(metric.tally.measurements.map((m) => m.phase)).toEqual(['Inconclusive', 'Inconclusive', 'Inconclusive', 'Inconclusive', 'Failed'])
    expect(metric.tally.measurements.map((m) => m.judge?.decision)).toEqual(['continue', 'continue', 'continue', 'continue', 'fail'])
    expect(metric.tally.measurements[1].judge?.reason).toMatch(/^canary mean \d+(\.\d+)? ms vs the baseline’s \d+(\.\d+)? ms \(1\d\d %\), n 40\/40 after 2 of 5 intervals: judged when count is reached$/)
    expect(metric.judgement).toMatchObject({ kind: 'mannWhitney', classification: 'High', n: { canary: 100, baseline: 100 }, interval: { of: 'shift' } })
    expect(metric.judgement!.ratio).toBeGreaterThan(1.4)
    expect(metric.judgement!.pValue).toBeLessThan(0.01)
    expect(metric.judgement!.reason).toMatch(/^High: canary mean \d+(\.\d+)? ms is 1\d\d % of the baseline's \d+(\.\d+)? ms \(n 100\/100\); shift .* → High \(5 intervals\)$/)
    expect(outcome.reasons[0]).toBe(`p99 Failed: ${metric.judgement!.reason}`)
  })

  it('passes an A/A canary, and reads the numbers where samples points', async () => {
    const answer = (ask: Ask): unknown => ({ durations: latencies('p99', 20, 240, 1)(ask) })
    const metrics = await planMetrics(judged('p99', `${P99}\n  samples: result.durations`))
    const outcome = await analyse(metrics, fakePrometheus(answer))
    expect(outcome.verdict).toBe('Successful')
    expect(outcome.metrics[0].judgement).toMatchObject({ classification: 'Pass', decision: 'pass', n: { canary: 100, baseline: 100 } })
  })

  it('is Inconclusive, never a pass, when there are fewer samples than minSamples', async () => {
    const metrics = await planMetrics(judged('p99', `${P99}\n  minSamples: 20`))
    const outcome = await analyse(metrics, fakePrometheus(either(latencies('p99', 3, 240, 1))))
    expect(outcome.verdict).toBe('Inconclusive')
    expect(outcome.metrics[0].judgement).toMatchObject({ classification: 'Nodata' })
    expect(outcome.reasons[0]).toMatch(/^p99 Inconclusive: Nodata: insufficient data: 15 canary and 15 baseline samples < 20; /)
  })

  it('fails a metric that must have data and has none (mustHaveData), without scoring', async () => {
    const metrics = await planMetrics(judged('p99', `${P99}\n  mustHaveData: true`))
    const outcome = await analyse(metrics, fakePrometheus((ask) => (ask.version === 'canary' ? [] : [240, 250, 260])))
    expect(outcome.verdict).toBe('Failed')
    expect(outcome.metrics[0].judgement).toMatchObject({ classification: 'NodataFailMetric' })
  })

  it('makes a reading that is not a list of numbers an Error naming the arm, and keeps what it gathered', async () => {
    const good = latencies('p99', 20, 240, 1)
    const outcome = await analyse(await planMetrics(judged('p99', P99)), fakePrometheus((ask) => (ask.call === 1 && ask.version === 'stable' ? [240, 'slow'] : good(ask))))
    const { measurements } = outcome.metrics[0].tally
    expect(measurements[1]).toMatchObject({ phase: 'Error', message: 'baseline: result[1] is "slow", not a number' })
    expect(measurements[1].judge?.reason).toMatch(/^canary mean .* n 20\/20 after 1 of 5 intervals/)
    expect(outcome.verdict).toBe('Successful')
    // The errored reading added nothing: its canary half is not judged without its baseline half.
    expect(outcome.metrics[0].judgement!.n).toEqual({ canary: 100, baseline: 100 })
  })
})

describe("Kayenta's score over an analysis", () => {
  const scoring = (groups: string, pass = 95, marginal = 75) => `  scoring:\n    groups: ${groups}\n    pass: ${pass}\n    marginal: ${marginal}\n`
  const two = (latencyFactor: number, errorFactor: number, counts = { p99: 5, errors: 5 }) => ({
    metrics: [
      judged('p99', `${P99}\n  critical: true\n  group: latency`, `interval: 1m\ncount: ${counts.p99}`),
      judged('errors', 'mannWhitney:\n  direction: increase\n  group: errors', `interval: 1m\ncount: ${counts.errors}`)
    ].join('\n'),
    answer: either(latencies('p99', 20, 240, latencyFactor, 1), latencies('errors', 20, 50, errorFactor, 2))
  })

  it('passes when every metric passes: score 100', async () => {
    const { metrics, answer } = two(1, 1)
    const outcome = await analyse(await planMetrics(metrics, scoring('{ latency: 60, errors: 40 }')), fakePrometheus(answer))
    expect(outcome.verdict).toBe('Successful')
    expect(outcome.score).toMatchObject({ score: 100, classification: 'Pass', groups: [{ name: 'latency', score: 100, weight: 60 }, { name: 'errors', score: 100, weight: 40 }] })
  })

  it('asks for a manual review when a non-critical regression leaves the score marginal, and fails below marginal', async () => {
    const { metrics, answer } = two(1, 2)
    const marginal = await analyse(await planMetrics(metrics, scoring('{ latency: 80, errors: 20 }')), fakePrometheus(answer))
    expect(marginal.metrics.map((m) => [m.spec.name, m.judgement?.classification, m.scored])).toEqual([
      ['p99', 'Pass', true],
      ['errors', 'High', true]
    ])
    // The High metric did not end the run by itself: the score decides, once every metric is classified.
    expect(marginal.ending).toBe('completed')
    expect(marginal.score).toMatchObject({ score: 80, classification: 'Marginal' })
    expect(marginal.verdict).toBe('Inconclusive')
    expect(marginal.reasons).toEqual(['score Inconclusive: score 80 (pass ≥ 95, marginal ≥ 75) over 2 metrics in 2 groups → Marginal; errors High'])

    const failed = await analyse(await planMetrics(metrics, scoring('{ latency: 50, errors: 50 }')), fakePrometheus(answer))
    expect(failed.score).toMatchObject({ score: 50, classification: 'Fail' })
    expect(failed.verdict).toBe('Failed')
  })

  it('zeroes the score on a critical failure and ends the run at that moment', async () => {
    const { metrics, answer } = two(1.8, 1, { p99: 3, errors: 10 })
    const outcome = await analyse(await planMetrics(metrics, scoring('{ latency: 60, errors: 40 }')), fakePrometheus(answer))
    expect(outcome.verdict).toBe('Failed')
    expect(outcome.ending).toBe('decided')
    expect(seconds(outcome.finishedAt, outcome.start)).toBe(120)
    expect(outcome.score).toMatchObject({ score: 0, classification: 'Fail' })
    expect(outcome.score!.reason).toMatch(/^critical metric p99 is High: /)
    const errors = outcome.metrics.find((m) => m.spec.name === 'errors')!
    expect(errors).toMatchObject({ phase: 'Running', stopped: true })
    // Stopped at the second minute (its reading at that same moment may or may not have landed), far before its count of 10.
    expect(errors.tally.measurements.length).toBeGreaterThanOrEqual(2)
    expect(errors.tally.measurements.length).toBeLessThanOrEqual(3)
  })

  it('is Inconclusive when most metrics have no data, however the rest look', async () => {
    const { metrics } = two(1, 1)
    const outcome = await analyse(await planMetrics(metrics, scoring('{ latency: 60, errors: 40 }')), fakePrometheus(() => []))
    expect(outcome.score).toMatchObject({ score: 0 })
    expect(outcome.verdict).toBe('Inconclusive')
  })
})

describe('the sequential judges', () => {
  it('fail a canary with three times the error rate as soon as that is shown, long before the count', async () => {
    const intervals = [...errorTraffic(11, { perMinute: 1500, minutes: 60, withDrift: true }, 0.005, 3)]
    const outcome = await analyse(await planMetrics(RATE_METRIC(60)), fakePrometheus(rateAnswers(intervals)))
    expect(outcome.verdict).toBe('Failed')
    const { measurements } = outcome.metrics[0].tally
    expect(measurements.length).toBeLessThan(20)
    expect(measurements.slice(0, -1).every((m) => m.phase === 'Inconclusive' && m.judge?.decision === 'continue')).toBe(true)
    const last = measurements[measurements.length - 1]
    expect(last.phase).toBe('Failed')
    expect(last.judge).toMatchObject({ kind: 'sequentialRate', decision: 'fail', interval: { of: 'ratio' } })
    expect(last.judge!.pValue).toBeLessThanOrEqual(0.01)
    expect(last.judge!.n).toEqual({
      canary: intervals.slice(0, measurements.length).reduce((sum, i) => sum + i.canary.exposure, 0),
      baseline: intervals.slice(0, measurements.length).reduce((sum, i) => sum + i.baseline.exposure, 0)
    })
    expect(outcome.reasons[0]).toMatch(/^errors Failed: error rate ratio \d+ % \(canary \d+\/\d+, baseline \d+\/\d+ over \d+ intervals\); 99 % confidence sequence .*≤ α 0\.01 → fail$/)
  })

  it('pass A/A canaries at the count when no regression was shown', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const intervals = [...errorTraffic(seed, { perMinute: 150, minutes: 10, withDrift: false }, 0.005, 1)]
      const outcome = await analyse(await planMetrics(RATE_METRIC(10)), fakePrometheus(rateAnswers(intervals)))
      expect(outcome.verdict).toBe('Successful')
      const { measurements } = outcome.metrics[0].tally
      const last = measurements[measurements.length - 1]
      expect(last.phase).toBe('Successful')
      if (measurements.length === 10) expect(last.message).toMatch(/^count 10 reached without a regression shown \(at a false-rollback rate ≤ 0\.01\): /)
      else expect(last.judge?.decision).toBe('pass')
    }
  })

  it('never pass at the count on no requests: Inconclusive', async () => {
    // Every reading has 0 < 1 request: too little data, not counted, until the timeout.
    const timedOut = await analyse(await planMetrics(RATE_METRIC(3)), fakePrometheus(() => [0]), { deadlineMs: 10 * 60_000 })
    expect(timedOut.verdict).toBe('Inconclusive')
    expect(timedOut.metrics[0].phase).not.toBe('Successful')
    expect(timedOut.metrics[0].tally.measurements.length).toBeGreaterThan(3)
    expect(timedOut.metrics[0].tally.measurements.every((m) => m.uncounted && m.judge?.reason.endsWith('the judge waits for the next interval'))).toBe(true)
  })

  it('make no errors reported as no series an Error, not zero errors', async () => {
    const outcome = await analyse(await planMetrics(RATE_METRIC(3)), fakePrometheus((ask) => (ask.series === 'errors' ? [] : [500])))
    expect(outcome.metrics[0].tally.measurements[0]).toMatchObject({
      phase: 'Error',
      message: 'canary: the result is [] (no data) (no data); if no series means no errors, say so in the query (PromQL: `… or vector(0)`)'
    })
  })

  it('end the analysis the moment one fails, stopping the other metrics', async () => {
    const intervals = [...errorTraffic(11, { perMinute: 1500, minutes: 60, withDrift: false }, 0.005, 3)]
    const metrics = await planMetrics(
      `${RATE_METRIC(60)}
    - name: saturation
      interval: 1m
      count: 60
      successCondition: result[0] < 0.8
      provider:
        prometheus: { query: 'saturation{version="{{args.version}}"}' }`
    )
    const answer = either(rateAnswers(intervals), (ask) => (ask.series === 'saturation' ? [0.3] : undefined))
    const outcome = await analyse(metrics, fakePrometheus(answer))
    expect(outcome).toMatchObject({ verdict: 'Failed', ending: 'decided' })
    const [errors, saturation] = outcome.metrics
    expect(saturation).toMatchObject({ phase: 'Running', stopped: true })
    expect(saturation.tally.measurements).toHaveLength(errors.tally.measurements.length)
  })

  it('fail a latency 50 % higher early with sequentialMean, and pass A/A at the count', async () => {
    const metric = (count: number) => judged('latency', 'sequentialMean: { alpha: 0.01, tolerance: 0.1, minSamples: 30, unit: ms }', `interval: 1m\ncount: ${count}`)
    const slow = await analyse(await planMetrics(metric(30)), fakePrometheus(either(latencies('latency', 40, 240, 1.5))))
    expect(slow.verdict).toBe('Failed')
    expect(slow.metrics[0].tally.measurements.length).toBeLessThan(10)
    expect(slow.metrics[0].judgement).toMatchObject({ kind: 'sequentialMean', decision: 'fail', interval: { of: 'difference' } })
    expect(slow.reasons[0]).toMatch(/^latency Failed: canary mean \d+(\.\d+)? ms vs baseline \d+(\.\d+)? ms \(1\d\d %\), n \d+\/\d+ over \d+ intervals; /)

    const same = await analyse(await planMetrics(metric(5)), fakePrometheus(either(latencies('latency', 40, 240, 1))))
    expect(same.verdict).toBe('Successful')
  })
})
