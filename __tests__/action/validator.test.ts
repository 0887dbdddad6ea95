// Seed 002's canary validator (examples/validator/) through the bundle, against a real Prometheus
// holding canary and baseline series made with promtool: a healthy canary, a slow one (p99 ×1.8), an
// erroring one (errors ×3), one whose only regression is non-critical, and one with too little
// traffic to judge.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { canaryTraffic, DEFAULT_LATENCY, gaugeSeries, startPrometheus, type PrometheusServer, type Series } from '../../emulators/prometheus/server.js'
import { runAction } from '../../emulators/runner.js'

/** A latency distribution about 1.8 times slower than DEFAULT_LATENCY at the 99th percentile. */
const SLOW: Array<[number, number]> = [
  [0.025, 0.1],
  [0.05, 0.3],
  [0.1, 0.7],
  [0.25, 0.9],
  [0.5, 0.95],
  [1, 0.995],
  [Infinity, 1]
]

function service(app: string, canary: { rps: number; errors: number; latency?: Array<[number, number]>; confidence: number }, stable: { rps: number; errors: number; confidence: number }): Series[] {
  const now = Date.now()
  return [
    ...canaryTraffic({ app, version: 'canary', requestsPerSecond: canary.rps, errorRatio: canary.errors, minutes: 15, latency: canary.latency ?? DEFAULT_LATENCY, now }),
    ...canaryTraffic({ app, version: 'stable', requestsPerSecond: stable.rps, errorRatio: stable.errors, minutes: 15, now }),
    gaugeSeries({ name: 'model_prediction_confidence', labels: { app, version: 'canary' }, value: canary.confidence, minutes: 15, now }),
    gaugeSeries({ name: 'model_prediction_confidence', labels: { app, version: 'stable' }, value: stable.confidence, minutes: 15, now })
  ]
}

/** The median about a third slower than DEFAULT_LATENCY's, the 99th percentile the same. */
const SLOWER_MEDIAN: Array<[number, number]> = [
  [0.025, 0.1],
  [0.05, 0.3],
  [0.1, 0.9],
  [0.25, 0.95],
  [0.5, 0.99],
  [1, 0.999],
  [Infinity, 1]
]

let prometheus: PrometheusServer
beforeAll(async () => {
  prometheus = await startPrometheus({
    series: [
      ...service('healthy', { rps: 10, errors: 0.003, confidence: 0.91 }, { rps: 40, errors: 0.003, confidence: 0.92 }),
      ...service('slow', { rps: 10, errors: 0.003, latency: SLOW, confidence: 0.91 }, { rps: 40, errors: 0.003, confidence: 0.92 }),
      ...service('erroring', { rps: 10, errors: 0.009, confidence: 0.91 }, { rps: 40, errors: 0.003, confidence: 0.92 }),
      ...service('mixed', { rps: 10, errors: 0.003, latency: SLOWER_MEDIAN, confidence: 0.91 }, { rps: 40, errors: 0.003, confidence: 0.92 }),
      // 0.1 request per second: 30 in the 5-minute window, fewer than the 100 the validator needs
      ...service('quiet', { rps: 0.1, errors: 0, confidence: 0.91 }, { rps: 40, errors: 0.003, confidence: 0.92 })
    ]
  })
}, 120_000)
afterAll(async () => {
  await prometheus?.close()
})

async function validate(app: string, timeout = '30m') {
  const run = await runAction({
    inputs: {
      command: 'analyze',
      plan: 'examples/validator/analysis-templates.yaml',
      args: `app=${app}\ncanary-version=canary\nstable-version=stable`,
      'prometheus-url': prometheus.url,
      timeout
    },
    env: { CANARY_GATE_TIME_SCALE: '60' }
  })
  const metrics = (run.report?.analyses as Array<{ metrics: Array<{ name: string; phase: string; message: string }> }> | undefined)?.[0]?.metrics ?? []
  return { run, phases: Object.fromEntries(metrics.map((m) => [m.name, m.phase])), messages: Object.fromEntries(metrics.map((m) => [m.name, m.message])) }
}

describe("seed 002's validator: canary against baseline in a real Prometheus", () => {
  it('proceeds with a healthy canary: every critical metric within 110 % of the baseline', async () => {
    const { run, phases } = await validate('healthy')
    expect(run.stderr).toBe('')
    expect(phases).toEqual({ 'p99-latency': 'Successful', 'error-ratio': 'Successful', 'p50-latency': 'Successful', 'model-confidence': 'Successful' })
    expect(run.outputs.verdict).toBe('Successful')
    expect(run.exitCode).toBe(0)
  })

  it('rolls back a slow canary: p99 above 150 % of the baseline', async () => {
    const { run, phases, messages } = await validate('slow')
    expect(run.outputs.verdict).toBe('Failed')
    expect(phases['p99-latency']).toBe('Failed')
    expect(run.outputs['failed-metrics']).toContain('p99-latency')
    expect(messages['p99-latency']).toMatch(/baseline/)
  })

  it('rolls back an erroring canary: errors above 200 % of the baseline', async () => {
    const { run, phases } = await validate('erroring')
    expect(run.outputs.verdict).toBe('Failed')
    expect(phases['error-ratio']).toBe('Failed')
    expect(phases['p99-latency']).not.toBe('Failed')
  })

  it('asks for a manual review when only a non-critical metric regressed', async () => {
    const { run, phases } = await validate('mixed')
    expect(phases['p50-latency']).toBe('Inconclusive')
    // The critical metrics passed every reading they took (the review may end the analysis before their last).
    for (const name of ['p99-latency', 'error-ratio', 'model-confidence']) expect(['Successful', 'Running']).toContain(phases[name])
    expect(run.stdout).not.toMatch(/(p99-latency|error-ratio|model-confidence) #\d+: .* → (Failed|Inconclusive)/)
    expect(run.outputs.verdict).toBe('Inconclusive')
    expect(run.exitCode).not.toBe(0)
  })

  it('asks for a human when there is too little traffic to judge, naming the count', async () => {
    // Every reading stays below 100 requests: none counts, and the analysis ends at its timeout.
    const { run, phases } = await validate('quiet', '5m')
    expect(run.outputs.verdict).toBe('Inconclusive')
    expect(phases['p99-latency']).toBe('Inconclusive')
    expect(phases['error-ratio']).toBe('Inconclusive')
    expect(run.stdout).toMatch(/insufficient data: \d+(\.\d+)? canary requests < 100/)
    expect(run.stdout).toMatch(/too little data before the timeout/)
    expect(run.summary).toMatch(/insufficient data: \d+(\.\d+)? canary requests (&lt;|<) 100/)
  })
})
