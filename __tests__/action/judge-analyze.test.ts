// Kayenta's Mann-Whitney judge and score through the bundle (`command: analyze`) against a real
// Prometheus: each reading is every pod's p99 latency for one version (twelve series per version),
// gathered over the count and classified once at the end. Pods of a canary about 1.6 times slower
// than the stable pods make the critical metric High and the score 0; pods as fast pass with score 100.
// (Time runs 60× faster than Prometheus's: the three readings see the same latest samples.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createRandom } from '../../src/analysis/judges/random.js'
import { gaugeSeries, startPrometheus, type PrometheusServer, type Series } from '../../emulators/prometheus/server.js'
import { runAction } from '../../emulators/runner.js'

const PODS = 12

/** Per-pod p99 latencies (ms) of one app and version, log-normal around `median`, wandering over time. */
function pods(app: string, version: string, median: number, seed: number, now: number): Series[] {
  const random = createRandom(seed)
  return Array.from({ length: PODS }, (_, pod) => {
    const level = Math.log(median) + 0.15 * random.normal()
    return gaugeSeries({ name: 'pod_latency_p99_ms', labels: { app, version, pod: `${version}-${pod}` }, minutes: 15, now, value: () => Math.round(Math.exp(level + 0.1 * random.normal())) })
  })
}

const TEMPLATE = `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: latency-vs-baseline }
spec:
  args:
    - name: app
    - name: version
      value: canary
  scoring:
    groups: { latency: 100 }
    pass: 95
    marginal: 75
  metrics:
    - name: p99
      interval: 1m
      count: 3
      baseline:
        args: [{ name: version, value: stable }]
      judge:
        mannWhitney:
          direction: increase
          critical: true
          group: latency
          unit: ms
          effectSize: { allowedIncrease: 1.1, criticalIncrease: 1.5 }
      provider:
        prometheus:
          query: pod_latency_p99_ms{app="{{args.app}}",version="{{args.version}}"}
`

let prometheus: PrometheusServer
let plan: string
beforeAll(async () => {
  const now = Date.now()
  prometheus = await startPrometheus({
    series: [...pods('fast', 'canary', 240, 1, now), ...pods('fast', 'stable', 240, 2, now), ...pods('slow', 'canary', 390, 3, now), ...pods('slow', 'stable', 240, 4, now)]
  })
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-judge-'))
  plan = path.join(dir, 'latency.yaml')
  await writeFile(plan, TEMPLATE)
}, 120_000)
afterAll(async () => {
  await prometheus?.close()
})

const analyze = (app: string) =>
  runAction({ inputs: { command: 'analyze', plan, args: `app=${app}`, 'prometheus-url': prometheus.url, timeout: '30m' }, env: { CANARY_GATE_TIME_SCALE: '60' } })

describe("Kayenta's judge through the bundle", () => {
  it('fails pods 1.6 times slower than the stable pods at the count: High, score 0', async () => {
    const run = await analyze('slow')
    expect(run.outputs).toMatchObject({ verdict: 'Failed', 'failed-metrics': 'p99' })
    // A fixed horizon: readings 1 and 2 wait for the count, the third is judged.
    expect(run.stdout).toMatch(/p99 #1: .* → Inconclusive \(canary mean [\d.]+ ms vs the baseline’s [\d.]+ ms \(1\d\d %\), n 12\/12 after 1 of 3 intervals: judged when count is reached\)/)
    expect(run.stdout).toMatch(/p99 #3: .* → Failed/)
    const analysis = (run.report as { analyses: Array<{ score?: { score: number; classification: string }; metrics: Array<{ judgement?: { classification?: string; n?: unknown } }> }> }).analyses[0]
    expect(analysis.score).toMatchObject({ score: 0, classification: 'Fail' })
    expect(analysis.metrics[0].judgement).toMatchObject({ classification: 'High', n: { canary: 36, baseline: 36 } })
    expect(run.summary).toMatch(/\*\*Kayenta score:\*\* /)
    expect(run.summary).toMatch(/\| p99 \| [\d.]+ ms \| [\d.]+ ms \| 1\d\d % \| 36 \/ 36 samples \| High · p (&lt; )?[\d.e-]+ · shift \\\[\+\d+ ms, \+\d+ ms\\\]/)
  })

  it('passes pods as fast as the stable pods: Pass, score 100', async () => {
    const run = await analyze('fast')
    expect(run.outputs.verdict).toBe('Successful')
    const analysis = (run.report as { analyses: Array<{ score?: { score: number; classification: string } }> }).analyses[0]
    expect(analysis.score).toMatchObject({ score: 100, classification: 'Pass' })
  })
})
