// Canary against baseline, as a reader meets it in the report: plans read from YAML, run by the real
// engine against a fake Prometheus, rendered. Each compared metric's row shows both values, their
// ratio, the observations behind each arm, the judge's statistic and why; the charts draw canary
// and baseline side by side; the JSON report keeps the pair and the judge's view.
import { describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { AnalysisOutcome } from '../../src/analysis/types.js'
import type { RunContext } from '../../src/github/context.js'
import { reportJson, writeReport } from '../../src/report/json.js'
import type { GateResult } from '../../src/report/model.js'
import { renderReport } from '../../src/report/render.js'
import { Secrets } from '../../src/secrets.js'
import { analyse, either, fakePrometheus, judged, latencies, P99, planMetrics, RATE_METRIC, rateAnswers, type Ask } from '../analysis/compare-support.js'
import { errorTraffic } from '../judges/traffic.js'
import { mermaidBlocks, parseMermaid } from '../support/mermaid.js'

const context: RunContext = {
  repository: 'acme/voting-app',
  owner: 'acme',
  repo: 'voting-app',
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  eventName: 'workflow_dispatch'
}

/** The analyze command's result around one analysis the engine ran. */
function analyzed(outcome: AnalysisOutcome): GateResult {
  return {
    command: 'analyze',
    verdict: outcome.verdict,
    outcome: 'none',
    reasons: outcome.reasons,
    startedAt: outcome.startedAt,
    finishedAt: outcome.finishedAt,
    analyses: [{ label: 'analyze', templates: ['t'], outcome }],
    configErrors: [],
    notes: []
  }
}

const report = (outcome: AnalysisOutcome): string => renderReport(analyzed(outcome), { context })

/** The cells of the "Canary against baseline" row of `metric`. */
function row(text: string, metric: string): string[] {
  const start = text.indexOf('#### Canary against baseline')
  expect(start).toBeGreaterThan(0)
  const line = text
    .slice(start)
    .split('\n')
    .find((l) => l.startsWith(`| ${metric} |`))
  if (!line) throw new Error(`no row for ${metric} in:\n${text.slice(start, start + 3000)}`)
  return line.slice(2, -2).split(' | ')
}

const COLUMNS = ['Metric', 'Canary', 'Baseline', 'Ratio', 'n (canary / baseline)', "Judge's statistic", 'Result', 'Why']
const cellsOf = (cells: string[]): Record<string, string> => Object.fromEntries(COLUMNS.map((name, i) => [name, cells[i]]))

/** A metric compared by its conditions, with the requests behind each arm. */
const CONDITIONED = `    - name: error-ratio
      interval: 1m
      count: 3
      baseline: { args: [{ name: version, value: stable }] }
      sampleSize: { minimum: 100, unit: requests, query: 'requests{version="{{args.version}}"}' }
      successCondition: result[0] <= baseline[0] * 1.1
      failureCondition: result[0] > baseline[0] * 2
      provider:
        prometheus: { query: 'ratio{version="{{args.version}}"}' }`

describe('canary against baseline, in the report', () => {
  it('shows a Mann-Whitney metric with its classification, p-value and Hodges-Lehmann interval', async () => {
    const outcome = await analyse(await planMetrics(judged('p99', P99)), fakePrometheus(either(latencies('p99', 20, 240, 1.6))))
    const judgement = outcome.metrics[0].judgement!
    const p99 = cellsOf(row(report(outcome), 'p99'))
    expect(p99.Canary).toMatch(/^\d+(\.\d+)? ms$/)
    expect(p99.Baseline).toMatch(/^\d+(\.\d+)? ms$/)
    expect(p99.Ratio).toBe(`${Math.round(judgement.ratio! * 100)} %`)
    expect(p99['n (canary / baseline)']).toBe('100 / 100 samples')
    expect(p99["Judge's statistic"]).toMatch(/^High · p (\d\.\d+(e-\d+)?|&lt; 1e-12) · shift \\\[\+\d+(\.\d+)? ms, \+\d+(\.\d+)? ms\\\]$/)
    expect(p99.Result).toBe('❌ Failed')
    expect(p99.Why).toMatch(/^High: canary mean \d+(\.\d+)? ms is 1\d\d % of the baseline&#39;s \d+(\.\d+)? ms \(n 100\/100\); shift .* → High \(5 intervals\)$/)
  })

  it('shows a sequentialRate metric with its always-valid p-value, the ratio interval and the requests per arm', async () => {
    const intervals = [...errorTraffic(11, { perMinute: 1500, minutes: 60, withDrift: true }, 0.005, 3)]
    const outcome = await analyse(await planMetrics(RATE_METRIC(60)), fakePrometheus(rateAnswers(intervals)))
    const taken = outcome.metrics[0].tally.measurements.length
    const sum = (arm: 'canary' | 'baseline'): number => intervals.slice(0, taken).reduce((total, i) => total + i[arm].exposure, 0)
    const errors = cellsOf(row(report(outcome), 'errors'))
    expect(errors['n (canary / baseline)']).toBe(`${sum('canary')} / ${sum('baseline')} requests`)
    expect(errors["Judge's statistic"]).toMatch(/^p 0\.\d+ · ratio \\\[\d+ %, \d+ %\\\]$/)
    expect(errors.Ratio).toMatch(/^\d+ %$/)
    expect(errors.Canary).toMatch(/^0\.\d+$/)
    expect(errors.Result).toBe('❌ Failed')
    expect(errors.Why).toMatch(/^error rate ratio \d+ % \(canary \d+\/\d+, baseline \d+\/\d+ over \d+ intervals\); 99 % confidence sequence .* → fail$/)
  })

  it('shows a metric compared by its conditions with the last pair, their ratio and the requests behind them', async () => {
    const answer = (ask: Ask): unknown => (ask.series === 'requests' ? [ask.version === 'canary' ? 480 : 4520] : [ask.version === 'canary' ? 0.52 : 0.5])
    const outcome = await analyse(await planMetrics(CONDITIONED), fakePrometheus(answer))
    expect(row(report(outcome), 'error-ratio')).toEqual([
      'error-ratio',
      '0.52',
      '0.5',
      '104 %',
      '480 / 4520 requests',
      '–',
      '✅ Successful',
      '0.52 (baseline 0.5): successCondition result\\[0\\] &lt;= baseline\\[0\\] \\* 1.1 is true'
    ])
  })

  it('says how many readings were not counted for too little data, and why', async () => {
    const requests = [37, 480, 480]
    const answer = (ask: Ask): unknown => (ask.series === 'requests' ? [ask.version === 'canary' ? requests[Math.min(ask.call, 2)] : 4520] : [0.5])
    const outcome = await analyse(await planMetrics(CONDITIONED), fakePrometheus(answer))
    expect(cellsOf(row(report(outcome), 'error-ratio')).Why).toBe(
      '0.5 (baseline 0.5): successCondition result\\[0\\] &lt;= baseline\\[0\\] \\* 1.1 is true; 1 of 4 readings not counted: insufficient data: 37 canary requests &lt; 100'
    )

    // A judged metric that never had enough: Inconclusive at the timeout, every reading uncounted.
    const starved = await analyse(await planMetrics(RATE_METRIC(3)), fakePrometheus(() => [0]), { deadlineMs: 5 * 60_000 })
    const errors = cellsOf(row(report(starved), 'errors'))
    const taken = starved.metrics[0].tally.measurements.length
    expect(errors.Result).toBe('❔ Inconclusive')
    expect(errors.Why).toBe(`insufficient data: 0 canary and 0 baseline requests &lt; 1; the judge waits for the next interval; ${taken} of ${taken} readings not counted (too little data)`)
  })

  it("gives Kayenta's score with its classification, thresholds and group scores", async () => {
    const metrics = (counts = { p99: 5, errors: 5 }): string =>
      [
        judged('p99', `${P99}\n  critical: true\n  group: latency`, `interval: 1m\ncount: ${counts.p99}`),
        judged('errors', 'mannWhitney:\n  direction: increase\n  group: errors', `interval: 1m\ncount: ${counts.errors}`)
      ].join('\n')
    const scoring = '  scoring:\n    groups: { latency: 80, errors: 20 }\n    pass: 95\n    marginal: 75\n'
    const answer = either(latencies('p99', 20, 240, 1, 1), latencies('errors', 20, 50, 2, 2))
    const outcome = await analyse(await planMetrics(metrics(), scoring), fakePrometheus(answer))
    const text = report(outcome)
    expect(text).toContain(
      '**Kayenta score:** score 80 (pass ≥ 95, marginal ≥ 75) over 2 metrics in 2 groups → Marginal; groups: latency 100 (weight 80), errors 0 (weight 20)'
    )
    expect(cellsOf(row(text, 'errors')).Result).toBe('❌ Failed <sub>scored</sub>')
    expect(cellsOf(row(text, 'p99'))["Judge's statistic"]).toMatch(/^Pass · p /)
    // The main table names the judge where a condition would be.
    expect(text).toMatch(/\| p99 \| — \| mean [^|]+ \| <code>judged by mannWhitney against the baseline<\/code> \|/)

    // A critical failure zeroes the score at once (errors, stopped, is in no group); the line adds the thresholds.
    const critical = await analyse(
      await planMetrics(metrics({ p99: 3, errors: 10 }), scoring),
      fakePrometheus(either(latencies('p99', 20, 240, 1.8, 1), latencies('errors', 20, 50, 1, 2)))
    )
    expect(report(critical)).toMatch(/\*\*Kayenta score:\*\* score 0 \(pass ≥ 95, marginal ≥ 75\) → Fail: critical metric p99 is High: .*; groups: latency 0 \(weight 80\)$/m)
  })

  it('leaves reports without a baseline as they were: no comparison table', async () => {
    const outcome = await analyse(
      await planMetrics(`    - name: saturation
      interval: 1m
      count: 2
      successCondition: result[0] < 0.8
      provider:
        prometheus: { query: 'saturation{version="{{args.version}}"}' }`),
      fakePrometheus(() => [0.3])
    )
    expect(report(outcome)).not.toContain('Canary against baseline')
  })
})

describe('canary against baseline, in the charts', () => {
  it('draws canary and baseline as two lines over the same readings, which Mermaid parses', async () => {
    const ratios = [0.5, 0.52, 1.5]
    const answer = (ask: Ask): unknown => (ask.series === 'requests' ? [500] : [ask.version === 'canary' ? ratios[Math.min(ask.call, 2)] : 0.5])
    const outcome = await analyse(await planMetrics(CONDITIONED), fakePrometheus(answer))
    expect(outcome.verdict).toBe('Failed')
    const judgedRun = await analyse(await planMetrics(judged('p99', P99)), fakePrometheus(either(latencies('p99', 20, 240, 1.6))))
    const blocks = [...mermaidBlocks(report(outcome)), ...mermaidBlocks(report(judgedRun))]
    expect(blocks).toHaveLength(2)
    const [conditioned, judgedChart] = blocks
    expect(conditioned.split('\n')[0]).toBe('%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#e5534b, #2f81f7"}}}}%%')
    expect(conditioned).toContain('title "error-ratio: canary red, baseline blue"')
    expect(conditioned).toContain(`y-axis "result'0'" 0 --> 2`)
    expect(conditioned).toContain('line [0.5, 0.52, 1.5]\n  line [0.5, 0.5, 0.5]')
    expect(conditioned).not.toContain('bar [')
    expect(judgedChart).toContain('y-axis "mean so far (ms)"')
    expect(judgedChart.match(/\n {2}line \[/g)).toHaveLength(2)
    expect(await parseMermaid(blocks)).toEqual([
      { ok: true, type: 'xychart' },
      { ok: true, type: 'xychart' }
    ])
  })
})

describe('canary against baseline, in the JSON report', () => {
  it('keeps the pair per measurement, the judge’s view, the judgement and the score', async () => {
    const metrics = [judged('p99', `${P99}\n  group: latency`), judged('errors', 'mannWhitney:\n  direction: increase\n  group: errors')].join('\n')
    const scoring = '  scoring:\n    groups: { latency: 80, errors: 20 }\n    pass: 95\n    marginal: 75\n'
    const outcome = await analyse(await planMetrics(metrics, scoring), fakePrometheus(either(latencies('p99', 20, 240, 1, 1), latencies('errors', 20, 50, 2, 2))))
    const json = reportJson(analyzed(outcome)) as { analyses: Array<{ score: unknown; metrics: Array<Record<string, unknown> & { measurements: Array<Record<string, unknown>> }> }> }
    const [analysis] = json.analyses
    expect(analysis.score).toMatchObject({ score: 80, classification: 'Marginal', groups: [{ name: 'latency', score: 100, weight: 80 }, { name: 'errors', score: 0, weight: 20 }] })
    const errors = analysis.metrics[1]
    expect(errors).toMatchObject({ judge: 'mannWhitney', scored: true, baseline: { query: 'errors{version="stable"}' }, judgement: { kind: 'mannWhitney', classification: 'High', n: { canary: 100, baseline: 100 } } })
    const [first] = errors.measurements
    expect(first.value).toHaveLength(20)
    expect(first.baselineValue).toHaveLength(20)
    expect(first.judge).toMatchObject({ kind: 'mannWhitney', decision: 'continue', n: { canary: 20, baseline: 20 } })
  })

  it('keeps uncounted readings and their samples, infinite bounds as Prometheus spells them, and redacts what is secret', async () => {
    const requests = [37, 480, 480]
    const answer = (ask: Ask): unknown =>
      ask.series === 'requests' ? [ask.version === 'canary' ? requests[Math.min(ask.call, 2)] : 4520] : ask.version === 'canary' ? [0.5] : [0.5]
    const outcome = await analyse(await planMetrics(CONDITIONED), fakePrometheus(answer))
    const result = analyzed(outcome)
    // A secret that reached the baseline's answer and the judge's reason must not reach the file.
    result.analyses[0].outcome.metrics[0].tally.measurements[1].baselineValue = { note: 'token s3cr3t-value', ratio: [0.5] }
    result.analyses[0].outcome.metrics[0].judgement = { kind: 'sequentialRate', interval: { lower: 1.2, upper: Infinity, of: 'ratio' }, reason: 'seen s3cr3t-value' }
    const secrets = new Secrets()
    secrets.add('s3cr3t-value')
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'cg-compare-')), 'report.json')
    await writeReport(result, file, secrets)
    const text = await readFile(file, 'utf8')
    expect(text).not.toContain('s3cr3t-value')
    const written = JSON.parse(text) as { analyses: Array<{ metrics: Array<{ judgement: { interval: { upper: unknown } }; measurements: Array<Record<string, unknown>> }> }> }
    const [metric] = written.analyses[0].metrics
    expect(metric.judgement.interval.upper).toBe('+Inf')
    expect(metric.measurements[0]).toMatchObject({ uncounted: true, samples: { canary: 37, baseline: 4520, unit: 'requests' }, message: 'insufficient data: 37 canary requests < 100' })
    expect(metric.measurements[2]).toMatchObject({ value: [0.5], baselineValue: [0.5], display: '0.5', baselineDisplay: '0.5', samples: { canary: 480, baseline: 4520, unit: 'requests' } })
  })
})
