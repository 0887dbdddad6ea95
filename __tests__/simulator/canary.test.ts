// One simulated canary through the real engine on the virtual clock, and how the benchmark reads a
// judge's template: all four judges load through the plan code and decide through the engine; any
// problem the plan code finds in a template stops the benchmark.
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { ConfigError } from '../../src/config-error.js'
import { ANALYSIS_START_MINUTE, runCanary } from '../../scripts/simulator/canary.js'
import { JUDGES, loadJudge, type JudgeConfig } from '../../scripts/simulator/judges.js'
import type { SimulatedProvider } from '../../scripts/simulator/provider.js'
import { BASE, type TrafficModel } from '../../scripts/simulator/traffic.js'

const fixed = JUDGES.find((j) => j.id === 'fixed')!

async function seedMetrics() {
  return (await loadJudge(fixed)).metrics
}

const model = (errors: number, latency = 1): TrafficModel => ({ ...BASE, perMinute: 1500, regression: { errors, latency } })
const metricsOf = async (id: string) => (await loadJudge(JUDGES.find((j) => j.id === id)!)).metrics

describe("the seed's fixed threshold on the engine", () => {
  it('measures at the start of the analysis and a minute later, and passes a healthy canary then', async () => {
    let provider: SimulatedProvider | undefined
    const run = await runCanary(await seedMetrics(), model(1), 4, { provider: (p) => (provider = p) })
    expect(run).toMatchObject({ verdict: 'Successful', decision: 'promote', minutes: 1 })
    expect(provider?.answered?.map((q) => q.minute)).toEqual([ANALYSIS_START_MINUTE, ANALYSIS_START_MINUTE + 1])
  })

  it('rolls back a canary failing half its requests at its second failed measurement (failureLimit 1)', async () => {
    const run = await runCanary(await seedMetrics(), model(100), 4)
    expect(run).toMatchObject({ verdict: 'Failed', decision: 'rollback', minutes: 1 })
    expect(run.reason).toContain('error-rate')
  })

  it('gives the same outcome, from the same answers, for the same seed; another seed answers otherwise', async () => {
    const metrics = await seedMetrics()
    // At 15 req/min the answers vary from seed to seed; a seed must pin them down.
    const low = { ...model(3), perMinute: 15 }
    const answersOf = async (seed: number) => {
      let provider: SimulatedProvider | undefined
      const run = await runCanary(metrics, low, seed, { provider: (p) => (provider = p) })
      return { run, answers: provider?.answered?.map((q) => q.result) }
    }
    const [first, again, other] = await Promise.all([answersOf(99), answersOf(99), answersOf(100)])
    expect(first.answers?.length).toBeGreaterThan(0)
    expect(again).toEqual(first)
    expect(other.answers).not.toEqual(first.answers)
  })
})

describe('the issue-9 judges on the engine', () => {
  it('reads all four judges through the plan code, with the judges and baselines the templates ask for', async () => {
    const kinds = await Promise.all(JUDGES.map(async (j) => (await metricsOf(j.id)).map((m) => `${m.name}:${m.judge?.kind ?? (m.baseline ? 'baseline' : 'condition')}`)))
    expect(Object.fromEntries(JUDGES.map((j, i) => [j.id, kinds[i]]))).toEqual({
      fixed: ['error-rate:condition'],
      ratio: ['p99-latency:baseline', 'error-rate:baseline'],
      'mann-whitney': ['latency:mannWhitney', 'error-rate:mannWhitney'],
      sequential: ['error-rate:sequentialRate', 'latency:sequentialMean']
    })
  })

  it('Mann-Whitney judges once, at its 30th reading: a doubled latency is rolled back 29 minutes after the start', async () => {
    const run = await runCanary(await metricsOf('mann-whitney'), model(1, 2), 7)
    expect(run).toMatchObject({ verdict: 'Failed', decision: 'rollback', minutes: 29 })
  })

  it('the sequential judge rolls back errors ×5 within minutes, and passes an A/A canary when its hour is up', async () => {
    const metrics = await metricsOf('sequential')
    const bad = await runCanary(metrics, model(5), 7)
    expect(bad).toMatchObject({ verdict: 'Failed', decision: 'rollback' })
    expect(bad.minutes).toBeLessThan(15)
    expect(bad.reason).toContain('error-rate')
    expect(await runCanary(metrics, model(1), 7)).toMatchObject({ verdict: 'Successful', decision: 'promote', minutes: 59 })
  })

  it('the ratio rules roll back a canary with five times the errors at a comparison', async () => {
    const run = await runCanary(await metricsOf('ratio'), model(5), 7)
    expect(run).toMatchObject({ verdict: 'Failed', decision: 'rollback' })
    expect(run.reason).toContain('error-rate')
  })
})

describe('reading a judge', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'canary-gate-judges-'))
  const template = (name: string, metricFields: string): string => {
    const file = path.join(dir, `${name}.yaml`)
    writeFileSync(
      file,
      `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: ${name}
spec:
  metrics:
    - name: m
      interval: 1m
      count: 3
${metricFields}
      provider:
        prometheus:
          query: 'scalar(sum(increase(http_requests_total{version="canary"}[1m])))'
`
    )
    return file
  }
  const judge = (file: string): JudgeConfig => ({ id: 't', title: 't', files: [file], args: {} })

  it('stops at a mistake in the contract fields too (no judge is skipped), naming the field', async () => {
    // A judge kind the contract does not define.
    const file = template('contract', '      baseline: { args: [{ name: version, value: stable }] }\n      judge: { someJudge: { alpha: 0.01 } }')
    await expect(loadJudge(judge(file))).rejects.toThrow(/contract\.yaml:\d+: metric "m": judge/)
  })

  it('stops at any other mistake', async () => {
    const file = template('typo', '      successCondition: result < 1\n      intervall: 1m')
    await expect(loadJudge(judge(file))).rejects.toThrow(ConfigError)
  })
})
